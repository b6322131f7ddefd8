"""The Safer Streets interventions register: its starting data and its current state.

The starting data (``data/interventions.csv``) lists what public records say the Partnership did in
Hereford, Leominster and Ross-on-Wye (docs/design.md section 8). Officers then edit the register by appending
rows; the latest row per intervention id is the current one.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd

from hcsp_engage import records, reference, schema
from hcsp_engage.errors import ValidationError
from hcsp_engage.storage.base import Store, latest

SEED_FILE = "interventions.csv"


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _record(row: dict[str, str]) -> records.Intervention:
    return records.Intervention(
        intervention_id=row["intervention_id"],
        scheme=row["scheme"],
        kind=row["kind"],
        area=row["area"],
        title=row["title"],
        location_precision=row["location_precision"],
        status=row["status"],
        public=row["public"] == "yes",
        updated_at=records.parse_iso_utc(row["updated_at"]),
        updated_by=row["updated_by"],
        lat=_optional_float(row["lat"]),
        lon=_optional_float(row["lon"]),
        started_on=date.fromisoformat(row["started_on"]) if row["started_on"] else None,
        description=row["description"],
    )


def seed_interventions() -> list[records.Intervention]:
    """The register's starting data, each record validated (a bad seed file fails loudly)."""
    return list(_seed())


@cache
def _seed() -> tuple[records.Intervention, ...]:
    result = []
    for row in reference.read_csv(SEED_FILE):
        intervention = _record(row)
        problems = records.validate_intervention(intervention)
        if problems:
            raise ValidationError(problems)
        result.append(intervention)
    return tuple(result)


def seed_sources() -> dict[str, str]:
    """Where each seed intervention comes from, by id (the CSV's source column)."""
    return {row["intervention_id"]: row["source"] for row in reference.read_csv(SEED_FILE)}


def seed_rows() -> list[dict[str, str]]:
    """The starting data as stored rows (the interventions table's columns)."""
    return [records.intervention_row(intervention) for intervention in seed_interventions()]


def ensure_seeded(store: Store) -> int:
    """Write the starting data when the register is empty; returns how many rows were written.

    Safe to call on every start: the seed rows have fixed ids and timestamps, so a row already stored
    is never written twice, and a register officers have edited is left alone.
    """
    if not store.read(schema.INTERVENTIONS).empty:
        return 0
    return store.append_many(schema.INTERVENTIONS, seed_rows())


def current(frame: pd.DataFrame) -> pd.DataFrame:
    """The current state of each intervention (its latest row), newest start date first.

    Interventions without a start date come last.
    """
    now = latest(schema.INTERVENTIONS, frame)
    if now.empty:
        return now
    undated = now["started_on"].fillna("") == ""
    return (
        now.assign(_undated=undated)
        .sort_values(["_undated", "started_on"], ascending=[True, False], kind="stable")
        .drop(columns="_undated")
        .reset_index(drop=True)
    )
