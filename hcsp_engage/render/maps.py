"""Folium maps built from aggregated frames (no Streamlit).

folium's ``Popup``, ``Tooltip`` and GeoJSON tooltips insert their strings as raw HTML, so every text
that reaches them passes through ``html.escape`` here, whoever typed it. Maps stay small: hexagon
layers draw one shape per cell, never one per report.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from hcsp_engage import i18n, records
from hcsp_engage.analysis.public import PRECISION_WORDS, month_label
from hcsp_engage.config import MapTiles
from hcsp_engage.i18n import N_, Message
from hcsp_engage.privacy import COUNT_BANDS
from hcsp_engage.reference import geography
from hcsp_engage.render import compact, map_assets

# Public bands (privacy.count_band) from fewest to most, each with a colour that reads on light tiles
# and stays distinct for colour-blind readers (sequential, light to dark).
BAND_LABELS = tuple(label for _, _, label in COUNT_BANDS if label != "fewer than 10")
PALETTES = {
    "concerns": ("#fdd49e", "#fc8d59", "#d7301f", "#7f0000"),
    "unsafe": ("#dadaeb", "#9e9ac8", "#6a51a3", "#3f007d"),
}

HEX_LABELS = {"concerns": N_("Concerns raised here"), "unsafe": N_("People who feel unsafe here")}

# Font Awesome 6 icons (folium loads FA 6.2) and marker colours by intervention kind.
KIND_ICONS = {
    "CCTV": ("video", "darkblue"),
    "Street lighting": ("lightbulb", "orange"),
    "Vegetation clearance": ("tree", "green"),
    "Street pastors or guardians": ("people-group", "purple"),
    "Education and awareness": ("graduation-cap", "cadetblue"),
    "Other": ("circle-info", "gray"),
}


# Leaflet's controls at a size that leaves the map visible on a phone.
MAP_STYLE = """<style>
.leaflet-control-layers, .leaflet-control-layers label { font-size: 13px; line-height: 1.3; }
.leaflet-control-layers-expanded { padding: 4px 8px 4px 4px; }
/* On a narrow map the list of layers (top right) would cover the zoom buttons (top left). */
.leaflet-top.leaflet-right .leaflet-control-layers { max-width: calc(100vw - 64px); }
@media (max-width: 480px) {
  .leaflet-control-layers, .leaflet-control-layers label { font-size: 11px; }
  .hcsp-legend { font-size: 10px !important; }
}
</style>"""


def escape(value: object) -> str:
    """Text safe to put inside folium's raw-HTML popups and tooltips.

    Besides HTML escaping, "{" is written as the character reference ``&#123;`` (the page shows "{"):
    folium reads each rendered script again as a Jinja template, so "{{ ... }}" typed by a resident would
    otherwise be run on the server when the map is drawn.
    """
    return html.escape("" if value is None else str(value), quote=True).replace("{", "&#123;")


def plain_option(value: object) -> str:
    """Text for a Leaflet option that is shown as text, not HTML (a marker's title): a zero-width space
    after each "{" keeps folium's second Jinja reading from running it (see ``escape``)."""
    return ("" if value is None else str(value)).replace("{", "{\u200b")


def band_colour(band: str, palette: str = "concerns", bands: Sequence[str] = BAND_LABELS) -> str:
    """The colour of ``band`` among ``bands`` (fewest first: the publication's own, which start at k)."""
    colours = PALETTES[palette]
    index = list(bands).index(band) if band in bands else 0
    return colours[min(index, len(colours) - 1)]


# With no tiles: a pale page, the county in white, and the named places' names only once the map is close
# enough for them not to pile up on each other (the towns' names always).
NO_TILES_STYLE = """<style>
.leaflet-container.leaflet-container { background: #e4e6e1; }  /* over leaflet.css, which comes later */
.hcsp-label { white-space: nowrap; font: 12px/1.2 sans-serif; color: #0b0c0c; pointer-events: none; }
.hcsp-label span { background: rgba(255, 255, 255, 0.8); padding: 0 2px; }
.hcsp-town span { font-weight: bold; font-size: 14px; }
.hcsp-place i { display: inline-block; width: 8px; height: 8px; margin-right: 3px; border-radius: 50%;
  background: #505a5f; border: 1px solid #ffffff; box-sizing: border-box; vertical-align: middle; }
.hcsp-place span { display: none; }
.hcsp-near .hcsp-place span { display: inline; }
</style>"""
PLACE_NAMES_ZOOM = 13  # from here on a named place shows its name beside its dot


class PlaceNamesWhenNear(MacroElement):
    """Marks the map ``hcsp-near`` at zoom ``PLACE_NAMES_ZOOM`` and closer (the style shows place names)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function mark() {
                map.getContainer().classList.toggle("hcsp-near", map.getZoom() >= {{ this.zoom }});
            }
            map.on("zoomend", mark);
            mark();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, zoom: int = PLACE_NAMES_ZOOM) -> None:
        super().__init__()
        self._name = "PlaceNamesWhenNear"
        self.zoom = zoom


class ZoomButtons(MacroElement):
    """Leaflet's zoom buttons with their titles (the tooltip, and what a screen reader says) in the map's
    language: the buttons folium adds are titled in English whatever the page's language."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.zoom({{ this.options|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, language: str = i18n.DEFAULT) -> None:
        super().__init__()
        self._name = "ZoomButtons"
        self.options = {
            "zoomInTitle": i18n.gettext(N_("Zoom in"), language),
            "zoomOutTitle": i18n.gettext(N_("Zoom out"), language),
        }


def _label(point: tuple[float, float], text: str, kind: str) -> folium.Marker:
    # A label, not a control: it takes no clicks or hovers, so the map (and a pin) still gets them.
    icon = folium.DivIcon(
        html=f"<i></i><span>{escape(text)}</span>" if kind == "place" else f"<span>{escape(text)}</span>",
        class_name=f"hcsp-label hcsp-{kind}",
        icon_size=(0, 0),
        icon_anchor=(4, 8) if kind == "place" else (-16, 9),  # a town: clear of a marker at its centre
    )
    return folium.Marker(point, icon=icon, interactive=False, keyboard=False)


def reference_layer() -> folium.FeatureGroup:
    """What a map without tiles shows so it still reads: the county filled in white, the towns and the
    named places, all from the app's own files (hcsp_engage/reference/data/)."""
    group = folium.FeatureGroup(name="Towns and places", control=False)
    folium.Polygon(
        geography.county_outline(),
        stroke=False,
        fill=True,
        fill_color="#ffffff",
        fill_opacity=1,
        interactive=False,
    ).add_to(group)
    for place in geography.places():
        _label((place.lat, place.lon), place.name, "place").add_to(group)
    for town in geography.towns().values():
        if town.zoom > geography.COUNTY_VIEW.zoom:  # a town, not the "elsewhere" view of the county
            _label((town.lat, town.lon), town.area, "town").add_to(group)
    return group


def blank_map(
    location: tuple[float, float],
    zoom: int,
    tiles: MapTiles,
    *,
    max_zoom: int = 18,
    min_zoom: int = 0,
    language: str = i18n.DEFAULT,
    **options,
) -> folium.Map:
    """A map with the chosen background (README "Maps"): the tiles with their attribution, or with no
    tiles the county, towns and places, and zoom buttons titled in ``language``. Every map the app draws
    starts here, so its scripts and stylesheets come from the app (``map_assets.SelfHostedMap``)."""
    fmap = map_assets.SelfHostedMap(
        location=location, zoom_start=zoom, tiles=None, zoom_control=False, **options
    )
    ZoomButtons(language).add_to(fmap)
    # On the map itself, not only on a tile layer: with no tiles Leaflet would know no zoom limits, and
    # the clusters of the officers' map refuse to draw without a maximum.
    fmap.options.update(maxZoom=max_zoom, minZoom=min_zoom)
    if tiles.none:
        fmap.get_root().header.add_child(Element(NO_TILES_STYLE), name="hcsp_no_tiles_style")
        reference_layer().add_to(fmap)
        PlaceNamesWhenNear().add_to(fmap)
    else:
        folium.TileLayer(
            tiles.url,
            attr=tiles.attribution,
            name=tiles.name,
            control=False,
            max_zoom=max_zoom,
            min_zoom=min_zoom,
        ).add_to(fmap)
    return fmap


# The county outline on the app's maps: a faint dashed line, not in the way of what the map shows.
OUTLINE_STYLE: Mapping[str, object] = {
    "color": "#0b0c0c",
    "weight": 2,
    "opacity": 0.6,
    "dash_array": "6 4",
    "tooltip": "Herefordshire",
    "interactive": False,
}
# Where a resident may drop a pin (web/picker.py): Leaflet's own blue, solid ("inside the blue line").
BOUNDARY_STYLE: Mapping[str, object] = {"weight": 2, "tooltip": "Herefordshire boundary"}


def base_map(
    view: geography.Town | None = None,
    *,
    outline: bool = True,
    tiles: MapTiles | None = None,
    outline_style: Mapping[str, object] = OUTLINE_STYLE,
    language: str = i18n.DEFAULT,
) -> folium.Map:
    """A map centred on ``view`` (the county by default) with the county outline (always when there are
    no tiles) over the chosen background (OpenStreetMap unless told otherwise); its buttons in
    ``language``."""
    view = view or geography.COUNTY_VIEW
    tiles = tiles or MapTiles()
    fmap = blank_map(
        (view.lat, view.lon), view.zoom, tiles, control_scale=True, max_zoom=17, min_zoom=8, language=language
    )
    fmap.get_root().header.add_child(Element(MAP_STYLE))
    outline = outline or tiles.none
    if view.zoom <= geography.COUNTY_VIEW.zoom:
        # The whole county, whatever the map's size (a fixed zoom cuts it off on short maps or phones).
        lats, lons = zip(*geography.county_outline(), strict=True)
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))])
    if outline:
        folium.PolyLine(geography.county_outline() + geography.county_outline()[:1], **outline_style).add_to(
            fmap
        )
    return fmap


