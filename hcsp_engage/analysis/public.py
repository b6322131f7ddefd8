"""Figures for the public community map's side panel: concerns by month and feeling safe after dark.

Public figures never include Personal ASB, are counted by month only, and hide small numbers: a
category's month with fewer than ``minimum`` concerns is left out, and an area's percentage is shown
only when at least ``minimum`` people answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from hcsp_engage import geography, schema
from hcsp_engage.analysis.aggregate import COUNTY, publicly_mappable_categories, recent


@dataclass(frozen=True)
class Baseline:
    label: str
    year: int
    percent_safe: float
    source: str


def safety_baselines() -> tuple[Baseline, ...]:
    """Earlier surveys' "feel safe after dark" figures (data/safety_baselines.csv, with sources)."""
    return tuple(
        Baseline(row["label"], int(row["year"]), float(row["percent_safe"]), row["source"])
        for row in geography._read_csv("safety_baselines.csv")
    )


def _in_area(frame: pd.DataFrame, area: str | None) -> pd.DataFrame:
    if not area or area == COUNTY:
        return frame
    return frame[frame["area"] == area]


def concerns_by_month(reports: pd.DataFrame, area: str | None, today: date, minimum: int = 5) -> pd.DataFrame:
    """``DataFrame[month, category, count]`` of publicly mappable concerns in the last 12 months;
    category-months with fewer than ``minimum`` concerns are left out."""
    columns = {"month": pd.Series(dtype=str), "category": pd.Series(dtype=str), "count": pd.Series(dtype=int)}
    if reports.empty:
        return pd.DataFrame(columns)
    shown = recent(_in_area(reports, area), today)
    shown = shown[shown["category"].isin(publicly_mappable_categories())]
    if shown.empty:
        return pd.DataFrame(columns)
    when = shown["occurred_on"].where(shown["occurred_on"] != "", shown["submitted_at"]).str[:7]
    counts = shown.assign(month=when).groupby(["month", "category"]).size().rename("count").reset_index()
    return counts[counts["count"] >= minimum].sort_values(["month", "category"]).reset_index(drop=True)


def _percent_safe(answers: pd.Series) -> tuple[float | None, int]:
    answered = answers[answers.isin(set(schema.SAFETY_SCALE) - {"Don't know"})]
    if answered.empty:
        return None, 0
    return 100 * answered.isin(schema.SAFE_ANSWERS).mean(), len(answered)


def safety_after_dark(responses: pd.DataFrame, area: str | None, minimum: int = 5) -> pd.DataFrame:
    """``DataFrame[label, percent_safe, responses, kind]``: the area, the county (this survey) and the
    baselines. "Don't know" is left out of the percentage, as in the baselines. A percentage from
    fewer than ``minimum`` answers is None."""
    rows = []
    views = [(COUNTY, None)] if not area or area == COUNTY else [(area, area), (COUNTY, None)]
    for label, view in views:
        answers = (
            _in_area(responses, view)["safe_after_dark"] if not responses.empty else pd.Series(dtype=str)
        )
        percent, count = _percent_safe(answers)
        rows.append(
            {
                "label": f"{label} (this survey)",
                "percent_safe": round(percent, 1) if percent is not None and count >= minimum else None,
                "responses": count,
                "kind": "This survey",
            }
        )
    for baseline in safety_baselines():
        rows.append(
            {
                "label": baseline.label,
                "percent_safe": baseline.percent_safe,
                "responses": None,
                "kind": "Baseline",
            }
        )
    return pd.DataFrame(rows)
