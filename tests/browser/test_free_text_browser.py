"""The free-text boxes in Chromium: the browser itself stops at the limit (Streamlit's ``max_chars``)."""

from __future__ import annotations

import pytest

from hcsp_engage import schema
from tests.browser import support

BOXES = [
    ("/survey", "survey_comments", schema.MAX_FREE_TEXT),
    ("/report", "report_description", schema.MAX_FREE_TEXT),
]


@pytest.mark.parametrize(("path", "key", "limit"), BOXES)
def test_typing_stops_at_the_limit(app_server, page, path, key, limit):
    support.goto(page, app_server.url + path)
    box = page.locator(f".st-key-{key} textarea")
    box.click()
    page.keyboard.insert_text("x" * (limit - 5))
    page.keyboard.type("y" * 10)  # the last 5 keys do nothing
    box.blur()
    support.wait_for_app(page)

    assert box.input_value() == "x" * (limit - 5) + "y" * 5
    assert f"{limit:,} of {limit:,} characters used" in page.locator(support.MAIN).inner_text()
    assert page.locator(support.EXCEPTION).count() == 0


@pytest.mark.parametrize(("path", "key", "limit"), BOXES)
def test_a_paste_longer_than_the_limit_is_not_taken(app_server, page, path, key, limit):
    # Streamlit refuses an edit that would go past max_chars, so the box keeps what it had.
    support.goto(page, app_server.url + path)
    box = page.locator(f".st-key-{key} textarea")
    box.click()
    page.keyboard.insert_text("x" * (limit + 200))
    box.blur()
    support.wait_for_app(page)

    assert box.input_value() == ""
    assert page.locator(support.EXCEPTION).count() == 0
