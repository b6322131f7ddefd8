"""Officers' hotspot analysis (docs/design.md sections 5 and 7): where and when ASB concerns cluster, what is new.

Plain pandas and numpy, no Streamlit. The page parses the stored text once (``parse_reports``), adds
each report's current status (``with_status``), then asks for figures under a set of ``Filters``.

Dates: every period here is by the date the problem **last happened** (``occurred_on``), the date the
resident gave; the submission date stands in only when that is missing.

Status does not change any hotspot figure: triage is about the list of reports, and counting only
"New" reports would make recent weeks look busier than older ones (older reports have been reviewed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hcsp_engage import schema
from hcsp_engage.analysis.aggregate import cell_ids, distinct_points, place_coordinates
from hcsp_engage.reference import COUNTY, geography
from hcsp_engage.storage.base import arrow_text, latest_positions

RESOLUTION = geography.OFFICER_H3_RESOLUTION
DEFAULT_STATUS = schema.REPORT_STATUSES[0]  # "New": no officer has changed it yet
DEFAULT_DAYS = 90  # the period the page opens on, to the newest report's day
YES, NO = "yes", "no"  # the flag columns (repeat_location, emerging), as shown and exported

# Repeat location: this many reports within this distance of each other within this many days.
REPEAT_MIN_REPORTS = 3
REPEAT_RADIUS_M = 100.0
REPEAT_DAYS = 183  # six months

# Emerging hotspots: the last RECENT_WEEKS against the cell's own rate in the BASELINE_WEEKS before.
RECENT_WEEKS = 4
BASELINE_WEEKS = 26
MIN_BASELINE_WEEKS = 8  # with less history than this there is no baseline to compare against
EMERGING_ALPHA = 0.01
EMERGING_MIN_REPORTS = 3
# Half a report added to every baseline, so a cell with none in six months has a small, not a zero, rate.
BASELINE_PRIOR = 0.5

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
METRES_PER_DEGREE = 111_195.0
CATEGORICAL = ("category", "area", "time_of_day", "cell")
# The columns the figures need: filtering these is much cheaper than filtering whole reports.
CORE = ("date", "category", "area", "time_of_day", "cell", "lat", "lon")

# Column headings for the page and the CSV exports.
# In reading order: what an officer needs first is where, how many and whether it is growing.
HOTSPOT_LABELS = {
    "rank": "Rank",
    "nearest_place": "Nearest named place",
    "reports": "Reports in period",
    "previous": "Previous period",
    "change": "Change",
    "main_categories": "Main categories",
    "repeat_location": "Repeat location",
    "emerging": "Emerging",
    "distance_m": "Distance from the place (m)",
    "cell": "H3 cell",
}
EMERGING_LABELS = {
    "nearest_place": "Nearest named place",
    "recent": f"Reports in the last {RECENT_WEEKS} weeks",
    "baseline": "Reports in the baseline weeks before",
    "expected": "Expected at the usual rate",
    "p_value": "Chance by luck alone (p)",
    "distance_m": "Distance from the place (m)",
    "cell": "H3 cell",
}
REPORT_LABELS = {
    "report_id": "Reference",
    "occurred_on": "Last happened",
    "time_of_day": "Time of day",
    "category": "Category",
    "area": "Area",
    "where": "Where",
    "location_detail": "Street or landmark",
    "repeat_location": "Repeat location",
    "description": "Description (redacted)",
    "frequency": "How often",
    "impact": "Impact",
    "status": "Status",
    "status_updated_at": "Status changed",
    "submitted_at": "Submitted",
    "lat": "Latitude",
    "lon": "Longitude",
    "cell": "H3 cell",
}


@dataclass(frozen=True)
class Filters:
    """What an officer has chosen to look at. Empty tuples and an empty area mean "all"."""

    start: date
    end: date  # inclusive
    categories: tuple[str, ...] = ()
    area: str = ""
    times_of_day: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one, with the same other choices."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))


def default_period(parsed: pd.DataFrame, today: date) -> tuple[date, date]:
    """The period the page opens on: the ``DEFAULT_DAYS`` to the newest report's day (today at the
    latest, so a report dated ahead by a clock does not move the period into the future)."""
    newest = min(today, parsed["date"].max().date())
    return newest - timedelta(days=DEFAULT_DAYS - 1), newest


def chosen_period(chosen: Sequence[date], default: tuple[date, date]) -> tuple[date, date]:
    """The period of a date-range box: its first and last day, the default while it is being cleared."""
    return (chosen[0], chosen[-1]) if chosen else default


# --- Parsing -----------------------------------------------------------------------------------------


def parse_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The asb_reports text frame with typed columns added, once.

    ``date`` (the day it last happened, else the day submitted), ``lat``
    and ``lon`` as floats (a named place's coordinates when there is no pin), ``located_by`` ("pin",
    "named place" or "") and ``cell`` (the officers' H3 cell, "" when not located).
    """
    # No copy: the text columns stay shared with the stored table (pandas' copy-on-write keeps the
    # table unchanged); only the typed columns below are new.
    frame = reports.reset_index(drop=True)
    if frame.empty:
        frame = pd.DataFrame(
            {column: pd.Series(dtype=object) for column in schema.COLUMNS[schema.ASB_REPORTS]}
        )
    # Few distinct dates, so each is parsed once; the submission day stands in for a missing date.
    day_text = frame["occurred_on"].where(frame["occurred_on"] != "", frame["submitted_at"].str[:10])
    codes, distinct_days = pd.factorize(day_text)
    days = pd.to_datetime(pd.Series(distinct_days, dtype=object), format="%Y-%m-%d", errors="coerce")
    frame["date"] = pd.Series(days.to_numpy()[codes] if len(codes) else [], dtype="datetime64[ns]")

    lat = numbers(frame["lat"])
    lon = numbers(frame["lon"])
    pinned = lat.notna() & lon.notna()
    place_lat, place_lon = place_coordinates(frame["place"])
    frame["lat"] = lat.where(pinned, pd.Series(place_lat, index=frame.index))
    frame["lon"] = lon.where(pinned, pd.Series(place_lon, index=frame.index))
    named = ~pinned & frame["lat"].notna()
    # From codes: a million texts made into a categorical would each be converted and hashed first.
    located_by = np.where(pinned, 2, np.where(named, 1, 0))
    frame["located_by"] = pd.Categorical.from_codes(
        located_by, categories=["", "named place", "pin"]
    ).remove_unused_categories()
    frame["cell"] = cell_ids(frame, "lat", "lon", RESOLUTION) if len(frame) else pd.Series(dtype=object)
    # Categories make the many filters and group-bys on these columns cheap.
    for column in CATEGORICAL:
        frame[column] = frame[column].astype("category")
    return frame


