"""Browser fixtures: the app running on a free port with its own store, and Chromium pages that never reach
the internet (map tiles are answered with a blank image, anything else outside the app is blocked and
recorded).

    @pytest.mark.browser
    def test_something(app_server, page, network):
        support.goto(page, app_server.url + "/survey")
        ...
        assert network.blocked == []

``start_app(env={...})`` starts another app with extra settings (e.g. the Sheets emulator); it is stopped
when the test ends. Every test in this folder is marked ``browser`` automatically.
"""

from __future__ import annotations

import pytest

from tests.browser import support


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if support.must_not_skip():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_session():
    if support.chromium_path() is None:
        _unavailable(
            "Chromium is not installed: `apt-get install chromium` (scripts/run-tests does this as root)"
        )
    if not support.AXE.exists():
        _unavailable(
            "tests/browser/node_modules is missing: run `npm ci` in tests/browser (scripts/run-tests does)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: `.venv/bin/pip install -r requirements-dev.txt`")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def node_modules():
    """tests/browser/node_modules (axe-core and the packages static/map/ is copied from), installed by
    `npm ci` (scripts/run-tests does it)."""
    if not support.AXE.exists():
        _unavailable(
            "tests/browser/node_modules is missing: run `npm ci` in tests/browser (scripts/run-tests does)"
        )
    return support.NODE_MODULES


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = support.launch_browser(playwright_session)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The app on a free localhost port, shared by the tests of one module, with its own SQLite store
    (``app_server.store_path``) and outbox. Tests that need an empty store use ``start_app``."""
    server = support.start_app(tmp_path_factory.mktemp("app"))
    yield server
    server.stop()


@pytest.fixture
def start_app(tmp_path):
    """Factory: ``start_app(env={"HCSP_STORAGE": "gsheets", ...}, script="app.py")`` -> AppServer."""
    started: list[support.AppServer] = []

    def start(env: dict[str, str] | None = None, script: str = "app.py") -> support.AppServer:
        server = support.start_app(tmp_path / f"app{len(started)}", env=env, script=script)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def network():
    """What the browser asked for during the test: ``hosts``, ``tiles`` (answered blank), ``blocked``."""
    return support.Network()


@pytest.fixture
def make_page(browser, network):
    """Factory: ``make_page(viewport=support.PHONE)`` -> a new page in its own browser context;
    ``headers={...}`` adds headers to every request it makes, the websocket's too; ``locale="ro-RO"`` sets
    the browser's language."""
    contexts = []

    def make(viewport: dict | None = None, headers: dict[str, str] | None = None, locale: str | None = None):
        context = browser.new_context(
            viewport=viewport or support.DESKTOP,
            service_workers="block",
            extra_http_headers=headers,
            locale=locale,  # the browser's language (navigator.language), e.g. "ro-RO"
        )
        context.route("**/*", network.handle)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page):
    """A desktop-sized (1280 x 900) page."""
    return make_page(support.DESKTOP)


@pytest.fixture
def phone_page(make_page):
    """A phone-sized (390 x 844) page."""
    return make_page(support.PHONE)


@pytest.fixture
def axe_violations():
    """``axe_violations(page, impacts=("serious", "critical"), disable=())`` -> list of axe violations."""
    return support.axe_violations
