"""The embedded store: one SQLite file, the same tables and columns as the spreadsheet."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from hcsp_engage import schema
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage.base import Store, drop_repeated_keys, to_frame

# Several Streamlit sessions write at once: WAL lets readers carry on during a write, and a writer
# waits this long for another's lock instead of failing at once.
BUSY_TIMEOUT_MS = 10_000
READ_CHUNK_ROWS = 50_000


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
        # Read in chunks into pandas' Arrow-backed "str" columns: a Python object per cell would take
        # several times the memory (about 3 GB for a million reports and responses).
        chunks = []
        try:
            cursor = self._connection().execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
            while rows := cursor.fetchmany(READ_CHUNK_ROWS):
                chunks.append(pd.DataFrame(rows, columns=list(columns), dtype=object).astype("str"))
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"The database is busy or unavailable: {error}") from error
        if not chunks:
            return to_frame(table, [])
        frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
        return drop_repeated_keys(table, frame)

    def read_all(self) -> dict[str, pd.DataFrame]:
        return {table: self.read(table) for table in schema.TABLES}

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
