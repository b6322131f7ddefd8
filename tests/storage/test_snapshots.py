"""After a restart a store carries on from its snapshot of what it read, fetching only the rows added
since, and reads everything again whenever the snapshot cannot be trusted: rows deleted by hand while
the app was stopped, another database file or worksheet, a corrupt or foreign file, an old whole read."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow.feather as feather
import pytest
import requests

from hcsp_engage import schema, storage, synthetic
from hcsp_engage.config import load_settings
from hcsp_engage.storage import SqliteStore, open_store, snapshot
from hcsp_engage.storage import sheets as sheets_module
from hcsp_engage.storage.sheets import SheetsStore
from tests.storage.conftest import FAST, SPREADSHEET_ID, report, survey
from tests.storage.test_sheets_reads import _batch_gets, _edit

TABLE = schema.SURVEY_RESPONSES


# --- SQLite ----------------------------------------------------------------------------------------


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return synthetic.frames(80, 80, seed=12)[TABLE].astype(str).to_dict("records")


@pytest.fixture
def fetched(monkeypatch) -> list[tuple[int, int]]:
    """(the rowid a read of a table started after, how many rows it fetched) for each read."""
    reads: list[tuple[int, int]] = []
    real = SqliteStore._rows

    def spy(self, table, after):
        answer = real(self, table, after)
        if table == TABLE:
            reads.append((after, answer[3]))
        return answer

    monkeypatch.setattr(SqliteStore, "_rows", spy)
    return reads


def sqlite_store(tmp_path: Path) -> SqliteStore:
    """The store as the app opens it, with snapshots beside it: a new one is a restarted server."""
    return SqliteStore(tmp_path / "store.sqlite3", snapshot_dir=tmp_path / "snapshots")


def read_and_stop(store: SqliteStore | SheetsStore) -> None:
    """Read every table, then stop."""
    store.read_all()
    stop(store)


def stop(store: SqliteStore | SheetsStore) -> None:
    """Wait for the snapshots asked for to be written, and stop (the server goes down)."""
    assert store.snapshots is not None and store.snapshots.wait(timeout=30)
    store.close()


def whole_read(path: Path) -> pd.DataFrame:
    return SqliteStore(path).read(TABLE)  # no snapshots


def assert_same_as_whole_read(frame: pd.DataFrame, whole: pd.DataFrame, table: str = TABLE) -> None:
    pd.testing.assert_frame_equal(frame, whole)
    for column in schema.COLUMNS[table]:
        if isinstance(whole[column].dtype, pd.CategoricalDtype):  # same categories, same sorted order
            assert list(frame[column].cat.categories) == list(whole[column].cat.categories), column


def test_a_restarted_sqlite_store_reads_only_the_rows_added_since_its_snapshot(tmp_path, rows, fetched):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:50])
    read_and_stop(store)
    # Written while the app was down (by another process, or the outbox of another server).
    new_area = {**rows[50], "area": "A place no earlier answer named"}
    SqliteStore(store.path).append_many(TABLE, [new_area, *rows[51:]])
    fetched.clear()

    restarted = sqlite_store(tmp_path)
    frame = restarted.read(TABLE)

    assert fetched == [(fetched[0][0], 30)] and fetched[0][0] > 0  # only the 30 new rows were read
    assert len(frame) == 80 and frame["area"].iloc[50] == "A place no earlier answer named"
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_rows_loaded_from_a_snapshot_stay_whole_after_it_is_replaced_or_deleted(tmp_path, rows):
    # A snapshot is loaded memory-mapped: the frame reads the file's own bytes. Files are only ever
    # replaced by a rename or deleted, and the rows already loaded must not change either way.
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:50])
    read_and_stop(store)

    restarted = sqlite_store(tmp_path)
    loaded = restarted.read(TABLE)
    expected = whole_read(store.path)
    SqliteStore(store.path).append_many(TABLE, rows[50:])
    assert len(restarted.read(TABLE)) == 80
    restarted.snapshots.save(TABLE, restarted.read(TABLE), {"rowid": 0, "key": [], "rows": 0})
    assert restarted.snapshots.wait(timeout=30)  # the file it was loaded from, replaced
    assert_same_as_whole_read(loaded, expected)
    shutil.rmtree(tmp_path / "snapshots")  # the folder emptied, as the README says to drop them
    assert_same_as_whole_read(loaded, expected)
    assert_same_as_whole_read(restarted.read(TABLE), whole_read(store.path))


def test_a_fresh_snapshot_is_not_written_again_by_the_restarted_store(tmp_path, rows):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:50])
    read_and_stop(store)
    written = store.snapshots.path(TABLE).stat().st_mtime_ns
    SqliteStore(store.path).append_many(TABLE, rows[50:])

    restarted = sqlite_store(tmp_path)
    assert len(restarted.read(TABLE)) == 80
    stop(restarted)

    # Not while the first visitor's page runs: a minute after the one it loaded, as between reads.
    assert store.snapshots.path(TABLE).stat().st_mtime_ns == written


def test_a_restart_with_nothing_new_reads_no_rows(tmp_path, rows, fetched):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows)
    read_and_stop(store)
    fetched.clear()

    frame = sqlite_store(tmp_path).read(TABLE)

    assert [count for _, count in fetched] == [0]
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_every_table_comes_back_after_a_restart_as_a_whole_read_gives_it(tmp_path):
    frames = synthetic.frames(60, 60, seed=13)
    store = sqlite_store(tmp_path)
    for table, frame in frames.items():
        store.append_many(table, frame.astype(str).to_dict("records"))
    read_and_stop(store)

    tables = sqlite_store(tmp_path).read_all()

    whole = SqliteStore(store.path).read_all()
    for table in schema.TABLES:
        assert_same_as_whole_read(tables[table], whole[table], table)


def test_a_row_deleted_by_hand_while_the_app_was_stopped_makes_a_whole_read(tmp_path, rows, fetched):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:60])
    read_and_stop(store)
    with sqlite3.connect(store.path) as connection:
        connection.execute(f'DELETE FROM "{TABLE}" WHERE response_id = ?', (rows[10]["response_id"],))
    SqliteStore(store.path).append_many(TABLE, rows[60:61])  # the count alone looks right
    fetched.clear()

    frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched[-1] == (0, 60)  # the whole table
    assert rows[10]["response_id"] not in set(frame["response_id"])
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_the_last_row_replaced_by_hand_while_stopped_makes_a_whole_read(tmp_path, rows, fetched):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:60])
    read_and_stop(store)
    with sqlite3.connect(store.path) as connection:
        connection.execute(f'DELETE FROM "{TABLE}" WHERE rowid = (SELECT max(rowid) FROM "{TABLE}")')
    SqliteStore(store.path).append_many(TABLE, rows[60:61])  # takes the deleted row's rowid
    fetched.clear()

    frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched[-1][0] == 0
    assert frame["response_id"].iloc[-1] == rows[60]["response_id"]
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_another_database_file_in_the_same_place_is_read_whole(tmp_path, rows, fetched, caplog):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows[:60])
    read_and_stop(store)
    # A restore from a backup puts another file at the same path, here with the same first rows.
    other = SqliteStore(tmp_path / "other.sqlite3")
    other.append_many(TABLE, rows[:60] + rows[70:])
    other.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    shutil.move(other.path, store.path)
    fetched.clear()

    with caplog.at_level(logging.WARNING):
        frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched[-1][0] == 0
    assert "belongs to another store" in caplog.text
    assert_same_as_whole_read(frame, whole_read(store.path))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"not an Arrow file"), id="garbage"),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]), id="cut"),
    ],
)
def test_a_corrupt_snapshot_is_ignored_with_a_log_line(tmp_path, rows, fetched, caplog, damage):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows)
    read_and_stop(store)
    damage(store.snapshots.path(TABLE))
    fetched.clear()

    with caplog.at_level(logging.WARNING):
        frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched[-1][0] == 0
    assert "ignored" in caplog.text
    assert_same_as_whole_read(frame, whole_read(store.path))


@pytest.mark.parametrize(
    ("module", "name", "value", "message"),
    [
        (snapshot, "FORMAT", snapshot.FORMAT + 1, "snapshot format"),
        (snapshot.schema, "SCHEMA_VERSION", "99", "schema version"),
    ],
)
def test_a_snapshot_of_another_format_or_schema_version_is_ignored(
    tmp_path, rows, fetched, monkeypatch, caplog, module, name, value, message
):
    store = sqlite_store(tmp_path)
    store.append_many(TABLE, rows)
    read_and_stop(store)
    monkeypatch.setattr(module, name, value)  # the app was upgraded
    fetched.clear()

    with caplog.at_level(logging.WARNING):
        frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched[-1][0] == 0
    assert message in caplog.text
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_the_periodic_whole_read_is_counted_across_restarts(tmp_path, rows, fetched, monkeypatch):
    from hcsp_engage.storage import sqlite

    monkeypatch.setattr(sqlite, "MAX_READS_OF_NEW_ROWS", 2)
    monkeypatch.setattr(snapshot, "EVERY_SECONDS", 0.0)
    plain = SqliteStore(tmp_path / "store.sqlite3")
    store = sqlite_store(tmp_path)
    plain.append_many(TABLE, rows[:20])
    store.read(TABLE)
    plain.append_many(TABLE, rows[20:40])
    store.read(TABLE)  # one read of new rows
    stop(store)
    plain.append_many(TABLE, rows[40:60])
    restarted = sqlite_store(tmp_path)
    restarted.read(TABLE)  # and a second, after a restart
    stop(restarted)
    plain.append_many(TABLE, rows[60:])
    fetched.clear()

    frame = sqlite_store(tmp_path).read(TABLE)

    assert fetched == [(0, 80)]  # due after two reads of new rows, restart or not
    assert_same_as_whole_read(frame, whole_read(store.path))


def test_the_snapshot_holds_the_tables_columns_and_rows_and_nothing_more(tmp_path):
    frames = synthetic.frames(40, 40, seed=14)
    store = sqlite_store(tmp_path)
    for table, frame in frames.items():
        store.append_many(table, frame.astype(str).to_dict("records"))
    read_and_stop(store)

    for table in schema.TABLES:
        held = feather.read_table(store.snapshots.path(table))
        assert held.column_names == list(schema.COLUMNS[table])
        stored = SqliteStore(store.path).read(table)
        assert held.to_pandas().astype(str).values.tolist() == stored.astype(str).values.tolist()
    assert sorted(path.name for path in (tmp_path / "snapshots").iterdir()) == sorted(
        store.snapshots.path(table).name for table in schema.TABLES
    )  # no temporary files left behind


@pytest.mark.parametrize(
    ("env", "folder"),
    [
        ({"HCSP_OUTBOX_PATH": "{tmp}/disk/outbox.sqlite3"}, "{tmp}/disk/snapshots"),
        ({"HCSP_SNAPSHOT_DIR": "{tmp}/elsewhere"}, "{tmp}/elsewhere"),
        ({"HCSP_SNAPSHOT_DIR": "off"}, None),
    ],
)
def test_the_apps_store_keeps_its_snapshots_where_the_configuration_says(tmp_path, env, folder):
    values = {"HCSP_SQLITE_PATH": str(tmp_path / "store.sqlite3")}
    values |= {name: value.format(tmp=tmp_path) for name, value in env.items()}
    store = open_store(load_settings({}, env=values))

    if folder is None:
        assert store.snapshots is None
    else:
        assert store.snapshots.path(TABLE).parent == Path(folder.format(tmp=tmp_path))


# --- Google Sheets ---------------------------------------------------------------------------------


def sheets_store(emulator, tmp_path: Path, **options) -> SheetsStore:
    return SheetsStore(
        SPREADSHEET_ID, endpoint=emulator.url, policy=FAST, snapshot_dir=tmp_path / "snapshots", **options
    )


def _fill(store: SheetsStore) -> dict[str, list[dict[str, str]]]:
    rows = {TABLE: [survey(n) for n in range(1, 121)], schema.ASB_REPORTS: [report(n) for n in range(1, 61)]}
    for table, table_rows in rows.items():
        store.append_many(table, table_rows)
    return rows


@pytest.fixture
def emulator(sheets):
    return sheets.emulator


def test_a_restarted_sheets_store_asks_only_for_the_rows_added_since_in_one_call(emulator, tmp_path):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)  # another server process
    rows = _fill(writer)
    read_and_stop(sheets_store(emulator, tmp_path))
    later = [survey(n) for n in range(121, 141)]
    writer.append_many(TABLE, later)
    before = len(emulator.requests)

    tables = sheets_store(emulator, tmp_path).read_all()

    assert tables[TABLE].to_dict("records") == rows[TABLE] + later
    assert tables[schema.ASB_REPORTS].to_dict("records") == rows[schema.ASB_REPORTS]
    calls = _batch_gets(emulator, before)
    assert len(calls) == 1  # the new rows of every sheet, in one call
    first_row = {text.split("!")[0].strip("'"): int(text.split("!A")[1].split(":")[0]) for text in calls[0]}
    assert first_row[TABLE] == len(rows[TABLE]) + 1  # from the last row read, not from row 2
    # and the set-up a new store always makes: the worksheets' list and their header rows
    assert len(emulator.requests) - before == 3


def test_a_sheet_changed_by_hand_while_the_app_was_stopped_is_read_whole(emulator, tmp_path):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    rows = _fill(writer)
    read_and_stop(sheets_store(emulator, tmp_path))
    _edit(
        emulator,
        TABLE,
        lambda sheet_id: [
            {
                "deleteDimension": {
                    "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 5, "endIndex": 6}
                }
            }
        ],
    )
    before = len(emulator.requests)

    tables = sheets_store(emulator, tmp_path).read_all()

    assert tables[TABLE].to_dict("records") == rows[TABLE][:4] + rows[TABLE][5:]
    assert any(
        text.split("!")[1].startswith("A2:") for call in _batch_gets(emulator, before) for text in call
    )


def test_a_worksheet_made_again_is_not_taken_for_the_one_snapshotted(emulator, tmp_path, caplog):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    rows = _fill(writer)
    read_and_stop(sheets_store(emulator, tmp_path))
    # Someone deletes the answers' worksheet; the app makes it again, then the same first answers
    # and others arrive: the last row snapshotted is where it was, in another worksheet.
    _edit(emulator, TABLE, lambda sheet_id: [{"deleteSheet": {"sheetId": sheet_id}}])
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    others = [survey(500), *rows[TABLE][1:]]
    writer.append_many(TABLE, others[:-1])
    writer.append_many(TABLE, [others[-1], survey(501)])

    with caplog.at_level(logging.WARNING):
        tables = sheets_store(emulator, tmp_path).read_all()

    assert "not the one it was read from" in caplog.text
    assert tables[TABLE].to_dict("records") == [*others, survey(501)]


def test_a_snapshot_of_another_spreadsheet_is_ignored(emulator, tmp_path, caplog):
    emulator.create_spreadsheet("another-sheet", title="Another")
    other = SheetsStore(
        "another-sheet", endpoint=emulator.url, policy=FAST, snapshot_dir=tmp_path / "snapshots"
    )
    _fill(other)
    read_and_stop(other)
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    writer.append_many(TABLE, [survey(n) for n in range(300, 310)])
    ours = sheets_store(emulator, tmp_path)
    for table in schema.TABLES:  # the other spreadsheet's snapshots put where ours would be
        if other.snapshots.path(table).exists():
            shutil.copyfile(other.snapshots.path(table), ours.snapshots.path(table))

    with caplog.at_level(logging.WARNING):
        tables = ours.read_all()

    assert "belongs to another store" in caplog.text
    assert tables[TABLE].to_dict("records") == [survey(n) for n in range(300, 310)]
    assert tables[schema.ASB_REPORTS].empty


def test_a_snapshot_whose_whole_read_is_over_five_minutes_old_is_not_used(emulator, tmp_path, monkeypatch):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    rows = _fill(writer)
    read_and_stop(sheets_store(emulator, tmp_path))
    # The server was down for five minutes: the sheets' clock says so (only theirs).
    later = SimpleNamespace(time=lambda: time.time() + 301, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(sheets_module, "time", later)
    before = len(emulator.requests)

    tables = sheets_store(emulator, tmp_path).read_all()

    assert tables[TABLE].to_dict("records") == rows[TABLE]
    ranges = [text for call in _batch_gets(emulator, before) for text in call]
    assert any(text.split("!")[1].startswith("A2:") for text in ranges if TABLE in text)


def test_a_corrupt_sheets_snapshot_is_ignored(emulator, tmp_path, caplog):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    rows = _fill(writer)
    first = sheets_store(emulator, tmp_path)
    read_and_stop(first)
    first.snapshots.path(TABLE).write_bytes(b"\x00" * 100)

    with caplog.at_level(logging.WARNING):
        tables = sheets_store(emulator, tmp_path).read_all()

    assert "cannot be read" in caplog.text
    assert tables[TABLE].to_dict("records") == rows[TABLE]


def _append_raw(emulator, title: str, rows: list[list[str]]) -> None:
    """Append rows as another program would, with no check for keys already there."""
    url = f"{emulator.url}/v4/spreadsheets/{SPREADSHEET_ID}/values/{title}!A1:append"
    params = {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}
    requests.post(url, params=params, json={"values": rows}, timeout=10).raise_for_status()


def test_a_restarted_sheets_store_gives_what_a_whole_read_gives_with_new_answers_and_a_repeated_key(
    emulator, tmp_path
):
    writer = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST)
    rows = _fill(writer)
    read_and_stop(sheets_store(emulator, tmp_path))
    columns = schema.COLUMNS[TABLE]
    new = {**survey(200), "area": "Outside Herefordshire", "unsafe_place": "A place never named before"}
    repeated = {**rows[TABLE][3], "comments": "sent twice by another program"}
    _append_raw(emulator, TABLE, [[row.get(column, "") for column in columns] for row in (new, repeated)])

    restarted = sheets_store(emulator, tmp_path)
    tables = restarted.read_all()

    whole = SheetsStore(SPREADSHEET_ID, endpoint=emulator.url, policy=FAST).read_all()  # no snapshots
    for table in schema.TABLES:
        assert_same_as_whole_read(tables[table], whole[table], table)
    assert tables[TABLE]["response_id"].tolist() == [row["response_id"] for row in [*rows[TABLE], new]]
    # the first of a repeated key wins, and a write of a row already there is not sent again
    assert restarted.append(TABLE, repeated) is False
    assert restarted.append(TABLE, new) is False


def test_the_public_maps_publication_is_loaded_from_its_saved_copy_only_for_the_same_rows(tmp_path):
    frames = synthetic.frames(40, 40, seed=4)
    reports, responses = frames[schema.ASB_REPORTS], frames[schema.SURVEY_RESPONSES]

    def key(published_on: str, reports: pd.DataFrame, k: int = 10) -> str:
        versions = (storage.table_version(reports), storage.table_version(responses))
        return snapshot.content_key(published_on, versions, k)

    saved = snapshot.SavedResult(tmp_path, "public-figures")
    saved.save(key("2026-11-01", reports), {"figures": 1})

    restarted = snapshot.SavedResult(tmp_path, "public-figures")  # a new server process
    assert restarted.load(key("2026-11-01", reports)) == {"figures": 1}
    late = pd.concat([reports, reports.iloc[[3]].assign(report_id="late")], ignore_index=True)
    for other in (
        key("2026-11-01", late),  # a row counted arrived late (from an outbox)
        key("2026-11-01", reports.iloc[:-1]),  # a row gone
        key("2026-11-01", reports.drop(index=5)),  # a row gone from the middle
        key("2026-12-01", reports),  # the next publication
        key("2026-11-01", reports, k=5),  # another k
    ):
        assert restarted.load(other) is None


def test_a_damaged_saved_result_is_worked_out_again(tmp_path, caplog):
    saved = snapshot.SavedResult(tmp_path, "public-figures")
    saved.path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert saved.load("any") is None
    assert "cannot be read" in caplog.text
