"""The backends the storage contract suite runs against, and records to store in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hcsp_engage import records
from hcsp_engage.storage import SqliteStore, Store
from hcsp_engage.storage.postgres import PostgresStore, Timeouts
from hcsp_engage.storage.sheets import RetryPolicy, SheetsStore
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests import postgres_support

SPREADSHEET_ID = "contract-suite-sheet"
# Quick retries so fault tests take a few seconds; one test uses the real default budget.
FAST = RetryPolicy(
    connect_timeout=1.0,
    read_timeout=2.0,
    budget_seconds=3.0,
    first_delay=0.01,
    max_delay=0.05,
    rest_seconds=0,
)
# For hangs: a short read timeout, so a test gives up on a hanging request quickly.
IMPATIENT = RetryPolicy(
    connect_timeout=1.0,
    read_timeout=0.5,
    budget_seconds=2.0,
    first_delay=0.01,
    max_delay=0.05,
    rest_seconds=0,
)
# PostgreSQL: no pause after a failure, so a test can retry at once.
PG_FAST = Timeouts(rest_seconds=0)
MOMENT = datetime(2026, 11, 20, 18, 30, 5, tzinfo=UTC)


@dataclass
class Backend:
    name: str
    store: Store
    tmp_path: Path
    emulator: SheetsEmulator | None = None
    url: str = ""  # the PostgreSQL database's

    def new_store(self, **options) -> Store:
        """Another store on the same data, as a second server process (or a restart) would open it,
        with the same snapshot folder (SQLite and Sheets)."""
        if self.name == "postgres":
            return PostgresStore(self.url, **({"timeouts": PG_FAST} | options))
        if self.emulator is None:
            return SqliteStore(self.tmp_path / "store.sqlite3", snapshot_dir=self.tmp_path / "snapshots")
        options = {"policy": FAST, "snapshot_dir": self.tmp_path / "snapshots"} | options
        return SheetsStore(SPREADSHEET_ID, endpoint=self.emulator.url, **options)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres_support.PostgresCluster]:
    """One throwaway PostgreSQL server for the whole run (postgres_support), removed at the end.
    Skipped where PostgreSQL is not installed, except in CI (CI=true), where that fails."""
    yield from postgres_support.running_cluster()


@pytest.fixture
def postgres_url(postgres_cluster) -> Iterator[str]:
    """The URL of a new empty database (a schema of its own) on the test server, dropped after the test."""
    url = postgres_cluster.fresh_url()
    yield url
    postgres_cluster.drop(url)


@pytest.fixture(params=["sqlite", "gsheets", "postgres"])
def backend(request, tmp_path) -> Iterator[Backend]:
    """Each contract test runs on the embedded SQLite store, on Sheets (emulated) and on PostgreSQL;
    SQLite and Sheets keep snapshots of what they read, as the app's stores do."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        store = PostgresStore(url, timeouts=PG_FAST)
        yield Backend("postgres", store, tmp_path, url=url)
        store.close()
        return
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "store.sqlite3", snapshot_dir=tmp_path / "snapshots")
        yield Backend("sqlite", store, tmp_path)
        store.close()
        return
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet(SPREADSHEET_ID, title="HCSP Engage")
        store = SheetsStore(
            SPREADSHEET_ID, endpoint=emulator.url, policy=FAST, snapshot_dir=tmp_path / "snapshots"
        )
        yield Backend("gsheets", store, tmp_path, emulator)


@pytest.fixture
def sheets(tmp_path) -> Iterator[Backend]:
    """The Sheets backend alone, for the faults only Google can have."""
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet(SPREADSHEET_ID, title="HCSP Engage")
        store = SheetsStore(
            SPREADSHEET_ID, endpoint=emulator.url, policy=FAST, snapshot_dir=tmp_path / "snapshots"
        )
        yield Backend("gsheets", store, tmp_path, emulator)


def survey(number: int = 1, **changes) -> dict[str, str]:
    response = records.SurveyResponse(
        response_id=changes.pop("response_id", f"S-{_code(number)}"),
        submitted_at=MOMENT + timedelta(seconds=number),
        area="Hereford",
        safe_day="Fairly safe",
        safe_after_dark="Fairly unsafe",
        postcode_district="HR1",
        unsafe_place="Hereford railway station",
        unsafe_reasons=("Poor or no street lighting", "Groups hanging around"),
        safer_measures=("Better lighting", "CCTV"),
        noticed_changes=("New CCTV cameras",),
        changes_effect="More safe",
        top_concerns=("Anti-social behaviour", "Drug dealing or drug use"),
        age_band="25–34",
        gender="Prefer not to say",
        disability="No",
        comments=changes.pop("comments", "Gate code 0123 is written on the wall; =1+1 says the graffiti"),
    )
    assert records.validate_survey(response) == []
    return records.survey_row(response)


def report(number: int = 1) -> dict[str, str]:
    asb = records.AsbReport(
        report_id=f"R-{_code(number)}",
        submitted_at=MOMENT + timedelta(seconds=number),
        category="Noise",
        area="Leominster",
        occurred_on=date(2026, 11, 1),
        time_of_day="Night 10pm–6am",
        frequency="Every week",
        impact="A great deal",
        told=("Police", "Council"),
        incidents_reported_6m="3 or more",
        lat=52.22821,
        lon=-2.73861,
        location_detail="Corn Square",
        description="Music until 0300, TRUE every Friday",
    )
    assert records.validate_report(asb, today=date(2026, 11, 20)) == []
    return records.report_row(asb)


def status(report_id: str, state: str, minutes: int, note: str = "") -> dict[str, str]:
    change = records.StatusChange(report_id, state, note, MOMENT + timedelta(minutes=minutes), "officer")
    assert records.validate_status_change(change) == []
    return records.status_row(change)


def intervention(intervention_id: str, state: str, minutes: int) -> dict[str, str]:
    item = records.Intervention(
        intervention_id=intervention_id,
        scheme="Safer Streets 4",
        kind="CCTV",
        area="Hereford",
        title="CCTV at Castle Green",
        location_precision="approximate",
        status=state,
        public=True,
        updated_at=MOMENT + timedelta(minutes=minutes),
        updated_by="officer",
        lat=52.0525,
        lon=-2.7120,
        started_on=date(2022, 4, 1),
        description="Two cameras; part of 43 new cameras",
    )
    assert records.validate_intervention(item) == []
    return records.intervention_row(item)


def _code(number: int) -> str:
    """An 8-character reference body from the references' alphabet, distinct per number."""
    alphabet = records.REFERENCE_ALPHABET
    digits = []
    for _ in range(records.REFERENCE_LENGTH):
        number, remainder = divmod(number, len(alphabet))
        digits.append(alphabet[remainder])
    return "".join(reversed(digits))
