"""The lists to browse in a real browser: each has no serious accessibility violation (axe-core)
and a keyboard alone can choose a filter, show the list and open a result."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot

LISTS = {
    "index": "/browse",
    "hub": "/hubs",
    "platform": "/platforms",
    "working_group": "/working-groups",
    "call": "/calls",
    "solution": "/browse/solutions",
    "need": "/browse/needs",
}


@pytest.mark.parametrize("kind", list(LISTS))
def test_every_list_has_no_serious_accessibility_violation(page, kind):
    response = page.goto(LISTS[kind])
    assert response.status == 200 and page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).count() == 1
    screenshot(page, f"browse-{kind}")
    assert axe_violations(page) == []


def test_a_filtered_list_has_no_serious_accessibility_violation(page):
    page.goto("/hubs?country=SE&hub_type=EDIH")
    assert page.locator("select#f-country option[selected]").inner_text().startswith("Sverige")
    assert axe_violations(page) == []


def tab_to(page, check: str, most: int = 40) -> None:
    """Press Tab until ``check`` (JavaScript on ``el``, the focused element) holds."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {check}; }})()"):
            return
    raise AssertionError(f"{check} never held within {most} presses of Tab")


def test_keyboard_only_journey_choose_a_filter_show_and_open_a_result(page):
    page.goto("/hubs")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: to the content
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, "el.id === 'f-hub_type'")
    page.keyboard.press("ArrowDown")  # "All" → the first type, EDIH
    assert page.evaluate("document.activeElement.value") == "EDIH"
    tab_to(page, "el.type === 'submit'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/hubs?**hub_type=EDIH**")
    assert page.locator("table.govuk-table tbody tr").count() == 20
    assert all(t.inner_text() == "EDIH" for t in page.locator("table.govuk-table tbody .govuk-tag").all())
    tab_to(page, "el.closest('table') !== null && el.tagName === 'A'")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + href)
    assert page.get_by_role("heading", level=1).count() == 1
    screenshot(page, "browse-keyboard-hub")
