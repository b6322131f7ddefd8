"""The map files the app serves itself: the copies in static/map/ are the pinned packages' files and match
the manifest, and no map the app makes (shown through st_folium, or downloaded) asks any host but the app
and the tile server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pandas as pd
import pytest
import streamlit_folium
from folium.plugins import Fullscreen

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import hotspots, interventions
from hcsp_engage.config import NO_TILES, MapTiles
from hcsp_engage.reference import geography
from hcsp_engage.render import map_assets, maps, officer_map
from hcsp_engage.storage.base import to_frame

ROOT = Path(__file__).resolve().parents[2]
OSM = MapTiles()
OWN_TILES = MapTiles(url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="Example tiles", name="x")
# Links a person may follow from the map's corner: never fetched by the browser.
ATTRIBUTION_LINKS = {"https://www.openstreetmap.org/copyright"}


def register() -> pd.DataFrame:
    return interventions.current(to_frame(schema.INTERVENTIONS, interventions.seed_rows()))


def reports() -> pd.DataFrame:
    return hotspots.with_status(hotspots.parse_reports(synthetic.report_frame(200, seed=4)), pd.DataFrame())


def some_cells() -> pd.DataFrame:
    cells = sorted({geography.cell_of(lat, lon, 8) for lat, lon in [(52.0565, -2.7149), (52.2282, -2.7386)]})
    return pd.DataFrame({"cell": cells, "count": 10, "band": maps.BAND_LABELS[0]})


def app_maps(tiles: MapTiles) -> dict[str, folium.Map]:
    """One of each map the app draws, built as the pages build them."""
    picker = maps.blank_map((52.0565, -2.7149), 14, tiles, control_scale=True)
    folium.Marker((52.0565, -2.7149), tooltip="Your pin").add_to(picker)
    intervention_map = maps.base_map(geography.view_for("Hereford"), outline=False, tiles=tiles)
    maps.intervention_layer(register()).add_to(intervention_map)
    return {
        "community": maps.community_map(
            None, {"Concerns": (some_cells(), "concerns")}, register(), tiles=tiles
        ),
        "officers": officer_map.officer_map(reports(), register(), tiles=tiles)[0],
        "picker": picker,
        "interventions": intervention_map,
    }


def st_folium_links(fmap: folium.Map, monkeypatch) -> list[str]:
    """The scripts and stylesheets st_folium tells its iframe to load for ``fmap``."""
    sent: dict = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.update(kwargs))
    streamlit_folium.st_folium(fmap, key="map", returned_objects=[])
    return [*sent["js_links"], *sent["css_links"]]


# --- the copies -----------------------------------------------------------------------------------------


def test_the_copies_match_the_manifest():
    assert map_assets.check() == []


def test_the_manifest_lists_the_pinned_versions_and_each_licence():
    lock = json.loads(map_assets.PACKAGE_LOCK.read_text())["packages"]
    folium_pin = re.search(r"^folium==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    entries = map_assets.manifest()

    for entry in entries:
        if entry["source"] == "npm":
            assert entry["version"] == lock[f"node_modules/{entry['package']}"]["version"], entry
        else:
            assert entry["version"] == folium_pin.group(1), entry
    files = {entry["file"] for entry in entries}
    for package in map_assets.PACKAGES:
        assert f"{package.name}/{package.licence}" in files


def test_the_copies_are_the_installed_packages_files():
    if not map_assets.NODE_MODULES.exists():
        pytest.skip("tests/browser/node_modules is missing: run `npm ci` in tests/browser")
    for package in map_assets.PACKAGES:
        for file in (*package.files, package.licence):
            copy = map_assets.FOLDER / package.name / file
            assert copy.read_bytes() == map_assets._source(package, file).read_bytes(), copy


def test_every_file_a_stylesheet_names_is_kept():
    for path in [entry["file"] for entry in map_assets.manifest() if entry["file"].endswith(".css")]:
        missing = [
            target
            for target in map_assets.css_references(path)
            if not (map_assets.FOLDER / target).is_file()
            # Font Awesome's TrueType fallbacks: a browser that reads the WOFF2 listed first never asks.
            and not target.endswith(".ttf")
        ]
        assert missing == [], path


def test_every_cdn_address_folium_uses_is_replaced_by_a_kept_file():
    kept = {entry["file"] for entry in map_assets.manifest()}

    assert {path for path in map_assets.CDN_FILES.values() if path} <= kept


# --- the maps -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tiles", [OSM, OWN_TILES, NO_TILES], ids=["osm", "own", "none"])
def test_no_map_the_app_makes_asks_a_host_but_the_app_and_the_tile_server(tiles, monkeypatch):
    for name, fmap in app_maps(tiles).items():
        html = maps.to_html(fmap)
        links = st_folium_links(fmap, monkeypatch)

        loaded = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
        assert loaded and links, name
        for url in [*loaded, *links]:
            assert url.startswith(map_assets.SERVED_AT), (name, url)
            assert (map_assets.FOLDER / url.removeprefix(map_assets.SERVED_AT)).is_file(), (name, url)
        addresses = set(re.findall(r"""https?://[^\s"'<>\\]+""", html))
        assert addresses <= {tiles.url} | ATTRIBUTION_LINKS, name


