"""The feelings of safety survey, filled in as a resident would (AppTest)."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest
import streamlit_folium
from streamlit import config as streamlit_config

from hcsp_engage import schema, security
from hcsp_engage.storage import SqliteStore
from tests.conftest import open_page
from tests.pages.form_support import error_summary, field_errors, page_fields, widget_keys

PAGE = "views/survey.py"


def stored(table: str = schema.SURVEY_RESPONSES) -> pd.DataFrame:
    return SqliteStore(os.environ["HCSP_SQLITE_PATH"]).read(table)


def check(at, prefix: str, options: tuple[str, ...], *chosen: str) -> None:
    for option in chosen:
        at.checkbox(key=f"{prefix}__{options.index(option)}").check()


def fill_required(at, area: str = "Hereford") -> None:
    at.radio(key="survey_area").set_value(area)
    at.radio(key="survey_safe_day").set_value("Fairly safe")
    at.radio(key="survey_safe_after_dark").set_value("Fairly unsafe")


def submit(at):
    at.button(key="survey-submit").click().run()
    assert not at.exception, at.exception
    return at


def successes(at) -> list[str]:
    return [element.value for element in at.success]


def fake_map_click(monkeypatch, lat: float, lon: float) -> None:
    """The browser side of the map is a third-party component: stand in for a resident's click."""
    monkeypatch.setattr(
        streamlit_folium, "st_folium", lambda *args, **kwargs: {"last_clicked": {"lat": lat, "lng": lon}}
    )


def test_page_asks_every_question_in_design_order_with_the_safety_notices():
    at = open_page(PAGE)
    assert not at.exception
    radios = [radio.label for radio in at.radio]
    assert radios == [
        "Which area do you live in?",
        "How safe or unsafe do you feel when outside in your local area during the day?",
        "How safe or unsafe do you feel when outside in your local area after dark?",
        "Is there a place where you feel unsafe?",
        "Have these changes made you feel…",
    ]
    assert at.radio(key="survey_safe_day").options == list(schema.SAFETY_SCALE)
    assert at.radio(key="survey_changes_effect").options == list(schema.CHANGES_EFFECT)
    assert [box.label for box in at.checkbox] == list(
        schema.UNSAFE_REASONS + schema.SAFER_MEASURES + schema.NOTICED_CHANGES
    )
    assert at.multiselect[0].label == "Which of these concern you most in your area? (up to 3)"
    warnings = " ".join(warning.value for warning in at.warning)
    assert "call 999 in an emergency" in warnings
    assert "0800 783 1359" in warnings and "0808 2000 247" in warnings  # the survey mentions domestic abuse
    assert at.button(key="survey-submit").label == "Submit my answers"


def test_complete_survey_with_a_map_pin_is_stored_with_exactly_the_design_columns(monkeypatch):
    fake_map_click(monkeypatch, 52.0570, -2.7160)
    at = open_page(PAGE)
    reference = at.session_state["survey_reference"]
    fill_required(at)
    at.text_input(key="survey_postcode").set_value("hr1 2ab")
    at.radio(key="survey_method").set_value("Drop a pin on a map").run()
    assert any("Pin dropped" in info.value for info in at.info)
    check(at, "survey_unsafe_reasons", schema.UNSAFE_REASONS, "No CCTV", "Being followed")
    check(at, "survey_safer_measures", schema.SAFER_MEASURES, "Better lighting")
    check(at, "survey_noticed_changes", schema.NOTICED_CHANGES, "New CCTV cameras", "Better street lighting")
    at.radio(key="survey_changes_effect").set_value("More safe")
    at.multiselect(key="survey_top_concerns").set_value(["Burglary", "Domestic abuse"])
    at.selectbox(key="survey_age_band").set_value("35–44")
    at.selectbox(key="survey_gender").set_value("Prefer not to say")
    at.selectbox(key="survey_disability").set_value("No")
    at.text_area(key="survey_comments").set_value("The subway feels unsafe at night.")
    submit(at)

    assert successes(at) == [f"Thank you: we have your answers. Your reference is {reference}"]
    rows = stored()
    assert list(rows.columns) == list(schema.COLUMNS[schema.SURVEY_RESPONSES])
    assert len(rows) == 1
    row = rows.iloc[0].to_dict()
    assert row["response_id"] == reference
    assert row["postcode_district"] == "HR1"  # never the whole postcode
    assert (row["unsafe_lat"], row["unsafe_lon"], row["unsafe_place"]) == ("52.0570", "-2.7160", "")
    assert row["unsafe_reasons"] == "No CCTV; Being followed"
    assert row["noticed_changes"] == "New CCTV cameras; Better street lighting"
    assert row["changes_effect"] == "More safe"
    assert row["top_concerns"] == "Burglary; Domestic abuse"
    assert (row["age_band"], row["gender"], row["disability"]) == ("35–44", "Prefer not to say", "No")
    assert row["comments"] == "The subway feels unsafe at night."


