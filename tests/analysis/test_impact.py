"""Safer Streets difference in differences: a planted effect is found, a null one is not, small numbers
get "too few reports to tell", and what cannot be measured says why."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from hcsp_engage.analysis import impact
from tests.rows import intervention_row

SITE = (52.0620, -2.7360)  # Whitecross Road, Hereford
REST = (52.0540, -2.7100)  # Hereford city centre, well over 300 m from the site
START = date(2025, 10, 1)
SETTINGS = impact.ImpactSettings(radius_m=300, window_days=180, min_reports=10)


def intervention(**changes: str) -> dict[str, str]:
    row = intervention_row(
        "I-TEST0001",
        scheme="Safer Streets 5",
        kind="CCTV",
        area="Hereford",
        title="CCTV on Whitecross Road",
        lat=str(SITE[0]),
        lon=str(SITE[1]),
        location_precision="exact",
        started_on=START.isoformat(),
        status="Completed",
        public="yes",
    )
    return row | changes


def points(where: tuple[float, float], before: int, after: int, rng: np.random.Generator) -> pd.DataFrame:
    """``before`` and ``after`` points scattered within about 100 m of ``where``, on random days of each
    window."""
    n = before + after
    offsets = rng.integers(0, 180, size=n)
    days = [START - timedelta(days=int(d) + 1) for d in offsets[:before]]
    days += [START + timedelta(days=int(d)) for d in offsets[before:]]
    return pd.DataFrame(
        {
            "lat": where[0] + rng.normal(0, 0.0005, n),
            "lon": where[1] + rng.normal(0, 0.0007, n),
            "date": pd.to_datetime(days),
        }
    )


def run(
    near_before: int, near_after: int, rest_before: int = 200, rest_after: int = 200, **changes
) -> pd.Series:
    rng = np.random.default_rng(3)
    reports = pd.concat(
        [points(SITE, near_before, near_after, rng), points(REST, rest_before, rest_after, rng)],
        ignore_index=True,
    )
    register = pd.DataFrame([intervention(**changes)])
    table = impact.impact_table(
        {"reports": reports}, register, SETTINGS, data_first=date(2024, 1, 1), data_last=date(2026, 11, 1)
    )
    assert len(table) == 1
    return table.iloc[0]


def test_counts_near_the_site_and_in_the_rest_of_the_town():
    row = run(30, 12, 150, 160)
    assert (row["Near: before"], row["Near: after"]) == (30, 12)
    assert (row["Rest of town: before"], row["Rest of town: after"]) == (150, 160)
    assert row["Near: % change"] == -60.0


def test_a_planted_fall_near_the_site_is_detected():
    row = run(60, 20)
    assert row["Verdict"].startswith(
        "Clear change: near it, the count fell compared with the rest of Hereford"
    )
    assert row["p-value"] < 0.05
    assert row["Difference in differences (% relative)"] == pytest.approx(-66.7, abs=0.1)


def test_a_null_effect_is_not_called_a_change():
    row = run(40, 40)
    assert row["Verdict"].startswith("No clear change compared with the rest of Hereford")
    assert row["p-value"] > 0.05


def test_a_fall_that_matches_the_rest_of_the_town_is_not_credited_to_the_intervention():
    row = run(60, 30, rest_before=200, rest_after=100)
    assert row["Verdict"].startswith("No clear change")


def test_too_few_reports_to_tell():
    row = run(3, 2)
    assert row["Verdict"].startswith("Too few reports to tell")
    assert pd.isna(row["p-value"])


def test_a_site_placed_at_the_town_centre_is_not_measured():
    row = run(60, 20, location_precision="area")
    assert "Exact site not confirmed" in row["Verdict"]
    assert pd.isna(row["Near: before"])


def test_no_verdict_without_data_from_before_it_started():
    register = pd.DataFrame([intervention()])
    table = impact.impact_table(
        {"reports": points(SITE, 50, 50, np.random.default_rng(1))},
        register,
        SETTINGS,
        data_first=START - timedelta(days=30),
        data_last=date(2026, 11, 1),
    )
    assert table.iloc[0]["Verdict"].startswith("No data from the whole period before it started")


def test_too_early_when_the_after_period_is_not_over():
    register = pd.DataFrame([intervention()])
    table = impact.impact_table(
        {"reports": points(SITE, 50, 50, np.random.default_rng(1))},
        register,
        SETTINGS,
        data_first=date(2024, 1, 1),
        data_last=START + timedelta(days=30),
    )
    assert table.iloc[0]["Verdict"].startswith("Too early to tell")


def test_grouping_by_scheme_measures_a_towns_sites_together():
    register = pd.DataFrame(
        [
            intervention(),
            intervention(intervention_id="I-TEST0002", title="Lighting", lat=str(REST[0]), lon=str(REST[1])),
        ]
    )
    groups = impact.sites(register, "scheme")
    assert [(site.label, len(site.lat)) for site in groups] == [("Safer Streets 5, Hereford", 2)]


def test_compare_matches_the_ratio_of_rate_ratios():
    result = impact.compare(60, 20, 200, 200)
    assert result.ratio == pytest.approx(1 / 3)
    assert result.low < result.ratio < result.high
