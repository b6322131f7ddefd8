"""A resident who uses only a keyboard (Tab, Shift+Tab, arrows, Space, Enter; no mouse) sends the survey and
a report, after a first try with answers missing: the error summary takes the focus, the page title says
"Error: ", and each of its links (followed with Enter) puts the focus in the question it names."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from hcsp_engage import records, schema
from hcsp_engage.storage import SqliteStore
from tests.browser import support


def follow_every_summary_link(page, expected: list[tuple[str, str, str]]) -> None:
    """Follow each link of the error summary with Enter, checking where the focus lands.

    ``expected``: (start of the link's text, key of the widget that should then hold the focus, what the
    focused element is: "radio", "checkbox", "spinbutton", "text", "textarea" ...).
    """
    summary = page.locator(support.ERROR_SUMMARY)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    links = page.locator(support.ERROR_SUMMARY_LINK)
    expect(links).to_have_count(len(expected))
    for index, (text, key, kind) in enumerate(expected):
        link = links.nth(index)
        expect(link).to_contain_text(text)
        support.tab_to(page, link)  # Tab down from the summary, or Shift+Tab back up from a field
        page.keyboard.press("Enter")
        expect(support.keyed(page, key).locator("*:focus")).to_have_count(1)
        assert support.focused_kind(page) == kind, text  # the answer itself, not the question's help


def test_keyboard_only_resident_fixes_the_errors_then_sends_the_survey(app_server, phone_page):
    page = phone_page
    support.goto(page, app_server.url + "/survey")
    noticed = schema.NOTICED_CHANGES
    # A first try: nothing required answered, a postcode that is not one, and two answers to question 8
    # that cannot go together.
    support.key_type(page, "survey_postcode", "HR99 ZZZ")
    support.key_tick(page, f"survey_noticed_changes__{noticed.index('New CCTV cameras')}")
    support.key_tick(page, f"survey_noticed_changes__{noticed.index('None of these')}")
    support.key_press_button(page, "Submit my answers")

    follow_every_summary_link(
        page,
        [
            ("Where you live", "survey_area", "radio"),
            ("First part of your postcode", "survey_postcode", "text"),  # the box, not its help button
            ("Feeling safe during the day", "survey_safe_day", "radio"),
            ("Feeling safe after dark", "survey_safe_after_dark", "radio"),
            ("Changes you have noticed", "survey_noticed_changes", "checkbox"),  # the group's first tick box
        ],
    )
    support.screenshot(page, "keyboard-survey-phone-followed-links", full_page=False)

    support.key_choose(page, "survey_area", "Hereford")
    support.key_type(page, "survey_postcode", "HR1 2AB")
    support.key_choose(page, "survey_safe_day", "Fairly safe")
    support.key_choose(page, "survey_safe_after_dark", "Fairly unsafe")
    support.key_choose(page, "survey_method", "Choose a named place from a list")
    support.key_type(page, "survey_place", "High Town", then="Enter")
    support.key_tick(
        page, f"survey_unsafe_reasons__{schema.UNSAFE_REASONS.index('Poor or no street lighting')}"
    )
    support.key_tick(page, f"survey_noticed_changes__{noticed.index('None of these')}")  # untick
    support.key_choose(page, "survey_changes_effect", "More safe")
    support.key_press_button(page, "Submit my answers")

    success = page.locator(support.ALERT_SUCCESS).first
    expect(success).to_contain_text("Your reference is S-", timeout=30_000)
    expect(page).not_to_have_title(re.compile(r"^Error:"))
    reference = success.inner_text().rsplit(" ", 1)[-1]
    row = (
        SqliteStore(app_server.store_path)
        .read(schema.SURVEY_RESPONSES)
        .set_index("response_id")
        .loc[reference]
    )
    assert (row["area"], row["safe_day"], row["safe_after_dark"]) == (
        "Hereford",
        "Fairly safe",
        "Fairly unsafe",
    )
    assert row["postcode_district"] == "HR1"
    assert (row["unsafe_place"], row["unsafe_lat"]) == ("Hereford High Town", "")
    assert row["unsafe_reasons"] == "Poor or no street lighting"
    assert row["noticed_changes"] == "New CCTV cameras"
    assert row["changes_effect"] == "More safe"


def test_keyboard_only_resident_fixes_the_errors_then_sends_a_report(app_server, page):
    support.goto(page, app_server.url + "/report")
    support.key_press_button(page, "Send report")

    follow_every_summary_link(
        page,
        [
            ("What the problem is", "report_category", "radio"),
            ("Which area it is in", "report_area", "radio"),
            ("Where it is happening", "report_area", "radio"),  # no area yet, so no place question: the area
            ("When it last happened", "report_occurred_on", "spinbutton"),  # the day of the date
            ("What time of day", "report_time_of_day", "radio"),
            ("How often", "report_frequency", "radio"),
            ("How much", "report_impact", "radio"),
            ("Who you have told", "report_told", "checkbox"),  # the group's first tick box
            ("Incidents reported", "report_incidents_reported_6m", "radio"),
        ],
    )

    # A second try with the first part answered: the summary takes the focus again, listing what is left.
    support.key_choose(page, "report_category", "Personal: Harassment")
    support.key_choose(page, "report_area", "Hereford")
    support.key_choose(page, "report_method", "Choose a named place from a list")
    support.key_type(page, "report_place", "railway station", then="Enter")
    support.key_press_button(page, "Send report")
    expect(page.locator(support.ERROR_SUMMARY)).to_be_focused()
    expect(page.locator(support.ERROR_SUMMARY_LINK)).to_have_count(6)
    expect(page.locator(support.ERROR_SUMMARY_LINK).first).to_contain_text("When it last happened")

    last_week = records.utc_now().date() - timedelta(days=7)
    support.key_date(page, "report_occurred_on", last_week)
    support.key_choose(page, "report_time_of_day", "Morning 6am–12pm")
    support.key_choose(page, "report_frequency", "A few times")
    support.key_choose(page, "report_impact", "A little")
    support.key_tick(page, f"report_told__{schema.TOLD.index('Nobody yet')}")
    support.key_choose(page, "report_incidents_reported_6m", "0")
    support.key_press_button(page, "Send report")

    success = page.locator(support.ALERT_SUCCESS).first
    expect(success).to_contain_text("Your reference is R-", timeout=30_000)
    expect(page).not_to_have_title(re.compile(r"^Error:"))
    reference = success.inner_text().rsplit(" ", 1)[-1]
    row = SqliteStore(app_server.store_path).read(schema.ASB_REPORTS).set_index("report_id").loc[reference]
    assert (row["category"], row["area"], row["place"]) == (
        "Harassment",
        "Hereford",
        "Hereford railway station",
    )
    assert row["occurred_on"] == last_week.isoformat()
    assert (row["time_of_day"], row["frequency"], row["impact"]) == (
        "Morning 6am–12pm",
        "A few times",
        "A little",
    )
    assert (row["told"], row["incidents_reported_6m"]) == ("Nobody yet", "0")


def test_going_back_with_shift_tab_never_leaves_the_page_but_shift_pressed_three_times_does(app_server, page):
    support.goto(page, app_server.url + "/survey")
    exits: list[str] = []
    page.on("request", lambda request: exits.append(request.url) if "bbc.co.uk" in request.url else None)
    support.tab_to(page, page.get_by_role("button", name="Submit my answers"))
    for _ in range(6):
        page.keyboard.press("Shift+Tab")  # six Shift releases, each after a Tab

    with page.expect_request(lambda request: "bbc.co.uk" in request.url):
        for _ in range(3):
            page.keyboard.press("Shift")

    assert exits == [support.EXIT_URL]  # requests arrive in order: none came from Shift+Tab
