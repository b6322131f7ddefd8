"""A resident reports a concern in Chromium, choosing the place from the named-place list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from tests.browser import support


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_resident_reports_a_concern_using_the_named_place_list(app_server, make_page, network, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    last_week = support.fill_report_from_the_list(page, app_server.url)
    page.locator(".st-key-report_description textarea").fill(
        "Bags of rubbish left by the bridge, call 07700 900123"
    )
    page.locator(".st-key-report_description textarea").blur()
    support.wait_for_app(page)
    support.screenshot(page, f"report-{viewport}-filled")

    page.get_by_role("button", name="Send report").click()
    support.wait_for_app(page)
    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    assert "Your reference is R-" in success.inner_text()
    reference = success.inner_text().rsplit(" ", 1)[-1]
    assert "review every report each month" in page.locator(support.MAIN).inner_text()
    support.screenshot(page, f"report-{viewport}-done")

    row = SqliteStore(app_server.store_path).read(schema.ASB_REPORTS).set_index("report_id").loc[reference]
    assert (row["area"], row["place"], row["lat"]) == ("Ross-on-Wye", "Wilton Bridge", "")
    assert row["occurred_on"] == last_week.isoformat()
    assert row["description"] == "Bags of rubbish left by the bridge, call [removed]"
    assert page.locator(support.EXCEPTION).count() == 0
    assert network.blocked == []


def test_a_map_click_outside_the_county_is_refused_with_a_message(app_server, phone_page):
    page = phone_page
    support.goto(page, app_server.url + "/report")
    support.choose(page, "report_area", "Elsewhere in Herefordshire")
    support.choose(page, "report_method", "Drop a pin on a map")
    leaflet = page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP)
    leaflet.wait_for(timeout=30_000)

    leaflet.click(position={"x": 8, "y": 20})  # top-left corner: Shropshire/Powys, outside the outline

    page.locator(support.ALERT_ERROR).filter(has_text="outside Herefordshire").wait_for(timeout=30_000)
    expect(page.get_by_text("No pin yet.")).to_be_visible()
    support.screenshot(page, "report-phone-refused-click")
