"""The fast paths give the naive answers on the same data, and the benchmark command runs.

No timing is asserted here: the figures belong to ``python -m hcsp_engage.bench`` and docs/performance.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import h3
import numpy as np
import pandas as pd
import pytest

from benchmarks import bench
from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import aggregate, hotspots
from hcsp_engage.storage.base import to_frame

ROOT = bench.ROOT


def counts_of(frame: pd.DataFrame) -> dict[str, int]:
    return dict(zip(frame["cell"], frame["count"].astype(int), strict=True))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("resolution", [8, 9])
def test_h3_counts_match_the_row_by_row_loop_on_synthetic_reports(seed, resolution):
    reports = synthetic.report_frame(5_000, seed=seed)
    fast = aggregate.h3_counts(reports, "lat", "lon", resolution)
    naive = bench.naive_h3_counts(reports.to_dict("records"), resolution=resolution)
    assert counts_of(fast) == naive
    assert fast["count"].sum() == (reports["lat"] != "").sum()


def test_h3_counts_match_the_loop_on_survey_pins():
    responses = synthetic.survey_frame(3_000, seed=4)
    fast = aggregate.h3_counts(responses, "unsafe_lat", "unsafe_lon", 8)
    naive = bench.naive_h3_counts(responses.to_dict("records"), "unsafe_lat", "unsafe_lon", 8)
    assert counts_of(fast) == naive


def test_h3_counts_skip_the_same_bad_rows_as_the_loop():
    rows = [
        {"lat": "52.0565", "lon": "-2.7149"},
        {"lat": "52.0565", "lon": "-2.7149"},
        {"lat": "", "lon": ""},
        {"lat": "not a number", "lon": "-2.7"},
        {"lat": "95.0", "lon": "-2.7"},
        {"lat": "52.2282", "lon": "-2.7386"},
    ]
    fast = aggregate.h3_counts(pd.DataFrame(rows), "lat", "lon", 8)
    assert counts_of(fast) == bench.naive_h3_counts(rows)
    assert sorted(counts_of(fast).values()) == [1, 2]


def test_h3_counts_match_h3_for_points_scattered_over_the_county_and_on_cell_edges():
    rng = np.random.default_rng(7)
    lat = rng.uniform(51.82, 52.40, 20_000).round(6)
    lon = rng.uniform(-3.15, -2.33, 20_000).round(6)
    # Points a whisker either side of cell edges: the hexagon corners of a few cells.
    corners = [
        corner
        for cell in h3.grid_disk(h3.latlng_to_cell(52.0565, -2.7149, 8), 2)
        for corner in h3.cell_to_boundary(cell)
    ]
    edge_lat = np.array([c[0] + d for c in corners for d in (-1e-7, 0.0, 1e-7)])
    edge_lon = np.array([c[1] + d for c in corners for d in (1e-7, 0.0, -1e-7)])
    frame = pd.DataFrame(
        {
            "lat": np.concatenate([lat, edge_lat]).astype(str),
            "lon": np.concatenate([lon, edge_lon]).astype(str),
        }
    )
    for resolution in (8, 9):
        cells = aggregate.cell_ids(frame, "lat", "lon", resolution)
        expected = [
            h3.latlng_to_cell(float(a), float(b), resolution)
            for a, b in zip(frame["lat"], frame["lon"], strict=True)
        ]
        assert cells.tolist() == expected


def test_public_cells_keep_exactly_the_cells_the_loop_counts_at_k_or_more():
    reports = synthetic.report_frame(4_000, seed=5)
    naive = bench.naive_h3_counts(reports.to_dict("records"))
    kept = aggregate.public_cells(reports, k=10)
    assert counts_of(kept) == {cell: n for cell, n in naive.items() if n >= 10}


def test_hotspot_cells_are_the_naive_cells_of_each_report():
    reports = synthetic.report_frame(2_000, seed=8)
    parsed = hotspots.parse_reports(reports)
    pinned = reports["lat"] != ""
    expected = [
        h3.latlng_to_cell(float(a), float(b), hotspots.RESOLUTION)
        for a, b in zip(reports.loc[pinned, "lat"], reports.loc[pinned, "lon"], strict=True)
    ]
    assert parsed.loc[pinned.to_numpy(), "cell"].astype(str).tolist() == expected


def test_the_community_map_draws_one_shape_per_cell_not_one_marker_per_report():
    tables = bench.dataset(2_000)
    today = date(2026, 11, 1)
    html = bench.community_map_html(tables, today)
    points = aggregate.public_report_points(tables[schema.ASB_REPORTS], today)
    naive = bench.naive_marker_map(points, cluster=False)
    assert len(html) < len(naive)
    assert naive.count("L.marker(") == len(points)


def test_preloaded_emulator_reads_back_the_same_tables_as_sqlite(tmp_path):
    from hcsp_engage.storage import SqliteStore
    from hcsp_engage.storage.sheets import SheetsStore
    from hcsp_engage.testing.sheets_emulator import SheetsEmulator

    tables = bench.dataset(300)
    bench.fill_sqlite(tmp_path / "bench.sqlite3", tables)
    from_sqlite = SqliteStore(tmp_path / "bench.sqlite3").read_all()
    with SheetsEmulator() as emulator:
        bench.preload_emulator(emulator, "bench", tables)
        from_sheets = SheetsStore("bench", endpoint=emulator.url, cache_seconds=0).read_all()
    for table in schema.TABLES:
        expected = to_frame(table, tables[table].astype(str).values.tolist()).values.tolist()
        assert from_sqlite[table].values.tolist() == expected, table
        assert from_sheets[table].values.tolist() == expected, table


@pytest.mark.slow
def test_bench_command_prints_one_json_object_with_every_figure(tmp_path):
    command = [
        sys.executable,
        "-m",
        "hcsp_engage.bench",
        "--sizes",
        "1000",
        "--repeat",
        "1",
        "--json",
        "--load-seconds",
        "10",
        "--skip-browser",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=True)
    result = json.loads(done.stdout)  # one object and nothing else on stdout
    assert set(result) >= {"machine", "command", "sizes", "submissions", "load", "sheets_quota", "targets"}
    size = result["sizes"]["1000"]
    assert set(size) >= {
        "load_sqlite",
        "load_sheets",
        "aggregate",
        "hotspots",
        "board",
        "maps",
        "pages",
        "pages_gsheets",
        "app_memory",
    }
    assert size["aggregate"]["same_counts"] is True
    assert size["load_sqlite"]["seconds"] > 0
    assert size["load_sqlite"]["new_rows_only"]["seconds"] > 0
    assert size["load_sheets"]["api_calls_per_read"] == 1
    assert size["maps"]["community"]["html_bytes"] > 0
    assert size["maps"]["naive_markers"]["html_bytes"] > size["maps"]["community"]["html_bytes"]
    for pages in ("pages", "pages_gsheets"):  # SQLite, and Google Sheets through the emulator
        for url in ("/map", "/hotspots", "/board"):
            page = size[pages][url]
            assert "error" not in page and "restart_error" not in page, page
            assert page["exceptions"] == [] and page["restart_exceptions"] == []
            # the first visit after a restart (from the snapshots), beside the warm rerun
            assert page["restart_seconds"] > 0 and page["restart_ratio"] > 0
    submissions = result["submissions"]
    assert submissions["sqlite_8_writers"]["stored"] == submissions["sqlite_8_writers"]["submissions"]
    assert submissions["sheets"]["calls_per_submission"] == 1
    for store in ("sqlite", "sheets_with_faults"):
        load = result["load"][store]
        assert load["submitted"] > 0
        assert (load["lost"], load["doubled"], load["errors"]) == (0, 0, 0), load
    quota = result["sheets_quota"]
    assert quota["sheet_reads_for_those_views"] < quota["page_views"]


@pytest.fixture(scope="module")
def postgres_cluster():
    """A throwaway PostgreSQL server (tests/postgres_support.py); skipped where it is not installed."""
    from tests import postgres_support

    yield from postgres_support.running_cluster()


@pytest.mark.parametrize(
    ("statement_ms", "said"), [(15_000, "held: "), (1, "gave up after ")], ids=["app", "too-short"]
)
def test_postgres_whole_read_says_whether_the_apps_own_timeouts_held_and_is_timed_either_way(
    postgres_cluster, statement_ms, said
):
    from hcsp_engage.storage.postgres import PostgresStore, Timeouts

    with bench.postgres_schema(postgres_cluster.url()) as url:
        store = PostgresStore(url, timeouts=bench.generous_postgres_timeouts())
        for table, frame in bench.dataset(10_000).items():
            bench.copy_rows(store, table, frame)
        store.close()
        result = bench.postgres_whole_read(url, 1, app_timeouts=Timeouts(statement_ms=statement_ms))
    assert result["with_app_timeouts"].startswith(said), result
    assert result["seconds"] > 0 and result["peak_mb"] > 0


def test_postgres_in_pieces_stores_every_piece_once_and_reads_back_every_row(postgres_cluster):
    from hcsp_engage.analysis import interventions

    result = bench.bench_postgres_in_pieces(2_500, postgres_cluster.url(), piece=1_000)
    # Three pieces with seeds of their own; the interventions register each carries is stored once.
    register = len(interventions.seed_rows())
    assert result["stored"][schema.ASB_REPORTS] == result["read_rows"][schema.ASB_REPORTS] == 2_500
    assert result["read_rows"][schema.SURVEY_RESPONSES] == 2_500
    assert result["stored"][schema.INTERVENTIONS] == result["read_rows"][schema.INTERVENTIONS] == register
    assert result["with_app_timeouts"].startswith("held: ")
    assert result["aggregate"]["fast"]["seconds"] > 0 and result["aggregate"]["public_layers"]["seconds"] > 0
    assert result["max_rss_mb"] > 0


def test_copying_a_piece_again_stores_nothing_new(postgres_cluster):
    from hcsp_engage.storage.postgres import PostgresStore

    reports = synthetic.report_frame(300, seed=2)
    with bench.postgres_schema(postgres_cluster.url()) as url:
        store = PostgresStore(url, timeouts=bench.generous_postgres_timeouts())
        assert bench.copy_rows(store, schema.ASB_REPORTS, reports) == 300
        assert bench.copy_rows(store, schema.ASB_REPORTS, reports.iloc[100:]) == 0
        stored = store.read(schema.ASB_REPORTS)
        store.close()
    assert stored.astype(str).values.tolist() == reports.astype(str).values.tolist()
