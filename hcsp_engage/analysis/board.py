"""Figures for the Board summary (/board): engagement, feelings of safety against baselines, concerns
against the strategic priorities, Safer Streets impact and the Community Trigger. No Streamlit.

Every figure follows one ``Period``: a financial quarter or a financial year (fixed, non-overlapping;
months appear inside them). Responses and reports count in the period they were **submitted** (what the
Board asks is "who did we hear from, when"); the Safer Streets comparison uses the date a problem last
happened, around each intervention's own start date, with a radius and windows fixed in configuration.

Disclosure control (docs/disclosure-control.md): ``build`` computes every table of every period the
Board can show (each financial year holding data, its quarters and months) and registers each count in
one ``disclosure.Release`` under a key that names the quantity (the same quantity has the same key
wherever it appears: Q1's row in a year's trend is Q1's own figure), with every way the counts add up
(a row, a group, the areas to the county, a year to its quarters, a quarter to its months). The release
is protected once; a ``BoardTable`` holds raw numbers for analysis, and ``BoardTable.shown()`` and
``chartable()`` read every count from the publication and build every percentage, interval, rate and
verdict from counts it shows exactly. Nothing else turns a Board count into text.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from hcsp_engage import disclosure, records, reference, schema
from hcsp_engage.analysis import aggregate, hotspots, impact, interventions
from hcsp_engage.storage.base import rows_version, table_version, with_read_defaults

Z_95 = 1.959963984540054
FINANCIAL_YEAR_START_MONTH = 4  # April
QUARTER_MONTHS = ("April–June", "July–September", "October–December", "January–March")
OTHER_PRIORITY = reference.OTHER_PRIORITY
SAFETY_QUESTIONS = {"safe_day": "During the day", "safe_after_dark": "After dark"}
NOT_SHOWN = disclosure.NOT_SHOWN
PROFILE_LABELS = {"age_band": "Age", "gender": "Gender", "disability": "Disability"}
PROFILE_CHOICES = {"age_band": schema.AGE_BANDS, "gender": schema.GENDERS, "disability": schema.DISABILITY}
ASB_GROUPS = ("Personal", "Nuisance", "Environmental")
# The languages' names on the Board, a staff page in English (schema.LANGUAGES holds the stored codes).
LANGUAGE_NAMES = {"en": "English", "pl": "Polish", "ro": "Romanian", "bg": "Bulgarian"}

Key = Hashable

# --- Periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    # The period's name in the release's keys: "2025/26" (financial year), "2025/26 Q1" (quarter) or
    # "2025-04" (month), as the trend tables label their rows.
    code: str = ""

    @property
    def slug(self) -> str:
        return f"{self.start:%Y-%m-%d}_to_{self.end:%Y-%m-%d}"


def financial_year_of(day: date) -> int:
    """The calendar year a day's financial year (April to March) starts in."""
    return day.year if day.month >= FINANCIAL_YEAR_START_MONTH else day.year - 1


def _fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_year(start_year: int) -> Period:
    return Period(
        date(start_year, 4, 1),
        date(start_year + 1, 3, 31),
        f"Financial year {_fy_label(start_year)}",
        _fy_label(start_year),
    )


