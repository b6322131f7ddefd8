"""Browser test helpers: launch Debian's Chromium, start the app, answer map tiles, keep selectors here.

The app's maps are folium maps whose scripts, stylesheets and fonts the app serves itself (static/map/,
hcsp_engage/render/map_assets.py); only their tiles come from elsewhere (OpenStreetMap unless HCSP_MAP_TILES says
otherwise). The tests have no network, and a resident's browser must never be sent to a tracker, so every
request goes through ``Network.handle``: the app's own are let through, map tiles get a small PNG (or are
refused, ``Network(tiles=False)``), and anything else is aborted and recorded in ``Network.blocked``.
Every host asked is recorded in ``Network.hosts``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from hcsp_engage.testing import free_port  # deploy_support reaches it as support.free_port

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Selectors, in one place so a Streamlit upgrade is fixed here once.
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STALE = '[data-stale="true"]'  # an element of the run before, not yet replaced
FORM = '[data-testid="stForm"]'
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
HEADING = "h1"
ALERT_WARNING = '[data-testid="stAlertContentWarning"]'
ALERT_ERROR = '[data-testid="stAlertContentError"]'
ALERT_SUCCESS = '[data-testid="stAlertContentSuccess"]'
PAGE_LINK = '[data-testid="stPageLink"] a'
BUTTON = '[data-testid="stBaseButton-primary"], [data-testid="stBaseButton-secondary"]'
EXCEPTION = '[data-testid="stException"]'
FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
ERROR_SUMMARY = ".hcsp-error-summary"  # ui.form_error_summary
ERROR_SUMMARY_LINK = ".hcsp-error-summary a"
FIELD_ERROR = ".hcsp-field-error"  # ui.field_error
TEXT_BOX = "input:not([type=hidden]), textarea"  # a text box, or a drop-down list's search box
HEADING_ANCHOR = '[data-testid="stHeaderActionElements"] a'  # Streamlit's "Link to heading"
LEAFLET_MAP = ".leaflet-container"
LEAFLET_MARKER = ".leaflet-marker-icon"
LEAFLET_TILE = "img.leaflet-tile"

TILE_HOSTS = (
    "tile.openstreetmap.org",
    "basemaps.cartocdn.com",
    "tiles.stadiamaps.com",
    "server.arcgisonline.com",
)
EXIT_URL = "https://www.bbc.co.uk/weather"  # ui.EXIT_URL: where Exit this page goes
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


BLANK_TILE = _png(8, 8, (232, 236, 230))  # Leaflet stretches it to 256 x 256: a pale map background


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def must_not_skip() -> bool:
    """In CI a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


# Streamlit's page shows no sign that a widget has asked for a rerun until the server starts it, so an
# action made through the helpers below first arms a watcher of the app's script state, and
# ``wait_for_app`` waits for the run it saw start to finish.
_ARM = """() => {
  if (window.__hcspWatch) window.__hcspWatch.disconnect();
  window.__hcspRuns = 0;
  window.__hcspWatch = new MutationObserver(records => {
    for (const r of records) if (r.oldValue === 'notRunning') window.__hcspRuns += 1;
  });
  window.__hcspWatch.observe(document.querySelector('[data-testid="stApp"]'),
    {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
}"""
_ARMED = "() => window.__hcspRuns !== undefined"
NO_RUN_MS = 1_000  # after this long with no run started, the action (in a form) asked for none
_RUN_SEEN = "() => window.__hcspRuns > 0"
_DISARM = "() => { window.__hcspWatch.disconnect(); window.__hcspRuns = undefined; }"


def arm(page) -> None:
    """Watch for the rerun the next action causes (``wait_for_app`` then waits for it)."""
    page.evaluate(_ARM)


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script after the last action and has drawn its
    output (no element left marked stale from the run before)."""
    if page.evaluate(_ARMED):
        # Returns as soon as the run starts; a widget inside a form starts none, so not for long.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(_RUN_SEEN, timeout=NO_RUN_MS)
        page.evaluate(_DISARM)
    else:
        page.wait_for_timeout(300)  # an action made outside the helpers: let the rerun it asked for start
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    expect(page.locator(STALE)).to_have_count(0, timeout=timeout)
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def goto(page, url: str, timeout: float = 30_000) -> None:
    """Open ``url`` and wait until the page's script has run and its heading is shown."""
    page.goto(url)
    page.wait_for_selector(HEADING, timeout=timeout)
    wait_for_app(page, timeout)


def rerun(page, timeout: float = 30_000) -> None:
    """Run the page's script again in the same session, as Streamlit's "Rerun" (the R key) does."""
    page.locator("body").press("r")
    wait_for_app(page, timeout)


