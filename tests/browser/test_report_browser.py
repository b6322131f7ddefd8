"""A resident reports a concern in Chromium, choosing the place from the named-place list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hcsp_engage import records, schema
from hcsp_engage.storage import SqliteStore
from tests.browser import support


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_resident_reports_a_concern_using_the_named_place_list(app_server, make_page, network, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    support.goto(page, app_server.url + "/report")

    support.choose(page, "report_category", "Environmental: Dumping rubbish")
    support.choose(page, "report_area", "Ross-on-Wye")
    support.choose(page, "report_method", "Choose a named place from a list")
    place = page.locator(".st-key-report_place").get_by_role("combobox")
    place.click()
    place.fill("Wilton")  # type to filter, as a keyboard user would
    page.keyboard.press("Enter")
    support.wait_for_app(page)

    last_week = records.utc_now().date() - timedelta(days=7)
    # Streamlit's date field is three spin buttons (day, month, year) that move on as you type.
    page.locator('.st-key-report_occurred_on [data-type="day"]').click()
    page.keyboard.type(last_week.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    support.wait_for_app(page)
    support.choose(page, "report_time_of_day", "Night 10pm–6am")
    support.choose(page, "report_frequency", "A few times")
    support.choose(page, "report_impact", "A little")
    support.choose(page, f"report_told__{schema.TOLD.index('Nobody yet')}", "Nobody yet")
    support.choose(page, "report_incidents_reported_6m", "0")
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
    assert page.get_by_text("No pin yet.").is_visible()
    support.screenshot(page, "report-phone-refused-click")
