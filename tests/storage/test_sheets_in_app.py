"""The app itself on Google Sheets (emulated): configured only by environment variables, no credentials."""

from __future__ import annotations

import pytest

from hcsp_engage import schema
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests.conftest import open_page
from tests.pages.test_survey import fill_required, submit, successes


@pytest.fixture
def emulated_sheets(monkeypatch):
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("app-sheet", title="HCSP Engage")
        monkeypatch.setenv("HCSP_STORAGE", "gsheets")
        monkeypatch.setenv("HCSP_GSHEETS_ENDPOINT", emulator.url)
        monkeypatch.setenv("HCSP_GSHEETS_SPREADSHEET_ID", "app-sheet")
        yield emulator


def test_a_survey_submitted_in_the_app_lands_in_the_spreadsheet(emulated_sheets):
    at = open_page("views/survey.py")
    fill_required(at)
    submit(at)

    rows = emulated_sheets.values("app-sheet", schema.SURVEY_RESPONSES)
    assert rows[0] == list(schema.COLUMNS[schema.SURVEY_RESPONSES])
    assert len(rows) == 2
    reference = rows[1][0]
    assert any(reference in message for message in successes(at))
    assert rows[1][3:7] == ["Hereford", "", "Fairly safe", "Fairly unsafe"]