def quarter(start_year: int, number: int) -> Period:
    """Quarter ``number`` (1 = April to June) of the financial year starting in ``start_year``."""
    if number not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1, 2, 3 or 4.")
    month = 4 + 3 * (number - 1)
    year = start_year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    start = date(year, month, 1)
    following = date(year + (month + 2) // 12, (month + 2) % 12 + 1, 1)
    label = f"Q{number} {_fy_label(start_year)} ({QUARTER_MONTHS[number - 1]} {year})"
    return Period(start, following - timedelta(days=1), label, f"{_fy_label(start_year)} Q{number}")


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(start, following - timedelta(days=1), f"{start:%B %Y}", f"{start:%Y-%m}")


def quarter_of(day: date) -> Period:
    start_year = financial_year_of(day)
    months_in = (day.month - FINANCIAL_YEAR_START_MONTH) % 12
    return quarter(start_year, months_in // 3 + 1)


def parts_of(period: Period) -> list[Period]:
    """The quarters of a financial year, or the months of a quarter (or of a year, for a month's rows)."""
    if " Q" not in period.code and "/" in period.code:
        start_year = period.start.year
        return [quarter(start_year, number) for number in (1, 2, 3, 4)]
    return months_of(period)


def months_of(period: Period) -> list[Period]:
    months, day = [], period.start
    while day <= period.end:
        months.append(month(day.year, day.month))
        day = months[-1].end + timedelta(days=1)
    return months


def quarter_key(days: pd.Series) -> pd.Series:
    """'2025/26 Q1' for each datetime (financial quarters), sortable as text."""

    def key(day: pd.Timestamp) -> object:
        if pd.isna(day):
            return None
        number = (day.month - FINANCIAL_YEAR_START_MONTH) % 12 // 3 + 1
        return f"{_fy_label(financial_year_of(day))} Q{number}"

    # Few distinct days, so each is labelled once.
    codes, distinct = pd.factorize(days)
    labels = np.array([key(day) for day in distinct] + [None], dtype=object)
    return pd.Series(labels[codes], index=days.index, dtype=object)


def period_choices(first: date, last: date) -> dict[str, list[Period]]:
    """Quarters and financial years that hold data between ``first`` and ``last``, newest first.

    No custom ranges: two ranges a few days apart would give back what was said in those days."""
    quarters, years = [], []
    current = quarter_of(first)
    while current.start <= last:
        quarters.append(current)
        current = quarter_of(current.end + timedelta(days=1))
    for year in range(financial_year_of(first), financial_year_of(last) + 1):
        years.append(financial_year(year))
    return {"quarter": quarters[::-1], "financial_year": years[::-1]}


# --- Intervals ---------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion, as fractions (0 to 1); (nan, nan) when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- Tables ------------------------------------------------------------------------------------------


def _percent_text(value: object) -> str:
    """A figure already rounded where it was made, as text; blank when missing or hidden."""
    if value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    return str(value)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _native(value: object) -> object:
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """``frame.to_dict("records")`` (numbers as Python's), column by column: to_dict boxes every value
    through pandas, ~9 ms a table and a third of the tables' time (docs/performance.md)."""
    columns = [[_native(value) for value in frame[column].tolist()] for column in frame.columns]
    return [dict(zip(frame.columns, values, strict=True)) for values in zip(*columns, strict=True)]


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers as floats with NaN where missing; a column of text (a verdict) stays text."""
    values = values.map(lambda v: np.nan if _missing(v) else v)
    if values.map(lambda v: isinstance(v, str)).any():
        return values
    return pd.to_numeric(values).astype(float)


# A row's derived figures (percentages, intervals, rates, verdicts) from its counts. The row holds the
# counts as the caller resolved them: raw for analysis, or ``Publication.exact`` (None when hidden) for
# anything shown; ``value`` resolves any other key the same way. One function, so what is shown is what
# the analysis computes, from shown counts only.
Derive = Callable[[dict[str, object], Callable[[Key], int | None]], dict[str, object]]


@dataclass(frozen=True)
class Relation:
    """A way the counts add up that a reader can see: ``sum`` (total, parts), ``at_most`` (part, whole)
    or ``linear`` ({key: coefficient}, equality)."""

    kind: str
    first: object
    second: object = None


@dataclass(frozen=True)
class BoardTable:
    """One table of the summary: raw numbers for analysis, and the keys that make it safe to show.

    ``cells`` gives, for each count column, the release key of each row's count (None where a row has no
    count of its own, such as a baseline). ``percents`` are the columns ``derive`` builds from the counts.
    ``totals`` are counts the table's figures or relations use that it does not show itself (the period's
    responses, say), ``unpublished`` the ones nobody sees (those who left a question blank), and
    ``relations`` how they all add up. ``publication`` is set when the release is protected.
    """

    key: str
    title: str
    frame: pd.DataFrame
    cells: Mapping[str, tuple[Key | None, ...]] = field(default_factory=dict)
    percents: tuple[str, ...] = ()
    derive: Derive | None = None
    totals: Mapping[Key, int] = field(default_factory=dict)
    unpublished: Mapping[Key, int] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()
    note: str = ""
    publication: disclosure.Publication | None = None

    @property
    def counts(self) -> tuple[str, ...]:
        return tuple(self.cells)

    def _published(self) -> disclosure.Publication:
        if self.publication is None:
            raise RuntimeError(f"{self.key}: the release is not protected yet (use board.build).")
        return self.publication

    def _resolved(self, value: Callable[[Key], int | None]) -> pd.DataFrame:
        """The frame with every count and derived figure resolved through ``value``."""
        frame = self.frame.copy()
        for column, keys in self.cells.items():
            frame[column] = pd.Series(
                [value(key) if key is not None else None for key in keys], index=frame.index, dtype=object
            )
        if self.derive is None:
            return frame
        derived: dict[str, list[object]] = {column: [] for column in self.percents}
        for position, row in enumerate(_records(frame)):
            has_counts = any(keys[position] is not None for keys in self.cells.values())
            figures = self.derive(row, value) if has_counts else {}
            for column in self.percents:
                derived[column].append(figures[column] if column in figures else row.get(column))
        for column, values in derived.items():
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
        return frame

    def shown(self) -> pd.DataFrame:
        """The table as people see it: every count is its label in the publication ("fewer than 5",
        "not shown" or the number), every derived figure built from counts shown exactly."""
        publication = self._published()
        table = self._resolved(publication.exact)
        for column, keys in self.cells.items():
            table[column] = [publication.text(key) if key is not None else "" for key in keys]
        # Derived figures and missing figures (no Census figure, a baseline's unknown count) as text.
        for column in table.columns:
            if column in self.percents or table[column].map(_missing).any():
                table[column] = table[column].map(_percent_text)
        return table

    def chartable(self) -> pd.DataFrame:
        """Numbers for a chart: counts shown exactly and the figures built from them; NaN elsewhere."""
        frame = self._resolved(self._published().exact)
        for column in (*self.cells, *self.percents):
            frame[column] = _numbers(frame[column])
        return frame


def _table(
    key: str,
    title: str,
    frame: pd.DataFrame,
    cells: Mapping[str, Iterable[Key | None]],
    *,
    derive: Derive | None = None,
    percents: tuple[str, ...] = (),
    totals: Mapping[Key, int] | None = None,
    unpublished: Mapping[Key, int] | None = None,
    relations: Iterable[Relation] = (),
    note: str = "",
) -> BoardTable:
    """A table with its derived columns computed from its raw counts (the same ``derive`` as shown)."""
    frame = frame.reset_index(drop=True)
    cells = {column: tuple(keys) for column, keys in cells.items()}
    raw: dict[Key, int] = {}
    for column, keys in cells.items():
        for cell, value in zip(keys, frame[column], strict=True):
            if cell is not None:
                raw[cell] = int(value)
    raw |= dict(totals or {})
    raw |= dict(unpublished or {})
    table = BoardTable(
        key,
        title,
        frame,
        cells,
        percents,
        derive,
        dict(totals or {}),
        dict(unpublished or {}),
        tuple(relations),
        note,
    )
    if derive is not None:
        resolved = table._resolved(raw.__getitem__)
        for column in percents:
            frame[column] = _numbers(resolved[column])
    return table


def _sum(total: Key, parts: Iterable[Key]) -> Relation:
    return Relation("sum", total, tuple(parts))


def _at_most(part: Key, whole: Key) -> Relation:
    return Relation("at_most", part, whole)


def _linear(coefficients: Mapping[Key, int], equality: bool = False) -> Relation:
    return Relation("linear", dict(coefficients), equality)


def _covered(total: Key, total_value: int, parts: Mapping[Key, int], unpublished: dict[Key, int]) -> Relation:
    """``total`` is the sum of ``parts``, plus (when they do not cover it, e.g. a question left blank) a
    remainder nobody is shown."""
    remainder = total_value - sum(parts.values())
    if remainder < 0:
        raise ValueError(
            f"The parts of {total!r} add up to more than it ({sum(parts.values())} > {total_value})."
        )
    keys = list(parts)
    if remainder:
        rest = ("remainder", *total[1:]) if isinstance(total, tuple) else ("remainder", total)
        rest = (*rest, tuple(keys))
        unpublished[rest] = remainder
        keys.append(rest)
    return _sum(total, keys)


def _percent(numerator: object, denominator: object) -> float | None:
    if _missing(numerator) or _missing(denominator):
        return None
    return disclosure.percent(int(numerator), int(denominator))


# Keys. Every count is (quantity, period code, what it is of); the same quantity has the same key
# wherever it is shown.
def responses_key(code: str, *of: object) -> Key:
    return ("responses", code, tuple(of))


def reports_key(code: str, *of: object) -> Key:
    return ("reports", code, tuple(of))


def safety_key(code: str, question: str, group: tuple, measure: str) -> Key:
    return ("safety", code, question, group, measure)


def trigger_key(code: str) -> Key:
    return ("community trigger", code)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str


@dataclass(frozen=True)
class BoardData:
    """The stored tables parsed once: submission days, report locations, the current register."""

    responses: pd.DataFrame  # RESPONSE_COLUMNS of survey_responses + day (datetime of submission, midnight)
    # hotspots.parse_reports of REPORT_COLUMNS (date = last happened) + day (submission)
    reports: pd.DataFrame
    pins: pd.DataFrame  # unsafe-place pins: lat, lon, date (submission)
    register: pd.DataFrame  # current interventions
    first_day: date | None
    data_date: date | None  # the latest submission counted: "data up to"
    published_on: date | None = None  # the publication the rows were counted for (publication_day)


PIN_COLUMNS = ("submitted_at", "unsafe_lat", "unsafe_lon", "unsafe_place")
# The columns the figures read (and parse_reports needs). BoardData keeps only these: every period's
# figures select rows from them, and selecting rows copies every column kept (ids and free text too).
RESPONSE_COLUMNS = (
    "submitted_at",
    "area",
    "safe_day",
    "safe_after_dark",
    "noticed_changes",
    "changes_effect",
    "top_concerns",
    "age_band",
    "gender",
    "disability",
    "language",
)
REPORT_COLUMNS = (
    "submitted_at",
    "category",
    "asb_group",
    "area",
    "lat",
    "lon",
    "place",
    "occurred_on",
    "time_of_day",
    "incidents_reported_6m",
    "language",
)


def _submission_days(frame: pd.DataFrame) -> pd.Series:
    # Few distinct days, so each is parsed once (parsing a million texts would also hold a million
    # Python strings for a moment).
    codes, distinct = pd.factorize(frame["submitted_at"].str[:10])
    days = pd.to_datetime(pd.Series(distinct, dtype=object), format="%Y-%m-%d", errors="coerce")
    return pd.Series(days.reindex(codes).to_numpy(), index=frame.index)


def _with_language(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A row from before the language column (a frame built without it, or with it empty) counts as
    English, as the stores read such rows (schema.READ_DEFAULTS)."""
    if frame.empty:
        return frame
    if "language" not in frame.columns:
        return frame.assign(language=schema.DEFAULT_LANGUAGE)
    return with_read_defaults(table, frame)


def publication_day(today: date) -> date:
    """The day the Board's figures in force on ``today`` were published: the first day of today's
    financial quarter. They count the rows submitted before that day, so they cover finished quarters
    only and stay the same, in every table and download, until the next quarter begins
    (docs/disclosure-control.md, "When the Board's figures change")."""
    return quarter_of(today).start


def next_publication(published_on: date) -> date:
    """The day the figures after ``published_on``'s are published: the next quarter's first day."""
    return quarter_of(published_on).end + timedelta(days=1)


