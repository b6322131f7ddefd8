"""The arithmetic H3 path must give H3's own answer for every point, wherever it is."""

import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import h3
import numpy as np
import pandas as pd
import pytest

from hcsp_engage.analysis import aggregate, h3_lattice


def lattice_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    rows = np.arange(len(lat))
    codes, names = h3_lattice.cells(rows, np.asarray(lat, float), rows, np.asarray(lon, float), resolution)
    return names[codes]


def h3_cells(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    return np.array(
        [h3.latlng_to_cell(a, b, resolution) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)],
        dtype=object,
    )


def mismatches(lat: np.ndarray, lon: np.ndarray, resolution: int) -> list[tuple[float, float]]:
    wrong = lattice_cells(lat, lon, resolution) != h3_cells(lat, lon, resolution)
    return list(zip(lat[wrong].tolist(), lon[wrong].tolist(), strict=True))[:5]


def count_mismatches(lat: np.ndarray, lon: np.ndarray, resolution: int) -> dict[str, tuple[int, int]]:
    """Cells whose count from ``h3_lattice.counts`` differs from H3's, as (lattice, H3); and any cell
    whose number is not H3's own for its name."""
    rows = np.arange(len(lat))
    names, counts, numbers = h3_lattice.counts(
        rows, np.asarray(lat, float), rows, np.asarray(lon, float), resolution
    )
    got = dict(zip(names.tolist(), counts.tolist(), strict=True))
    expected = Counter(h3_cells(lat, lon, resolution).tolist())
    wrong = {cell: (got.get(cell, 0), expected.get(cell, 0)) for cell in set(got) | set(expected)}
    wrong = {cell: pair for cell, pair in wrong.items() if pair[0] != pair[1]}
    wrong.update(
        {name: (-1, -1) for name, number in zip(names, numbers, strict=True) if h3.str_to_int(name) != number}
    )
    return dict(list(wrong.items())[:5])


@pytest.mark.parametrize("resolution", [0, 1, 2, 5, 8, 9, 12, 15])
def test_points_all_over_the_globe_get_h3s_cell(resolution):
    rng = np.random.default_rng(resolution)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 20_000)))  # uniform over the sphere
    lon = rng.uniform(-180, 180, 20_000)
    assert mismatches(lat, lon, resolution) == []
    assert count_mismatches(lat, lon, resolution) == {}


@pytest.mark.parametrize("resolution", [0, 3, 8, 9])
def test_points_round_the_icosahedron_corners_and_along_its_edges_get_h3s_cell(resolution):
    # The pentagons sit on the icosahedron's corners; faces meet along the arcs between them.
    corners = np.array([h3.cell_to_latlng(cell) for cell in h3.get_pentagons(0)])
    rng = np.random.default_rng(7)
    lat, lon = [], []
    for a in range(12):
        for b in range(12):
            if a == b:
                continue
            share = rng.uniform(0, 1, 40)
            lat.extend(corners[a, 0] + share * (corners[b, 0] - corners[a, 0]))
            lon.extend(corners[a, 1] + share * (corners[b, 1] - corners[a, 1]))
        jitter = rng.normal(0, 0.5, (200, 2))
        lat.extend(corners[a, 0] + jitter[:, 0])
        lon.extend(corners[a, 1] + jitter[:, 1])
    lat, lon = np.clip(lat, -90, 90), (np.asarray(lon) + 180) % 360 - 180
    assert mismatches(lat, lon, resolution) == []
    assert count_mismatches(lat, lon, resolution) == {}


@pytest.mark.parametrize("resolution", [8, 9])
def test_points_on_and_a_hair_either_side_of_hexagon_edges_and_corners_get_h3s_cell(resolution):
    rng = np.random.default_rng(3)
    centres = [
        h3.latlng_to_cell(a, b, resolution)
        for a, b in zip(rng.uniform(51.8, 52.4, 60), rng.uniform(-3.1, -2.3, 60), strict=True)
    ]
    lat, lon = [], []
    for cell in centres:
        corners = np.array(h3.cell_to_boundary(cell))
        following = np.roll(corners, -1, axis=0)
        for share in (0.0, 0.25, 0.5):
            edge = corners + share * (following - corners)
            for nudge in (-1e-9, 0.0, 1e-9):
                lat.extend(edge[:, 0] + nudge)
                lon.extend(edge[:, 1] - nudge)
    assert mismatches(np.array(lat), np.array(lon), resolution) == []
    assert count_mismatches(np.array(lat), np.array(lon), resolution) == {}


