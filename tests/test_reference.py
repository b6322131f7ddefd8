"""Census reference figures: complete for every survey answer, consistent, and labelled approximate."""

from __future__ import annotations

import pytest

from hcsp_engage import reference, schema


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
