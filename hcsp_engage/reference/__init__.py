"""Reference figures the Board compares against: who lives in Herefordshire (ONS Census 2021).

The figures live in ``data/populations.csv`` with their sources; they are approximate and say so.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a reference file in data/, without its ``#`` comment lines (sources, notes)."""
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


POPULATIONS_FILE = "populations.csv"
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
