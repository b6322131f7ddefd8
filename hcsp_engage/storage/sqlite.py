"""The embedded store: one SQLite file, the same tables and columns as the spreadsheet."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hcsp_engage import schema
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage.base import (
    CODED_COLUMNS,
    Store,
    drop_repeated_keys,
    to_frame,
    with_read_defaults,
    with_stored_dtypes,
)
from hcsp_engage.storage.snapshot import Snapshots

log = logging.getLogger(__name__)

# Several Streamlit sessions write at once: WAL lets readers carry on during a write, and a writer
# waits this long for another's lock instead of failing at once.
BUSY_TIMEOUT_MS = 10_000
READ_CHUNK_ROWS = 20_000
# Later reads take only the rows added since the last one; after this many the whole table is read
# again, so the text columns do not end up in thousands of small pieces.
MAX_READS_OF_NEW_ROWS = 100


class _TextColumn:
    """One "str" column built chunk by chunk (Arrow strings, no Python object kept per cell)."""

    def __init__(self) -> None:
        self.chunks: list[pa.Array] = []
        self.rows = 0

    def add(self, values: tuple) -> None:
        try:
            chunk = pa.array(values, type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a number in a file edited by hand
            chunk = pa.array([_text(value) for value in values], type=pa.large_string())
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        self.chunks.append(chunk)
        self.rows += len(values)

    def series(self) -> pd.Series:
        return pd.Series(pa.chunked_array(self.chunks, type=pa.large_string()), dtype="str")


class _CodedColumn:
    """One categorical column built chunk by chunk: each chunk's distinct values get codes in a growing
    dictionary, and the categories are sorted at the end (as ``storage.base.coded`` sorts them)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes: list[np.ndarray] = []
        self.rows = 0

    def add(self, values: tuple) -> None:
        codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        index = self.index
        known = np.fromiter(
            (index.setdefault(_text(value), len(index)) for value in distinct), dtype=np.int32
        )
        self.codes.append(known[codes])
        self.rows += len(values)

    def series(self) -> pd.Series:
        categories = np.array(list(self.index), dtype=object)
        order = np.argsort(categories, kind="stable")
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        # The smallest codes that hold every category (as pandas would pick): one byte for most columns.
        rank = rank.astype(np.int8 if len(order) < 2**7 else np.int16 if len(order) < 2**15 else np.int32)
        codes = rank[np.concatenate(self.codes)] if self.codes else np.zeros(0, dtype=np.int8)
        values = pd.Categorical.from_codes(
            codes, categories=pd.Index(categories[order], dtype="str"), validate=False
        )
        return pd.Series(values, copy=False)


def _text(value: object) -> str:
    # Every column is TEXT NOT NULL; a file edited by hand may still hold a number or a NULL.
    return "" if value is None else value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class _LastRead:
    """A table as last read: its frame, and how to tell that nothing before its last row has changed."""

    frame: pd.DataFrame
    rowid: int  # of the last row read
    key: tuple  # that row's key
    rows: int  # rows in the table up to and including it
    reads_of_new_rows: int


