"""The compact map layers in Chromium: Leaflet draws exactly the hexagons, cells, heat points and report
points the Python maps hold, with the same colours, tooltips and popups, and shows stored text as text."""

from __future__ import annotations

import random

import folium
import h3
import pandas as pd
import pytest

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import hotspots, public, snapshot
from hcsp_engage.reference import geography
from hcsp_engage.render import compact, maps, officer_map
from hcsp_engage.storage import SqliteStore
from tests.browser import support

XSS = "<img src=x onerror=alert(1)>"
TEMPLATE_TEXT = "{{ 'run' ~ 'on the server' }}"
COUNTY_CELLS = sorted(h3.polygon_to_cells(h3.LatLngPoly(geography.county_outline()), 8))

DRAWN_POLYGONS = """name => {
    const group = window[name];
    return group.getLayers().map(layer => ({
        ring: layer.feature.geometry.coordinates[0],
        properties: layer.feature.properties,
        style: {
            fillColor: layer.options.fillColor,
            color: layer.options.color,
            weight: layer.options.weight,
            fillOpacity: layer.options.fillOpacity,
        },
        tooltip: group.getTooltip()._content(layer).textContent.replace(/\\s+/g, " ").trim(),
    }));
}"""

# Where on the page the hexagon of layer ``name`` nearest the middle of the window is drawn.
MIDDLE_HEXAGON = """name => {
    let best = null;
    window[name].getLayers().forEach(layer => {
        const box = layer._path.getBoundingClientRect();
        const x = box.x + box.width / 2, y = box.y + box.height / 2;
        const distance = (x - innerWidth / 2) ** 2 + (y - innerHeight / 2) ** 2;
        if (best === null || distance < best.distance) best = {x, y, distance};
    });
    return best;
}"""

DRAWN_POINTS = """name => window[name].getLayers().map(marker => [
    marker.getLatLng().lat, marker.getLatLng().lng, marker.getPopup().getContent(), marker.options.fillColor
])"""


def named(fmap: folium.Map, kind: type) -> list:
    found = []

    def walk(element) -> None:
        if isinstance(element, kind):
            found.append(element)
        for child in element._children.values():
            walk(child)

    walk(fmap)
    return found


def point_at_middle_hexagon(page, name: str) -> None:
    """Move the mouse onto a hexagon until its tooltip shows (the map may still be fitting the county)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tooltip = page.locator(".leaflet-tooltip")
    for _ in range(5):
        middle = page.evaluate(MIDDLE_HEXAGON, name)
        page.mouse.move(middle["x"], middle["y"])
        try:
            tooltip.wait_for(timeout=2_000)
            return
        except PlaywrightTimeout:
            page.mouse.move(0, 0)
    tooltip.wait_for(timeout=2_000)


def show(page, html: str, names: list[str]) -> list[str]:
    """Load the map's HTML as its own page; return the alerts it raised."""
    raised: list[str] = []
    page.on("dialog", lambda dialog: (raised.append(dialog.message), dialog.dismiss()))
    page.set_content(html, wait_until="load")
    for name in names:
        page.wait_for_function("name => window[name] !== undefined", arg=name, timeout=20_000)
    return raised


def banded(cells: list[str], seed: int) -> pd.DataFrame:
    pick = random.Random(seed)
    return pd.DataFrame({"cell": cells, "count": 10, "band": [pick.choice(maps.BAND_LABELS) for _ in cells]})


def test_every_hexagon_is_drawn_at_its_corners_with_its_colour_and_tooltip(page, network):
    concerns = banded(random.Random(1).sample(COUNTY_CELLS, 400), seed=2)
    unsafe = banded(random.Random(3).sample(COUNTY_CELLS, 150), seed=4)
    fmap = maps.community_map(None, {"ASB concerns": (concerns, "concerns"), "Unsafe": (unsafe, "unsafe")})
    layers = named(fmap, compact.CompactGeoJson)
    html = maps.standalone_html(fmap)  # every script inside: it draws on a blank page
    raised = show(page, html, [layer.get_name() for layer in layers])

    for layer, (cells, palette, label) in zip(
        layers,
        [(concerns, "concerns", maps.HEX_LABELS["concerns"]), (unsafe, "unsafe", maps.HEX_LABELS["unsafe"])],
        strict=True,
    ):
        drawn = page.evaluate(DRAWN_POLYGONS, layer.get_name())
        assert len(drawn) == len(cells)
        in_id_order = cells.sort_values("cell")  # the payload's order, whatever the cells' counts
        for shape, feature, cell, band in zip(
            drawn, layer.data["features"], in_id_order["cell"], in_id_order["band"], strict=True
        ):
            assert shape["ring"] == feature["geometry"]["coordinates"][0] == compact.cell_ring(cell)
            assert shape["properties"] == {"band": band}
            assert shape["style"] == {
                "fillColor": maps.band_colour(band, palette),
                "color": "#333333",
                "weight": 1,
                "fillOpacity": 0.6,
            }
            assert shape["tooltip"] == f"{label} {band}"

    # A resident pointing at a hexagon sees its band, and the hexagon's outline thickens.
    point_at_middle_hexagon(page, layers[0].get_name())
    assert maps.HEX_LABELS["concerns"] in page.locator(".leaflet-tooltip").inner_text()
    assert page.locator('path.leaflet-interactive[stroke-width="3"]').count() == 1
    support.screenshot(page, "compact-community-hexagons")
    assert raised == []
    assert network.blocked == []


