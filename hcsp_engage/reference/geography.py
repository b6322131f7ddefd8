"""Areas, named places, the county outline and H3 cells.

Reference facts live in ``hcsp_engage/reference/data/`` with their sources; this module only reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import h3

from hcsp_engage.reference import COUNTY, read_csv

# Coordinates are stored to 4 decimal places (about 11 m): enough to find a street corner, not a door.
COORDINATE_DECIMALS = 4


@dataclass(frozen=True)
class Place:
    area: str
    name: str
    lat: float
    lon: float
    precision: str
    source: str


@dataclass(frozen=True)
class Town:
    area: str
    lat: float
    lon: float
    zoom: int


@cache
def places() -> tuple[Place, ...]:
    """Named places residents can pick instead of dropping a pin."""
    return tuple(
        Place(
            row["area"],
            row["name"],
            float(row["lat"]),
            float(row["lon"]),
            row["precision"],
            row["source"],
        )
        for row in read_csv("places.csv")
    )


def places_in(area: str) -> tuple[Place, ...]:
    return tuple(place for place in places() if place.area == area)


def place_named(name: str) -> Place | None:
    return next((place for place in places() if place.name == name), None)


@cache
def towns() -> dict[str, Town]:
    """Map centres and zooms for each area a resident can choose."""
    return {
        row["area"]: Town(row["area"], float(row["lat"]), float(row["lon"]), int(row["zoom"]))
        for row in read_csv("towns.csv")
    }


COUNTY_VIEW = Town(COUNTY, 52.08, -2.72, 10)


def view_for(area: str | None) -> Town:
    """Where a map of ``area`` should be centred; the whole county when the area has no town."""
    return towns().get(area or "", COUNTY_VIEW)


@cache
def county_outline() -> tuple[tuple[float, float], ...]:
    """The county outline as (lat, lon) points, approximate to about 2 km."""
    return tuple((float(row["lat"]), float(row["lon"])) for row in read_csv("herefordshire_outline.csv"))


def in_herefordshire(lat: float, lon: float) -> bool:
    """True when the point lies inside the county outline (ray casting on the simplified outline)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    outline = county_outline()
    inside = False
    previous_lat, previous_lon = outline[-1]
    for point_lat, point_lon in outline:
        if (point_lat > lat) != (previous_lat > lat):
            crossing_lon = point_lon + (lat - point_lat) * (previous_lon - point_lon) / (
                previous_lat - point_lat
            )
            if lon < crossing_lon:
                inside = not inside
        previous_lat, previous_lon = point_lat, point_lon
    return inside


def round_coordinate(value: float) -> float:
    return round(float(value), COORDINATE_DECIMALS)


def nearest_area(lat: float, lon: float, max_km: float = 3.0) -> str:
    """The town whose centre is within ``max_km`` of the point, else 'Elsewhere in Herefordshire'."""
    best, best_km = "Elsewhere in Herefordshire", max_km
    for town in towns().values():
        if town.area == "Elsewhere in Herefordshire":
            continue
        km = distance_km(lat, lon, town.lat, town.lon)
        if km <= best_km:
            best, best_km = town.area, km
    return best


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    return h3.great_circle_distance((lat1, lon1), (lat2, lon2), unit="km")


def nearest_place(lat: float, lon: float) -> tuple[Place, float]:
    """The closest named place and its distance in metres."""
    best = min(places(), key=lambda place: distance_km(lat, lon, place.lat, place.lon))
    return best, distance_km(lat, lon, best.lat, best.lon) * 1000


# H3 resolutions: 8 (about 0.7 km² a cell) for the public map, where a cell must gather at least k
# reports; 9 (about 0.1 km²) for officers, who see exact counts.
PUBLIC_H3_RESOLUTION = 8
OFFICER_H3_RESOLUTION = 9


def cell_of(lat: float, lon: float, resolution: int) -> str:
    return h3.latlng_to_cell(lat, lon, resolution)


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The cell's corners as (lat, lon) pairs."""
    return [tuple(point) for point in h3.cell_to_boundary(cell)]


def cell_centre(cell: str) -> tuple[float, float]:
    return tuple(h3.cell_to_latlng(cell))
