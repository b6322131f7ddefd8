"""Synthetic survey responses, ASB reports and status changes for demo mode, tests and benchmarks.

Everything is seeded and reproducible: the same seed and date range give the same rows. Rows are
exactly what ``records.survey_row`` / ``records.report_row`` / ``records.status_row`` would store
(tests check a sample through them); they are built column by column with numpy so a million rows take
seconds, not minutes.

The data is plausible, not real: reports cluster around the named places in ``data/places.csv``, more
in Hereford than elsewhere; noise, drinking and rowdiness happen in the evening, at night and at
weekends; people feel less safe after dark than in the day, and the drop is larger in Hereford than
in the market towns and the countryside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache

import numpy as np
import pandas as pd

from hcsp_engage import records, schema
from hcsp_engage.analysis import interventions
from hcsp_engage.reference import geography
from hcsp_engage.storage.base import Store, to_frame

# A fixed default period, so the same seed gives the same rows whenever it runs. Demo mode passes
# its own period ending now.
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULT_START = DEFAULT_END - timedelta(days=548)

DEMO_SEED = 2024
DEMO_RESPONSES = 1_500
DEMO_REPORTS = 2_500
DEMO_MONTHS_DAYS = 548  # about 18 months

# --- Helpers ---------------------------------------------------------------------------------------


def _utc(moment: datetime | date) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _period(start: datetime | date | None, end: datetime | date | None) -> tuple[datetime, datetime]:
    end = _utc(end) if end is not None else DEFAULT_END
    start = _utc(start) if start is not None else end - (DEFAULT_END - DEFAULT_START)
    if start >= end:
        raise ValueError("The start of the period must be before its end.")
    return start, end


def _pick(rng: np.random.Generator, choices: Sequence[str], weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.asarray(choices, dtype=object)[rng.choice(len(choices), size=n, p=p / p.sum())]


# The language a resident used (schema.LANGUAGES). Herefordshire, Census 2021 main language: Polish about
# 3,000 residents of 187,000 (1.6%), Romanian about 1,500 (0.8%); Bulgarian, smaller, from the seasonal
# farm workforce. Drawn a little above those shares (people who speak English well answer in English
# anyway, but a translated form draws in some who would not have answered). Reports from the countryside,
# near the farms, are more often Romanian and Bulgarian.
LANGUAGE_WEIGHTS = {"en": 0.965, "pl": 0.02, "ro": 0.01, "bg": 0.005}
COUNTRYSIDE_LANGUAGE_WEIGHTS = {"en": 0.93, "pl": 0.02, "ro": 0.03, "bg": 0.02}
# The language column has its own random stream (numpy's seed sequence [seed, table, LANGUAGE_STREAM]),
# so adding it left every other column of every seed as it was.
LANGUAGE_STREAM = 7


def _languages(seed: int, table: int, n: int, countryside: np.ndarray | None = None) -> np.ndarray:
    rng = np.random.default_rng([seed, table, LANGUAGE_STREAM])
    languages = _pick(rng, list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values()), n)
    if countryside is not None:
        rural = np.flatnonzero(countryside)
        weights = COUNTRYSIDE_LANGUAGE_WEIGHTS
        languages[rural] = _pick(rng, list(weights), list(weights.values()), len(rural))
    return languages


def _references(rng: np.random.Generator, prefix: str, n: int) -> np.ndarray:
    """``n`` distinct references like ``R-7KQ4M2XD`` from the records alphabet."""
    alphabet = np.array(list(records.REFERENCE_ALPHABET))
    length = records.REFERENCE_LENGTH
    codes = np.empty(0, dtype=f"<U{length}")
    while len(codes) < n:
        letters = alphabet[rng.integers(0, len(alphabet), size=(n - len(codes), length))]
        fresh = np.ascontiguousarray(letters).view(f"<U{length}").ravel()
        codes = pd.unique(np.concatenate([codes, fresh]))  # a repeat (rare) is drawn again
    return np.char.add(f"{prefix}-", codes[:n].astype(str)).astype(object)


def _joined(mask: np.ndarray, options: Sequence[str]) -> np.ndarray:
    """Each row's chosen options joined with "; " in list order (mask: rows x options, bool)."""
    weights = 1 << np.arange(len(options))
    codes = mask.astype(np.int64) @ weights
    table = np.array(
        [
            schema.LIST_SEPARATOR.join(option for bit, option in enumerate(options) if code >> bit & 1)
            for code in range(1 << len(options))
        ],
        dtype=object,
    )
    return table[codes]


def _some_of(
    rng: np.random.Generator, n: int, options: Sequence[str], weights: Sequence[float], low: int, high: int
) -> np.ndarray:
    """A mask choosing between ``low`` and ``high`` options per row, likelier ones more often."""
    w = np.asarray(weights, dtype=float)
    keys = np.log(w) + rng.gumbel(size=(n, len(options)))  # Gumbel top-k: weighted, no repeats
    ranks = np.argsort(np.argsort(-keys, axis=1), axis=1)
    how_many = rng.integers(low, high + 1, size=n)
    return ranks < how_many[:, None]


