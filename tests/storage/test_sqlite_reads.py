"""Later reads of the SQLite store fetch only the rows added since, and always give what a whole read of
the file would give: new answers among the categories, rows deleted or replaced by hand noticed."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from hcsp_engage import schema, synthetic
from hcsp_engage.storage import SqliteStore, sqlite

TABLE = schema.SURVEY_RESPONSES


@pytest.fixture
def rows() -> list[dict[str, str]]:
    frame = synthetic.frames(80, 80, seed=11)[TABLE].astype(str)
    return frame.to_dict("records")


@pytest.fixture
def fetched(monkeypatch) -> list[int]:
    """The rowid each read of a table started after (0: the whole table)."""
    starts: list[int] = []
    real = SqliteStore._rows

    def spy(self, table, after):
        starts.append(after)
        return real(self, table, after)

    monkeypatch.setattr(SqliteStore, "_rows", spy)
    return starts


def same_as_a_whole_read(store: SqliteStore, frame: pd.DataFrame) -> None:
    whole = SqliteStore(store.path).read(TABLE)
    pd.testing.assert_frame_equal(frame, whole)
    for column in sqlite.CODED_COLUMNS[TABLE]:  # the same categories in the same (sorted) order
        assert list(frame[column].cat.categories) == list(whole[column].cat.categories)


def test_a_later_read_fetches_only_new_rows_and_gives_what_a_whole_read_gives(tmp_path, rows, fetched):
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows[:50])
    first = store.read(TABLE)
    new_area = {**rows[50], "area": "A place no earlier answer named"}  # a category not seen before
    store.append_many(TABLE, [new_area, *rows[51:]])

    later = store.read(TABLE)

    assert fetched[0] == 0 and fetched[-1] > 0  # the second read started after the rows it had
    assert len(first) == 50 and len(later) == 80
    assert later["area"].iloc[50] == "A place no earlier answer named"
    same_as_a_whole_read(store, later)


def test_a_read_with_nothing_new_fetches_nothing_more(tmp_path, rows, fetched):
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows)
    first = store.read(TABLE)
    fetched.clear()

    again = store.read(TABLE)

    assert len(fetched) == 1 and fetched[0] > 0  # only rows after the last one read were asked for
    pd.testing.assert_frame_equal(again, first)


def test_a_row_deleted_by_hand_is_noticed(tmp_path, rows):
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows[:60])
    store.read(TABLE)
    with sqlite3.connect(store.path) as connection:
        connection.execute(f'DELETE FROM "{TABLE}" WHERE response_id = ?', (rows[10]["response_id"],))
    store.append_many(TABLE, rows[60:61])  # as many rows as were deleted: the count alone looks right

    later = store.read(TABLE)

    assert rows[10]["response_id"] not in set(later["response_id"])
    assert rows[60]["response_id"] in set(later["response_id"])
    same_as_a_whole_read(store, later)


def test_the_last_row_deleted_by_hand_and_its_rowid_used_again_is_noticed(tmp_path, rows):
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows[:60])
    store.read(TABLE)
    with sqlite3.connect(store.path) as connection:
        connection.execute(f'DELETE FROM "{TABLE}" WHERE rowid = (SELECT max(rowid) FROM "{TABLE}")')
    store.append_many(TABLE, rows[60:61])  # SQLite gives the new row the deleted row's rowid

    later = store.read(TABLE)

    assert rows[59]["response_id"] not in set(later["response_id"])
    assert later["response_id"].iloc[-1] == rows[60]["response_id"]
    same_as_a_whole_read(store, later)


def test_changing_a_frame_that_was_read_does_not_change_later_reads(tmp_path, rows):
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows[:40])
    first = store.read(TABLE)
    first["extra"] = "x"
    first.loc[0, "response_id"] = "changed by a caller"
    store.append_many(TABLE, rows[40:])

    same_as_a_whole_read(store, store.read(TABLE))


def test_after_many_reads_of_new_rows_the_whole_table_is_read_again(tmp_path, rows, fetched, monkeypatch):
    monkeypatch.setattr(sqlite, "MAX_READS_OF_NEW_ROWS", 2)
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(TABLE, rows[:20])
    store.read(TABLE)
    for start in (20, 40, 60):
        store.append_many(TABLE, rows[start : start + 20])
        frame = store.read(TABLE)

    assert fetched.count(0) == 2  # the first read, and the one after two reads of new rows
    same_as_a_whole_read(store, frame)
