"""Storage: one interface (``Store``), three backends (SQLite, Google Sheets, PostgreSQL) and the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import pyarrow as pa

from hcsp_engage.config import Settings
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.security import LimitWindows
from hcsp_engage.storage.base import Store, latest, table_version, table_versions, to_frame
from hcsp_engage.storage.outbox import Outbox
from hcsp_engage.storage.sqlite import SqliteStore

__all__ = [
    "Outbox",
    "Store",
    "SqliteStore",
    "Submitted",
    "latest",
    "limit_windows",
    "open_store",
    "submit",
    "table_version",
    "table_versions",
    "to_frame",
]


class Submitted(Enum):
    STORED = "stored"  # the row is in the store
    QUEUED = "queued"  # the store could not take it now; it waits in the outbox and will be sent


def open_store(settings: Settings) -> Store:
    """The store the configuration asks for."""
    # pandas keeps text in Arrow arrays. Arrow's own default allocator (mimalloc) keeps memory it has
    # freed for reuse by Arrow alone; the C library's allocator hands large blocks back, and reuses the
    # rest for numpy too. With a million reports and responses the server process peaked about 90 MB
    # lower. Set here, where the app opens its store, not as a side effect of importing a module.
    pa.set_memory_pool(pa.system_memory_pool())
    if settings.storage == "gsheets":
        from hcsp_engage.storage.sheets import SheetsStore

        return SheetsStore.from_settings(settings)
    if settings.storage == "postgres":
        from hcsp_engage.storage.postgres import PostgresStore

        return PostgresStore(settings.database_url)
    return SqliteStore(settings.sqlite_path, snapshot_dir=settings.snapshot_dir)


def limit_windows(settings: Settings, limiter: str) -> LimitWindows | None:
    """Where the abuse limiter named ``limiter`` keeps its events: in the database when the store is
    PostgreSQL, so every app server on it enforces one limit; None (this process's memory) otherwise."""
    if settings.storage != "postgres":
        return None
    from hcsp_engage.storage.postgres import PostgresStore, PostgresWindows

    return PostgresWindows(PostgresStore(settings.database_url), limiter)


def submit(store: Store, outbox: Outbox | None, table: str, row: Mapping[str, str]) -> Submitted:
    """Store a row now if possible, otherwise keep it in the outbox. Never loses or doubles it.

    Rows already waiting are sent first, so the outbox drains on ordinary traffic. When sending them
    shows the store is down, the new row joins the queue at once: a resident never waits for two
    timeouts in a row.
    """
    if outbox is not None and len(outbox) and outbox.deliver(store).failed:
        outbox.put(table, row)
        return Submitted.QUEUED
    try:
        store.append(table, row)
    except StoreUnavailable:
        if outbox is None:
            raise
        outbox.put(table, row)
        return Submitted.QUEUED
    return Submitted.STORED
