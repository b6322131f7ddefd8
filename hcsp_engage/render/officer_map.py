"""The officers' hotspot map (folium, no Streamlit): report points, a heat layer, fine H3 cells with exact
counts and the interventions register.

Staff see exact counts and individual points, but the map must stay quick however many reports there
are: points are clustered, and beyond ``MAX_POINTS`` a seeded random sample is drawn (and the page says
so); the heat layer and the cells are aggregates, so they grow with places, not with reports. Every
stored text reaching a popup passes through ``maps.escape`` (folium inserts popups as raw HTML).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import folium
import pandas as pd
from folium.plugins import HeatMap

from hcsp_engage.analysis.aggregate import h3_counts
from hcsp_engage.config import MapTiles
from hcsp_engage.reference import geography
from hcsp_engage.render import compact, maps

MAX_POINTS = 3_000
MAX_CELLS = 1_500
HEAT_RESOLUTION = 10  # about 0.015 km² a cell: fine enough for a heat map, bounded by area, not reports
CELL_RESOLUTION = geography.OFFICER_H3_RESOLUTION

# Exact counts per cell, in steps (lowest first), each with a colour from light to dark.
CELL_STEPS = ((1, "1"), (2, "2–4"), (5, "5–9"), (10, "10–24"), (25, "25 or more"))
CELL_COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")

POINTS_LAYER = "Reports (clustered points)"
HEAT_LAYER = "Heat"
CELLS_LAYER = "Reports per H3 cell"
INTERVENTIONS_LAYER = "Interventions"
EMERGING_LAYER = "Emerging hotspots"
EMERGING_COLOUR = "#6a1b9a"

# Each point is [lat, lon, reference, then the number of each POPUP_FIELDS value in its list]; the lists
# (escaped in Python) come once, so repeated categories, places and descriptions travel once. The popup
# is built here exactly as ``point_popup`` builds it.
POPUP_FIELDS = ("category", "occurred_on", "time_of_day", "place", "location_detail", "status", "description")
POINT_CALLBACK = """
(function (lists) {
    return function (row) {
        function text(field) { return lists[field][row[3 + field]]; }
        var lines = ["<strong>" + text(0) + "</strong>", row[2] + " \\u00b7 last happened " + text(1)];
        if (text(2)) lines.push(text(2));
        lines.push("Where: " + (text(3) || "Pin") + (text(4) ? " (" + text(4) + ")" : ""));
        if (text(5)) lines.push("Status: " + text(5));
        if (text(6)) lines.push("<em>" + text(6) + "</em>");
        var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
            radius: 7, color: "#0b0c0c", weight: 1, fillColor: "#1d70b8", fillOpacity: 0.85
        });
        marker.bindPopup(lines.join("<br>"), {maxWidth: 300});
        return marker;
    };
})(LISTS)
"""


@dataclass(frozen=True)
class PointSample:
    """The report points to draw: all of them, or a seeded random sample of ``limit``."""

    points: pd.DataFrame
    total: int

    @property
    def sampled(self) -> bool:
        return len(self.points) < self.total

    @property
    def note(self) -> str:
        if not self.total:
            return "No reports with a location match these filters."
        if self.sampled:
            return (
                f"The point layer shows a random sample of {len(self.points):,} of the {self.total:,} "
                "reports, to keep the map quick; the heat layer and the cells count all of them."
            )
        return f"The point layer shows all {self.total:,} reports, grouped into clusters when zoomed out."


def sample_points(reports: pd.DataFrame, limit: int = MAX_POINTS, seed: int = 0) -> PointSample:
    """The located reports to draw as points (``lat``/``lon`` floats), sampled beyond ``limit``."""
    located = reports[reports["lat"].notna() & reports["lon"].notna()]
    if len(located) <= limit:
        return PointSample(located, len(located))
    return PointSample(located.sample(n=limit, random_state=seed), len(located))


def _text(row: Mapping, column: str) -> str:
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def point_popup(row: Mapping) -> str:
    """One report's popup: every stored value escaped, so it shows as text."""
    where = _text(row, "place") or "Pin"
    detail = _text(row, "location_detail")
    lines = [
        f"<strong>{maps.escape(_text(row, 'category'))}</strong>",
        f"{maps.escape(_text(row, 'report_id'))} · last happened {maps.escape(_text(row, 'occurred_on'))}",
        maps.escape(_text(row, "time_of_day")),
        f"Where: {maps.escape(where)}" + (f" ({maps.escape(detail)})" if detail else ""),
        f"Status: {maps.escape(_text(row, 'status'))}" if _text(row, "status") else "",
        f"<em>{maps.escape(_text(row, 'description'))}</em>" if _text(row, "description") else "",
    ]
    return "<br>".join(line for line in lines if line)


