"""Performance benchmark: ``python -m hcsp_engage.bench`` (results in docs/performance.md).

Generates synthetic reports and responses at each size and times, as the median of ``--repeat`` runs with
the peak memory of one more run under tracemalloc:

- loading every table from SQLite and from Google Sheets (through the local emulator);
- the H3 aggregation against a row-by-row Python loop (the naive way), checked to give the same counts;
- emerging-hotspot detection and the Board's figures (when those modules are present);
- building the community map and the officers' map, with the bytes of HTML each sends to the browser,
  against one folium marker per report (and a MarkerCluster) up to 10,000 reports;
- a full AppTest run of /map, /hotspots and /board with warm caches, and each page's first visit after
  a restart (a new store with the snapshots the last one wrote), on SQLite and on Google Sheets;
- the app's peak resident memory at each size (a fresh process: load, aggregate, build the maps);
- with ``--postgres-url``, the same loads, later reads and 50 residents on PostgreSQL (in a schema of
  its own, dropped afterwards); with ``--postgres-in-pieces``, sizes too large to generate at once
  (10M) filled in pieces, then read whole and aggregated;
- submissions per second on SQLite from 8 writer threads, and Sheets API calls per submission;
- 50 simulated residents submitting at once for ``--load-seconds`` (SQLite, and Sheets with faults
  injected), and 10 browser sessions against a running server: none lost, none doubled;
- how many Sheets reads officers cause, against Google's 60 reads a minute per user.

``--json`` prints one JSON object on stdout and nothing else; otherwise a readable summary.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib
import itertools
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import pandas as pd

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import aggregate, h3_lattice
from hcsp_engage.reference import geography
from hcsp_engage.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000
NAIVE_MAP_LIMIT = 10_000  # one marker per report: slow and huge, so not beyond this
SHEETS_CELL_LIMIT = 10_000_000  # Google Sheets holds at most 10 million cells per spreadsheet
WRITERS = 8
RESIDENTS = 50
BROWSER_SESSIONS = 10
SHEETS_READS_PER_MINUTE = 60  # Google's quota per user (the service account is one user)
TARGETS = {
    "community_map_html_bytes_max": 300_000,
    "community_map_build_seconds_max": 0.5,
    "staff_page_run_seconds_max": 2.0,
    "aggregation_speedup_min": 20.0,
    "memory_at_1m_mb_max": 1024,
}
SEED = 6
# A step of a few milliseconds varies by a tenth or more from one run to the next: such steps run more
# often (at least --repeat times, then on up to QUICK_RUNS runs or QUICK_SECONDS of running).
QUICK_RUNS = 25
QUICK_SECONDS = 0.5
# Rows generated and copied at a time by bench_postgres_in_pieces (about 1.5 GB of frames at 500k).
PIECE_ROWS = 500_000


# --- Measuring -------------------------------------------------------------------------------------


def timed(
    fn: Callable[[], Any], repeat: int, memory: bool = True, more_if_quick: bool = True
) -> dict[str, Any]:
    """Median seconds of at least ``repeat`` runs (quick steps: more, see QUICK_RUNS), each after
    ``gc.collect()``, and the peak traced memory (MB) of one more run."""
    runs: list[float] = []
    while len(runs) < max(1, repeat) or (
        more_if_quick and len(runs) < QUICK_RUNS and sum(runs) < QUICK_SECONDS
    ):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    result: dict[str, Any] = {"seconds": round(statistics.median(runs), 6), "runs": len(runs)}
    if memory:
        gc.collect()
        tracemalloc.start()
        try:
            fn()
            result["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        finally:
            tracemalloc.stop()
    return result


def max_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM: unlike ru_maxrss, not inherited from the parent
    that started this process)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        first = Path("/proc/meminfo").read_text().splitlines()[0]
        memory_gb = round(int(first.split()[1]) / 2**20, 1)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pandas": pd.__version__,
        "h3": h3.__version__,
    }


def optional(module: str) -> Any | None:
    """A project module still being written by someone else, or None while it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# --- Data ------------------------------------------------------------------------------------------


def dataset(n: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """``n`` reports and ``n`` survey responses, their status changes and the interventions register."""
    return synthetic.frames(n, n, seed)


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    return frame.astype(str).values.tolist()


def fill_sqlite(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """A SQLite store holding ``tables``, written in bulk (one transaction per table)."""
    from hcsp_engage.storage import SqliteStore

    store = SqliteStore(path)
    try:
        for table, frame in tables.items():
            columns = list(frame.columns)
            store.append_many(table, (dict(zip(columns, row, strict=True)) for row in _rows(frame)))
    finally:
        store.close()


def sheets_cells(tables: Mapping[str, pd.DataFrame]) -> int:
    return sum((len(frame) + 1) * len(frame.columns) for frame in tables.values())


def preload_emulator(emulator: Any, spreadsheet_id: str, tables: Mapping[str, pd.DataFrame]) -> None:
    """Put ``tables`` straight into the emulator's grid (as a million append calls would, only faster)."""
    emulator.create_spreadsheet(spreadsheet_id, sheets={table: [] for table in schema.TABLES})
    with emulator._lock:
        spreadsheet = emulator._spreadsheets[spreadsheet_id]
        for table in schema.TABLES:
            sheet = spreadsheet.sheet_titled(table)
            frame = tables.get(table)
            body = _rows(frame) if frame is not None else []
            sheet.grid = [list(schema.COLUMNS[table]), *body]
            sheet.row_count = max(sheet.row_count, len(sheet.grid))
            sheet.column_count = max(sheet.column_count, len(schema.COLUMNS[table]))


# --- Naive baselines -------------------------------------------------------------------------------


def naive_h3_counts(
    rows: Iterable[Mapping[str, str]], lat_col: str = "lat", lon_col: str = "lon", resolution: int = 8
) -> dict[str, int]:
    """Reports per H3 cell the obvious way: one row at a time, one H3 call per row."""
    counts: dict[str, int] = {}
    for row in rows:
        try:
            lat = float(row[lat_col])
            lon = float(row[lon_col])
        except (TypeError, ValueError):
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        cell = h3.latlng_to_cell(lat, lon, resolution)
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def naive_iterrows_h3_counts(
    frame: pd.DataFrame, lat_col: str = "lat", lon_col: str = "lon"
) -> dict[str, int]:
    """The same loop written over ``DataFrame.iterrows`` (a common first attempt with pandas)."""
    counts: dict[str, int] = {}
    for _, row in frame.iterrows():
        try:
            lat, lon = float(row[lat_col]), float(row[lon_col])
        except (TypeError, ValueError):
            continue
        cell = h3.latlng_to_cell(lat, lon, 8)
        counts[cell] = counts.get(cell, 0) + 1
    return counts


def naive_marker_map(points: pd.DataFrame, cluster: bool) -> str:
    """One folium marker per report (optionally inside a MarkerCluster), rendered to HTML."""
    import folium
    from folium.plugins import MarkerCluster

    view = geography.COUNTY_VIEW
    fmap = folium.Map(location=(view.lat, view.lon), zoom_start=view.zoom, tiles=None)
    parent: Any = MarkerCluster().add_to(fmap) if cluster else fmap
    for lat, lon in zip(points["lat"], points["lon"], strict=True):
        folium.Marker((lat, lon)).add_to(parent)
    return fmap.get_root().render()


# --- One size --------------------------------------------------------------------------------------


def read_sqlite(path: Path) -> dict[str, pd.DataFrame]:
    from hcsp_engage.storage import SqliteStore

    store = SqliteStore(path)
    try:
        return store.read_all()
    finally:
        store.close()


def bench_sqlite_load(path: Path, repeat: int) -> dict:
    """A whole read (what a new server process does first), and later reads (the app's once a minute),
    which fetch only the rows added since: 50 new survey responses before each, on a copy of the file."""
    from hcsp_engage.storage import SqliteStore

    def whole() -> None:
        store = SqliteStore(path)
        try:
            store.read_all()
        finally:
            store.close()

    result = timed(whole, repeat)
    result["after_restart"] = _sqlite_restart(path, repeat)
    copy = path.with_name(f"{path.stem}-later-reads{path.suffix}")
    shutil.copyfile(path, copy)
    store = SqliteStore(copy)
    try:
        store.read_all()
        batches = iter(range(1, 1_000))

        def later() -> None:
            store.append_many(schema.SURVEY_RESPONSES, fresh_rows(50, seed=SEED + next(batches)))
            store.read_all()

        result["new_rows_only"] = timed(later, repeat, memory=False)
    finally:
        store.close()
        copy.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            copy.with_name(copy.name + suffix).unlink(missing_ok=True)
    return result


@contextlib.contextmanager
def postgres_schema(url: str):
    """A URL for a new schema of its own in the database at ``url``, first on the search path, dropped
    afterwards: the benchmark's tables never meet anyone else's."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"hcsp_bench_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    options = f"{conninfo_to_dict(url).get('options', '')} -c search_path={name}".strip()
    try:
        yield make_conninfo(url, options=options)
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


_schemas = itertools.count(1)


def generous_postgres_timeouts() -> Any:
    """Timeouts for the benchmark's own PostgreSQL work (filling, and reads timed for how long they take):
    on a loaded machine a read of a million rows can outlast the app's 15 s statement timeout."""
    from hcsp_engage.storage.postgres import Timeouts

    return Timeouts(statement_ms=3_600_000, lock_ms=600_000, idle_in_transaction_ms=3_600_000)


def bench_postgres_load(tables: Mapping[str, pd.DataFrame], repeat: int, url: str) -> dict:
    """As ``bench_sqlite_load``, on PostgreSQL: filling the tables, a whole read by a new store, and
    later reads of only the rows added since (50 new survey responses before each)."""
    from hcsp_engage.storage.postgres import PostgresStore

    with postgres_schema(url) as scoped:
        store = PostgresStore(scoped, timeouts=generous_postgres_timeouts())
        start = time.perf_counter()
        for table, frame in tables.items():
            copy_rows(store, table, frame)
        fill_seconds = round(time.perf_counter() - start, 3)
        result: dict[str, Any] = {"fill_seconds": fill_seconds, "filled_by": "COPY"}
        result.update(postgres_whole_read(scoped, repeat))
        store.read_all()
        batches = iter(range(1, 1_000))

        def later() -> None:
            store.append_many(schema.SURVEY_RESPONSES, fresh_rows(50, seed=SEED + next(batches)))
            store.read_all()

        result["new_rows_only"] = timed(later, repeat, memory=False)
        store.close()
    return result


def postgres_whole_read(url: str, repeat: int, app_timeouts: Any = None) -> dict:
    """A whole read of every table by a new store (what a new server process does first): once with the
    app's own timeouts (``app_timeouts_held``), then ``timed`` with generous ones, so the figures are
    the time the work takes."""
    held = app_timeouts_held(url, app_timeouts)
    generous = generous_postgres_timeouts()
    return {"with_app_timeouts": held, **timed(lambda: read_postgres(url, generous), repeat)}


def app_timeouts_held(url: str, app_timeouts: Any = None) -> str:
    """Whether a whole read by a new store with the app's own timeouts (default ``Timeouts()``) held, and
    how long it took. Only this one read has them: a timed run with the app's timeouts that held once
    can give up the next (a 1M read near 15 s on a loaded machine, or slower under tracemalloc), and
    that lost the whole step's figures."""
    from hcsp_engage.errors import StoreUnavailable
    from hcsp_engage.storage.postgres import Timeouts

    start = time.perf_counter()
    try:
        read_postgres(url, app_timeouts or Timeouts())
    except StoreUnavailable as problem:
        return f"gave up after {time.perf_counter() - start:.2f} s: {str(problem)[:160]}"
    return f"held: {time.perf_counter() - start:.2f} s"


def read_postgres(url: str, timeouts: Any) -> dict[str, pd.DataFrame]:
    """Every table, read by a new store (as a new server process does first)."""
    from hcsp_engage.storage.postgres import PostgresStore

    store = PostgresStore(url, timeouts=timeouts)
    try:
        return store.read_all()
    finally:
        store.close()


def copy_rows(store: Any, table: str, frame: pd.DataFrame) -> int:
    """Rows into a PostgreSQL table (made by ``store`` if it is not there yet), as CSV by ``COPY`` into a
    temporary table and from there with ``ON CONFLICT DO NOTHING``, as the app's appends: a row whose
    key is already stored is skipped (pieces generated with different seeds can repeat a reference).
    Returns how many rows were new. The benchmark's set-up only: the app's own appends (about 700 rows
    a second under load, an hour at 1M) are measured by the residents' load."""
    from psycopg import sql

    columns = list(schema.COLUMNS[table])
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    piece = sql.Identifier(f"{table}_piece")
    # Every value quoted: an unquoted empty CSV field would be NULL, and the columns are NOT NULL.
    text = frame[columns].astype(str).to_csv(header=False, index=False, quoting=csv.QUOTE_ALL)

    def copy(connection: Any) -> int:
        with connection.transaction():
            connection.execute(
                sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                    piece, names, sql.Identifier(table)
                )
            )
            with (
                connection.cursor() as cursor,
                cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(piece)) as stream,
            ):
                stream.write(text)
            return connection.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
                    sql.Identifier(table), names, names, piece
                )
            ).rowcount

    return store._run(copy)


