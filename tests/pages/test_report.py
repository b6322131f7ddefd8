"""Reporting an anti-social behaviour concern, as a resident would (AppTest)."""

from __future__ import annotations

import os
from datetime import timedelta

import pandas as pd
import pytest
import streamlit_folium

from hcsp_engage import records, schema
from hcsp_engage.config import load_community_trigger
from hcsp_engage.storage import SqliteStore
from hcsp_engage.web import forms
from tests.conftest import open_page
from tests.pages.form_support import error_summary, field_errors, page_fields, widget_keys

PAGE = "views/report.py"


def today():
    """Today as the app sees it, asked each time: a run that crosses midnight must not compare two days."""
    return records.utc_now().date()


def stored() -> pd.DataFrame:
    return SqliteStore(os.environ["HCSP_SQLITE_PATH"]).read(schema.ASB_REPORTS)


def fill_valid(at, *, incidents: str = "1", place: str = "Hereford railway station") -> None:
    at.radio(key="report_category").set_value("Antisocial drinking")
    at.radio(key="report_area").set_value("Hereford").run()
    at.radio(key="report_method").set_value("Choose a named place from a list").run()
    at.selectbox(key="report_place").set_value(place)
    at.text_input(key="report_location_detail").set_value("Benches by the taxi rank")
    at.date_input(key="report_occurred_on").set_value(today() - timedelta(days=3))
    at.radio(key="report_time_of_day").set_value("Evening 6pm–10pm")
    at.radio(key="report_frequency").set_value("Every week")
    at.radio(key="report_impact").set_value("A fair amount")
    at.checkbox(key=f"report_told__{schema.TOLD.index('Council')}").check()
    at.radio(key="report_incidents_reported_6m").set_value(incidents)


def submit(at):
    at.button(key="report-submit").click().run()
    assert not at.exception, at.exception
    return at


def infos(at) -> str:
    return " ".join(info.value for info in at.info)


def test_categories_show_their_group_and_explanation():
    at = open_page(PAGE)
    assert not at.exception
    category = at.radio(key="report_category")
    assert category.label == "What is the problem?"
    assert category.options == [f"{c.group}: {c.name}" for c in records.asb_categories()]
    captions = [caption for caption in category.proto.captions]
    assert captions == [c.explanation for c in records.asb_categories()]
    assert at.button(key="report-submit").label == "Send report"
    assert any("call 999 in an emergency" in warning.value for warning in at.warning)


def test_complete_report_from_the_place_list_is_stored_with_exactly_the_design_columns():
    at = open_page(PAGE)
    reference = at.session_state["report_reference"]
    fill_valid(at)
    at.text_area(key="report_description").set_value("People drinking and shouting most evenings.")
    submit(at)
    assert [s.value for s in at.success] == [f"Thank you: we have your report. Your reference is {reference}"]
    rows = stored()
    assert list(rows.columns) == list(schema.COLUMNS[schema.ASB_REPORTS])
    assert len(rows) == 1
    row = rows.iloc[0].to_dict()
    assert row == {
        **row,
        "report_id": reference,
        "category": "Antisocial drinking",
        "asb_group": "Nuisance",
        "area": "Hereford",
        "lat": "",
        "lon": "",
        "place": "Hereford railway station",
        "location_detail": "Benches by the taxi rank",
        "occurred_on": (today() - timedelta(days=3)).isoformat(),
        "time_of_day": "Evening 6pm–10pm",
        "frequency": "Every week",
        "impact": "A fair amount",
        "told": "Council",
        "incidents_reported_6m": "1",
        "description": "People drinking and shouting most evenings.",
        "schema_version": schema.SCHEMA_VERSION,
    }


