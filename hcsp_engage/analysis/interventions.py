"""The Safer Streets interventions register: its starting data and its current state.

The starting data (``data/interventions.csv``) lists what public records say the Partnership did in
Hereford, Leominster and Ross-on-Wye (docs/design.md section 8). Officers then edit the register by appending
rows; the latest row per intervention id is the current one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandas as pd

from hcsp_engage import records, reference, schema
from hcsp_engage.errors import ValidationError
from hcsp_engage.storage.base import Store, latest

SEED_FILE = "interventions.csv"


def record(row: Mapping[str, str]) -> records.Intervention:
    """A stored interventions row (or a seed file row) read back as the record it was written from."""
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
        lat=records.optional_float(row["lat"]),
        lon=records.optional_float(row["lon"]),
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
        intervention = record(row)
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


@dataclass(frozen=True)
class FormValues:
    """What the officers' form starts from: an intervention's current row, or a new intervention's
    first choices."""

    scheme: str = schema.SCHEMES[0]
    kind: str = schema.INTERVENTION_KINDS[0]
    title: str = ""
    area: str = schema.REPORT_AREAS[0]
    precision: str = "exact"
    lat: float | None = None
    lon: float | None = None
    started: date | None = None
    status: str = schema.INTERVENTION_STATUSES[0]
    public: bool = True
    description: str = ""


def form_values(row: Mapping[str, str] | None) -> FormValues:
    """The form's starting values for ``row`` (an intervention's current row), or a new one's for None."""
    if row is None:
        return FormValues()
    now = record(row)
    new = FormValues()
    return FormValues(
        scheme=now.scheme or new.scheme,
        kind=now.kind or new.kind,
        title=now.title,
        area=now.area or new.area,
        precision=now.location_precision or new.precision,
        lat=now.lat,
        lon=now.lon,
        started=now.started_on,
        status=now.status or new.status,
        public=now.public,
        description=now.description,
    )