def points_layer(sample: PointSample) -> compact.CompactMarkerCluster:
    """The sampled points, clustered, each with the popup ``point_popup`` gives it."""
    points = sample.points
    columns = ("category", "report_id", "occurred_on", "time_of_day", "place", "location_detail")
    columns += tuple(column for column in ("status", "description") if column in points)
    rows = points[list(columns)].astype(str).to_dict("records") if len(points) else []
    lists: dict[str, dict[str, int]] = {field: {} for field in POPUP_FIELDS}
    data = []
    for lat, lon, row in zip(points["lat"], points["lon"], rows, strict=True):
        numbers = [
            lists[field].setdefault(maps.escape(_text(row, field)), len(lists[field]))
            for field in POPUP_FIELDS
        ]
        data.append(
            [compact.rounded(lat), compact.rounded(lon), maps.escape(_text(row, "report_id")), *numbers]
        )
    callback = POINT_CALLBACK.replace(
        "LISTS", compact.script_json([list(lists[field]) for field in POPUP_FIELDS])
    )
    return compact.CompactMarkerCluster(
        data,
        callback=callback,
        name=POINTS_LAYER,
        options={"showCoverageOnHover": False, "maxClusterRadius": 50},
    )


def heat_layer(reports: pd.DataFrame) -> HeatMap:
    """A heat layer from counts in small H3 cells (one weighted point per cell, all reports counted)."""
    counts = h3_counts(reports, "lat", "lon", HEAT_RESOLUTION).sort_values("cell", kind="stable")
    top = float(counts["count"].max()) if len(counts) else 1.0
    data = []
    for cell, count in zip(counts["cell"], counts["count"], strict=True):
        lat, lon = geography.cell_centre(cell)
        data.append(
            [compact.rounded(lat), compact.rounded(lon), round(float(count) / top, compact.WEIGHT_DECIMALS)]
        )
    return compact.CompactHeatMap(data, name=HEAT_LAYER, radius=18, blur=14, min_opacity=0.3, show=False)


def cell_colour(count: int) -> str:
    index = sum(count >= low for low, _ in CELL_STEPS) - 1
    return CELL_COLOURS[max(0, index)]


def cells_layer(reports: pd.DataFrame, limit: int = MAX_CELLS) -> tuple[folium.FeatureGroup, int]:
    """The officers' H3 cells with exact counts (busiest ``limit`` cells); returns the layer and how many
    cells had reports."""
    counts = h3_counts(reports, "lat", "lon", CELL_RESOLUTION)
    group = folium.FeatureGroup(name=CELLS_LAYER, show=True)
    shown = counts.head(limit)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [compact.cell_ring(cell)]},
            "properties": {"reports": int(count), "cell": cell},
        }
        for cell, count in zip(shown["cell"], shown["count"], strict=True)
    ]
    if features:
        compact.CompactGeoJson(
            {"type": "FeatureCollection", "features": features},
            fill_by="reports",
            fills={int(count): cell_colour(int(count)) for count in set(shown["count"])},
            style={"color": "#555555", "weight": 1, "fillOpacity": 0.55},
            highlight={"weight": 3, "fillOpacity": 0.75},
            tooltip=folium.GeoJsonTooltip(fields=["reports", "cell"], aliases=["Reports", "Cell"]),
        ).add_to(group)
    return group, len(counts)


def emerging_layer(cells: Iterable[str]) -> folium.FeatureGroup:
    """Emerging hotspots outlined in a thick purple line over the counts (fixed text only)."""
    group = folium.FeatureGroup(name=EMERGING_LAYER, show=True)
    for cell in cells:
        folium.Polygon(
            geography.cell_boundary(cell),
            color=EMERGING_COLOUR,
            weight=4,
            fill=False,
            tooltip="Emerging hotspot: well above its usual rate in the last 4 weeks",
        ).add_to(group)
    return group


def legend() -> maps.Legend:
    swatch = (
        '<span style="display:inline-block;width:14px;height:12px;margin-right:4px;border:1px solid #333;'
        'vertical-align:middle;background:{colour}"></span>'
    )
    rows = "".join(
        f"<div>{swatch.format(colour=colour)}{maps.escape(label)}</div>"
        for (_, label), colour in zip(CELL_STEPS, CELL_COLOURS, strict=True)
    )
    rows += (
        f'<div><span style="display:inline-block;width:12px;height:10px;margin-right:4px;'
        f'border:3px solid {EMERGING_COLOUR};vertical-align:middle"></span>Emerging</div>'
    )
    return maps.Legend(
        '<div style="background:#fff;padding:4px 6px;border:1px solid #777;border-radius:4px;'
        f'font:11px/1.35 sans-serif;color:#0b0c0c"><strong>Reports per cell</strong>{rows}</div>'
    )


def officer_map(
    reports: pd.DataFrame,
    interventions: pd.DataFrame | None = None,
    view: geography.Town | None = None,
    *,
    emerging_cells: Iterable[str] = (),
    max_points: int = MAX_POINTS,
    tiles: MapTiles | None = None,
) -> tuple[folium.Map, str]:
    """The map and a sentence saying what the point layer shows (all reports, or a sample)."""
    fmap = maps.base_map(view, tiles=tiles)
    cells, cell_total = cells_layer(reports)
    cells.add_to(fmap)
    heat_layer(reports).add_to(fmap)
    emerging_layer(emerging_cells).add_to(fmap)
    sample = sample_points(reports, max_points)
    points_layer(sample).add_to(fmap)
    if interventions is not None and not interventions.empty:
        maps.intervention_layer(interventions, name=INTERVENTIONS_LAYER).add_to(fmap)
    legend().add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    note = sample.note
    if cell_total > MAX_CELLS:
        note += f" The cell layer shows the {MAX_CELLS:,} busiest of {cell_total:,} cells."
    return fmap, note
