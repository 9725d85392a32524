"""The main journeys in a real browser: a need typed on the start page, results grouped by
kind with reasons, every result's entity page, keyboard use, the language switch, the
friendly 404 page — each page screenshotted and checked with axe-core."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx2 as httpx
import pytest

from tests.browser.conftest import KINDS, NEED, axe_violations, screenshot

ENTITY_PREFIXES = (
    "/calls/",
    "/organisations/",
    "/hubs/",
    "/platforms/",
    "/working-groups/",
    "/solutions/",
    "/projects/",
)


def test_a_need_typed_on_the_start_page_gives_calls_hubs_partners_and_solutions_with_reasons(page, server):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "sv"
    screenshot(page, "home")
    page.get_by_label("Beskriv ert behov").fill(NEED)
    page.get_by_role("button", name="Sök").click()
    page.wait_for_url("**/search?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Resultat för ert behov"
    screenshot(page, "results")
    for kind in KINDS:
        group = page.locator(f"section#h-{kind}, section:has(h2#h-{kind})")
        items = group.locator("li.result")
        assert items.count() >= 1, f"no {kind} results"
        first = items.first
        assert first.locator("ul.why li").count() >= 1, f"{kind} result without a reason"
    # the reasons are in the reader's language, with the user's own words
    assert "Matchar era ord:" in page.locator("section:has(h2#h-call)").inner_text()
    assert "äldreomsorgen" in page.locator("section:has(h2#h-solution)").inner_text()
    links = page.locator("li.result h3 a").evaluate_all("(as) => as.map(a => a.getAttribute('href'))")
    assert len(links) >= 6 and all(link.startswith(ENTITY_PREFIXES) for link in links)
    for link in links:  # every result links to a working entity page
        # a working group leads to its platform's page
        response = httpx.get(server + link, headers={"Accept-Language": "sv"}, timeout=60, follow_redirects=True)
        assert response.status_code == 200, link
        assert "<h1>" in response.text


MAPS = ["statistics", "statistics-regions", "statistics-participation"]


@pytest.mark.parametrize("kind", [*KINDS, "region", "county", "municipality", *MAPS])
def test_every_page_kind_renders_and_has_no_serious_accessibility_violation(page, entity_pages, kind):
    response = page.goto(entity_pages[kind])
    assert response.status == 200
    assert page.get_by_role("heading", level=1).count() == 1
    screenshot(page, kind)
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path", ["/", "/search?" + urlencode({"q": NEED}), "/search?" + urlencode({"q": NEED, "kind": "organisation"})]
)
def test_search_pages_have_no_serious_accessibility_violation(page, path):
    page.goto(path)
    assert axe_violations(page) == []


def test_keyboard_only_journey_from_skip_link_to_results(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"  # the skip link comes first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("vätgas för tung industri")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "region"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    assert "v%C3%A4tgas" in page.url or "vätgas" in page.url
    # the first result link is reachable by keyboard and opens its page
    page.locator("li.result h3 a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].split("/")[3] in ("calls", "organisations", "hubs", "platforms")
    screenshot(page, "keyboard-journey-end")


def test_facets_narrow_results_and_the_url_can_be_shared(page):
    page.goto("/search?" + urlencode({"q": "energy efficiency in buildings", "kind": "organisation"}))
    page.locator("aside.facets a", has_text="Sverige").first.click()
    page.wait_for_url("**country=SE**")
    shared = page.url
    metas = page.locator("li.result .meta").all_inner_texts()
    assert metas and all("Sverige" in m for m in metas)
    again = page.context.new_page()
    again.goto(shared)
    assert again.locator("li.result .meta").all_inner_texts() == metas


def test_language_switch_is_remembered(page):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Describe your need").is_visible()
    page.goto("/statistics")  # the cookie keeps English without ?lang=
    assert page.get_by_role("heading", level=1).inner_text() == "Maps and figures"


def test_unknown_entity_gets_a_friendly_404_in_the_readers_language(page):
    response = page.goto("/calls/NO-SUCH-CALL")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Sidan finns inte"
    assert "Traceback" not in page.content()
    screenshot(page, "not-found")
    assert axe_violations(page) == []


def test_phone_width_has_no_horizontal_scroll(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 800}, locale="sv-SE")
    page = context.new_page()
    page.goto("/search?" + urlencode({"q": NEED}))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, "results-phone")
    context.close()
    assert overflow <= 0


def test_api_documentation_works_offline_under_our_csp(browser, server):
    """/docs in a real browser, with the app's CSP enforced: Swagger UI comes from our own
    origin (the page used to load it from a CDN, which the CSP blocked: a blank page)."""
    context = browser.new_context(base_url=server)  # no bypass: the CSP applies
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    foreign: list[str] = []
    page.on("request", lambda request: foreign.append(request.url) if not request.url.startswith(server) else None)
    page.goto("/docs")
    page.wait_for_selector(".opblock-summary", timeout=60_000)
    operations = page.locator(".opblock-summary").count()
    assert operations >= 20, operations
    assert page.get_by_text("/api/v1/search").first.is_visible()
    screenshot(page, "api-docs")
    context.close()
    assert foreign == [] and problems == [], (foreign, problems)
