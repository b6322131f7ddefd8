"""The public /map figures as they were before the disclosure-control layer (docs/disclosure-control.md; commit e464a76), kept only so that the attack
tests can show each attack finds the leak it is written for. Never imported by the app."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from hcsp_engage import schema
from hcsp_engage.analysis.aggregate import (
    COUNTY,
    h3_counts,
    locate,
    publicly_mappable_categories,
    unsafe_points,
)
from hcsp_engage.privacy import count_band

PUBLIC_MONTHS = 12


def _in_area(frame: pd.DataFrame, area: str | None) -> pd.DataFrame:
    if not area or area == COUNTY:
        return frame
    return frame[frame["area"] == area]


def recent(frame: pd.DataFrame, today: date, months: int = PUBLIC_MONTHS) -> pd.DataFrame:
    """A rolling window: today less 365 days."""
    if frame.empty:
        return frame
    when = pd.to_datetime(
        frame["occurred_on"].where(frame["occurred_on"] != "", frame["submitted_at"].str[:10]),
        errors="coerce",
        format="%Y-%m-%d",
    )
    start = pd.Timestamp(today - timedelta(days=round(months * 365.25 / 12)))
    keep = (when >= start) & (when <= pd.Timestamp(today))
    return frame[keep].reset_index(drop=True)


def concerns_by_month(reports: pd.DataFrame, area: str | None, today: date, minimum: int = 5) -> pd.DataFrame:
    """Exact counts, category-months below 5 left out."""
    shown = recent(_in_area(reports, area), today)
    shown = shown[shown["category"].isin(publicly_mappable_categories())]
    if shown.empty:
        return pd.DataFrame({"month": [], "category": [], "concerns": []})
    when = shown["occurred_on"].where(shown["occurred_on"] != "", shown["submitted_at"]).str[:7]
    counts = shown.assign(month=when).groupby(["month", "category"]).size().rename("concerns").reset_index()
    return counts[counts["concerns"] >= minimum].sort_values(["month", "category"]).reset_index(drop=True)


def safety_after_dark(
    responses: pd.DataFrame, area: str | None, minimum: int = 5
) -> tuple[float | None, int]:
    """Every answer so far: the percentage (one decimal) and the exact number of answers."""
    answers = _in_area(responses, area)["safe_after_dark"]
    answered = answers[answers.isin(set(schema.SAFETY_SCALE) - {"Don't know"})]
    if answered.empty:
        return None, 0
    percent = 100 * answered.isin(schema.SAFE_ANSWERS).mean()
    return (round(percent, 1) if len(answered) >= minimum else None), len(answered)


def concern_cells(reports: pd.DataFrame, today: date, k: int = 10) -> pd.DataFrame:
    """Cells at k or more, in the order they were sent: largest count first."""
    mappable = reports[reports["category"].isin(publicly_mappable_categories())]
    counts = h3_counts(locate(recent(mappable, today), place_col="place"), "lat", "lon", 8)
    kept = counts[counts["count"] >= k].reset_index(drop=True)
    return kept.assign(band=[count_band(n) for n in kept["count"]])


def unsafe_cells(responses: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    counts = h3_counts(unsafe_points(responses), "lat", "lon", 8)
    kept = counts[counts["count"] >= k].reset_index(drop=True)
    return kept.assign(band=[count_band(n) for n in kept["count"]])
