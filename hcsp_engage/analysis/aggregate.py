"""The one H3 aggregation, and the public map's suppressed cells (docs/design.md section 7).

Suppression must survive differencing: every public layer and every area view is cut from the same
county-wide grid of resolution-8 cells, each counted once from all publicly mappable records. Choosing
an area only selects whole cells from that grid (by the area of the cell's centre), so two views can
only ever show the same count for a cell, or not show it: no union or difference of views reveals a
cell below k.
"""

from __future__ import annotations

import contextlib
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hcsp_engage import records, schema
from hcsp_engage.analysis import h3_lattice, snapshot
from hcsp_engage.privacy import count_band
from hcsp_engage.reference import COUNTY, geography


def _coordinates(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code among the column's distinct values, and those values as floats (NaN where blank
    or not a number). Stored coordinates repeat (4 decimal places, clustered reports), so each distinct
    text is parsed once; a categorical column already holds its codes."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, distinct = series.array.codes, series.array.categories
    else:
        codes, distinct = pd.factorize(series, use_na_sentinel=False)
    if pd.api.types.is_numeric_dtype(distinct.dtype):
        values = distinct.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = _parse_numbers(distinct)
    if len(codes) and codes.min() < 0:  # a categorical's missing values: point them at a NaN
        codes, values = np.where(codes < 0, len(values), codes), np.append(values, np.nan)
    return codes, values


