"""Compact map layers: what the page receives decodes to exactly the rounded GeoJSON and heat points the
maps hold (nothing lost, nothing moved by more than the rounding), the community map stays under 300 KB
with every hexagon in the county, and stored text cannot run as a template on the server."""

from __future__ import annotations

import json
import random
import re

import h3
import pandas as pd
import pytest
from folium.template import Template

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import hotspots, interventions
from hcsp_engage.reference import geography
from hcsp_engage.render import compact, maps, officer_map
from hcsp_engage.storage.base import to_frame

COUNTY_CELLS = sorted(h3.polygon_to_cells(h3.LatLngPoly(geography.county_outline()), 8))
FULL_PRECISION = re.compile(r"\d\.\d{7,}")  # a coordinate as folium wrote them before: 15 or so decimals
TEMPLATE_TEXT = "{{ 'run' ~ 'on the server' }} {% if true %}x{% endif %} {# comment"


# --- a Python reading of the page's JavaScript (compact.PAIRS_JS, RING_JS and the templates) ----------


def pairs(text: str) -> list[tuple[int, int]]:
    numbers, at = [], 0
    while at < len(text):
        result = shift = 0
        while True:
            chunk = ord(text[at]) - 63
            at += 1
            result |= (chunk & 31) << shift
            shift += 5
            if chunk < 32:
                break
        numbers.append(~(result >> 1) if result & 1 else result >> 1)
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def decoded_features(payload: dict) -> list[dict]:
    features, lat, lon, edges = [], 0, 0, []
    for row in payload["features"]:
        steps = pairs(row[-1])
        lat, lon = lat + steps[0][0], lon + steps[0][1]
        corner, corners, new_edges = (lat, lon), [(lat, lon)], []
        for i, (dlat, dlon) in enumerate(steps[1:]):
            before = edges[i] if i < len(edges) else (0, 0)
            edge = (dlat + before[0], dlon + before[1])
            new_edges.append(edge)
            corner = (corner[0] + edge[0], corner[1] + edge[1])
            corners.append(corner)
        edges = new_edges
        ring = [[b / compact.SCALE, a / compact.SCALE] for a, b in corners]
        properties = {key: payload["values"][k][row[k]] for k, key in enumerate(payload["keys"])}
        features.append({"properties": properties, "ring": [*ring, ring[0]]})
    return features


def decoded_heat(layer: compact.CompactHeatMap) -> list[list[float]]:
    points, lat, lon = [], 0, 0
    for (dlat, dlon), weight in zip(pairs(layer.encoded()), layer.weights(), strict=True):
        lat, lon = lat + dlat, lon + dlon
        points.append([lat / compact.SCALE, lon / compact.SCALE, weight / 10**compact.WEIGHT_DECIMALS])
    return points


def banded(cells: list[str], seed: int = 1) -> pd.DataFrame:
    pick = random.Random(seed)
    return pd.DataFrame({"cell": cells, "count": 10, "band": [pick.choice(maps.BAND_LABELS) for _ in cells]})


def compact_layers(element) -> list:
    found = [element] if isinstance(element, compact.CompactGeoJson | compact.CompactHeatMap) else []
    for child in element._children.values():
        found.extend(compact_layers(child))
    return found


def parsed_reports(n: int = 400, seed: int = 4) -> pd.DataFrame:
    return hotspots.with_status(hotspots.parse_reports(synthetic.report_frame(n, seed=seed)), pd.DataFrame())


# --- the tests ----------------------------------------------------------------------------------------


def test_every_county_hexagon_reaches_the_page_at_its_rounded_corners_in_any_order():
    cells = COUNTY_CELLS[:]
    random.Random(3).shuffle(cells)
    layer = maps.hex_layer(banded(cells), "ASB concerns", palette="concerns")
    (geojson,) = compact_layers(layer)
    # The public layer is sent in cell-id order, whatever order it is handed over in ...
    features = geojson.data["features"]
    assert len(features) == len(cells)
    # ... and the encoder itself takes polygons in any order.
    order = list(range(len(features)))
    random.Random(3).shuffle(order)
    shuffled = compact.CompactGeoJson(
        {"type": "FeatureCollection", "features": [features[i] for i in order]},
        fill_by="band",
        fills=geojson.fills,
        style=geojson.base_style,
        highlight=geojson.highlight_style,
    )

    for sent_layer, cell_order in ((geojson, sorted(cells)), (shuffled, [sorted(cells)[i] for i in order])):
        decoded = decoded_features(sent_layer.payload())
        assert len(decoded) == len(cells) == len(sent_layer.data["features"])
        for feature, sent in zip(sent_layer.data["features"], decoded, strict=True):
            assert sent["ring"] == feature["geometry"]["coordinates"][0]
            assert sent["properties"] == feature["properties"]
        check_corners(sent_layer.data["features"], cell_order)


def check_corners(features: list[dict], cells: list[str]) -> None:
    for feature, cell in zip(features, cells, strict=True):
        corners = geography.cell_boundary(cell)
        ring = feature["geometry"]["coordinates"][0]
        assert len(ring) == len(corners) + 1 and ring[0] == ring[-1]
        for (lon, lat), (true_lat, true_lon) in zip(ring, corners, strict=False):
            assert abs(lat - true_lat) <= 0.5e-5 and abs(lon - true_lon) <= 0.5e-5  # within about 0.5 m


