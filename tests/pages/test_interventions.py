"""The interventions register: officers list, add and edit; every save is a new row; history shows."""

from __future__ import annotations

import folium
import pandas as pd
import pytest

from hcsp_engage import config, schema, storage
from hcsp_engage.analysis import interventions
from hcsp_engage.render import maps
from hcsp_engage.storage.base import latest
from tests.conftest import open_page
from tests.pages.staff_support import OFFICER_PASSCODE, SECRETS, sign_in

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def clicks(monkeypatch):
    """Stand-in for the st_folium component: records the maps drawn and replays a click if set."""

    class Clicks:
        maps: list[folium.Map] = []
        next_click: dict | None = None

    def fake_st_folium(fig, **kwargs):
        Clicks.maps.append(fig)
        return {"last_clicked": Clicks.next_click} if Clicks.next_click else {"last_clicked": None}

    Clicks.maps = []
    monkeypatch.setattr("streamlit_folium.st_folium", fake_st_folium)
    return Clicks


def stored() -> pd.DataFrame:
    return storage.open_store(config.load_settings({})).read(schema.INTERVENTIONS)


def signed_in():
    at = open_page("views/interventions.py", secrets=SECRETS)
    return sign_in(at, OFFICER_PASSCODE, name="JB")


def widget(collection, label: str):
    return next(item for item in collection if item.label == label)


def save(at):
    return widget(at.button, "Save intervention").click().run()


def test_the_register_starts_with_the_safer_streets_seed(clicks):
    at = signed_in()
    assert not at.exception
    titles = set(at.dataframe[0].value["title"])
    assert {i.title for i in interventions.seed_interventions()} <= titles


def test_an_officer_adds_an_intervention_placed_by_a_map_click(clicks):
    at = signed_in()
    clicks.next_click = {"lat": 52.061234, "lng": -2.708333}
    at.run()
    widget(at.text_input, "Title").input("Lighting on Canal Road")
    widget(at.selectbox, "Kind of work").set_value("Street lighting")
    widget(at.text_area, "What was done (shown to the public when public)").input("Six new lamps.")
    save(at)
    assert not at.exception
    assert any("Saved “Lighting on Canal Road”" in message.value for message in at.success)
    row = stored().query("title == 'Lighting on Canal Road'").iloc[0]
    assert (row["lat"], row["lon"], row["kind"], row["updated_by"]) == (
        "52.0612",
        "-2.7083",
        "Street lighting",
        "JB",
    )
    assert "Lighting on Canal Road" in set(at.dataframe[0].value["title"])


def test_typed_coordinates_place_an_intervention(clicks):
    at = signed_in()
    widget(at.text_input, "Title").input("Typed place")
    widget(at.number_input, "Latitude").set_value(52.0511)
    widget(at.number_input, "Longitude").set_value(-2.7122)
    save(at)
    row = stored().query("title == 'Typed place'").iloc[0]
    assert (row["lat"], row["lon"]) == ("52.0511", "-2.7122")


def test_an_edit_is_a_new_row_the_latest_wins_and_the_history_shows_both(clicks):
    at = signed_in()
    first = interventions.seed_interventions()[0]
    before = len(stored())
    at.selectbox(key="intervention_choice").set_value(first.intervention_id).run()
    widget(at.selectbox, "Status").set_value("Withdrawn")
    save(at)
    assert not at.exception
    rows = stored()
    assert len(rows) == before + 1
    current = latest(schema.INTERVENTIONS, rows).set_index("intervention_id")
    assert current.loc[first.intervention_id, "status"] == "Withdrawn"
    assert current.loc[first.intervention_id, "updated_by"] == "JB"
    history = at.dataframe[1].value  # the register, then this intervention's history
    assert list(history["status"]) == ["Withdrawn", first.status]


def test_a_missing_title_is_explained_and_nothing_is_stored(clicks):
    at = signed_in()
    before = len(stored())
    save(at)
    assert any("Give the intervention a short title" in error.value for error in at.error)
    assert len(stored()) == before


def test_a_stored_script_in_a_title_is_shown_as_text_in_the_list_and_the_map(clicks):
    at = signed_in()
    widget(at.text_input, "Title").input(XSS)
    widget(at.number_input, "Latitude").set_value(52.0565)
    widget(at.number_input, "Longitude").set_value(-2.7149)
    save(at)
    assert XSS in set(at.dataframe[0].value["title"])  # a table cell holds it as plain text
    html = maps.to_html(clicks.maps[-1])
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert XSS not in html


def test_a_map_click_outside_the_county_is_refused_and_leaves_the_coordinates_empty(clicks):
    at = signed_in()
    clicks.next_click = {"lat": 51.8642, "lng": -2.2382}  # Gloucester
    at.run()
    assert any("outside Herefordshire" in error.value for error in at.error)
    assert widget(at.number_input, "Latitude").value is None