def _parse_numbers(texts: pd.Index) -> np.ndarray:
    """Texts as floats, NaN where blank or not a number."""
    try:  # Arrow parses a few thousand texts in well under a millisecond, but refuses any non-number
        array = texts.array
        strings = (
            pa.array(array)
            if isinstance(array, pd.arrays.ArrowStringArray)
            else pa.array(list(texts), pa.string())
        )
        blank_first = len(strings) > 0 and strings[0].as_py() == ""  # sorted categories: a blank comes first
        with contextlib.suppress(pa.ArrowInvalid):  # numbers as the app stores them: one cast
            values = pc.cast(strings[1:] if blank_first else strings, pa.float64()).to_numpy(
                zero_copy_only=False
            )
            return np.append(np.nan, values) if blank_first else values
        trimmed = pc.utf8_trim_whitespace(strings)
        blank_as_null = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)
        return pc.cast(blank_as_null, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pd.Series(texts, dtype=object).astype(str).str.strip().replace("", None)
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def _floats(series: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(series):
        return series
    codes, values = _coordinates(series)
    return pd.Series(values[codes], index=series.index)


def place_coordinates(names: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's named place's latitude and longitude (NaN where the name is blank or no known place),
    each distinct name looked up once: a million rows hold a few dozen names."""
    codes, distinct = pd.factorize(names)
    known = [geography.place_named(name) if name else None for name in distinct]
    lat = np.array([place.lat if place else np.nan for place in known] + [np.nan])[codes]
    lon = np.array([place.lon if place else np.nan for place in known] + [np.nan])[codes]
    return lat, lon


def locate(
    frame: pd.DataFrame, lat_col: str = "lat", lon_col: str = "lon", place_col: str | None = None
) -> pd.DataFrame:
    """Numeric ``lat``/``lon`` columns for each row with a location, a named place filling a missing pin.

    Rows with neither a valid pin nor a known place are dropped. Other columns are kept.
    """
    if frame.empty:
        return frame.assign(lat=pd.Series(dtype=float), lon=pd.Series(dtype=float))
    lat = _floats(frame[lat_col])
    lon = _floats(frame[lon_col])
    if place_col and place_col in frame:
        place_lat, place_lon = place_coordinates(frame[place_col])
        missing = lat.isna() | lon.isna()
        lat = lat.where(~missing, pd.Series(place_lat, index=frame.index))
        lon = lon.where(~missing, pd.Series(place_lon, index=frame.index))
    located = frame.drop(columns=[c for c in ("lat", "lon") if c in frame]).assign(
        lat=pd.to_numeric(lat, errors="coerce"), lon=pd.to_numeric(lon, errors="coerce")
    )
    valid = located["lat"].between(-90, 90) & located["lon"].between(-180, 180)
    return located[valid].reset_index(drop=True)


def _points(frame: pd.DataFrame, lat_col: str, lon_col: str) -> tuple[np.ndarray, ...]:
    """The frame's points as ``h3_lattice`` takes them: codes into distinct latitudes and longitudes."""
    lat_codes, lat_values = _coordinates(frame[lat_col])
    lon_codes, lon_values = _coordinates(frame[lon_col])
    return lat_codes, lat_values, lon_codes, lon_values


def cell_ids(
    frame: pd.DataFrame, lat_col: str = "lat", lon_col: str = "lon", resolution: int = 8
) -> pd.Series:
    """Each row's H3 cell at ``resolution`` ("" where the row has no valid coordinates), same index."""
    if frame.empty:
        return pd.Series(dtype=object, index=frame.index)
    codes, cells = h3_lattice.cells(*_points(frame, lat_col, lon_col), resolution)
    named = np.append(cells, "")  # code -1 picks the ""
    return pd.Series(named[codes], index=frame.index, dtype=object)


def distinct_points(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's code among the distinct (lat, lon) pairs, and those pairs' coordinates."""
    lat_codes, lat_values = pd.factorize(lat)
    lon_codes, lon_values = pd.factorize(lon)
    codes, pairs = pd.factorize(lat_codes.astype(np.int64) * len(lon_values) + lon_codes)
    return codes, lat_values[pairs // len(lon_values)], lon_values[pairs % len(lon_values)]


def h3_counts(
    frame: pd.DataFrame, lat_col: str = "lat", lon_col: str = "lon", resolution: int = 8
) -> pd.DataFrame:
    """Reports per H3 cell: ``DataFrame[cell, count]``, largest first. Rows without coordinates are
    skipped."""
    if frame.empty:
        return pd.DataFrame({"cell": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    cells, counts, numbers = h3_lattice.counts(*_points(frame, lat_col, lon_col), resolution)
    if not len(cells):
        return pd.DataFrame({"cell": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    order = np.lexsort((numbers, -counts))  # largest first, then by cell (its number sorts as its name)
    # Object, not Arrow text: a few thousand cell ids, and converting them would cost more than the count.
    return pd.DataFrame({"cell": pd.Series(cells[order], dtype=object), "count": counts[order]}, copy=False)


def cell_area(cell: str) -> str:
    """The area a cell belongs to on the public map: the area of its centre (fixed, never view-dependent)."""
    lat, lon = geography.cell_centre(cell)
    return geography.nearest_area(lat, lon)


def public_cells(
    frame: pd.DataFrame,
    lat_col: str = "lat",
    lon_col: str = "lon",
    k: int = 10,
    resolution: int = geography.PUBLIC_H3_RESOLUTION,
) -> pd.DataFrame:
    """Cells holding at least ``k`` points, with their public band and area, in cell-id order (an order
    by count would rank cells inside a band): ``DataFrame[cell, count, band, area]``. ``count`` goes into
    the disclosure release and is never shown."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    counts = h3_counts(frame, lat_col, lon_col, resolution)
    kept = counts[counts["count"] >= k].sort_values("cell", kind="stable").reset_index(drop=True)
    return kept.assign(
        band=[count_band(n) for n in kept["count"]],
        area=[cell_area(cell) for cell in kept["cell"]],
    )


def cells_in_area(cells: pd.DataFrame, area: str | None) -> pd.DataFrame:
    """The county grid's cells for one area (all of them for the county): a selection, never a recount."""
    if not area or area == COUNTY or cells.empty:
        return cells
    return cells[cells["area"] == area].reset_index(drop=True)


def publicly_mappable_categories() -> frozenset[str]:
    return frozenset(category.name for category in records.asb_categories() if category.mapped_publicly)


def public_reports(reports: pd.DataFrame, published: snapshot.Snapshot) -> pd.DataFrame:
    """The publicly mappable ASB concerns a publication counts (never Personal ASB), with their month."""
    if reports.empty:
        return snapshot.reports_in(reports, published)
    return snapshot.reports_in(reports, published, reports["category"].isin(publicly_mappable_categories()))


def public_report_points(reports: pd.DataFrame, today: date) -> pd.DataFrame:
    """Where the publicly mappable concerns of the publication in force on ``today`` are."""
    return locate(public_reports(reports, snapshot.snapshot_for(today)), "lat", "lon", place_col="place")


def unsafe_points(responses: pd.DataFrame) -> pd.DataFrame:
    """Where survey respondents feel unsafe: their pin, or the named place they picked."""
    return locate(responses, "unsafe_lat", "unsafe_lon", place_col="unsafe_place")


def public_layers(tables: dict[str, pd.DataFrame], k: int, today: date) -> dict[str, pd.DataFrame]:
    """Both hexagon layers of the publication in force on ``today``, county-wide, cells below ``k``
    left out (before the disclosure release: ``public.publish`` may hide more)."""
    published = snapshot.snapshot_for(today)
    reports = tables.get(schema.ASB_REPORTS, pd.DataFrame())
    responses = tables.get(schema.SURVEY_RESPONSES, pd.DataFrame())
    return {
        "concerns": public_cells(locate(public_reports(reports, published), place_col="place"), k=k),
        "unsafe": public_cells(unsafe_points(snapshot.responses_in(responses, published)), k=k),
    }
