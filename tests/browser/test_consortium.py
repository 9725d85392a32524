"""The consortium builder's page in a real browser: reached from a call page, screenshotted,
and checked with axe-core."""

from __future__ import annotations

from tests.browser.conftest import axe_violations, screenshot


def test_the_consortium_page_is_reached_from_a_call_and_has_no_serious_violation(page):
    page.goto("/calls/HORIZON-CL5-2026-09-D3-03")
    with page.expect_navigation():
        page.get_by_role("link", name="Föreslå ett komplett konsortium").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ett föreslaget konsortium"
    assert page.locator("table tbody tr").count() >= 3
    screenshot(page, "consortium")
    assert axe_violations(page) == []
