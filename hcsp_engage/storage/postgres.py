"""PostgreSQL storage through psycopg 3: the same tables and columns as SQLite, shared by several servers.

How this backend keeps answers safe and pages quick:

- Append-only tables with exactly the DESIGN columns, each ``text NOT NULL DEFAULT ''``, plus an internal
  ``seq`` identity column (write order; never part of what ``read`` returns).
- Idempotent appends: ``INSERT ... ON CONFLICT DO NOTHING`` on a unique index over ``schema.row_key``:
  the id for responses and reports; for status changes and interventions the id and a SHA-256 of all
  the row's values (an index over the values themselves could outgrow PostgreSQL's index row limit
  with a long description). A retry after an unknown outcome can never double a submission.
- Write order is commit order: each append takes a per-table advisory lock before its row gets its
  ``seq`` and keeps it until commit. Without it, a row given seq 10 could commit after a reader had
  already seen seq 11, and a read of "rows after 11" would never see it.
- Reads: the first read of a table fetches every row (``COPY ... TO STDOUT`` as CSV into Arrow, then
  the compact dtypes of ``storage.base.with_stored_dtypes``), ``READ_PIECE_ROWS`` at a time, each piece
  its own statement; later reads fetch only the rows after the last ``seq`` read, in one REPEATABLE
  READ snapshot with the checks that nothing before it changed, and otherwise read the whole table
  again, as the SQLite store does.
- Every call has a timeout (``connect_timeout``, ``statement_timeout``, ``lock_timeout``); a failure
  raises ``StoreUnavailable`` and the caller keeps the submission in the outbox. After a failure the
  store answers at once for ``rest_seconds`` instead of making every page wait for the timeout again.
- The schema is made on first use and versioned: the ``schema_version`` table records each change, and
  a column the app adds at the end of a table (as docs/design.md section 5 allows) is added by the app itself.
- ``PostgresWindows`` keeps the abuse limits' events (``security.SlidingWindowLimiter``) in the
  ``limit_events`` table, so every app server on the database enforces one limit.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pyarrow import csv as pa_csv

from hcsp_engage import schema
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.security import LocalWindows
from hcsp_engage.storage.base import (
    CODED_COLUMNS,
    Store,
    drop_repeated_keys,
    to_frame,
    with_read_defaults,
    with_stored_dtypes,
)
from hcsp_engage.storage.sqlite import MAX_READS_OF_NEW_ROWS, _appended

T = TypeVar("T")
log = logging.getLogger(__name__)

# The first key of every advisory lock the app takes, so its locks cannot meet another application's
# on a shared server ("HCSP" in ASCII). The second key is 0 for schema changes, 1 + a table's position
# in schema.TABLES for writes to it.
LOCK_SPACE = 0x48435350
SCHEMA_LOCK = 0
# Advisory locks on one limiter key each (the second key a hash of the limiter's name and the key).
LIMIT_LOCK_SPACE = LOCK_SPACE + 1
LIMIT_EVENTS = "limit_events"
# Rows sent in one INSERT by append_many (the outbox sends at most 500; the copy tool more).
INSERT_BATCH_ROWS = 5_000
# Rows fetched by one statement of a read (a COPY of a range of seq, by the primary key's index): about
# 2 s each on the benchmark's machine, so a table of any size is read inside the statement timeout,
# where one statement for a whole table gave up at ten million reports (docs/performance.md).
READ_PIECE_ROWS = 250_000
# Idle connections kept for the next call; more are opened while many sessions write at once.
KEEP_CONNECTIONS = 4
# The hidden write-order column, and the function that hashes an event row for its unique key.
SEQ = "seq"
ROW_HASH_FUNCTION = "hcsp_row_hash"


@dataclass(frozen=True)
class Timeouts:
    """How long any one call may take. A submission that outlasts these goes to the outbox."""

    connect_seconds: int = 5  # libpq counts whole seconds, at least 2
    statement_ms: int = 15_000  # a whole read of a million rows takes a few seconds
    lock_ms: int = 5_000  # another writer holding the table's write lock
    idle_in_transaction_ms: int = 30_000  # a client that vanished mid-transaction
    rest_seconds: float = 5.0  # after a failure, fail at once for this long


class _Connections:
    """A few open connections, reused: opening one costs a round trip or three and a server process."""

    def __init__(self, connect: Callable[[], psycopg.Connection], keep: int = KEEP_CONNECTIONS):
        self._connect = connect
        self._keep = keep
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def take(self) -> tuple[psycopg.Connection, bool]:
        """A connection, and whether it was kept from an earlier call (and so may have been cut since)."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def give_back(self, connection: psycopg.Connection) -> None:
        if connection.closed or connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            connection.close()
            return
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(connection)
                return
        connection.close()

    def close_all(self) -> None:
        """Close the idle connections: after one failed, the others (to the same server) likely will."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


@dataclass(frozen=True)
class _LastRead:
    """A table as last read: its frame, and how to tell that nothing before its last row has changed."""

    frame: pd.DataFrame
    seq: int  # of the last row read
    key: tuple  # that row's key
    rows: int  # rows in the table up to and including it
    reads_of_new_rows: int


def _unique_columns(table: str) -> tuple[str, ...]:
    # What makes a write idempotent (schema.row_key); the same rule as the SQLite store's unique index.
    if table in schema.EVENT_TABLES:
        return schema.COLUMNS[table]
    return (schema.ID_COLUMN[table],)


def _key_index_sql(table: str) -> sql.Composed:
    """The unique index that makes appends to ``table`` idempotent (``schema.row_key``)."""
    id_column = sql.Identifier(schema.ID_COLUMN[table])
    if table in schema.EVENT_TABLES:
        # All values joined with the unit separator, as schema.row_key joins them.
        joined = sql.SQL(" || chr(31) || ").join(sql.Identifier(c) for c in schema.COLUMNS[table])
        key = sql.SQL("{}, {}({})").format(id_column, sql.Identifier(ROW_HASH_FUNCTION), joined)
    else:
        key = id_column
    return sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
        sql.Identifier(f"{table}_key"), sql.Identifier(table), key
    )


class _CopyStream(io.RawIOBase):
    """The bytes of a ``COPY ... TO STDOUT`` as a file, for Arrow's CSV reader."""

    def __init__(self, copy: psycopg.Copy):
        self._blocks = iter(copy)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def is_empty(self) -> bool:
        """Whether the copy sent no rows at all (Arrow refuses an empty CSV)."""
        if not self._pending:
            self._pending = memoryview(next(self._blocks, b""))
        return not self._pending

    def readinto(self, buffer) -> int:
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _categorical(chunks: list[pa.DictionaryArray]) -> pd.Series:
    """Dictionary-encoded chunks as one categorical with sorted "str" categories and the smallest codes
    (as the SQLite store and ``storage.base.coded`` make them)."""
    unified = pa.chunked_array(chunks, type=pa.dictionary(pa.int32(), pa.large_string())).unify_dictionaries()
    dictionary = unified.chunk(0).dictionary
    indices = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in unified.chunks])
    order = pc.sort_indices(dictionary).to_numpy()  # byte order of UTF-8: the order of Python's sort
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank = rank.astype(np.int8 if len(order) < 2**7 else np.int16 if len(order) < 2**15 else np.int32)
    categories = pd.Index(dictionary.take(order).to_pylist(), dtype="str")
    values = pd.Categorical.from_codes(rank[indices], categories=categories, validate=False)
    return pd.Series(values, copy=False)


