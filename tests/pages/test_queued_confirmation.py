"""What a resident is told when Google Sheets cannot take their answers and they wait in the outbox.

Where the outbox's disk survives a restart (a VM, the default) the answers are safe and the page says
so; where it does not (Streamlit Community Cloud, ``HCSP_OUTBOX_DURABLE=false``) the page must not say
"saved", and says plainly that the answers could be lost.
"""

from __future__ import annotations

import os

import pytest

from hcsp_engage.storage import Outbox
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests.conftest import open_page
from tests.pages import test_report, test_survey


@pytest.fixture
def sheets_refusing(monkeypatch):
    """Google Sheets (emulated) that refuses at once: the spreadsheet is not shared with the app (404),
    so every submission goes to the outbox without waiting out the retry budget."""
    with SheetsEmulator() as emulator:
        monkeypatch.setenv("HCSP_STORAGE", "gsheets")
        monkeypatch.setenv("HCSP_GSHEETS_ENDPOINT", emulator.url)
        monkeypatch.setenv("HCSP_GSHEETS_SPREADSHEET_ID", "not-shared-with-the-app")
        yield emulator


# page, fill in its required answers, press its button, where the page keeps its reference
FORMS = {
    "survey": ("views/survey.py", test_survey.fill_required, test_survey.submit, "survey_reference"),
    "report": ("views/report.py", test_report.fill_valid, test_report.submit, "report_reference"),
}


def queued(form: str):
    """Send a form while Google Sheets refuses: (reference, alerts shown, captions shown)."""
    page, fill, submit, reference_key = FORMS[form]
    at = open_page(page)
    reference = at.session_state[reference_key]
    fill(at)
    submit(at)
    assert len(Outbox(os.environ["HCSP_OUTBOX_PATH"])) == 1  # the answers did go to the outbox
    shown = [message.value for message in (*at.success, *at.warning)]
    notes = " ".join(caption.value for caption in at.caption)
    return reference, shown, notes


@pytest.mark.parametrize("form", FORMS)
def test_queued_answers_on_a_lasting_disk_are_called_saved(sheets_refusing, form):
    reference, shown, notes = queued(form)

    assert f"Saved. We will send it shortly. Your reference is {reference}" in shown
    assert "safely saved here" in notes


@pytest.mark.parametrize("form", FORMS)
def test_queued_answers_on_a_disk_a_restart_wipes_are_not_called_saved(sheets_refusing, monkeypatch, form):
    monkeypatch.setenv("HCSP_OUTBOX_DURABLE", "false")

    reference, shown, notes = queued(form)

    assert (
        f"Not sent yet: your answers will be sent when our records system answers. Your reference is {reference}"
        in shown
    )
    assert "If the server restarts before they are sent, they may be lost." in notes
    assert not any("saved" in message.lower() for message in shown)
    assert "saved" not in notes.lower()
