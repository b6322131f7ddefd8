"""An officer opens the hotspot page in Chromium: the CSV exports open with pandas and cannot run as
formulas, and markup stored in a report shows as text, never as HTML."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from hcsp_engage import records, schema, synthetic
from hcsp_engage.storage import SqliteStore
from tests.browser import support
from tests.rows import table_row

XSS = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example","Click me")'
MINUS = "-1+1 behind the shops"


def seeded_row(reference: str, submitted, **values: str) -> dict[str, str]:
    row = table_row(
        schema.ASB_REPORTS,
        report_id=reference,
        submitted_at=records.iso_utc(submitted),
        schema_version=schema.SCHEMA_VERSION,
        category="Noise",
        asb_group="Nuisance",
        area="Hereford",
        lat="52.0565",
        lon="-2.7149",
        occurred_on=submitted.date().isoformat(),
        time_of_day=schema.TIMES_OF_DAY[3],
        frequency="Every week",
        impact="A great deal",
        told="Nobody yet",
        incidents_reported_6m="1",
    )
    row.update(values)
    return row


@pytest.fixture
def officer_app(tmp_path):
    """The app in demo mode (one-click officer sign-in) on a store holding the test's own reports: a
    store with reports is never refilled with demo data."""
    now = records.utc_now()
    store = SqliteStore(tmp_path / "store.sqlite3")
    reports = synthetic.report_frame(
        300, seed=5, start=now - timedelta(days=120), end=now - timedelta(days=2)
    )
    store.append_many(schema.ASB_REPORTS, reports.to_dict("records"))
    store.append(
        schema.ASB_REPORTS,
        seeded_row("R-FRM2A3B4", now - timedelta(minutes=5), description=FORMULA, location_detail=MINUS),
    )
    store.append(schema.ASB_REPORTS, seeded_row("R-XSS2A3B4", now, description=XSS))
    server = support.start_app(tmp_path, env={"HCSP_DEMO": "1"})
    yield server
    server.stop()


def download(page, button: str, tmp_path) -> pd.DataFrame:
    with page.expect_download() as event:
        page.get_by_role("button", name=button).click()
    path = tmp_path / event.value.suggested_filename
    event.value.save_as(path)
    support.wait_for_app(page)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def runnable_cells(frame: pd.DataFrame) -> list[str]:
    """Cells a spreadsheet would run as a formula: starting =, +, - or @, and not a plain number."""
    cells = [str(value) for value in frame.to_numpy().ravel()] + list(frame.columns)

    def plain_number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    return [cell for cell in cells if cell[:1] in ("=", "+", "-", "@") and not plain_number(cell)]


def test_exports_open_with_pandas_and_cannot_run_formulas(officer_app, page, network, tmp_path):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    support.sign_in_as_officer(page, officer_app.url)

    reports = download(page, "Download these reports (CSV)", tmp_path)
    assert {"Reference", "Description (redacted)", "Status"} <= set(reports.columns)
    rows = reports.set_index("Reference")
    assert rows.at["R-FRM2A3B4", "Description (redacted)"] == "'" + FORMULA
    assert rows.at["R-FRM2A3B4", "Street or landmark"] == "'" + MINUS
    assert rows.at["R-XSS2A3B4", "Description (redacted)"] == XSS
    assert runnable_cells(reports) == []

    hotspot_table = download(page, "Download the hotspot table (CSV)", tmp_path)
    assert hotspot_table.iloc[0]["Rank"] == "1"
    assert "Nearest named place" in hotspot_table.columns
    assert runnable_cells(hotspot_table) == []

    with page.expect_download() as event:
        page.get_by_role("button", name="Download the map (HTML file)").click()
    map_html = tmp_path / "map.html"
    event.value.save_as(map_html)
    assert "leaflet" in map_html.read_text(encoding="utf-8").lower()
    assert XSS not in map_html.read_text(encoding="utf-8")
    assert dialogs == []
    assert network.blocked == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_stored_markup_shows_as_text_in_the_report_and_on_the_map(officer_app, make_page, network, viewport):
    page = make_page(support.PHONE if viewport == "phone" else support.DESKTOP)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    support.sign_in_as_officer(page, officer_app.url)

    # The newest report is chosen first in "Change a report's status": its description is shown as text.
    page.get_by_text(f"Description: {XSS}", exact=True).wait_for(timeout=30_000)
    map_frame = page.frame_locator(support.FOLIUM_FRAME)
    map_frame.locator(support.LEAFLET_MAP).wait_for(timeout=30_000)
    assert map_frame.locator('img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    support.screenshot(page, f"hotspots-{viewport}")
    assert page.locator(support.EXCEPTION).count() == 0
    assert dialogs == []
    assert network.blocked == []


def test_the_signed_in_page_has_no_serious_or_critical_accessibility_violations(
    officer_app, page, axe_violations
):
    support.sign_in_as_officer(page, officer_app.url)
    page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP).wait_for(timeout=30_000)

    violations = axe_violations(page)

    assert violations == [], support.describe(violations)


def test_after_a_status_is_saved_the_form_starts_from_the_saved_status(officer_app, page):
    # Otherwise a second press of "Save status" would quietly put the report back to its old status.
    support.sign_in_as_officer(page, officer_app.url)
    # The map reports back once it has drawn, which reruns the page: choose only after that settles.
    page.frame_locator(support.FOLIUM_FRAME).locator(support.LEAFLET_MAP).wait_for(timeout=30_000)
    support.wait_for_app(page)
    form = page.locator(support.FORM).filter(has_text="Save status")
    choice = form.get_by_role("combobox")
    option = page.get_by_role("option", name="Referred to MATAC")
    for _ in range(3):  # a rerun while the list is open closes it: open it again
        choice.click()
        choice.press_sequentially("Referred")  # the box filters its options as one types
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            support.wait_for_app(page)
    option.click()
    support.press(page, "Save status")

    page.get_by_text("is now “Referred to MATAC”").wait_for()
    assert form.get_by_role("combobox").input_value() == "Referred to MATAC"
