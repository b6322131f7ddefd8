"""axe-core finds no serious or critical violation on the five public pages a resident can open."""

from __future__ import annotations

import pytest

from tests.browser import support

# Rules broken by Streamlit's own markup that the app cannot change; each is explained, with its rule id,
# in docs/accessibility-notes.md. Never add a rule that the app's own content breaks.
STREAMLIT_OWN_RULES: tuple[str, ...] = ()

PUBLIC_PAGES = ["/", "/survey", "/report", "/privacy", "/accessibility"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_or_critical_accessibility_violations(
    app_server, page, axe_violations, path
):
    support.goto(page, app_server.url + path)

    violations = axe_violations(page, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


@pytest.mark.parametrize("path", ["/survey", "/report"])
def test_form_with_errors_shown_has_no_serious_or_critical_accessibility_violations(
    app_server, page, axe_violations, path
):
    support.goto(page, app_server.url + path)
    page.locator(support.BUTTON).filter(has_text="Submit my answers").or_(
        page.locator(support.BUTTON).filter(has_text="Send report")
    ).first.click()
    support.wait_for_app(page)
    page.locator(support.ALERT_ERROR).first.wait_for()

    violations = axe_violations(page, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


@pytest.mark.parametrize("path", ["/survey", "/report"])
def test_form_with_the_place_list_open_has_no_serious_or_critical_accessibility_violations(
    app_server, page, axe_violations, path
):
    support.goto(page, app_server.url + path)
    key = path.strip("/")
    page.locator(f".st-key-{key}_area").get_by_text("Hereford", exact=True).click()
    support.wait_for_app(page)
    page.locator(f".st-key-{key}_method").get_by_text("Choose a named place from a list", exact=True).click()
    support.wait_for_app(page)

    violations = axe_violations(page, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


def test_survey_with_the_map_and_a_pin_has_no_serious_or_critical_accessibility_violations(
    app_server, page, axe_violations
):
    support.goto(page, app_server.url + "/survey")
    page.locator(".st-key-survey_method").get_by_text("Drop a pin on a map", exact=True).click()
    support.wait_for_app(page)
    page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP).click()
    page.get_by_text("Pin dropped", exact=False).wait_for()

    violations = axe_violations(page, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)
