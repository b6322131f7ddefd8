"""Streamlit caching wrappers: one store, one outbox and briefly cached tables per server process.

The one keying rule of the caches built on these tables (map_cache, hotspot_cache, board_cache): an
entry is keyed on ``storage.table_version`` of the frames it is worked out from (a table's length and
last row: the tables are append-only), never on a hash of the frames. Entries that are cheap to work
out again also expire after ``EDIT_TTL_SECONDS``, so a row edited by hand in a Google Sheet shows.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from hcsp_engage import config, storage
from hcsp_engage.analysis import interventions
from hcsp_engage.errors import StoreUnavailable

# Derived results that are cheap to work out again expire after this long, so a row edited by hand in
# a Google Sheet shows (the tables themselves are kept for the cache_ttl_seconds setting).
EDIT_TTL_SECONDS = 600


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}
    except Exception:  # a malformed secrets.toml is reported by Streamlit itself
        return {}


def settings() -> config.Settings:
    """The configuration, read afresh each run (cheap), so environment changes in tests apply."""
    return config.load_settings(_secrets())


@st.cache_resource(show_spinner=False)
def _store(cache_key: tuple) -> storage.Store:
    current = settings()
    store = storage.open_store(current)
    if current.demo:
        from hcsp_engage import synthetic

        synthetic.fill_demo_store(store)
    return store


@st.cache_resource(show_spinner=False)
def _outbox(path: str) -> storage.Outbox:
    return storage.Outbox(path)


def store_key(current: config.Settings) -> tuple:
    """What identifies the configured store: caches keyed on it follow a change of configuration."""
    return (
        current.storage,
        str(current.sqlite_path),
        current.gsheets_spreadsheet_id,
        current.gsheets_endpoint,
        current.database_url,
        current.demo,
    )


def store() -> storage.Store:
    return _store(store_key(settings()))


def outbox() -> storage.Outbox:
    return _outbox(str(settings().outbox_path))


# A resource, not data: st.cache_data would hand every page run its own pickled copy of every table
# (0.4 s at 100k reports, far more at 1M). Callers get shallow copies instead, which pandas'
# copy-on-write keeps from changing the shared frames. Kept for ``cache_ttl_seconds`` (a setting, 60 s
# unless set: a submission through another server process shows within it, and Google Sheets sees at
# most one read in it from each process, whoever is looking); the age is checked here rather than with
# Streamlit's ttl, which is fixed when the module is imported.
@st.cache_resource(show_spinner="Loading the latest data…", max_entries=4)
def _tables(cache_key: tuple) -> tuple[float, dict[str, pd.DataFrame]]:
    return time.monotonic(), store().read_all()


def tables() -> dict[str, pd.DataFrame]:
    """Every table, cached for up to ``cache_ttl_seconds``. Raises StoreUnavailable when the store
    cannot answer."""
    current = settings()
    key = store_key(current)
    read_at, frames = _tables(key)
    if time.monotonic() - read_at >= current.cache_ttl_seconds:
        _tables.clear(key)
        read_at, frames = _tables(key)
    return {name: frame.copy(deep=False) for name, frame in frames.items()}


@st.cache_resource(show_spinner=False)
def _register_seeded(cache_key: tuple) -> bool:
    if interventions.ensure_seeded(store()):
        forget_tables()
    return True


def seed_register() -> None:
    """Give an empty interventions register its starting data (docs/design.md section 8), once per
    store. Pages that show the register call it before ``tables()``. Raises StoreUnavailable when the
    store cannot answer (and is tried again on the next call)."""
    _register_seeded(store_key(settings()))


def forget_tables() -> None:
    """Drop cached tables after this process wrote, so the writer sees its own change."""
    _tables.clear()


def submit(table: str, row: dict[str, str]) -> storage.Submitted:
    """Store a row (or keep it in the outbox when the store is down) and refresh cached tables."""
    outcome = storage.submit(store(), outbox(), table, row)
    forget_tables()
    return outcome


__all__ = [
    "StoreUnavailable",
    "forget_tables",
    "outbox",
    "seed_register",
    "settings",
    "store",
    "store_key",
    "submit",
    "tables",
]