def test_after_success_the_form_is_empty_again_with_a_new_reference():
    at = open_page(PAGE)
    first = at.session_state["survey_reference"]
    fill_required(at)
    submit(at)
    at.button[0].click().run()  # "Fill in the survey again"
    assert at.radio(key="survey_area").value is None
    assert at.session_state["survey_reference"] != first
    assert not successes(at)


def test_named_place_from_the_list_is_stored_instead_of_a_pin():
    at = open_page(PAGE)
    fill_required(at, area="Leominster")
    at.radio(key="survey_method").set_value("Choose a named place from a list").run()
    assert "Corn Square" in at.selectbox(key="survey_place").options
    assert "Hereford High Town" not in at.selectbox(key="survey_place").options
    at.selectbox(key="survey_place").set_value("Corn Square")
    submit(at)
    row = stored().iloc[0]
    assert (row["unsafe_place"], row["unsafe_lat"], row["unsafe_lon"]) == ("Corn Square", "", "")


def test_missing_required_answers_are_shown_beside_their_questions_and_nothing_is_stored():
    at = open_page(PAGE)
    at.text_area(key="survey_comments").set_value("Keep this text")
    submit(at)
    errors = " ".join(field_errors(at))
    assert "Choose the area you live in." in errors
    assert "Choose how safe you feel during the day" in errors
    assert "Choose how safe you feel after dark" in errors
    assert [text for text, _ in error_summary(at)] == [
        "Where you live: Choose the area you live in.",
        "Feeling safe during the day: Choose how safe you feel during the day (or Don't know).",
        "Feeling safe after dark: Choose how safe you feel after dark (or Don't know).",
    ]
    assert at.text_area(key="survey_comments").value == "Keep this text"  # answers kept
    assert stored().empty


def test_the_error_summary_lists_every_error_in_the_order_of_the_form_with_a_link_to_its_field():
    at = open_page(PAGE)
    # Problems from the first, third and last parts, answered out of order.
    at.text_area(key="survey_comments").set_value("㎞" * 600)
    check(at, "survey_noticed_changes", schema.NOTICED_CHANGES, "New CCTV cameras", "None of these")
    at.text_input(key="survey_postcode").set_value("not a postcode")
    at.radio(key="survey_safe_day").set_value("Fairly safe")
    submit(at)

    entries = error_summary(at)

    assert [text.split(":")[0] for text, _ in entries] == [
        "Where you live",
        "First part of your postcode",
        "Feeling safe after dark",
        "Changes you have noticed",
        "Anything else",
    ]
    assert [targets for _, targets in entries] == [
        "survey_area",
        "survey_postcode",
        "survey_safe_after_dark",
        "survey_noticed_changes",  # the group of tick boxes: its link moves to the first box
        "survey_comments",
    ]
    assert stored().empty


def test_the_error_summary_is_drawn_above_the_first_question_and_goes_once_the_answers_are_sent():
    at = open_page(PAGE)
    assert error_summary(at) == []
    submit(at)
    bodies = [element.proto.body for element in at.get("html")]
    summary = next(i for i, body in enumerate(bodies) if 'class="hcsp-error-summary"' in body)
    first_error = next(i for i, body in enumerate(bodies) if 'class="hcsp-field-error"' in body)
    assert summary < first_error  # above the first question's own message
    fill_required(at)
    submit(at)
    assert successes(at) and error_summary(at) == []


def test_each_group_of_tick_boxes_is_labelled_by_its_question():
    at = open_page(PAGE)
    for key, question in (
        ("survey_unsafe_reasons", "Why do you feel unsafe there?"),
        ("survey_safer_measures", "What would make you feel safer?"),
        ("survey_noticed_changes", "In the last two years, have you noticed any of these in your area?"),
    ):
        labels = [e.proto.body for e in at.get("html") if f'data-hcsp-group="{key}"' in e.proto.body]
        assert len(labels) == 1 and question in labels[0]
        assert f'id="{key}-question"' in labels[0]