def _submitted_before(days: np.ndarray, cutoff: date | None) -> np.ndarray:
    """Which of the submission ``days`` a publication made on ``cutoff`` counts: those before it (every
    one without a cutoff; a row with no readable day never with one)."""
    if cutoff is None:
        return np.ones(len(days), dtype=bool)
    return days < np.datetime64(cutoff, "ns")


def _before(frame: pd.DataFrame, column: str, cutoff: date | None) -> pd.DataFrame:
    if cutoff is None or frame.empty:
        return frame
    keep = _submitted_before(frame[column].to_numpy(dtype="datetime64[ns]"), cutoff)
    return frame if keep.all() else frame[keep]


def _counted_positions(frame: pd.DataFrame | None, cutoff: date | None) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the rows submitted before ``cutoff`` (all of them without one), and their days."""
    if frame is None or frame.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype="datetime64[ns]")
    days = _submission_days(frame).to_numpy(dtype="datetime64[ns]")
    keep = _submitted_before(days, cutoff)
    return np.flatnonzero(keep), days[keep]


def _span(days: np.ndarray) -> tuple[date | None, date | None]:
    """The first and the last of ``days`` (NaT left out), as dates."""
    days = days[~np.isnat(days)]
    if not len(days):
        return None, None
    return pd.Timestamp(days.min()).date(), pd.Timestamp(days.max()).date()


@dataclass(frozen=True)
class Counted:
    """Which stored rows a publication counts, found from their submission days alone: enough to name
    the publication, offer its periods and key its figures without parsing the rows (0.1 s at a million
    responses and reports, against a second or more for ``prepare``), so a restarted server can load the
    figures it kept."""

    published_on: date | None
    first_day: date | None
    data_date: date | None  # the latest submission counted, as BoardData's
    # Each counted table's version (storage.base.table_version's rule, on the rows counted) and the
    # register's: what the figures are worked out from, beside the settings.
    versions: tuple

    @property
    def key(self) -> tuple:
        return (self.published_on, self.versions)


def counted(tables: Mapping[str, pd.DataFrame], published_on: date | None = None) -> Counted:
    """The rows ``prepare(tables, published_on)`` counts, by version, and the days they span."""
    versions: list[tuple] = []
    spans: list[np.ndarray] = []
    for name in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS):
        frame = tables.get(name)
        rows, days = _counted_positions(frame, published_on)
        versions.append(rows_version(frame, len(rows), int(rows[-1])) if len(rows) else (0,))
        spans.append(days)
    register = tables.get(schema.INTERVENTIONS)
    versions.append(table_version(register) if register is not None else (0,))
    first_day, data_date = _span(np.concatenate(spans))
    return Counted(published_on, first_day, data_date, tuple(versions))


def prepare(tables: dict[str, pd.DataFrame], published_on: date | None = None) -> BoardData:
    """The stored tables parsed for the Board. With ``published_on``, only the rows submitted before that
    day count (``publication_day``): later ones wait for the next publication."""
    responses = tables.get(schema.SURVEY_RESPONSES)
    if responses is None or responses.empty:
        responses = pd.DataFrame(
            {c: pd.Series(dtype=object) for c in schema.COLUMNS[schema.SURVEY_RESPONSES]}
        )
    responses = (
        _with_language(schema.SURVEY_RESPONSES, responses)
        .reset_index(drop=True)
        .assign(day=lambda f: _submission_days(f))
    )
    responses = _before(responses, "day", published_on)
    stored_reports = tables.get(schema.ASB_REPORTS, pd.DataFrame())
    if not stored_reports.empty:
        stored_reports = _with_language(schema.ASB_REPORTS, stored_reports)[list(REPORT_COLUMNS)]
    reports = hotspots.parse_reports(stored_reports)
    reports = _before(reports.assign(day=_submission_days(reports)), "day", published_on)
    # Only the columns a pin needs: locating whole responses would copy every answer of a million rows.
    pins = (
        aggregate.unsafe_points(responses[list(PIN_COLUMNS)])
        if not responses.empty
        else pd.DataFrame(columns=["lat", "lon"])
    )
    pins = pins.assign(date=_submission_days(pins) if not pins.empty else pd.Series(dtype="datetime64[ns]"))
    pins = pins[["lat", "lon", "date"]]
    register_rows = tables.get(schema.INTERVENTIONS)
    register = (
        interventions.current(register_rows)
        if register_rows is not None and not register_rows.empty
        else pd.DataFrame(columns=schema.COLUMNS[schema.INTERVENTIONS])
    )
    first_day, data_date = _span(
        np.concatenate([frame["day"].to_numpy(dtype="datetime64[ns]") for frame in (responses, reports)])
    )
    return BoardData(
        responses=responses[[*RESPONSE_COLUMNS, "day"]],
        reports=reports,
        pins=pins,
        register=register,
        first_day=first_day,
        data_date=data_date,
        published_on=published_on,
    )


def _in_period_mask(frame: pd.DataFrame, period: Period, column: str = "day") -> np.ndarray:
    # On the column's numpy values: Series.between and its index alignment were most of the time of
    # the ~270 calls a build makes (docs/performance.md, "Board protection"). NaT is in no period.
    days = frame[column].to_numpy(dtype="datetime64[ns]")
    return (days >= np.datetime64(period.start, "ns")) & (days <= np.datetime64(period.end, "ns"))


def in_period(frame: pd.DataFrame, period: Period, column: str = "day") -> pd.DataFrame:
    return frame[_in_period_mask(frame, period, column)]


def _count_in(frame: pd.DataFrame, period: Period) -> int:
    """How many rows fall in the period, without copying them."""
    return int(_in_period_mask(frame, period).sum())


def _count(frame: pd.DataFrame, by: str, values: list[str], name: str) -> pd.Series:
    return frame[by].value_counts().reindex(values, fill_value=0).rename(name).astype(int)


# --- Engagement --------------------------------------------------------------------------------------


def engagement_over_time(
    responses: pd.DataFrame, reports: pd.DataFrame, periods: list[Period], by: str
) -> BoardTable:
    """Responses and reports received in each of ``periods`` (months, or quarters: ``by``)."""
    heading = "Month" if by == "month" else "Quarter"
    frame = pd.DataFrame(
        {
            heading: [period.code for period in periods],
            "Survey responses": [_count_in(responses, period) for period in periods],
            "ASB reports": [_count_in(reports, period) for period in periods],
        }
    )
    title = "Responses and reports by month" if by == "month" else "Responses and reports by quarter"
    return _table(
        f"engagement_by_{by}",
        title,
        frame,
        {
            "Survey responses": [responses_key(period.code) for period in periods],
            "ASB reports": [reports_key(period.code) for period in periods],
        },
    )


# Every ``derive`` is a module-level function (with functools.partial for what it needs): a release is
# kept on disk for a restarted server (web/board_cache.py), and pickle cannot write a nested function.


def _per_thousand_residents(row: dict, value: Callable) -> dict:
    residents = row["Residents (Census 2021)"]
    count = row["Survey responses"]
    if _missing(count) or _missing(residents):
        return {"Responses per 1,000 residents": None}
    return {"Responses per 1,000 residents": round(1000 * int(count) / int(residents), 2)}


def engagement_by_area(responses: pd.DataFrame, reports: pd.DataFrame, code: str) -> BoardTable:
    populations = reference.load_populations()
    areas = list(schema.AREAS)
    frame = pd.concat(
        [_count(responses, "area", areas, "Survey responses"), _count(reports, "area", areas, "ASB reports")],
        axis=1,
    ).rename_axis("Area")
    frame["Residents (Census 2021)"] = pd.array(
        [populations.get(area) for area in frame.index], dtype="Int64"
    )
    frame = frame.reset_index()
    response_keys = [responses_key(code, "area", area) for area in areas]
    report_keys = [reports_key(code, "area", area) for area in areas]
    unpublished: dict[Key, int] = {}
    relations = _covered_both(code, responses, reports, frame, response_keys, report_keys, unpublished)
    return _table(
        "engagement_by_area",
        "Responses and reports by area",
        frame,
        {"Survey responses": response_keys, "ASB reports": report_keys},
        derive=_per_thousand_residents,
        percents=("Responses per 1,000 residents",),
        totals={responses_key(code): len(responses), reports_key(code): len(reports)},
        unpublished=unpublished,
        relations=relations,
        note="Residents: approximate ONS Census 2021 figures (data/populations.csv). A rate is shown only "
        "beside a count that is shown.",
    )


def _covered_both(
    code: str,
    responses: pd.DataFrame,
    reports: pd.DataFrame,
    frame: pd.DataFrame,
    response_keys: list[Key],
    report_keys: list[Key],
    unpublished: dict[Key, int],
) -> list[Relation]:
    """The relations of a table whose rows split the period's responses and reports (areas, languages):
    each column adds up to its total (``_covered``)."""
    return [
        _covered(
            responses_key(code),
            len(responses),
            dict(zip(response_keys, frame["Survey responses"], strict=True)),
            unpublished,
        ),
        _covered(
            reports_key(code),
            len(reports),
            dict(zip(report_keys, frame["ASB reports"], strict=True)),
            unpublished,
        ),
    ]


def engagement_by_language(responses: pd.DataFrame, reports: pd.DataFrame, code: str) -> BoardTable:
    """Responses and reports by the language the resident used on the form. Each language's count adds
    up, with the others, to the period's responses and reports, so a hidden one (2 Bulgarian responses)
    is protected against the totals, the areas and the other periods like any other count."""
    languages = list(schema.LANGUAGES)
    frame = pd.concat(
        [
            _count(responses, "language", languages, "Survey responses"),
            _count(reports, "language", languages, "ASB reports"),
        ],
        axis=1,
    )
    frame = frame.rename(index=LANGUAGE_NAMES).rename_axis("Language").reset_index()
    response_keys = [responses_key(code, "language", language) for language in languages]
    report_keys = [reports_key(code, "language", language) for language in languages]
    unpublished: dict[Key, int] = {}  # a code no form offers (a cell edited by hand): counted, not shown
    relations = _covered_both(code, responses, reports, frame, response_keys, report_keys, unpublished)
    return _table(
        "engagement_by_language",
        "Responses and reports by language",
        frame,
        {"Survey responses": response_keys, "ASB reports": report_keys},
        totals={responses_key(code): len(responses), reports_key(code): len(reports)},
        unpublished=unpublished,
        relations=relations,
        note="The language of the form the resident filled in; answers are kept in English whatever the "
        "language. Answers given before the forms were translated count as English.",
    )


def _share_of_those_who_said(code: str, row: dict, value: Callable) -> dict:
    kind = {label: kind for kind, label in PROFILE_LABELS.items()}[row["About"]]
    if row["Answer"] in (schema.PREFER_NOT_TO_SAY, "Not answered"):
        return {"% of those who said": None, "Difference (points)": None}
    # Those who said = everyone less those who preferred not to say or left it blank: all shown.
    everyone = value(responses_key(code))
    unsaid = [value(responses_key(code, kind, group)) for group in (schema.PREFER_NOT_TO_SAY, "")]
    said = None if everyone is None or None in unsaid else everyone - sum(unsaid)
    share = _percent(row["People"], said)
    census = row["% of residents (Census 2021)"]
    difference = None if share is None or _missing(census) else round(share - float(census), 1)
    return {"% of those who said": share, "Difference (points)": difference}


def who_took_part(responses: pd.DataFrame, code: str) -> BoardTable:
    profile = reference.load_profile()
    rows, keys, relations = [], [], []
    unpublished: dict[Key, int] = {}
    for kind, label in PROFILE_LABELS.items():
        answers = responses[kind].fillna("")
        shares = profile[profile["kind"] == kind].set_index("group")["share"]
        parts = {}
        given = answers.value_counts(sort=False)  # once, not a comparison per choice
        for group in (*PROFILE_CHOICES[kind], ""):
            people = int(given.get(group, 0))
            share = shares.get(group)
            rows.append(
                {
                    "About": label,
                    "Answer": group or "Not answered",
                    "People": people,
                    "% of residents (Census 2021)": round(100 * share, 1) if share is not None else np.nan,
                }
            )
            keys.append(responses_key(code, kind, group))
            parts[keys[-1]] = people
        relations.append(_covered(responses_key(code), len(responses), parts, unpublished))
    frame = pd.DataFrame(rows)
    frame.insert(3, "% of those who said", np.nan)
    frame["Difference (points)"] = np.nan
    return _table(
        "who_took_part",
        "Who took part, against the county's population (16 and over)",
        frame,
        {"People": keys},
        derive=functools.partial(_share_of_those_who_said, code),
        percents=("% of those who said", "Difference (points)"),
        totals={responses_key(code): len(responses)},
        unpublished=unpublished,
        relations=relations,
        note="Census shares: approximate ONS Census 2021 figures for residents aged 16 and over "
        "(data/populations.csv). A negative difference means the group is under-represented.",
    )


# --- Feelings of safety ------------------------------------------------------------------------------

SAFETY_COUNTS = ("Answered", "Very or fairly safe", "Not safe (neither, or unsafe)", "Don't know")
SAFETY_MEASURES = dict(zip(SAFETY_COUNTS, ("answered", "safe", "not safe", "don't know"), strict=True))
SAFETY_PERCENTS = ("% safe", "95% CI low (%)", "95% CI high (%)")
SAFETY_NOTE = (
    '% safe = very or fairly safe, of those who gave an answer on the scale; "Don\'t know" is left out of '
    "the percentage (as in the county surveys) and counted beside it. 95% CI: Wilson score interval."
)
EVERYONE = ("everyone",)


def _safety_counts(answers: pd.Series) -> dict[str, int]:
    # One count of each answer, then sums over the scale: four isin/== passes over the answers were a
    # fifth of the tables' time (docs/performance.md, "Board protection").
    given = answers.value_counts(sort=False)
    answered = int(sum(given.get(answer, 0) for answer in schema.SAFETY_SCALE[:-1]))
    safe = int(
        sum(given.get(answer, 0) for answer in schema.SAFETY_SCALE[:-1] if answer in schema.SAFE_ANSWERS)
    )
    return {
        "Answered": answered,
        "Very or fairly safe": safe,
        "Not safe (neither, or unsafe)": answered - safe,
        "Don't know": int(given.get("Don't know", 0)),
    }


def _safety_derived(row: dict, value: Callable) -> dict:
    answered, safe = row["Answered"], row["Very or fairly safe"]
    share = _percent(safe, answered)
    if share is None:
        return dict.fromkeys(SAFETY_PERCENTS)
    low, high = wilson_interval(int(safe), int(answered))
    return {"% safe": share, "95% CI low (%)": round(100 * low, 1), "95% CI high (%)": round(100 * high, 1)}


def _safety_group_relations(
    code: str, column: str, group: tuple, counts: dict[str, int], people: Key, people_count: int
) -> tuple[list[Relation], dict[Key, int]]:
    """Answered = safe + not safe, and answered + don't know (+ blank) = the group's responses."""
    keys = {name: safety_key(code, column, group, measure) for name, measure in SAFETY_MEASURES.items()}
    unpublished: dict[Key, int] = {}
    relations = [
        _sum(keys["Answered"], [keys["Very or fairly safe"], keys["Not safe (neither, or unsafe)"]]),
        _covered(
            people,
            people_count,
            {keys["Answered"]: counts["Answered"], keys["Don't know"]: counts["Don't know"]},
            unpublished,
        ),
    ]
    return relations, unpublished


def safety(responses: pd.DataFrame, by: str | None, code: str) -> BoardTable:
    """% very or fairly safe during the day and after dark, overall (``by`` None), by area or by gender."""
    rows: list[dict] = []
    cells: dict[str, list[Key]] = {name: [] for name in SAFETY_COUNTS}
    relations: list[Relation] = []
    unpublished: dict[Key, int] = {}
    totals: dict[Key, int] = {responses_key(code): len(responses)}
    for column, question in SAFETY_QUESTIONS.items():
        everyone = _safety_counts(responses[column])
        totals |= {safety_key(code, column, EVERYONE, SAFETY_MEASURES[n]): v for n, v in everyone.items()}
        if by is None:
            groups = [("Everyone", EVERYONE, responses[column], responses_key(code), len(responses))]
        else:
            choices = {"area": schema.AREAS, "gender": schema.GENDERS}[by]
            groups = []
            for group in choices:
                answers = responses.loc[responses[by] == group, column]
                groups.append((group, (by, group), answers, responses_key(code, by, group), len(answers)))
        parts: dict[str, dict[Key, int]] = {name: {} for name in SAFETY_COUNTS}
        for name, group, answers, people, people_count in groups:
            counts = _safety_counts(answers)
            rows.append({"Question": question, "Group": name} | counts)
            more, rest = _safety_group_relations(code, column, group, counts, people, people_count)
            relations += more
            unpublished |= rest
            totals[people] = people_count
            for count_name, measure in SAFETY_MEASURES.items():
                cells[count_name].append(safety_key(code, column, group, measure))
                parts[count_name][cells[count_name][-1]] = counts[count_name]
        if by is not None:  # the groups add up to everyone (with those who did not say their gender)
            for count_name, measure in SAFETY_MEASURES.items():
                total = safety_key(code, column, EVERYONE, measure)
                relations.append(_covered(total, everyone[count_name], parts[count_name], unpublished))
    frame = pd.DataFrame(rows)
    for column in SAFETY_PERCENTS:
        frame.insert(list(frame.columns).index("Don't know"), column, np.nan)
    key = f"safety_by_{by}" if by else "safety_overall"
    title = {
        None: "Feeling safe: everyone",
        "area": "Feeling safe by area",
        "gender": "Feeling safe by gender",
    }[by]
    return _table(
        key,
        title,
        frame,
        cells,
        derive=_safety_derived,
        percents=SAFETY_PERCENTS,
        totals=totals,
        unpublished=unpublished,
        relations=relations,
        note=SAFETY_NOTE,
    )


def safety_trend(responses: pd.DataFrame, quarters: list[Period]) -> BoardTable:
    rows, cells = [], {name: [] for name in SAFETY_COUNTS}
    for period in quarters:
        in_quarter = in_period(responses, period)
        for column, question in SAFETY_QUESTIONS.items():
            rows.append({"Quarter": period.code, "Question": question} | _safety_counts(in_quarter[column]))
            for name, measure in SAFETY_MEASURES.items():
                cells[name].append(safety_key(period.code, column, EVERYONE, measure))
    columns = ["Quarter", "Question", *SAFETY_COUNTS[:3], *SAFETY_PERCENTS, "Don't know"]
    frame = pd.DataFrame(rows, columns=[c for c in columns if c not in SAFETY_PERCENTS])
    for column in SAFETY_PERCENTS:
        frame.insert(list(frame.columns).index("Don't know"), column, np.nan)
    return _table(
        "safety_trend",
        "Feeling safe by quarter",
        frame,
        cells,
        derive=_safety_derived,
        percents=SAFETY_PERCENTS,
        note=SAFETY_NOTE,
    )


def _against_baselines_derived(row: dict, value: Callable) -> dict:
    answered = row["Answered"]
    figures = _safety_derived(
        {"Answered": answered, "Very or fairly safe": row["Very or fairly safe"]}, value
    )
    return {
        "% safe after dark": figures["% safe"],
        "95% CI low (%)": figures["95% CI low (%)"],
        "95% CI high (%)": figures["95% CI high (%)"],
        "% unsafe": _percent(row["Fairly or very unsafe"], answered),
        "% neither": _percent(row["Neither"], answered),
    }


def safety_against_baselines(responses: pd.DataFrame, period: Period) -> BoardTable:
    """This period's after-dark answers split as the county surveys report them (safe, unsafe, neither),
    beside those surveys and Great Britain (data/safety_baselines.csv)."""
    code, column = period.code, "safe_after_dark"
    answers = responses[column]
    counted = answers[answers.isin(schema.SAFETY_SCALE[:-1])]
    n = len(counted)
    safe = int(counted.isin(schema.SAFE_ANSWERS).sum())
    unsafe = int(counted.isin(schema.UNSAFE_ANSWERS).sum())
    keys = {
        name: safety_key(code, column, EVERYONE, measure)
        for name, measure in (
            ("Answered", "answered"),
            ("Very or fairly safe", "safe"),
            ("Fairly or very unsafe", "unsafe"),
            ("Neither", "neither"),
        )
    }
    rows = [
        {
            "Who": f"This survey, {period.label}",
            "Answered": n,
            "Very or fairly safe": safe,
            "Fairly or very unsafe": unsafe,
            "Neither": n - safe - unsafe,
            "Source": "HCSP Engage survey",
        }
    ]
    for baseline in reference.safety_baselines():
        rows.append(
            {
                "Who": baseline.label,
                "% safe after dark": baseline.percent_safe,
                "% unsafe": np.nan if baseline.percent_unsafe is None else baseline.percent_unsafe,
                "% neither": np.nan if baseline.percent_neither is None else baseline.percent_neither,
                "Source": baseline.source,
            }
        )
    columns = [
        "Who",
        *keys,
        "% safe after dark",
        "95% CI low (%)",
        "95% CI high (%)",
        "% unsafe",
        "% neither",
    ]
    frame = pd.DataFrame(rows).reindex(columns=[*columns, "Source"])
    for name in keys:
        frame[name] = frame[name].astype(object)
    not_safe = safety_key(code, column, EVERYONE, "not safe")
    return _table(
        "safety_against_baselines",
        "Feeling safe after dark against the baselines",
        frame,
        {name: [key, *[None] * (len(rows) - 1)] for name, key in keys.items()},
        derive=_against_baselines_derived,
        percents=("% safe after dark", "95% CI low (%)", "95% CI high (%)", "% unsafe", "% neither"),
        totals={not_safe: n - safe},
        relations=(
            _sum(
                keys["Answered"],
                [keys["Very or fairly safe"], keys["Fairly or very unsafe"], keys["Neither"]],
            ),
            _sum(not_safe, [keys["Fairly or very unsafe"], keys["Neither"]]),
        ),
        note="Baselines from the HCSP annual report 2023/24 (docs/design.md section 9, data/safety_baselines.csv). "
        "The earlier surveys asked a similar question of a different sample, so compare the direction and "
        "size of a gap rather than a point or two. Don't know is left out, as in those surveys.",
    )


# --- Concerns ----------------------------------------------------------------------------------------


def concern_priorities() -> dict[str, str]:
    """Survey concern (question 10) -> strategic priority (data/strategic_priorities.csv)."""
    return reference.concern_priorities()


def _chosen(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per response and chosen option of a several-answers question (``choice``; the index is
    the response's)."""
    # Only the one column: exploding whole responses would repeat every answer for each choice.
    answers = responses[column]
    answered = answers[(answers.notna() & (answers != "")).to_numpy(dtype=bool)].to_frame()
    values = answered[column]
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return answered.assign(choice=values.str.split(schema.LIST_SEPARATOR)).explode("choice")
    # Stored answers are categorical: split each distinct answer once and repeat its choices (as codes
    # into the distinct choices) for the rows that gave it, instead of a list of texts for every row.
    lists = [str(answer).split(schema.LIST_SEPARATOR) for answer in values.cat.categories]
    choice_codes, distinct = pd.factorize(pd.Series([c for choices in lists for c in choices], dtype=object))
    sizes = np.array([len(choices) for choices in lists], dtype=np.int32)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
    codes = values.cat.codes.to_numpy()
    per_row = sizes[codes]
    rows = np.repeat(np.arange(len(codes), dtype=np.int32), per_row)
    positions = np.repeat(starts[codes] - (np.cumsum(per_row) - per_row).astype(np.int32), per_row)
    positions += np.arange(len(rows), dtype=np.int32)
    choice = pd.Categorical.from_codes(choice_codes[positions], categories=pd.Index(distinct, dtype="str"))
    return pd.DataFrame({"choice": choice}, index=answered.index[rows])


