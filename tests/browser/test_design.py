"""The design system in a real browser: every page kind in both languages at a desktop and a
phone width — screenshotted into build/screenshots/ (``call-sv-1280.png``), with no horizontal
scroll and no serious axe-core violation on the phone — and each page's weight, the bytes of
HTML, CSS, fonts and icons the browser loads, within the budget of 150 KB both as they come
over the wire (the static files gzip-compressed, the pages not) and decoded."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import NEED, SCREENSHOTS, axe_violations

BUDGET = 150_000  # bytes per page: HTML + CSS + fonts + icons
WEIGHED = {"document", "stylesheet", "font", "image"}  # the resource types the budget covers
WIDTHS = (1280, 375)
LANGUAGES = ("sv", "en")
OTHER_PAGES = {
    "home": "/",
    "results": "/search?" + urlencode({"q": NEED}),
    "results-hubs": "/search?" + urlencode({"q": NEED, "kind": "hub"}),
    "sources": "/sources",
    "strategies": "/strategies",
    "board": "/board",
    "sign-in": "/account/sign-in",
    "not-found": "/calls/NO-SUCH-CALL",
}
KINDS = (
    "call",
    "organisation",
    "hub",
    "platform",
    "solution",
    "project",
    "region",
    "county",
    "municipality",
    "statistics",
    "statistics-regions",
    "statistics-participation",
    "consortium",
)
WEIGHTS: dict[str, int] = {}  # page kind → heaviest bytes seen over the wire, for the report
DECODED: dict[str, int] = {}  # page kind → the same, decoded


def weigh(page, path: str) -> tuple[int, int, int, dict[str, int]]:
    """Load ``path``; its status, the bytes that came over the wire (the static files are
    compressed, the pages not) and the bytes once decoded, and the wire's per resource type."""
    loaded: list = []
    page.on("response", lambda response: loaded.append(response))  # the page closes after, with it
    response = page.goto(path)
    page.wait_for_load_state("load")
    per_type: dict[str, int] = {}
    decoded = 0
    for r in loaded:
        kind = r.request.resource_type
        if kind in WEIGHED and not 300 <= r.status < 400:  # a redirect has no body
            per_type[kind] = per_type.get(kind, 0) + r.request.sizes()["responseBodySize"]
            decoded += len(r.body())
    return response.status, sum(per_type.values()), decoded, per_type


@pytest.mark.parametrize("kind", [*KINDS, *OTHER_PAGES])
def test_every_page_kind_in_both_languages_fits_a_phone_and_the_weight_budget(browser, server, entity_pages, kind):
    path = entity_pages.get(kind) or OTHER_PAGES[kind]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []  # every language and width is screenshotted before the test fails
    for lang in LANGUAGES:
        for width in WIDTHS:
            context = browser.new_context(
                base_url=server,
                viewport={"width": width, "height": 900},
                bypass_csp=True,  # lets axe-core in
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            status, weight, decoded, per_type = weigh(page, path + ("&" if "?" in path else "?") + "lang=" + lang)
            assert status == (404 if kind == "not-found" else 200), (kind, lang, status)
            assert page.locator("html").get_attribute("lang") == lang
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            page.screenshot(path=str(SCREENSHOTS / f"{kind}-{lang}-{width}.png"), full_page=True)
            if width == WIDTHS[-1]:  # the phone layout, in each language
                problems += [f"{kind} in {lang}: {v}" for v in axe_violations(page)]
            context.close()
            if overflow > 0:
                problems.append(f"{kind} in {lang} scrolls sideways by {overflow} px at {width} px")
            if max(weight, decoded) > BUDGET:  # within the budget compressed or not
                problems.append(f"{kind} in {lang} weighs {weight} bytes ({decoded} decoded): {per_type}")
            WEIGHTS[kind] = max(WEIGHTS.get(kind, 0), weight)
            DECODED[kind] = max(DECODED.get(kind, 0), decoded)
    report = SCREENSHOTS.parent / "page-weight.json"
    known = json.loads(report.read_text()) if report.is_file() else {}
    measured = {k: {"wire": WEIGHTS[k], "decoded": DECODED[k]} for k in WEIGHTS}
    report.write_text(json.dumps({**known, **measured}, indent=1, sort_keys=True))
    assert problems == []


def test_the_design_system_css_is_ours_to_serve_and_names_no_gov_uk_font_or_logo(page):
    """The vendored GOV.UK Frontend CSS is served from our origin, without GOV.UK's font (GDS
    Transport) or its crown, which are GOV.UK's alone, and names the package and its hash."""
    css = page.request.get("/static/govuk-frontend.css")
    assert css.status == 200
    text = css.text()
    assert "GOV.UK Frontend 6.6.0" in text[:400] and "sha256" in text[:400]
    for banned in ("GDS Transport", "@font-face", "govuk-crest", "/assets/"):
        assert banned not in text
    licence = page.request.get("/static/govuk-frontend.LICENSE.txt")
    assert licence.status == 200 and "MIT" in licence.text()
