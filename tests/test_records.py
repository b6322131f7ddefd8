"""Free text in records: normalised when the record is made, so checks and stored rows see one form."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from hcsp_engage import records, schema

NOW = datetime(2026, 11, 28, 23, 48, 50, tzinfo=UTC)
HIDDEN = "\x00\u202e\u200b\u200d\u2060\ufeff\u00ad\U000e0041"  # NUL, override, zero-width, tag ...


def survey(comments: str) -> records.SurveyResponse:
    return records.SurveyResponse(
        response_id="S-23456789",
        submitted_at=NOW,
        area="Hereford",
        safe_day="Very safe",
        safe_after_dark="Fairly unsafe",
        comments=comments,
    )


def report(**text: str) -> records.AsbReport:
    return records.AsbReport(
        report_id="R-23456789",
        submitted_at=NOW,
        category="Antisocial drinking",
        area="Hereford",
        occurred_on=date(2026, 11, 20),
        time_of_day="Evening 6pm–10pm",
        frequency="Every week",
        impact="A little",
        told=("Council",),
        incidents_reported_6m="1",
        place="Hereford railway station",
        **text,
    )


def test_control_and_invisible_characters_never_reach_the_stored_row():
    row = records.survey_row(survey(f"Dark{HIDDEN} underpass\r\nby the{HIDDEN} station"))
    assert row["comments"] == "Dark underpass\nby the station"
    row = records.report_row(
        report(location_detail=f"Alley{HIDDEN} by the library", description=f"Fire{HIDDEN}s")
    )
    assert (row["location_detail"], row["description"]) == ("Alley by the library", "Fires")


def test_a_record_holds_its_text_normalised_however_it_is_made():
    response = survey(f"ＨＲ１ is{HIDDEN} fine")
    assert response.comments == "HR1 is fine"
    assert replace(response, comments=f"again{HIDDEN}").comments == "again"
    assert survey("").comments == ""


def test_invisible_characters_do_not_count_towards_the_length():
    visible = "x" * schema.MAX_FREE_TEXT
    assert records.validate_survey(survey(visible + "\u200b" * 500)) == []


def test_length_is_checked_on_the_normalised_text():
    problems = records.validate_survey(survey("㎞" * 501))  # each becomes "km"
    assert ("comments", "Please shorten this to 1,000 characters or fewer (it is 1,002).") in problems
    problems = records.validate_report(report(location_detail="㎞" * 61))
    assert any(field == "location_detail" for field, _ in problems)


def test_invisible_characters_hidden_in_a_postcode_do_not_get_past_redaction():
    row = records.report_row(report(description="lives at HR1\u200b 2AB, car KX68\u2060VLT"))
    assert row["description"] == "lives at [removed], car [removed]"


def test_staff_text_is_normalised_too():
    change = records.StatusChange("R-23456789", "Reviewed", f"Seen{HIDDEN}", NOW, "officer")
    assert records.status_row(change)["note"] == "Seen"
    blank_title = records.Intervention(
        intervention_id="I-23456789",
        scheme="Other",
        kind="CCTV",
        area="Hereford",
        title="\u200b\u200b",
        location_precision="area",
        status="Planned",
        public=False,
        updated_at=NOW,
        updated_by="officer",
    )
    assert ("title", "Give the intervention a short title.") in records.validate_intervention(blank_title)
