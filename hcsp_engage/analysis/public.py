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
    """``DataFrame[month, category, concerns]`` of publicly mappable concerns in the last 12 months;
    category-months with fewer than ``minimum`` concerns are left out."""
    columns = {
        "month": pd.Series(dtype=str),
        "category": pd.Series(dtype=str),
        "concerns": pd.Series(dtype=int),
    }
    if reports.empty:
        return pd.DataFrame(columns)
    shown = recent(_in_area(reports, area), today)
    shown = shown[shown["category"].isin(publicly_mappable_categories())]
    if shown.empty:
        return pd.DataFrame(columns)
    when = shown["occurred_on"].where(shown["occurred_on"] != "", shown["submitted_at"]).str[:7]
    counts = shown.assign(month=when).groupby(["month", "category"]).size().rename("concerns").reset_index()
    return counts[counts["concerns"] >= minimum].sort_values(["month", "category"]).reset_index(drop=True)


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


def safety_notes(figures: pd.DataFrame, minimum: int = 5) -> list[str]:
    """Plain-words notes under the safety chart: how many answered, and what is not shown."""
    notes = []
    for row in figures[figures["kind"] == "This survey"].itertuples():
        count = int(row.responses or 0)
        if count == 0:
            notes.append(f"{row.label}: nobody has answered yet.")
        elif row.percent_safe is None or pd.isna(row.percent_safe):
            notes.append(f"{row.label}: fewer than {minimum} answers so far, so no percentage is shown.")
        else:
            notes.append(
                f"{row.label}: {row.percent_safe:.0f}% feel very or fairly safe ({count:,} answers)."
            )
    notes.append(
        "Baselines: Herefordshire surveys of 2021 and 2023 (HCSP annual report 2023/24) and Great Britain "
        '(LGA, October 2022). "Don\'t know" answers are left out of the percentages.'
    )
    return notes


def public_interventions(register: pd.DataFrame, area: str | None) -> pd.DataFrame:
    """Interventions marked public (current state), for one area or the county, newest first."""
    if register.empty:
        return register
    shown = register[register["public"] == "yes"]
    shown = shown[shown["status"] != "Withdrawn"]
    return _in_area(shown, area).reset_index(drop=True)


@dataclass(frozen=True)
class InterventionCard:
    """One "You said, we did" entry, as markdown with every stored character escaped."""

    heading: str
    meta: str
    description: str


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$&:")


def markdown_text(text: object) -> str:
    """Stored text made safe for ``st.markdown``: every markdown character is shown as itself."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def month_label(text: str) -> str:
    """'2024-03-15' -> 'March 2024' (dates shown to the public are by month only)."""
    stamp = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    return "" if pd.isna(stamp) else stamp.strftime("%B %Y")


PRECISION_WORDS = {
    "exact": "Exact location",
    "approximate": "Approximate location",
    "area": "Exact sites not confirmed: shown at the centre of the area",
}


def intervention_cards(frame: pd.DataFrame) -> list[InterventionCard]:
    cards = []
    for row in frame.to_dict("records"):
        started = month_label(row.get("started_on", ""))
        meta = [
            row["scheme"],
            row["kind"],
            row["area"],
            f"started {started}" if started else "",
            row["status"],
        ]
        meta.append(PRECISION_WORDS.get(row.get("location_precision", ""), ""))
        cards.append(
            InterventionCard(
                heading=f"**{markdown_text(row['title'])}**",
                meta=markdown_text(" · ".join(part for part in meta if part)),
                description=markdown_text(row.get("description", "")),
            )
        )
    return cards