def test_a_map_click_outside_herefordshire_is_refused(monkeypatch):
    fake_map_click(monkeypatch, 52.4862, -1.8904)  # Birmingham
    at = open_page(PAGE)
    fill_required(at)
    at.radio(key="survey_method").set_value("Drop a pin on a map").run()
    assert any("outside Herefordshire" in error.value for error in at.error)
    assert not any("Pin dropped" in info.value for info in at.info)
    submit(at)
    assert stored().iloc[0]["unsafe_lat"] == ""  # the refused point never reaches the store


def test_a_pin_outside_herefordshire_is_shown_as_an_error_beside_the_place_question():
    at = open_page(PAGE)
    fill_required(at)
    at.radio(key="survey_method").set_value("Drop a pin on a map")
    at.session_state["survey_pin"] = (51.5074, -0.1278)  # London, e.g. from a tampered request
    submit(at)
    assert any("outside Herefordshire" in error for error in field_errors(at))
    assert stored().empty


def test_the_pin_can_be_removed(monkeypatch):
    fake_map_click(monkeypatch, 52.0570, -2.7160)
    at = open_page(PAGE)
    fill_required(at)
    at.radio(key="survey_method").set_value("Drop a pin on a map").run()
    at.button(key="survey_remove_pin").click().run()
    assert not any("Pin dropped" in info.value for info in at.info)
    submit(at)
    assert stored().iloc[0]["unsafe_lat"] == ""


def test_the_comments_box_stops_typing_at_the_limit_and_says_names_are_not_removed():
    at = open_page(PAGE)
    box = at.text_area(key="survey_comments")
    assert box.max_chars == schema.MAX_FREE_TEXT  # the browser stops typing and cuts a paste there
    box.input("x" * (schema.MAX_FREE_TEXT + 1)).run()  # as a browser would: the longer text is refused
    assert not at.text_area(key="survey_comments").value
    assert any("We cannot remove names, so please leave them out." in c.value for c in at.caption)


def test_a_longer_comment_sent_round_the_browser_is_cut_to_the_limit_before_the_app_keeps_it():
    at = open_page(PAGE)
    fill_required(at)
    # A client that ignores the box's limit sends its own value over the websocket.
    at.text_area(key="survey_comments").set_value("x" * 100_000).run()
    assert len(at.session_state["survey_comments"]) == schema.MAX_FREE_TEXT
    submit(at)
    assert stored().iloc[0]["comments"] == "x" * schema.MAX_FREE_TEXT


def test_a_10_mb_comment_never_reaches_the_form():
    # server.maxWidgetStateSize (1 MB in .streamlit/config.toml) refuses the whole message; a real
    # server closes the websocket before reading it.
    assert streamlit_config.get_option("server.maxWidgetStateSize") == 1
    at = open_page(PAGE)
    fill_required(at)
    at.text_area(key="survey_comments").set_value("x" * 10_000_000)
    at.button(key="survey-submit").click().run()
    assert not at.session_state["survey_comments"]
    assert stored().empty


def test_a_comment_that_grows_past_the_limit_when_normalised_is_refused_beside_the_box():
    at = open_page(PAGE)
    fill_required(at)
    at.text_area(key="survey_comments").set_value("㎞" * 600)  # NFKC writes each one as "km"
    submit(at)
    assert any(
        "Please shorten this to 1,000 characters or fewer (it is 1,200)" in error
        for error in field_errors(at)
    )
    assert any("1,200 of 1,000 characters used (200 too many)" in c.value for c in at.caption)
    assert stored().empty


def test_control_and_invisible_characters_in_comments_are_not_stored():
    at = open_page(PAGE)
    fill_required(at)
    at.text_area(key="survey_comments").set_value("Lights\u200b out\x00 by the\u202e subway\r\nagain\ufeff")
    submit(at)
    assert stored().iloc[0]["comments"] == "Lights out by the subway\nagain"


def test_contact_details_in_comments_are_removed_before_storage():
    at = open_page(PAGE)
    fill_required(at)
    at.text_area(key="survey_comments").set_value("Ring me on 07700 900123 about the lights")
    submit(at)
    comments = stored().iloc[0]["comments"]
    assert "07700" not in comments and "[removed]" in comments


