"""axe-core finds no violation of any impact on the public pages a resident can open (the map apart: see
docs/accessibility-notes.md), nor on the two forms in each state; every question with several answers is a
group named by its question in the accessibility tree; no resident page has an invisible "Link to heading"
tab stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from hcsp_engage import records, schema
from tests.browser import support

# Rules broken by Streamlit's own markup that the app cannot change; each is explained, with its rule id,
# in docs/accessibility-notes.md. Never add a rule that the app's own content breaks.
STREAMLIT_OWN_RULES: tuple[str, ...] = ()
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")

PUBLIC_PAGES = ["/", "/survey", "/report", "/privacy", "/accessibility"]


@pytest.mark.parametrize("language", schema.LANGUAGES)
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_accessibility_violations(
    app_server, make_page, axe_violations, path, viewport, language
):
    # In every language the page offers: a translation can break a rule (a longer label, <html lang>).
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    support.goto(page, f"{app_server.url}{path}?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)

    violations = axe_violations(page, impacts=ALL_IMPACTS, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


@pytest.mark.parametrize("path", ["/survey", "/report"])
def test_form_with_errors_shown_has_no_accessibility_violations(app_server, page, axe_violations, path):
    support.goto(page, app_server.url + path)
    page.locator(support.BUTTON).filter(has_text="Submit my answers").or_(
        page.locator(support.BUTTON).filter(has_text="Send report")
    ).first.click()
    support.wait_for_app(page)
    page.locator(support.ERROR_SUMMARY).wait_for()

    violations = axe_violations(page, impacts=ALL_IMPACTS, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


@pytest.mark.parametrize("path", ["/survey", "/report"])
def test_form_with_the_place_list_open_has_no_accessibility_violations(
    app_server, page, axe_violations, path
):
    support.goto(page, app_server.url + path)
    key = path.strip("/")
    page.locator(f".st-key-{key}_area").get_by_text("Hereford", exact=True).click()
    support.wait_for_app(page)
    page.locator(f".st-key-{key}_method").get_by_text("Choose a named place from a list", exact=True).click()
    support.wait_for_app(page)

    violations = axe_violations(page, impacts=ALL_IMPACTS, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


def test_survey_with_the_map_and_a_pin_has_no_accessibility_violations(app_server, page, axe_violations):
    support.goto(page, app_server.url + "/survey")
    page.locator(".st-key-survey_method").get_by_text("Drop a pin on a map", exact=True).click()
    support.wait_for_app(page)
    page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP).click()
    page.get_by_text("Pin dropped", exact=False).wait_for()

    violations = axe_violations(page, impacts=ALL_IMPACTS, disable=STREAMLIT_OWN_RULES)

    assert violations == [], support.describe(violations)


# Rules of any impact that the app cannot fix on the two forms, each with its cause in
# docs/accessibility-notes.md ("Streamlit's own"). None today.
FORM_KNOWN_RULES: tuple[str, ...] = ()
SUBMIT = {"/survey": "Submit my answers", "/report": "Send report"}


@pytest.mark.parametrize("state", ["first view", "errors shown"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("path", ["/survey", "/report"])
def test_resident_form_has_no_accessibility_violation_of_any_impact(
    app_server, make_page, axe_violations, path, viewport, state
):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    support.goto(page, app_server.url + path)
    if state == "errors shown":
        support.press(page, SUBMIT[path])
        expect(page.locator(support.ERROR_SUMMARY)).to_be_focused()

    violations = axe_violations(page, impacts=ALL_IMPACTS, disable=STREAMLIT_OWN_RULES + FORM_KNOWN_RULES)

    assert violations == [], support.describe(violations)


SURVEY_GROUPS = {
    "Why do you feel unsafe there?": schema.UNSAFE_REASONS,
    "What would make you feel safer?": schema.SAFER_MEASURES,
    "In the last two years, have you noticed any of these in your area?": schema.NOTICED_CHANGES,
}
SURVEY_RADIOS = [
    "Which area do you live in?",
    "How safe or unsafe do you feel when outside in your local area during the day?",
    "How safe or unsafe do you feel when outside in your local area after dark?",
    "Is there a place where you feel unsafe?",
    "Have these changes made you feel…",
]
REPORT_GROUPS = {"Who have you told about it?": schema.TOLD}
REPORT_RADIOS = [
    "What is the problem?",
    "Which area is it in?",
    "What time of day does it usually happen?",
    "How often does it happen?",
    "How much does it affect you?",
    "How many separate incidents have you reported in the last six months?",
]


def assert_named_by_their_questions(page, groups: dict[str, tuple[str, ...]], radios: list[str]) -> None:
    """Each tick-box group is a group named by its question holding exactly its boxes (as the accessibility
    snapshot shows them), and each one-answer question a radio group named by its question."""
    for question, options in groups.items():
        group = page.get_by_role("group", name=question, exact=True)
        expect(group.get_by_role("checkbox")).to_have_count(len(options))  # waits for a redraw to settle
    snapshot = page.locator(support.MAIN).aria_snapshot()
    for question, options in groups.items():
        assert f'- group "{question}"' in snapshot, question
        group = page.get_by_role("group", name=question, exact=True)
        for option in options:
            assert f'checkbox "{option}"' in group.aria_snapshot(), option
    for question in radios:
        assert f'- radiogroup "{question}"' in snapshot, question


def test_every_survey_question_with_several_answers_is_a_group_named_by_its_question(app_server, page):
    support.goto(page, app_server.url + "/survey")
    expect(page.get_by_role("group", name="Why do you feel unsafe there?")).to_have_count(1)
    assert_named_by_their_questions(page, SURVEY_GROUPS, SURVEY_RADIOS)
    # Still named after the page is redrawn: a box ticked, the place question answered.
    support.choose(page, "survey_unsafe_reasons__0", schema.UNSAFE_REASONS[0])
    support.choose(page, "survey_method", "Choose a named place from a list")
    assert_named_by_their_questions(page, SURVEY_GROUPS, SURVEY_RADIOS)
    snapshot = page.get_by_role("group", name="Why do you feel unsafe there?").aria_snapshot()
    assert f'checkbox "{schema.UNSAFE_REASONS[0]}" [checked]' in snapshot
    # The hint is the group's description.
    described = page.get_by_role("group", name="Why do you feel unsafe there?").get_attribute(
        "aria-describedby"
    )
    expect(page.locator(f"#{described}")).to_have_text("Choose all that apply, or none.")


def test_every_report_question_with_several_answers_is_a_group_named_by_its_question(app_server, page):
    support.goto(page, app_server.url + "/report")
    expect(page.get_by_role("group", name="Who have you told about it?")).to_have_count(1)
    assert_named_by_their_questions(page, REPORT_GROUPS, REPORT_RADIOS)
    support.press(page, "Send report")  # errors shown: still named
    assert_named_by_their_questions(page, REPORT_GROUPS, REPORT_RADIOS)


def test_the_date_picker_greys_out_days_after_today(app_server, page):
    support.goto(page, app_server.url + "/report")
    support.keyed(page, "report_occurred_on").get_by_role("button", name="Choose date").click()
    calendar = page.get_by_role("dialog", name="Choose date")
    today = records.utc_now().date()
    expect(calendar.get_by_role("button", name=f"{today:%B} {today.day}, {today.year}").first).to_be_enabled()
    expect(calendar.get_by_role("button", name="Next month")).to_be_disabled()
    tomorrow = today + timedelta(days=1)
    if tomorrow.month == today.month:
        expect(
            calendar.get_by_role("button", name=f"{tomorrow:%B} {tomorrow.day}, {tomorrow.year}")
        ).to_be_disabled()


RESIDENT_PAGES = ["/", "/survey", "/report", "/map", "/privacy", "/accessibility"]


@pytest.mark.parametrize("path", RESIDENT_PAGES)
def test_no_resident_page_has_an_invisible_link_to_heading_tab_stop(app_server, page, path):
    support.goto(page, app_server.url + path)
    expect(page.locator(support.HEADING).first).to_be_visible()

    expect(page.get_by_role("link", name="Link to heading")).to_have_count(0)