def numbers(column: pd.Series) -> pd.Series:
    """Stored text as floats (NaN where blank or not a number), each distinct text parsed once."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, distinct = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, distinct = pd.factorize(column)
    values = pd.to_numeric(pd.Series(distinct, dtype=object).replace("", None), errors="coerce")
    # code -1 (a missing value) picks the NaN at the end
    return pd.Series(np.append(values.to_numpy(dtype=float), np.nan)[codes], index=column.index)


def with_status(parsed: pd.DataFrame, status_rows: pd.DataFrame) -> pd.DataFrame:
    """``parsed`` with each report's current ``status`` (categorical) and ``status_updated_at`` (the
    latest row wins, by updated_at and then write order, as ``storage.latest``; "New" when no officer
    has changed it).
    """
    if status_rows.empty or parsed.empty:
        return parsed.assign(status=pd.Categorical([DEFAULT_STATUS] * len(parsed)), status_updated_at="")
    # Each status change's report, by position (one hash of the reports' ids), then each report's latest
    # change: matching the changes' distinct ids to the reports as well would hash a million ids twice.
    report_at = pc.index_in(arrow_text(status_rows["report_id"]), value_set=arrow_text(parsed["report_id"]))
    report_at = pc.fill_null(report_at, -1).to_numpy()
    latest_row = latest_positions(report_at, status_rows["updated_at"], len(parsed))
    found = latest_row >= 0
    statuses = status_rows["status"].astype("category")
    names = list(statuses.cat.categories)
    if DEFAULT_STATUS not in names:
        names.append(DEFAULT_STATUS)
    codes = statuses.cat.codes.to_numpy()[np.maximum(latest_row, 0)]
    codes = np.where(found & (codes >= 0), codes, names.index(DEFAULT_STATUS))  # no change, or a missing cell
    status = pd.Series(pd.Categorical.from_codes(codes, categories=names), index=parsed.index)
    status = status.cat.remove_unused_categories()
    rows = pa.array(np.maximum(latest_row, 0), mask=~found)
    updated_at = pc.fill_null(pc.take(arrow_text(status_rows["updated_at"]), rows), "")
    return parsed.assign(
        status=status.cat.reorder_categories(sorted(status.cat.categories)),
        status_updated_at=pd.Series(updated_at, dtype="str", index=parsed.index),
    )


def status_history(status_rows: pd.DataFrame, report_id: str) -> pd.DataFrame:
    """Every status change of one report, newest first: the audit trail."""
    if status_rows.empty:
        return pd.DataFrame(columns=list(schema.COLUMNS[schema.REPORT_STATUS]))
    rows = status_rows[status_rows["report_id"] == report_id]
    ordered = rows.assign(_order=range(len(rows))).sort_values(["updated_at", "_order"], ascending=False)
    return ordered.drop(columns="_order").reset_index(drop=True)


# --- Selecting ---------------------------------------------------------------------------------------


def select(parsed: pd.DataFrame, filters: Filters, *, dates: bool = True) -> pd.DataFrame:
    """The reports matching ``filters`` (without the date range when ``dates`` is False)."""
    keep = pd.Series(True, index=parsed.index)
    if dates:
        keep &= parsed["date"].between(pd.Timestamp(filters.start), pd.Timestamp(filters.end))
    if filters.categories:
        keep &= parsed["category"].isin(filters.categories)
    if filters.area and filters.area != COUNTY:
        keep &= parsed["area"] == filters.area
    if filters.times_of_day:
        keep &= parsed["time_of_day"].isin(filters.times_of_day)
    return parsed[keep]


def in_days(frame: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    return frame[frame["date"].between(pd.Timestamp(first), pd.Timestamp(last))]


# --- Repeat locations --------------------------------------------------------------------------------


def repeat_location_flags(
    lat: pd.Series, lon: pd.Series, radius_m: float = REPEAT_RADIUS_M, minimum: int = REPEAT_MIN_REPORTS
) -> pd.Series:
    """For each report, True when at least ``minimum`` reports (itself included) lie within
    ``radius_m`` of it. Callers pass one window of time (six months).

    Not pairwise: points go into square bins of side radius/sqrt(2), so every bin holding ``minimum``
    reports is a repeat location outright; only reports in sparser bins are measured against the
    distinct points of the 5 x 5 bins around them.
    """
    valid = (lat.notna() & lon.notna()).to_numpy()
    flags = np.zeros(len(lat), dtype=bool)
    if valid.sum() < minimum:
        return pd.Series(flags, index=lat.index)
    lat_v, lon_v = lat[valid].to_numpy(float), lon[valid].to_numpy(float)
    codes, distinct_lat, distinct_lon = distinct_points(lat_v, lon_v)
    weight = np.bincount(codes)
    points = pd.DataFrame(
        {
            "y": distinct_lat * METRES_PER_DEGREE,
            "x": distinct_lon * METRES_PER_DEGREE * math.cos(math.radians(float(np.mean(lat_v)))),
            "weight": weight,
        }
    )
    side = radius_m / math.sqrt(2)
    points["bx"] = np.floor(points["x"] / side).astype(np.int64)
    points["by"] = np.floor(points["y"] / side).astype(np.int64)
    points["bin_total"] = points.groupby(["bx", "by"])["weight"].transform("sum")
    repeat = (points["bin_total"] >= minimum).to_numpy().copy()

    sparse = points[~repeat].reset_index().rename(columns={"index": "point"})
    if not sparse.empty:
        reach = math.ceil(radius_m / side)
        offsets = pd.DataFrame(
            [(dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)],
            columns=["dx", "dy"],
        )
        around = sparse[["point", "x", "y", "bx", "by"]].merge(offsets, how="cross")
        around["bx"] += around["dx"]
        around["by"] += around["dy"]
        near = around.merge(
            points[["x", "y", "bx", "by", "weight"]], on=["bx", "by"], suffixes=("", "_other")
        )
        close = np.hypot(near["x"] - near["x_other"], near["y"] - near["y_other"]) <= radius_m
        totals = near[close].groupby("point")["weight"].sum()
        repeat[totals[totals >= minimum].index.to_numpy()] = True

    flags[valid] = repeat[codes]
    return pd.Series(flags, index=lat.index)


def with_repeat_flags(chosen: pd.DataFrame, parsed: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """``chosen`` (a selection of ``parsed``) with ``repeat_location`` "yes" or "no" for each report."""
    flags = repeat_locations(parsed, filters)
    repeat = chosen.index.isin(flags[flags].index)
    return chosen.assign(repeat_location=np.where(repeat, YES, NO))


def repeat_locations(parsed: pd.DataFrame, filters: Filters) -> pd.Series:
    """Repeat-location flags for the reports of the six months to the end of the period (same
    categories, area and times), indexed like ``parsed``."""
    window = replace(filters, start=filters.end - timedelta(days=REPEAT_DAYS - 1))
    chosen = select(parsed[list(CORE)], window)  # the dates first: the rest of the years is never copied
    return repeat_location_flags(chosen["lat"], chosen["lon"])


# --- Emerging hotspots -------------------------------------------------------------------------------


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean): how likely a count this high is by chance alone."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if mean >= k:
        below = sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - below)
    # The tail as a series from k upwards: every term smaller than the last, so it converges fast.
    term = total = 1.0
    n = 1
    while term > 1e-17 * total:
        term *= mean / (k + n)
        total += term
        n += 1
    return min(1.0, math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) * total)


@dataclass(frozen=True)
class EmergingResult:
    """Emerging hotspots and what the test was: ``cells`` has cell, recent, baseline, expected, p_value."""

    cells: pd.DataFrame
    baseline_weeks: int
    tested: int
    threshold: float
    as_of: date

    @property
    def explanation(self) -> str:
        return emerging_explanation(self)


def _empty_emerging() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cell": pd.Series(dtype=object),
            "recent": pd.Series(dtype=int),
            "baseline": pd.Series(dtype=int),
            "expected": pd.Series(dtype=float),
            "p_value": pd.Series(dtype=float),
            "nearest_place": pd.Series(dtype=object),
            "distance_m": pd.Series(dtype=int),
        }
    )


def emerging_hotspots(
    parsed: pd.DataFrame,
    filters: Filters,
    *,
    alpha: float = EMERGING_ALPHA,
    min_reports: int = EMERGING_MIN_REPORTS,
) -> EmergingResult:
    """Cells whose last 4 weeks (to the end of the period) are significantly above their own rate in the
    26 weeks before.

    For each cell with at least ``min_reports`` recent reports: expected = 4 x (baseline + 0.5) / 26,
    p = P(Poisson(expected) >= recent). A cell is flagged when p < alpha / (cells tested): a Bonferroni
    correction, so that across all the cells checked together there is less than ``alpha`` chance of
    flagging any by chance alone. With less history than the full baseline the shorter one is used;
    with under 8 weeks there is no test.
    """
    parsed = parsed[list(CORE)]
    as_of = filters.end
    recent_start = as_of - timedelta(days=7 * RECENT_WEEKS - 1)
    chosen = select(parsed, filters, dates=False)
    located = chosen[chosen["cell"] != ""]
    if located.empty:
        return EmergingResult(_empty_emerging(), 0, 0, alpha, as_of)
    first_day = parsed["date"].min()
    history_days = (pd.Timestamp(recent_start) - first_day).days if pd.notna(first_day) else 0
    baseline_weeks = min(BASELINE_WEEKS, max(0, history_days // 7))
    if baseline_weeks < MIN_BASELINE_WEEKS:
        return EmergingResult(_empty_emerging(), baseline_weeks, 0, alpha, as_of)
    baseline_start = recent_start - timedelta(days=7 * baseline_weeks)
    window = in_days(located, baseline_start, as_of)
    is_recent = window["date"] >= pd.Timestamp(recent_start)
    counts = pd.DataFrame(
        {
            "recent": window[is_recent].groupby("cell").size(),
            "baseline": window[~is_recent].groupby("cell").size(),
        }
    ).fillna(0)
    counts = counts.astype(int)
    tested = counts[counts["recent"] >= min_reports].copy()
    if tested.empty:
        return EmergingResult(_empty_emerging(), baseline_weeks, 0, alpha, as_of)
    tested["expected"] = RECENT_WEEKS * (tested["baseline"] + BASELINE_PRIOR) / baseline_weeks
    tested["p_value"] = [
        poisson_tail(int(k), float(mean))
        for k, mean in zip(tested["recent"], tested["expected"], strict=True)
    ]
    threshold = alpha / len(tested)
    flagged = tested[tested["p_value"] < threshold].rename_axis("cell").reset_index()
    flagged = flagged.sort_values(["p_value", "recent"], ascending=[True, False], kind="stable")
    flagged = flagged.reset_index(drop=True)
    flagged = flagged.assign(**named_places(flagged["cell"]))
    return EmergingResult(
        flagged[list(EMERGING_LABELS)],
        baseline_weeks,
        len(tested),
        threshold,
        as_of,
    )


def emerging_explanation(result: EmergingResult) -> str:
    """Why a cell is called emerging, in plain words, with the test and its threshold."""
    if result.baseline_weeks < MIN_BASELINE_WEEKS:
        return (
            f"Emerging hotspots need at least {MIN_BASELINE_WEEKS} weeks of reports before the last "
            f"{RECENT_WEEKS} weeks to compare against; there are not enough yet."
        )
    return (
        f"A cell is an **emerging hotspot** when its reports in the {RECENT_WEEKS} weeks to "
        f"{result.as_of:%d %B %Y} are far above its own usual rate: the weekly average of the "
        f"{result.baseline_weeks} weeks before (with half a report added, so a quiet place is not flagged "
        f"on its first report). We ask how likely so many reports would be by chance if that usual rate "
        f"had held (a one-sided Poisson test). Only cells with at least {EMERGING_MIN_REPORTS} recent "
        f"reports are tested ({result.tested:,} this time), and a cell is flagged when that chance is "
        f"below 1 in 100 divided by the number tested (p < {result.threshold:.2g}), so that across all of "
        "them together there is less than a 1 in 100 chance of flagging any cell by chance alone."
    )


# --- The ranked hotspot table ------------------------------------------------------------------------


def named_places(cells: pd.Series) -> dict[str, list]:
    """For each cell: ``nearest_place`` (the closest named place to its centre) and ``distance_m``."""
    nearest = [geography.nearest_place(*geography.cell_centre(cell)) for cell in cells]
    return {
        "nearest_place": [place.name for place, _ in nearest],
        "distance_m": [round(metres) for _, metres in nearest],
    }


def _main_categories(frame: pd.DataFrame, cells: pd.Index, top: int = 3) -> pd.Series:
    rows = frame[frame["cell"].isin(cells)]
    if rows.empty:
        return pd.Series("", index=cells, dtype=object)
    counts = rows.groupby(["cell", "category"]).size().rename("n").reset_index()
    counts = counts.sort_values(["cell", "n", "category"], ascending=[True, False, True], kind="stable")
    best = counts.groupby("cell").head(top)
    text = best["category"].astype(str) + " (" + best["n"].astype(str) + ")"
    return text.groupby(best["cell"]).agg("; ".join).reindex(cells).fillna("")


def hotspot_table(parsed: pd.DataFrame, filters: Filters, *, limit: int = 100) -> pd.DataFrame:
    """The cells with most reports in the period, ranked: reports, the previous period of equal length,
    the change, main categories, repeat-location and emerging flags, and the nearest named place."""
    parsed = parsed[list(CORE)]
    chosen = select(parsed, replace(filters, start=filters.previous().start))  # both periods, no more
    chosen = chosen[chosen["cell"] != ""]
    now = in_days(chosen, filters.start, filters.end)
    before = in_days(chosen, filters.previous().start, filters.previous().end)
    counts = pd.DataFrame(
        {"reports": now.groupby("cell").size(), "previous": before.groupby("cell").size()}
    ).fillna(0)
    counts = counts[counts["reports"] > 0].astype(int)
    columns = list(HOTSPOT_LABELS)
    if counts.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    counts["change"] = counts["reports"] - counts["previous"]
    counts = counts.rename_axis("cell").reset_index()
    counts = counts.sort_values(["reports", "change", "cell"], ascending=[False, False, True], kind="stable")
    table = counts.head(limit).reset_index(drop=True)
    cells = pd.Index(table["cell"])

    table["main_categories"] = _main_categories(now, cells).to_numpy()
    repeats = repeat_locations(parsed, filters)
    repeat_cells = set(parsed.loc[repeats[repeats].index, "cell"])
    table["repeat_location"] = np.where(table["cell"].isin(repeat_cells), YES, NO)
    emerging = set(emerging_hotspots(parsed, filters).cells["cell"])
    table["emerging"] = np.where(table["cell"].isin(emerging), YES, NO)
    table = table.assign(**named_places(table["cell"]))
    table["rank"] = range(1, len(table) + 1)
    return table[columns]


def describe_change(change: int, previous: int) -> str:
    """'+4 (from 6)' style text for a change against the previous period."""
    if previous == 0:
        return f"+{change} (none before)" if change > 0 else "no change"
    sign = "+" if change > 0 else ""
    return f"{sign}{change} ({sign}{100 * change / previous:.0f}%)" if change else "no change"


# --- When --------------------------------------------------------------------------------------------


def when_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Reports by day of the week and time of day: ``DataFrame[day, time_of_day, reports]``, every
    combination present (zeros included), days Monday first."""
    days = pd.Categorical(frame["date"].dt.day_of_week.map(dict(enumerate(DAYS))), categories=DAYS)
    times = pd.Categorical(frame["time_of_day"], categories=schema.TIMES_OF_DAY)
    grid = pd.crosstab(days, times, dropna=False).reindex(
        index=DAYS, columns=schema.TIMES_OF_DAY, fill_value=0
    )
    long = grid.rename_axis(index="day", columns="time_of_day").stack().rename("reports").reset_index()
    long["reports"] = long["reports"].astype(int)
    return long


