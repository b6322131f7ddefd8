"""No host but the app and the tile server: every request that leaves the app is refused (tiles get a
small PNG, or are refused too), and the community map, the report form's pin map, the officers' map and the
downloaded map HTML still draw, from the app's own files (static/map/, README "Maps")."""

from __future__ import annotations

import pytest

from tests.browser import support

APP_HOST = "127.0.0.1"
TILE_HOST = "tile.openstreetmap.org"
HEXAGON = 'path.leaflet-interactive[stroke="#333333"]'  # the community map's cells, not the outline
OUTLINE = 'path[stroke="#0b0c0c"]'  # the county outline (dashed), drawn by every map without tiles
PIN = "img.leaflet-marker-icon"  # Leaflet's own marker image: the resident's pin


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on its demo store (18 months of synthetic reports, one-click officer sign-in), OSM tiles."""
    server = support.start_app(tmp_path_factory.mktemp("tiles-osm"), env={"HCSP_DEMO": "1"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def no_tiles_app(tmp_path_factory):
    server = support.start_app(
        tmp_path_factory.mktemp("tiles-none"), env={"HCSP_DEMO": "1", "HCSP_MAP_TILES": "none"}
    )
    yield server
    server.stop()


@pytest.fixture
def no_tiles_network():
    return support.Network(allow_tiles=False)


@pytest.fixture
def no_tiles_page(browser, no_tiles_network):
    """A desktop page whose every request leaving the app is refused, map tiles included."""
    context = browser.new_context(viewport=support.DESKTOP, service_workers="block")
    context.route("**/*", no_tiles_network.handle)
    yield context.new_page()
    context.close()


def map_frame(page):
    frame = page.frame_locator(support.FOLIUM_FRAME)
    frame.locator(support.LEAFLET_MAP).wait_for(timeout=60_000)
    return frame


def test_the_community_map_draws_its_hexagons_asking_only_the_app_and_the_tile_server(
    demo_app, page, network
):
    from playwright.sync_api import expect

    support.goto(page, demo_app.url + "/map")
    frame = map_frame(page)

    expect(frame.locator(HEXAGON).first).to_be_visible(timeout=60_000)
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    expect(frame.locator(".awesome-marker i.fa").first).to_be_visible()  # Font Awesome, from the app
    assert frame.locator(HEXAGON).count() > 20
    assert network.tiles, "the map asked for no tiles"
    assert network.blocked == []
    assert network.hosts == {APP_HOST, TILE_HOST}


def test_the_report_forms_pin_map_draws_and_a_click_sets_the_pin(demo_app, page, network):
    from playwright.sync_api import expect

    support.goto(page, demo_app.url + "/report")
    support.choose(page, "report_area", "Hereford")
    support.choose(page, "report_method", "Drop a pin on a map")
    leaflet = map_frame(page).locator(support.LEAFLET_MAP)
    expect(leaflet).to_be_visible()

    leaflet.click()  # the middle of the map: Hereford, inside the county

    expect(page.get_by_text("Pin dropped about")).to_be_visible(timeout=30_000)
    pin = map_frame(page).locator(PIN)
    expect(pin).to_have_count(1, timeout=30_000)
    # The marker's picture came from the app: a refused or missing file has no width.
    page.wait_for_function(
        "frame => frame.contentDocument.querySelector('img.leaflet-marker-icon')?.naturalWidth > 0",
        arg=page.locator(support.FOLIUM_FRAME).element_handle(),
        timeout=10_000,
    )
    assert network.blocked == []
    assert network.hosts == {APP_HOST, TILE_HOST}


def test_the_officers_map_draws_asking_only_the_app_and_the_tile_server(demo_app, page, network):
    from playwright.sync_api import expect

    support.sign_in_as_officer(page, demo_app.url)
    frame = map_frame(page)

    expect(frame.locator("path.leaflet-interactive").first).to_be_visible(timeout=60_000)
    expect(frame.locator(".marker-cluster").first).to_be_visible()  # Leaflet.markercluster, from the app
    expect(frame.locator(".hcsp-legend")).to_be_visible()
    assert network.blocked == []
    assert network.hosts == {APP_HOST, TILE_HOST}


def test_without_tiles_the_community_map_draws_the_county_places_and_hexagons(
    no_tiles_app, no_tiles_page, no_tiles_network, axe_violations
):
    from playwright.sync_api import expect

    page = no_tiles_page
    support.goto(page, no_tiles_app.url + "/map")
    frame = map_frame(page)

    expect(frame.locator(HEXAGON).first).to_be_visible(timeout=60_000)
    expect(frame.locator(OUTLINE)).to_have_count(1)
    expect(frame.locator(".hcsp-town")).to_have_count(3)
    expect(frame.locator(".hcsp-town span").filter(has_text="Leominster")).to_be_visible()
    assert frame.locator(".hcsp-place").count() > 20
    assert frame.locator(support.LEAFLET_TILE).count() == 0
    support.screenshot_of(page.locator(support.FOLIUM_FRAME), "map-without-tiles")
    violations = axe_violations(page)  # the town and place names included
    assert violations == [], support.describe(violations)
    assert no_tiles_network.tiles == []
    assert no_tiles_network.blocked == []
    assert no_tiles_network.hosts == {APP_HOST}


def test_without_tiles_a_click_on_the_pin_map_still_sets_the_pin(
    no_tiles_app, no_tiles_page, no_tiles_network
):
    from playwright.sync_api import expect

    page = no_tiles_page
    support.goto(page, no_tiles_app.url + "/report")
    support.choose(page, "report_area", "Leominster")
    support.choose(page, "report_method", "Drop a pin on a map")
    leaflet = map_frame(page).locator(support.LEAFLET_MAP)
    expect(map_frame(page).locator(".hcsp-town").first).to_be_attached()

    leaflet.click()  # on Leominster's name, which lets the click through to the map

    expect(page.get_by_text("Pin dropped about")).to_be_visible(timeout=30_000)
    expect(map_frame(page).locator(PIN)).to_have_count(1, timeout=30_000)
    assert no_tiles_network.blocked == [] and no_tiles_network.tiles == []
    assert no_tiles_network.hosts == {APP_HOST}


def test_the_downloaded_map_opens_from_a_file_with_no_network_and_draws(demo_app, page, browser, tmp_path):
    from playwright.sync_api import expect

    support.sign_in_as_officer(page, demo_app.url)
    map_frame(page)
    with page.expect_download() as event:
        page.get_by_role("button", name="Download the map (HTML file)").click()
    saved = tmp_path / "hotspot-map.html"
    event.value.save_as(saved)

    offline = support.Network(allow_tiles=False)
    context = browser.new_context(viewport=support.DESKTOP, service_workers="block")
    context.route("**/*", offline.handle)
    try:
        opened = context.new_page()
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.goto(saved.as_uri())

        expect(opened.locator(support.LEAFLET_MAP)).to_be_visible(timeout=30_000)
        assert opened.evaluate("typeof L.heatLayer === 'function' && typeof L.markerClusterGroup")
        expect(opened.locator("path.leaflet-interactive").first).to_be_visible()
        expect(opened.locator(".marker-cluster").first).to_be_visible()
        expect(opened.locator(".leaflet-control-layers")).to_be_visible()
        support.screenshot(opened, "downloaded-map-offline")
    finally:
        context.close()
    assert errors == []
    assert offline.blocked == []
    assert offline.hosts <= {"", TILE_HOST}  # the file itself, and the tiles it was refused


def test_a_request_to_an_unknown_host_is_blocked_and_recorded(app_server, page, network):
    support.goto(page, app_server.url)

    outcome = page.evaluate(
        "fetch('https://www.google-analytics.com/collect').then(() => 'answered', () => 'refused')"
    )

    assert outcome == "refused"
    assert network.blocked == ["https://www.google-analytics.com/collect"]


@pytest.mark.parametrize("path", ["/", "/survey", "/report", "/map", "/privacy", "/accessibility"])
def test_public_pages_ask_no_host_but_the_app_and_the_tile_server(app_server, page, network, path):
    # No tracker, font or script from a third party: nothing outside the app but map tiles.
    support.goto(page, app_server.url + path)
    if path == "/map":
        page.frame_locator(support.FOLIUM_FRAME).first.locator(support.LEAFLET_TILE).first.wait_for(
            state="attached", timeout=20_000
        )

    assert network.blocked == []
    assert network.hosts <= {APP_HOST, TILE_HOST}
