"""The Board summary in Chromium: sign in (demo), prepare the report, download it, open the downloaded
HTML with no network and print it to A4 PDF without a chart running off the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hcsp_engage.analysis import board, snapshot
from tests.browser import support

# A4 portrait less the report's 14 mm margins, in CSS pixels (96 per inch).
A4_PRINTABLE_WIDTH_PX = (210 - 2 * 14) / 25.4 * 96
A4_PRINTABLE_HEIGHT_PX = (297 - 2 * 14) / 25.4 * 96


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    server = support.start_app(tmp_path_factory.mktemp("board"), env={"HCSP_DEMO": "1"}, timeout=120)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def downloaded_report(demo_app, browser, tmp_path_factory):
    """The HTML report as a Board member downloads it from /board."""
    network = support.Network()
    context = browser.new_context(viewport=support.DESKTOP, service_workers="block", accept_downloads=True)
    context.route("**/*", network.handle)
    page = context.new_page()
    support.goto(page, demo_app.url + "/board", timeout=120_000)
    # The first view works out and protects every period's figures at once (cached afterwards).
    support.press(page, "Sign in as hcsp board member (demo)", timeout=240_000)
    support.press(page, "Prepare the report", timeout=120_000)
    assert page.get_by_text("The report is ready").count() == 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the report (HTML)").click()
    path = tmp_path_factory.mktemp("download") / download.value.suggested_filename
    download.value.save_as(path)
    context.close()
    assert network.blocked == []
    return path


def test_the_report_downloads_with_a_stamped_name(downloaded_report):
    assert downloaded_report.name.startswith("hcsp-board-summary_")
    assert "_data-to-" in downloaded_report.name and downloaded_report.suffix == ".html"


def test_the_downloaded_report_opens_offline_with_every_chart(downloaded_report, make_page, network):
    page = make_page(support.DESKTOP)
    page.set_content(downloaded_report.read_text(encoding="utf-8"))  # any request it made would be recorded
    assert page.locator("h1").inner_text() == "HCSP Engage: Board summary"
    assert page.locator("figure svg").count() == 7
    assert page.locator("table").count() >= 15
    assert network.blocked == [] and network.tiles == []
    support.screenshot(page, "board-report-desktop")


def test_the_report_prints_to_a4_without_cut_off_charts(downloaded_report, make_page):
    page = make_page(support.DESKTOP)
    page.set_content(downloaded_report.read_text(encoding="utf-8"))  # any request it made would be recorded
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(A4_PRINTABLE_WIDTH_PX), "height": 1000})
    boxes = [figure.bounding_box() for figure in page.locator("figure").all()]
    assert len(boxes) == 7
    for box in boxes:
        # Each chart fits the printable width and is short enough to sit whole on one page, and the
        # print style keeps it from being split across pages.
        assert box["width"] <= A4_PRINTABLE_WIDTH_PX + 1
        assert box["height"] < A4_PRINTABLE_HEIGHT_PX
    breaks = page.locator("figure").first.evaluate("node => getComputedStyle(node).breakInside")
    assert breaks == "avoid"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 4  # the summary runs over several A4 pages


def test_the_page_says_when_its_figures_were_published_and_when_the_next_come(demo_app, make_page):
    published_on = board.publication_day(snapshot.today())
    following = board.next_publication(published_on)
    page = make_page(support.DESKTOP)
    support.goto(page, demo_app.url + "/board", timeout=120_000)
    support.press(page, "Sign in as hcsp board member (demo)", timeout=240_000)
    expect(page.get_by_text(f"Figures published {published_on:%-d %B %Y}", exact=False)).to_be_visible(
        timeout=120_000
    )
    expect(page.get_by_text(f"figures published {following:%-d %B %Y}", exact=False)).to_be_visible()
    support.screenshot(page, "board-desktop", full_page=False)
