"""The community map and the interventions register in Chromium: hexagons, markers, escaped stored text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from tests.analysis.test_aggregate import HIGH_TOWN, report
from tests.browser import support
from tests.rows import intervention_row

XSS = "<img src=x onerror=alert(1)>"
AWESOME_MARKER = ".awesome-marker:not(.awesome-marker-shadow)"


def seeded_store(path) -> None:
    """Twelve public-category reports in one hexagon (above k = 10), made last month so that this
    month's publication counts them, and one public intervention whose title is a script."""
    store = SqliteStore(path)
    last_month = (date.today().replace(day=1) - timedelta(days=1)).isoformat()
    for n in range(12):
        store.append(
            schema.ASB_REPORTS,
            report(
                *HIGH_TOWN,
                category="Noise",
                n=n,
                occurred_on=last_month,
                submitted_at=f"{last_month}T12:00:00Z",
            ),
        )
    row = intervention_row(
        "I-XSSTEST2",
        scheme="Other",
        kind="CCTV",
        area="Hereford",
        title=XSS,
        lat="52.0600",
        lon="-2.7200",
        location_precision="exact",
        started_on="2026-01-10",
        status="Completed",
        public="yes",
        description=XSS,
        updated_at="2026-11-01T10:00:00Z",
        updated_by="AB",
    )
    store.append(schema.INTERVENTIONS, row)


@pytest.fixture
def seeded_app(tmp_path, start_app):
    # Demo mode gives one-click officer sign-in; the demo store is this test's own, already holding data,
    # so no synthetic data is added and the Safer Streets seed is not written over it.
    store_path = tmp_path / "seeded.sqlite3"
    seeded_store(store_path)
    return start_app(env={"HCSP_DEMO": "1", "HCSP_SQLITE_PATH": str(store_path)})


def open_popup(page, marker, popup) -> None:
    """Click the marker until its popup shows: the component may redraw the map once after loading."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    support.wait_for_app(page)
    marker.scroll_into_view_if_needed()
    for _ in range(5):
        marker.click()
        try:
            popup.wait_for(timeout=3_000)
            return
        except PlaywrightTimeout:
            continue
    popup.wait_for(timeout=3_000)


def alerts_raised(page) -> list[str]:
    raised: list[str] = []
    page.on("dialog", lambda dialog: (raised.append(dialog.message), dialog.dismiss()))
    return raised


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_community_map_draws_hexagons_and_intervention_markers(seeded_app, make_page, network, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    raised = alerts_raised(page)
    support.goto(page, seeded_app.url + "/map")
    frame = page.frame_locator(support.FOLIUM_FRAME)
    frame.locator(support.LEAFLET_MAP).wait_for(timeout=30_000)
    hexagons = frame.locator("path.leaflet-interactive")
    hexagons.first.wait_for(timeout=30_000)
    assert hexagons.count() >= 1
    markers = frame.locator(AWESOME_MARKER)  # folium.Icon draws Leaflet.awesome-markers
    markers.first.wait_for(timeout=10_000)
    assert markers.count() == 1
    support.screenshot(page, f"map-{viewport}")

    popup = frame.locator(".leaflet-popup-content")
    open_popup(page, markers.first, popup)
    assert XSS in popup.inner_text()  # shown as text ...
    assert frame.locator('img[src="x"]').count() == 0  # ... never as an element
    assert raised == []
    assert network.blocked == []


def test_a_script_in_an_intervention_title_is_text_in_the_officer_list(seeded_app, page, network):
    raised = alerts_raised(page)
    support.goto(page, seeded_app.url + "/interventions")
    page.locator(".st-key-staff_demo_officer button").click()
    support.wait_for_app(page)
    choice = page.locator(".st-key-intervention_choice").get_by_role("combobox")
    choice.wait_for(timeout=30_000)
    choice.click()
    option = page.get_by_role("option").filter(has_text=XSS)
    option.first.wait_for(timeout=10_000)
    assert XSS in option.first.inner_text()
    assert page.locator('img[src="x"]').count() == 0
    frame = page.frame_locator(support.FOLIUM_FRAME)
    assert frame.locator('img[src="x"]').count() == 0
    assert raised == []
    assert page.locator(support.EXCEPTION).count() == 0


def test_the_community_map_has_no_serious_or_critical_accessibility_violations(
    seeded_app, page, axe_violations
):
    support.goto(page, seeded_app.url + "/map")
    frame = page.frame_locator(support.FOLIUM_FRAME)
    frame.locator(AWESOME_MARKER).first.wait_for(timeout=30_000)
    violations = axe_violations(page)
    assert violations == [], support.describe(violations)
