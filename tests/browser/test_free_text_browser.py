"""The free-text boxes in Chromium: the browser itself stops at the limit (Streamlit's ``max_chars``),
and the server refuses an over-large message from a client that ignores the page."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

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


def close_code_after_sending(app_server, size: int) -> int | None:
    """Send one binary websocket message of ``size`` bytes, as a client ignoring the page would, and
    return the code the server closed the connection with."""
    uri = app_server.url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(uri, origin=app_server.url, subprotocols=["streamlit"], max_size=None) as websocket:
        websocket.send(b"\x00" * size)
        try:
            while True:
                websocket.recv(timeout=20)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def test_a_message_over_1_mb_is_refused_before_it_is_read(app_server):
    # server.maxWidgetStateSize = 1 in .streamlit/config.toml: "message too big", not parsed at all.
    assert close_code_after_sending(app_server, 2_000_000) == 1009
    # Under the limit the same bytes are read, and refused as not being a Streamlit message.
    assert close_code_after_sending(app_server, 500_000) == 1002