def _coordinates(values: np.ndarray, has_pin: np.ndarray) -> np.ndarray:
    return np.array(
        [f"{value:.4f}" if pin else "" for value, pin in zip(values, has_pin, strict=True)], dtype=object
    )


def _iso_seconds(seconds: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return np.char.add(text, "Z").astype(object)


@cache
def _outline() -> tuple[np.ndarray, np.ndarray]:
    outline = np.array(geography.county_outline())
    return outline[:, 0], outline[:, 1]


def _inside_county(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """geography.in_herefordshire for many points at once (the same ray casting, vectorised)."""
    lats, lons = _outline()
    inside = np.zeros(len(lat), dtype=bool)
    previous_lat, previous_lon = lats[-1], lons[-1]
    for point_lat, point_lon in zip(lats, lons, strict=True):
        crosses = (point_lat > lat) != (previous_lat > lat)
        if previous_lat != point_lat:
            crossing_lon = point_lon + (lat - point_lat) * (previous_lon - point_lon) / (
                previous_lat - point_lat
            )
            inside ^= crosses & (lon < crossing_lon)
        previous_lat, previous_lon = point_lat, point_lon
    return inside


# --- Where things happen ---------------------------------------------------------------------------

# Busier places draw more reports; the rest weigh 1.
PLACE_WEIGHTS = {
    "Hereford High Town": 4.0,
    "Old Market and bus station": 3.0,
    "Widemarsh Street": 2.5,
    "Eign Gate": 2.5,
    "Hereford railway station": 2.0,
    "Castle Green": 1.5,
    "Corn Square": 3.0,
    "Market House": 3.0,
}
# How far a pin lands from its place: about 250 m, so most reports sit within 1 km of one.
PIN_SPREAD_KM = 0.25
KM_PER_DEGREE_LAT = 111.2
# Of reports in "Elsewhere in Herefordshire", the share scattered over the countryside, not in a town.
RURAL_SHARE = 0.35


def _places_table(area: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    found = geography.places_in(area)
    names = np.array([place.name for place in found], dtype=object)
    lats = np.array([place.lat for place in found])
    lons = np.array([place.lon for place in found])
    weights = np.array([PLACE_WEIGHTS.get(place.name, 1.0) for place in found])
    return names, lats, lons, weights / weights.sum()


def _locate(
    rng: np.random.Generator, areas: np.ndarray, rural_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A named place and a pin near it for each row's area; some rural pins are nowhere near one.

    Returns place names, latitudes, longitudes and which rows are rural pins.
    """
    n = len(areas)
    rural = np.zeros(n, dtype=bool)
    place = np.empty(n, dtype=object)
    lat = np.zeros(n)
    lon = np.zeros(n)
    for area in schema.REPORT_AREAS:
        rows = np.flatnonzero(areas == area)
        if not len(rows):
            continue
        names, lats, lons, weights = _places_table(area)
        chosen = rng.choice(len(names), size=len(rows), p=weights)
        place[rows] = names[chosen]
        lat[rows] = lats[chosen]
        lon[rows] = lons[chosen]
        if area == "Elsewhere in Herefordshire" and rural_share:
            scattered = rows[rng.random(len(rows)) < rural_share]
            lat[scattered], lon[scattered] = _countryside(rng, len(scattered))
            rural[scattered] = True
    # Spread pins around their place; a pin that falls over the county line is drawn again.
    centre_lat, centre_lon = lat.copy(), lon.copy()
    pending = np.arange(n)
    while len(pending):
        spread = rng.normal(0.0, PIN_SPREAD_KM, size=(len(pending), 2))
        # Rounded as stored, so the stored point is the one checked against the county line.
        lat[pending] = np.round(centre_lat[pending] + spread[:, 0] / KM_PER_DEGREE_LAT, 4)
        lon[pending] = np.round(
            centre_lon[pending]
            + spread[:, 1] / (KM_PER_DEGREE_LAT * np.cos(np.radians(centre_lat[pending]))),
            4,
        )
        pending = pending[~_inside_county(lat[pending], lon[pending])]
    return place, lat, lon, rural


# Countryside pins stay this far from the three towns' centres (geography.nearest_area's distance), so a
# report "Elsewhere in Herefordshire" is never pinned in a town.
TOWN_RADIUS_KM = 3.0


def _countryside(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread over the county outside the towns."""
    lats, lons = _outline()
    towns = [town for town in geography.towns().values() if town.area in schema.TOWNS]
    lat = np.empty(0)
    lon = np.empty(0)
    while len(lat) < n:
        tries_lat = rng.uniform(lats.min(), lats.max(), size=2 * (n - len(lat)) + 8)
        tries_lon = rng.uniform(lons.min(), lons.max(), size=len(tries_lat))
        keep = _inside_county(tries_lat, tries_lon)
        for town in towns:
            north_km = (tries_lat - town.lat) * KM_PER_DEGREE_LAT
            east_km = (tries_lon - town.lon) * KM_PER_DEGREE_LAT * np.cos(np.radians(town.lat))
            keep &= np.hypot(north_km, east_km) > TOWN_RADIUS_KM + 1.0  # + room for the pin's spread
        lat = np.concatenate([lat, tries_lat[keep]])
        lon = np.concatenate([lon, tries_lon[keep]])
    return lat[:n], lon[:n]


# --- ASB reports -----------------------------------------------------------------------------------

REPORT_AREA_WEIGHTS = {
    "Hereford": 0.55,
    "Leominster": 0.12,
    "Ross-on-Wye": 0.11,
    "Elsewhere in Herefordshire": 0.22,
}
CATEGORY_WEIGHTS = {
    "Intimidation or threats": 0.07,
    "Harassment": 0.06,
    "Verbal abuse": 0.05,
    "Abuse aimed at vulnerable people": 0.03,
    "Noise": 0.14,
    "Shouting, swearing or fighting": 0.10,
    "Inconsiderate driving or car cruising": 0.11,
    "Animal nuisance": 0.05,
    "Antisocial drinking": 0.10,
    "Dumping rubbish": 0.14,
    "Vandalism, damage or graffiti": 0.12,
    "Arson": 0.03,
}
# Morning, afternoon, evening, night.
_NIGHT_LIFE = (0.06, 0.14, 0.35, 0.45)
TIME_OF_DAY_WEIGHTS = {
    "Noise": _NIGHT_LIFE,
    "Shouting, swearing or fighting": _NIGHT_LIFE,
    "Antisocial drinking": (0.05, 0.20, 0.40, 0.35),
    "Inconsiderate driving or car cruising": (0.08, 0.22, 0.40, 0.30),
    "Animal nuisance": (0.35, 0.35, 0.20, 0.10),
    "Dumping rubbish": (0.35, 0.35, 0.20, 0.10),
    "Vandalism, damage or graffiti": (0.08, 0.22, 0.35, 0.35),
    "Arson": (0.04, 0.16, 0.35, 0.45),
}
_DAYTIME = (0.20, 0.35, 0.32, 0.13)
# Monday to Sunday. Evening and night-time nuisance peaks at weekends.
WEEKEND_HEAVY = (0.10, 0.10, 0.11, 0.13, 0.19, 0.22, 0.15)
EVEN_WEEK = (0.15, 0.15, 0.15, 0.15, 0.15, 0.13, 0.12)
WEEKEND_HEAVY_GROUPS = frozenset({"Nuisance"})

LOCATION_DETAILS = (
    "by the bus shelter",
    "in the subway",
    "behind the shops",
    "on the footpath by the river",
    "in the car park",
    "outside the takeaway",
    "at the play area",
    "by the recycling bins",
    "on the bench near the church",
    "along the cycle path",
)
DESCRIPTIONS = {
    "Personal": (
        "A group shouts at people walking past and follows some of them.",
        "Older residents are being targeted and feel scared to go out.",
        "Same people every week, making threats when asked to stop.",
    ),
    "Nuisance": (
        "Loud music and shouting most weekends until the early hours.",
        "Cars racing round the car park late at night, revving engines.",
        "People drinking on the benches and leaving bottles everywhere.",
        "Fights outside when the pubs close.",
        "Dogs off the lead chasing children on the playing field.",
    ),
    "Environmental": (
        "Bags of rubbish and an old mattress dumped on the verge.",
        "Bus shelter glass smashed again and graffiti on the wall.",
        "Bins set on fire twice this month.",
    ),
}
DESCRIBED_SHARE = 0.45
DETAIL_SHARE = 0.30
# Reports that pick a named place from the list instead of dropping a pin.
PLACE_INSTEAD_OF_PIN_SHARE = 0.25


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    # Several times faster than DataFrame.to_dict("records") for a million rows.
    names = list(frame.columns)
    columns = [frame[name].tolist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _in_order(columns: dict[str, np.ndarray], submitted: np.ndarray) -> dict[str, np.ndarray]:
    """The rows oldest first, as a store holds them (sorting numpy arrays beats sorting a frame)."""
    order = np.argsort(submitted, kind="stable")
    return {name: values[order] for name, values in columns.items()}


def _report_columns(
    n: int, rng: np.random.Generator, start: datetime, end: datetime, seed: int
) -> dict[str, np.ndarray]:
    categories = records.asb_categories()
    group_of = {category.name: category.group for category in categories}
    category = _pick(rng, list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()), n)
    group = np.array([group_of[name] for name in category], dtype=object)
    area = _pick(rng, list(REPORT_AREA_WEIGHTS), list(REPORT_AREA_WEIGHTS.values()), n)
    place, lat, lon, rural = _locate(rng, area, RURAL_SHARE)
    # A rural pin has no named place near it to choose from the list, so it stays a pin.
    near_place = ~rural
    use_place = near_place & (rng.random(n) < PLACE_INSTEAD_OF_PIN_SHARE)
    has_pin = ~use_place

    # When it happened: a weekday drawn from the category's weekly pattern, in a random week.
    first_monday = _monday_on_or_before(start.date())
    last_day = (end - timedelta(seconds=1)).date()
    weeks = (last_day - first_monday).days // 7 + 1
    weekend_heavy = np.isin(group, list(WEEKEND_HEAVY_GROUPS))
    weekday = np.where(
        weekend_heavy,
        rng.choice(7, size=n, p=np.array(WEEKEND_HEAVY) / sum(WEEKEND_HEAVY)),
        rng.choice(7, size=n, p=np.array(EVEN_WEEK) / sum(EVEN_WEEK)),
    )
    base = np.datetime64(first_monday, "D")
    occurred = base + (rng.integers(0, weeks, size=n) * 7 + weekday).astype("timedelta64[D]")
    first, last = np.datetime64(start.date(), "D"), np.datetime64(last_day, "D")
    outside = (occurred < first) | (occurred > last)
    while outside.any():  # the first and last weeks are partly outside the period: draw those again
        redraw = rng.integers(0, weeks, size=int(outside.sum())) * 7 + weekday[outside]
        occurred[outside] = base + redraw.astype("timedelta64[D]")
        outside = (occurred < first) | (occurred > last)

    time_of_day = np.empty(n, dtype=object)
    for name in CATEGORY_WEIGHTS:
        rows = np.flatnonzero(category == name)
        time_of_day[rows] = _pick(
            rng, schema.TIMES_OF_DAY, TIME_OF_DAY_WEIGHTS.get(name, _DAYTIME), len(rows)
        )

    # Reported a few days after it last happened, at a waking hour, never after the period ends.
    lag_days = np.minimum(rng.geometric(0.45, size=n) - 1, 20)
    seconds = rng.integers(7 * 3600, 23 * 3600, size=n)
    submitted = occurred.astype("datetime64[s]") + (lag_days * 86400 + seconds).astype("timedelta64[s]")
    start_s = np.datetime64(start.replace(tzinfo=None), "s")
    end_s = np.datetime64(end.replace(tzinfo=None), "s") - np.timedelta64(1, "s")
    submitted = np.clip(submitted, np.maximum(start_s, occurred.astype("datetime64[s]")), end_s)

    told_mask = np.column_stack([rng.random(n) < p for p in (0.45, 0.40, 0.12)])
    nobody = ~told_mask.any(axis=1)
    told = _joined(np.column_stack([told_mask, nobody]), schema.TOLD)

    described = rng.random(n) < DESCRIBED_SHARE
    description = np.full(n, "", dtype=object)
    for group_name, texts in DESCRIPTIONS.items():
        rows = np.flatnonzero(described & (group == group_name))
        description[rows] = _pick(rng, texts, [1.0] * len(texts), len(rows))
    detail = np.where(
        rng.random(n) < DETAIL_SHARE, _pick(rng, LOCATION_DETAILS, [1.0] * len(LOCATION_DETAILS), n), ""
    )

    columns = {
        "report_id": _references(rng, "R", n),
        "submitted_at": _iso_seconds(submitted),
        "schema_version": np.full(n, schema.SCHEMA_VERSION, dtype=object),
        "category": category,
        "asb_group": group,
        "area": area,
        "lat": _coordinates(lat, has_pin),
        "lon": _coordinates(lon, has_pin),
        "place": np.where(use_place, place, ""),
        "location_detail": detail,
        "occurred_on": np.datetime_as_string(occurred, unit="D").astype(object),
        "time_of_day": time_of_day,
        "frequency": _pick(rng, schema.FREQUENCIES, (0.18, 0.37, 0.27, 0.18), n),
        "impact": _pick(rng, schema.IMPACTS, (0.08, 0.30, 0.35, 0.27), n),
        "told": told,
        "incidents_reported_6m": _pick(rng, schema.INCIDENTS_REPORTED_6M, (0.40, 0.27, 0.15, 0.18), n),
        "description": description,
        "language": _languages(seed, 1, n, countryside=rural),
    }
    return _in_order(columns, submitted)


def report_frame(
    n: int, seed: int = 1, start: datetime | date | None = None, end: datetime | date | None = None
) -> pd.DataFrame:
    """``n`` ASB reports as a text frame with the asb_reports columns (fast: use this for large n)."""
    start, end = _period(start, end)
    rng = np.random.default_rng([seed, 1])
    if n <= 0:
        return to_frame(schema.ASB_REPORTS, [])
    frame = pd.DataFrame(
        _report_columns(n, rng, start, end, seed), columns=list(schema.COLUMNS[schema.ASB_REPORTS])
    )
    return frame


def report_rows(
    n: int, seed: int = 1, start: datetime | date | None = None, end: datetime | date | None = None
) -> list[dict[str, str]]:
    """``n`` ASB reports exactly as ``records.report_row`` stores them, oldest first."""
    return _rows(report_frame(n, seed, start, end))


# --- Survey responses ------------------------------------------------------------------------------

SURVEY_AREA_WEIGHTS = {
    "Hereford": 0.44,
    "Leominster": 0.12,
    "Ross-on-Wye": 0.11,
    "Elsewhere in Herefordshire": 0.29,
    "Outside Herefordshire": 0.04,
}
POSTCODE_DISTRICTS = {
    "Hereford": ("HR1", "HR2", "HR4"),
    "Leominster": ("HR6",),
    "Ross-on-Wye": ("HR9",),
    "Elsewhere in Herefordshire": ("HR2", "HR3", "HR5", "HR7", "HR8", "HR9", "HR6"),
    "Outside Herefordshire": ("WR14", "GL17", "NP25", "LD8", "SY8"),
}
POSTCODE_GIVEN_SHARE = 0.7
# How safe people feel in the day: Very safe, Fairly safe, Neither, Fairly unsafe, Very unsafe.
DAY_SAFETY = (0.56, 0.37, 0.03, 0.03, 0.01)
# After dark is the day answer moved 0, 1 or 2 steps towards "Very unsafe", more so in Hereford. Together
# they give about 68% safe and 11% unsafe after dark, close to the 2023 county survey (73% and 15%,
# docs/design.md section 9).
DARK_SHIFT = {
    "Hereford": (0.55, 0.24, 0.21),
    "Leominster": (0.62, 0.22, 0.16),
    "Ross-on-Wye": (0.65, 0.21, 0.14),
    "Elsewhere in Herefordshire": (0.72, 0.17, 0.11),
    "Outside Herefordshire": (0.65, 0.21, 0.14),
}
DONT_KNOW_SHARE = 0.02
UNSAFE_REASON_WEIGHTS = (5, 2, 3, 2.5, 2, 1.5, 3, 4, 1.5, 1, 0.3)
SAFER_MEASURE_WEIGHTS = (5, 3, 4.5, 1.5, 2, 2.5, 2, 0.3)
CONCERN_WEIGHTS = (6, 5, 2.5, 2, 2, 2.5, 1.5, 0.6, 2, 4.5)
# Chance of noticing each change (CCTV, lighting, cutting back, street pastors) by area: Safer Streets
# money went to Hereford (3 and 4), Leominster and Ross-on-Wye (5).
NOTICED_CHANCES = {
    "Hereford": (0.38, 0.20, 0.16, 0.22),
    "Leominster": (0.22, 0.34, 0.08, 0.04),
    "Ross-on-Wye": (0.20, 0.25, 0.06, 0.04),
    "Elsewhere in Herefordshire": (0.06, 0.06, 0.05, 0.02),
    "Outside Herefordshire": (0.10, 0.05, 0.04, 0.05),
}
AGE_WEIGHTS = (0.06, 0.11, 0.14, 0.17, 0.20, 0.19, 0.09, 0.04)
GENDER_WEIGHTS = (0.55, 0.38, 0.01, 0.005, 0.03)
DISABILITY_WEIGHTS = (0.18, 0.74, 0.05)
ABOUT_YOU_SKIPPED_SHARE = 0.05
COMMENTS = (
    "More police on foot in the evenings would help.",
    "The underpass is very dark and I avoid it after dark.",
    "Town centre feels fine in the day but not at night at weekends.",
    "The new cameras have made a difference near the bus station.",
    "Nothing for young people to do so they hang around the shops.",
    "Street lights go off too early on our estate.",
    "Paths by the river are overgrown and feel isolated.",
    "I feel safe where I live.",
)
COMMENTED_SHARE = 0.15


# Hour of the day (UTC, 0 to 23) people fill in the survey: mostly evenings and lunchtimes.
SURVEY_HOUR_WEIGHTS = (1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 2, 3, 4, 4, 4, 5, 5, 4, 4, 4, 5, 6, 7, 7, 6, 4, 2)


def _waking_moments(rng: np.random.Generator, n: int, start: datetime, end: datetime) -> np.ndarray:
    """``n`` moments in [start, end), more at the hours people fill in forms."""
    first = np.datetime64(start.replace(tzinfo=None), "s")
    last = np.datetime64(end.replace(tzinfo=None), "s")
    midnight = first.astype("datetime64[D]").astype("datetime64[s]")
    days = int((last - midnight) // np.timedelta64(1, "D")) + 1
    hours = rng.choice(24, size=n, p=np.array(SURVEY_HOUR_WEIGHTS) / sum(SURVEY_HOUR_WEIGHTS))
    offsets = rng.integers(0, days, size=n) * 86400 + hours * 3600 + rng.integers(0, 3600, size=n)
    moments = midnight + offsets.astype("timedelta64[s]")
    outside = (moments < first) | (moments >= last)  # in the period's first or last part-day
    span = int((last - first) // np.timedelta64(1, "s"))
    moments[outside] = first + rng.integers(0, span, size=int(outside.sum())).astype("timedelta64[s]")
    return moments


def _survey_columns(
    n: int, rng: np.random.Generator, start: datetime, end: datetime, seed: int
) -> dict[str, np.ndarray]:
    area = _pick(rng, list(SURVEY_AREA_WEIGHTS), list(SURVEY_AREA_WEIGHTS.values()), n)

    district = np.full(n, "", dtype=object)
    gives = rng.random(n) < POSTCODE_GIVEN_SHARE
    for name, districts in POSTCODE_DISTRICTS.items():
        rows = np.flatnonzero(gives & (area == name))
        district[rows] = _pick(rng, districts, [1.0] * len(districts), len(rows))

    scale = np.asarray(schema.SAFETY_SCALE, dtype=object)
    day_level = rng.choice(5, size=n, p=DAY_SAFETY)
    dark_level = day_level.copy()
    for name, shift in DARK_SHIFT.items():
        rows = np.flatnonzero(area == name)
        dark_level[rows] = np.minimum(day_level[rows] + rng.choice(3, size=len(rows), p=shift), 4)
    day_level[rng.random(n) < DONT_KNOW_SHARE] = 5
    dark_level[rng.random(n) < DONT_KNOW_SHARE] = 5

    # Somewhere they feel unsafe: most people who feel unsafe after dark name one, fewer others do.
    unsafe_after_dark = (dark_level >= 3) & (dark_level <= 4)
    names_one = rng.random(n) < np.where(unsafe_after_dark, 0.85, 0.35)
    by_pin = names_one & (rng.random(n) < 0.6)
    by_place = names_one & ~by_pin
    # Residents of the towns point at their town; others mostly at Hereford city centre.
    where_area = np.where(area == "Outside Herefordshire", "Hereford", area)
    countryside = where_area == "Elsewhere in Herefordshire"
    where_area = np.where(countryside & (rng.random(n) < 0.5), "Hereford", where_area)
    place, lat, lon, _ = _locate(rng, where_area, 0.0)

    reasons = _some_of(rng, n, schema.UNSAFE_REASONS, UNSAFE_REASON_WEIGHTS, 1, 3) & names_one[:, None]
    measures = (
        _some_of(rng, n, schema.SAFER_MEASURES, SAFER_MEASURE_WEIGHTS, 1, 3) & (rng.random(n) < 0.85)[:, None]
    )
    concerns = _some_of(rng, n, schema.TOP_CONCERNS, CONCERN_WEIGHTS, 1, 3) & (rng.random(n) < 0.9)[:, None]

    noticed = np.zeros((n, 4), dtype=bool)
    for name, chances in NOTICED_CHANCES.items():
        rows = np.flatnonzero(area == name)
        noticed[rows] = rng.random((len(rows), 4)) < np.asarray(chances)
    noticed_any = noticed.any(axis=1)
    answered_noticed = noticed_any | (rng.random(n) < 0.85)
    none_of_these = answered_noticed & ~noticed_any
    noticed_changes = _joined(np.column_stack([noticed, none_of_these]), schema.NOTICED_CHANGES)
    effect = np.where(
        noticed_any,
        _pick(rng, schema.CHANGES_EFFECT[:3] + ("",), (0.46, 0.44, 0.05, 0.05), n),
        np.where(none_of_these & (rng.random(n) < 0.8), "I have not noticed any changes", ""),
    )

    skipped = rng.random(n) < ABOUT_YOU_SKIPPED_SHARE
    submitted = _waking_moments(rng, n, start, end)
    commented = rng.random(n) < COMMENTED_SHARE
    columns = {
        "response_id": _references(rng, "S", n),
        "submitted_at": _iso_seconds(submitted),
        "schema_version": np.full(n, schema.SCHEMA_VERSION, dtype=object),
        "area": area,
        "postcode_district": district,
        "safe_day": scale[day_level],
        "safe_after_dark": scale[dark_level],
        "unsafe_lat": _coordinates(lat, by_pin),
        "unsafe_lon": _coordinates(lon, by_pin),
        "unsafe_place": np.where(by_place, place, ""),
        "unsafe_reasons": _joined(reasons, schema.UNSAFE_REASONS),
        "safer_measures": _joined(measures, schema.SAFER_MEASURES),
        "noticed_changes": noticed_changes,
        "changes_effect": effect,
        "top_concerns": _joined(concerns, schema.TOP_CONCERNS),
        "age_band": np.where(skipped, "", _pick(rng, schema.AGE_BANDS, AGE_WEIGHTS, n)),
        "gender": np.where(skipped, "", _pick(rng, schema.GENDERS, GENDER_WEIGHTS, n)),
        "disability": np.where(skipped, "", _pick(rng, schema.DISABILITY, DISABILITY_WEIGHTS, n)),
        "comments": np.where(commented, _pick(rng, COMMENTS, [1.0] * len(COMMENTS), n), ""),
        "language": _languages(seed, 2, n),
    }
    return _in_order(columns, submitted)


def survey_frame(
    n: int, seed: int = 1, start: datetime | date | None = None, end: datetime | date | None = None
) -> pd.DataFrame:
    """``n`` survey responses as a text frame with the survey_responses columns (fast for large n)."""
    start, end = _period(start, end)
    rng = np.random.default_rng([seed, 2])
    if n <= 0:
        return to_frame(schema.SURVEY_RESPONSES, [])
    columns = _survey_columns(n, rng, start, end, seed)
    frame = pd.DataFrame(columns, columns=list(schema.COLUMNS[schema.SURVEY_RESPONSES]))
    return frame


def survey_rows(
    n: int, seed: int = 1, start: datetime | date | None = None, end: datetime | date | None = None
) -> list[dict[str, str]]:
    """``n`` survey responses exactly as ``records.survey_row`` stores them, oldest first."""
    return _rows(survey_frame(n, seed, start, end))


# --- Officer status changes ------------------------------------------------------------------------

OFFICERS = ("J. Morgan", "S. Price", "R. Evans", "A. Patel", "K. Williams")
NOTES = {
    "Reviewed": ("Checked against other reports for this area.", "Passed to the neighbourhood team.", ""),
    "Referred to MATAC": ("Repeat location: added to the MATAC agenda.", "Referred for partnership tasking."),
    "Action taken": (
        "Extra patrols arranged for evenings.",
        "Council asked to clear the site.",
        "Housing provider spoke to the residents involved.",
        "Lighting fault reported and fixed.",
    ),
    "Closed (no further action)": ("No further reports received.", "Not enough detail to act on."),
}
REVIEWED_SHARE = 0.75


def status_frame(
    reports: pd.DataFrame | Iterable[Mapping[str, str]], seed: int = 1, end: datetime | date | None = None
) -> pd.DataFrame:
    """Officer status changes for some of ``reports``: several rows per report, later rows later.

    Most reports are reviewed within days; some then go to MATAC; many end with action taken or
    closed. No change is dated after ``end`` (default: the latest report's submission, plus 30 days).
    """
    frame = reports if isinstance(reports, pd.DataFrame) else to_frame(schema.ASB_REPORTS, reports)
    if frame.empty:
        return to_frame(schema.REPORT_STATUS, [])
    rng = np.random.default_rng([seed, 3])
    n = len(frame)
    submitted = frame["submitted_at"].str.slice(0, 19).to_numpy().astype("datetime64[s]")
    limit = (
        np.datetime64(_utc(end).replace(tzinfo=None), "s")
        if end is not None
        else submitted.max() + np.timedelta64(30, "D")
    )
    reviewed = rng.random(n) < REVIEWED_SHARE
    to_matac = reviewed & (rng.random(n) < 0.2)
    outcome_drawn = rng.random(n)
    finished = reviewed & (outcome_drawn < 0.7)
    action = finished & (rng.random(n) < 0.6)
    steps = [
        ("Reviewed", reviewed),
        ("Referred to MATAC", to_matac),
        ("Action taken", action),
        ("Closed (no further action)", finished & ~action),
    ]
    report_ids = frame["report_id"].to_numpy(dtype=object)
    pieces: dict[str, list[np.ndarray]] = {column: [] for column in schema.COLUMNS[schema.REPORT_STATUS]}
    moments = []
    moment = submitted.copy()
    for status, chosen in steps:
        gap = rng.integers(3600, 10 * 86400, size=n).astype("timedelta64[s]")
        moment = np.where(chosen, moment + gap, moment)
        rows = np.flatnonzero(chosen & (moment <= limit))
        notes = NOTES[status]
        pieces["report_id"].append(report_ids[rows])
        pieces["status"].append(np.full(len(rows), status, dtype=object))
        pieces["note"].append(_pick(rng, notes, [1.0] * len(notes), len(rows)))
        pieces["updated_at"].append(_iso_seconds(moment[rows]))
        pieces["updated_by"].append(_pick(rng, OFFICERS, [1.0] * len(OFFICERS), len(rows)))
        moments.append(moment[rows])
    order = np.argsort(np.concatenate(moments), kind="stable")
    return pd.DataFrame({column: np.concatenate(parts)[order] for column, parts in pieces.items()})


def status_rows(
    reports: pd.DataFrame | Iterable[Mapping[str, str]], seed: int = 1, end: datetime | date | None = None
) -> list[dict[str, str]]:
    """Status changes as ``records.status_row`` stores them, oldest first."""
    return _rows(status_frame(reports, seed, end))


# --- Everything together ---------------------------------------------------------------------------


def frames(
    n_reports: int,
    n_responses: int,
    seed: int = 1,
    start: datetime | date | None = None,
    end: datetime | date | None = None,
) -> dict[str, pd.DataFrame]:
    """All four tables as text frames: reports, responses, their status changes and the seed register."""
    start, end = _period(start, end)
    reports = report_frame(n_reports, seed, start, end)
    return {
        schema.SURVEY_RESPONSES: survey_frame(n_responses, seed, start, end),
        schema.ASB_REPORTS: reports,
        schema.REPORT_STATUS: status_frame(reports, seed, end),  # officers act within the period too
        schema.INTERVENTIONS: to_frame(schema.INTERVENTIONS, interventions.seed_rows()),
    }


def _append_all(store: Store, table: str, frame: pd.DataFrame) -> None:
    rows = _rows(frame)
    append_many = getattr(store, "append_many", None)
    if append_many is not None:
        append_many(table, rows)
    else:
        for row in rows:
            store.append(table, row)


def fill_demo_store(store: Store, now: datetime | None = None) -> bool:
    """Fill an empty demo store with 18 months of synthetic data; returns False when it had data.

    The seed is fixed, so each demo shows the same picture (shifted to end today). Safe to call on
    every start: a store with any responses or reports is left alone, and the seed register is only
    written to an empty interventions table.
    """
    has_data = not store.read(schema.SURVEY_RESPONSES).empty or not store.read(schema.ASB_REPORTS).empty
    if has_data:
        interventions.ensure_seeded(store)
        return False
    end = _utc(now or records.utc_now())
    start = end - timedelta(days=DEMO_MONTHS_DAYS)
    tables = frames(DEMO_REPORTS, DEMO_RESPONSES, DEMO_SEED, start, end)
    for table in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS, schema.REPORT_STATUS):
        _append_all(store, table, tables[table])
    interventions.ensure_seeded(store)
    return True


# --- Reading rows back as records (for checks and tests) -------------------------------------------


def _list(text: str) -> tuple[str, ...]:
    return tuple(text.split(schema.LIST_SEPARATOR)) if text else ()


def as_survey_response(row: Mapping[str, str]) -> records.SurveyResponse:
    """A stored survey row as the record it came from (inverse of ``records.survey_row``)."""
    return records.SurveyResponse(
        response_id=row["response_id"],
        submitted_at=records.parse_iso_utc(row["submitted_at"]),
        area=row["area"],
        safe_day=row["safe_day"],
        safe_after_dark=row["safe_after_dark"],
        postcode_district=row["postcode_district"],
        unsafe_lat=records.optional_float(row["unsafe_lat"]),
        unsafe_lon=records.optional_float(row["unsafe_lon"]),
        unsafe_place=row["unsafe_place"],
        unsafe_reasons=_list(row["unsafe_reasons"]),
        safer_measures=_list(row["safer_measures"]),
        noticed_changes=_list(row["noticed_changes"]),
        changes_effect=row["changes_effect"],
        top_concerns=_list(row["top_concerns"]),
        age_band=row["age_band"],
        gender=row["gender"],
        disability=row["disability"],
        comments=row["comments"],
        language=row.get("language", schema.DEFAULT_LANGUAGE),
    )


def as_report(row: Mapping[str, str]) -> records.AsbReport:
    """A stored report row as the record it came from (inverse of ``records.report_row``)."""
    return records.AsbReport(
        report_id=row["report_id"],
        submitted_at=records.parse_iso_utc(row["submitted_at"]),
        category=row["category"],
        area=row["area"],
        occurred_on=date.fromisoformat(row["occurred_on"]) if row["occurred_on"] else None,
        time_of_day=row["time_of_day"],
        frequency=row["frequency"],
        impact=row["impact"],
        told=_list(row["told"]),
        incidents_reported_6m=row["incidents_reported_6m"],
        lat=records.optional_float(row["lat"]),
        lon=records.optional_float(row["lon"]),
        place=row["place"],
        location_detail=row["location_detail"],
        description=row["description"],
        language=row.get("language", schema.DEFAULT_LANGUAGE),
    )


def as_status_change(row: Mapping[str, str]) -> records.StatusChange:
    """A stored status row as the record it came from (inverse of ``records.status_row``)."""
    return records.StatusChange(
        report_id=row["report_id"],
        status=row["status"],
        note=row["note"],
        updated_at=records.parse_iso_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )
