"""Home in headless Chromium: it loads, offers the three actions, passes axe, and calls no third party."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import support

# Rules axe reports on Home that Streamlit's own markup breaks and the app cannot change; each is
# explained in docs/accessibility-notes.md. Never add a rule the app's own content breaks.
STREAMLIT_OWN_RULES: tuple[str, ...] = ()


def test_home_loads_with_the_three_actions_and_the_emergency_notice(app_server, page, network):
    support.goto(page, app_server.url)

    assert page.locator(support.HEADING).first.inner_text() == "Tell us how safe you feel in Herefordshire"
    main = page.locator(support.MAIN)
    for action in ("Start the survey", "Report a concern", "Open the map"):
        expect(main.get_by_text(action, exact=True).first).to_be_visible()
    assert "call 999 in an emergency" in page.locator(support.ALERT_WARNING).first.inner_text()
    expect(page.get_by_role("button", name="Exit this page").first).to_be_visible()
    assert page.locator(support.EXCEPTION).count() == 0
    support.screenshot(page, "home-desktop")
    assert network.blocked == []


@pytest.mark.parametrize(
    ("action", "path"),
    [("Start the survey", "/survey"), ("Report a concern", "/report"), ("Open the map", "/map")],
)
def test_each_home_action_opens_its_page(app_server, page, action, path):
    support.goto(page, app_server.url)

    page.locator(support.MAIN).get_by_role("link", name=action).click()
    page.wait_for_url(re.compile(re.escape(path) + r"\?lang=en$"))  # the link keeps the language
    support.wait_for_app(page)

    assert page.locator(support.EXCEPTION).count() == 0


def test_home_on_a_phone(app_server, phone_page):
    support.goto(phone_page, app_server.url)

    for action in ("Start the survey", "Report a concern", "Open the map"):
        expect(phone_page.locator(support.MAIN).get_by_text(action, exact=True).first).to_be_visible()
    support.screenshot(phone_page, "home-phone")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_home_has_no_serious_accessibility_violations(app_server, make_page, axe_violations, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    support.goto(page, app_server.url)

    violations = axe_violations(page, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


def test_keyboard_users_reach_the_survey_action_and_see_where_they_are(app_server, page):
    support.goto(page, app_server.url)

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText.trim()").endswith("Start the survey"):
            break
    else:
        raise AssertionError("Tab never reached 'Start the survey'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    support.screenshot(page, "home-keyboard-focus", full_page=False)

    assert outline == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/survey\?lang=en$"))