def _concern_counts(responses: pd.DataFrame) -> tuple[int, dict[str, int], dict[str, int]]:
    """Those who answered question 10, people naming each concern, and people naming a concern under
    each priority (someone naming two drug concerns counts once under misuse of drugs)."""
    mapping = concern_priorities()
    chosen = _chosen(responses, "top_concerns")
    answered = int(chosen.index.nunique())
    people = chosen["choice"].value_counts().reindex(schema.TOP_CONCERNS, fill_value=0)
    chosen = chosen.assign(priority=chosen["choice"].map(mapping))
    # Each response once under each priority it named a concern of.
    pairs = pd.DataFrame({"response": chosen.index, "priority": chosen["priority"].to_numpy()})
    people_by_priority = pairs.drop_duplicates()["priority"].value_counts()
    by_priority = {
        priority: int(people_by_priority.get(priority, 0))
        for priority in (*reference.strategic_priorities(), OTHER_PRIORITY)
    }
    return answered, {c: int(people[c]) for c in schema.TOP_CONCERNS}, by_priority


def _concern_keys(code: str) -> tuple[Key, dict[str, Key], dict[str, Key]]:
    return (
        responses_key(code, "answered question 10"),
        {c: ("concern", code, c) for c in schema.TOP_CONCERNS},
        {p: ("priority", code, p) for p in (*reference.strategic_priorities(), OTHER_PRIORITY)},
    )


