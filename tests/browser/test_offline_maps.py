"""No network beyond the app: folium maps render from local npm files; pages call no other third party."""

from __future__ import annotations

import re

import folium
import pytest
from branca.colormap import LinearColormap
from folium.plugins import Fullscreen, HeatMap, MarkerCluster

from tests.browser import support

MAP_SCRIPT = "tests/browser/fixtures/folium_map.py"
# Leaflet 1.9.3 guesses its default icon folder from the leaflet.css link when that sheet has not applied
# yet, and drops the slash (fixed in 1.9.4). folium creates each marker with the default icon before
# setting its own, so the real CDN sees these and answers 404 too; the marker shows its folium.Icon.
LEAFLET_193_ICON_GLITCH = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/distmarker-icon.png",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/distmarker-icon-2x.png",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/distmarker-shadow.png",
}


def urls_folium_loads() -> list[str]:
    """The script and stylesheet URLs in a rendered folium map with every plugin and legend the app may use."""
    fmap = folium.Map(location=(52.05, -2.7), zoom_start=12)
    folium.Marker((52.05, -2.7), icon=folium.Icon(icon="star", prefix="fa")).add_to(fmap)
    MarkerCluster().add_to(fmap)
    HeatMap([(52.05, -2.7, 1.0)]).add_to(fmap)
    Fullscreen().add_to(fmap)
    LinearColormap(["#ffffcc", "#bd0026"], vmin=0, vmax=10, caption="Reports").add_to(fmap)
    return re.findall(r'(?:src|href)="(https?://[^"]+)"', fmap.get_root().render())


def test_every_file_folium_asks_for_is_served_locally(node_modules):
    urls = urls_folium_loads()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in urls

    unserved = [url for url in urls if url not in support.CDN_FILES]
    missing = [
        url for url in urls if support.CDN_FILES.get(url) and not support.local_file_for(url).is_file()
    ]

    assert unserved == []
    assert [url for url in missing if "leaflet.awesome.rotate" not in url] == []


def test_a_folium_map_renders_offline_from_local_npm_files(start_app, page, network):
    server = start_app(script=MAP_SCRIPT)
    support.goto(page, server.url)

    map_frame = page.frame_locator(support.FOLIUM_FRAME)
    map_frame.locator(support.LEAFLET_MAP).first.wait_for(timeout=20_000)
    map_frame.locator(support.LEAFLET_TILE).first.wait_for(state="attached", timeout=20_000)
    map_frame.locator(support.LEAFLET_MARKER).first.wait_for(timeout=20_000)
    map_frame.locator(".marker-cluster").first.wait_for(timeout=20_000)
    map_frame.locator(".leaflet-heatmap-layer").first.wait_for(state="attached", timeout=20_000)
    map_frame.locator(".leaflet-control-zoom-fullscreen").first.wait_for(timeout=20_000)
    map_frame.locator(".legend.leaflet-control svg text").first.wait_for(timeout=20_000)  # drawn by d3
    support.screenshot(page, "offline-folium-map")

    assert network.blocked == []
    assert set(network.missing) <= LEAFLET_193_ICON_GLITCH
    served = "\n".join(network.served)
    for needed in (
        "leaflet@1.9.3/dist/leaflet.js",
        "leaflet.awesome-markers.js",
        "leaflet.markercluster.js",
        "d3.min.js",
    ):
        assert needed in served
    assert network.tiles, "the map asked for no tiles"


def test_a_request_to_an_unknown_host_is_blocked_and_recorded(app_server, page, network):
    support.goto(page, app_server.url)

    outcome = page.evaluate(
        "fetch('https://www.google-analytics.com/collect').then(() => 'answered', () => 'refused')"
    )

    assert outcome == "refused"

    assert network.blocked == ["https://www.google-analytics.com/collect"]


@pytest.mark.parametrize("path", ["/", "/survey", "/report", "/map", "/privacy", "/accessibility"])
def test_public_pages_call_no_third_party_beyond_the_map_cdns_and_tiles(app_server, page, network, path):
    # No tracker, font or script from a third party: every outside request is a map file or a tile.
    support.goto(page, app_server.url + path)
    if path == "/map":
        page.frame_locator(support.FOLIUM_FRAME).first.locator(support.LEAFLET_TILE).first.wait_for(
            state="attached", timeout=20_000
        )

    assert network.blocked == []
