from datetime import date

import h3
import pandas as pd
import pytest

from hcsp_engage import schema
from hcsp_engage.analysis import aggregate
from hcsp_engage.reference import geography
from hcsp_engage.storage.base import to_frame
from tests.rows import report_row, response_row

TODAY = date(2026, 11, 1)
# Two points in different resolution-8 cells, one near Hereford High Town, one near Leominster.
HIGH_TOWN = (52.0565, -2.7149)
LEOMINSTER = (52.2282, -2.7386)


def report(lat: float | str, lon: float | str, category: str = "Noise", n: int = 0, **extra: str) -> dict:
    row = report_row(
        n,
        submitted_at="2026-10-01T12:00:00Z",
        category=category,
        area="Hereford",
        lat=str(lat),
        lon=str(lon),
        occurred_on="2026-10-01",
    )
    row.update(extra)
    return row


def reports(*groups: tuple[tuple[float, float], int, str]) -> pd.DataFrame:
    rows, n = [], 0
    for (lat, lon), count, category in groups:
        for _ in range(count):
            rows.append(report(lat, lon, category, n))
            n += 1
    return to_frame(schema.ASB_REPORTS, rows)


def test_h3_counts_counts_points_per_cell_and_skips_rows_without_coordinates():
    frame = pd.DataFrame(
        {"lat": ["52.0565", "52.0565", "52.2282", "", "x"], "lon": ["-2.7149", "-2.7149", "-2.7386", "", "1"]}
    )
    counts = aggregate.h3_counts(frame, "lat", "lon", 8)
    assert dict(zip(counts["cell"], counts["count"], strict=True)) == {
        h3.latlng_to_cell(*HIGH_TOWN, 8): 2,
        h3.latlng_to_cell(*LEOMINSTER, 8): 1,
    }


def test_h3_counts_of_an_empty_frame_is_empty():
    assert aggregate.h3_counts(pd.DataFrame({"lat": [], "lon": []}), "lat", "lon", 8).empty


def test_public_map_hides_cells_below_k():
    frame = reports((HIGH_TOWN, 10, "Noise"), (LEOMINSTER, 9, "Noise"))
    layers = aggregate.public_layers({schema.ASB_REPORTS: frame}, k=10, today=TODAY)
    cells = layers["concerns"]
    assert list(cells["cell"]) == [h3.latlng_to_cell(*HIGH_TOWN, 8)]
    assert list(cells["band"]) == ["10–24"]


def test_public_map_never_includes_personal_asb():
    frame = reports((HIGH_TOWN, 30, "Harassment"), (HIGH_TOWN, 9, "Noise"))
    assert aggregate.public_layers({schema.ASB_REPORTS: frame}, k=10, today=TODAY)["concerns"].empty


def test_public_map_leaves_out_reports_older_than_twelve_months():
    old = [report(*HIGH_TOWN, n=n, occurred_on="2025-09-01") for n in range(15)]
    frame = to_frame(schema.ASB_REPORTS, old)
    assert aggregate.public_layers({schema.ASB_REPORTS: frame}, k=10, today=TODAY)["concerns"].empty


def test_named_places_count_where_the_place_is():
    place = geography.place_named("Hereford Cathedral") or geography.places()[0]
    rows = [report("", "", n=n, place=place.name) for n in range(10)]
    cells = aggregate.public_layers({schema.ASB_REPORTS: to_frame(schema.ASB_REPORTS, rows)}, 10, TODAY)
    assert list(cells["concerns"]["cell"]) == [h3.latlng_to_cell(place.lat, place.lon, 8)]


@pytest.mark.parametrize("k", [5, 10, 20])
def test_no_union_or_difference_of_area_views_recovers_a_cell_below_k(k):
    # A cell with k-1 reports on the edge of Hereford, next to a busy cell: however the views are
    # combined, the small cell never appears and the busy cell's count is the same in every view.
    busy = HIGH_TOWN
    small = h3.cell_to_latlng(h3.grid_ring(h3.latlng_to_cell(*HIGH_TOWN, 8), 1)[0])
    frame = reports((busy, k + 3, "Noise"), (small, k - 1, "Dumping rubbish"))
    # Reports whose own area field disagrees with the cell's area must not change any view either.
    frame.loc[frame.index[-3:], "area"] = "Elsewhere in Herefordshire"
    layers = aggregate.public_layers({schema.ASB_REPORTS: frame}, k=k, today=TODAY)
    small_cell = h3.latlng_to_cell(*small, 8)
    views = [
        aggregate.cells_in_area(layers[layer], area)
        for layer in ("concerns", "unsafe")
        for area in ("Herefordshire", *schema.TOWNS, "Elsewhere in Herefordshire")
    ]
    shown = pd.concat(views)
    assert small_cell not in set(shown["cell"])
    # Every view shows a cell with one count, so differencing two views yields nothing new.
    assert shown.groupby("cell")["count"].nunique().max() == 1
    county = aggregate.cells_in_area(layers["concerns"], "Herefordshire")
    by_area = pd.concat(aggregate.cells_in_area(layers["concerns"], a) for a in schema.REPORT_AREAS)
    assert sorted(county["cell"]) == sorted(by_area["cell"])


def test_unsafe_places_use_pins_and_named_places_and_hide_small_cells():
    place = geography.places()[0]
    rows = []
    for n in range(12):
        row = response_row(n, submitted_at="2026-10-01T12:00:00Z")
        if n < 10:
            row.update(unsafe_place=place.name)
        else:
            row.update(unsafe_lat=f"{LEOMINSTER[0]:.4f}", unsafe_lon=f"{LEOMINSTER[1]:.4f}")
        rows.append(row)
    frame = to_frame(schema.SURVEY_RESPONSES, rows)
    cells = aggregate.public_layers({schema.SURVEY_RESPONSES: frame}, k=10, today=TODAY)["unsafe"]
    assert list(cells["cell"]) == [h3.latlng_to_cell(place.lat, place.lon, 8)]


def test_public_cells_come_in_cell_id_order_not_by_count():
    frame = reports((HIGH_TOWN, 11, "Noise"), (LEOMINSTER, 30, "Noise"))
    cells = aggregate.public_layers({schema.ASB_REPORTS: frame}, k=10, today=TODAY)["concerns"]
    assert list(cells["cell"]) == sorted(cells["cell"]) and len(cells) == 2
