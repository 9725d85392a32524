"""The pages of needs and solutions in a real browser (Chromium): a published need with its
matches and reasons, a solution, a catalogued case, the lists, the board, the owner's history —
each screenshotted and checked with axe-core (no serious or critical violation)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.core import Samverkan
from samverkan.dataspace.tenants import tenant_by_slug
from samverkan.settings import load_settings
from tests.browser.conftest import axe_violations, screenshot
from tests.serving import serving


@pytest.fixture(scope="module")
def published(databases, demo_db, tmp_path_factory):
    """A server on a copy of the demo catalogue where two organisations published a need and a
    solution; yields (base URL, the owner's token, the need's id, the solution's id)."""
    url = databases.copy(demo_db.url, tag="browser-postings")
    app = Samverkan(load_settings(db=url))
    region = app.dataspace.create_tenant("vgr", "Västra Götalandsregionen")
    borås = app.dataspace.create_tenant("boras", "Borås stad")
    with Session(app.engine) as session:
        vgr, boras = tenant_by_slug(session, "vgr").id, tenant_by_slug(session, "boras").id
    need = app.postings.create(
        Actor.token(vgr, "admin"),
        "need",
        {
            "title": "IoT-plattform för Smart region Västra Götaland",
            "text": "Vi förbereder upphandling av en branschneutral IoT-plattform dit sensordata kan samlas, där "
            "varje aktör får en egen flik och data kan delas.\n\nVi söker partner och finansiering.",
            "status": "published",
            "region": "SE232",
            "focus_areas": ["Säker och hållbar digital infrastruktur"],
            "technologies": ["IoT"],
        },
    )
    solution = app.postings.create(
        Actor.token(boras, "admin"),
        "solution",
        {
            "title": "Öppen IoT-plattform för sensordata",
            "text": "En leverantörsoberoende IoT-plattform där kommunens förvaltningar delar sensordata.",
            "status": "published",
            "municipality": "1490",
            "focus_areas": ["Säker och hållbar digital infrastruktur"],
            "maturity": "in_use",
            "licence": "EUPL-1.2",
        },
    )
    app.close()
    with serving(url, tmp_path_factory.mktemp("postings-server") / "server.log", timeout=120) as base:
        yield base, region["token"], need["id"], solution["id"], borås["token"]


PAGES = {
    "need": lambda n, s: f"/needs/{n}",
    "solution": lambda n, s: f"/solutions/{s}",
    "catalogued-solution": lambda n, s: "/solutions/10556",
    "needs": lambda n, s: "/needs",
    "solutions": lambda n, s: "/solutions",
    "board": lambda n, s: "/board",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_posting_pages_render_and_have_no_serious_accessibility_violation(browser, published, name):
    base, _, need, solution, _ = published
    context = browser.new_context(base_url=base, locale="sv-SE", bypass_csp=True,
                                  extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9"})  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(120_000)
    response = page.goto(PAGES[name](need, solution))
    assert response is not None and response.status == 200
    assert page.get_by_role("heading", level=1).count() == 1
    screenshot(page, f"posting-{name}")
    assert axe_violations(page) == []
    if name == "need":  # the matches, with their reasons in the reader's language
        calls = page.locator("section.group:has(> h3#m-calls) li.result")
        assert calls.count() == 5 and calls.first.locator("ul.why li").count() >= 1
        assert "Matchar era ord:" in page.locator("section.group:has(> h3#m-calls)").inner_text()
        assert "I samma region" in page.locator("section.group:has(> h3#m-hubs)").inner_text()
    context.close()


def test_the_owners_view_with_a_token(browser, published):
    base, token, need, _, _ = published
    context = browser.new_context(base_url=base, locale="en-GB", bypass_csp=True,
                                  extra_http_headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"/needs/{need}/history")
    assert page.get_by_role("heading", level=1).inner_text() == "History"
    assert axe_violations(page) == []
    page.goto(f"/needs/{need}")
    assert page.get_by_role("heading", name="For your organisation").count() == 1
    screenshot(page, "posting-need-owner")
    assert axe_violations(page) == []
    context.close()