def test_submitting_the_same_form_twice_stores_one_row():
    at = open_page(PAGE)
    reference = at.session_state["survey_reference"]
    fill_required(at)
    submit(at)
    # A retry of the same form (a lost response resent, a refresh): same reference, same answers.
    at.button[0].click().run()
    at.session_state["survey_reference"] = reference
    fill_required(at)
    submit(at)
    assert successes(at) == [f"Thank you: we have your answers. Your reference is {reference}"]
    assert stored()["response_id"].tolist() == [reference]


def test_the_sixth_quick_submission_is_refused_politely():
    at = open_page(PAGE)
    for _ in range(5):
        fill_required(at)
        submit(at)
        assert successes(at)
        at.button[0].click().run()
    fill_required(at)
    submit(at)
    assert not successes(at)
    assert any("already had 5 submissions" in warning.value for warning in at.warning)
    assert at.radio(key="survey_area").value == "Hereford"  # answers kept
    assert len(stored()) == 5


def warnings(at) -> list[str]:
    return [warning.value for warning in at.warning]


def test_a_form_sent_faster_than_a_person_can_fill_it_is_held_back(monkeypatch):
    monkeypatch.setenv("HCSP_MIN_FILL_SECONDS", "3600")
    at = open_page(PAGE)
    fill_required(at)
    submit(at)
    assert any("quicker than people usually manage" in warning for warning in warnings(at))
    assert stored().empty
    submit(at)  # pressing again does not restart the clock or get round it
    assert any("quicker than people usually manage" in warning for warning in warnings(at))
    assert stored().empty
    assert at.radio(key="survey_safe_day").value == "Fairly safe"  # nothing typed is lost
    # An hour after the form was first shown (the token the server signed then), it goes.
    at.session_state["survey_token"] = security.form_token("survey", shown_at=time.time() - 3601)
    submit(at)
    assert successes(at)
    assert len(stored()) == 1


@pytest.mark.parametrize("token", ["", "garbage", f"{int(time.time()) - 7200}.{'0' * 64}"])
def test_a_form_whose_timing_token_is_missing_or_made_up_is_held_back_with_the_answers_kept(
    monkeypatch, token
):
    monkeypatch.setenv("HCSP_MIN_FILL_SECONDS", "8")
    at = open_page(PAGE)
    fill_required(at)
    at.session_state["survey_token"] = token  # a token the server did not sign, claiming two hours
    submit(at)
    assert any("could not tell when this form was opened" in warning for warning in warnings(at))
    assert stored().empty
    assert at.radio(key="survey_area").value == "Hereford"
    submit(at)  # the server timed the form afresh: still too soon
    assert any("quicker than people usually manage" in warning for warning in warnings(at))
    assert stored().empty


def test_the_next_form_after_a_success_is_timed_from_when_it_is_shown(monkeypatch):
    monkeypatch.setenv("HCSP_MIN_FILL_SECONDS", "3600")
    at = open_page(PAGE)
    at.session_state["survey_token"] = security.form_token("survey", shown_at=time.time() - 3601)
    fill_required(at)
    submit(at)
    assert successes(at)
    at.button[0].click().run()  # "Start again": a new, empty form
    fill_required(at)
    submit(at)
    assert any("quicker than people usually manage" in warning for warning in warnings(at))
    assert len(stored()) == 1


def test_nothing_the_resident_typed_is_rendered_as_markup():
    at = open_page(PAGE)
    # Required answers left out, so the form is shown again with the text still in it.
    at.text_area(key="survey_comments").set_value("<script>alert(1)</script> **bold**")
    submit(at)
    assert at.text_area(key="survey_comments").value == "<script>alert(1)</script> **bold**"
    page_text = " ".join(str(element.proto) for element in at.get("markdown") + at.get("html"))
    assert "<script>alert(1)" not in page_text


def test_none_of_these_with_other_changes_is_explained_beside_question_8():
    at = open_page(PAGE)
    fill_required(at)
    check(at, "survey_noticed_changes", schema.NOTICED_CHANGES, "New CCTV cameras", "None of these")
    submit(at)
    assert any("'None of these' cannot be chosen together" in error for error in field_errors(at))
    assert stored().empty


def test_every_error_summary_link_goes_to_a_widget_on_the_page():
    keys = widget_keys(open_page(PAGE))
    for field, (_, targets) in page_fields(PAGE).items():
        assert not targets or set(targets.split()) & keys, field