TREND_MONTHS = 12


def trend_filters(filters: Filters, months: int = TREND_MONTHS) -> Filters:
    """The same choices over whole months: the ``months`` calendar months up to the end of the period."""
    first = pd.Timestamp(filters.end).to_period("M") - (months - 1)
    return replace(filters, start=first.start_time.date())


def monthly_trend(frame: pd.DataFrame) -> pd.DataFrame:
    """Reports by month and category: ``DataFrame[month ('2026-03'), category, reports]``."""
    if frame.empty:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype=object),
                "category": pd.Series(dtype=object),
                "reports": pd.Series(dtype=int),
            }
        )
    # Grouped by year * 100 + month and labelled after: formatting every date as text took most of the
    # time (a quarter of a second for a year of a million-report store).
    month = (frame["date"].dt.year * 100 + frame["date"].dt.month).rename("month")
    counts = frame.groupby([month, frame["category"]]).size().rename("reports").reset_index()
    counts["month"] = [f"{int(value) // 100:04d}-{int(value) % 100:02d}" for value in counts["month"]]
    return counts.sort_values(["month", "category"]).reset_index(drop=True)


# --- The reports list and exports ---------------------------------------------------------------------


def reports_list(frame: pd.DataFrame, statuses: tuple[str, ...] = ()) -> pd.DataFrame:
    """Reports for the officers' list, newest first, optionally only some statuses. Text is shown as
    stored (descriptions were redacted before storage)."""
    if statuses:
        frame = frame[frame["status"].isin(statuses)]
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in REPORT_LABELS})
    where = np.where(
        frame["located_by"] == "pin",
        "Pin " + frame["lat"].map("{:.4f}".format) + ", " + frame["lon"].map("{:.4f}".format),
        frame["place"],
    )
    if "repeat_location" not in frame:
        frame = frame.assign(repeat_location="")
    shown = frame.assign(where=where).sort_values(["date", "submitted_at"], ascending=False, kind="stable")
    return shown[list(REPORT_LABELS)].reset_index(drop=True)


def repeat_location_count(table: pd.DataFrame) -> int:
    """How many cells of a hotspot table are repeat locations."""
    return int((table["repeat_location"] == YES).sum())


def triage_choices(
    listed: pd.DataFrame, chosen: pd.DataFrame, last_changed: str | None, limit: int
) -> tuple[list[str], pd.DataFrame]:
    """The reports an officer may change the status of, and their list rows indexed by report id.

    The first ``limit`` of the list, and the report changed last even when its new status has taken it
    out of the list (so the officer sees the change they made). Only these rows are laid out: a year of
    a busy county is over a hundred thousand reports.
    """
    options = list(listed["report_id"].head(limit))
    offered = reports_list(chosen[chosen["report_id"].isin([*options, last_changed])]).set_index("report_id")
    if last_changed in offered.index and last_changed not in options:
        options.insert(0, last_changed)
    return options, offered


def for_export(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """A table with its readable headings, as it goes into a CSV for the MATAC meeting."""
    return frame[[column for column in labels if column in frame]].rename(columns=labels)
