"""The app behind deploy/Caddyfile, as docs/deploy.md sets it up, on this machine: Debian's Caddy on a
free loopback port with plain HTTP (no certificate for 127.0.0.1), the app on another with
server.allowedHosts and browser.serverAddress set. A resident's survey goes through Caddy, websocket
and all, into the SQLite file."""

from __future__ import annotations

import base64
import os
import socket
import urllib.request

import pytest

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from tests import deploy_support
from tests.browser import support


@pytest.fixture(scope="module")
def behind_caddy(tmp_path_factory):
    """(app, caddy): the app as hcsp-engage.service runs it, with Caddy in front."""
    deploy_support.need("caddy", "caddy")
    app = support.start_app(
        tmp_path_factory.mktemp("app"),
        env={
            # The service passes these as flags; Streamlit reads the same settings from these variables.
            "STREAMLIT_SERVER_ALLOWED_HOSTS": "127.0.0.1",
            "STREAMLIT_BROWSER_SERVER_ADDRESS": "127.0.0.1",
            "HCSP_TRUSTED_PROXY_HOPS": "1",
        },
    )
    try:
        caddy = deploy_support.start_caddy(tmp_path_factory.mktemp("caddy"), app.port)
    except BaseException:
        app.stop()
        raise
    yield app, caddy
    caddy.stop()
    app.stop()


def websocket_handshake(url: str, host: str) -> str:
    """The status line Caddy and Streamlit answer a websocket upgrade of /_stcore/stream with."""
    address = url.removeprefix("http://")
    name, port = address.split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://{host}\r\n\r\n"
    )
    with socket.create_connection((name, int(port)), timeout=10) as connection:
        connection.sendall(request.encode())
        return connection.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_health_check_answers_through_caddy(behind_caddy):
    _app, caddy = behind_caddy

    with urllib.request.urlopen(caddy.url + "/_stcore/health", timeout=10) as response:
        assert (response.status, response.read()) == (200, b"ok")


def test_websocket_passes_through_caddy_only_for_an_allowed_host(behind_caddy):
    _app, caddy = behind_caddy
    allowed = caddy.url.removeprefix("http://")

    assert " 101 " in websocket_handshake(caddy.url, allowed)
    refused = websocket_handshake(caddy.url, "rebound.example.net")  # DNS rebinding: another name, same IP
    assert " 101 " not in refused, refused


def test_a_survey_submitted_through_caddy_lands_in_the_sqlite_file(behind_caddy, page, network):
    app, caddy = behind_caddy
    support.goto(page, caddy.url + "/survey")
    support.choose(page, "survey_area", "Leominster")
    support.choose(page, "survey_safe_day", "Very safe")
    support.choose(page, "survey_safe_after_dark", "Fairly safe")
    # The pin map is a frame of the app itself: Caddy's X-Frame-Options SAMEORIGIN must let it draw.
    support.choose(page, "survey_method", "Drop a pin on a map")
    leaflet = page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP)
    leaflet.wait_for(timeout=30_000)
    leaflet.click()
    page.get_by_text("Pin dropped", exact=False).wait_for(timeout=30_000)

    support.press(page, "Submit my answers")

    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    assert "Your reference is S-" in success.inner_text()
    reference = success.inner_text().rsplit(" ", 1)[-1]
    support.screenshot(page, "survey-behind-caddy")
    rows = SqliteStore(app.store_path).read(schema.SURVEY_RESPONSES).set_index("response_id")
    assert rows.loc[reference, "area"] == "Leominster"
    assert rows.loc[reference, "unsafe_lat"].startswith("52.")
    assert page.locator(support.EXCEPTION).count() == 0
    assert network.blocked == []