def bench_postgres_in_pieces(n: int, url: str, piece: int = PIECE_ROWS) -> dict:
    """``n`` reports and ``n`` responses on PostgreSQL without ever holding them all in memory: generated
    (``synthetic.frames``, a seed of its own for each piece) and copied ``piece`` at a time; then a
    whole read by a new store (whether the app's own timeouts held, then once with generous ones), the
    app's aggregation and public layers on what was read, and this process's peak memory."""
    from hcsp_engage.storage.postgres import PostgresStore

    result: dict[str, Any] = {"reports": n, "responses": n, "piece_rows": piece}
    stored: Counter[str] = Counter()
    generate_seconds = 0.0
    with postgres_schema(url) as scoped:
        store = PostgresStore(scoped, timeouts=generous_postgres_timeouts())
        start = time.perf_counter()
        for index, first in enumerate(range(0, n, piece)):
            began = time.perf_counter()
            tables = synthetic.frames(min(piece, n - first), min(piece, n - first), SEED + index)
            generate_seconds += time.perf_counter() - began
            for table, frame in tables.items():
                stored[table] += copy_rows(store, table, frame)
            del tables
        store.close()
        result["fill_seconds"] = round(time.perf_counter() - start, 3)
        result["generate_seconds"] = round(generate_seconds, 3)
        # A reference drawn again by a later piece is stored once (31^8 references: about 60 of 10M).
        result["stored"] = dict(stored)
        result["rss_before_read_mb"] = max_rss_mb()
        result["with_app_timeouts"] = app_timeouts_held(scoped)
        start = time.perf_counter()
        tables = read_postgres(scoped, generous_postgres_timeouts())
        result["read_seconds"] = round(time.perf_counter() - start, 3)
    result["read_rows"] = {table: len(frame) for table, frame in tables.items()}
    result["read_memory_mb"] = round(sum(f.memory_usage(deep=True).sum() for f in tables.values()) / 2**20, 1)
    result["aggregate"] = app_aggregation(tables, 1, memory=False)
    result["max_rss_mb"] = max_rss_mb()
    return result


def _sqlite_restart(path: Path, repeat: int) -> dict:
    """Every table read by a new store (a restarted server) from the snapshots the last one wrote."""
    from hcsp_engage.storage import SqliteStore

    folder = path.with_name(f"{path.stem}-load-snapshots")
    first = SqliteStore(path, snapshot_dir=folder)
    try:
        first.read_all()
        first.snapshots.wait(timeout=600)
    finally:
        first.close()

    def restarted() -> None:
        store = SqliteStore(path, snapshot_dir=folder)
        try:
            store.read_all()
        finally:
            store.close()

    try:
        result = timed(restarted, repeat, memory=False)
        result["snapshot_mb"] = round(sum(file.stat().st_size for file in folder.iterdir()) / 2**20, 1)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sheets_restart(emulator: Any, folder: Path, repeat: int) -> dict:
    """Every sheet read by a new store (a restarted server) from the snapshots the last one wrote: the
    set-up calls every new store makes, then one call for the rows added since (none here)."""
    from hcsp_engage.storage.sheets import SheetsStore

    snapshots = folder / "sheets-load-snapshots"
    first = SheetsStore(
        "bench", endpoint=emulator.url, cache_seconds=0, policy=generous_policy(), snapshot_dir=snapshots
    )
    try:
        first.read_all()
        first.snapshots.wait(timeout=600)
    finally:
        first.close()
    before = len(emulator.requests)

    def restarted() -> None:
        store = SheetsStore("bench", endpoint=emulator.url, cache_seconds=0, snapshot_dir=snapshots)
        try:
            store.read_all()
        finally:
            store.close()

    try:
        result = timed(restarted, repeat, memory=False)
        result["api_calls_per_read"] = round((len(emulator.requests) - before) / result["runs"], 2)
        return result
    finally:
        shutil.rmtree(snapshots, ignore_errors=True)