def _concern_relations(code: str) -> list[Relation]:
    """What a reader knows of question 10: each person who answered named 1 to 3 concerns; a priority's
    people number at least each of its concerns' and at most their sum."""
    answered, concern, priority = _concern_keys(code)
    mapping = concern_priorities()
    relations = [_at_most(answered, responses_key(code))]
    relations += [_at_most(key, answered) for key in (*concern.values(), *priority.values())]
    relations.append(_linear({answered: 1} | {key: -1 for key in concern.values()}))
    relations.append(_linear({answered: -3} | {key: 1 for key in concern.values()}))
    relations.append(_linear({answered: 1} | {key: -1 for key in priority.values()}))
    for name, key in priority.items():
        under = [concern[c] for c, p in mapping.items() if p == name]
        relations += [_at_most(c, key) for c in under]
        relations.append(_linear({key: 1} | {c: -1 for c in under}))
    return relations


def _concern_totals(
    counts: tuple[int, dict[str, int], dict[str, int]], responses: int, code: str
) -> dict[Key, int]:
    """Every count of question 10 (``counts``: ``_concern_counts``) and the period's responses."""
    answered, concern, priority = counts
    answered_key, concern_keys, priority_keys = _concern_keys(code)
    return (
        {answered_key: answered, responses_key(code): responses}
        | {concern_keys[c]: v for c, v in concern.items()}
        | {priority_keys[p]: v for p, v in priority.items()}
    )


