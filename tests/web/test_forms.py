"""Answers into records (plain Python), and the questions the form pages are made of (AppTest). The abuse
limits are tested in test_security.py."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from hcsp_engage import records
from hcsp_engage.web import forms


def test_survey_answers_become_a_valid_response_with_the_given_reference():
    answers = {
        "area": "Ross-on-Wye",
        "postcode": "HR9 7AA",
        "safe_day": "Very safe",
        "safe_after_dark": "Don't know",
        "noticed_changes": ["None of these"],
        "changes_effect": "I have not noticed any changes",
        "top_concerns": ["Burglary"],
        "age_band": None,
    }
    response = forms.survey_from_answers(answers, forms.Location(place="Market House"), "S-23456789")
    assert records.validate_survey(response) == []
    row = records.survey_row(response)
    assert (row["response_id"], row["postcode_district"], row["unsafe_place"]) == (
        "S-23456789",
        "HR9",
        "Market House",
    )
    assert row["age_band"] == ""


def test_report_answers_become_a_report_and_a_missing_date_is_reported():
    location = forms.Location(lat=52.0565, lon=-2.7149)
    report = forms.report_from_answers({"area": "Hereford", "occurred_on": None}, location, "R-23456789")
    assert report.occurred_on is None
    assert ("occurred_on", "Enter the date it last happened.") in records.validate_report(report)
    dated = forms.report_from_answers({"occurred_on": date(2026, 1, 2)}, location, "R-23456789")
    assert dated.occurred_on == date(2026, 1, 2)


def test_only_reports_with_enough_incidents_meet_the_community_trigger():
    report = forms.report_from_answers({"incidents_reported_6m": "3 or more"}, forms.Location(), "R-23456789")
    assert forms.meets_community_trigger(report, 3)
    assert not forms.meets_community_trigger(report, 4)
    assert not forms.meets_community_trigger(forms.survey_from_answers({}, forms.Location(), "S-2"), 3)


def test_character_counter_says_how_many_too_many():
    assert forms.characters_used("", 1000) == "0 of 1,000 characters used"
    assert forms.characters_used("x" * 1002, 1000) == "1,002 of 1,000 characters used (2 too many)"


def _questions_page():
    """A page of one choice and one drop-down (run by AppTest as a script: imports inside)."""
    import streamlit as st

    from hcsp_engage.web import forms

    st.session_state[forms.SURVEY.key("problems")] = {
        "safe_day": ["Choose how safe you feel."],
        "gender": ["Choose one."],
    }
    forms.choice(forms.SURVEY, "safe_day", "How safe?", ["Very safe", "Don't know"], horizontal=True)
    forms.dropdown(forms.SURVEY, "gender", "Gender", ["Woman", "Prefer not to say"], placeholder="Choose")


def test_a_choice_and_a_dropdown_start_unanswered_under_the_forms_keys_with_their_errors_right_under_them():
    at = AppTest.from_function(_questions_page).run()
    radio, dropdown = at.radio(key="survey_safe_day"), at.selectbox(key="survey_gender")
    assert (radio.value, radio.horizontal, radio.options) == (None, True, ["Very safe", "Don't know"])
    assert (dropdown.value, dropdown.placeholder) == (None, "Choose")
    shown = [
        node.key if node.type in ("radio", "selectbox") else node.proto.body
        for node in at.main.children.values()
    ]
    assert len(shown) == 4
    assert shown[0] == "survey_safe_day" and "Choose how safe you feel." in shown[1]
    assert shown[2] == "survey_gender" and "Choose one." in shown[3]