def test_the_maps_ask_for_no_glyphicons_or_rotation_sheet_they_do_not_use(monkeypatch):
    links = st_folium_links(app_maps(OSM)["community"], monkeypatch)

    assert not [link for link in links if "glyphicons" in link or "rotate" in link]
    assert any(link.endswith("leaflet/dist/leaflet.js") for link in links)


def test_a_map_asking_for_a_file_the_app_does_not_keep_is_refused():
    fmap = maps.base_map()
    Fullscreen().add_to(fmap)  # its files are not copied into static/map/

    with pytest.raises(map_assets.UnknownAsset, match="leaflet.fullscreen"):
        maps.to_html(fmap)


def test_the_downloaded_map_holds_every_file_and_loads_nothing():
    fmap = app_maps(OSM)["officers"]
    html = maps.standalone_html(fmap)

    assert not re.search(r"<script\b[^>]*\bsrc=|<link\b[^>]*\bhref=", html)
    assert "L.heatLayer=function" in html and "L.MarkerClusterGroup" in html
    assert "data:font/woff2;base64," in html and "data:image/png;base64," in html
    assert "hcsp-map-asset" not in html and map_assets.SERVED_AT not in html
    # Writing it out leaves the map as the app shows it.
    assert map_assets.SERVED_AT + "leaflet/dist/leaflet.js" in maps.to_html(fmap)


def test_no_kept_script_or_stylesheet_would_end_its_inline_element_early():
    for entry in map_assets.manifest():
        if entry["file"].endswith(".js"):
            map_assets._inline_script(entry["file"])  # raises when it cannot be inlined
        elif entry["file"].endswith(".css"):
            map_assets._inline_css(entry["file"])


def test_a_map_downloaded_after_the_page_showed_it_holds_it_once(monkeypatch):
    fmap = app_maps(OSM)["officers"]
    st_folium_links(fmap, monkeypatch)  # st_folium renames the map's elements as it shows them

    html = maps.standalone_html(fmap)

    assert html.count('class="folium-map"') == 1
    assert html.count("L.map(") == 1
    # Every "addTo" line of the map's own script names variables that script defines.
    script = html.rsplit("<script>", 1)[1]
    defined = set(re.findall(r"var (\w+) =", script))
    added = re.findall(r"(\w+)\.addTo\((\w+)\)", script)
    assert len(added) > 5
    assert [pair for pair in added if not set(pair) <= defined] == []


def test_the_copying_script_is_runnable_and_the_check_passes(capsys):
    script = ROOT / "scripts" / "vendor-map-assets"

    assert script.stat().st_mode & 0o111
    assert "hcsp_engage.render.map_assets" in script.read_text()
    assert map_assets.main(["check"]) == 0
    assert "matches its manifest" in capsys.readouterr().out
