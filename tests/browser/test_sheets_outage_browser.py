"""The survey through the UI while Google Sheets misbehaves: the resident gets an answer, one row lands."""

from __future__ import annotations

from hcsp_engage import config, schema
from hcsp_engage.storage import Outbox
from hcsp_engage.storage.sheets import SheetsStore
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests.browser import support

SPREADSHEET = "hcsp-outage-test"
ANSWER_DEADLINE_MS = 20_000  # the promise: the page answers within 20 s, stored or queued


def test_survey_answers_within_20_s_and_lands_once_when_sheets_is_rate_limited_hangs_or_is_down(
    start_app, page
):
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet(SPREADSHEET)
        server = start_app(
            env={
                "HCSP_STORAGE": "gsheets",
                "HCSP_GSHEETS_ENDPOINT": emulator.url,
                "HCSP_GSHEETS_SPREADSHEET_ID": SPREADSHEET,
            }
        )
        support.goto(page, server.url + "/survey")
        support.choose(page, "survey_area", "Leominster")
        support.choose(page, "survey_safe_day", "Very safe")
        support.choose(page, "survey_safe_after_dark", "Neither safe nor unsafe")

        emulator.inject("429", times=1, path_contains=":append")
        emulator.inject("hang", times=1, path_contains=":append")
        page.get_by_role("button", name="Submit my answers").click()

        success = page.locator(support.ALERT_SUCCESS).first
        success.wait_for(timeout=ANSWER_DEADLINE_MS)
        message = success.inner_text()
        assert "Your reference is S-" in message
        assert "Saved. We will send it shortly" in message or "Thank you" in message
        assert page.locator(support.ALERT_ERROR).count() == 0
        reference = message.rsplit(" ", 1)[-1]
        support.screenshot(page, "survey-sheets-outage")

        # Sheets stays down for longer than the store's retry budget: the answers wait in the outbox.
        page.get_by_role("button", name="Fill in the survey again").click()
        support.wait_for_app(page)
        support.choose(page, "survey_area", "Hereford")
        support.choose(page, "survey_safe_day", "Fairly safe")
        support.choose(page, "survey_safe_after_dark", "Very unsafe")
        emulator.inject("503", times=1000, path_contains=":append")
        page.get_by_role("button", name="Submit my answers").click()
        queued = page.locator(support.ALERT_SUCCESS).filter(has_text="Saved. We will send it shortly")
        queued.wait_for(timeout=ANSWER_DEADLINE_MS)
        second = queued.inner_text().rsplit(" ", 1)[-1]
        assert page.locator(support.ALERT_ERROR).count() == 0
        support.screenshot(page, "survey-sheets-queued")

        emulator.reset_faults()
        settings = config.load_settings(env=server.env)
        Outbox(server.outbox_path).flush(SheetsStore.from_settings(settings))

        rows = emulator.values(SPREADSHEET, schema.SURVEY_RESPONSES)
        assert rows[0] == list(schema.COLUMNS[schema.SURVEY_RESPONSES])
        assert [row[0] for row in rows[1:]] == [reference, second]
        assert len(Outbox(server.outbox_path)) == 0
