"""A client that forges X-Forwarded-For and starts a new session for every submission is still held to
the per-client limit when no proxy is trusted (README "Client addresses behind a proxy")."""

from __future__ import annotations

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from tests.browser import support

LIMIT = 2


def send_survey(make_page, server, forged_address: str) -> str:
    """Open /survey in a new browser context (a new session) whose every request claims, through
    X-Forwarded-For, to come from ``forged_address``; fill it in and submit; return what it said."""
    page = make_page(headers={"X-Forwarded-For": forged_address})
    support.goto(page, server.url + "/survey")
    support.choose(page, "survey_area", "Leominster")
    support.choose(page, "survey_safe_day", "Fairly safe")
    support.choose(page, "survey_safe_after_dark", "Fairly unsafe")
    support.press(page, "Submit my answers")
    refused = (
        page.locator(support.ALERT_WARNING)
        .filter(has_text="we have not sent it")
        .or_(page.locator(support.ALERT_WARNING).filter(has_text="submissions from you"))
    )
    outcome = page.locator(support.ALERT_SUCCESS).or_(refused).first
    outcome.wait_for(timeout=30_000)
    return outcome.inner_text()


def test_a_forged_forwarded_for_header_and_a_new_session_do_not_lift_the_per_client_limit(
    start_app, make_page
):
    server = start_app(env={"HCSP_SUBMISSIONS_PER_WINDOW": str(LIMIT)})
    said = [send_survey(make_page, server, f"198.51.100.{n}") for n in range(1, LIMIT + 2)]
    assert all("Thank you" in message for message in said[:LIMIT]), said
    assert f"already had {LIMIT} submissions" in said[LIMIT], said
    assert "Your answers are still here" in said[LIMIT]
    assert len(SqliteStore(server.store_path).read(schema.SURVEY_RESPONSES)) == LIMIT


def test_with_one_trusted_proxy_the_address_it_adds_is_the_client(start_app, make_page):
    # The control for the test above: the same headers do reach the app, and with a proxy of ours
    # in front (here the browser stands in for it) each address it names is a different resident.
    server = start_app(env={"HCSP_SUBMISSIONS_PER_WINDOW": str(LIMIT), "HCSP_TRUSTED_PROXY_HOPS": "1"})
    said = [send_survey(make_page, server, f"198.51.100.{n}") for n in range(1, LIMIT + 2)]
    assert all("Thank you" in message for message in said), said


def test_a_proxy_setting_that_cannot_be_right_falls_back_to_sessions_and_says_so_in_the_log(
    start_app, make_page
):
    # Two proxies configured, but requests arrive with one X-Forwarded-For entry: no address can be
    # trusted, so each session is limited on its own rather than everyone sharing one bucket.
    server = start_app(env={"HCSP_SUBMISSIONS_PER_WINDOW": "1", "HCSP_TRUSTED_PROXY_HOPS": "2"})
    said = [send_survey(make_page, server, "198.51.100.7") for _ in range(2)]
    assert all("Thank you" in message for message in said), said
    log = server.log()
    assert log.count("Abuse limits fall back to counting per browser session") == 1, log
    assert "HCSP_TRUSTED_PROXY_HOPS" in log