def test_hexagon_corners_are_rounded_to_five_decimals_in_the_data_and_the_page():
    shown = banded(COUNTY_CELLS[:50])
    features = maps.hex_features(shown)["features"]
    coordinates = [value for f in features for corner in f["geometry"]["coordinates"][0] for value in corner]
    assert all(value == round(value, 5) for value in coordinates)

    html = maps.to_html(maps.community_map(None, {"ASB concerns": (shown, "concerns")}))
    full = f"{geography.cell_boundary(COUNTY_CELLS[0])[0][0]!r}"
    assert len(full) > 10  # h3 gives corners at full precision ...
    assert full not in html  # ... and the page never carries them
    assert FULL_PRECISION.search(html) is None


def test_the_community_map_with_every_county_hexagon_in_both_layers_stays_under_300_kb():
    cells = banded(COUNTY_CELLS)
    register = interventions.current(to_frame(schema.INTERVENTIONS, interventions.seed_rows()))
    fmap = maps.community_map(
        None, {"ASB concerns": (cells, "concerns"), "Unsafe": (cells, "unsafe")}, register
    )

    html = maps.to_html(fmap)

    assert len(compact_layers(fmap)) == 2
    assert len(html.encode("utf-8")) < 300_000


def test_hexagons_keep_their_band_colours_tooltip_and_nothing_else():
    cells = banded(COUNTY_CELLS[:200])
    (geojson,) = compact_layers(
        maps.hex_layer(cells, "Unsafe", palette="unsafe", label="People who feel unsafe here")
    )
    payload = geojson.payload()

    assert payload["keys"] == ["band"]
    assert {geojson.fills[band] for band in payload["values"][0]} <= set(maps.PALETTES["unsafe"])
    assert all(geojson.fills[band] == maps.band_colour(band, "unsafe") for band in cells["band"])
    assert geojson.base_style == {"color": "#333333", "weight": 1, "fillOpacity": 0.6}
    tooltip = next(iter(geojson._children.values()))
    assert tooltip.fields == ["band"] and tooltip.aliases == ["People who feel unsafe here"]


def test_the_officers_cells_reach_the_page_with_their_exact_counts():
    reports = parsed_reports()
    layer, total = officer_map.cells_layer(reports)
    (geojson,) = compact_layers(layer)

    decoded = decoded_features(geojson.payload())

    assert len(decoded) == total == len(geojson.data["features"])
    assert [f["properties"] for f in decoded] == [f["properties"] for f in geojson.data["features"]]
    assert [f["ring"] for f in decoded] == [f["geometry"]["coordinates"][0] for f in geojson.data["features"]]
    for feature in decoded:
        assert geojson.fills[str(feature["properties"]["reports"])] == officer_map.cell_colour(
            feature["properties"]["reports"]
        )


def test_the_heat_layer_sends_every_cell_with_its_weight():
    reports = parsed_reports()
    layer = officer_map.heat_layer(reports)

    assert decoded_heat(layer) == layer.data
    located = reports[reports["lat"].notna() & reports["lon"].notna()]
    cells = {
        h3.latlng_to_cell(lat, lon, officer_map.HEAT_RESOLUTION)
        for lat, lon in zip(located["lat"], located["lon"], strict=True)
    }
    centres = sorted([compact.rounded(c) for c in geography.cell_centre(cell)] for cell in cells)
    assert sorted(point[:2] for point in layer.data) == centres
    assert max(point[2] for point in layer.data) == 1.0


def test_point_rows_carry_each_popup_field_once_per_distinct_value():
    reports = parsed_reports(300)
    sample = officer_map.sample_points(reports, 1_000)
    cluster = officer_map.points_layer(sample)
    lists = json.loads(re.search(r"\}\)\((\[\[.*\]\])\)\s*$", cluster.callback.strip(" ;\n")).group(1))

    assert len(cluster.data) == len(sample.points)
    assert len(lists) == len(officer_map.POPUP_FIELDS)
    assert all(len(values) == len(set(values)) for values in lists)
    categories = {lists[0][row[3]] for row in cluster.data}
    assert categories == {maps.escape(value) for value in sample.points["category"].astype(str)}
    assert all(row[0] == round(row[0], 5) and row[1] == round(row[1], 5) for row in cluster.data)


@pytest.mark.parametrize("value", ["{{ 1 }}", "{%", "{#", "a{{b", "}}{{", "\\{{", "<script>{{"])
def test_script_json_survives_folium_reading_it_again_as_a_template(value):
    text = compact.script_json({"text": value, "list": [value, 1]})
    assert json.loads(Template(text).render()) == {"text": value, "list": [value, 1]}
    assert "<" not in text


def test_template_text_typed_by_a_resident_shows_as_text_on_the_officers_map():
    reports = parsed_reports(60)
    reports.loc[0, "description"] = TEMPLATE_TEXT
    reports.loc[1, "location_detail"] = TEMPLATE_TEXT

    html = officer_map.officer_map(reports)[0].get_root().render()

    assert "runon the server" not in html
    assert html.count(compact.script_json(maps.escape(TEMPLATE_TEXT))) == 2  # the description and the detail


def test_template_text_in_an_intervention_shows_as_text_on_the_community_map():
    register = interventions.current(to_frame(schema.INTERVENTIONS, interventions.seed_rows()))
    register.loc[register.index[0], "title"] = TEMPLATE_TEXT
    register.loc[register.index[0], "public"] = "yes"

    html = maps.to_html(maps.community_map(None, {}, register))

    assert "runon the server" not in html
    assert "&#123;&#123; &#x27;run&#x27; ~ &#x27;on the server&#x27; }}" in html  # popup and tooltip
    # The marker's title is read as text: a zero-width space after each "{" (JSON-escaped in the page).
    assert "{\\u200b{\\u200b \\u0027run\\u0027 ~ \\u0027on the server\\u0027 }}" in html