def bench_sheets_load(tables: Mapping[str, pd.DataFrame], repeat: int, sheets_max: int, folder: Path) -> dict:
    """Every table read through SheetsStore from the emulator; with the app's own timeouts first, then
    (if those give up) with generous ones, to say how long the read takes."""
    cells = sheets_cells(tables)
    n = len(tables[schema.ASB_REPORTS])
    if cells > SHEETS_CELL_LIMIT:
        return {"skipped": f"{cells:,} cells: over Google Sheets' limit of 10 million per spreadsheet"}
    if n > sheets_max:
        return {"skipped": f"over --sheets-max {sheets_max}"}
    from hcsp_engage.errors import StoreUnavailable
    from hcsp_engage.storage.sheets import RetryPolicy, SheetsStore
    from hcsp_engage.testing.sheets_emulator import SheetsEmulator

    result: dict[str, Any] = {"cells": cells}
    with SheetsEmulator() as emulator:
        preload_emulator(emulator, "bench", tables)
        # A read of everything (start-up, and every few minutes), then what most reads are: the new
        # rows only (the store remembers how far it has read; every write is an append).
        for policy in (RetryPolicy(), RetryPolicy(read_timeout=300, budget_seconds=600)):
            sheet_store = SheetsStore(
                "bench", endpoint=emulator.url, cache_seconds=0, policy=policy, full_read_seconds=0
            )
            try:
                before = len(emulator.requests)
                sheet_store.read_all()  # the first read also checks the worksheets
                result["api_calls_first_read"] = len(emulator.requests) - before
                before = len(emulator.requests)
                result.update(timed(sheet_store.read_all, repeat, memory=repeat <= 3))
                runs = result["runs"] + (1 if "peak_mb" in result else 0)
                result["api_calls_per_read"] = round((len(emulator.requests) - before) / runs, 2)
                break
            except StoreUnavailable as problem:
                result["with_app_timeouts"] = f"gave up: {str(problem)[:160]}"
            finally:
                sheet_store.close()
        result["after_restart"] = _guarded(lambda: _sheets_restart(emulator, folder, repeat))
        sheet_store = SheetsStore("bench", endpoint=emulator.url, cache_seconds=0)
        try:
            sheet_store.read_all()
            before = len(emulator.requests)
            result["new_rows_only"] = timed(sheet_store.read_all, repeat, memory=False)
            result["new_rows_only"]["api_calls_per_read"] = round(
                (len(emulator.requests) - before) / result["new_rows_only"]["runs"], 2
            )
        except StoreUnavailable as problem:
            result["new_rows_only"] = {"error": str(problem)[:160]}
        finally:
            sheet_store.close()
    return result


def bench_aggregation(tables: Mapping[str, pd.DataFrame], repeat: int) -> dict:
    reports = tables[schema.ASB_REPORTS]
    rows = reports.to_dict("records")
    out = app_aggregation(tables, repeat)
    naive = timed(lambda: naive_h3_counts(rows), repeat, memory=False)
    counts = aggregate.h3_counts(reports, "lat", "lon", 8)
    same = dict(zip(counts["cell"], counts["count"].astype(int), strict=True)) == naive_h3_counts(rows)
    out |= {
        "naive_loop": naive,
        "speedup": round(naive["seconds"] / max(out["fast"]["seconds"], 1e-9), 1),
        "cells": len(counts),
        "distinct_points": int(reports.loc[reports["lat"] != "", ["lat", "lon"]].drop_duplicates().shape[0]),
        "same_counts": same,
    }
    if len(reports) <= 100_000:
        iterrows = timed(lambda: naive_iterrows_h3_counts(reports), 1, memory=False)
        out["naive_iterrows"] = iterrows
        out["speedup_vs_iterrows"] = round(iterrows["seconds"] / max(out["fast"]["seconds"], 1e-9), 1)
    return out


def app_aggregation(tables: Mapping[str, pd.DataFrame], repeat: int, memory: bool = True) -> dict:
    """The app's own work on the tables: the H3 aggregation of the reports (its first run, with the
    cell names not yet known, then ``timed``) and the public map's layers."""
    reports = tables[schema.ASB_REPORTS]
    today = synthetic.DEFAULT_END.date()
    h3_lattice.forget_names()
    return {
        "fast_first_run": timed(
            lambda: aggregate.h3_counts(reports, "lat", "lon", 8), 1, memory=False, more_if_quick=False
        ),
        "fast": timed(lambda: aggregate.h3_counts(reports, "lat", "lon", 8), repeat, memory=memory),
        "public_layers": timed(
            lambda: aggregate.public_layers(dict(tables), k=10, today=today), repeat, memory=memory
        ),
    }


def bench_hotspots(tables: Mapping[str, pd.DataFrame], repeat: int) -> dict:
    """The officers' hotspot work: parsing reports once, the ranked table, emerging hotspots."""
    hotspots = optional("hcsp_engage.analysis.hotspots")
    if hotspots is None:
        return {"skipped": "hcsp_engage.analysis.hotspots is not there yet"}
    reports = tables[schema.ASB_REPORTS]
    end = synthetic.DEFAULT_END.date()
    filters = hotspots.Filters(start=end - timedelta(days=90), end=end)
    parsed = hotspots.parse_reports(reports)
    return {
        "parse_reports": timed(lambda: hotspots.parse_reports(reports), repeat),
        "with_status": timed(lambda: hotspots.with_status(parsed, tables[schema.REPORT_STATUS]), repeat),
        "hotspot_table": timed(lambda: hotspots.hotspot_table(parsed, filters), repeat),
        "emerging_hotspots": timed(lambda: hotspots.emerging_hotspots(parsed, filters), repeat),
        "period_days": filters.days,
    }


def board_summary(tables: Mapping[str, pd.DataFrame]) -> Any:
    """Every Board figure for the financial year of the data's last day (prepare, then summarise)."""
    from hcsp_engage.analysis import board

    data = board.prepare(dict(tables))
    period = board.financial_year(board.financial_year_of(synthetic.DEFAULT_END.date()))
    return board.summarise(data, period)


def bench_board(tables: Mapping[str, pd.DataFrame], repeat: int) -> dict:
    board = optional("hcsp_engage.analysis.board")
    if board is None:
        return {"skipped": "hcsp_engage.analysis.board is not there yet"}
    data = board.prepare(dict(tables))
    period = board.financial_year(board.financial_year_of(synthetic.DEFAULT_END.date()))
    return {
        "prepare": timed(lambda: board.prepare(dict(tables)), repeat),
        "summarise": _guarded(lambda: timed(lambda: board.summarise(data, period), repeat)),
        "period": period.label if hasattr(period, "label") else str(period),
    }


def community_map_html(tables: Mapping[str, pd.DataFrame], today: date) -> str:
    """What /map sends for the whole county: both suppressed hexagon layers and the interventions."""
    from hcsp_engage.analysis import interventions
    from hcsp_engage.render import maps

    layers = aggregate.public_layers(dict(tables), k=10, today=today)
    register = interventions.current(tables[schema.INTERVENTIONS])
    fmap = maps.community_map(
        None,
        {"ASB concerns": (layers["concerns"], "concerns"), "Unsafe": (layers["unsafe"], "unsafe")},
        register,
    )
    return maps.to_html(fmap)


def officer_map_html(tables: Mapping[str, pd.DataFrame]) -> str | None:
    """What /hotspots sends for the default period (the last 90 days): points, heat, cells, register."""
    officer_map = optional("hcsp_engage.render.officer_map")
    hotspots = optional("hcsp_engage.analysis.hotspots")
    if officer_map is None or hotspots is None:
        return None
    from hcsp_engage.analysis import interventions

    end = synthetic.DEFAULT_END.date()
    filters = hotspots.Filters(start=end - timedelta(days=90), end=end)
    chosen = hotspots.select(hotspots.parse_reports(tables[schema.ASB_REPORTS]), filters)
    fmap, _ = officer_map.officer_map(chosen, interventions.current(tables[schema.INTERVENTIONS]))
    return fmap.get_root().render()


