import json

import folium
import h3
import pandas as pd
import pytest

from hcsp_engage import schema
from hcsp_engage.analysis import public
from hcsp_engage.config import NO_TILES, MapTiles
from hcsp_engage.reference import geography
from hcsp_engage.render import maps
from hcsp_engage.storage.base import to_frame
from tests.rows import intervention_row

XSS = "<img src=x onerror=alert(1)>"


def intervention(**values: str) -> dict[str, str]:
    row = intervention_row(
        "I-TESTAAAA",
        scheme="Safer Streets 4",
        kind="CCTV",
        area="Hereford",
        title="New cameras",
        lat="52.0565",
        lon="-2.7149",
        location_precision="exact",
        started_on="2022-10-15",
        status="Completed",
        public="yes",
        updated_at="2026-11-01T10:00:00Z",
        updated_by="AB",
    )
    row.update(values)
    return row


def cells(*points: tuple[float, float], band: str = "10–24") -> pd.DataFrame:
    ids = [h3.latlng_to_cell(lat, lon, 8) for lat, lon in points]
    return pd.DataFrame({"cell": ids, "count": [10] * len(ids), "band": [band] * len(ids)})


def test_stored_text_reaches_popups_and_tooltips_only_escaped():
    frame = to_frame(schema.INTERVENTIONS, [intervention(title=XSS, description=XSS, scheme="Other")])
    html = maps.to_html(maps.community_map(None, {}, frame))
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert XSS not in html
    assert "<img" not in html


def test_the_popup_says_scheme_kind_month_and_how_exact():
    popup = maps.intervention_popup(intervention(location_precision="approximate"))
    assert "Safer Streets 4" in popup and "CCTV" in popup
    assert "Started October 2022" in popup
    assert "15" not in popup.replace("2022", "")  # no day of the month
    assert "Approximate location" in popup


def test_an_intervention_known_only_by_area_is_marked_at_the_town_centre():
    town = geography.towns()["Leominster"]
    point = maps.intervention_point(
        intervention(area="Leominster", lat="", lon="", location_precision="area")
    )
    assert point == (town.lat, town.lon)


def test_interventions_get_an_icon_by_kind():
    frame = to_frame(
        schema.INTERVENTIONS,
        [
            intervention(intervention_id="I-A", kind="CCTV"),
            intervention(intervention_id="I-B", kind="Street lighting"),
        ],
    )
    html = maps.to_html(maps.community_map(None, {}, frame))
    assert '"icon": "video"' in html and '"icon": "lightbulb"' in html


def test_the_hexagon_layer_draws_one_polygon_per_cell_with_its_band_only():
    shown = cells((52.0565, -2.7149), (52.2282, -2.7386), band="25–49")
    features = maps.hex_features(shown)["features"]
    assert len(features) == 2
    assert {feature["properties"]["band"] for feature in features} == {"25–49"}
    assert all(len(feature["geometry"]["coordinates"][0]) == 7 for feature in features)
    assert "count" not in json.dumps(features)


def test_the_map_grows_with_cells_not_reports():
    small = maps.to_html(maps.community_map(None, {"A": (cells((52.0565, -2.7149)), "concerns")}))
    many = cells((52.0565, -2.7149), band="100 or more")
    big = maps.to_html(maps.community_map(None, {"A": (many, "concerns")}))
    assert abs(len(big) - len(small)) < 200


@pytest.mark.parametrize("area", ["Hereford", "Leominster", "Ross-on-Wye"])
def test_the_map_centres_on_the_chosen_town(area):
    town = geography.view_for(area)
    fmap = maps.community_map(town, {})
    assert tuple(fmap.location) == (town.lat, town.lon)


def test_layers_can_be_switched_and_the_legend_names_them():
    fmap = maps.community_map(
        None,
        {"ASB concerns": (cells((52.0565, -2.7149)), "concerns"), "Unsafe places": (cells(), "unsafe")},
        to_frame(schema.INTERVENTIONS, [intervention()]),
    )
    html = maps.to_html(fmap)
    assert "L.control.layers" in html
    for name in ("ASB concerns", "Unsafe places", "Safer Streets interventions"):
        assert name in html
    # The legend's markup travels as a JSON string inside the map's script.
    assert json.dumps("10–24")[1:-1] in html and "100 or more" in html
    assert "openstreetmap.org/copyright" in html


def test_the_county_map_fits_the_whole_county():
    html = maps.to_html(maps.community_map(None, {}))
    assert "fitBounds" in html


def test_the_zoom_buttons_are_named_in_the_maps_language_and_drawn_once():
    html = maps.to_html(maps.community_map(None, {}, language="ro"))
    assert json.dumps({"zoomInTitle": "Mărește", "zoomOutTitle": "Micșorează"}) in html
    assert '"zoomControl": false' in html  # not Leaflet's own English buttons as well
    assert json.dumps({"zoomInTitle": "Zoom in", "zoomOutTitle": "Zoom out"}) in maps.to_html(maps.base_map())


# --- tiles ---------------------------------------------------------------------------------------------


def test_a_map_credits_openstreetmap_for_its_tiles_by_default():
    html = maps.to_html(maps.base_map())

    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "openstreetmap.org/copyright" in html


def test_a_map_uses_the_chosen_tile_server_and_its_credit():
    tiles = MapTiles(url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="Example credit", name="x")

    html = maps.to_html(maps.community_map(None, {}, tiles=tiles))

    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html and "Example credit" in html
    assert "openstreetmap" not in html


def test_a_map_without_tiles_draws_the_county_towns_and_places_from_the_apps_files():
    fmap = maps.base_map(geography.view_for("Hereford"), outline=False, tiles=NO_TILES)
    html = maps.to_html(fmap)

    labels = [
        child.options["html"]
        for layer in fmap._children.values()
        for marker in layer._children.values()
        for child in marker._children.values()
        if isinstance(child, folium.DivIcon)
    ]

    assert "L.tileLayer" not in html
    assert html.count('"className": "hcsp-label hcsp-town"') == 3
    for town in ("Hereford", "Leominster", "Ross-on-Wye"):
        assert f"<span>{town}</span>" in labels
    for place in geography.places():
        assert f"<i></i><span>{maps.escape(place.name)}</span>" in labels
    assert len(labels) == 3 + len(geography.places())
    # The outline is drawn even where a map with tiles leaves it out, and the county is filled.
    assert html.count("L.polyline(") == 1 and html.count("L.polygon(") == 1


def test_labels_on_a_map_without_tiles_take_no_clicks():
    # A resident dropping a pin on a label drops it on the map underneath.
    for marker in maps.reference_layer()._children.values():
        if isinstance(marker, folium.Marker):
            assert marker.options["interactive"] is False


def test_the_public_legend_and_colours_follow_the_publications_bands_at_any_k():
    bands = public.public_bands(20)
    texts = tuple(band.text for band in bands)
    cells = pd.DataFrame(
        {"cell": [h3.latlng_to_cell(52.0565, -2.7149, 8)], "count": [30], "band": [texts[1]]}
    )
    html = maps.to_html(maps.community_map(None, {"Concerns": (cells, "concerns")}, bands=texts))
    in_legend = json.dumps(texts[0])[1:-1]  # the legend's markup travels as a JSON string
    assert texts[0].startswith("20") and in_legend in html
    assert json.dumps("10–24")[1:-1] not in html  # the fixed k = 10 band names are not shown when k is 20
    assert maps.band_colour(texts[1], "concerns", texts) == maps.PALETTES["concerns"][1]
