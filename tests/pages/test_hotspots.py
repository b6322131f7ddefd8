"""The hotspot page: an officer sees the ranked table, the map and the reports, changes a status (a new
report_status row) and sees the history; nobody else sees anything from the store."""

from __future__ import annotations

import time
from datetime import timedelta

import folium
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from hcsp_engage import config, records, schema, storage, synthetic
from hcsp_engage.web import auth
from tests.conftest import APP
from tests.pages.staff_support import SECRETS, leaked, seed_distinctive_store

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def drawn(monkeypatch) -> list[folium.Map]:
    """Stand-in for the st_folium component: keeps the maps the page draws."""
    maps: list[folium.Map] = []

    def fake_st_folium(fig, **kwargs):
        maps.append(fig)
        return None

    monkeypatch.setattr("streamlit_folium.st_folium", fake_st_folium)
    return maps


def open_store() -> storage.Store:
    return storage.open_store(config.load_settings({}))


@pytest.fixture
def newest_report() -> dict[str, str]:
    """Six months of synthetic reports ending now, and the newest one carrying markup as its description."""
    end = records.utc_now()
    tables = synthetic.frames(300, 0, seed=9, start=end - timedelta(days=180), end=end)
    reports = tables[schema.ASB_REPORTS]
    newest = reports.sort_values(["occurred_on", "submitted_at"]).index[-1]
    reports.loc[newest, "description"] = XSS
    store = open_store()
    store.append_many(schema.ASB_REPORTS, reports.to_dict("records"))
    return reports.loc[newest].to_dict()


def officer_page(name: str = "JB") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets.update(SECRETS)
    at.session_state[auth.ROLE_KEY] = "officer"
    at.session_state[auth.NAME_KEY] = name
    at.session_state[auth.SEEN_KEY] = time.time()
    at.run()
    return at.switch_page("views/hotspots.py").run()


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column``: each table has a column of its own."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_an_officer_sees_the_hotspot_table_the_map_and_the_reports(drawn, newest_report):
    at = officer_page()
    assert not at.exception
    hotspots = table(at, "nearest_place")
    assert len(hotspots) > 0
    assert hotspots["reports"].is_monotonic_decreasing
    assert {"Hereford High Town", "Old Market and bus station"} & set(hotspots["nearest_place"])
    reports = table(at, "description")
    assert reports["occurred_on"].is_monotonic_decreasing  # newest first
    shown = reports.set_index("report_id").loc[newest_report["report_id"]]
    assert shown["description"] == XSS  # shown as data in a table, never as HTML
    assert len(drawn) == 1
    html = drawn[0].get_root().render()
    assert XSS not in html
    assert any(header.value == "Emerging hotspots" for header in at.subheader)
    assert any("one-sided Poisson test" in text.value for text in at.markdown)


def test_the_status_filter_starts_on_new_reports(drawn, newest_report):
    store = open_store()
    store.append(
        schema.REPORT_STATUS,
        records.status_row(
            records.StatusChange(
                newest_report["report_id"], "Closed (no further action)", "", records.utc_now(), "AB"
            )
        ),
    )
    at = officer_page()
    assert at.multiselect(key="hs_status").value == ["New"]
    assert newest_report["report_id"] not in set(table(at, "description")["report_id"])
    at.multiselect(key="hs_status").set_value([]).run()
    assert newest_report["report_id"] in set(table(at, "description")["report_id"])


def test_an_officer_changes_a_status_and_the_history_shows_it(drawn, newest_report):
    at = officer_page(name="Jo Bloggs")
    reference = newest_report["report_id"]
    at.selectbox(key="hs_report_choice").set_value(reference).run()
    at.selectbox(key=f"hs_new_status_{reference}_0").set_value("Referred to MATAC")  # from New
    at.text_area(key="hs_note").input("Repeat location near the bus station; call 07700 900123")
    at.button(key="FormSubmitter:hs_status_form-Save status").click().run()
    assert not at.exception

    rows = open_store().read(schema.REPORT_STATUS)
    assert rows.to_dict("records") == [
        {
            "report_id": reference,
            "status": "Referred to MATAC",
            "note": "Repeat location near the bus station; call [removed]",
            "updated_at": rows.iloc[0]["updated_at"],
            "updated_by": "Jo Bloggs",
        }
    ]
    assert any(f"{reference} is now “Referred to MATAC”" in message.value for message in at.success)
    # The report has left the "New" list, but stays chosen so its history is in view.
    assert at.selectbox(key="hs_report_choice").value == reference
    history = table(at, "updated_by")
    assert history[["status", "updated_by"]].values.tolist() == [["Referred to MATAC", "Jo Bloggs"]]
    assert at.selectbox(key=f"hs_new_status_{reference}_2").value == "Referred to MATAC"


def test_without_sign_in_the_page_shows_nothing_from_the_store(drawn):
    seed_distinctive_store()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets.update(SECRETS)
    at.run()
    at.switch_page("views/hotspots.py").run()
    assert not at.exception
    assert leaked(at) == []
    assert not at.dataframe
    assert drawn == []