class PostgresStore(Store):
    name = "postgres"

    def __init__(self, url: str, timeouts: Timeouts = Timeouts()):
        self.url = url
        self.timeouts = timeouts
        self._pool = _Connections(self._connect)
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._read_lock = threading.Lock()
        self._last: dict[str, _LastRead] = {}
        # Tables without the unique key index (a table made by hand holding repeated rows): reads drop
        # the repeats instead.
        self._without_key_index: set[str] = set()
        self._resting_until = 0.0

    # --- connections and failures ------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        timeouts = self.timeouts
        params = conninfo_to_dict(self.url)
        # Settings for every session, after any the URL itself sets.
        options = " ".join(
            [
                str(params.get("options", "")),
                f"-c statement_timeout={timeouts.statement_ms}",
                f"-c lock_timeout={timeouts.lock_ms}",
                f"-c idle_in_transaction_session_timeout={timeouts.idle_in_transaction_ms}",
            ]
        ).strip()
        conninfo = make_conninfo(
            self.url,
            connect_timeout=max(2, int(timeouts.connect_seconds)),
            application_name=params.get("application_name", "hcsp-engage"),
            options=options,
            # A server or network that vanished without closing the connection is noticed in about a
            # minute instead of the operating system's two hours (TCP only; ignored on a local socket).
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        return psycopg.connect(conninfo, autocommit=True)

    def _run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """``work`` on a connection, with the schema in place. Raises ``StoreUnavailable`` when the
        server cannot be reached or does not answer in time.

        A kept connection that fails is tried once more on a new one: after a server restart every
        kept connection is cut, and the first call should not fail for that alone. ``work`` must be
        safe to run twice (every write here is idempotent)."""
        resting = self._resting_until - time.monotonic()
        if resting > 0:
            raise StoreUnavailable(
                f"PostgreSQL did not answer just now; the app tries again in {resting:.0f} s."
            )
        for attempt in (1, 2):
            connection = None
            try:
                connection, kept = self._pool.take()
                if not self._schema_ready:
                    self._ensure_schema(connection)
                result = work(connection)
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                if connection is not None:
                    connection.close()
                self._pool.close_all()
                if attempt == 1 and connection is not None and kept and not _timed_out(error):
                    continue
                self._resting_until = time.monotonic() + self.timeouts.rest_seconds
                raise StoreUnavailable(f"PostgreSQL is not available: {_first_line(error)}") from error
            except BaseException:
                if connection is not None:
                    connection.close()
                raise
            self._pool.give_back(connection)
            return result
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _borrow(self) -> psycopg.Connection:
        """A connection with the schema in place, for work that spans a caller's code (give it back
        with ``_pool.give_back``, or close it). Raises ``StoreUnavailable``."""
        if self._resting_until > time.monotonic():
            raise StoreUnavailable("PostgreSQL did not answer just now.")
        connection = None
        try:
            connection, _ = self._pool.take()
            if not self._schema_ready:
                self._ensure_schema(connection)
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if connection is not None:
                connection.close()
            self._pool.close_all()
            self._resting_until = time.monotonic() + self.timeouts.rest_seconds
            raise StoreUnavailable(f"PostgreSQL is not available: {_first_line(error)}") from error
        return connection

    # --- schema ------------------------------------------------------------------------------------

    def _ensure_schema(self, connection: psycopg.Connection) -> None:
        """Make the tables, or bring tables an older version made up to date, once per store.

        Runs under an advisory lock, so two servers starting at once do not both change the schema.
        Each change is recorded in ``schema_version`` with the app's ``schema.SCHEMA_VERSION``."""
        with self._schema_lock:
            if self._schema_ready:
                return
            changes: list[str] = []
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_SPACE, SCHEMA_LOCK))
                # Looked up before anything is made: a user allowed only to read and append can run
                # the app once the schema is in place (CREATE ... IF NOT EXISTS would need more).
                versions, function = connection.execute(
                    "SELECT to_regclass('schema_version') IS NOT NULL, to_regprocedure(%s) IS NOT NULL",
                    (f"{ROW_HASH_FUNCTION}(text)",),
                ).fetchone()
                if not versions:
                    connection.execute(
                        "CREATE TABLE schema_version (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        "version text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
                        "changes text NOT NULL)"
                    )
                if not function:
                    # convert_to is only "stable" (it could follow the client's encoding); with the
                    # encoding named it is fixed, so this wrapper may be used in an index.
                    connection.execute(
                        sql.SQL(
                            "CREATE FUNCTION {}(text) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE "
                            "AS $$ SELECT sha256(convert_to($1, 'UTF8')) $$"
                        ).format(sql.Identifier(ROW_HASH_FUNCTION))
                    )
                for table in schema.TABLES:
                    changes += self._ensure_table(connection, table)
                changes += self._ensure_limit_events(connection)
                if changes:
                    connection.execute(
                        "INSERT INTO schema_version (version, changes) VALUES (%s, %s)",
                        (schema.SCHEMA_VERSION, "; ".join(changes)),
                    )
            self._schema_ready = True

    def _ensure_table(self, connection: psycopg.Connection, table: str) -> list[str]:
        columns = schema.COLUMNS[table]
        existing = [
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        if not existing:
            definitions = [
                sql.SQL("{} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY").format(sql.Identifier(SEQ))
            ]
            definitions += [
                sql.SQL("{} text NOT NULL DEFAULT ''").format(sql.Identifier(column)) for column in columns
            ]
            connection.execute(
                sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(definitions))
            )
            connection.execute(_key_index_sql(table))
            return [f"created {table}"]
        data = [name for name in existing if name != SEQ]
        if SEQ not in existing or not (
            tuple(data[: len(columns)]) == columns or tuple(columns[: len(data)]) == tuple(data)
        ):
            raise SchemaMismatch(
                f"The table {table!r} in the PostgreSQL database has the columns {existing}, but this app "
                f"writes {[SEQ, *columns]}. Rename the table or fix its columns."
            )
        changes = []
        added = columns[len(data) :]  # written by an older schema version
        for column in added:
            connection.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN {} text NOT NULL DEFAULT ''").format(
                    sql.Identifier(table), sql.Identifier(column)
                )
            )
            changes.append(f"added {table}.{column}")
        index = sql.Identifier(f"{table}_key")
        if added and table in schema.EVENT_TABLES:  # the row hash covers every column
            connection.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(index))
        (indexed,) = connection.execute(
            "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(%s)) IS NOT NULL",
            (f"{table}_key",),
        ).fetchone()
        if not indexed:
            try:
                with connection.transaction():  # a savepoint: the rest of the schema work goes on
                    connection.execute(_key_index_sql(table))
                changes.append(f"indexed {table} on its key")
            except psycopg.errors.UniqueViolation:
                self._without_key_index.add(table)
        return changes

    def _ensure_limit_events(self, connection: psycopg.Connection) -> list[str]:
        """The events of the abuse limits (PostgresWindows): not answers, and never copied or read as
        a table; each row goes once its window has passed."""
        (present,) = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (LIMIT_EVENTS,)).fetchone()
        if present:
            return []
        connection.execute(
            "CREATE TABLE limit_events (limiter text NOT NULL, key text NOT NULL, "
            "at double precision NOT NULL, expires_at double precision NOT NULL)"
        )
        connection.execute("CREATE INDEX limit_events_key ON limit_events (limiter, key, at)")
        connection.execute("CREATE INDEX limit_events_expires ON limit_events (expires_at)")
        return [f"created {LIMIT_EVENTS}"]

    # --- writes ------------------------------------------------------------------------------------

    def append(self, table: str, row: Mapping[str, str]) -> bool:
        return self._insert(table, [row]) == 1

    def append_many(self, table: str, rows: Iterable[Mapping[str, str]]) -> int:
        """Append rows, ``INSERT_BATCH_ROWS`` to a statement; returns how many were new.

        Each batch is its own transaction: after a failure, the batches already stored stay stored, and
        sending them all again (as the outbox does) skips them."""
        return sum(self._insert(table, batch) for batch in batches(rows, INSERT_BATCH_ROWS))

    def _insert(self, table: str, rows: list[Mapping[str, str]]) -> int:
        columns = schema.COLUMNS[table]
        # One array a column, unnested in order: one statement however many rows, and the rows get
        # their seq in the order given.
        arrays = [[str(row.get(column, "")) for row in rows] for column in columns]
        names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
        statement = sql.SQL(
            "INSERT INTO {table} ({names}) SELECT {names} FROM unnest({arrays}) WITH ORDINALITY "
            "AS given({names}, position) ORDER BY position ON CONFLICT DO NOTHING"
        ).format(
            table=sql.Identifier(table),
            names=names,
            arrays=sql.SQL(", ").join([sql.SQL("%s::text[]")] * len(columns)),
        )
        lock = schema.TABLES.index(table) + 1

        def write(connection: psycopg.Connection) -> int:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_SPACE, lock))
                return connection.execute(statement, arrays).rowcount

        return self._run(write)

    # --- reads -------------------------------------------------------------------------------------

    def read(self, table: str) -> pd.DataFrame:
        return self._read_tables([table])[table]

    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every table, all from one snapshot: a status change never shows without its report."""
        return self._read_tables(list(schema.TABLES))

    def _read_tables(self, tables: list[str]) -> dict[str, pd.DataFrame]:
        def read(connection: psycopg.Connection) -> dict[str, pd.DataFrame]:
            with connection.transaction():
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return {table: self._read_in_snapshot(connection, table) for table in tables}

        with self._read_lock:  # the last reads are shared by every session of this server
            return self._run(read)

    def _read_in_snapshot(self, connection: psycopg.Connection, table: str) -> pd.DataFrame:
        """Every row of ``table``. After the first read only the rows added since are fetched (the app
        only ever appends), unless a row before them was deleted or the last one read is not what it
        was (or a row committed out of order by hand): then the whole table is read, as the first
        time. A cell changed in place by hand shows at the next whole read: after
        ``MAX_READS_OF_NEW_ROWS`` reads that found new rows, or a restart."""
        if table in self._without_key_index:
            return drop_repeated_keys(table, self._rows(connection, table, None)[0])
        last = self._last.get(table)
        if last is not None and last.reads_of_new_rows < MAX_READS_OF_NEW_ROWS:
            name = sql.Identifier(table)
            (rows,) = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()
            key = connection.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in _unique_columns(table)),
                    name,
                    sql.Identifier(SEQ),
                ),
                (last.seq,),
            ).fetchone()
            if key is not None and tuple(key) == last.key:
                new, seq, new_key, count = self._rows(connection, table, last.seq)
                if last.rows + count == rows:  # nothing before the last row deleted or slipped in
                    if count:
                        last = _LastRead(
                            _appended(last.frame, new), seq, new_key, rows, last.reads_of_new_rows + 1
                        )
                        self._last[table] = last
                    return last.frame.copy(deep=False)
        frame, seq, key, rows = self._rows(connection, table, None)
        self._last[table] = _LastRead(frame, seq, key, rows, 0)
        return frame.copy(deep=False)

    def _rows(
        self, connection: psycopg.Connection, table: str, after: int | None
    ) -> tuple[pd.DataFrame, int, tuple, int]:
        """The rows after seq ``after`` (None: every row), in order, as a frame in the stored dtypes;
        with the last one's seq and key, and how many there are.

        Sent as CSV by ``COPY`` and parsed by Arrow: no Python object per cell, so a million reports
        and responses fit in memory as they do from SQLite. Repeating columns are dictionary-encoded
        batch by batch as they arrive. Fetched ``READ_PIECE_ROWS`` at a time, each piece its own
        statement in the read's one snapshot, so no statement of a read outlasts the statement timeout
        however large the table grows."""
        columns = schema.COLUMNS[table]
        chunks: list[list[pa.Array]] = [[] for _ in columns]
        seq, key, count = after or 0, (), 0
        while True:
            got, last = self._piece(connection, table, seq if count else after, chunks)
            if got:
                count += got
                seq, key = last
            if got < READ_PIECE_ROWS:
                break
        if not count:
            return with_stored_dtypes(table, to_frame(table, [])), seq, key, 0
        coded = CODED_COLUMNS[table]
        frame = pd.DataFrame(
            {
                column: _categorical(chunks[position])
                if column in coded
                else pd.Series(pa.chunked_array(chunks[position], type=pa.large_string()), dtype="str")
                for position, column in enumerate(columns)
            },
            copy=False,
        )
        return with_read_defaults(table, frame), seq, key, count

    def _piece(
        self, connection: psycopg.Connection, table: str, after: int | None, chunks: list[list[pa.Array]]
    ) -> tuple[int, tuple[int, tuple]]:
        """Up to ``READ_PIECE_ROWS`` rows after seq ``after`` (None: from the first), in one statement,
        appended column by column to ``chunks``: how many, and the last one's seq and key."""
        columns = schema.COLUMNS[table]
        coded = CODED_COLUMNS[table]
        key_at = [columns.index(column) for column in _unique_columns(table)]
        where = (
            sql.SQL("")
            if after is None
            else sql.SQL("WHERE {} > {}").format(sql.Identifier(SEQ), sql.Literal(int(after)))
        )
        query = sql.SQL(
            "COPY (SELECT {seq}, {names} FROM {table} {where} ORDER BY {seq} LIMIT {limit}) "
            "TO STDOUT (FORMAT csv)"
        ).format(
            seq=sql.Identifier(SEQ),
            names=sql.SQL(", ").join(sql.Identifier(column) for column in columns),
            table=sql.Identifier(table),
            where=where,
            limit=sql.Literal(READ_PIECE_ROWS),
        )
        count, last = 0, (0, ())
        with connection.cursor() as cursor, cursor.copy(query) as copy:
            stream = _CopyStream(copy)
            if stream.is_empty():
                return 0, last
            reader = pa_csv.open_csv(
                io.BufferedReader(stream, buffer_size=1 << 20),
                read_options=pa_csv.ReadOptions(
                    column_names=[SEQ, *columns], use_threads=False, block_size=8 << 20
                ),
                # Free text may hold line breaks inside its quotes.
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types={SEQ: pa.int64(), **dict.fromkeys(columns, pa.large_string())},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                if not batch.num_rows:
                    continue
                count += batch.num_rows
                last = (
                    batch.column(0)[-1].as_py(),
                    tuple(batch.column(1 + at)[-1].as_py() for at in key_at),
                )
                for position, column in enumerate(columns):
                    values = batch.column(1 + position)
                    chunks[position].append(pc.dictionary_encode(values) if column in coded else values)
        return count, last

    def close(self) -> None:
        self._pool.close_all()


def _timed_out(error: Exception) -> bool:
    # A statement cancelled by statement_timeout (or lock_timeout): trying again would wait again.
    return isinstance(error, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def batches(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of at most ``size``."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class PostgresWindows:
    """Where a ``security.SlidingWindowLimiter`` keeps its events when the store is PostgreSQL: the
    ``limit_events`` table, so every app server on the database counts against one limit (the rules
    stay in the limiter). Times come from the database's clock, the one clock every server shares, and
    each key is held by an advisory lock while the limiter decides, so two servers cannot both take
    the last place. When the database cannot be reached the events are kept in this process instead:
    the limit then holds per server, never not at all."""

    def __init__(self, store: PostgresStore, limiter: str):
        self.store = store
        self.limiter = limiter
        self.fallback = LocalWindows(time.time)

    @contextmanager
    def window(
        self, keys: Sequence[str], window_seconds: float
    ) -> Iterator[tuple[dict[str, deque[float]], float]]:
        keys = list(keys)
        opened = self._open(keys, window_seconds)
        if opened is None:
            with self.fallback.window(keys, window_seconds) as found:
                yield found
            return
        connection, recent, now = opened
        counted = {key: len(times) for key, times in recent.items()}
        done = False
        try:
            yield recent, now
            done = True
        finally:
            self._close(connection, recent, counted, now, window_seconds, done)

    def _open(
        self, keys: list[str], window_seconds: float
    ) -> tuple[psycopg.Connection, dict[str, deque[float]], float] | None:
        try:
            connection = self.store._borrow()
        except StoreUnavailable:
            return None
        try:
            connection.execute("BEGIN")
            for key in sorted(keys):  # always in the same order: two servers cannot deadlock
                connection.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                    (LIMIT_LOCK_SPACE, f"{self.limiter}\x1f{key}"),
                )
            (now,) = connection.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()
            recent: dict[str, deque[float]] = {key: deque() for key in keys}
            for key, at in connection.execute(
                "SELECT key, at FROM limit_events WHERE limiter = %s AND key = ANY(%s) AND at > %s ORDER BY at",
                (self.limiter, keys, now - window_seconds),
            ):
                recent[key].append(at)
        except psycopg.Error as error:
            log.warning(
                "Abuse limits kept in this process for now: PostgreSQL failed: %s", _first_line(error)
            )
            connection.close()
            self.store._pool.close_all()  # a restarted server cut every kept connection
            return None
        return connection, recent, now

    def _close(
        self,
        connection: psycopg.Connection,
        recent: dict[str, deque[float]],
        counted: dict[str, int],
        now: float,
        window_seconds: float,
        keep: bool,
    ) -> None:
        try:
            if keep:
                new = [
                    (self.limiter, key, at, at + window_seconds)
                    for key, times in recent.items()
                    for at in list(times)[counted[key] :]
                ]
                with connection.cursor() as cursor:
                    if new:
                        cursor.executemany(
                            "INSERT INTO limit_events (limiter, key, at, expires_at) VALUES (%s, %s, %s, %s)",
                            new,
                        )
                    # Network addresses are personal data: none is kept longer than its window.
                    cursor.execute("DELETE FROM limit_events WHERE expires_at <= %s", (now,))
            connection.execute("COMMIT" if keep else "ROLLBACK")
        except psycopg.Error as error:
            log.warning("An abuse-limit event was not saved: PostgreSQL failed: %s", _first_line(error))
            connection.close()
            return
        self.store._pool.give_back(connection)

    def forget(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self.fallback.forget(keys)
        with suppress(StoreUnavailable):
            self.store._run(
                lambda connection: connection.execute(
                    "DELETE FROM limit_events WHERE limiter = %s AND key = ANY(%s)", (self.limiter, keys)
                )
            )

    def now(self) -> float:
        try:
            return self.store._run(
                lambda connection: connection.execute(
                    "SELECT extract(epoch FROM clock_timestamp())::float8"
                ).fetchone()[0]
            )
        except StoreUnavailable:
            return self.fallback.now()

    def keys_remembered(self, window_seconds: float) -> int:
        try:
            return self.store._run(
                lambda connection: connection.execute(
                    "SELECT count(DISTINCT key) FROM limit_events WHERE limiter = %s "
                    "AND expires_at > extract(epoch FROM clock_timestamp())",
                    (self.limiter,),
                ).fetchone()[0]
            )
        except StoreUnavailable:
            return self.fallback.keys_remembered(window_seconds)
