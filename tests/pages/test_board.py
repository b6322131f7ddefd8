"""The Board summary page: only Board members and officers see it; its figures match planted data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from hcsp_engage import config, schema, storage, synthetic
from hcsp_engage.analysis import board, snapshot
from tests.conftest import open_page
from tests.pages.staff_support import BOARD_PASSCODE, OFFICER_PASSCODE, SECRETS, sign_in
from tests.rows import response_row

PAGE = "views/board.py"
# The first run works out and protects every period's figures at once (board.build), slower than one
# period's tables were on a busy machine.
TIMEOUT = 180


@pytest.fixture
def planted():
    """40 responses in May 2025 (30 feel safe after dark, all safe in the day; 30 in English, 8 in Polish,
    2 in Bulgarian) and 12 reports, 7 of them meeting the Community Trigger rule: all in financial year
    2025/26."""
    store = storage.open_store(config.load_settings({}))
    responses = synthetic.survey_frame(40, seed=2, start=date(2025, 5, 1), end=date(2025, 5, 31))
    responses["safe_after_dark"] = ["Very safe"] * 30 + ["Fairly unsafe"] * 10
    responses["safe_day"] = "Fairly safe"
    responses["language"] = ["en"] * 30 + ["pl"] * 8 + ["bg"] * 2
    reports = synthetic.report_frame(12, seed=2, start=date(2025, 5, 1), end=date(2025, 5, 31))
    reports["incidents_reported_6m"] = ["3 or more"] * 7 + ["1"] * 5
    for row in responses.to_dict("records"):
        store.append(schema.SURVEY_RESPONSES, row)
    for row in reports.to_dict("records"):
        store.append(schema.ASB_REPORTS, row)


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_the_page_refuses_a_visitor_who_is_not_signed_in(planted):
    at = open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT)
    assert not at.exception
    assert at.text_input(key="staff_signin_passcode")
    assert metrics(at) == {}
    assert len(at.dataframe) == 0


def test_a_board_member_sees_kpis_matching_the_planted_data(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not at.exception
    shown = metrics(at)
    assert shown["Survey responses"] == "40"
    assert shown["ASB reports"] == "12"
    assert shown["Feel safe after dark"] == "75%"
    assert shown["Feel safe during the day"] == "100%"
    assert shown["Met the case-review rule"] == "7"


def test_responses_by_language_are_shown_by_name_and_the_two_bulgarian_ones_are_not_given_away(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not at.exception
    by_language = next(table.value for table in at.dataframe if "Language" in table.value.columns)
    by_language = by_language.set_index("Language")

    assert list(by_language.index) == ["English", "Polish", "Romanian", "Bulgarian"]
    assert by_language.loc["Bulgarian", "Survey responses"] == "fewer than 5"
    # Shown beside the 40 responses, English and Polish would give the 2 back: at least one is hidden.
    assert "not shown" in {
        by_language.loc["English", "Survey responses"],
        by_language.loc["Polish", "Survey responses"],
    }


def test_an_officer_may_open_it_too(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), OFFICER_PASSCODE, role="officer")
    assert not at.exception
    assert metrics(at)["Survey responses"] == "40"


def test_every_table_on_the_page_hides_counts_below_5(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert len(at.dataframe) >= 15
    suppressed = False
    for table in at.dataframe:
        frame = table.value
        for column in frame.columns:
            values = frame[column].astype(str)
            if any(word in column for word in ("%", "per 1,000", "Difference", "p-value", "interval")):
                continue
            assert not values.str.fullmatch("[1-4]").any(), column
            suppressed |= values.eq("fewer than 5").any()
    assert suppressed


def test_the_period_choice_offers_quarters_and_financial_years_only(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert at.radio(key="board_period_kind").options == ["Financial year", "Quarter"]
    assert len(at.date_input) == 0  # no custom ranges
    assert len(at.get("select_slider")) == 0  # the Safer Streets radius and months are fixed
    at.radio(key="board_period_kind").set_value("quarter").run()
    assert not at.exception
    assert at.selectbox(key="board_quarter").options == ["Q1 2025/26 (April–June 2025)"]
    assert metrics(at)["Survey responses"] == "40"  # May 2025 is in Q1 2025/26
    assert any("300 m" in item.value and "6 months" in item.value for item in at.markdown)


def test_the_report_is_prepared_with_a_progress_indicator_and_offered_for_download(planted):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    at.button(key="board_prepare").click().run(timeout=120)
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download the report (HTML)", "Download the tables (CSV, zipped)"]
    statuses = [(status.label, status.state) for status in at.status]
    assert statuses == [("The report is ready", "complete")]


def test_a_planted_safer_streets_effect_shows_as_a_plain_verdict(planted):
    """Reports near a new CCTV site fall from 60 to 20 while the rest of Hereford stays at 200."""
    from tests.analysis.test_impact import REST, SITE, intervention, points

    rng = np.random.default_rng(8)
    store = storage.open_store(config.load_settings({}))
    located = pd.concat([points(SITE, 60, 20, rng), points(REST, 200, 200, rng)], ignore_index=True)
    reports = synthetic.report_frame(len(located), seed=8, start=date(2025, 3, 1), end=date(2026, 4, 30))
    reports["lat"] = located["lat"].map("{:.4f}".format)
    reports["lon"] = located["lon"].map("{:.4f}".format)
    reports["place"] = ""
    reports["occurred_on"] = located["date"].dt.strftime("%Y-%m-%d")
    for row in reports.to_dict("records"):
        store.append(schema.ASB_REPORTS, row)
    store.append(schema.INTERVENTIONS, intervention(title="CCTV *on* Whitecross Road"))

    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not at.exception
    verdicts = [item.value for item in at.markdown if "Whitecross" in item.value]
    assert any(
        "CCTV \\*on\\* Whitecross Road" in text
        and "the count fell compared with the rest of Hereford" in text
        for text in verdicts
    )


LOOKED_ON = date(2026, 11, 20)  # the Board's publication of 1 October 2026 is in force


@pytest.fixture
def looked_on(monkeypatch):
    monkeypatch.setattr(snapshot, "today", lambda: LOOKED_ON)


def everything_on_the_page(at) -> tuple:
    return (metrics(at), [table.value.to_csv(index=False) for table in at.dataframe])


def test_a_response_sent_since_the_publication_changes_nothing_on_the_page(planted, looked_on, monkeypatch):
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not at.exception
    first = everything_on_the_page(at)
    assert any("Figures published 1 October 2026" in caption.value for caption in at.caption)
    assert any("figures published 1 January 2027" in caption.value for caption in at.caption)

    storage.open_store(config.load_settings({})).append(
        schema.SURVEY_RESPONSES,
        response_row(
            99,
            submitted_at="2026-11-20T09:00:00Z",
            area="Leominster",
            safe_after_dark="Very unsafe",
            language="bg",
        ),
    )
    # A restarted server: nothing cached in memory. The publication it finds kept on disk counts the same
    # rows, so it is shown as it is: not worked out again, and found without parsing the tables.
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setattr(
        board, "build", lambda *args, **kwargs: pytest.fail("the kept publication was not used")
    )
    monkeypatch.setattr(
        board, "prepare", lambda *args, **kwargs: pytest.fail("the tables were parsed to find it")
    )
    again = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not again.exception
    assert everything_on_the_page(again) == first


def test_responses_sent_only_since_the_publication_wait_for_the_next_one(looked_on):
    storage.open_store(config.load_settings({})).append(
        schema.SURVEY_RESPONSES, response_row(1, submitted_at="2026-10-02T09:00:00Z", area="Hereford")
    )
    at = sign_in(open_page(PAGE, secrets=SECRETS, timeout=TIMEOUT), BOARD_PASSCODE, role="board")
    assert not at.exception
    assert metrics(at) == {}
    assert [item.value for item in at.info] == [
        "No figures yet: the Board's figures are published at the start of each quarter from the responses "
        "and reports submitted before it, and the first ones arrived after 1 October 2026. They are counted "
        "in the figures published 1 January 2027."
    ]