def metric_value(page, label: str):
    """The value of the ``st.metric`` labelled ``label``."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def keyed(page, key: str):
    """The widget or container created with ``key=key`` (Streamlit gives it the class st-key-<key>)."""
    return page.locator(f".st-key-{key}")


def choose(page, key: str, option: str) -> None:
    """Tick the radio option or checkbox labelled ``option`` inside the widget with ``key``, then wait."""
    arm(page)
    keyed(page, key).get_by_text(option, exact=True).click()
    wait_for_app(page)


def press(page, name: str, timeout: float = 30_000) -> None:
    """Click the button called ``name``, then wait for the script to finish."""
    arm(page)
    page.get_by_role("button", name=name).click()
    wait_for_app(page, timeout)


def sign_in_as_officer(page, base_url: str) -> None:
    """Open /hotspots on a demo app and sign in with its one-click officer button."""
    goto(page, base_url + "/hotspots")
    press(page, "Sign in as community safety officer (demo)")
    expect(page.get_by_role("heading", name="Hotspots", exact=True)).to_be_visible(timeout=60_000)


# --- keyboard only ---------------------------------------------------------------------------------------

_HOLDS_FOCUS = "e => e === document.activeElement || e.contains(document.activeElement)"
# True when the focused element comes after ``e`` in the page: Shift+Tab goes back to it.
_FOCUS_IS_AFTER = (
    "e => !!(e.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)"
)
_FOCUSED_TEXT = """() => {
  const e = document.activeElement;
  return ((e.closest('label') || e).innerText || e.getAttribute('aria-label') || '').trim();
}"""


def tab_to(page, target, limit: int = 200) -> None:
    """Press Tab (or Shift+Tab, when ``target`` is above the focus) until the focus is in ``target``."""
    key = "Shift+Tab" if target.evaluate(_FOCUS_IS_AFTER) else "Tab"
    for _ in range(limit):
        if target.evaluate(_HOLDS_FOCUS):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} x {limit} never reached {target}")


def focused_kind(page) -> str:
    """What the focused element is: its role, else its input type, else its tag ("radio", "checkbox",
    "spinbutton", "text", "textarea", "button" ...)."""
    return page.evaluate(
        "() => { const e = document.activeElement; "
        "return e.getAttribute('role') || e.getAttribute('type') || e.tagName.toLowerCase(); }"
    )


def focused_text(page) -> str:
    """The visible text of the focused control (its label for a radio or a tick box)."""
    return page.evaluate(_FOCUSED_TEXT)


def key_choose(page, key: str, option: str) -> None:
    """Choose the radio option ``option`` of the widget ``key`` with the keyboard, as a resident does:
    Tab into the group, arrow down to the option (arrows choose as they move), Space for the first."""
    tab_to(page, keyed(page, key).get_by_role("radiogroup"))  # not its help button
    for _ in range(30):
        if focused_text(page) == option:
            break
        page.keyboard.press("ArrowDown")
        wait_for_app(page)
    else:
        raise AssertionError(f"{option!r} is not an option of {key}")
    page.keyboard.press("Space")  # chooses the first option; the one an arrow reached stays chosen
    wait_for_app(page)


def key_tick(page, key: str) -> None:
    """Tick the tick box ``key`` with the keyboard: Tab to it, Space."""
    tab_to(page, keyed(page, key).get_by_role("checkbox"))
    page.keyboard.press("Space")
    wait_for_app(page)


def key_type(page, key: str, text: str, then: str = "Tab") -> None:
    """Tab to the box ``key``, type ``text`` in place of what it held, then press ``then`` (Tab to leave a
    text box, Enter to take the first match in a drop-down list)."""
    tab_to(page, keyed(page, key).locator(TEXT_BOX).first)  # not its help button
    page.keyboard.press("ControlOrMeta+A")  # what is typed replaces what was there
    page.keyboard.type(text)
    page.keyboard.press(then)
    wait_for_app(page)


def key_date(page, key: str, day: date) -> None:
    """Tab to the date ``key`` and type the day: Streamlit's field is three spin buttons (day, month,
    year) that move on as you type."""
    tab_to(page, keyed(page, key).get_by_role("spinbutton").first)  # not its help button
    page.keyboard.type(day.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    wait_for_app(page)


def key_press_button(page, name: str) -> None:
    """Tab to the button called ``name`` and press Enter."""
    tab_to(page, page.get_by_role("button", name=name))
    page.keyboard.press("Enter")
    wait_for_app(page)


def fill_report_from_the_list(page, base_url: str) -> date:
    """Answer every required question of /report, the place chosen from the named-place list (Wilton,
    Ross-on-Wye) and the problem last seen a week ago (the date returned); the description and the
    button are left to the test."""
    from datetime import timedelta

    from hcsp_engage import records, schema

    goto(page, base_url + "/report")
    choose(page, "report_category", "Environmental: Dumping rubbish")
    choose(page, "report_area", "Ross-on-Wye")
    choose(page, "report_method", "Choose a named place from a list")
    place = page.locator(".st-key-report_place").get_by_role("combobox")
    place.click()
    place.fill("Wilton")  # type to filter, as a keyboard user would
    page.keyboard.press("Enter")
    wait_for_app(page)
    last_week = records.utc_now().date() - timedelta(days=7)
    # Streamlit's date field is three spin buttons (day, month, year) that move on as you type.
    page.locator('.st-key-report_occurred_on [data-type="day"]').click()
    page.keyboard.type(last_week.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    wait_for_app(page)
    choose(page, "report_time_of_day", "Night 10pm–6am")
    choose(page, "report_frequency", "A few times")
    choose(page, "report_impact", "A little")
    choose(page, f"report_told__{schema.TOLD.index('Nobody yet')}", "Nobody yet")
    choose(page, "report_incidents_reported_6m", "0")
    return last_week


def stop_process(process: subprocess.Popen) -> None:
    """Ask a server started by a test to stop, and kill it if it has not within ten seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def screenshot_of(locator, name: str) -> Path:
    """Save a screenshot of one element (e.g. a map's iframe) under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    return path


# --- network --------------------------------------------------------------------------------------------


@dataclass
class Network:
    """What the browser asked for: ``hosts`` (every host, the app's own included), ``tiles`` (map tiles,
    answered with a small PNG, or refused when ``tiles`` is False) and ``blocked`` (anything else that
    would leave the app, refused)."""

    allow_tiles: bool = True
    hosts: set[str] = field(default_factory=set)
    tiles: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def handle(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")):
            route.fallback()
            return
        host = urlsplit(url).hostname or ""
        self.hosts.add(host)
        if host in LOCAL_HOSTS or url.startswith("file:"):
            route.fallback()
        elif host.endswith(TILE_HOSTS):
            self.tiles.append(url)
            if self.allow_tiles:
                route.fulfill(status=200, body=BLANK_TILE, content_type="image/png")
            else:
                route.abort()
        else:
            self.blocked.append(url)
            route.abort()


# --- the app under test ---------------------------------------------------------------------------------


@dataclass
class AppServer:
    """A running ``streamlit run`` of the app (or of another script) with its own store."""

    url: str
    port: int
    store_path: Path
    outbox_path: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        stop_process(self.process)


def app_env(folder: Path, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a test app: nothing HCSP_ from outside, its own store, no fill-time wait."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("HCSP_", "STREAMLIT_"))}
    env.update(
        {
            "HCSP_SQLITE_PATH": str(folder / "store.sqlite3"),
            "HCSP_OUTBOX_PATH": str(folder / "outbox.sqlite3"),
            "HCSP_MIN_FILL_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides or {})
    return env


class PortTaken(RuntimeError):
    """Another process took the free port between our choosing it and Streamlit binding it."""


def start_app(
    folder: Path | None = None,
    env: dict[str, str] | None = None,
    script: str | Path = "app.py",
    timeout: float = 60,
) -> AppServer:
    """Start ``streamlit run script`` on a free localhost port and wait until it answers its health check."""
    folder = Path(folder or tempfile.mkdtemp(prefix="hcsp-browser-"))
    folder.mkdir(parents=True, exist_ok=True)
    full_env = app_env(folder, env)
    for attempt in range(3):
        try:
            return _launch(folder, full_env, script, timeout)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _launch(folder: Path, env: dict[str, str], script: str | Path, timeout: float) -> AppServer:
    port = free_port()
    log_path = folder / f"streamlit-{port}.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = AppServer(
        url=f"http://127.0.0.1:{port}",
        port=port,
        store_path=Path(env["HCSP_SQLITE_PATH"]),
        outbox_path=Path(env["HCSP_OUTBOX_PATH"]),
        env=env,
        log_path=log_path,
        process=process,
    )
    try:
        _wait_until_healthy(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_healthy(server: AppServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    health = f"{server.url}/_stcore/health"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            if "is not available" in server.log() or "already in use" in server.log():
                raise PortTaken(server.log())
            raise RuntimeError(f"streamlit exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a condition: the server is starting
    raise TimeoutError(f"streamlit did not answer {health} within {timeout} s:\n{server.log()}")


# --- accessibility --------------------------------------------------------------------------------------

AXE = NODE_MODULES / "axe-core" / "axe.min.js"


def axe_violations(
    page, impacts: tuple[str, ...] = ("serious", "critical"), disable: tuple[str, ...] = ()
) -> list[dict]:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules plus best practices) on the page; return violations
    of the given impacts. ``disable`` turns off named rules: only for a rule Streamlit itself breaks and
    the app cannot fix, with the reason recorded in docs/accessibility-notes.md."""
    source = AXE.read_text()
    for frame in page.frames:
        try:
            frame.evaluate(source)
        except Exception:  # noqa: BLE001, S112 - a frame detached while we walked the list
            continue
    options = {"rules": {rule: {"enabled": False} for rule in disable}}
    violations = page.evaluate("async (options) => (await axe.run(document, options)).violations", options)
    return [violation for violation in violations if violation["impact"] in impacts]


def describe(violations: list[dict]) -> str:
    """A readable summary for an assertion message: rule, impact, help and the first few targets."""
    lines = []
    for violation in violations:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)