def _appended(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``new`` rows after ``old`` ones, in the stored dtypes: a coded column's categories become the
    sorted union of both (as a whole read would sort them); text columns only gain a piece."""
    columns = {}
    for column in old.columns:
        before, added = old[column], new[column]
        if isinstance(before.dtype, pd.CategoricalDtype):
            categories = before.cat.categories.union(added.cat.categories)
            before = before.cat.set_categories(categories)
            added = added.cat.set_categories(categories)
        columns[column] = pd.concat([before, added], ignore_index=True)
    return pd.DataFrame(columns, copy=False)


def _unique_columns(table: str) -> tuple[str, ...]:
    # What makes a write idempotent (schema.row_key), as a unique index SQLite enforces.
    if table in schema.EVENT_TABLES:
        return schema.COLUMNS[table]
    return (schema.ID_COLUMN[table],)


class SqliteStore(Store):
    name = "sqlite"

    def __init__(self, path: Path | str, snapshot_dir: Path | str | None = None):
        """``snapshot_dir``: where to keep snapshots of the tables as read (storage.snapshot), so that
        a new store on the same file (a restarted server) reads only the rows added since; None for
        none."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._read_lock = threading.Lock()
        self._last: dict[str, _LastRead] = {}
        self._create_tables()
        self.snapshots: Snapshots | None = None
        if snapshot_dir is not None:
            # The inode tells a database file put in this one's place (a restore) from this one.
            file = self.path.resolve().stat()
            self.snapshots = Snapshots(
                snapshot_dir,
                f"sqlite:{self.path.resolve()}",
                {
                    "store": "sqlite",
                    "path": str(self.path.resolve()),
                    "device": file.st_dev,
                    "inode": file.st_ino,
                },
            )

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            self._local.connection = connection
        return connection

    def _create_tables(self) -> None:
        """Make the tables, or bring a file an older version wrote up to date: columns added later go at
        its end (docs/design.md section 5), and the file's ``PRAGMA user_version`` records the schema
        version it now holds (0 in files written before it was kept: version 1). One transaction, so two
        servers opening an old file at once do not both add a column."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            for table, columns in schema.COLUMNS.items():
                self._ensure_table(connection, table, columns)
            if version < int(schema.SCHEMA_VERSION):
                connection.execute(f"PRAGMA user_version = {int(schema.SCHEMA_VERSION)}")
                if version:
                    log.info(
                        "%s brought from schema version %d to %s", self.path, version, schema.SCHEMA_VERSION
                    )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _ensure_table(self, connection: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
        existing = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
        if not existing:
            column_sql = ", ".join(f"\"{column}\" TEXT NOT NULL DEFAULT ''" for column in columns)
            connection.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({column_sql})')
            unique = ", ".join(f'"{column}"' for column in _unique_columns(table))
            connection.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_key" ON "{table}" ({unique})')
        elif tuple(existing[: len(columns)]) == columns:
            return  # the same columns, perhaps with later ones this version does not know
        elif tuple(columns[: len(existing)]) == tuple(existing):
            # Written by an older schema version. Its rows read the new cells as empty, and reads give
            # an empty cell of a column with a default (schema.READ_DEFAULTS) that default.
            for column in columns[len(existing) :]:
                connection.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" TEXT NOT NULL DEFAULT \'\'')
            log.info("%s: added %s to %s", self.path, ", ".join(columns[len(existing) :]), table)
        else:
            raise SchemaMismatch(
                f"The table {table!r} in {self.path} has the columns {existing}, "
                f"but this app writes {list(columns)}. Move the file aside or fix its columns."
            )

    def append(self, table: str, row: Mapping[str, str]) -> bool:
        columns = schema.COLUMNS[table]
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        values = [str(row.get(column, "")) for column in columns]
        try:
            cursor = self._connection().execute(
                f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})', values
            )
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"The database is busy or unavailable: {error}") from error
        return cursor.rowcount == 1

    def append_many(self, table: str, rows: Iterable[Mapping[str, str]]) -> int:
        """Append many rows in one transaction (demo data, benchmarks); returns how many were new.

        Idempotent like ``append``: rows whose key is already stored are skipped.
        """
        columns = schema.COLUMNS[table]
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        values = ([str(row.get(column, "")) for column in columns] for row in rows)
        connection = self._connection()
        try:
            before = connection.total_changes
            with connection:
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({marks})', values)
            return connection.total_changes - before
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"The database is busy or unavailable: {error}") from error

    def read(self, table: str) -> pd.DataFrame:
        """Every row of ``table``. After the first read only the rows added since are fetched (the app
        only ever appends), unless a row before them was deleted or the last one read is not what it
        was: then the whole table is read, as the first time. With snapshots, a new store on the same
        file starts from the snapshot, under the same checks. (A cell changed in place by hand shows at
        the next whole read: after ``MAX_READS_OF_NEW_ROWS`` reads that found new rows, counted across
        restarts, or at once when the snapshot folder is emptied.)"""
        key_columns = _unique_columns(table)
        try:
            with self._read_lock:
                connection = self._connection()
                connection.execute("BEGIN")  # one snapshot for the checks and the rows (WAL)
                try:
                    if not self._keys_are_unique(table):
                        return drop_repeated_keys(table, self._rows(table, 0)[0])
                    last = self._last.get(table) or self._from_snapshot(table)
                    if last is not None and last.reads_of_new_rows < MAX_READS_OF_NEW_ROWS:
                        (rows,) = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                        names = ", ".join(f'"{column}"' for column in key_columns)
                        key = connection.execute(
                            f'SELECT {names} FROM "{table}" WHERE rowid = ?', (last.rowid,)
                        ).fetchone()
                        if key is not None and tuple(map(_text, key)) == last.key:
                            new, rowid, new_key, count = self._rows(table, last.rowid)
                            if last.rows + count == rows:  # nothing before the last row deleted
                                if count:
                                    last = _LastRead(
                                        _appended(last.frame, new),
                                        rowid,
                                        new_key,
                                        rows,
                                        last.reads_of_new_rows + 1,
                                    )
                                    self._save_snapshot(table, last, whole=False)
                                self._last[table] = last  # perhaps first taken from the snapshot
                                return last.frame.copy(deep=False)
                        log.info(
                            "%s in %s changed before the last row read: reading it whole", table, self.path
                        )
                    frame, rowid, key, rows = self._rows(table, 0)
                    self._last[table] = _LastRead(frame, rowid, key, rows, 0)
                    self._save_snapshot(table, self._last[table], whole=True)
                    return frame.copy(deep=False)
                finally:
                    connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"The database is busy or unavailable: {error}") from error

    def _from_snapshot(self, table: str) -> _LastRead | None:
        """The table as this store's snapshot holds it (read checks it against the file as it would a
        read made in this process), or None."""
        if self.snapshots is None:
            return None
        snapshot = self.snapshots.load(table)
        if snapshot is None:
            return None
        try:
            state = snapshot.state
            last = _LastRead(
                with_stored_dtypes(table, snapshot.frame),
                int(state["rowid"]),
                tuple(str(value) for value in state["key"]),
                int(state["rows"]),
                int(state["reads_of_new_rows"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            log.warning(
                "Snapshot of %s ignored: its state is not what this version writes (%s)", table, error
            )
            return None
        if last.rows != len(last.frame):
            log.warning("Snapshot of %s ignored: it holds %d rows, not %d", table, len(last.frame), last.rows)
            return None
        return last

    def _save_snapshot(self, table: str, last: _LastRead, whole: bool) -> None:
        if self.snapshots is None or not last.rows or not (whole or self.snapshots.due(table)):
            return
        state = {
            "rowid": last.rowid,
            "key": list(last.key),
            "rows": last.rows,
            # Carried over a restart: the whole table is still read again after this many reads of
            # new rows, which is when a cell changed in place by hand shows.
            "reads_of_new_rows": last.reads_of_new_rows,
        }
        self.snapshots.save(table, last.frame, state)

    def _rows(self, table: str, after: int) -> tuple[pd.DataFrame, int, tuple, int]:
        """The rows after rowid ``after``, in order, as a frame in the stored dtypes; with the last one's
        rowid and key, and how many there are."""
        columns = schema.COLUMNS[table]
        names = ", ".join(f'"{column}"' for column in columns)
        key_at = [columns.index(column) for column in _unique_columns(table)]
        # Read in chunks straight into the stored dtypes (storage.base.CODED_COLUMNS): codes for the
        # repeating columns, Arrow strings for the rest. A Python string per cell would take several
        # times the memory (about 3 GB for a million reports and responses), and so would holding all
        # the rows before converting them.
        coded = CODED_COLUMNS[table]
        builders = [_CodedColumn() if column in coded else _TextColumn() for column in columns]
        rowid, key = after, ()
        cursor = self._connection().execute(
            f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid', (after,)
        )
        while rows := cursor.fetchmany(READ_CHUNK_ROWS):
            rowid, key = rows[-1][0], tuple(_text(rows[-1][1 + at]) for at in key_at)
            for builder, values in zip(builders, list(zip(*rows, strict=True))[1:], strict=True):
                builder.add(values)
            del rows
        if not builders[0].rows:
            return with_stored_dtypes(table, to_frame(table, [])), rowid, key, 0
        frame = pd.DataFrame(
            {column: builder.series() for column, builder in zip(columns, builders, strict=True)}, copy=False
        )
        return with_read_defaults(table, frame), rowid, key, builders[0].rows

    def _keys_are_unique(self, table: str) -> bool:
        """Whether a unique index on the table's key columns (as ``_create_tables`` makes) is there."""
        wanted = list(_unique_columns(table))
        connection = self._connection()
        for _, name, unique, *_ in connection.execute(f'PRAGMA index_list("{table}")'):
            if unique:
                indexed = [row[2] for row in connection.execute(f'PRAGMA index_info("{name}")')]
                if indexed == wanted:
                    return True
        return False

    def read_all(self) -> dict[str, pd.DataFrame]:
        return {table: self.read(table) for table in schema.TABLES}

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