@pytest.fixture
def officer_reports() -> pd.DataFrame:
    reports = hotspots.with_status(
        hotspots.parse_reports(synthetic.report_frame(400, seed=6)), pd.DataFrame()
    )
    reports.loc[0, "description"] = XSS
    reports.loc[1, "location_detail"] = XSS
    reports.loc[2, "description"] = TEMPLATE_TEXT
    reports.loc[3, "place"] = XSS
    return reports


def test_the_officers_map_draws_every_point_with_its_popup_every_cell_and_the_heat(
    page, network, officer_reports
):
    fmap, _ = officer_map.officer_map(officer_reports)
    (cluster,) = named(fmap, folium.plugins.FastMarkerCluster)
    (heat,) = named(fmap, compact.CompactHeatMap)
    (cells,) = named(fmap, compact.CompactGeoJson)
    html = maps.standalone_html(fmap)
    raised = show(page, html, [cluster.get_name(), heat.get_name(), cells.get_name()])

    sample = officer_map.sample_points(officer_reports)
    columns = ["category", "report_id", "occurred_on", "time_of_day", "place", "location_detail"]
    rows = sample.points[[*columns, "status", "description"]].astype(str).to_dict("records")
    expected = sorted(
        [compact.rounded(lat), compact.rounded(lon), officer_map.point_popup(row), "#1d70b8"]
        for lat, lon, row in zip(sample.points["lat"], sample.points["lon"], rows, strict=True)
    )
    drawn = sorted(page.evaluate(DRAWN_POINTS, cluster.get_name()))
    assert len(drawn) == len(sample.points) > 300
    assert drawn == expected

    assert page.evaluate("name => window[name]._latlngs", heat.get_name()) == heat.data

    shapes = page.evaluate(DRAWN_POLYGONS, cells.get_name())
    assert len(shapes) == len(cells.data["features"])
    for shape, feature in zip(shapes, cells.data["features"], strict=True):
        count = feature["properties"]["reports"]
        assert shape["ring"] == feature["geometry"]["coordinates"][0]
        assert shape["properties"] == feature["properties"]
        assert shape["style"]["fillColor"] == officer_map.cell_colour(count)
        assert shape["tooltip"] == f"Reports {count} Cell {feature['properties']['cell']}"

    # Stored markup and template text stay text: no element made from them, nothing run.
    assert any(XSS in point[2].replace("&lt;", "<").replace("&gt;", ">") for point in drawn)
    assert page.locator('img[src="x"]').count() == 0
    assert "runon the server" not in html
    support.screenshot(page, "compact-officer-map")
    assert raised == []
    assert network.blocked == []


def test_the_community_page_draws_one_path_per_hexagon_through_streamlit(start_app, page, network):
    # Demo mode fills the store with synthetic reports: the page's first layer (concerns) is shown.
    server = start_app(env={"HCSP_DEMO": "1"})
    support.goto(page, server.url + "/map")
    frame = page.frame_locator(support.FOLIUM_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)

    tables = SqliteStore(server.store_path).read_all()
    layers = public.publish_for(tables, 10, snapshot.today()).layers  # what the page publishes
    assert len(layers["concerns"]) > 20
    hexagons = frame.locator('path.leaflet-interactive[stroke="#333333"]')  # not the county outline
    assert hexagons.count() == len(layers["concerns"])
    fills = {hexagons.nth(i).get_attribute("fill") for i in range(hexagons.count())}
    assert fills <= set(maps.PALETTES["concerns"]) and len(fills) > 1
    assert len(tables[schema.ASB_REPORTS]) > 0
    assert network.blocked == []