@pytest.mark.parametrize("path", ["cells", "counts"])
def test_h3_is_asked_once_per_cell_not_once_per_point(monkeypatch, path):
    rng = np.random.default_rng(11)
    lat = np.round(rng.normal(52.06, 0.02, 50_000), 4)  # clustered round Hereford, 4 decimals
    lon = np.round(rng.normal(-2.72, 0.03, 50_000), 4)
    expected = h3_cells(lat, lon, 8)
    calls = []
    real = h3.latlng_to_cell
    monkeypatch.setattr(h3_lattice.h3, "latlng_to_cell", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(h3_lattice, "_names", h3_lattice._NameCache())

    def same_as_h3() -> bool:
        if path == "cells":
            return bool((lattice_cells(lat, lon, 8) == expected).all())
        rows = np.arange(len(lat))
        names, counts, _ = h3_lattice.counts(rows, lat, rows, lon, 8)
        return dict(zip(names.tolist(), counts.tolist(), strict=True)) == Counter(expected.tolist())

    assert same_as_h3()
    assert len(calls) <= len(set(expected.tolist())) + 10  # a point on an edge may be asked about itself
    calls.clear()
    assert same_as_h3()
    assert len(calls) <= 10  # the cells' names are remembered


def test_a_full_name_cache_starts_again_and_still_names_cells_right(monkeypatch):
    monkeypatch.setattr(h3_lattice, "_names", h3_lattice._NameCache(limit=50))
    rng = np.random.default_rng(5)
    for _ in range(3):
        lat, lon = rng.uniform(51.8, 52.4, 2_000), rng.uniform(-3.1, -2.3, 2_000)
        assert mismatches(lat, lon, 8) == []


@pytest.mark.parametrize("kind", ["text", "object", "category", "float"])
def test_h3_counts_give_the_same_cells_whatever_the_columns_hold(kind):
    rng = np.random.default_rng(2)
    lat = np.round(rng.normal(52.06, 0.05, 5_000), 4)
    lon = np.round(rng.normal(-2.72, 0.05, 5_000), 4)
    text = pd.DataFrame({"lat": [f"{value:.4f}" for value in lat], "lon": [f"{value:.4f}" for value in lon]})
    text.loc[::7, ["lat", "lon"]] = ""  # no pin
    text.loc[3, "lat"] = "not a number"
    pinned = text.apply(pd.to_numeric, errors="coerce").notna().all(axis=1)
    if kind == "object":
        text = text.astype(object)
    elif kind == "category":
        text = text.astype("category")
    elif kind == "float":
        text = text.apply(pd.to_numeric, errors="coerce")
    expected = pd.Series(h3_cells(lat, lon, 8))[pinned]
    counts = aggregate.h3_counts(text, "lat", "lon", 8)
    assert dict(zip(counts["cell"], counts["count"], strict=True)) == expected.value_counts().to_dict()
    assert list(counts["count"]) == sorted(counts["count"], reverse=True)


def test_sessions_naming_cells_at_the_same_time_all_get_h3s_cells(monkeypatch):
    monkeypatch.setattr(h3_lattice, "_names", h3_lattice._NameCache())
    rng = np.random.default_rng(9)
    batches = [(rng.uniform(51.8, 52.4, 3_000), rng.uniform(-3.1, -2.3, 3_000)) for _ in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda batch: mismatches(*batch, 8), batches))
    assert results == [[]] * 16
    assert mismatches(*batches[0], 8) == []  # the shared names are still one per lattice point


def test_coordinates_out_of_range_or_infinite_are_skipped_without_warnings():
    lat = np.array([52.05, np.nan, 1e308, np.inf, -95.0])
    lon = np.array([-2.7, 1e308, np.inf, np.nan, 200.0])
    rows = np.arange(len(lat))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        codes, names = h3_lattice.cells(rows, lat, rows, lon, 8)
        counted, counts, _ = h3_lattice.counts(rows, lat, rows, lon, 8)
    assert codes.tolist() == [0, -1, -1, -1, -1]
    assert names.tolist() == counted.tolist() == [h3.latlng_to_cell(52.05, -2.7, 8)]
    assert counts.tolist() == [1]
