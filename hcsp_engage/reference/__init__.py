"""The one loader of the reference data in ``data/`` (each file names its sources): who lives in
Herefordshire (ONS Census 2021), the feel-safe baselines, the strategic priorities, the Community
Trigger rule; ``geography`` reads the places and outlines. No other module opens a file in ``data/``.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a reference file in data/, without its ``#`` comment lines (sources, notes)."""
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def read_toml(name: str) -> dict[str, Any]:
    """The values of a TOML reference file in data/."""
    with (DATA / name).open("rb") as handle:
        return tomllib.load(handle)


POPULATIONS_FILE = "populations.csv"
BASELINES_FILE = "safety_baselines.csv"
PRIORITIES_FILE = "strategic_priorities.csv"
COMMUNITY_TRIGGER_FILE = "community_trigger.toml"
COUNTY = "Herefordshire"
PROFILE_KINDS = ("age_band", "gender", "disability")


def _rows() -> list[dict[str, str]]:
    return read_csv(POPULATIONS_FILE)


def load_populations() -> dict[str, int]:
    """Residents by area, all ages: Hereford, Leominster, Ross-on-Wye, Elsewhere in Herefordshire,
    and the county total under "Herefordshire"."""
    return {row["group"]: int(row["population"]) for row in _rows() if row["kind"] == "area"}


def load_profile() -> pd.DataFrame:
    """Residents aged 16 and over by age band, gender and disability, in the survey's answer words.

    Columns: ``kind`` (the survey column it matches: age_band, gender, disability), ``group`` (the
    answer), ``population``, ``share`` (of that kind's total, 0 to 1) and ``source``.
    """
    frame = pd.DataFrame([row for row in _rows() if row["kind"] in PROFILE_KINDS])
    frame["population"] = frame["population"].astype(int)
    frame["share"] = frame["population"] / frame.groupby("kind")["population"].transform("sum")
    return frame[["kind", "group", "population", "share", "source"]].reset_index(drop=True)


def load_sources() -> dict[tuple[str, str], str]:
    """Where each figure comes from, by (kind, group)."""
    return {(row["kind"], row["group"]): row["source"] for row in _rows()}


# --- Baselines, priorities, the Community Trigger (docs/design.md sections 4 and 9) ----------------------


@dataclass(frozen=True)
class Baseline:
    """An earlier survey's "feel safe outside after dark" figures (percentages; None where not given)."""

    label: str
    year: int
    percent_safe: float
    source: str
    percent_unsafe: float | None = None
    percent_neither: float | None = None


def _percent(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def safety_baselines() -> tuple[Baseline, ...]:
    """The baselines the Board and the map compare against (data/safety_baselines.csv), in file order."""
    return tuple(
        Baseline(
            label=row["label"],
            year=int(row["year"]),
            percent_safe=float(row["percent_safe"]),
            source=row["source"],
            percent_unsafe=_percent(row["percent_unsafe"]),
            percent_neither=_percent(row["percent_neither"]),
        )
        for row in read_csv(BASELINES_FILE)
    )


def county_baseline() -> Baseline:
    """The latest county survey's baseline (a label starting with the county's name)."""
    return max((b for b in safety_baselines() if b.label.startswith(COUNTY)), key=lambda b: b.year)


def national_baseline() -> Baseline:
    """The latest baseline that is not the county's own (Great Britain)."""
    return max((b for b in safety_baselines() if not b.label.startswith(COUNTY)), key=lambda b: b.year)


OTHER_PRIORITY = "Not one of the four priorities"


@cache
def concern_priorities() -> dict[str, str]:
    """Survey concern (question 10) -> strategic priority (data/strategic_priorities.csv)."""
    return {row["concern"]: row["priority"] for row in read_csv(PRIORITIES_FILE)}


def strategic_priorities() -> tuple[str, ...]:
    """The HCSP Strategy's priorities, in the order the file first names them."""
    named = dict.fromkeys(concern_priorities().values())
    return tuple(priority for priority in named if priority != OTHER_PRIORITY)


def community_trigger() -> dict[str, Any]:
    """The ASB case review rule's values (data/community_trigger.toml): incidents, months,
    others_with_similar, application_url."""
    return read_toml(COMMUNITY_TRIGGER_FILE)
