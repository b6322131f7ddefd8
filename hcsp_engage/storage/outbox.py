"""A durable local outbox: submissions the store could not take yet, sent on later requests.

A resident's answers are not lost: when Google Sheets is down the row waits here (a SQLite file on
local disk) and is sent again later, as long as that disk survives a restart (Streamlit Community Cloud's
does not: ``Settings.outbox_durable``, docs/deploy.md). Because every append is idempotent on the row's key, sending a
row that did in fact reach the sheet before the failure stores nothing twice.

Waiting rows go out in batches: each table's rows, up to ``BATCH_ROWS`` at a time, in one
``Store.append_many`` call (one API call on Google Sheets, which allows 60 writes a minute). After an
outage of an hour thousands of rows wait; one call a row would take hours to send them, and the
residents submitting meanwhile would each wait for many calls.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.storage.base import Store

# Rows sent in one call: about 300 KB of JSON on Google Sheets, well within one request's size and time.
BATCH_ROWS = 500


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: bool  # the store refused a row: it is down, so there is no point trying more now


@dataclass(frozen=True)
class Pending:
    entry_id: int
    table: str
    row: dict[str, str]


class Outbox:
    def __init__(self, path: Path | str, batch_rows: int = BATCH_ROWS):
        self.path = Path(path)
        self.batch_rows = batch_rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._flush_lock = threading.Lock()
        self._local = threading.local()
        with self._connect() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS outbox (entry_id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "target TEXT NOT NULL, row_json TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
                "last_error TEXT NOT NULL DEFAULT '')"
            )

    def _connect(self) -> sqlite3.Connection:
        # One connection per thread, kept: every submission asks the outbox's length, and opening a
        # connection per call failed ("unable to open database file") for about 1% of submissions with
        # 50 at once (python -m hcsp_engage.bench); WAL lets those reads run beside a write.
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=10)
            connection.execute("PRAGMA busy_timeout = 10000")
            connection.execute("PRAGMA journal_mode = WAL")
            self._local.connection = connection
        return connection

    def put(self, table: str, row: Mapping[str, str]) -> None:
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO outbox (target, row_json) VALUES (?, ?)", (table, json.dumps(dict(row)))
            )

    def pending(self, limit: int | None = None) -> list[Pending]:
        """The waiting rows, oldest first (at most ``limit`` of them)."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT entry_id, target, row_json FROM outbox ORDER BY entry_id LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [Pending(entry_id, table, json.loads(row_json)) for entry_id, table, row_json in rows]

    def __len__(self) -> int:
        with self._connect() as connection:
            return connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def flush(self, store: Store, limit: int = BATCH_ROWS) -> int:
        """Send up to ``limit`` waiting rows; stop at the first failure. Returns how many were sent."""
        return self.deliver(store, limit).sent

    def deliver(self, store: Store, limit: int = BATCH_ROWS) -> Delivery:
        """``flush``, also saying whether it stopped because the store failed.

        The oldest ``limit`` rows are sent table by table (in the order each table's first row waited),
        each table's in batches of at most ``batch_rows`` rows with one ``append_many`` call. A batch
        leaves the outbox only once the store has taken all of it; when the store fails, that batch and
        every later one stay queued (a row the store did write before failing is found there next time,
        and not written again). Only one thread delivers at a time, so two sessions cannot send the
        same waiting row at once.
        """
        if not self._flush_lock.acquire(blocking=False):
            return Delivery(0, failed=False)
        sent = 0
        try:
            by_table: dict[str, list[Pending]] = {}
            for item in self.pending(limit):
                by_table.setdefault(item.table, []).append(item)
            for table, items in by_table.items():
                for start in range(0, len(items), max(self.batch_rows, 1)):
                    batch = items[start : start + max(self.batch_rows, 1)]
                    ids = [(item.entry_id,) for item in batch]
                    try:
                        store.append_many(table, [item.row for item in batch])
                    except StoreUnavailable as error:
                        with self._connect() as connection:
                            connection.executemany(
                                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE entry_id = ?",
                                [(str(error)[:500], entry_id) for (entry_id,) in ids],
                            )
                        return Delivery(sent, failed=True)
                    with self._connect() as connection:
                        connection.executemany("DELETE FROM outbox WHERE entry_id = ?", ids)
                    sent += len(batch)
        finally:
            self._flush_lock.release()
        return Delivery(sent, failed=False)