def _share_of_q10(column: str, row: dict, value: Callable) -> dict:
    return {"% of those who answered": _percent(row[column], row["Answered question 10"])}


def _of_answered(column: str) -> Derive:
    return functools.partial(_share_of_q10, column)


def concerns(responses: pd.DataFrame, code: str) -> BoardTable:
    mapping = concern_priorities()
    counts = _concern_counts(responses)
    answered, people, _ = counts
    answered_key, concern_keys, _ = _concern_keys(code)
    frame = pd.DataFrame(
        {
            "Concern": list(schema.TOP_CONCERNS),
            "Strategic priority": [mapping.get(concern, "") for concern in schema.TOP_CONCERNS],
            "People": [people[c] for c in schema.TOP_CONCERNS],
            "Answered question 10": answered,
            "% of those who answered": np.nan,
        }
    ).sort_values("People", ascending=False, kind="stable")
    return _table(
        "concerns",
        "Top concerns (survey question 10, up to 3 each)",
        frame,
        {
            "People": [concern_keys[c] for c in frame["Concern"]],
            "Answered question 10": [answered_key] * len(frame),
        },
        derive=_of_answered("People"),
        percents=("% of those who answered",),
        totals=_concern_totals(counts, len(responses), code),
        relations=_concern_relations(code),
        note="The mapping of concerns onto the four priorities is in data/strategic_priorities.csv.",
    )


def priorities(responses: pd.DataFrame, code: str) -> BoardTable:
    counts = _concern_counts(responses)
    answered, _, by_priority = counts
    answered_key, _, priority_keys = _concern_keys(code)
    frame = pd.DataFrame(
        {
            "Strategic priority": list(by_priority),
            "People naming a concern under it": list(by_priority.values()),
            "Answered question 10": answered,
            "% of those who answered": np.nan,
        }
    )
    return _table(
        "priorities",
        "Concerns against the four strategic priorities",
        frame,
        {
            "People naming a concern under it": [priority_keys[p] for p in by_priority],
            "Answered question 10": [answered_key] * len(frame),
        },
        derive=_of_answered("People naming a concern under it"),
        percents=("% of those who answered",),
        totals=_concern_totals(counts, len(responses), code),
        relations=_concern_relations(code),
    )


def _category_counts(
    reports: pd.DataFrame, code: str
) -> tuple[dict[Key, int], list[Relation], dict[Key, int]]:
    """Reports by category and by group, with how they add up to the period's reports."""
    counts = reports["category"].value_counts()
    categories = {
        reports_key(code, "category", c.name): int(counts.get(c.name, 0)) for c in records.asb_categories()
    }
    unpublished: dict[Key, int] = {}
    relations = [_covered(reports_key(code), len(reports), categories, unpublished)]
    groups: dict[Key, int] = {}
    for group in ASB_GROUPS:
        members = {
            reports_key(code, "category", c.name) for c in records.asb_categories() if c.group == group
        }
        groups[reports_key(code, "group", group)] = sum(categories[key] for key in members)
        relations.append(_sum(reports_key(code, "group", group), sorted(members, key=repr)))
    return categories | groups | {reports_key(code): len(reports)}, relations, unpublished


def _share_of_reports(code: str, row: dict, value: Callable) -> dict:
    return {"% of reports": _percent(row["Reports"], value(reports_key(code)))}


def asb_by_category(reports: pd.DataFrame, code: str) -> BoardTable:
    counts, relations, unpublished = _category_counts(reports, code)
    rows = [
        {"Group": c.group, "Category": c.name, "Reports": counts[reports_key(code, "category", c.name)]}
        for c in records.asb_categories()
    ]
    frame = pd.DataFrame(rows).assign(**{"% of reports": np.nan})
    return _table(
        "asb_by_category",
        "ASB reports by group and category",
        frame,
        {"Reports": [reports_key(code, "category", c.name) for c in records.asb_categories()]},
        derive=functools.partial(_share_of_reports, code),
        percents=("% of reports",),
        totals=counts,
        unpublished=unpublished,
        relations=relations,
    )


def asb_trend(reports: pd.DataFrame, quarters: list[Period]) -> BoardTable:
    rows = []
    for period in quarters:
        groups = in_period(reports, period)["asb_group"].value_counts()
        rows.append({"Quarter": period.code} | {group: int(groups.get(group, 0)) for group in ASB_GROUPS})
    frame = pd.DataFrame(rows, columns=["Quarter", *ASB_GROUPS])
    return _table(
        "asb_trend",
        "ASB reports by quarter and group",
        frame,
        {group: [reports_key(period.code, "group", group) for period in quarters] for group in ASB_GROUPS},
    )


