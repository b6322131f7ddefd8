"""Board figures on synthetic data with known answers: periods, Wilson intervals, planted proportions,
suppression in every table."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import board


def responses_with(safe_after_dark: list[str], **columns: list[str]) -> pd.DataFrame:
    """Survey responses submitted in April 2025 with the given answers (other columns blank)."""
    n = len(safe_after_dark)
    frame = pd.DataFrame({column: [""] * n for column in schema.COLUMNS[schema.SURVEY_RESPONSES]})
    frame["response_id"] = [f"S-{i:08d}" for i in range(n)]
    frame["submitted_at"] = "2025-04-15T12:00:00Z"
    frame["safe_after_dark"] = safe_after_dark
    frame["safe_day"] = "Very safe"
    frame["area"] = "Hereford"
    for column, values in columns.items():
        frame[column] = values
    return frame


def summary_of(responses: pd.DataFrame, period: board.Period | None = None) -> board.BoardSummary:
    data = board.prepare({schema.SURVEY_RESPONSES: responses})
    return board.summarise(data, period or board.financial_year(2025))


# --- Periods -------------------------------------------------------------------------------------------


def test_financial_year_runs_april_to_march():
    year = board.financial_year(2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert year.label == "Financial year 2025/26"


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2025, 4, 1), date(2025, 4, 1), date(2025, 6, 30), "Q1 2025/26 (April–June 2025)"),
        (date(2025, 12, 31), date(2025, 10, 1), date(2025, 12, 31), "Q3 2025/26 (October–December 2025)"),
        (date(2026, 2, 14), date(2026, 1, 1), date(2026, 3, 31), "Q4 2025/26 (January–March 2026)"),
    ],
)
def test_quarters_are_financial_quarters(day, start, end, label):
    quarter = board.quarter_of(day)
    assert (quarter.start, quarter.end, quarter.label) == (start, end, label)


@pytest.mark.parametrize(
    ("today", "published_on", "following"),
    [
        (date(2026, 12, 4), date(2026, 10, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 4, 1)),
        (date(2027, 3, 31), date(2027, 1, 1), date(2027, 4, 1)),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 7, 1)),
        (date(2026, 6, 30), date(2026, 4, 1), date(2026, 7, 1)),
    ],
)
def test_the_board_publishes_on_the_first_day_of_each_quarter(today, published_on, following):
    assert board.publication_day(today) == published_on
    assert board.next_publication(published_on) == following


def test_a_publication_counts_only_what_was_submitted_before_its_day():
    responses = responses_with(["Very safe"] * 3)
    responses["submitted_at"] = ["2026-09-30T23:59:59Z", "2026-10-01T00:00:00Z", "2026-11-20T09:00:00Z"]
    data = board.prepare({schema.SURVEY_RESPONSES: responses}, date(2026, 10, 1))
    assert list(data.responses["day"]) == [pd.Timestamp("2026-09-30")]
    assert data.data_date == date(2026, 9, 30)  # the latest submission counted
    waiting = board.prepare({schema.SURVEY_RESPONSES: responses.iloc[1:]}, date(2026, 10, 1))
    assert waiting.data_date is None and waiting.responses.empty


def test_what_a_publication_counts_is_found_without_parsing_the_rows_and_agrees_with_prepare():
    tables = synthetic.frames(300, 300, seed=8)
    for published_on in (date(2025, 10, 1), None):
        found = board.counted(tables, published_on)
        data = board.prepare(tables, published_on)
        assert (found.published_on, found.first_day, found.data_date) == (
            data.published_on,
            data.first_day,
            data.data_date,
        )
        assert found.versions[0][0] == len(data.responses) and found.versions[1][0] == len(data.reports)

    key = board.counted(tables, date(2025, 10, 1)).key
    responses = tables[schema.SURVEY_RESPONSES]

    def with_responses(frame: pd.DataFrame) -> tuple:
        return board.counted({**tables, schema.SURVEY_RESPONSES: frame}, date(2025, 10, 1)).key

    since = responses.iloc[[0]].assign(response_id="since", submitted_at="2025-11-20T09:00:00Z")
    late = responses.iloc[[0]].assign(response_id="late", submitted_at="2025-09-30T23:00:00Z")
    counted_positions = np.flatnonzero(responses["submitted_at"].str[:10] < "2025-10-01")
    # A response sent since the publication leaves what it counts as it is; one it counts, arriving
    # late (from an outbox) or removed, does not.
    assert with_responses(pd.concat([responses, since], ignore_index=True)) == key
    assert with_responses(pd.concat([responses, late], ignore_index=True)) != key
    assert with_responses(responses.drop(index=counted_positions[5])) != key
    assert board.counted(tables, date(2026, 1, 1)).key != key


def test_period_choices_cover_the_data_newest_first():
    choices = board.period_choices(date(2025, 5, 2), date(2026, 10, 31))
    assert [q.label[:10] for q in choices["quarter"]][:2] == ["Q3 2026/27", "Q2 2026/27"]
    assert choices["quarter"][-1].start == date(2025, 4, 1)
    assert [y.label for y in choices["financial_year"]] == [
        "Financial year 2026/27",
        "Financial year 2025/26",
    ]


def test_periods_are_fixed_quarters_and_financial_years_only():
    # No custom ranges: two ranges a week apart would give back that week's answers.
    assert not hasattr(board, "custom")
    choices = board.period_choices(date(2025, 5, 2), date(2025, 12, 1))
    assert set(choices) == {"quarter", "financial_year"}
    year = board.financial_year(2025)
    assert [q.code for q in board.parts_of(year)] == ["2025/26 Q1", "2025/26 Q2", "2025/26 Q3", "2025/26 Q4"]
    assert [m.code for m in board.parts_of(board.quarter(2025, 4))] == ["2026-01", "2026-02", "2026-03"]


def test_every_figure_follows_the_period():
    inside = responses_with(["Very safe"] * 6)
    outside = responses_with(["Very unsafe"] * 9).assign(submitted_at="2024-12-01T10:00:00Z")
    summary = summary_of(pd.concat([inside, outside], ignore_index=True))
    kpis = {kpi.label: kpi.value for kpi in summary.kpis}
    assert kpis["Survey responses"] == "6"
    assert kpis["Feel safe after dark"] == "100%"


# --- Wilson intervals and planted proportions -----------------------------------------------------------


def test_wilson_interval_matches_the_hand_computed_value_for_73_of_100():
    # p = 0.73, z = 1.96: centre (0.73 + 1.96²/200) / (1 + 1.96²/100) = 0.72150,
    # half-width 1.96 * sqrt(0.73*0.27/100 + 1.96²/40000) / (1 + 1.96²/100) = 0.08581
    low, high = board.wilson_interval(73, 100)
    assert low == pytest.approx(0.6357, abs=1e-4)
    assert high == pytest.approx(0.8073, abs=1e-4)


def test_wilson_interval_stays_inside_zero_and_one():
    assert board.wilson_interval(0, 10)[0] == 0.0
    assert board.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert all(np.isnan(board.wilson_interval(0, 0)))


@pytest.mark.parametrize("planted", [0.4, 0.73, 0.9])
def test_a_planted_proportion_comes_back_within_its_interval(planted):
    rng = np.random.default_rng(11)
    answers = np.where(rng.random(800) < planted, "Fairly safe", "Fairly unsafe").tolist()
    table = summary_of(responses_with(answers)).tables["safety_overall"].frame
    row = table[table["Question"] == "After dark"].iloc[0]
    assert row["95% CI low (%)"] <= 100 * planted <= row["95% CI high (%)"]
    assert row["Answered"] == 800


def test_dont_know_is_left_out_of_the_percentage_and_counted_beside_it():
    answers = ["Very safe"] * 30 + ["Very unsafe"] * 10 + ["Don't know"] * 20
    row = summary_of(responses_with(answers)).tables["safety_overall"].frame.iloc[1]
    assert (row["Answered"], row["Very or fairly safe"], row["% safe"], row["Don't know"]) == (
        40,
        30,
        75.0,
        20,
    )


def test_safety_by_gender_separates_the_groups():
    answers = ["Very safe"] * 20 + ["Very unsafe"] * 20
    genders = ["Woman"] * 20 + ["Man"] * 20
    table = summary_of(responses_with(answers, gender=genders)).tables["safety_by_gender"].frame
    after_dark = table[table["Question"] == "After dark"].set_index("Group")["% safe"]
    assert after_dark["Woman"] == 100.0 and after_dark["Man"] == 0.0


def test_baselines_sit_beside_this_periods_figure():
    table = summary_of(responses_with(["Very safe"] * 10)).tables["safety_against_baselines"].frame
    figures = dict(zip(table["Who"], table["% safe after dark"], strict=True))
    assert figures["Herefordshire 2021"] == 85 and figures["Herefordshire 2023"] == 73
    assert figures["Great Britain 2022"] == 74


# --- Engagement, concerns, Community Trigger --------------------------------------------------------------


def test_responses_per_thousand_residents_use_the_populations_file():
    responses = responses_with(["Very safe"] * 24, area=["Leominster"] * 24)
    table = summary_of(responses).tables["engagement_by_area"].frame.set_index("Area")
    assert table.loc["Leominster", "Responses per 1,000 residents"] == pytest.approx(2.0)  # 24 of 12,000


def test_responses_count_by_the_forms_language_and_answers_from_before_languages_count_as_english():
    responses = responses_with(["Very safe"] * 20, language=[""] * 6 + ["en"] * 6 + ["pl"] * 8)
    without_column = responses_with(["Very safe"] * 7).drop(columns="language")

    table = summary_of(responses).tables["engagement_by_language"].frame.set_index("Language")
    older = summary_of(without_column).tables["engagement_by_language"].frame.set_index("Language")

    assert table["Survey responses"].to_dict() == {"English": 12, "Polish": 8, "Romanian": 0, "Bulgarian": 0}
    assert older["Survey responses"].to_dict() == {"English": 7, "Polish": 0, "Romanian": 0, "Bulgarian": 0}


def test_who_took_part_sets_answers_beside_the_census_profile():
    responses = responses_with(["Very safe"] * 20, age_band=["16–24"] * 5 + ["65–74"] * 15)
    table = summary_of(responses).tables["who_took_part"].frame
    ages = table[table["About"] == "Age"].set_index("Answer")
    assert ages.loc["65–74", "% of those who said"] == 75.0
    assert ages.loc["65–74", "% of residents (Census 2021)"] == pytest.approx(100 * 25300 / 156000, abs=0.1)


def test_concerns_map_onto_the_four_priorities():
    responses = responses_with(
        ["Very safe"] * 10,
        top_concerns=["County lines and exploitation; Drug dealing or drug use"] * 6 + ["Domestic abuse"] * 4,
    )
    table = summary_of(responses).tables["priorities"].frame.set_index("Strategic priority")
    # Someone naming two drug concerns counts once under misuse of drugs.
    assert table.loc["Misuse of drugs", "People naming a concern under it"] == 6
    assert table.loc["Domestic abuse", "% of those who answered"] == 40.0
    assert set(board.concern_priorities()) == set(schema.TOP_CONCERNS)


def test_community_trigger_counts_reports_meeting_the_rule_by_quarter():
    reports = synthetic.report_frame(60, seed=5, start=date(2025, 4, 1), end=date(2025, 6, 30))
    reports["incidents_reported_6m"] = ["3 or more"] * 12 + ["2"] * 48
    data = board.prepare({schema.ASB_REPORTS: reports})
    table = board.summarise(data, board.financial_year(2025), trigger_threshold=3).tables["community_trigger"]
    assert table.frame["Met the case-review rule"].sum() == 12
    assert {kpi.label: kpi.value for kpi in board.summarise(data, board.financial_year(2025)).kpis}[
        "Met the case-review rule"
    ] == "12"


# --- Suppression -----------------------------------------------------------------------------------------

SMALL = re.compile(r"^[1-4]$")


@pytest.fixture(scope="module")
def small_summary() -> board.BoardSummary:
    """Few enough responses and reports that many cells are 1 to 4."""
    tables = synthetic.frames(40, 30, seed=9, start=date(2025, 4, 1), end=date(2026, 3, 31))
    return board.summarise(board.prepare(tables), board.financial_year(2025))


def test_every_table_shows_small_counts_as_fewer_than_5(small_summary):
    suppressed_somewhere = False
    for key, table in small_summary.tables.items():
        shown = table.shown()
        for column in table.counts:
            values = shown[column].astype(str)
            assert not values.str.match(SMALL).any(), f"{key}: {column} shows a count below 5"
            suppressed_somewhere |= values.eq("fewer than 5").any()
    assert suppressed_somewhere


def test_every_table_hides_percentages_that_would_reveal_a_small_count(small_summary):
    for key, table in small_summary.tables.items():
        raw, shown = table.frame, table.shown()
        small = pd.Series(False, index=raw.index)
        # The counts each row's figures are built from: % safe and its interval from Answered and the
        # safe count alone; "Don't know" and reports by area feed no figure.
        feeding = [
            c
            for c in table.counts
            if c not in ("Don't know", "Not safe (neither, or unsafe)")
            and (key, c) != ("engagement_by_area", "ASB reports")
        ]
        for column in feeding:
            small |= pd.to_numeric(raw[column], errors="coerce").between(1, 4) | (
                shown[column] == "not shown"
            )
        for column in table.percents:
            assert (shown.loc[small, column] == "").all(), f"{key}: {column} shown beside a small count"


def test_kpis_are_suppressed_too():
    summary = summary_of(responses_with(["Very safe"] * 3))
    kpis = {kpi.label: kpi.value for kpi in summary.kpis}
    assert kpis["Survey responses"] == "fewer than 5"
    assert kpis["Feel safe after dark"] == "not shown"


def test_charts_never_get_a_suppressed_count(small_summary):
    for key, table in small_summary.tables.items():
        chartable = table.chartable()
        for column in table.counts:
            assert not pd.to_numeric(chartable[column], errors="coerce").between(1, 4).any(), key


def test_after_dark_answers_split_as_the_county_surveys_report_them():
    answers = (
        ["Very safe"] * 14 + ["Fairly unsafe"] * 3 + ["Very unsafe"] * 3 + ["Neither safe nor unsafe"] * 5
    )
    table = summary_of(responses_with(answers)).tables["safety_against_baselines"].frame.set_index("Who")
    this = table.iloc[0]
    assert (this["% safe after dark"], this["% unsafe"], this["% neither"]) == (56.0, 24.0, 20.0)
    assert (table.loc["Herefordshire 2023", "% unsafe"], table.loc["Herefordshire 2023", "% neither"]) == (
        15,
        12,
    )


def test_a_lone_small_count_is_not_given_back_by_the_total():
    # Leominster has 3 responses; the county total (a KPI) less the other areas would reveal it, so the
    # next smallest area is left out too.
    areas = ["Hereford"] * 30 + ["Leominster"] * 3 + ["Ross-on-Wye"] * 8 + ["Elsewhere in Herefordshire"] * 12
    table = summary_of(responses_with(["Very safe"] * len(areas), area=areas)).tables["engagement_by_area"]
    shown = table.shown().set_index("Area")
    assert shown.loc["Leominster", "Survey responses"] == "fewer than 5"
    assert shown.loc["Ross-on-Wye", "Survey responses"] == "not shown"
    assert shown.loc["Ross-on-Wye", "Responses per 1,000 residents"] == ""
    assert shown.loc["Hereford", "Survey responses"] == "30"
    assert table.chartable().set_index("Area")["Survey responses"].isna().sum() == 2


def test_two_small_counts_protect_each_other():
    areas = ["Hereford"] * 30 + ["Leominster"] * 3 + ["Ross-on-Wye"] * 2 + ["Elsewhere in Herefordshire"] * 12
    shown = (
        summary_of(responses_with(["Very safe"] * len(areas), area=areas))
        .tables["engagement_by_area"]
        .shown()
    )
    assert "not shown" not in set(shown["Survey responses"])


def test_a_large_planted_proportion_is_shown_as_before_beside_the_baselines():
    rng = np.random.default_rng(11)
    answers = np.where(rng.random(800) < 0.73, "Fairly safe", "Fairly unsafe").tolist()
    summary = summary_of(responses_with(answers))
    overall = summary.tables["safety_overall"]
    shown = overall.shown().set_index("Question").loc["After dark"]
    raw = overall.frame.set_index("Question").loc["After dark"]
    assert shown["% safe"] == str(raw["% safe"]) and shown["Answered"] == "800"
    assert float(shown["95% CI low (%)"]) <= 73 <= float(shown["95% CI high (%)"])
    baselines = summary.tables["safety_against_baselines"].shown().set_index("Who")["% safe after dark"]
    assert (
        baselines["Herefordshire 2021"],
        baselines["Herefordshire 2023"],
        baselines["Great Britain 2022"],
    ) == (
        "85.0",
        "73.0",
        "74.0",
    )
    assert {kpi.label: kpi.value for kpi in summary.kpis}["Feel safe after dark"] == f"{raw['% safe']:.0f}%"
