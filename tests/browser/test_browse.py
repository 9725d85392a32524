"""The lists to browse in a real browser: each has no serious accessibility violation (axe-core)
and a keyboard alone can choose a filter, show the list and open a result."""

from __future__ import annotations

import pytest

import tests.web.test_browse
from tests.browser.conftest import axe_violations, screenshot

LISTS = {"index": "/browse", **tests.web.test_browse.LISTS}  # the index, then every list


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


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lists_fit_a_phone_in_either_language(browser, server, lang):
    """At 375 px nothing scrolls sideways; screenshots of each list in each language at 375 and
    1,280 px go to build/screenshots/ (browse-KIND-LANG-WIDTH.png)."""
    for width in (375, 1280):
        context = browser.new_context(
            base_url=server,
            viewport={"width": width, "height": 900},
            locale=f"{lang}-SE" if lang == "sv" else "en-GB",
            extra_http_headers={"Accept-Language": lang},
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        for kind, path in LISTS.items():
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == lang
            screenshot(page, f"browse-{kind}-{lang}-{width}")
            if width == 375:
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, (path, overflow)
        context.close()