# --- Safer Streets: what residents said --------------------------------------------------------------


def _share_of_q8(row: dict, value: Callable) -> dict:
    return {"% of those who answered": _percent(row["People"], row["Answered question 8"])}


def noticed_changes(responses: pd.DataFrame, code: str) -> BoardTable:
    """Survey question 8 by area: of those who answered it, how many noticed each change."""
    rows, answered_keys, people_keys, relations = [], [], [], []
    totals: dict[Key, int] = {}
    for area in schema.AREAS:
        # Only the one column: copying every answer of the area's responses was most of this table's time.
        in_area = responses.loc[(responses["area"] == area).to_numpy(dtype=bool), ["noticed_changes"]]
        chosen = _chosen(in_area, "noticed_changes")
        answered = int(chosen.index.nunique())
        answered_key = responses_key(code, "area", area, "answered question 8")
        totals[responses_key(code, "area", area)] = len(in_area)
        keys = {}
        for change in schema.NOTICED_CHANGES:
            people = int((chosen["choice"] == change).sum())
            rows.append({"Area": area, "Answered question 8": answered, "Noticed": change, "People": people})
            answered_keys.append(answered_key)
            keys[change] = ("noticed", code, area, change)
            people_keys.append(keys[change])
        # Each person who answered noticed at least one change, or none of these (and then nothing else).
        none = keys["None of these"]
        relations.append(_at_most(answered_key, responses_key(code, "area", area)))
        relations += [_at_most(key, answered_key) for key in keys.values()]
        relations.append(_linear({answered_key: 1} | {key: -1 for key in keys.values()}))
        relations += [_linear({none: 1, key: 1, answered_key: -1}) for key in keys.values() if key != none]
    frame = pd.DataFrame(rows).assign(**{"% of those who answered": np.nan})
    return _table(
        "noticed_changes",
        "Changes residents noticed in the last two years (question 8)",
        frame,
        {"Answered question 8": answered_keys, "People": people_keys},
        derive=_share_of_q8,
        percents=("% of those who answered",),
        totals=totals,
        relations=relations,
    )


def _share_of_noticed(row: dict, value: Callable) -> dict:
    return {"%": _percent(row["People"], row["Noticed changes and answered"])}


def changes_effect(responses: pd.DataFrame, code: str) -> BoardTable:
    """Survey question 9 by area: of those who noticed changes, how they felt."""
    rows, answered_keys, people_keys, relations = [], [], [], []
    totals: dict[Key, int] = {}
    effects = schema.CHANGES_EFFECT[:3]
    for area in schema.AREAS:
        answers = responses.loc[responses["area"] == area, "changes_effect"]
        noticed = answers[answers.isin(effects)]
        answered_key = responses_key(code, "area", area, "noticed changes and answered")
        totals[responses_key(code, "area", area)] = len(answers)
        keys = []
        for effect in effects:
            rows.append(
                {
                    "Area": area,
                    "Noticed changes and answered": len(noticed),
                    "Felt": effect,
                    "People": int((noticed == effect).sum()),
                }
            )
            answered_keys.append(answered_key)
            keys.append(("changes effect", code, area, effect))
        people_keys += keys
        relations.append(_sum(answered_key, keys))
        relations.append(_at_most(answered_key, responses_key(code, "area", area)))
    frame = pd.DataFrame(rows).assign(**{"%": np.nan})
    return _table(
        "changes_effect",
        "Have the changes made people feel safer? (question 9)",
        frame,
        {"Noticed changes and answered": answered_keys, "People": people_keys},
        derive=_share_of_noticed,
        percents=("%",),
        totals=totals,
        relations=relations,
        note="Of those who noticed a change; people who had not noticed any are left out.",
    )


# --- Community Trigger -------------------------------------------------------------------------------


def _meets(reports: pd.DataFrame, threshold: int) -> pd.Series:
    answers = reports["incidents_reported_6m"].fillna("")
    # Few distinct answers: each is judged once, not once per report.
    verdicts = {answer: records.meets_community_trigger(answer, threshold) for answer in answers.unique()}
    return answers.map(verdicts).astype(bool)


def _share_meeting_rule(row: dict, value: Callable) -> dict:
    return {"% of reports": _percent(row["Met the case-review rule"], row["ASB reports"])}


def community_trigger(reports: pd.DataFrame, quarters: list[Period], threshold: int) -> BoardTable:
    meets = _meets(reports, threshold)
    rows = []
    for period in quarters:
        inside = reports["day"].between(pd.Timestamp(period.start), pd.Timestamp(period.end))
        rows.append(
            {
                "Quarter": period.code,
                "ASB reports": int(inside.sum()),
                "Met the case-review rule": int((inside & meets).sum()),
                "% of reports": np.nan,
            }
        )
    frame = pd.DataFrame(rows, columns=["Quarter", "ASB reports", "Met the case-review rule", "% of reports"])
    return _table(
        "community_trigger",
        "Reports that met the Community Trigger (ASB case review) rule",
        frame,
        {
            "ASB reports": [reports_key(period.code) for period in quarters],
            "Met the case-review rule": [trigger_key(period.code) for period in quarters],
        },
        derive=_share_meeting_rule,
        percents=("% of reports",),
        relations=[_at_most(trigger_key(period.code), reports_key(period.code)) for period in quarters],
        note=f"A report meets the rule when the resident says they reported {threshold} or more separate "
        "incidents in six months (data/community_trigger.toml). The other route, five people complaining "
        "separately about similar incidents, cannot be counted: reports are anonymous.",
    )


# --- Safer Streets impact ----------------------------------------------------------------------------


def _impact_derived(settings: impact.ImpactSettings, row: dict, value: Callable) -> dict:
    return impact.derived(row, settings)


def safer_streets_impact(data: BoardData, settings: impact.ImpactSettings) -> BoardTable:
    """Reports and pins near each intervention before and after it started (the whole data, not the
    period: the windows follow each start date). Its figures and verdict come from shown counts only."""
    frame, keys = impact.measure(
        # Only what it measures with: dropping rows from whole reports would copy every column.
        {"reports": data.reports[["lat", "lon", "date"]], "pins": data.pins},
        data.register,
        settings,
        data.first_day,
        data.data_date,
    )
    cells = {column: [row[column] if row else None for row in keys] for column in impact.IMPACT_COUNTS}
    return _table(
        "safer_streets_impact",
        "Safer Streets: reports near each intervention before and after it started",
        frame,
        cells,
        derive=functools.partial(_impact_derived, settings),
        percents=(*impact.IMPACT_PERCENTS, "Verdict"),
        note=impact.CAVEATS,
    )


# --- The release and the summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoardSummary:
    period: Period
    data_date: date | None
    kpis: tuple[Kpi, ...]
    tables: dict[str, BoardTable] = field(default_factory=dict)
    impact_settings: impact.ImpactSettings = field(default_factory=impact.ImpactSettings)
    published_on: date | None = None


def _started(periods: list[Period], data_date: date | None) -> list[Period]:
    """The parts of a period that have begun by the data's date (no rows for months still to come)."""
    return [period for period in periods if data_date is None or period.start <= data_date]


def period_tables(data: BoardData, period: Period, trigger_threshold: int) -> list[BoardTable]:
    """Every table of the summary that follows the period, with raw numbers and keys."""
    responses = in_period(data.responses, period)
    reports = in_period(data.reports, period)
    code = period.code
    quarters = _started(parts_of(period) if " Q" not in code else [period], data.data_date)
    return [
        engagement_over_time(responses, reports, _started(months_of(period), data.data_date), "month"),
        engagement_over_time(responses, reports, quarters, "quarter"),
        engagement_by_area(responses, reports, code),
        engagement_by_language(responses, reports, code),
        who_took_part(responses, code),
        safety(responses, None, code),
        safety(responses, "area", code),
        safety(responses, "gender", code),
        safety_against_baselines(responses, period),
        safety_trend(responses, quarters),
        priorities(responses, code),
        concerns(responses, code),
        asb_by_category(reports, code),
        asb_trend(reports, quarters),
        noticed_changes(responses, code),
        changes_effect(responses, code),
        community_trigger(reports, quarters, trigger_threshold),
    ]


