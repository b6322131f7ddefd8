"""Map layers that travel to the browser in a compact form (folium, no Streamlit).

folium writes GeoJSON and heat points as JSON with every coordinate at full float precision, about 18
characters each, and the community map can hold thousands of hexagons. Here coordinates are rounded to
5 decimal places (a corner moves by half a metre at most: under a pixel even at the maps' closest zoom,
17, about 0.7 m a pixel in Herefordshire; Leaflet snaps corners to whole pixels, so now and then a
corner lands one pixel over from where it did) and sent as whole numbers of 0.00001 degree in the text
form of Google's encoded polyline algorithm (a small number takes one or two characters), with property
values listed once and referred to by number:

- heat points: each point as its difference from the one before;
- polygon rings (the closing point left off): the first corner as its difference from the previous
  ring's first corner, then each edge as its difference from the same edge of the previous ring.
  Neighbouring hexagons have almost the same shape, so most edges take two characters.

A few lines of JavaScript in the page rebuild exactly the rounded GeoJSON and heat points before Leaflet
draws them, so the map looks and behaves as before. The Python objects still hold ordinary data
(``CompactGeoJson.data`` is a GeoJSON FeatureCollection, ``CompactHeatMap.data`` a list of
``[lat, lon, weight]``), so folium's tooltips and the tests read them as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import folium
from folium.plugins import FastMarkerCluster, HeatMap
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

from hcsp_engage.reference import geography

COORDINATE_DECIMALS = 5  # steps of 1.1 m north-south, 0.7 m east-west in Herefordshire
WEIGHT_DECIMALS = 4  # heat weights (0 to 1)
SCALE = 10**COORDINATE_DECIMALS

# Reads the text back into [a, b] pairs of whole numbers.
PAIRS_JS = """function (text) {
    var pairs = [], at = 0;
    function next() {
        var result = 0, shift = 0, chunk;
        do {
            chunk = text.charCodeAt(at++) - 63;
            result |= (chunk & 31) << shift;
            shift += 5;
        } while (chunk >= 32);
        return result & 1 ? ~(result >> 1) : result >> 1;
    }
    while (at < text.length) pairs.push([next(), next()]);
    return pairs;
}"""

# One ring's text into [lat, lon] corners; ``state`` ({lat: 0, lon: 0, edges: []} at first) carries the
# previous ring's first corner and edges from one call to the next.
RING_JS = """(function (pairsOf) {
    return function (text, state) {
        var pairs = pairsOf(text);
        state.lat += pairs[0][0];
        state.lon += pairs[0][1];
        var lat = state.lat, lon = state.lon, corners = [[lat / SCALE, lon / SCALE]], edges = [];
        for (var i = 1; i < pairs.length; i++) {
            var before = state.edges[i - 1] || [0, 0];
            var edge = [pairs[i][0] + before[0], pairs[i][1] + before[1]];
            edges.push(edge);
            lat += edge[0];
            lon += edge[1];
            corners.push([lat / SCALE, lon / SCALE]);
        }
        state.edges = edges;
        return corners;
    };
})(PAIRS)""".replace("PAIRS", PAIRS_JS).replace("SCALE", f"1e{COORDINATE_DECIMALS}")

# folium renders each layer's script, then reads the result again as a Jinja template (branca's
# ``Element``), so "{{", "{%" or "{#" in the data would be run on the server. Polyline text can hold "{{".
_JINJA_OPENING = re.compile(r"\{(?=[{%#])")


def script_json(value: object) -> str:
    """``value`` as compact JSON to write inside a folium script: safe in an HTML ``<script>`` (like
    Jinja's ``tojson``) and with no Jinja opening, "{" written ``\\u007b`` inside strings (the same text)."""
    return _JINJA_OPENING.sub(r"\\u007b", str(htmlsafe_json_dumps(value, separators=(",", ":"))))


def rounded(value: float) -> float:
    """A coordinate rounded to about a metre."""
    return round(float(value), COORDINATE_DECIMALS)


def cell_ring(cell: str) -> list[list[float]]:
    """An H3 cell's outline as a closed GeoJSON ring of ``[lon, lat]`` pairs, rounded to about a metre."""
    ring = [[rounded(lon), rounded(lat)] for lat, lon in geography.cell_boundary(cell)]
    ring.append(ring[0])
    return ring


def units(value: float) -> int:
    """A coordinate in whole 0.00001 degrees (rounded)."""
    return round(float(value) * SCALE)


def _number(value: int) -> str:
    value = ~(value << 1) if value < 0 else value << 1
    chunks = []
    while value >= 0x20:
        chunks.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    chunks.append(chr(value + 63))
    return "".join(chunks)


def encode_pairs(pairs: Iterable[tuple[int, int]]) -> str:
    """Whole-number pairs as encoded polyline text (what ``PAIRS_JS`` reads)."""
    return "".join(_number(a) + _number(b) for a, b in pairs)


def encode_points(points: Iterable[tuple[float, float]]) -> str:
    """``(lat, lon)`` points, each as its difference from the one before (the first from 0, 0)."""
    pairs, lat, lon = [], 0, 0
    for point_lat, point_lon in points:
        pairs.append((units(point_lat) - lat, units(point_lon) - lon))
        lat, lon = units(point_lat), units(point_lon)
    return encode_pairs(pairs)


class RingEncoder:
    """Rings one after another (what ``RING_JS`` reads with one ``state``): the first corner from the
    previous ring's first corner, each edge from the same edge of the previous ring."""

    def __init__(self) -> None:
        self.lat = 0
        self.lon = 0
        self.edges: list[tuple[int, int]] = []

    def encode(self, corners: list[tuple[float, float]]) -> str:
        """Text for one ring's ``(lat, lon)`` corners, the closing corner left off."""
        points = [(units(lat), units(lon)) for lat, lon in corners]
        if not points:
            raise ValueError("a ring needs at least one corner")
        edges = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(points, points[1:], strict=False)]
        pairs = [(points[0][0] - self.lat, points[0][1] - self.lon)]
        for i, (dlat, dlon) in enumerate(edges):
            before = self.edges[i] if i < len(self.edges) else (0, 0)
            pairs.append((dlat - before[0], dlon - before[1]))
        self.lat, self.lon = points[0]
        self.edges = edges
        return encode_pairs(pairs)


