"""Census reference figures: complete for every survey answer, consistent, and labelled approximate."""

from __future__ import annotations

import json
import shutil

import pytest

from hcsp_engage import config, reference, schema


def test_populations_cover_every_area_and_add_up_to_the_county():
    populations = reference.load_populations()
    assert set(populations) == set(schema.REPORT_AREAS) | {reference.COUNTY}
    towns_and_rest = sum(populations[area] for area in schema.REPORT_AREAS)
    assert towns_and_rest == populations[reference.COUNTY]
    assert 180_000 < populations[reference.COUNTY] < 195_000
    assert populations["Hereford"] > populations["Leominster"] > populations["Ross-on-Wye"]


@pytest.mark.parametrize(
    ("kind", "answers"),
    [
        ("age_band", [band for band in schema.AGE_BANDS if band != schema.PREFER_NOT_TO_SAY]),
        ("gender", ["Woman", "Man"]),
        ("disability", ["Yes", "No"]),
    ],
)
def test_profile_uses_the_survey_answer_words(kind, answers):
    profile = reference.load_profile()
    groups = profile[profile["kind"] == kind]
    assert groups["group"].tolist() == answers
    assert groups["share"].sum() == pytest.approx(1.0)


def test_profile_totals_agree_and_are_adults_only():
    profile = reference.load_profile()
    totals = profile.groupby("kind")["population"].sum()
    assert totals.nunique() == 1, "age, gender and disability describe the same residents aged 16+"
    assert totals.iloc[0] < reference.load_populations()[reference.COUNTY]
    older = profile[(profile["kind"] == "age_band") & profile["group"].isin(["65–74", "75+"])]
    assert older["population"].sum() / reference.load_populations()[reference.COUNTY] > 0.2


def test_every_figure_says_where_it_comes_from_and_that_it_is_approximate():
    sources = reference.load_sources()
    assert sources
    assert all("approximate" in source for source in sources.values())


# --- Facts read from the data files, not typed into code -----------------------------------------------


@pytest.fixture
def edited_data(tmp_path, monkeypatch):
    """A copy of data/ with other baselines (61% and 68%) and a priority renamed, in force for the test."""
    folder = tmp_path / "data"
    shutil.copytree(reference.DATA, folder)
    baselines = folder / reference.BASELINES_FILE
    text = baselines.read_text(encoding="utf-8")
    baselines.write_text(
        text.replace("2023,73,", "2023,61,").replace("2022,74,", "2022,68,"), encoding="utf-8"
    )
    priorities = folder / reference.PRIORITIES_FILE
    priorities.write_text(
        priorities.read_text(encoding="utf-8").replace(",Misuse of drugs,", ",Drug misuse,"), encoding="utf-8"
    )
    monkeypatch.setattr(reference, "DATA", folder)
    reference.safety_baselines.cache_clear()
    reference.concern_priorities.cache_clear()
    yield folder
    reference.safety_baselines.cache_clear()
    reference.concern_priorities.cache_clear()


def test_the_board_text_tables_and_charts_follow_the_baselines_file(edited_data):
    from hcsp_engage.render import board_charts
    from tests.analysis.test_board import responses_with, summary_of

    summary = summary_of(responses_with(["Very safe"] * 10, top_concerns=["Drug dealing or drug use"] * 10))
    after_dark = next(kpi for kpi in summary.kpis if kpi.label == "Feel safe after dark")
    assert "2023 county survey: 61%; Great Britain: 68%" in after_dark.help
    assert "73%" not in after_dark.help and "74%" not in after_dark.help
    table = summary.tables["safety_against_baselines"].frame
    assert dict(zip(table["Who"], table["% safe after dark"], strict=True))["Herefordshire 2023"] == 61
    subtitles = json.dumps(board_charts.all_charts(summary)["safety_by_area"].to_dict())
    assert "61%" in subtitles and "73%" not in subtitles
    priorities = summary.tables["priorities"].frame["Strategic priority"].tolist()
    assert "Drug misuse" in priorities and "Misuse of drugs" not in priorities


def test_the_community_trigger_rule_is_read_from_its_file(edited_data):
    rule = edited_data / reference.COMMUNITY_TRIGGER_FILE
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("incidents = 3", "incidents = 5"), encoding="utf-8"
    )
    assert config.load_community_trigger().incidents == 5