def _kpi_counts(data: BoardData, period: Period, trigger_threshold: int) -> dict[Key, int]:
    """What every period registers whether or not a table shows it: its responses, reports, reports that
    met the rule, and (for a quarter) its months' responses and reports."""
    reports = in_period(data.reports, period)
    counts = {
        responses_key(period.code): _count_in(data.responses, period),
        reports_key(period.code): len(reports),
        trigger_key(period.code): int(_meets(reports, trigger_threshold).sum()),
    }
    return counts


@dataclass(frozen=True)
class BoardRelease:
    """Every figure of every period the Board can show, protected together."""

    publication: disclosure.Publication
    periods: dict[str, Period]
    tables: dict[str, dict[str, BoardTable]]  # period code -> table key -> table
    impact_table: BoardTable
    data_date: date | None
    trigger_threshold: int
    impact_settings: impact.ImpactSettings
    published_on: date | None = None

    def summary(self, period: Period) -> BoardSummary:
        if period.code not in self.tables:
            raise KeyError(f"{period.label} is not one of the Board's periods.")
        tables = dict(self.tables[period.code])
        tables["safer_streets_impact"] = self.impact_table
        after = PERIOD_TABLE_ORDER.index("asb_trend") + 1
        order = [*PERIOD_TABLE_ORDER[:after], "safer_streets_impact", *PERIOD_TABLE_ORDER[after:]]
        tables = {key: tables[key] for key in order}
        return BoardSummary(
            period,
            self.data_date,
            kpis(self.publication, period, self.trigger_threshold),
            tables,
            self.impact_settings,
            self.published_on,
        )


PERIOD_TABLE_ORDER = (
    "engagement_by_month",
    "engagement_by_quarter",
    "engagement_by_area",
    "engagement_by_language",
    "who_took_part",
    "safety_overall",
    "safety_by_area",
    "safety_by_gender",
    "safety_against_baselines",
    "safety_trend",
    "priorities",
    "concerns",
    "asb_by_category",
    "asb_trend",
    "noticed_changes",
    "changes_effect",
    "community_trigger",
)


def release_periods(first: date | None, last: date | None, years: Iterable[int] = ()) -> list[Period]:
    """Every period the Board can show for data from ``first`` to ``last``: each financial year that
    holds data and all four of its quarters (empty ones too), plus the years in ``years``."""
    wanted = set(years)
    if first is not None and last is not None:
        wanted |= set(range(financial_year_of(first), financial_year_of(last) + 1))
    periods = []
    for year in sorted(wanted):
        periods += [quarter(year, number) for number in (1, 2, 3, 4)]
        periods.append(financial_year(year))
    return periods


def build(
    data: BoardData,
    *,
    trigger_threshold: int = 3,
    impact_settings: impact.ImpactSettings | None = None,
    minimum: int = 5,
    years: Iterable[int] = (),
) -> BoardRelease:
    """Every table of every period, registered in one release and protected once."""
    impact_settings = impact_settings or impact.ImpactSettings()
    release = disclosure.Release(minimum=minimum)
    periods = release_periods(data.first_day, data.data_date, years)
    by_period: dict[str, list[BoardTable]] = {}
    for period in periods:
        by_period[period.code] = period_tables(data, period, trigger_threshold)
        for part in [*months_of(period)]:  # every month, for the quarter = its months relations
            for key, value in _kpi_counts(data, part, trigger_threshold).items():
                if key[0] != "community trigger":
                    release.count(key, value)
        for key, value in _kpi_counts(data, period, trigger_threshold).items():
            release.count(key, value)
    impact_table = safer_streets_impact(data, impact_settings)
    every = [table for tables in by_period.values() for table in tables] + [impact_table]
    for table in every:
        for column, keys in table.cells.items():
            for key, value in zip(keys, table.frame[column], strict=True):
                if key is not None:
                    release.count(key, int(value))
        for key, value in table.totals.items():
            release.count(key, value)
        for key, value in table.unpublished.items():
            release.count(key, value, published=False)
    for table in every:
        for relation in table.relations:
            if relation.kind == "sum":
                release.add_sum(relation.first, relation.second)
            elif relation.kind == "at_most":
                release.add_at_most(relation.first, relation.second)
            else:
                release.add_linear(relation.first, equality=bool(relation.second))
    for period in periods:  # the headline figures: hidden only when nothing else would do
        for key in (responses_key(period.code), reports_key(period.code), trigger_key(period.code)):
            release.kept.add(key)
        for question in SAFETY_QUESTIONS:
            for measure in ("answered", "safe"):
                release.kept.add(safety_key(period.code, question, EVERYONE, measure))
    _add_period_sums(release, periods)
    publication = release.protect()
    tables = {
        code: {table.key: replace(table, publication=publication) for table in tables}
        for code, tables in by_period.items()
    }
    return BoardRelease(
        publication,
        {period.code: period for period in periods},
        tables,
        replace(impact_table, publication=publication),
        data.data_date,
        trigger_threshold,
        impact_settings,
        data.published_on,
    )


def _add_period_sums(release: disclosure.Release, periods: list[Period]) -> None:
    """Every quantity of a financial year is the sum of its quarters', and a quarter's responses and
    reports the sum of its months': so subtracting one period from another gives nothing back."""
    parts = {period.code: [part.code for part in parts_of(period)] for period in periods}
    for key in list(release.values):
        if not (isinstance(key, tuple) and len(key) > 1 and key[1] in parts):
            continue
        inner = [(key[0], code, *key[2:]) for code in parts[key[1]]]
        if all(part in release.values for part in inner):
            release.add_sum(key, inner)


def _baselines_in_words() -> str:
    county, national = reference.county_baseline(), reference.national_baseline()
    return (
        f"{county.year} county survey: {county.percent_safe:.0f}%; "
        f"{national.label.removesuffix(f' {national.year}')}: {national.percent_safe:.0f}%"
    )


def kpis(publication: disclosure.Publication, period: Period, trigger_threshold: int) -> tuple[Kpi, ...]:
    code = period.code

    def share(question: str) -> str:
        answered = publication.exact(safety_key(code, question, EVERYONE, "answered"))
        safe = publication.exact(safety_key(code, question, EVERYONE, "safe"))
        value = disclosure.percent(safe, answered)
        return NOT_SHOWN if value is None else f"{value:.0f}%"

    answered = publication.text(safety_key(code, "safe_after_dark", EVERYONE, "answered"))
    return (
        Kpi("Survey responses", publication.text(responses_key(code)), "Submitted in the period."),
        Kpi("ASB reports", publication.text(reports_key(code)), "Submitted in the period."),
        Kpi(
            "Feel safe after dark",
            share("safe_after_dark"),
            f"Very or fairly safe, of {answered} answers. {_baselines_in_words()}.",
        ),
        Kpi("Feel safe during the day", share("safe_day"), "Very or fairly safe; Don't know left out."),
        Kpi(
            "Met the case-review rule",
            publication.text(trigger_key(code)),
            f"Reports whose resident had reported {trigger_threshold} or more incidents in six months.",
        ),
    )


def summarise(
    data: BoardData,
    period: Period,
    *,
    trigger_threshold: int = 3,
    impact_settings: impact.ImpactSettings | None = None,
    minimum: int = 5,
) -> BoardSummary:
    """Every figure of the Board summary for one period (protected with every other period: ``build``)."""
    release = build(
        data,
        trigger_threshold=trigger_threshold,
        impact_settings=impact_settings,
        minimum=minimum,
        years=[financial_year_of(period.start)],
    )
    return release.summary(period)
