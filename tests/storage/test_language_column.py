"""Schema version 2 added `language` at the end of survey_responses and asb_reports (docs/design.md
section 5). A deployment written by version 1 keeps working on every store: the column is added at the
end, rows written before it read as English, new rows keep the language they were given, and nothing
queued, snapshotted or copied loses it."""

from __future__ import annotations

import sqlite3

import psycopg
import requests

from hcsp_engage import schema, storage
from hcsp_engage.storage import Outbox, SqliteStore, Submitted
from hcsp_engage.storage.sheets import SheetsStore
from tests.storage.conftest import FAST, report, survey

ANSWERS = (schema.SURVEY_RESPONSES, schema.ASB_REPORTS)


def version_1_columns(table: str) -> list[str]:
    """The table's columns as schema version 1 wrote them (before `language`)."""
    return [column for column in schema.COLUMNS[table] if column != "language"]


def version_1_row(table: str, row: dict[str, str]) -> list[str]:
    return [row[column] for column in version_1_columns(table)]


OLD = {schema.SURVEY_RESPONSES: survey(1), schema.ASB_REPORTS: report(1)}
NEW = {
    schema.SURVEY_RESPONSES: {**survey(2), "language": "pl"},
    schema.ASB_REPORTS: {**report(2), "language": "bg"},
}


def write_version_1_store(backend) -> None:
    """The two answer tables as version 1 made them, each holding one row, on the backend's own data."""
    if backend.name == "postgres":
        with psycopg.connect(backend.url, autocommit=True) as connection:
            for table in ANSWERS:
                columns = version_1_columns(table)
                names = ", ".join(f"\"{column}\" text NOT NULL DEFAULT ''" for column in columns)
                connection.execute(
                    f'CREATE TABLE "{table}" (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {names})'
                )
                connection.execute(
                    f'CREATE UNIQUE INDEX "{table}_key" ON "{table}" ("{schema.ID_COLUMN[table]}")'
                )
                marks = ", ".join(["%s"] * len(columns))
                quoted = ", ".join(f'"{column}"' for column in columns)
                connection.execute(
                    f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', version_1_row(table, OLD[table])
                )
    elif backend.emulator is None:
        backend.store.close()
        path = backend.tmp_path / "store.sqlite3"
        for made in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            made.unlink(missing_ok=True)
        with sqlite3.connect(path) as connection:
            for table in ANSWERS:
                columns = version_1_columns(table)
                names = ", ".join(f"\"{column}\" TEXT NOT NULL DEFAULT ''" for column in columns)
                connection.execute(f'CREATE TABLE "{table}" ({names})')
                connection.execute(
                    f'CREATE UNIQUE INDEX "{table}_key" ON "{table}" ("{schema.ID_COLUMN[table]}")'
                )
                marks = ", ".join("?" for _ in columns)
                connection.execute(
                    f'INSERT INTO "{table}" VALUES ({marks})', version_1_row(table, OLD[table])
                )
    else:
        backend.emulator.delete_spreadsheet("contract-suite-sheet")
        backend.emulator.create_spreadsheet(
            "contract-suite-sheet",
            sheets={table: [version_1_columns(table), version_1_row(table, OLD[table])] for table in ANSWERS},
        )


def test_a_store_written_by_version_1_gets_the_language_column_and_reads_old_rows_as_english(backend):
    write_version_1_store(backend)
    store = backend.new_store()

    for table in ANSWERS:
        assert store.append(table, NEW[table]) is True
    tables = store.read_all()
    again = backend.new_store().read_all()  # a second server, or a restart, on the migrated store

    assert tables[schema.SURVEY_RESPONSES]["language"].tolist() == ["en", "pl"]
    assert tables[schema.ASB_REPORTS]["language"].tolist() == ["en", "bg"]
    for table in ANSWERS:
        assert list(tables[table].columns) == list(schema.COLUMNS[table])
        assert tables[table].astype(str).to_dict("records") == [{**OLD[table], "language": "en"}, NEW[table]]
        assert again[table].astype(str).to_dict("records") == tables[table].astype(str).to_dict("records")
        assert str(tables[table]["language"].dtype) == "category"  # a code, not free text


def test_the_sqlite_file_records_its_schema_version(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:  # version 1 kept no version in the file
        for table in ANSWERS:
            names = ", ".join(f"\"{column}\" TEXT NOT NULL DEFAULT ''" for column in version_1_columns(table))
            connection.execute(f'CREATE TABLE "{table}" ({names})')
        assert connection.execute("PRAGMA user_version").fetchone() == (0,)

    SqliteStore(path).close()
    SqliteStore(path).close()  # opening it again changes nothing more

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (int(schema.SCHEMA_VERSION),)
        for table in ANSWERS:
            found = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            assert found == list(schema.COLUMNS[table])
    fresh = tmp_path / "new.sqlite3"
    SqliteStore(fresh).close()
    with sqlite3.connect(fresh) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (int(schema.SCHEMA_VERSION),)


def test_the_old_header_gains_one_cell_at_its_end_and_the_old_rows_are_left_alone(sheets):
    write_version_1_store(sheets)
    # A worksheet sized to its header by hand: no column to spare for the new one.
    base = f"{sheets.emulator.url}/v4/spreadsheets/contract-suite-sheet"
    grid = {
        s["properties"]["title"]: s["properties"] for s in requests.get(base, timeout=10).json()["sheets"]
    }
    narrow = grid[schema.SURVEY_RESPONSES]
    requests.post(
        f"{base}:batchUpdate",
        json={
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": narrow["sheetId"],
                            "gridProperties": {
                                "columnCount": len(version_1_columns(schema.SURVEY_RESPONSES))
                            },
                        },
                        "fields": "gridProperties/columnCount",
                    }
                }
            ]
        },
        timeout=10,
    ).raise_for_status()
    before = len(sheets.emulator.requests)

    store = SheetsStore("contract-suite-sheet", endpoint=sheets.emulator.url, policy=FAST)
    for table in ANSWERS:
        store.append(table, NEW[table])

    for table in ANSWERS:
        values = sheets.emulator.values("contract-suite-sheet", table)
        assert values[0] == list(schema.COLUMNS[table])
        assert values[1] == version_1_row(table, OLD[table])  # never rewritten
        assert values[2] == [NEW[table][column] for column in schema.COLUMNS[table]]
    header_writes = [path for _, path in sheets.emulator.requests[before:] if "values:batchUpdate" in path]
    assert len(header_writes) == 1  # one call, one cell on each old header
    assert store.read(schema.SURVEY_RESPONSES)["language"].tolist() == ["en", "pl"]


def test_a_row_queued_before_the_language_column_existed_is_stored_and_reads_as_english(backend):
    outbox = Outbox(backend.tmp_path / "outbox.sqlite3")
    waiting = {column: value for column, value in survey(3).items() if column != "language"}
    outbox.put(schema.SURVEY_RESPONSES, waiting)  # as version 1 queued it

    assert outbox.deliver(backend.store).sent == 1
    submitted = storage.submit(backend.store, outbox, schema.SURVEY_RESPONSES, NEW[schema.SURVEY_RESPONSES])
    assert submitted is Submitted.STORED

    frame = backend.new_store().read(schema.SURVEY_RESPONSES)
    assert frame["language"].tolist() == ["en", "pl"]


def test_every_offered_language_is_stored_as_given(backend):
    rows = [{**report(number), "language": language} for number, language in enumerate(schema.LANGUAGES, 4)]
    backend.store.append_many(schema.ASB_REPORTS, rows)

    assert backend.new_store().read(schema.ASB_REPORTS)["language"].tolist() == list(schema.LANGUAGES)
