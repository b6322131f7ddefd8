"""Places and outlines (docs/design.md section 8): the towns and named places are where the design says,
inside the county, each with a source; points are rounded to four decimals; nearest place and area."""

from __future__ import annotations

import pytest

from hcsp_engage import schema
from hcsp_engage.reference import COUNTY, geography

HIGH_TOWN = (52.05649, -2.71490)


@pytest.mark.parametrize(
    ("area", "lat", "lon"),
    [("Hereford", 52.0565, -2.7149), ("Leominster", 52.2282, -2.7386), ("Ross-on-Wye", 51.9144, -2.5866)],
)
def test_each_town_is_centred_where_the_design_says(area, lat, lon):
    town = geography.view_for(area)
    assert (town.lat, town.lon) == (lat, lon)
    assert town.zoom > geography.COUNTY_VIEW.zoom


def test_an_area_without_a_town_is_shown_as_the_whole_county():
    assert geography.view_for("Outside Herefordshire") == geography.COUNTY_VIEW
    assert geography.view_for(None).area == COUNTY


def test_every_named_place_is_in_the_county_in_a_known_area_and_has_a_source():
    for place in geography.places():
        assert geography.in_herefordshire(place.lat, place.lon), place.name
        assert place.area in schema.REPORT_AREAS, place.name
        assert place.source.strip(), place.name


def test_the_design_s_named_places_are_listed_at_their_points():
    high_town = geography.place_named("Hereford High Town")
    assert high_town is not None
    assert (high_town.lat, high_town.lon) == pytest.approx(HIGH_TOWN, abs=1e-4)


def test_points_outside_the_county_are_outside():
    assert geography.in_herefordshire(*HIGH_TOWN)
    assert not geography.in_herefordshire(51.8642, -2.2382)  # Gloucester
    assert not geography.in_herefordshire(51.5074, -0.1278)  # London


def test_coordinates_are_rounded_to_four_decimals():
    assert geography.round_coordinate(52.056491234) == 52.0565
    assert geography.COORDINATE_DECIMALS == 4


def test_the_nearest_place_to_high_town_is_high_town_within_a_few_metres():
    place, metres = geography.nearest_place(*HIGH_TOWN)
    assert place.name == "Hereford High Town" and metres < 20
    assert geography.nearest_area(*HIGH_TOWN) == "Hereford"