def bench_maps(tables: Mapping[str, pd.DataFrame], repeat: int) -> dict:
    today = synthetic.DEFAULT_END.date()
    out: dict[str, Any] = {}
    layers = aggregate.public_layers(dict(tables), k=10, today=today)
    _community_from_layers(tables, layers)  # folium compiles its templates on first use
    out["community"] = {
        # From the cached layers (as /map does on a warm cache) and from the raw tables.
        "build_from_layers": timed(lambda: _community_from_layers(tables, layers), repeat),
        "build_from_tables": timed(lambda: community_map_html(tables, today), repeat, memory=False),
        "html_bytes": len(_community_from_layers(tables, layers).encode()),
        "hexagons": int(len(layers["concerns"]) + len(layers["unsafe"])),
    }
    try:
        html = officer_map_html(tables)
        if html is None:
            out["officer"] = {"skipped": "hcsp_engage.render.officer_map is not there yet"}
        else:
            out["officer"] = {
                "build": timed(lambda: officer_map_html(tables), repeat),
                "html_bytes": len(html),
            }
    except (LookupError, TypeError) as problem:
        out["officer"] = {"skipped": str(problem)}
    n = len(tables[schema.ASB_REPORTS])
    if n <= NAIVE_MAP_LIMIT:
        points = aggregate.public_report_points(tables[schema.ASB_REPORTS], today)
        for label, cluster in (("naive_markers", False), ("naive_cluster", True)):
            html = naive_marker_map(points, cluster)
            out[label] = {
                **timed(lambda cluster=cluster: naive_marker_map(points, cluster), 1, memory=False),
                "html_bytes": len(html.encode()),
                "markers": len(points),
            }
    else:
        out["naive_markers"] = {
            "skipped": f"one marker per report is only measured up to {NAIVE_MAP_LIMIT:,}"
        }
    return out


def _community_from_layers(tables: Mapping[str, pd.DataFrame], layers: Mapping[str, pd.DataFrame]) -> str:
    from hcsp_engage.analysis import interventions
    from hcsp_engage.render import maps

    fmap = maps.community_map(
        None,
        {"ASB concerns": (layers["concerns"], "concerns"), "Unsafe": (layers["unsafe"], "unsafe")},
        interventions.current(tables[schema.INTERVENTIONS]),
    )
    return maps.to_html(fmap)


# --- AppTest runs ----------------------------------------------------------------------------------

STAFF_PAGES = {
    "/map": ("map.py", None),
    "/hotspots": ("hotspots.py", "officer"),
    "/board": ("board.py", "board"),
}


