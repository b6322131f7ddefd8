"""The embedded store: one SQLite file, the same tables and columns as the spreadsheet."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hcsp_engage import schema
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage.base import CODED_COLUMNS, Store, drop_repeated_keys, to_frame, with_stored_dtypes

# Several Streamlit sessions write at once: WAL lets readers carry on during a write, and a writer
# waits this long for another's lock instead of failing at once.
BUSY_TIMEOUT_MS = 10_000
READ_CHUNK_ROWS = 20_000


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


def _unique_columns(table: str) -> tuple[str, ...]:
    # What makes a write idempotent (schema.row_key), as a unique index SQLite enforces.
    if table in schema.EVENT_TABLES:
        return schema.COLUMNS[table]
    return (schema.ID_COLUMN[table],)


class SqliteStore(Store):
    name = "sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._create_tables()

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
        connection = self._connection()
        for table, columns in schema.COLUMNS.items():
            existing = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            if not existing:
                column_sql = ", ".join(f"\"{column}\" TEXT NOT NULL DEFAULT ''" for column in columns)
                connection.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({column_sql})')
                unique = ", ".join(f'"{column}"' for column in _unique_columns(table))
                connection.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_key" ON "{table}" ({unique})')
            elif tuple(existing[: len(columns)]) == columns:
                continue  # the same columns, perhaps with later ones this version does not know
            elif tuple(columns[: len(existing)]) == tuple(existing):
                for column in columns[len(existing) :]:  # written by an older schema version
                    connection.execute(
                        f'ALTER TABLE "{table}" ADD COLUMN "{column}" TEXT NOT NULL DEFAULT \'\''
                    )
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
        columns = schema.COLUMNS[table]
        names = ", ".join(f'"{column}"' for column in columns)
        # Read in chunks straight into the stored dtypes (storage.base.CODED_COLUMNS): codes for the
        # repeating columns, Arrow strings for the rest. A Python string per cell would take several
        # times the memory (about 3 GB for a million reports and responses), and so would holding all
        # the rows before converting them.
        coded = CODED_COLUMNS[table]
        builders = [_CodedColumn() if column in coded else _TextColumn() for column in columns]
        try:
            cursor = self._connection().execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
            while rows := cursor.fetchmany(READ_CHUNK_ROWS):
                for builder, values in zip(builders, zip(*rows, strict=True), strict=True):
                    builder.add(values)
                del rows
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"The database is busy or unavailable: {error}") from error
        if not builders[0].rows:
            return with_stored_dtypes(table, to_frame(table, []))
        frame = pd.DataFrame(
            {column: builder.series() for column, builder in zip(columns, builders, strict=True)}, copy=False
        )
        if self._keys_are_unique(table):
            return frame  # SQLite refused every repeated key on writing: no need to look again
        return drop_repeated_keys(table, frame)

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
