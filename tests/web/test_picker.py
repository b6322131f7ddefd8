"""The place picker's choices and click handling (the map itself is tested in the browser)."""

from __future__ import annotations

import pytest
import streamlit as st

from hcsp_engage.reference import geography
from hcsp_engage.web import forms, picker


@pytest.fixture
def state():
    st.session_state.clear()
    yield st.session_state
    st.session_state.clear()


def test_named_places_are_those_of_the_area_or_every_place_when_it_has_none():
    assert picker.place_options("Ross-on-Wye") == [place.name for place in geography.places_in("Ross-on-Wye")]
    assert "Hereford High Town" not in picker.place_options("Ross-on-Wye")
    assert len(picker.place_options("Outside Herefordshire")) == len(geography.places())


def test_a_click_inside_the_county_drops_a_pin_and_a_second_click_moves_it(state):
    picker.handle_click(forms.SURVEY, {"lat": 52.056512, "lng": -2.714987})
    assert state["survey_pin"] == (52.0565, -2.715)
    picker.handle_click(forms.SURVEY, {"lat": 52.2282, "lng": -2.7386})
    assert state["survey_pin"] == (52.2282, -2.7386)
    state["survey_method"] = picker.MAP
    assert forms.chosen_location(forms.SURVEY) == forms.Location(lat=52.2282, lon=-2.7386)


def test_a_click_outside_the_county_is_refused_and_keeps_the_earlier_pin(state):
    picker.handle_click(forms.SURVEY, {"lat": 52.0565, "lng": -2.7149})
    picker.handle_click(forms.SURVEY, {"lat": 51.4545, "lng": -2.5879})  # Bristol
    assert state["survey_pin_refused"] is True
    assert state["survey_pin"] == (52.0565, -2.7149)


def test_the_same_click_repeated_by_the_component_is_handled_once(state):
    click = {"lat": 52.0565, "lng": -2.7149}
    picker.handle_click(forms.SURVEY, click)
    state["survey_pin"] = None  # the resident removed the pin
    picker.handle_click(forms.SURVEY, click)  # st_folium returns the old click on the next rerun
    assert state["survey_pin"] is None


def test_only_the_chosen_way_of_answering_counts(state):
    state["report_pin"] = (52.0565, -2.7149)
    state["report_place"] = "Hereford High Town"
    state["report_method"] = picker.LIST
    assert forms.chosen_location(forms.REPORT) == forms.Location(place="Hereford High Town")
    state["report_method"] = None
    assert forms.chosen_location(forms.REPORT) == forms.Location()
