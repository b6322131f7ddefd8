"""Safer Streets impact for the Board: did reports near an intervention change more than elsewhere in
the same town? (difference in differences on counts, no Streamlit).

For each intervention (or each scheme's work in one town) we count ASB concern reports and the survey's
unsafe-place pins within ``radius_m`` of its site in equal windows before and after it started, and do
the same for the rest of the same town (points outside the radius of every intervention). If the site's
count changed by a different factor than the rest of the town's, the ratio of the two rate ratios is
away from 1. Its 95% interval and p-value come from the usual Poisson approximation on the log scale
(standard error sqrt(1/a + 1/b + 1/c + 1/d), half a report added to every count when one is zero).

What this can show: whether reports near a site moved differently from reports elsewhere in the town.
What it cannot: that the intervention caused it. Reports depend on who uses this app; places are often
chosen because they were bad, and bad spells tend to ease on their own; other things change at the same
time. See ``CAVEATS``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from hcsp_engage.reference import geography

RADIUS_M = 300
WINDOW_DAYS = 183  # about six months
MIN_REPORTS = 10  # fewer than this near a site, across both windows, and we say "too few to tell"
ALPHA = 0.05
EARTH_RADIUS_M = 6_371_008.8

MEASURES = {"reports": "ASB concern reports", "pins": "Unsafe-place pins (survey)"}
GROUPINGS = {"intervention": "Each intervention", "scheme": "Each scheme in each town"}

CAVEATS = (
    "These figures compare places, not people, and show change alongside an intervention, not proof "
    "that it caused the change. Reports come from residents who use this app, so a publicity push or a "
    "new estate can move them. Places are often chosen because they were at their worst, and a bad spell "
    "tends to ease on its own. Police operations, seasons and events change at the same time. Sites whose "
    "location is only the town centre cannot be measured this way. Read a clear result as a reason to look "
    "closer, and 'no clear change' as 'not shown', not as 'no effect'."
)


@dataclass(frozen=True)
class ImpactSettings:
    radius_m: float = RADIUS_M
    window_days: int = WINDOW_DAYS
    min_reports: int = MIN_REPORTS
    grouping: str = "intervention"  # or "scheme"


@dataclass(frozen=True)
class Site:
    """Where an intervention (or a group of them) is measured."""

    label: str
    area: str
    started: date | None
    lat: tuple[float, ...]
    lon: tuple[float, ...]
    unmeasurable: str = ""  # why it cannot be measured, when it cannot


@dataclass(frozen=True)
class Comparison:
    ratio: float  # (near after / near before) / (rest after / rest before)
    low: float
    high: float
    p_value: float


def distances_m(lat: np.ndarray, lon: np.ndarray, site_lat: float, site_lon: float) -> np.ndarray:
    """Great-circle distance in metres from each point to one site (haversine, vectorised)."""
    phi1, phi2 = np.radians(lat), math.radians(site_lat)
    dphi = phi2 - phi1
    dlmb = math.radians(site_lon) - np.radians(lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * math.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def near(
    points: pd.DataFrame, lats: tuple[float, ...], lons: tuple[float, ...], radius_m: float
) -> np.ndarray:
    """True for each point within ``radius_m`` of any of the given sites."""
    lat, lon = points["lat"].to_numpy(float), points["lon"].to_numpy(float)
    close = np.zeros(len(points), dtype=bool)
    for site_lat, site_lon in zip(lats, lons, strict=True):
        close |= distances_m(lat, lon, site_lat, site_lon) <= radius_m
    return close


def towns_of(points: pd.DataFrame) -> np.ndarray:
    """Each point's town (geography.nearest_area's rule: within 3 km of a town centre), vectorised."""
    lat, lon = points["lat"].to_numpy(float), points["lon"].to_numpy(float)
    result = np.full(len(points), "Elsewhere in Herefordshire", dtype=object)
    best = np.full(len(points), 3000.0)
    for town in geography.towns().values():
        if town.area == "Elsewhere in Herefordshire":
            continue
        metres = distances_m(lat, lon, town.lat, town.lon)
        closer = metres <= best
        result[closer] = town.area
        best = np.where(closer, metres, best)
    return result


def compare(near_before: int, near_after: int, rest_before: int, rest_after: int) -> Comparison:
    """Ratio of rate ratios with its 95% interval and two-sided p-value (Poisson, log scale)."""
    counts = [near_before, near_after, rest_before, rest_after]
    if min(counts) == 0:
        counts = [count + 0.5 for count in counts]
    a0, a1, c0, c1 = counts
    log_ratio = math.log((a1 / a0) / (c1 / c0))
    se = math.sqrt(sum(1 / count for count in counts))
    z = log_ratio / se
    return Comparison(
        ratio=math.exp(log_ratio),
        low=math.exp(log_ratio - 1.959963984540054 * se),
        high=math.exp(log_ratio + 1.959963984540054 * se),
        p_value=math.erfc(abs(z) / math.sqrt(2)),
    )


def sites(register: pd.DataFrame, grouping: str = "intervention") -> list[Site]:
    """The places to measure: each intervention with a start date, or each scheme's work in a town.

    A site placed only at the town centre (location_precision "area") cannot be measured near its site.
    """
    if register.empty:
        return []
    shown = register[register["status"] != "Withdrawn"].copy()
    shown["_lat"] = pd.to_numeric(shown["lat"].replace("", None), errors="coerce")
    shown["_lon"] = pd.to_numeric(shown["lon"].replace("", None), errors="coerce")
    shown["_start"] = pd.to_datetime(
        shown["started_on"].replace("", None), errors="coerce", format="%Y-%m-%d"
    )
    located = (shown["location_precision"] != "area") & shown["_lat"].notna() & shown["_lon"].notna()
    shown["_located"] = located
    if grouping == "scheme":
        groups = [
            (f"{scheme}, {area}", frame)
            for (scheme, area), frame in shown.groupby(["scheme", "area"], sort=True)
        ]
    else:
        groups = [(row["title"], shown.loc[[index]]) for index, row in shown.iterrows()]
    result = []
    for label, frame in groups:
        starts = frame["_start"].dropna()
        started = starts.min().date() if not starts.empty else None
        points = frame[frame["_located"]]
        reason = ""
        if started is None:
            reason = "No start date in the register."
        elif points.empty:
            reason = "Exact site not confirmed (placed at the town centre), so it cannot be measured."
        result.append(
            Site(
                label=label,
                area=str(frame["area"].iloc[0]),
                started=started,
                lat=tuple(points["_lat"].astype(float)),
                lon=tuple(points["_lon"].astype(float)),
                unmeasurable=reason,
            )
        )
    return result


def _window_counts(points: pd.DataFrame, mask: np.ndarray, first: date, last: date) -> int:
    days = points["date"]
    return int((mask & days.between(pd.Timestamp(first), pd.Timestamp(last)).to_numpy()).sum())


def _percent_change(before: int | None, after: int | None) -> float | None:
    if before is None or after is None or not before:
        return None
    return round(100 * (after - before) / before, 1)


COUNT_COLUMNS = {
    "Near: before": ("near", "before"),
    "Near: after": ("near", "after"),
    "Rest of town: before": ("rest", "before"),
    "Rest of town: after": ("rest", "after"),
}
COLUMNS = (
    "Intervention",
    "Town",
    "Started",
    "Measure",
    "Before",
    "After",
    "Near: before",
    "Near: after",
    "Near: % change",
    "Rest of town: before",
    "Rest of town: after",
    "Rest of town: % change",
    "Difference in differences (% relative)",
    "95% interval low (%)",
    "95% interval high (%)",
    "p-value",
    "Verdict",
)


def measure(
    points: dict[str, pd.DataFrame],
    register: pd.DataFrame,
    settings: ImpactSettings,
    data_first: date | None,
    data_last: date | None,
) -> tuple[pd.DataFrame, list[dict[str, tuple] | None]]:
    """One row per site and measure with the counts near it and in the rest of its town before and after
    it started (no derived figures), and for each row the key that names each count (None for a row
    that is not measured): the same place and window has the same key, whichever row shows it.

    ``points`` maps a measure ("reports", "pins") to a frame with float ``lat``, ``lon`` and a datetime
    ``date``. Every located intervention's radius is left out of the rest of the town.
    """
    all_sites = sites(register, settings.grouping)
    every_lat = tuple(lat for site in sites(register, "intervention") for lat in site.lat)
    every_lon = tuple(lon for site in sites(register, "intervention") for lon in site.lon)
    rows, keys = [], []
    for measure_name, frame in points.items():
        frame = frame.dropna(subset=["lat", "lon", "date"]).reset_index(drop=True)
        town = towns_of(frame)
        near_any = near(frame, every_lat, every_lon, settings.radius_m)
        for site in all_sites:
            row = {
                "Intervention": site.label,
                "Town": site.area,
                "Started": site.started.isoformat() if site.started else "",
                "Measure": MEASURES[measure_name],
            }
            keys.append(None)
            if site.unmeasurable:
                rows.append(row | {"Verdict": site.unmeasurable})
                continue
            window = timedelta(days=settings.window_days)
            before = (site.started - window, site.started - timedelta(days=1))
            after = (site.started, site.started + window - timedelta(days=1))
            row["Before"] = f"{before[0].isoformat()} to {before[1].isoformat()}"
            row["After"] = f"{after[0].isoformat()} to {after[1].isoformat()}"
            if data_first is None or data_first > before[0]:
                rows.append(
                    row | {"Verdict": "No data from the whole period before it started, so no comparison."}
                )
                continue
            if data_last is None or data_last < after[1]:
                rows.append(
                    row | {"Verdict": f"Too early to tell: the period after it ends on {after[1]:%d %B %Y}."}
                )
                continue
            masks = {
                "near": near(frame, site.lat, site.lon, settings.radius_m),
                "rest": (town == site.area) & ~near_any,
            }
            places = {"near": (site.lat, site.lon, settings.radius_m), "rest": (site.area,)}
            windows = {"before": before, "after": after}
            for column, (where, when) in COUNT_COLUMNS.items():
                row[column] = _window_counts(frame, masks[where], *windows[when])
            keys[-1] = {
                column: ("impact", measure_name, where, places[where], windows[when])
                for column, (where, when) in COUNT_COLUMNS.items()
            }
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS)), keys


def derived(row: Mapping[str, object], settings: ImpactSettings) -> dict[str, object]:
    """The changes, the difference in differences and a plain verdict from one row's four counts (as the
    caller resolved them: None where a count is hidden, and then no figure and no verdict at all)."""
    counts = {column: row[column] for column in COUNT_COLUMNS}
    if any(value is None or (isinstance(value, float) and math.isnan(value)) for value in counts.values()):
        return dict.fromkeys(IMPACT_PERCENTS) | {
            "Verdict": "Not shown: a count in this row is hidden (too small to show, or left out to protect "
            "one that is), so no change, interval or verdict is given."
        }
    counts = {column: int(value) for column, value in counts.items()}
    figures: dict[str, object] = {
        "Near: % change": _percent_change(counts["Near: before"], counts["Near: after"]),
        "Rest of town: % change": _percent_change(
            counts["Rest of town: before"], counts["Rest of town: after"]
        ),
    }
    return figures | _verdict(str(row["Town"]), counts, settings)


def impact_table(
    points: dict[str, pd.DataFrame],
    register: pd.DataFrame,
    settings: ImpactSettings,
    data_first: date | None,
    data_last: date | None,
) -> pd.DataFrame:
    """One row per site and measure: counts near it and in the rest of its town before and after it
    started, the changes, the difference in differences and a plain verdict, from the raw counts."""
    table, keys = measure(points, register, settings, data_first, data_last)
    rows = table.to_dict("records")
    for row, row_keys in zip(rows, keys, strict=True):
        if row_keys is not None:
            row |= derived(row, settings)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _verdict(area: str, counts: dict[str, int], settings: ImpactSettings) -> dict:
    near_total = counts["Near: before"] + counts["Near: after"]
    rest_total = counts["Rest of town: before"] + counts["Rest of town: after"]
    if near_total < settings.min_reports or rest_total < settings.min_reports:
        where = "near it" if near_total < settings.min_reports else f"in the rest of {area}"
        return dict.fromkeys(IMPACT_PERCENTS[2:]) | {
            "Verdict": f"Too few reports to tell: fewer than {settings.min_reports} {where} across both periods."
        }
    result = compare(*counts.values())
    figures = {
        "Difference in differences (% relative)": round(100 * (result.ratio - 1), 1),
        "95% interval low (%)": round(100 * (result.low - 1), 1),
        "95% interval high (%)": round(100 * (result.high - 1), 1),
        "p-value": round(result.p_value, 4),
    }
    if result.p_value < ALPHA:
        direction = "fell" if result.ratio < 1 else "rose"
        text = (
            f"Clear change: near it, the count {direction} compared with the rest of {area} "
            f"({100 * (result.ratio - 1):+.0f}% relative). A difference this large would arise by chance "
            "less than 1 time in 20."
        )
    else:
        text = (
            f"No clear change compared with the rest of {area}: a difference this size could be chance "
            f"(p = {result.p_value:.2f})."
        )
    return figures | {"Verdict": text}


IMPACT_COUNTS = ("Near: before", "Near: after", "Rest of town: before", "Rest of town: after")
IMPACT_PERCENTS = (
    "Near: % change",
    "Rest of town: % change",
    "Difference in differences (% relative)",
    "95% interval low (%)",
    "95% interval high (%)",
    "p-value",
)


def split_measured(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with counts, and one row per intervention that could not be measured (with why)."""
    counts = table["Near: before"]
    measured = counts.notna() & (counts.astype(str).str.strip() != "")
    skipped = (
        table.loc[~measured, ["Intervention", "Town", "Started", "Verdict"]]
        .drop_duplicates(subset=["Intervention", "Verdict"])
        .rename(columns={"Verdict": "Why it is not measured"})
        .reset_index(drop=True)
    )
    return table[measured].reset_index(drop=True), skipped


# The columns that fit a page or an A4 sheet; the CSV keeps them all.
SUMMARY_COLUMNS = (
    "Intervention",
    "Started",
    "Measure",
    "Near: before",
    "Near: after",
    "Rest of town: before",
    "Rest of town: after",
    "Difference in differences (% relative)",
)