@contextlib.contextmanager
def environment(values: Mapping[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def app_test(page_file: str, role: str | None, timeout: float = 300, page_seconds: list[float] | None = None):
    """An AppTest session that opened the home page, then ``page_file`` (the first visit fills the
    caches); the seconds the page's own run took are appended to ``page_seconds``."""
    from streamlit.testing.v1 import AppTest

    from hcsp_engage.web import auth

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if role:
        at.session_state[auth.ROLE_KEY] = role
        at.session_state[auth.NAME_KEY] = "Benchmark"
        at.session_state[auth.SEEN_KEY] = time.time()
    at.run()  # the home page reads no table
    start = time.perf_counter()
    at.switch_page(f"views/{page_file}").run()
    if page_seconds is not None:
        page_seconds.append(time.perf_counter() - start)
    return at


def bench_pages(store_path: Path, repeat: int) -> dict:
    """Each page on the SQLite store: see ``_pages``."""
    env = {
        "HCSP_STORAGE": "sqlite",
        "HCSP_SQLITE_PATH": str(store_path),
        "HCSP_OUTBOX_PATH": str(store_path.with_suffix(".outbox")),
        "HCSP_SNAPSHOT_DIR": str(store_path.with_name(f"{store_path.stem}-snapshots")),
        "HCSP_DEMO": "0",
    }

    def add_rows(rows: list[dict[str, str]]) -> None:
        from hcsp_engage.storage import SqliteStore

        writer = SqliteStore(store_path)
        try:
            writer.append_many(schema.SURVEY_RESPONSES, rows)
        finally:
            writer.close()

    try:
        return _pages(env, repeat, add_rows)
    finally:
        shutil.rmtree(env["HCSP_SNAPSHOT_DIR"], ignore_errors=True)


def bench_pages_sheets(
    tables: Mapping[str, pd.DataFrame], folder: Path, repeat: int, sheets_max: int
) -> dict:
    """Each page on Google Sheets (the local emulator, with the app's own timeouts): see ``_pages``."""
    n = len(tables[schema.ASB_REPORTS])
    cells = sheets_cells(tables)
    if cells > SHEETS_CELL_LIMIT:
        return {"skipped": f"{cells:,} cells: over Google Sheets' limit of 10 million per spreadsheet"}
    if n > sheets_max:
        return {"skipped": f"over --sheets-max {sheets_max}"}
    from hcsp_engage.storage.sheets import SheetsStore
    from hcsp_engage.testing.sheets_emulator import SheetsEmulator

    snapshots = folder / f"sheets-{n}-snapshots"
    with SheetsEmulator() as emulator:
        preload_emulator(emulator, "bench-pages", tables)
        env = {
            "HCSP_STORAGE": "gsheets",
            "HCSP_GSHEETS_ENDPOINT": emulator.url,
            "HCSP_GSHEETS_SPREADSHEET_ID": "bench-pages",
            "HCSP_OUTBOX_PATH": str(folder / f"sheets-{n}.outbox"),
            "HCSP_SNAPSHOT_DIR": str(snapshots),
            "HCSP_DEMO": "0",
        }
        writer = SheetsStore("bench-pages", endpoint=emulator.url, cache_seconds=0, policy=generous_policy())
        try:
            with generous_sheets_timeouts():
                return _pages(
                    env,
                    repeat,
                    lambda rows: writer.append_many(schema.SURVEY_RESPONSES, rows),
                    api_calls=lambda: len(emulator.requests),
                )
        finally:
            writer.close()
            shutil.rmtree(snapshots, ignore_errors=True)


def generous_policy() -> Any:
    """Timeouts that let a read of 100,000 rows finish on a loaded machine: the pages' figures are then
    the time the work takes, not the app giving up after 15 s (docs/performance.md says which ran so)."""
    from hcsp_engage.storage.sheets import RetryPolicy

    return RetryPolicy(read_timeout=300, budget_seconds=600)


@contextlib.contextmanager
def generous_sheets_timeouts():
    """The app's Sheets stores, opened from the configuration, with ``generous_policy`` timeouts."""
    from hcsp_engage.storage.sheets import SheetsStore

    original = SheetsStore.__dict__["from_settings"]

    def opened(cls: type, settings: Any) -> Any:
        store = original.__func__(cls, settings)
        store.policy = generous_policy()
        return store

    SheetsStore.from_settings = classmethod(opened)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        SheetsStore.from_settings = original  # type: ignore[method-assign]


def _wait_for_snapshots() -> None:
    """Until the app's store has written the snapshots it was asked for (a server that stops right after
    a read may leave the one before: the restart then reads a little more)."""
    from hcsp_engage.web import cached

    snapshots = getattr(cached.store(), "snapshots", None)
    if snapshots is not None:
        snapshots.wait(timeout=600)


def _pages(
    env: Mapping[str, str],
    repeat: int,
    add_rows: Callable[[list[dict[str, str]]], Any],
    api_calls: Callable[[], int] | None = None,
) -> dict:
    """One AppTest session per page: its first visit ("cold": the pages before it in this process may
    have filled the tables' cache), then timed reruns with the caches filled ("warm"). Then for each
    page a restart: every Streamlit cache dropped, so a new store is opened as in a new server process,
    with the snapshots the store before wrote and 50 survey responses submitted since (now); that page is visited
    first ("after a restart": its own run, timed as the warm reruns are; the home page before it reads
    no table). Modules stay imported, as they are once a server has run its first page. ``api_calls``
    counts the Sheets API requests so far: how many the restarted visit made is kept."""
    import streamlit as st

    out: dict[str, Any] = {}
    batches = iter(range(1, 1_000))
    with environment(env):
        st.cache_data.clear()
        st.cache_resource.clear()
        for url, (page_file, role) in STAFF_PAGES.items():
            try:
                start = time.perf_counter()
                at = app_test(page_file, role)
                cold = time.perf_counter() - start
                placeholder = any("Coming soon" in title.value for title in at.title)
                result = timed(at.run, repeat, memory=False)
                result["cold_seconds"] = round(cold, 3)
                result["exceptions"] = [e.value for e in at.exception][:3]
                result["errors"] = [e.value for e in at.error][:3]  # e.g. "could not load the data"
                if placeholder:
                    result["note"] = "page is still a placeholder"
                out[url] = result
            except Exception as problem:  # one page failing must not lose the rest of the run
                out[url] = {"error": f"{type(problem).__name__}: {problem}"}
        for url, (page_file, role) in STAFF_PAGES.items():
            if "error" in out[url]:
                continue
            try:
                restarts, calls = [], []
                for _ in range(max(1, repeat)):  # one restart is one sample; a loaded machine moves it
                    _wait_for_snapshots()
                    add_rows(new_submissions(50, seed=SEED + 500 + next(batches)))
                    st.cache_data.clear()
                    st.cache_resource.clear()
                    gc.collect()
                    before = api_calls() if api_calls else 0
                    # Timed: the page's run alone, as when a visitor opens its address first.
                    at = app_test(page_file, role, page_seconds=restarts)
                    calls.append(api_calls() - before if api_calls else 0)
                    out[url]["restart_exceptions"] = [e.value for e in at.exception][:3]
                    out[url]["restart_errors"] = [e.value for e in at.error][:3]
                restart = statistics.median(restarts)
                if api_calls:
                    out[url]["restart_api_calls"] = max(calls)
                out[url]["restart_seconds"] = round(restart, 3)
                out[url]["restart_runs"] = len(restarts)
                out[url]["restart_ratio"] = round(restart / out[url]["seconds"], 2)
            except Exception as problem:
                out[url]["restart_error"] = f"{type(problem).__name__}: {problem}"
        _wait_for_snapshots()
        st.cache_data.clear()
        st.cache_resource.clear()
    return out


# --- App memory in a fresh process -----------------------------------------------------------------


def app_memory(store_path: Path) -> dict:
    """What one server process holds to serve the staff and public pages: run in a fresh process."""
    command = [sys.executable, "-m", "hcsp_engage.bench", "--app-memory-of", str(store_path)]
    done = subprocess.run(  # noqa: S603 - this interpreter, this module
        command, capture_output=True, text=True, cwd=ROOT, timeout=1800
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout)


def _app_memory_child(store_path: Path) -> dict:
    from hcsp_engage.storage import SqliteStore

    baseline = max_rss_mb()
    store = SqliteStore(store_path)
    tables = store.read_all()
    after_load = max_rss_mb()
    today = synthetic.DEFAULT_END.date()
    html = community_map_html(tables, today)
    hotspots = optional("hcsp_engage.analysis.hotspots")
    if hotspots is not None:
        end = synthetic.DEFAULT_END.date()
        filters = hotspots.Filters(start=end - timedelta(days=90), end=end)
        parsed = hotspots.with_status(
            hotspots.parse_reports(tables[schema.ASB_REPORTS]), tables[schema.REPORT_STATUS]
        )
        hotspots.hotspot_table(parsed, filters)
        hotspots.emerging_hotspots(parsed, filters)
    if optional("hcsp_engage.analysis.board") is not None:
        with contextlib.suppress(Exception):  # its timing step reports any failure
            board_summary(tables)
    with contextlib.suppress(Exception):
        officer_map_html(tables)
    return {
        "imports_mb": baseline,
        "after_load_mb": after_load,
        "peak_rss_mb": max_rss_mb(),
        "community_html_bytes": len(html),
    }


# --- Submissions -----------------------------------------------------------------------------------


def fresh_rows(n: int, seed: int) -> list[dict[str, str]]:
    """``n`` survey responses with distinct references."""
    return synthetic.survey_rows(n, seed=seed)


def new_submissions(n: int, seed: int) -> list[dict[str, str]]:
    """``n`` survey responses as residents would send them now: submitted this second (synthetic rows
    are spread over past months, which the public map has already published)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [{**row, "submitted_at": now} for row in fresh_rows(n, seed)]


def bench_sqlite_writers(folder: Path, per_writer: int = 250) -> dict:
    from hcsp_engage.storage import Outbox, SqliteStore, submit

    store = SqliteStore(folder / "writers.sqlite3")
    outbox = Outbox(folder / "writers.outbox")
    rows = fresh_rows(WRITERS * per_writer, seed=61)
    chunks = [rows[i::WRITERS] for i in range(WRITERS)]
    latencies: list[float] = []
    lock = threading.Lock()

    def writer(chunk: list[dict[str, str]]) -> None:
        mine = []
        for row in chunk:
            start = time.perf_counter()
            submit(store, outbox, schema.SURVEY_RESPONSES, row)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=writer, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    stored = len(store.read(schema.SURVEY_RESPONSES))
    store.close()
    return {
        "writers": WRITERS,
        "submissions": len(rows),
        "stored": stored,
        "per_second": round(len(rows) / elapsed, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
    }


def bench_sheets_calls(folder: Path, submissions: int = 20) -> dict:
    from hcsp_engage.storage import Outbox, submit
    from hcsp_engage.storage.sheets import SheetsStore
    from hcsp_engage.testing.sheets_emulator import SheetsEmulator

    rows = fresh_rows(submissions + 1, seed=62)
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("calls")
        store = SheetsStore("calls", endpoint=emulator.url)
        outbox = Outbox(folder / "calls.outbox")
        submit(store, outbox, schema.SURVEY_RESPONSES, rows[0])
        first = len(emulator.requests)
        for row in rows[1:]:
            submit(store, outbox, schema.SURVEY_RESPONSES, row)
        steady = (len(emulator.requests) - first) / submissions
        store.close()
        return {
            "first_submission_calls": first,
            "calls_per_submission": round(steady, 2),
            "requests": sorted(
                {f"{method} {path.split('/values', 1)[-1][:40]}" for method, path in emulator.requests}
            ),
        }


# --- Under load ------------------------------------------------------------------------------------


def run_residents(
    store: Any,
    outbox: Any,
    seconds: float,
    residents: int = RESIDENTS,
    faults: Callable[[], None] | None = None,
) -> dict:
    """``residents`` threads submitting survey responses through ``storage.submit`` for ``seconds``."""
    from hcsp_engage.storage import Submitted, submit

    pool = fresh_rows(500, seed=63)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    sent: list[str] = []
    latencies: list[float] = []
    outcomes = {"stored": 0, "queued": 0, "errors": 0}
    counter = itertools.count()
    errors: Counter[str] = Counter()

    def resident() -> None:
        mine, times, tally = [], [], {"stored": 0, "queued": 0, "errors": 0}
        row = None
        while time.monotonic() < deadline:
            if row is None:
                number = next(counter)
                row = dict(pool[number % len(pool)], response_id=f"S-LOAD{number:07d}")
            start = time.perf_counter()
            try:
                outcome = submit(store, outbox, schema.SURVEY_RESPONSES, row)
            except Exception as problem:  # the resident sees an error and presses Submit again
                tally["errors"] += 1
                with lock:
                    errors[f"{type(problem).__name__}: {str(problem)[:120]}"] += 1
                time.sleep(0.1)
                continue
            times.append(time.perf_counter() - start)
            mine.append(row["response_id"])
            tally["stored" if outcome is Submitted.STORED else "queued"] += 1
            row = None
        with lock:
            sent.extend(mine)
            latencies.extend(times)
            for key, value in tally.items():
                outcomes[key] += value

    stop = threading.Event()
    injector = None
    if faults is not None:

        def inject() -> None:
            while not stop.wait(1.0):
                faults()

        injector = threading.Thread(target=inject, daemon=True)
        injector.start()
    threads = [threading.Thread(target=resident) for _ in range(residents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    if injector is not None:
        injector.join()
    return {"sent": sent, "latencies": latencies, "outcomes": outcomes, "errors": errors.most_common(3)}


def _summary(run: dict, stored_ids: list[str], seconds: float, drained: int, waiting: set[str]) -> dict:
    """Lost: submitted (stored or queued) but neither in the store nor still waiting in the outbox."""
    sent = set(run["sent"])
    counted: dict[str, int] = {}
    for key in stored_ids:
        counted[key] = counted.get(key, 0) + 1
    latencies = run["latencies"]
    return {
        "residents": RESIDENTS,
        "seconds": seconds,
        "submitted": len(run["sent"]),
        **run["outcomes"],
        "delivered_from_outbox_after": drained,
        "lost": len(sent - set(counted) - waiting),
        "doubled": sum(1 for key, times in counted.items() if times > 1),
        "unexpected": len(set(counted) - sent),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "error_examples": run["errors"],
    }


def _drain(outbox: Any, store: Any, seconds: float = 120) -> int:
    """Send what the outbox holds, as later traffic would; the store may rest briefly after faults."""
    delivered = 0
    deadline = time.monotonic() + seconds
    while len(outbox) and time.monotonic() < deadline:
        delivery = outbox.deliver(store, limit=500)
        delivered += delivery.sent
        if delivery.failed:
            time.sleep(0.5)
    return delivered


def load_sqlite(folder: Path, seconds: float) -> dict:
    from hcsp_engage.storage import Outbox, SqliteStore

    path = folder / "load.sqlite3"
    store = SqliteStore(path)
    outbox = Outbox(folder / "load.outbox")
    run = run_residents(store, outbox, seconds)
    drained = _drain(outbox, store)
    store.close()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        stored = [row[0] for row in connection.execute("SELECT response_id FROM survey_responses")]
    waiting = {item.row.get("response_id", "") for item in outbox.pending()}
    return {**_summary(run, stored, seconds, drained, waiting), "left_in_outbox": len(waiting)}


def load_postgres(folder: Path, seconds: float, url: str) -> dict:
    """``RESIDENTS`` residents submitting at once to PostgreSQL: none lost, none doubled."""
    import psycopg

    from hcsp_engage.storage import Outbox
    from hcsp_engage.storage.postgres import PostgresStore

    with postgres_schema(url) as scoped:
        store = PostgresStore(scoped)
        outbox = Outbox(folder / "load-postgres.outbox")
        run = run_residents(store, outbox, seconds)
        drained = _drain(outbox, store)
        store.close()
        with psycopg.connect(scoped) as connection:
            stored = [row[0] for row in connection.execute("SELECT response_id FROM survey_responses")]
    waiting = {item.row.get("response_id", "") for item in outbox.pending()}
    return {
        **_summary(run, stored, seconds, drained, waiting),
        "left_in_outbox": len(waiting),
        "per_second": round(len(run["sent"]) / seconds, 1),
    }


def load_sheets(folder: Path, seconds: float) -> dict:
    from hcsp_engage.storage import Outbox
    from hcsp_engage.storage.sheets import RetryPolicy, SheetsStore
    from hcsp_engage.testing.sheets_emulator import SheetsEmulator

    kinds = itertools.cycle(("429", "500", "503", "lost_response"))
    injected: list[str] = []
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("load")

        def faults() -> None:
            kind = next(kinds)
            emulator.inject(kind, times=2, method="POST")
            injected.append(kind)

        store = SheetsStore("load", endpoint=emulator.url, policy=_quick_policy(RetryPolicy))
        outbox = Outbox(folder / "load-sheets.outbox")
        run = run_residents(store, outbox, seconds, faults=faults)
        emulator.reset_faults()
        drained = _drain(outbox, store)
        grid = emulator.values("load", schema.SURVEY_RESPONSES)
        store.close()
        stored = [row[0] for row in grid[1:] if row]
        waiting = {item.row.get("response_id", "") for item in outbox.pending()}
        result = _summary(run, stored, seconds, drained, waiting)
        result["faults_injected"] = len(injected) * 2
        result["api_requests"] = len(emulator.requests)
        result["left_in_outbox"] = len(waiting)
        return result


def _quick_policy(policy_class: Any) -> Any:
    """The store's own retry policy (the app's defaults)."""
    return policy_class()


# --- Browser sessions ------------------------------------------------------------------------------


def start_server(folder: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "HCSP_STORAGE": "sqlite",
            "HCSP_SQLITE_PATH": str(folder / "browser.sqlite3"),
            "HCSP_OUTBOX_PATH": str(folder / "browser.outbox"),
            "HCSP_DEMO": "0",
            "HCSP_MIN_FILL_SECONDS": "0",
            # Ten sessions from one address: the per-address abuse limit would stop a real crowd too.
            "HCSP_SUBMISSIONS_PER_WINDOW": "100000",
        }
    )
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    server = subprocess.Popen(  # noqa: S603 - this interpreter running streamlit
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return server
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the Streamlit server did not start within 60 s")


def load_browser(folder: Path, seconds: float, sessions: int = BROWSER_SESSIONS) -> dict:
    """``sessions`` Chromium pages, each filling in and submitting /survey again and again."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        return {"skipped": "playwright is not installed"}
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return {"skipped": "no Chromium"}
    import asyncio

    port = free_port()
    server = start_server(folder, port)
    url = f"http://127.0.0.1:{port}/survey"
    references: list[str] = []
    latencies: list[float] = []
    failures: list[str] = []

    async def session(browser: Any) -> None:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(
                    ("http://127.0.0.1", "http://localhost", "ws://", "data:", "blob:")
                )
                else route.abort()
            ),
        )
        page = await context.new_page()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                await page.goto(url)
                await _fill_survey(page)
                start = time.perf_counter()
                await page.get_by_role("button", name="Submit my answers").click()
                success = page.locator('[data-testid="stAlertContentSuccess"]').first
                await success.wait_for(timeout=60_000)
                latencies.append(time.perf_counter() - start)
                text = await success.inner_text()
                references.append(text.split("Your reference is ", 1)[1].split()[0].rstrip("."))
            except Exception as problem:
                failures.append(f"{type(problem).__name__}: {str(problem).splitlines()[0][:120]}")
        await context.close()

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            await asyncio.gather(*(session(browser) for _ in range(sessions)))
            await browser.close()

    try:
        asyncio.run(main())
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    with contextlib.closing(sqlite3.connect(folder / "browser.sqlite3")) as connection:
        stored = [row[0] for row in connection.execute("SELECT response_id FROM survey_responses")]
    counted: dict[str, int] = {}
    for key in stored:
        counted[key] = counted.get(key, 0) + 1
    return {
        "sessions": sessions,
        "seconds": seconds,
        "submitted": len(references),
        "stored": len(stored),
        "lost": len(set(references) - set(counted)),
        "doubled": sum(1 for times in counted.values() if times > 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "failures": len(failures),
        "failure_examples": sorted(set(failures))[:3],
    }


async def _fill_survey(page: Any) -> None:
    idle = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    await page.locator(idle).wait_for(timeout=60_000)
    for key, option in (
        ("survey_area", "Hereford"),
        ("survey_safe_day", "Fairly safe"),
        ("survey_safe_after_dark", "Fairly safe"),
    ):
        await page.locator(f".st-key-{key}").get_by_text(option, exact=True).click()
        await page.locator(idle).wait_for(timeout=60_000)


# --- Google Sheets read quota ----------------------------------------------------------------------


def sheets_quota(folder: Path, officers: int = 20, views_each: int = 3) -> dict:
    """Reads Google sees when ``officers`` sessions open /map on one server process, before and after a
    submission: measured with AppTest against the emulator."""
    import streamlit as st

    from hcsp_engage.testing.sheets_emulator import SheetsEmulator
    from hcsp_engage.web import cached

    tables = dataset(1_000)
    with SheetsEmulator() as emulator:
        preload_emulator(emulator, "quota", tables)
        env = {
            "HCSP_STORAGE": "gsheets",
            "HCSP_GSHEETS_ENDPOINT": emulator.url,
            "HCSP_GSHEETS_SPREADSHEET_ID": "quota",
            "HCSP_OUTBOX_PATH": str(folder / "quota.outbox"),
            "HCSP_DEMO": "0",
        }
        with environment(env):
            st.cache_data.clear()
            st.cache_resource.clear()

            def reads() -> int:
                return sum(
                    1 for method, path in emulator.requests if method == "GET" and "values:batchGet" in path
                )

            sessions = []
            for _ in range(officers):
                at = app_test("map.py", None)
                sessions.append(at)
                for _ in range(views_each - 1):
                    at.run()
            views = officers * views_each
            before_write = reads()
            # A resident submits: the process drops its cached tables, so the next view reads again.
            with contextlib.suppress(Exception):
                cached.store().append(schema.SURVEY_RESPONSES, fresh_rows(1, seed=64)[0])
            cached.forget_tables()
            for at in sessions:
                at.run()
            after_write = reads() - before_write
            ttl = cached.settings().cache_ttl_seconds  # the setting this server ran with (60 s unless set)
            st.cache_data.clear()
            st.cache_resource.clear()
    return {
        "officer_sessions": officers,
        "page_views": views,
        "sheet_reads_for_those_views": before_write,
        "page_views_after_one_submission": officers,
        "sheet_reads_after_one_submission": after_write,
        "tables_ttl_seconds": ttl,
        "reads_per_minute_without_writes": round(60 / ttl, 2),
        "quota_reads_per_minute": SHEETS_READS_PER_MINUTE,
        "submissions_per_minute_within_quota": SHEETS_READS_PER_MINUTE - round(60 / ttl),
        "officers_without_cache_at_one_view_per_10s": SHEETS_READS_PER_MINUTE // 6,
    }


# --- The run ---------------------------------------------------------------------------------------


def bench_size(n: int, folder: Path, args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    result: dict[str, Any] = {"reports": n, "responses": n}
    start = time.perf_counter()
    tables = dataset(n)
    result["generate_seconds"] = round(time.perf_counter() - start, 3)
    result["status_changes"] = len(tables[schema.REPORT_STATUS])
    path = folder / f"store-{n}.sqlite3"
    start = time.perf_counter()
    fill_sqlite(path, tables)
    result["sqlite_fill_seconds"] = round(time.perf_counter() - start, 3)
    result["sqlite_file_mb"] = round(path.stat().st_size / 2**20, 1)
    # The analysis runs on the tables as the app holds them: read back from the store, not as generated.
    stored = read_sqlite(path)
    steps: list[tuple[str, Callable[[], dict]]] = [
        ("load_sqlite", lambda: bench_sqlite_load(path, args.repeat)),
        ("load_sheets", lambda: bench_sheets_load(tables, args.repeat, args.sheets_max, folder)),
        (
            "load_postgres",
            lambda: (
                bench_postgres_load(tables, args.repeat, args.postgres_url)
                if args.postgres_url
                else {"skipped": "no --postgres-url"}
            ),
        ),
        ("aggregate", lambda: bench_aggregation(stored, args.repeat)),
        ("hotspots", lambda: bench_hotspots(stored, args.repeat)),
        ("board", lambda: bench_board(stored, args.repeat)),
        ("maps", lambda: bench_maps(stored, args.repeat)),
    ]
    if not args.skip_apptest:
        steps.append(("pages", lambda: bench_pages(path, args.repeat)))
        steps.append(
            ("pages_gsheets", lambda: bench_pages_sheets(tables, folder, args.repeat, args.sheets_max))
        )
    steps.append(("app_memory", lambda: app_memory(path)))
    if args.steps:
        steps = [(name, step) for name, step in steps if name in args.steps]
    for name, step in steps:
        log(f"  {n:,}: {name}")
        try:
            result[name] = step()
        except Exception as problem:  # report and carry on: one broken part must not lose the run
            result[name] = {"error": f"{type(problem).__name__}: {problem}"}
    gc.collect()
    if not args.keep_files:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    result["bench_process_max_rss_mb"] = max_rss_mb()
    return result


def targets(results: dict) -> dict:
    """Each target at 100k (and memory at 1M) against what was measured, when measured."""
    out: dict[str, Any] = {}
    at_100k = results["sizes"].get("100000")
    if at_100k:
        community = at_100k.get("maps", {}).get("community", {})
        out["community_map_html_bytes"] = community.get("html_bytes")
        out["community_map_build_seconds"] = community.get("build_from_layers", {}).get("seconds")
        out["aggregation_speedup"] = at_100k.get("aggregate", {}).get("speedup")
        pages = at_100k.get("pages", {})
        out["hotspots_page_seconds"] = pages.get("/hotspots", {}).get("seconds")
        out["board_page_seconds"] = pages.get("/board", {}).get("seconds")
    at_1m = results["sizes"].get(str(MILLION))
    if at_1m:
        out["memory_at_1m_mb"] = at_1m.get("app_memory", {}).get("peak_rss_mb")
    out["limits"] = TARGETS
    return out


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    sizes = list(args.sizes) + ([MILLION] if args.include_1m and MILLION not in args.sizes else [])
    results: dict[str, Any] = {
        "machine": machine(),
        "command": "python -m hcsp_engage.bench " + " ".join(sys.argv[1:]),
        "repeat": args.repeat,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="hcsp-bench-") as temp:
        folder = Path(args.workdir) if args.workdir else Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            log(f"size {n:,}")
            results["sizes"][str(n)] = bench_size(n, folder, args, log)
        for n in args.postgres_in_pieces:
            log(f"PostgreSQL in pieces: {n:,}")
            results.setdefault("postgres_in_pieces", {})[str(n)] = (
                _guarded(lambda n=n: bench_postgres_in_pieces(n, args.postgres_url))
                if args.postgres_url
                else {"skipped": "no --postgres-url"}
            )
        if args.skip_load:
            results["submissions"] = results["load"] = {"skipped": "--skip-load"}
        else:
            log("submissions")
            results["submissions"] = _guarded(
                lambda: {
                    "sqlite_8_writers": bench_sqlite_writers(folder),
                    "sheets": bench_sheets_calls(folder),
                }
            )
            log("load")
            load: dict[str, Any] = {}
            load["sqlite"] = _guarded(lambda: load_sqlite(folder, args.load_seconds))
            load["sheets_with_faults"] = _guarded(lambda: load_sheets(folder, args.load_seconds))
            if args.postgres_url:
                load["postgres"] = _guarded(
                    lambda: load_postgres(folder, args.load_seconds, args.postgres_url)
                )
            else:
                load["postgres"] = {"skipped": "no --postgres-url"}
            if args.skip_browser:
                load["browser"] = {"skipped": "--skip-browser"}
            else:
                load["browser"] = _guarded(lambda: load_browser(folder, args.load_seconds))
            results["load"] = load
        if args.skip_apptest:
            results["sheets_quota"] = {"skipped": "--skip-apptest"}
        else:
            log("sheets quota")
            results["sheets_quota"] = _guarded(lambda: sheets_quota(folder))
    results["targets"] = targets(results)
    results["max_rss_mb"] = max_rss_mb()
    return results


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1:
        value = int(value)
    if isinstance(value, float):
        text = f"{value:.4f}" if value < 0.01 else f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text}{unit}"


MARKDOWN_ROWS = (
    ("Generate synthetic data (s)", ("generate_seconds",), ""),
    ("SQLite file (MB)", ("sqlite_file_mb",), ""),
    ("Load all tables from SQLite (s)", ("load_sqlite", "seconds"), ""),
    ("  peak traced memory (MB)", ("load_sqlite", "peak_mb"), ""),
    ("  later reads, 50 new rows (s)", ("load_sqlite", "new_rows_only", "seconds"), ""),
    ("  after a restart, from the snapshots (s)", ("load_sqlite", "after_restart", "seconds"), ""),
    ("  snapshots on disk (MB)", ("load_sqlite", "after_restart", "snapshot_mb"), ""),
    ("Read all from Google Sheets emulator (s)", ("load_sheets", "seconds"), ""),
    ("  API calls per read", ("load_sheets", "api_calls_per_read"), ""),
    ("  later reads, new rows only (s)", ("load_sheets", "new_rows_only", "seconds"), ""),
    ("  API calls per later read", ("load_sheets", "new_rows_only", "api_calls_per_read"), ""),
    ("  after a restart, from the snapshots (s)", ("load_sheets", "after_restart", "seconds"), ""),
    (
        "  API calls after a restart (set-up and new rows)",
        ("load_sheets", "after_restart", "api_calls_per_read"),
        "",
    ),
    ("Fill PostgreSQL (s)", ("load_postgres", "fill_seconds"), ""),
    ("Load all tables from PostgreSQL (s)", ("load_postgres", "seconds"), ""),
    ("  peak traced memory (MB)", ("load_postgres", "peak_mb"), ""),
    ("  later reads, 50 new rows (s)", ("load_postgres", "new_rows_only", "seconds"), ""),
    ("H3 aggregation, res 8 (s)", ("aggregate", "fast", "seconds"), ""),
    ("  first run, no cell names known yet (s)", ("aggregate", "fast_first_run", "seconds"), ""),
    ("  naive row loop (s)", ("aggregate", "naive_loop", "seconds"), ""),
    ("  speed-up vs row loop (x)", ("aggregate", "speedup"), ""),
    ("  naive iterrows (s)", ("aggregate", "naive_iterrows", "seconds"), ""),
    ("  speed-up vs iterrows (x)", ("aggregate", "speedup_vs_iterrows"), ""),
    ("  distinct points", ("aggregate", "distinct_points"), ""),
    ("  cells", ("aggregate", "cells"), ""),
    ("Public layers, both (s)", ("aggregate", "public_layers", "seconds"), ""),
    ("Hotspots: parse reports (s)", ("hotspots", "parse_reports", "seconds"), ""),
    ("Hotspots: ranked table, 90 days (s)", ("hotspots", "hotspot_table", "seconds"), ""),
    ("Emerging hotspots (s)", ("hotspots", "emerging_hotspots", "seconds"), ""),
    ("Board: prepare (s)", ("board", "prepare", "seconds"), ""),
    ("Board: summarise a year (s)", ("board", "summarise", "seconds"), ""),
    ("Community map built from cached layers (s)", ("maps", "community", "build_from_layers", "seconds"), ""),
    ("Community map from raw tables (s)", ("maps", "community", "build_from_tables", "seconds"), ""),
    ("Community map HTML (bytes)", ("maps", "community", "html_bytes"), ""),
    ("Officers' map built (s)", ("maps", "officer", "build", "seconds"), ""),
    ("Officers' map HTML (bytes)", ("maps", "officer", "html_bytes"), ""),
    ("Naive: marker per report (s)", ("maps", "naive_markers", "seconds"), ""),
    ("Naive: marker per report HTML (bytes)", ("maps", "naive_markers", "html_bytes"), ""),
    ("Naive: MarkerCluster (s)", ("maps", "naive_cluster", "seconds"), ""),
    ("Naive: MarkerCluster HTML (bytes)", ("maps", "naive_cluster", "html_bytes"), ""),
    ("AppTest /map, warm (s)", ("pages", "/map", "seconds"), ""),
    ("AppTest /hotspots, warm (s)", ("pages", "/hotspots", "seconds"), ""),
    ("AppTest /board, warm (s)", ("pages", "/board", "seconds"), ""),
    ("AppTest /map, first visit (s)", ("pages", "/map", "cold_seconds"), ""),
    ("AppTest /hotspots, first visit (s)", ("pages", "/hotspots", "cold_seconds"), ""),
    ("AppTest /board, first visit (s)", ("pages", "/board", "cold_seconds"), ""),
    ("AppTest /map, first visit after a restart (s)", ("pages", "/map", "restart_seconds"), ""),
    ("  after a restart / warm (x)", ("pages", "/map", "restart_ratio"), ""),
    ("AppTest /hotspots, first visit after a restart (s)", ("pages", "/hotspots", "restart_seconds"), ""),
    ("  after a restart / warm (x)", ("pages", "/hotspots", "restart_ratio"), ""),
    ("AppTest /board, first visit after a restart (s)", ("pages", "/board", "restart_seconds"), ""),
    ("  after a restart / warm (x)", ("pages", "/board", "restart_ratio"), ""),
    ("Sheets: AppTest /map, warm (s)", ("pages_gsheets", "/map", "seconds"), ""),
    ("Sheets: AppTest /map, first visit (s)", ("pages_gsheets", "/map", "cold_seconds"), ""),
    (
        "Sheets: AppTest /map, first visit after a restart (s)",
        ("pages_gsheets", "/map", "restart_seconds"),
        "",
    ),
    ("  after a restart / warm (x)", ("pages_gsheets", "/map", "restart_ratio"), ""),
    ("  API calls of that visit", ("pages_gsheets", "/map", "restart_api_calls"), ""),
    ("Sheets: AppTest /hotspots, warm (s)", ("pages_gsheets", "/hotspots", "seconds"), ""),
    (
        "Sheets: AppTest /hotspots, first visit after a restart (s)",
        ("pages_gsheets", "/hotspots", "restart_seconds"),
        "",
    ),
    ("  after a restart / warm (x)", ("pages_gsheets", "/hotspots", "restart_ratio"), ""),
    ("Sheets: AppTest /board, warm (s)", ("pages_gsheets", "/board", "seconds"), ""),
    (
        "Sheets: AppTest /board, first visit after a restart (s)",
        ("pages_gsheets", "/board", "restart_seconds"),
        "",
    ),
    ("  after a restart / warm (x)", ("pages_gsheets", "/board", "restart_ratio"), ""),
    ("App process peak RSS (MB)", ("app_memory", "peak_rss_mb"), ""),
    ("  of which after loading tables (MB)", ("app_memory", "after_load_mb"), ""),
)


def markdown(results: Mapping[str, Any]) -> str:
    """The per-size figures as a Markdown table (for docs/performance.md)."""
    sizes = list(results.get("sizes", {}))
    head = "| Figure | " + " | ".join(f"{int(n):,}" for n in sizes) + " |"
    lines = [head, "|---|" + "---:|" * len(sizes)]
    for label, path, unit in MARKDOWN_ROWS:
        cells = []
        for n in sizes:
            value = _get(results["sizes"][n], *path)
            for depth in range(len(path) - 1, 0, -1):  # say why a figure is missing
                parent = _get(results["sizes"][n], *path[:depth])
                if value is None and isinstance(parent, Mapping):
                    value = "skipped" if "skipped" in parent else "error" if "error" in parent else None
            cells.append(_cell(value, unit))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(results: Mapping[str, Any]) -> str:
    """The whole result as Markdown: the per-size table, then submissions, load and the Sheets quota."""
    lines = [markdown(results), ""]
    writers = _get(results, "submissions", "sqlite_8_writers") or {}
    sheets = _get(results, "submissions", "sheets") or {}
    lines.append(
        f"Submissions: {_cell(writers.get('per_second'))} a second on SQLite from {WRITERS} writer threads "
        f"(median {_cell(writers.get('median_ms'))} ms, p95 {_cell(writers.get('p95_ms'))} ms); "
        f"{_cell(sheets.get('calls_per_submission'))} Google Sheets API call per submission once warm "
        f"({_cell(sheets.get('first_submission_calls'))} for the first)."
    )
    lines.append("")
    lines.append("| Under load | submitted | lost | doubled | errors seen | median ms | p95 ms | max ms |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, label in (
        ("sqlite", "50 residents, SQLite"),
        ("sheets_with_faults", "50 residents, Sheets emulator with faults"),
        ("postgres", "50 residents, PostgreSQL"),
        ("browser", "10 Chromium sessions, /survey"),
    ):
        load = _get(results, "load", name) or {}
        if "skipped" in load or "error" in load:
            lines.append(f"| {label} | {load.get('skipped') or load.get('error')} |||||||")
            continue
        lines.append(
            f"| {label} | {_cell(load.get('submitted'))} | {_cell(load.get('lost'))} | "
            f"{_cell(load.get('doubled'))} | {_cell(load.get('errors', load.get('failures')))} | "
            f"{_cell(load.get('median_ms'))} | {_cell(load.get('p95_ms'))} | {_cell(load.get('max_ms'))} |"
        )
    quota = results.get("sheets_quota") or {}
    if "officer_sessions" in quota:
        lines.append("")
        lines.append(
            f"Google Sheets reads: {quota['officer_sessions']} officer sessions opening /map "
            f"{quota['page_views']} times made {quota['sheet_reads_for_those_views']} batched reads; after one "
            f"submission, {quota['page_views_after_one_submission']} more views made "
            f"{quota['sheet_reads_after_one_submission']}."
        )
    return "\n".join(lines)


def _guarded(step: Callable[[], dict]) -> dict:
    try:
        return step()
    except Exception as problem:
        return {"error": f"{type(problem).__name__}: {problem}"}


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hcsp_engage.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="comma-separated report counts")
    p.add_argument("--include-1m", action="store_true", help="also measure 1,000,000 reports and responses")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is reported)")
    p.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    p.add_argument("--skip-browser", action="store_true", help="no Chromium sessions against a server")
    p.add_argument("--skip-apptest", action="store_true", help="no AppTest page runs or quota measurement")
    p.add_argument("--skip-load", action="store_true", help="no submission or load measurements")
    p.add_argument("--load-seconds", type=float, default=60.0, help="how long the load tests run")
    p.add_argument("--sheets-max", type=int, default=100_000, help="largest size read through the emulator")
    p.add_argument(
        "--postgres-url",
        default="",
        help="also measure PostgreSQL on this database (in a schema of its own, dropped afterwards); "
        "'throwaway': on a new server with PostgreSQL's default durability, started for the run "
        "from Debian's postgresql package and removed afterwards",
    )
    p.add_argument(
        "--postgres-in-pieces",
        type=_sizes,
        default=[],
        metavar="SIZES",
        help="with --postgres-url, also these report counts (e.g. 10000000) generated and copied into "
        f"PostgreSQL {PIECE_ROWS:,} at a time, never all in memory; then a whole read, the H3 "
        "aggregation and the public layers on what was read, and the peak memory",
    )
    p.add_argument(
        "--steps",
        type=lambda text: [name for name in text.split(",") if name],
        default=[],
        help="run only these steps at each size (e.g. load_postgres,aggregate); default: every step",
    )
    p.add_argument("--workdir", help="keep the SQLite files here instead of a temporary folder")
    p.add_argument("--keep-files", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--app-memory-of", help=argparse.SUPPRESS)
    p.add_argument(
        "--markdown", metavar="RESULTS_JSON", help="print a saved --json result as a Markdown table"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    if args.app_memory_of:
        print(json.dumps(_app_memory_child(Path(args.app_memory_of))))
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with throwaway_postgres(args, log):
        return _main(args, log)


@contextlib.contextmanager
def throwaway_postgres(args: argparse.Namespace, log: Callable[[str], None]):
    """With ``--postgres-url throwaway``, a server of its own for the run (the tests' throwaway cluster,
    started durable: fsync on, as a real server would run), its URL put in ``args``."""
    if args.postgres_url != "throwaway":
        yield
        return
    from tests.postgres_support import start_cluster

    cluster = start_cluster(durable=True)
    if isinstance(cluster, str):
        raise SystemExit(f"--postgres-url throwaway: {cluster}")
    try:
        args.postgres_url = cluster.url()
        log(f"throwaway PostgreSQL at {args.postgres_url}")
        yield
    finally:
        cluster.destroy()


def _main(args: argparse.Namespace, log: Callable[[str], None]) -> int:
    if args.json:
        # Streamlit and the libraries it loads may print: keep stdout for the one JSON object.
        with contextlib.redirect_stdout(sys.stderr):
            results = run(args, log)
        print(json.dumps(results, default=str))
    else:
        results = run(args, log)
        print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
