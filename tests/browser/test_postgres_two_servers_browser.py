"""Two app servers on one PostgreSQL database, as behind a load balancer: residents submit through both
in Chromium, an officer on either server sees every report once once the tables that server had cached
are older than the cache time (``HCSP_CACHE_TTL_SECONDS``, short here), and one client's form limit
holds across both."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from playwright.sync_api import expect

from hcsp_engage import schema
from hcsp_engage.security import hash_passcode
from tests import postgres_support
from tests.browser import support

PASSCODE = "two servers, one database"
SUBMISSIONS_PER_WINDOW = 3
# Each server keeps the tables it read this long (60 s unless set): short, so the test waits it out.
CACHE_TTL_SECONDS = 3


@pytest.fixture(scope="module")
def postgres_cluster():
    yield from postgres_support.running_cluster()


@pytest.fixture
def two_servers(postgres_cluster, start_app, tmp_path):
    """Two app processes with the same settings on one database; the officer passcode in the secrets
    each reads from its home folder (~/.streamlit/secrets.toml)."""
    url = postgres_cluster.fresh_url()
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(
        f'[staff_passcodes]\nofficer = "{hash_passcode(PASSCODE)}"\n'
    )
    env = {
        "HCSP_STORAGE": "postgres",
        "HCSP_DATABASE_URL": url,
        "HOME": str(home),
        "HCSP_SUBMISSIONS_PER_WINDOW": str(SUBMISSIONS_PER_WINDOW),
        "HCSP_CACHE_TTL_SECONDS": str(CACHE_TTL_SECONDS),
    }
    servers = [start_app(env=env), start_app(env=env)]
    yield url, servers
    postgres_cluster.drop(url)


def success_reference(page) -> str:
    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    return success.inner_text().rsplit(" ", 1)[-1]


def fill_survey(page, base: str) -> None:
    support.goto(page, base + "/survey")
    support.choose(page, "survey_area", "Leominster")
    support.choose(page, "survey_safe_day", "Very safe")
    support.choose(page, "survey_safe_after_dark", "Fairly unsafe")
    page.get_by_role("button", name="Submit my answers").click()


def send_survey(page, base: str) -> str:
    fill_survey(page, base)
    return success_reference(page)


def send_report(page, base: str) -> str:
    support.fill_report_from_the_list(page, base)
    page.get_by_role("button", name="Send report").click()
    return success_reference(page)


def officer_on_hotspots(page, base: str) -> None:
    """Sign in as an officer on /hotspots: the server reads (and caches) its tables."""
    support.goto(page, base + "/hotspots")
    page.locator(".st-key-staff_signin_name input").fill("AB")
    page.locator(".st-key-staff_signin_passcode input").fill(PASSCODE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".st-key-staff_signin_passcode")).to_have_count(0, timeout=60_000)
    support.wait_for_app(page, timeout=60_000)


def rerun_until_reports_shown(page, count: int, timeout: float = 120) -> None:
    """Run the officer's page again until it counts ``count`` reports: each run finds the server's
    cached tables until they are older than the cache time, then reads the rows added since. Each check
    is a waiting ``expect``; no fixed sleep."""
    shown = support.metric_value(page, "Reports in the period")
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(shown).to_have_text(str(count), timeout=CACHE_TTL_SECONDS * 1000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        support.rerun(page)


def reports_downloaded(page, folder: Path) -> pd.DataFrame:
    with page.expect_download() as event:
        page.get_by_role("button", name="Download these reports (CSV)").click()
    path = folder / event.value.suggested_filename
    event.value.save_as(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_two_servers_on_one_database_each_see_every_submission_once(
    two_servers, make_page, network, tmp_path
):
    url, (first, second) = two_servers
    # An officer on each server first: each has read, and caches, tables with no reports in them.
    officers = [make_page(support.DESKTOP), make_page(support.DESKTOP)]
    for officer, server in zip(officers, (first, second), strict=True):
        officer_on_hotspots(officer, server.url)
        expect(officer.get_by_text("No reports yet")).to_be_visible()
    page = make_page(support.DESKTOP)

    survey = send_survey(page, first.url)
    reports = [send_report(page, first.url), send_report(page, second.url)]
    # The same client (this browser, at 127.0.0.1) in a new session on the other server: the limit of
    # three submissions counted on both servers holds.
    another = make_page(support.DESKTOP)
    fill_survey(another, second.url)
    another.get_by_text(f"we have already had {SUBMISSIONS_PER_WINDOW} submissions from you").wait_for(
        timeout=30_000
    )

    # Each server shows the other's report, once, after its cached tables have outlived the cache time
    # (not because anything cleared its cache).
    for number, (officer, server) in enumerate(zip(officers, (first, second), strict=True)):
        rerun_until_reports_shown(officer, len(reports))
        folder = tmp_path / f"officer-{number}"
        folder.mkdir()
        seen = reports_downloaded(officer, folder)
        assert sorted(seen["Reference"]) == sorted(reports), server.log()[-2000:]
    with psycopg.connect(url) as connection:
        stored = {
            table: [
                row[0] for row in connection.execute(f'SELECT "{schema.ID_COLUMN[table]}" FROM "{table}"')
            ]
            for table in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS)
        }
    assert stored == {schema.SURVEY_RESPONSES: [survey], schema.ASB_REPORTS: reports}
    assert network.blocked == []