def test_a_report_with_a_map_pin_stores_the_rounded_point(monkeypatch):
    monkeypatch.setattr(
        streamlit_folium,
        "st_folium",
        lambda *args, **kwargs: {"last_clicked": {"lat": 52.2281234, "lng": -2.7391234}},
    )
    at = open_page(PAGE)
    fill_valid(at)
    at.radio(key="report_area").set_value("Leominster").run()
    at.radio(key="report_method").set_value("Drop a pin on a map").run()
    submit(at)
    row = stored().iloc[0]
    assert (row["area"], row["lat"], row["lon"], row["place"]) == ("Leominster", "52.2281", "-2.7391", "")


def test_missing_answers_are_shown_beside_each_question_and_nothing_is_stored():
    at = open_page(PAGE)
    submit(at)
    errors = " ".join(field_errors(at))
    for message in (
        "Choose what the problem is.",
        "Choose which area it is in.",
        "drop a pin on the map or pick a place from the list",
        "Enter the date it last happened.",
        "Choose the time of day",
        "Choose how often it happens.",
        "Choose how much it affects you.",
        "Choose who you have told",
        "Choose how many separate incidents",
    ):
        assert message in errors
    assert stored().empty


def test_the_error_summary_lists_the_errors_in_the_order_of_the_form():
    at = open_page(PAGE)
    submit(at)
    entries = error_summary(at)
    assert [text.split(":")[0] for text, _ in entries] == [
        "What the problem is",
        "Which area it is in",
        "Where it is happening",
        "When it last happened",
        "What time of day it usually happens",
        "How often it happens",
        "How much it affects you",
        "Who you have told",
        "Incidents reported in the last six months",
    ]
    assert entries[2][1] == "report_place report_method report_area"  # no area yet: the area question
    assert entries[3] == ("When it last happened: Enter the date it last happened.", "report_occurred_on")


def test_the_date_picker_offers_only_the_last_12_months_up_to_today():
    at = open_page(PAGE)
    picker = at.date_input(key="report_occurred_on")
    assert (picker.min, picker.max) == (today() - records.MAX_REPORT_AGE, today())


@pytest.mark.parametrize("days_ago", [-1, 400])
def test_a_date_outside_the_last_year_is_refused_by_the_date_picker_itself(days_ago):
    at = open_page(PAGE)
    fill_valid(at)
    # What a client gets round the calendar with: Streamlit keeps no day outside min_value..max_value.
    at.date_input(key="report_occurred_on").set_value(today() - timedelta(days=days_ago))
    submit(at)
    assert at.session_state["report_occurred_on"] is None
    assert any("Enter the date it last happened." in error for error in field_errors(at))
    assert at.radio(key="report_frequency").value == "Every week"  # the other answers are kept
    assert stored().empty


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [(-1, "The date cannot be in the future."), (400, "The date must be within the last 12 months.")],
)
def test_the_check_after_submit_still_refuses_a_date_outside_the_last_year(days_ago, message):
    answers = {"category": "Antisocial drinking", "area": "Hereford", "told": ["Council"]}
    answers |= {"occurred_on": today() - timedelta(days=days_ago), "time_of_day": "Evening 6pm–10pm"}
    report = forms.report_from_answers(
        answers, forms.Location(place="Hereford railway station"), records.new_reference("R")
    )
    problems = records.validate_report(report, today=today())
    assert any(field == "occurred_on" and message in text for field, text in problems)


def test_the_text_boxes_stop_typing_at_their_limits_and_say_names_are_not_removed():
    at = open_page(PAGE)
    at.radio(key="report_area").set_value("Hereford").run()
    assert at.text_area(key="report_description").max_chars == schema.MAX_FREE_TEXT
    assert at.text_input(key="report_location_detail").max_chars == schema.MAX_LOCATION_DETAIL
    notes = [c.value for c in at.caption if "We cannot remove names, so please leave them out." in c.value]
    assert len(notes) == 2  # beside the street or landmark and beside the description