def hex_features(cells: pd.DataFrame) -> dict:
    """GeoJSON for banded cells (``cell`` and ``band`` columns): one polygon per cell, its corners rounded to
    about a metre, and the band (what the tooltip shows) as its only property. Cells go in cell-id order
    whatever order they come in: an order by count would rank cells inside a band."""
    ordered = cells.sort_values("cell", kind="stable")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [compact.cell_ring(cell)]},
            "properties": {"band": escape(band)},
        }
        for cell, band in zip(ordered["cell"], ordered["band"], strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def hex_layer(
    cells: pd.DataFrame,
    name: str,
    *,
    palette: str = "concerns",
    label: str = "Reports",
    show: bool = True,
    bands: Sequence[str] = BAND_LABELS,
) -> folium.FeatureGroup:
    """A switchable layer of hexagons coloured by band, with the band as the tooltip."""
    group = folium.FeatureGroup(name=name, show=show)
    if not cells.empty:
        compact.CompactGeoJson(
            hex_features(cells),
            name=name,
            fill_by="band",
            fills={escape(band): band_colour(band, palette, bands) for band in set(cells["band"])},
            style={"color": "#333333", "weight": 1, "fillOpacity": 0.6},
            highlight={"weight": 3, "fillOpacity": 0.8},
            tooltip=folium.GeoJsonTooltip(fields=["band"], aliases=[escape(label)]),
        ).add_to(group)
    return group


class Legend(MacroElement):
    """A Leaflet control in the bottom-left corner holding fixed markup (so it travels with the map,
    in st_folium and in an exported HTML file alike)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "hcsp-legend");
            div.setAttribute("role", "note");
            div.setAttribute("aria-label", {{ this.label|tojson }});
            div.innerHTML = {{ this.markup|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, markup: str, label: str = "Map legend") -> None:
        super().__init__()
        self._name = "Legend"
        self.markup = markup
        self.label = label


def legend(
    layers: Mapping[str, str], bands: Sequence[str] = BAND_LABELS, language: str = i18n.DEFAULT
) -> Legend:
    """A compact key: one row per band (``bands``, fewest first), one swatch per layer (layer name ->
    palette). Fixed text only, in ``language``."""
    swatch = (
        '<span title="{name}" style="display:inline-block;width:14px;height:12px;margin-right:3px;'
        'border:1px solid #333;vertical-align:middle;background:{colour}"></span>'
    )
    rows = "".join(
        "<div>"
        + "".join(
            swatch.format(name=escape(name), colour=band_colour(band, palette, bands))
            for name, palette in layers.items()
        )
        + f" {escape(i18n.gettext(band, language))}</div>"
        for band in bands
    )
    names = "".join(
        f"<div>{swatch.format(name=escape(name), colour=band_colour(bands[-1], palette, bands))} "
        f"{escape(name)}</div>"
        for name, palette in layers.items()
    )
    title = i18n.gettext(N_("How many per hexagon"), language)
    return Legend(
        '<div style="background:#fff;padding:4px 6px;border:1px solid #777;border-radius:4px;'
        'font:11px/1.35 sans-serif;color:#0b0c0c">'
        f"<strong>{escape(title)}</strong>{rows}{names}</div>",
        i18n.gettext(N_("Map legend"), language),
    )


def _number(text: object) -> float | None:
    """A coordinate from a register row, or None for a blank, NaN or a value edited into nonsense."""
    try:
        value = records.optional_float(str(text))
    except ValueError:
        return None
    return value if value == value else None  # NaN is no number


def intervention_point(row: Mapping[str, str]) -> tuple[float, float] | None:
    """Where to mark an intervention: its point, else the centre of its area (precision 'area')."""
    lat, lon = _number(row.get("lat", "")), _number(row.get("lon", ""))
    if lat is not None and lon is not None:
        return lat, lon
    town = geography.towns().get(str(row.get("area", "")))
    return (town.lat, town.lon) if town else None


def intervention_popup(row: Mapping[str, str], language: str = i18n.DEFAULT) -> str:
    """The popup's HTML: scheme, what, when (month), how exact the location is; every value escaped. The
    register's words in ``language``; the title and description as officers wrote them."""

    def text(message: str) -> str:
        return escape(i18n.gettext(message, language))

    started = month_label(str(row.get("started_on", "")), language)
    status = str(row.get("status", ""))
    lines = [
        f"<strong>{escape(row.get('title', ''))}</strong>",
        f"{escape(row.get('scheme', ''))} · {text(str(row.get('kind', '')))}",
        text(Message("Started {month}", month=started)) if started else "",
        text(Message("Status: {status}", status=Message(status))) if status else "",
        escape(row.get("description", "")),
        f"<em>{text(PRECISION_WORDS.get(str(row.get('location_precision', '')), ''))}</em>",
    ]
    return "<br>".join(line for line in lines if line)


def intervention_layer(
    frame: pd.DataFrame,
    name: str = "Safer Streets interventions",
    show: bool = True,
    language: str = i18n.DEFAULT,
) -> folium.FeatureGroup:
    """A marker per intervention, icon by kind, with an escaped popup and tooltip (``language`` as in
    ``intervention_popup``)."""
    group = folium.FeatureGroup(name=name, show=show)
    for row in frame.to_dict("records"):
        point = intervention_point(row)
        if point is None:
            continue
        icon, colour = KIND_ICONS.get(str(row.get("kind", "")), KIND_ICONS["Other"])
        folium.Marker(
            point,
            icon=folium.Icon(icon=icon, prefix="fa", color=colour),
            popup=folium.Popup(intervention_popup(row, language), max_width=280),
            tooltip=folium.Tooltip(escape(row.get("title", ""))),
            # The marker's accessible name. Leaflet sets it as a DOM property (text, never HTML), and
            # folium writes options as JSON, so the raw title is safe here.
            title=plain_option(f"{i18n.gettext(str(row.get('kind', '')), language)}: {row.get('title', '')}"),
            alt=plain_option(f"{i18n.gettext(str(row.get('kind', '')), language)}: {row.get('title', '')}"),
        ).add_to(group)
    return group


def chosen_point_marker(point: tuple[float, float]) -> folium.CircleMarker:
    """The point an officer has chosen for an intervention, before saving."""
    return folium.CircleMarker(
        point, radius=9, color="#d4351c", weight=3, fill=True, fill_opacity=0.4, tooltip="Chosen point"
    )


def community_map(
    view: geography.Town | None,
    layers: Mapping[str, tuple[pd.DataFrame, str]],
    interventions: pd.DataFrame | None = None,
    *,
    tiles: MapTiles | None = None,
    bands: Sequence[str] = BAND_LABELS,
    language: str = i18n.DEFAULT,
) -> folium.Map:
    """The public map: switchable hexagon layers (name -> (cells, palette)), interventions, a legend.
    ``bands`` are the publication's band texts, fewest first (they start at k). The layer names come in
    ``language``; the map's own words are put in it here."""
    fmap = base_map(view, tiles=tiles, language=language)
    label = {palette: i18n.gettext(text, language) for palette, text in HEX_LABELS.items()}
    for index, (name, (cells, palette)) in enumerate(layers.items()):
        shown = (
            cells.assign(band=[i18n.gettext(band, language) for band in cells["band"]])
            if not cells.empty
            else cells
        )
        hex_layer(
            shown,
            name,
            palette=palette,
            label=label[palette],
            show=index == 0,
            bands=[i18n.gettext(band, language) for band in bands],
        ).add_to(fmap)
    if interventions is not None:
        intervention_layer(
            interventions, i18n.gettext(N_("Safer Streets interventions"), language), language=language
        ).add_to(fmap)
    if layers:
        legend({name: palette for name, (_, palette) in layers.items()}, bands, language).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def to_html(fmap: folium.Map) -> str:
    """The map's HTML document as the app serves it: scripts and stylesheets at the app's own address
    (``map_assets``), so it draws only when served by the app. A file to download is ``standalone_html``."""
    return fmap.get_root().render()


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML file holding every script, stylesheet, image and font it needs, so it opens
    from a file at a meeting with no network (tiles aside: without them the outline and places show)."""
    return map_assets.standalone_html(fmap)