class CompactGeoJson(folium.GeoJson):
    """A layer of single-ring polygons sent compactly, filled by one property's value.

    Every feature is drawn with ``style``, its fill colour ``fills[properties[fill_by]]``; on hover it takes
    ``highlight`` (one shared style function instead of folium's switch over every feature's id). Property
    values are sent once each and referred to by number; rings as text (``RingEncoder``, see the module).
    Tooltips: ``folium.GeoJsonTooltip`` works as on a ``folium.GeoJson``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            style: function (feature) {
                var fills = {{ this.json(this.fills) }};
                return Object.assign(
                    {{ this.json(this.base_style) }},
                    {fillColor: fills[feature.properties[{{ this.json(this.fill_by) }}]]}
                );
            },
            onEachFeature: function (feature, layer) {
                layer.on({
                    mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); },
                    mouseover: function (e) { e.target.setStyle({{ this.json(this.highlight_style) }}); }
                });
            }
        });
        {{ this.get_name() }}.addData((function (payload) {
            var corners = {{ this.decoder }}, state = {lat: 0, lon: 0, edges: []};
            return {type: "FeatureCollection", features: payload.features.map(function (row) {
                var ring = corners(row[row.length - 1], state).map(function (point) {
                    return [point[1], point[0]];
                });
                ring.push(ring[0]);
                var properties = {};
                payload.keys.forEach(function (key, k) { properties[key] = payload.values[k][row[k]]; });
                return {
                    type: "Feature",
                    properties: properties,
                    geometry: {type: "Polygon", coordinates: [ring]}
                };
            })};
        })({{ this.json(this.payload()) }}));
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        fill_by: str,
        fills: Mapping[object, str],
        style: Mapping[str, object],
        highlight: Mapping[str, object],
        name: str | None = None,
        tooltip: folium.GeoJsonTooltip | None = None,
    ) -> None:
        for feature in data["features"]:
            geometry = feature["geometry"]
            if geometry["type"] != "Polygon" or len(geometry["coordinates"]) != 1:
                raise ValueError("CompactGeoJson draws polygons of one ring only")
        super().__init__(data, name=name, tooltip=tooltip)
        self._name = "CompactGeoJson"
        self.fill_by = fill_by
        self.fills = {str(value): colour for value, colour in fills.items()}
        self.base_style = dict(style)
        self.highlight_style = dict(highlight)
        self.decoder = RING_JS
        self.json = script_json

    def payload(self) -> dict:
        """What the page receives: property keys, each key's distinct values, and per feature the number of
        each value followed by its ring's text (``RingEncoder``)."""
        features = self.data["features"]
        keys = list(features[0]["properties"]) if features else []
        values: dict[str, dict] = {key: {} for key in keys}
        rings = RingEncoder()
        rows = []
        for feature in features:
            properties = feature["properties"]
            row: list = [values[key].setdefault(properties[key], len(values[key])) for key in keys]
            ring = feature["geometry"]["coordinates"][0]
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]
            row.append(rings.encode([(lat, lon) for lon, lat in ring]))
            rows.append(row)
        return {"keys": keys, "values": [list(values[key]) for key in keys], "features": rows}


class CompactHeatMap(HeatMap):
    """folium's ``HeatMap`` with its points sent as text (``encode_points``) and its weights as whole numbers of
    ``10 ** -WEIGHT_DECIMALS`` (the page divides them back): the same points and weights, a third of the
    size. Pass points already rounded (``rounded``) and weights rounded to ``WEIGHT_DECIMALS``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.heatLayer(
                (function (text, weights) {
                    var pairsOf = {{ this.decoder }}, lat = 0, lon = 0;
                    return pairsOf(text).map(function (step, i) {
                        lat += step[0];
                        lon += step[1];
                        return [lat / {{ this.scale }}, lon / {{ this.scale }}, weights[i] / {{ this.weight_scale }}];
                    });
                })({{ this.json(this.encoded()) }}, {{ this.json(this.weights()) }}),
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[float]], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self._name = "CompactHeatMap"
        self.decoder = PAIRS_JS
        self.scale = f"1e{COORDINATE_DECIMALS}"
        self.weight_scale = f"1e{WEIGHT_DECIMALS}"
        self.json = script_json

    def encoded(self) -> str:
        return encode_points((point[0], point[1]) for point in self.data)

    def weights(self) -> list[int]:
        scale = 10**WEIGHT_DECIMALS
        return [round(float(point[2]) * scale) if len(point) > 2 else scale for point in self.data]


class CompactMarkerCluster(FastMarkerCluster):
    """folium's ``FastMarkerCluster`` with its rows written as compact JSON (no spaces, and no Jinja
    opening: see ``script_json``); the callback and the clustering are folium's."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.callback }}

                var data = {{ this.json(this.data) }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                {%- if this.icon_create_function is not none %}
                cluster.options.iconCreateFunction =
                    {{ this.icon_create_function.strip() }};
                {%- endif %}
                for (var i = 0; i < data.length; i++) {
                    var row = data[i];
                    var marker = callback(row);
                    marker.addTo(cluster);
                }

                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, data: list[list], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self._name = "CompactMarkerCluster"
        self.json = script_json
