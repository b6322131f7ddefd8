"""A resident completes the survey in Chromium, dropping a pin on the map, on a phone and a desktop."""

from __future__ import annotations

import pytest

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from tests.browser import support


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_resident_completes_the_survey_with_a_map_pin(app_server, make_page, network, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    support.goto(page, app_server.url + "/survey")
    assert page.locator(support.HEADING).first.inner_text() == "Feelings of safety survey"

    support.choose(page, "survey_area", "Hereford")
    support.choose(page, "survey_safe_day", "Fairly safe")
    support.choose(page, "survey_safe_after_dark", "Fairly unsafe")
    support.choose(page, "survey_method", "Drop a pin on a map")

    frame = page.frame_locator(support.FOLIUM_FRAME)
    leaflet = frame.locator(support.LEAFLET_MAP)
    leaflet.wait_for(timeout=30_000)
    leaflet.click()  # the middle of the map: Hereford city centre
    page.get_by_text("Pin dropped", exact=False).wait_for(timeout=30_000)
    frame.locator(support.LEAFLET_MARKER).first.wait_for(timeout=30_000)  # the pin is shown on the map
    support.screenshot(page, f"survey-{viewport}-pin")

    support.choose(page, "survey_unsafe_reasons__0", "Poor or no street lighting")
    support.choose(page, "survey_noticed_changes__1", "Better street lighting")
    support.choose(page, "survey_changes_effect", "More safe")
    page.get_by_role("button", name="Submit my answers").click()
    support.wait_for_app(page)

    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    assert "Your reference is S-" in success.inner_text()
    reference = success.inner_text().rsplit(" ", 1)[-1]
    support.screenshot(page, f"survey-{viewport}-done")
    rows = SqliteStore(app_server.store_path).read(schema.SURVEY_RESPONSES)
    row = rows.set_index("response_id").loc[reference]
    assert row["unsafe_lat"].startswith("52.0") and row["unsafe_lon"].startswith("-2.7")
    assert row["unsafe_reasons"] == "Poor or no street lighting"
    assert row["changes_effect"] == "More safe"
    assert page.locator(support.EXCEPTION).count() == 0
    assert network.blocked == []


def test_a_double_click_on_submit_stores_one_response(app_server, page):
    support.goto(page, app_server.url + "/survey")
    before = len(SqliteStore(app_server.store_path).read(schema.SURVEY_RESPONSES))
    support.choose(page, "survey_area", "Ross-on-Wye")
    support.choose(page, "survey_safe_day", "Very safe")
    support.choose(page, "survey_safe_after_dark", "Fairly safe")

    page.get_by_role("button", name="Submit my answers").dblclick()
    support.wait_for_app(page)
    page.locator(support.ALERT_SUCCESS).first.wait_for()

    rows = SqliteStore(app_server.store_path).read(schema.SURVEY_RESPONSES)
    assert len(rows) == before + 1
    # The second click did not show empty-form errors.
    assert page.locator(support.ALERT_ERROR).count() == 0
    assert page.locator(support.ERROR_SUMMARY).count() == 0


def test_the_pin_moves_with_a_second_click_and_can_be_removed(app_server, page):
    support.goto(page, app_server.url + "/survey")
    support.choose(page, "survey_area", "Hereford")
    support.choose(page, "survey_method", "Drop a pin on a map")
    frame = page.frame_locator(support.FOLIUM_FRAME)
    leaflet = frame.locator(support.LEAFLET_MAP)
    leaflet.wait_for(timeout=30_000)

    leaflet.click()
    note = page.get_by_text("Pin dropped", exact=False)
    note.wait_for()
    first = note.inner_text()
    box = leaflet.bounding_box()
    leaflet.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.2})
    page.wait_for_function(
        "text => !document.body.innerText.includes(text)", arg=first.strip(), timeout=30_000
    )
    assert frame.locator(support.LEAFLET_MARKER).count() == 1  # moved, not added

    page.get_by_role("button", name="Remove the pin").click()
    support.wait_for_app(page)
    page.get_by_text("No pin yet.").wait_for()
    frame.locator(support.LEAFLET_MARKER).first.wait_for(state="detached")
