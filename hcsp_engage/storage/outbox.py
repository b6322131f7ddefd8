"""A durable local outbox: submissions the store could not take yet, sent on later requests.

A resident's answers are never lost: when Google Sheets is down the row waits here (a SQLite file on
local disk) and is sent again later. Because every append is idempotent on the row's key, sending a
row that did in fact reach the sheet before the failure stores nothing twice.
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
    def __init__(self, path: Path | str):
        self.path = Path(path)
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

    def pending(self) -> list[Pending]:
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT entry_id, target, row_json FROM outbox ORDER BY entry_id"
            ).fetchall()
        return [Pending(entry_id, table, json.loads(row_json)) for entry_id, table, row_json in rows]

    def __len__(self) -> int:
        with self._connect() as connection:
            return connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def flush(self, store: Store, limit: int = 20) -> int:
        """Send up to ``limit`` waiting rows; stop at the first failure. Returns how many were sent."""
        return self.deliver(store, limit).sent

    def deliver(self, store: Store, limit: int = 20) -> Delivery:
        """``flush``, also saying whether it stopped because the store failed.

        Only one thread flushes at a time, so two sessions cannot send the same waiting row at once.
        """
        if not self._flush_lock.acquire(blocking=False):
            return Delivery(0, failed=False)
        sent = 0
        try:
            for item in self.pending()[:limit]:
                try:
                    store.append(item.table, item.row)
                except StoreUnavailable as error:
                    with self._connect() as connection:
                        connection.execute(
                            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE entry_id = ?",
                            (str(error)[:500], item.entry_id),
                        )
                    return Delivery(sent, failed=True)
                with self._connect() as connection:
                    connection.execute("DELETE FROM outbox WHERE entry_id = ?", (item.entry_id,))
                sent += 1
        finally:
            self._flush_lock.release()
        return Delivery(sent, failed=False)
