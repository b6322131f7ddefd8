"""The storage contract: every backend keeps rows exactly, never loses or doubles one, and (for Google
Sheets) survives Google's failures. Tests taking ``backend`` run on SQLite, on Sheets (emulated) and on
PostgreSQL (a throwaway server: tests/postgres_support.py)."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from hcsp_engage import schema, storage
from hcsp_engage.config import ConfigError, load_settings
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage import Outbox, SqliteStore, Submitted
from hcsp_engage.storage.sheets import RetryPolicy, SheetsStore
from tests.storage.conftest import IMPATIENT, SPREADSHEET_ID, intervention, report, status, survey

# --- every backend ----------------------------------------------------------------------------------


def test_every_record_type_comes_back_exactly(backend):
    rows = {
        schema.SURVEY_RESPONSES: survey(1),
        schema.ASB_REPORTS: report(1),
        schema.REPORT_STATUS: status(
            report(1)["report_id"], "Referred to MATAC", 5, note="0123; MATAC on 3/12"
        ),
        schema.INTERVENTIONS: intervention("I-CASTLEGR", "Completed", 5),
    }
    for table, row in rows.items():
        assert backend.store.append(table, row) is True

    tables = backend.new_store().read_all()

    for table, row in rows.items():
        assert tables[table].to_dict("records") == [row]
    assert (
        tables[schema.SURVEY_RESPONSES].loc[0, "unsafe_reasons"]
        == "Poor or no street lighting; Groups hanging around"
    )
    assert tables[schema.REPORT_STATUS].loc[0, "note"] == "0123; MATAC on 3/12"


def test_text_that_looks_like_a_number_date_or_formula_stays_text(backend):
    for number, comment in enumerate(["0123", "1.50", "=SUM(A1:A2)", "TRUE", "+44", "2026-01-02", "1e5"], 1):
        backend.store.append(schema.SURVEY_RESPONSES, survey(number, comments=comment))

    comments = backend.new_store().read(schema.SURVEY_RESPONSES)["comments"].tolist()

    assert comments == ["0123", "1.50", "=SUM(A1:A2)", "TRUE", "+44", "2026-01-02", "1e5"]


def test_latest_status_row_wins_and_every_change_is_kept(backend):
    first, second = report(1)["report_id"], report(2)["report_id"]
    for row in (
        status(first, "New", 0),
        status(second, "New", 1),
        status(first, "Reviewed", 10),
        status(first, "Action taken", 20),
        status(second, "Closed (no further action)", 15),
    ):
        backend.store.append(schema.REPORT_STATUS, row)

    frame = backend.new_store().read(schema.REPORT_STATUS)
    current = storage.latest(schema.REPORT_STATUS, frame).set_index("report_id")["status"].to_dict()

    assert len(frame) == 5
    assert current == {first: "Action taken", second: "Closed (no further action)"}


def test_latest_intervention_row_wins(backend):
    for row in (
        intervention("I-ONE", "Planned", 0),
        intervention("I-TWO", "In progress", 1),
        intervention("I-ONE", "Completed", 30),
    ):
        backend.store.append(schema.INTERVENTIONS, row)

    current = storage.latest(schema.INTERVENTIONS, backend.new_store().read(schema.INTERVENTIONS))

    assert current.set_index("intervention_id")["status"].to_dict() == {
        "I-ONE": "Completed",
        "I-TWO": "In progress",
    }


def test_appending_the_same_row_again_stores_it_once(backend):
    row, change = survey(7), status("R-AAAAAAAA", "Reviewed", 3)

    assert backend.store.append(schema.SURVEY_RESPONSES, row) is True
    assert backend.store.append(schema.SURVEY_RESPONSES, row) is False
    assert backend.store.append(schema.REPORT_STATUS, change) is True
    assert backend.new_store().append(schema.REPORT_STATUS, change) is False

    tables = backend.new_store().read_all()
    assert len(tables[schema.SURVEY_RESPONSES]) == 1
    assert len(tables[schema.REPORT_STATUS]) == 1


def test_many_rows_at_once_skip_those_already_stored(backend):
    backend.store.append(schema.ASB_REPORTS, report(3))
    rows = [report(n) for n in range(10)] + [report(4)]

    assert backend.store.append_many(schema.ASB_REPORTS, rows) == 9
    assert backend.store.append_many(schema.ASB_REPORTS, rows) == 0

    stored = backend.new_store().read(schema.ASB_REPORTS)["report_id"].tolist()
    assert sorted(stored) == sorted(report(n)["report_id"] for n in range(10))


def test_concurrent_writers_lose_nothing_and_double_nothing(backend):
    rows = [
        (schema.SURVEY_RESPONSES, survey(n)) if n % 2 else (schema.ASB_REPORTS, report(n)) for n in range(200)
    ]

    def write(item):
        table, row = item
        return backend.store.append(table, row)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, rows))

    tables = backend.new_store().read_all()
    assert all(results)
    assert sorted(tables[schema.SURVEY_RESPONSES]["response_id"]) == sorted(
        row["response_id"] for table, row in rows if table == schema.SURVEY_RESPONSES
    )
    assert sorted(tables[schema.ASB_REPORTS]["report_id"]) == sorted(
        row["report_id"] for table, row in rows if table == schema.ASB_REPORTS
    )
    if backend.emulator is not None:  # the sheet itself holds each row once, not just the deduplicated read
        assert len(backend.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)) == 1 + 100
        assert len(backend.emulator.values(SPREADSHEET_ID, schema.ASB_REPORTS)) == 1 + 100


def test_submit_stores_directly_when_the_store_is_up(backend):
    outbox = Outbox(backend.tmp_path / "outbox.sqlite3")

    assert storage.submit(backend.store, outbox, schema.SURVEY_RESPONSES, survey(3)) is Submitted.STORED
    assert len(outbox) == 0


def test_a_table_with_other_columns_is_refused(backend):
    if backend.name == "postgres":
        with psycopg.connect(backend.url, autocommit=True) as connection:
            connection.execute('CREATE TABLE "report_status" (report_id text, colour text)')
        with pytest.raises(SchemaMismatch, match="report_status"):
            backend.new_store().read_all()
        return
    if backend.emulator is None:
        path = backend.tmp_path / "other.sqlite3"
        with sqlite3.connect(path) as connection:
            connection.execute('CREATE TABLE "report_status" (report_id TEXT, colour TEXT)')
        with pytest.raises(SchemaMismatch, match="report_status"):
            SqliteStore(path)
        return
    backend.emulator.create_spreadsheet("other", sheets={"report_status": [["report_id", "colour"]]})
    store = SheetsStore("other", endpoint=backend.emulator.url, policy=RetryPolicy(budget_seconds=2))
    with pytest.raises(SchemaMismatch, match="report_status"):
        store.read_all()


def test_a_table_from_an_older_version_gets_the_new_columns_at_its_end(backend):
    columns = list(schema.COLUMNS[schema.REPORT_STATUS])
    old_row = ["R-AAAAAAAA", "New", "", "2026-11-01T09:00:00Z"]
    if backend.name == "postgres":
        with psycopg.connect(backend.url, autocommit=True) as connection:
            names = ", ".join(f'"{column}" text' for column in columns[:-1])
            connection.execute(
                f'CREATE TABLE "report_status" (seq bigint GENERATED ALWAYS AS IDENTITY, {names})'
            )
            connection.execute(
                'INSERT INTO "report_status" (report_id, status, note, updated_at) VALUES (%s, %s, %s, %s)',
                old_row,
            )
        store = backend.new_store()
    elif backend.emulator is None:
        path = backend.tmp_path / "older.sqlite3"
        with sqlite3.connect(path) as connection:
            names = ", ".join(f'"{column}" TEXT' for column in columns[:-1])
            connection.execute(f'CREATE TABLE "report_status" ({names})')
            connection.execute('INSERT INTO "report_status" VALUES (?, ?, ?, ?)', old_row)
        store = SqliteStore(path)
    else:
        backend.emulator.create_spreadsheet("older", sheets={"report_status": [columns[:-1], old_row]})
        store = SheetsStore("older", endpoint=backend.emulator.url)

    store.append(schema.REPORT_STATUS, status("R-AAAAAAAA", "Reviewed", 30))
    frame = store.read(schema.REPORT_STATUS)

    assert frame["updated_by"].tolist() == ["", "officer"]
    assert frame["status"].tolist() == ["New", "Reviewed"]
    if backend.emulator is not None:
        assert backend.emulator.values("older", "report_status")[0] == columns


# --- Google Sheets: layout, API calls, and faults ---------------------------------------------------


def test_worksheets_are_created_with_their_header_row(sheets):
    sheets.store.read_all()

    for table, columns in schema.COLUMNS.items():
        assert sheets.emulator.values(SPREADSHEET_ID, table) == [list(columns)]


def test_columns_added_by_a_newer_version_are_tolerated(sheets):
    columns = list(schema.COLUMNS[schema.REPORT_STATUS])
    newer = [*columns, "priority"]
    sheets.emulator.create_spreadsheet(
        "newer",
        sheets={"report_status": [newer, ["R-AAAAAAAA", "New", "", "2026-11-01T09:00:00Z", "x", "high"]]},
    )
    store = SheetsStore("newer", endpoint=sheets.emulator.url)

    store.append(schema.REPORT_STATUS, status("R-AAAAAAAA", "Reviewed", 30))

    assert list(store.read(schema.REPORT_STATUS).columns) == columns
    assert store.read(schema.REPORT_STATUS)["status"].tolist() == ["New", "Reviewed"]
    assert sheets.emulator.values("newer", "report_status")[0] == newer


def test_a_submission_is_one_append_call_once_the_store_is_warm(sheets):
    sheets.store.append(schema.SURVEY_RESPONSES, survey(1))
    before = len(sheets.emulator.requests)

    sheets.store.append(schema.SURVEY_RESPONSES, survey(2))

    calls = sheets.emulator.requests[before:]
    assert len(calls) == 1
    method, path = calls[0]
    assert method == "POST"
    assert path.startswith(f"/v4/spreadsheets/{SPREADSHEET_ID}/values/'survey_responses'!A1:append?")
    assert "valueInputOption=RAW" in path and "insertDataOption=INSERT_ROWS" in path


def test_reads_are_one_batched_call_cached_until_the_store_writes(sheets):
    sheets.store.read_all()
    before = len(sheets.emulator.requests)

    sheets.store.read_all()
    sheets.store.read(schema.ASB_REPORTS)
    assert sheets.emulator.requests[before:] == []  # served from the cache

    sheets.store.append(schema.ASB_REPORTS, report(1))
    tables = sheets.store.read_all()

    calls = sheets.emulator.requests[before:]
    assert [path.split("?")[0].rsplit("/", 1)[-1] for _, path in calls] == [
        "'asb_reports'!A1:append",
        "values:batchGet",
    ]
    assert tables[schema.ASB_REPORTS]["report_id"].tolist() == [report(1)["report_id"]]


def test_reads_drop_rows_repeated_in_the_sheet(sheets):
    row = survey(1)
    values = [row[column] for column in schema.COLUMNS[schema.SURVEY_RESPONSES]]
    sheets.emulator.create_spreadsheet(
        "repeated",
        sheets={schema.SURVEY_RESPONSES: [list(schema.COLUMNS[schema.SURVEY_RESPONSES]), values, values]},
    )

    frame = SheetsStore("repeated", endpoint=sheets.emulator.url).read(schema.SURVEY_RESPONSES)

    assert frame.to_dict("records") == [row]


def test_rate_limit_then_success_stores_the_row_once(sheets):
    sheets.store.read_all()
    sheets.emulator.inject("429", times=2, path_contains=":append")

    assert sheets.store.append(schema.SURVEY_RESPONSES, survey(1)) is True

    assert len(sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)) == 2


@pytest.mark.parametrize("fault", ["500", "503"])
def test_server_errors_are_retried_and_store_the_row_once(sheets, fault):
    sheets.emulator.inject(fault, times=2)

    assert sheets.store.append(schema.ASB_REPORTS, report(1)) is True

    assert sheets.emulator.values(SPREADSHEET_ID, schema.ASB_REPORTS)[1][0] == report(1)["report_id"]
    assert len(sheets.emulator.values(SPREADSHEET_ID, schema.ASB_REPORTS)) == 2


def test_many_rows_are_one_append_call_and_a_lost_response_doubles_none(sheets):
    sheets.store.read_all()
    before = len(sheets.emulator.requests)
    sheets.emulator.inject("lost_response", path_contains=":append")

    assert (
        sheets.store.append_many(
            schema.INTERVENTIONS, [intervention(f"I-{n}", "Planned", n) for n in range(20)]
        )
        == 20
    )

    appends = [
        path for _, path in sheets.emulator.requests[before:] if path.split("?")[0].endswith(":append")
    ]
    assert len(appends) == 1
    assert len(sheets.emulator.values(SPREADSHEET_ID, schema.INTERVENTIONS)) == 1 + 20


def test_a_lost_response_lands_exactly_one_row(sheets):
    sheets.store.read_all()
    sheets.emulator.inject("lost_response", path_contains=":append")

    assert sheets.store.append(schema.SURVEY_RESPONSES, survey(1)) is True

    assert len(sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)) == 2
    appends = [path for method, path in sheets.emulator.requests if path.split("?")[0].endswith(":append")]
    assert len(appends) == 1  # the row was found in the sheet, so it was not sent again


def test_a_hanging_request_is_abandoned_and_retried(sheets):
    store = sheets.new_store(policy=IMPATIENT)
    store.read_all()
    sheets.emulator.inject("hang", path_contains=":append")

    assert store.append(schema.SURVEY_RESPONSES, survey(1)) is True

    assert len(sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)) == 2


def test_a_store_that_keeps_hanging_raises_store_unavailable(sheets):
    store = sheets.new_store(policy=IMPATIENT)
    store.read_all()
    sheets.emulator.inject("hang", times=1000)

    with pytest.raises(StoreUnavailable, match="not available"):
        store.append(schema.SURVEY_RESPONSES, survey(1))


@pytest.mark.slow
def test_with_default_settings_a_hanging_sheet_gives_up_within_the_page_budget(sheets):
    store = SheetsStore(SPREADSHEET_ID, endpoint=sheets.emulator.url)
    store.read_all()
    sheets.emulator.inject("hang", times=1000)
    outcome: dict[str, BaseException | None] = {}

    def submit() -> None:
        try:
            store.append(schema.SURVEY_RESPONSES, survey(1))
            outcome["error"] = None
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = error

    worker = threading.Thread(target=submit, daemon=True)
    worker.start()
    # The budget is 15 s; a little over it for scheduling on a busy machine, then the test fails
    # rather than waiting for the emulator's own 60 s hang limit.
    worker.join(timeout=RetryPolicy().budget_seconds + 5)

    assert not worker.is_alive(), "the store kept the page waiting past its budget"
    assert isinstance(outcome["error"], StoreUnavailable)


def test_during_an_outage_submissions_wait_in_the_outbox_and_are_sent_once(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    sheets.store.read_all()
    sheets.emulator.inject("503", times=10_000)

    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, survey(1)) is Submitted.QUEUED
    assert [item.row for item in outbox.pending()] == [survey(1)]

    sheets.emulator.reset_faults()
    assert outbox.flush(sheets.store) == 1
    assert outbox.flush(sheets.store) == 0

    stored = sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)
    assert [cells[0] for cells in stored[1:]] == [survey(1)["response_id"]]


def test_a_queued_row_that_did_reach_the_sheet_is_not_sent_twice(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    sheets.store.read_all()
    # The append lands but its answer is lost, then Google stops answering at all.
    sheets.emulator.inject("lost_response", path_contains=":append")
    sheets.emulator.inject("503", times=10_000, path_contains="batchGet")

    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, survey(1)) is Submitted.QUEUED

    sheets.emulator.reset_faults()
    restarted = sheets.new_store()  # the app restarted: this store has not seen the sheet yet
    assert storage.submit(restarted, outbox, schema.SURVEY_RESPONSES, survey(2)) is Submitted.STORED

    stored = sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)
    assert [cells[0] for cells in stored[1:]] == [survey(1)["response_id"], survey(2)["response_id"]]
    assert len(outbox) == 0


def test_an_unknown_spreadsheet_says_to_check_the_key_and_sharing(sheets):
    store = SheetsStore("no-such-sheet", endpoint=sheets.emulator.url)

    with pytest.raises(StoreUnavailable, match="shared with the service account"):
        store.read_all()


def test_the_app_configuration_opens_the_emulator_without_credentials(sheets, monkeypatch):
    monkeypatch.setenv("HCSP_STORAGE", "gsheets")
    monkeypatch.setenv("HCSP_GSHEETS_ENDPOINT", sheets.emulator.url)
    monkeypatch.setenv("HCSP_GSHEETS_SPREADSHEET_ID", SPREADSHEET_ID)

    store = storage.open_store(load_settings({}))
    store.append(schema.SURVEY_RESPONSES, survey(1))

    assert isinstance(store, SheetsStore)
    assert sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)[1][0] == survey(1)["response_id"]


def test_queued_submissions_keep_their_order_and_drain_on_later_traffic(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    sheets.store.read_all()
    sheets.emulator.inject("503", times=10_000)

    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, survey(1)) is Submitted.QUEUED
    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, survey(2)) is Submitted.QUEUED
    sheets.emulator.reset_faults()
    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, survey(3)) is Submitted.STORED

    stored = sheets.emulator.values(SPREADSHEET_ID, schema.SURVEY_RESPONSES)
    assert [cells[0] for cells in stored[1:]] == [survey(n)["response_id"] for n in (1, 2, 3)]
    assert len(outbox) == 0


@pytest.mark.parametrize(
    "secrets",
    [
        {"gsheets": {"spreadsheet_id": "key", "service_account_file": "/nonexistent/key.json"}},
        {"gsheets": {"spreadsheet_id": "key", "service_account": {"type": "service_account"}}},
    ],
    ids=["missing-file", "incomplete-key"],
)
def test_an_unusable_service_account_is_a_configuration_error_that_says_what_to_fix(secrets):
    settings = load_settings({**secrets, "hcsp": {"storage": "gsheets"}}, env={})

    with pytest.raises(ConfigError, match="service account"):
        storage.open_store(settings)


def test_after_giving_up_the_store_fails_at_once_for_a_while(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    store = sheets.new_store(
        policy=RetryPolicy(budget_seconds=1, first_delay=0.01, max_delay=0.05, rest_seconds=60)
    )
    store.read_all()
    sheets.emulator.inject("503", times=10_000)
    assert storage.submit(store, outbox, schema.SURVEY_RESPONSES, survey(1)) is Submitted.QUEUED
    before = len(sheets.emulator.requests)

    assert storage.submit(store, outbox, schema.SURVEY_RESPONSES, survey(2)) is Submitted.QUEUED
    with pytest.raises(StoreUnavailable, match="tries again in"):
        store.append(schema.SURVEY_RESPONSES, survey(3))

    assert sheets.emulator.requests[before:] == []  # nobody waited on Google again
    assert [item.row["response_id"] for item in outbox.pending()] == [
        survey(1)["response_id"],
        survey(2)["response_id"],
    ]
