"""A real server on a copy of the demo catalogue, driven by Playwright in Debian's Chromium
(``scripts/browser-deps`` installs it and axe-core). Screenshots go to build/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx2 as httpx
import pytest

from tests.serving import serving

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
NEED = "Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen i vår kommun"
KINDS = ("call", "organisation", "hub", "platform", "solution", "project")
# what the machine's closed network needs: no background connections, no sandbox as root
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def server(databases, demo_db, tmp_path_factory):
    """``samverkan serve`` on a private copy of the demo catalogue; yields its base URL."""
    url = databases.copy(demo_db.url, tag="browser")
    with serving(url, tmp_path_factory.mktemp("server") / "server.log") as base:
        httpx.get(base + "/", timeout=120)  # builds the indexes once, before the first test
        yield base


@pytest.fixture(scope="session")
def entity_pages(server):
    """One entity page of each kind, reached from the results for the need, and the other
    page kinds a reader meets."""
    answer = httpx.get(server + "/api/v1/search", params={"q": NEED, "limit": 1}, timeout=60).json()
    first = {r["kind"]: r for r in answer["results"]}
    pages = {kind: f"/{kind}s/{first[kind]['id']}" for kind in KINDS}
    pages["region"] = f"/regions/{first['organisation']['region'][:4]}"
    pages["county"] = "/regions/SE232"
    pages["municipality"] = "/municipalities/1480"
    pages["statistics"] = "/statistics"
    pages["statistics-regions"] = "/statistics/regions"
    pages["statistics-participation"] = "/statistics/regions/participation"
    call = first["call"]["id"]
    lead = httpx.get(server + "/api/v1/calls/" + quote(call, safe=""), timeout=60).json()["partners"][0]["id"]
    pages["consortium"] = "/consortium?" + urlencode({"call": call, "lead": lead})
    return pages


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run scripts/browser-deps (scripts/test does)")
    assert AXE.is_file(), "axe-core is missing: run scripts/browser-deps (scripts/test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A page in a fresh context that prefers Swedish, as our users' browsers do."""
    context = browser.new_context(
        base_url=server,
        locale="sv-SE",
        extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"},
        bypass_csp=True,  # lets the test inject axe-core; the app itself allows no foreign script
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