def test_longer_text_sent_round_the_browser_is_cut_to_the_limit_before_the_app_keeps_it():
    at = open_page(PAGE)
    fill_valid(at)
    at.text_input(key="report_location_detail").set_value("y" * 10_000)
    at.text_area(key="report_description").set_value("a" * 100_000)
    at.run()
    assert len(at.session_state["report_location_detail"]) == schema.MAX_LOCATION_DETAIL
    assert len(at.session_state["report_description"]) == schema.MAX_FREE_TEXT
    submit(at)
    row = stored().iloc[0]
    assert (len(row["location_detail"]), len(row["description"])) == (120, 1000)


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("description", "㎞" * 501, "Please shorten this to 1,000 characters or fewer (it is 1,002)"),
        ("location_detail", "㎞" * 61, "Please shorten this to 120 characters or fewer (it is 122)"),
    ],
)
def test_text_that_grows_past_the_limit_when_normalised_is_refused_beside_its_box(field, text, message):
    at = open_page(PAGE)
    fill_valid(at)
    if field == "description":
        at.text_area(key=f"report_{field}").set_value(text)
    else:
        at.text_input(key=f"report_{field}").set_value(text)
    submit(at)
    assert any(message in error for error in field_errors(at))
    assert stored().empty


def test_control_and_invisible_characters_are_not_stored():
    at = open_page(PAGE)
    fill_valid(at)
    at.text_input(key="report_location_detail").set_value("Alley\u202e behind\u200b the library\x00")
    at.text_area(key="report_description").set_value("Bins\u2066 set alight\r\nmost nights\u00ad")
    submit(at)
    row = stored().iloc[0]
    assert (row["location_detail"], row["description"]) == (
        "Alley behind the library",
        "Bins set alight\nmost nights",
    )


def test_a_pin_outside_herefordshire_is_refused_beside_the_place_question():
    at = open_page(PAGE)
    fill_valid(at)
    at.radio(key="report_method").set_value("Drop a pin on a map")
    at.session_state["report_pin"] = (51.8642, -2.2382)  # Gloucester
    submit(at)
    assert any("outside Herefordshire" in error for error in field_errors(at))
    assert stored().empty


def test_contact_details_in_the_description_are_removed_before_storage():
    at = open_page(PAGE)
    fill_valid(at)
    at.text_area(key="report_description").set_value("Call 01432 260000 or email me at a.b@example.com")
    submit(at)
    description = stored().iloc[0]["description"]
    assert "01432" not in description and "example.com" not in description
    assert "[removed]" in description


@pytest.mark.parametrize(("incidents", "trigger"), [("0", False), ("2", False), ("3 or more", True)])
def test_the_community_trigger_message_appears_exactly_when_the_rule_is_met(incidents, trigger):
    at = open_page(PAGE)
    fill_valid(at, incidents=incidents)
    submit(at)
    shown = "ASB case review (the Community Trigger)" in infos(at)
    assert shown is trigger
    assert load_community_trigger().application_url in infos(at)
    if not trigger:
        assert "review every report each month" in infos(at) and "not a crime report" in infos(at)


def test_submitting_the_same_report_twice_stores_one_row():
    at = open_page(PAGE)
    reference = at.session_state["report_reference"]
    fill_valid(at)
    submit(at)
    at.button[0].click().run()  # "Report another concern"
    at.session_state["report_reference"] = reference  # the same form resent
    fill_valid(at)
    submit(at)
    assert stored()["report_id"].tolist() == [reference]


def test_the_sixth_quick_report_is_refused_politely():
    at = open_page(PAGE)
    for _ in range(5):
        fill_valid(at)
        submit(at)
        at.button[0].click().run()
    fill_valid(at)
    submit(at)
    assert any("try again in about 10 minutes" in warning.value for warning in at.warning)
    assert len(stored()) == 5


def test_every_error_summary_link_goes_to_a_widget_on_the_page():
    keys = widget_keys(open_page(PAGE))
    for field, (_, targets) in page_fields(PAGE).items():
        assert not targets or set(targets.split()) & keys, field
