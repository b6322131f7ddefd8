"""No network beyond the app: folium maps render from local npm files, and no public page calls a third party."""

from __future__ import annotations

import pytest

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
    support.screenshot(page, "offline-folium-map")

    assert network.blocked == []
    assert set(network.missing) <= LEAFLET_193_ICON_GLITCH
    served = "\n".join(network.served)
    for needed in ("leaflet@1.9.3/dist/leaflet.js", "leaflet.awesome-markers.js", "leaflet.markercluster.js"):
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
def test_no_public_page_sends_the_resident_anywhere_else(app_server, page, network, path):
    # No tracker, font or script from a third party: every outside request is a CDN file we stand in for.
    support.goto(page, app_server.url + path)
    if path == "/map":
        page.frame_locator(support.FOLIUM_FRAME).first.locator(support.LEAFLET_TILE).first.wait_for(
            state="attached", timeout=20_000
        )

    assert network.blocked == []
