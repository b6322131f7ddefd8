"""Fixtures every test shares: an isolated store per test and clean Streamlit caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"


@pytest.fixture(autouse=True)
def isolated_store(tmp_path, monkeypatch):
    """Each test gets its own SQLite file and outbox, and no configuration leaks in from outside."""
    for name in (
        "HCSP_STORAGE",
        "HCSP_GSHEETS_SPREADSHEET_ID",
        "HCSP_GSHEETS_SERVICE_ACCOUNT_FILE",
        "HCSP_GSHEETS_ENDPOINT",
        "HCSP_DATABASE_URL",
        "HCSP_DEMO",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HCSP_SQLITE_PATH", str(tmp_path / "store.sqlite3"))
    monkeypatch.setenv("HCSP_OUTBOX_PATH", str(tmp_path / "outbox.sqlite3"))
    # Tests fill forms instantly; the minimum-time-to-fill check has its own tests.
    monkeypatch.setenv("HCSP_MIN_FILL_SECONDS", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page_file: str | None = None, *, secrets: dict | None = None, timeout: float = 30) -> AppTest:
    """Run the app as a browser would open it, on ``page_file`` (e.g. "views/survey.py")."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if secrets:
        at.secrets.update(secrets)
    at.run()
    if page_file:
        at.switch_page(page_file).run()
    return at
