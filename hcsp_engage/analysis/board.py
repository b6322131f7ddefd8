"""Figures for the Board summary (/board): engagement, feelings of safety against baselines, concerns
against the strategic priorities, Safer Streets impact and the Community Trigger. No Streamlit.

Every figure follows one ``Period``. Responses and reports count in the period they were **submitted**
(what the Board asks is "who did we hear from, when"); the Safer Streets comparison uses the date a
problem last happened, around each intervention's own start date.

Every table is a ``BoardTable`` holding raw numbers; ``BoardTable.shown()`` is the only way a table
reaches a person or a file, and it suppresses counts below 5 with ``privacy.suppress_table`` and hides
the percentages that would give them back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from hcsp_engage import geography, interventions, privacy, records, reference, schema
from hcsp_engage.analysis import aggregate, hotspots, impact

Z_95 = 1.959963984540054
FINANCIAL_YEAR_START_MONTH = 4  # April
QUARTER_MONTHS = ("April–June", "July–September", "October–December", "January–March")
PRIORITIES_FILE = "strategic_priorities.csv"
PRIORITIES = ("Domestic abuse", "VAWG and sexual violence", "Misuse of drugs", "Neighbourhood crime")
SAFETY_QUESTIONS = {"safe_day": "During the day", "safe_after_dark": "After dark"}
NOT_SHOWN = "not shown"
PROFILE_LABELS = {"age_band": "Age", "gender": "Gender", "disability": "Disability"}

# --- Periods -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

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
        date(start_year, 4, 1), date(start_year + 1, 3, 31), f"Financial year {_fy_label(start_year)}"
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
    return Period(start, following - timedelta(days=1), label)


def quarter_of(day: date) -> Period:
    start_year = financial_year_of(day)
    months_in = (day.month - FINANCIAL_YEAR_START_MONTH) % 12
    return quarter(start_year, months_in // 3 + 1)


def custom(start: date, end: date) -> Period:
    if end < start:
        raise ValueError("The end of the period must not be before its start.")
    return Period(start, end, f"{start:%-d %B %Y} to {end:%-d %B %Y}")


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
    """Quarters and financial years that hold data between ``first`` and ``last``, newest first."""
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


@dataclass(frozen=True)
class BoardTable:
    """One table of the summary with raw numbers, and the rule that makes it safe to show.

    ``counts`` are the counts its percentages are built from: a percentage is hidden in any row where one
    of them is 1 to 4. ``other_counts`` are shown suppressed but give no percentage away.
    """

    key: str
    title: str
    frame: pd.DataFrame
    counts: tuple[str, ...] = ()
    percents: tuple[str, ...] = ()
    other_counts: tuple[str, ...] = ()
    note: str = ""
    # Count columns whose rows add up to a total shown elsewhere (a KPI, the "Everyone" row), each with
    # the columns that mark one such set of rows. With a single small cell in a set, the total would give
    # it back by subtraction, so the next smallest cell of the set is left out too ("not shown").
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def secondary(self, minimum: int = privacy.MINIMUM_COUNT) -> dict[str, pd.Series]:
        """For each partitioned column, the cells left out to protect a lone small count."""
        masks = {}
        for column, by in self.partitions:
            values = pd.to_numeric(self.frame[column], errors="coerce")
            extra = pd.Series(False, index=self.frame.index)
            sets = self.frame.groupby(list(by), sort=False).ngroup() if by else pd.Series(0, self.frame.index)
            for number in sets.unique():
                group = values[sets == number]
                small = group.between(1, minimum - 1)
                others = group[~small & (group > 0)]
                if small.sum() == 1 and not others.empty:
                    extra.loc[others.idxmin()] = True
            masks[column] = extra
        return masks

    def shown(self, minimum: int = privacy.MINIMUM_COUNT) -> pd.DataFrame:
        """The table as people see it: counts below ``minimum`` are "fewer than 5" and the percentages
        that would reveal them are blank."""
        table = privacy.suppress_table(
            self.frame, list(self.counts), minimum, percent_columns=list(self.percents)
        )
        if self.other_counts:
            table = privacy.suppress_table(table, list(self.other_counts), minimum, percent_columns=[])
        for column, extra in self.secondary(minimum).items():
            table[column] = table[column].astype(object)
            table.loc[extra, column] = NOT_SHOWN
            if column in self.counts:
                for percent in self.percents:
                    table[percent] = table[percent].astype(object)
                    table.loc[extra, percent] = ""
        for column in self.percents:
            table[column] = table[column].map(_percent_text)
        # Missing figures (no Census figure, a baseline's unknown count) show blank, not "None".
        for column in table.columns:
            if table[column].isna().any():
                table[column] = table[column].map(_percent_text)
        return table

    def chartable(self, minimum: int = privacy.MINIMUM_COUNT) -> pd.DataFrame:
        """Raw numbers for a chart, with every suppressed count and hidden percentage left out (NaN)."""
        frame = self.frame.copy()
        hidden = pd.Series(False, index=frame.index)
        for column in self.counts:
            small = pd.to_numeric(frame[column], errors="coerce").between(1, minimum - 1)
            hidden |= small
            frame[column] = pd.to_numeric(frame[column], errors="coerce").mask(small)
        for column in self.other_counts:
            values = pd.to_numeric(frame[column], errors="coerce")
            frame[column] = values.mask(values.between(1, minimum - 1))
        for column, extra in self.secondary(minimum).items():
            frame[column] = pd.to_numeric(frame[column], errors="coerce").mask(extra)
            if column in self.counts:
                hidden |= extra
        for column in self.percents:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").mask(hidden)
        return frame


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
    data_date: date | None  # the latest submission: "data up to"


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
)


def _submission_days(frame: pd.DataFrame) -> pd.Series:
    # Few distinct days, so each is parsed once (parsing a million texts would also hold a million
    # Python strings for a moment).
    codes, distinct = pd.factorize(frame["submitted_at"].str[:10])
    days = pd.to_datetime(pd.Series(distinct, dtype=object), format="%Y-%m-%d", errors="coerce")
    return pd.Series(days.reindex(codes).to_numpy(), index=frame.index)


def prepare(tables: dict[str, pd.DataFrame]) -> BoardData:
    responses = tables.get(schema.SURVEY_RESPONSES)
    if responses is None or responses.empty:
        responses = pd.DataFrame(
            {c: pd.Series(dtype=object) for c in schema.COLUMNS[schema.SURVEY_RESPONSES]}
        )
    responses = responses.reset_index(drop=True).assign(day=lambda f: _submission_days(f))
    stored_reports = tables.get(schema.ASB_REPORTS, pd.DataFrame())
    if not stored_reports.empty:
        stored_reports = stored_reports[list(REPORT_COLUMNS)]
    reports = hotspots.parse_reports(stored_reports)
    reports = reports.assign(day=_submission_days(reports))
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
    days = pd.concat([responses["day"], reports["day"]]).dropna()
    return BoardData(
        responses=responses[[*RESPONSE_COLUMNS, "day"]],
        reports=reports,
        pins=pins,
        register=register,
        first_day=days.min().date() if not days.empty else None,
        data_date=days.max().date() if not days.empty else None,
    )


def in_period(frame: pd.DataFrame, period: Period, column: str = "day") -> pd.DataFrame:
    return frame[frame[column].between(pd.Timestamp(period.start), pd.Timestamp(period.end))]


def _count(frame: pd.DataFrame, by: str, values: list[str], name: str) -> pd.Series:
    return frame[by].value_counts().reindex(values, fill_value=0).rename(name).astype(int)


# --- Engagement --------------------------------------------------------------------------------------


def engagement_over_time(responses: pd.DataFrame, reports: pd.DataFrame, by: str) -> BoardTable:
    """Responses and reports received by month ('2025-04') or by financial quarter ('2025/26 Q1')."""
    key = (lambda f: f["day"].dt.strftime("%Y-%m")) if by == "month" else (lambda f: quarter_key(f["day"]))
    heading = "Month" if by == "month" else "Quarter"
    counts = pd.concat(
        [
            responses.groupby(key(responses)).size().rename("Survey responses"),
            reports.groupby(key(reports)).size().rename("ASB reports"),
        ],
        axis=1,
    )
    frame = counts.fillna(0).astype(int).sort_index().rename_axis(heading).reset_index()
    title = "Responses and reports by month" if by == "month" else "Responses and reports by quarter"
    return BoardTable(
        f"engagement_by_{by}",
        title,
        frame,
        other_counts=("Survey responses", "ASB reports"),
        partitions=(("Survey responses", ()), ("ASB reports", ())),
    )


def engagement_by_area(responses: pd.DataFrame, reports: pd.DataFrame) -> BoardTable:
    populations = reference.load_populations()
    areas = list(schema.AREAS)
    frame = pd.concat(
        [_count(responses, "area", areas, "Survey responses"), _count(reports, "area", areas, "ASB reports")],
        axis=1,
    ).rename_axis("Area")
    frame["Residents (Census 2021)"] = pd.array(
        [populations.get(area) for area in frame.index], dtype="Int64"
    )
    frame["Responses per 1,000 residents"] = (
        1000 * frame["Survey responses"] / frame["Residents (Census 2021)"].astype(float)
    ).round(2)
    return BoardTable(
        "engagement_by_area",
        "Responses and reports by area",
        frame.reset_index(),
        counts=("Survey responses",),
        percents=("Responses per 1,000 residents",),
        other_counts=("ASB reports",),
        partitions=(("Survey responses", ()), ("ASB reports", ())),
        note="Residents: approximate ONS Census 2021 figures (data/populations.csv). A rate is hidden where "
        "the count is fewer than 5, since the population would give it back.",
    )


def who_took_part(responses: pd.DataFrame) -> BoardTable:
    profile = reference.load_profile()
    rows = []
    for kind, label in PROFILE_LABELS.items():
        answers = responses[kind].fillna("")
        said = answers[~answers.isin(["", schema.PREFER_NOT_TO_SAY])]
        choices = {"age_band": schema.AGE_BANDS, "gender": schema.GENDERS, "disability": schema.DISABILITY}[
            kind
        ]
        shares = profile[profile["kind"] == kind].set_index("group")["share"]
        for group in choices:
            people = int((answers == group).sum())
            in_profile = group in shares.index
            rows.append(
                {
                    "About": label,
                    "Answer": group,
                    "People": people,
                    "% of those who said": round(100 * people / len(said), 1)
                    if group != schema.PREFER_NOT_TO_SAY and len(said)
                    else np.nan,
                    "% of residents (Census 2021)": round(100 * shares[group], 1) if in_profile else np.nan,
                }
            )
        rows.append({"About": label, "Answer": "Not answered", "People": int((answers == "").sum())})
    frame = pd.DataFrame(rows)
    frame["Difference (points)"] = (
        frame["% of those who said"] - frame["% of residents (Census 2021)"]
    ).round(1)
    return BoardTable(
        "who_took_part",
        "Who took part, against the county's population (16 and over)",
        frame,
        counts=("People",),
        percents=("% of those who said", "Difference (points)"),
        partitions=(("People", ("About",)),),
        note="Census shares: approximate ONS Census 2021 figures for residents aged 16 and over "
        "(data/populations.csv). A negative difference means the group is under-represented.",
    )


# --- Feelings of safety ------------------------------------------------------------------------------


def _safety_rows(answers: pd.Series) -> dict:
    counted = answers[answers.isin(schema.SAFETY_SCALE[:-1])]
    safe = int(counted.isin(schema.SAFE_ANSWERS).sum())
    n = len(counted)
    low, high = wilson_interval(safe, n)
    return {
        "Answered": n,
        "Very or fairly safe": safe,
        "Not safe (neither, or unsafe)": n - safe,
        "% safe": round(100 * safe / n, 1) if n else np.nan,
        "95% CI low (%)": round(100 * low, 1) if n else np.nan,
        "95% CI high (%)": round(100 * high, 1) if n else np.nan,
        "Don't know": int((answers == "Don't know").sum()),
    }


SAFETY_COUNTS = ("Answered", "Very or fairly safe", "Not safe (neither, or unsafe)")
SAFETY_PERCENTS = ("% safe", "95% CI low (%)", "95% CI high (%)")
# Each question's groups (areas, genders, quarters) add up to the "Everyone" row.
SAFETY_PARTITIONS = tuple(
    (column, ("Question",))
    for column in (*("Answered", "Very or fairly safe", "Not safe (neither, or unsafe)"), "Don't know")
)
SAFETY_NOTE = (
    '% safe = very or fairly safe, of those who gave an answer on the scale; "Don\'t know" is left out of '
    "the percentage (as in the county surveys) and counted beside it. 95% CI: Wilson score interval."
)


def safety(responses: pd.DataFrame, by: str | None) -> BoardTable:
    """% very or fairly safe during the day and after dark, overall (``by`` None), by area or by gender."""
    rows = []
    for column, question in SAFETY_QUESTIONS.items():
        if by is None:
            rows.append({"Question": question, "Group": "Everyone"} | _safety_rows(responses[column]))
            continue
        groups = {"area": schema.AREAS, "gender": schema.GENDERS}[by]
        for group in groups:
            answers = responses.loc[responses[by] == group, column]
            rows.append({"Question": question, "Group": group} | _safety_rows(answers))
    key = f"safety_by_{by}" if by else "safety_overall"
    title = {
        None: "Feeling safe: everyone",
        "area": "Feeling safe by area",
        "gender": "Feeling safe by gender",
    }[by]
    return BoardTable(
        key,
        title,
        pd.DataFrame(rows),
        counts=SAFETY_COUNTS,
        percents=SAFETY_PERCENTS,
        other_counts=("Don't know",),
        partitions=SAFETY_PARTITIONS if by else (),
        note=SAFETY_NOTE,
    )


def safety_trend(responses: pd.DataFrame) -> BoardTable:
    rows = []
    quarters = quarter_key(responses["day"]) if not responses.empty else pd.Series(dtype=object)
    for key in sorted(quarters.dropna().unique()):
        in_quarter = responses[quarters == key]
        for column, question in SAFETY_QUESTIONS.items():
            rows.append({"Quarter": key, "Question": question} | _safety_rows(in_quarter[column]))
    columns = ["Quarter", "Question", *SAFETY_COUNTS, *SAFETY_PERCENTS, "Don't know"]
    return BoardTable(
        "safety_trend",
        "Feeling safe by quarter",
        pd.DataFrame(rows, columns=columns),
        counts=SAFETY_COUNTS,
        percents=SAFETY_PERCENTS,
        other_counts=("Don't know",),
        partitions=SAFETY_PARTITIONS,
        note=SAFETY_NOTE,
    )


def safety_against_baselines(responses: pd.DataFrame, period: Period) -> BoardTable:
    """This period's after-dark answers split as the county surveys report them (safe, unsafe, neither),
    beside those surveys and Great Britain (data/safety_baselines.csv)."""
    answers = responses["safe_after_dark"]
    counted = answers[answers.isin(schema.SAFETY_SCALE[:-1])]
    n = len(counted)
    safe = int(counted.isin(schema.SAFE_ANSWERS).sum())
    unsafe = int(counted.isin(schema.UNSAFE_ANSWERS).sum())
    low, high = wilson_interval(safe, n)

    def percent(count: int) -> float:
        return round(100 * count / n, 1) if n else np.nan

    rows = [
        {
            "Who": f"This survey, {period.label}",
            "Answered": n,
            "Very or fairly safe": safe,
            "Fairly or very unsafe": unsafe,
            "Neither": n - safe - unsafe,
            "% safe after dark": percent(safe),
            "95% CI low (%)": round(100 * low, 1) if n else np.nan,
            "95% CI high (%)": round(100 * high, 1) if n else np.nan,
            "% unsafe": percent(unsafe),
            "% neither": percent(n - safe - unsafe),
            "Source": "HCSP Engage survey",
        }
    ]
    for row in geography._read_csv("safety_baselines.csv"):
        rows.append(
            {
                "Who": row["label"],
                "% safe after dark": float(row["percent_safe"]),
                "% unsafe": float(row["percent_unsafe"]) if row["percent_unsafe"] else np.nan,
                "% neither": float(row["percent_neither"]) if row["percent_neither"] else np.nan,
                "Source": row["source"],
            }
        )
    return BoardTable(
        "safety_against_baselines",
        "Feeling safe after dark against the baselines",
        pd.DataFrame(rows),
        counts=("Answered", "Very or fairly safe", "Fairly or very unsafe", "Neither"),
        percents=("% safe after dark", "95% CI low (%)", "95% CI high (%)", "% unsafe", "% neither"),
        note="Baselines from the HCSP annual report 2023/24 (DESIGN section 9, data/safety_baselines.csv). "
        "The earlier surveys asked a similar question of a different sample, so compare the direction and "
        "size of a gap rather than a point or two. Don't know is left out, as in those surveys.",
    )


# --- Concerns ----------------------------------------------------------------------------------------


def concern_priorities() -> dict[str, str]:
    """Survey concern (question 10) -> strategic priority (data/strategic_priorities.csv)."""
    return {row["concern"]: row["priority"] for row in geography._read_csv(PRIORITIES_FILE)}


def _chosen(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per response and chosen option of a several-answers question (``choice``; the index is
    the response's)."""
    # Only the one column: exploding whole responses would repeat every answer for each choice.
    answers = responses[column]
    answered = responses.loc[answers.notna() & (answers != ""), [column]]
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


def concerns(responses: pd.DataFrame) -> BoardTable:
    mapping = concern_priorities()
    chosen = _chosen(responses, "top_concerns")
    answered = chosen.index.nunique()
    people = chosen["choice"].value_counts().reindex(schema.TOP_CONCERNS, fill_value=0)
    frame = pd.DataFrame(
        {
            "Concern": list(schema.TOP_CONCERNS),
            "Strategic priority": [mapping.get(concern, "") for concern in schema.TOP_CONCERNS],
            "People": people.to_numpy(int),
            "% of those who answered": (100 * people / answered).round(1).to_numpy() if answered else np.nan,
        }
    ).sort_values("People", ascending=False, kind="stable")
    return BoardTable(
        "concerns",
        "Top concerns (survey question 10, up to 3 each)",
        frame.reset_index(drop=True),
        counts=("People",),
        percents=("% of those who answered",),
        note="The mapping of concerns onto the four priorities is in data/strategic_priorities.csv.",
    )


def priorities(responses: pd.DataFrame) -> BoardTable:
    mapping = concern_priorities()
    chosen = _chosen(responses, "top_concerns")
    answered = chosen.index.nunique()
    chosen = chosen.assign(priority=chosen["choice"].map(mapping))
    rows = []
    for priority in (*PRIORITIES, "Not one of the four priorities"):
        people = int(chosen.loc[chosen["priority"] == priority].index.nunique())
        rows.append(
            {
                "Strategic priority": priority,
                "People naming a concern under it": people,
                "% of those who answered": round(100 * people / answered, 1) if answered else np.nan,
            }
        )
    return BoardTable(
        "priorities",
        "Concerns against the four strategic priorities",
        pd.DataFrame(rows),
        counts=("People naming a concern under it",),
        percents=("% of those who answered",),
    )


def asb_by_category(reports: pd.DataFrame) -> BoardTable:
    total = len(reports)
    rows = []
    for category in records.asb_categories():
        n = int((reports["category"] == category.name).sum())
        rows.append(
            {
                "Group": category.group,
                "Category": category.name,
                "Reports": n,
                "% of reports": round(100 * n / total, 1) if total else np.nan,
            }
        )
    return BoardTable(
        "asb_by_category",
        "ASB reports by group and category",
        pd.DataFrame(rows),
        counts=("Reports",),
        percents=("% of reports",),
        partitions=(("Reports", ()),),
    )


def asb_trend(reports: pd.DataFrame) -> BoardTable:
    groups = ("Personal", "Nuisance", "Environmental")
    quarters = quarter_key(reports["day"]) if not reports.empty else pd.Series(dtype=object)
    counts = pd.crosstab(quarters, reports["asb_group"]) if not reports.empty else pd.DataFrame()
    counts = counts.reindex(columns=list(groups), fill_value=0)
    frame = counts.rename_axis(index="Quarter", columns=None).reset_index()
    return BoardTable(
        "asb_trend",
        "ASB reports by quarter and group",
        frame,
        other_counts=groups,
        partitions=tuple((group, ()) for group in groups),
    )


# --- Safer Streets: what residents said --------------------------------------------------------------


def noticed_changes(responses: pd.DataFrame) -> BoardTable:
    """Survey question 8 by area: of those who answered it, how many noticed each change."""
    rows = []
    for area in schema.AREAS:
        in_area = responses[responses["area"] == area]
        chosen = _chosen(in_area, "noticed_changes")
        answered = chosen.index.nunique()
        for change in schema.NOTICED_CHANGES:
            people = int((chosen["choice"] == change).sum())
            rows.append(
                {
                    "Area": area,
                    "Answered question 8": answered,
                    "Noticed": change,
                    "People": people,
                    "% of those who answered": round(100 * people / answered, 1) if answered else np.nan,
                }
            )
    return BoardTable(
        "noticed_changes",
        "Changes residents noticed in the last two years (question 8)",
        pd.DataFrame(rows),
        counts=("People", "Answered question 8"),
        percents=("% of those who answered",),
    )


def changes_effect(responses: pd.DataFrame) -> BoardTable:
    """Survey question 9 by area: of those who noticed changes, how they felt."""
    rows = []
    effects = schema.CHANGES_EFFECT[:3]
    for area in schema.AREAS:
        answers = responses.loc[responses["area"] == area, "changes_effect"]
        noticed = answers[answers.isin(effects)]
        for effect in effects:
            people = int((noticed == effect).sum())
            rows.append(
                {
                    "Area": area,
                    "Noticed changes and answered": len(noticed),
                    "Felt": effect,
                    "People": people,
                    "%": round(100 * people / len(noticed), 1) if len(noticed) else np.nan,
                }
            )
    return BoardTable(
        "changes_effect",
        "Have the changes made people feel safer? (question 9)",
        pd.DataFrame(rows),
        counts=("People", "Noticed changes and answered"),
        percents=("%",),
        partitions=(("People", ("Area",)), ("Noticed changes and answered", ("Felt",))),
        note="Of those who noticed a change; people who had not noticed any are left out.",
    )


# --- Community Trigger -------------------------------------------------------------------------------


def community_trigger(reports: pd.DataFrame, threshold: int) -> BoardTable:
    meets = (
        reports["incidents_reported_6m"]
        .fillna("")
        .map(lambda answer: records.meets_community_trigger(answer, threshold))
    )
    quarters = quarter_key(reports["day"]) if not reports.empty else pd.Series(dtype=object)
    frame = (
        pd.DataFrame({"Quarter": quarters, "meets": meets.astype(bool)})
        .groupby("Quarter")
        .agg(**{"ASB reports": ("meets", "size"), "Met the case-review rule": ("meets", "sum")})
        .reset_index()
    )
    frame["Met the case-review rule"] = frame["Met the case-review rule"].astype(int)
    frame["% of reports"] = (100 * frame["Met the case-review rule"] / frame["ASB reports"]).round(1)
    return BoardTable(
        "community_trigger",
        "Reports that met the Community Trigger (ASB case review) rule",
        frame,
        counts=("Met the case-review rule",),
        percents=("% of reports",),
        other_counts=("ASB reports",),
        partitions=(("Met the case-review rule", ()), ("ASB reports", ())),
        note=f"A report meets the rule when the resident says they reported {threshold} or more separate "
        "incidents in six months (data/community_trigger.toml). The other route, five people complaining "
        "separately about similar incidents, cannot be counted: reports are anonymous.",
    )


# --- The summary -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardSummary:
    period: Period
    data_date: date | None
    kpis: tuple[Kpi, ...]
    tables: dict[str, BoardTable] = field(default_factory=dict)
    impact_settings: impact.ImpactSettings = field(default_factory=impact.ImpactSettings)


def _kpi_percent(table: BoardTable, question: str, minimum: int) -> str:
    row = table.shown(minimum)
    row = row[row["Question"] == question].iloc[0]
    if row["% safe"] == "":
        return "not shown"
    return f"{float(row['% safe']):.0f}%"


def summarise(
    data: BoardData,
    period: Period,
    *,
    trigger_threshold: int = 3,
    impact_settings: impact.ImpactSettings | None = None,
    minimum: int = privacy.MINIMUM_COUNT,
) -> BoardSummary:
    """Every figure of the Board summary for one period."""
    impact_settings = impact_settings or impact.ImpactSettings()
    responses = in_period(data.responses, period)
    reports = in_period(data.reports, period)
    tables = [
        engagement_over_time(responses, reports, "month"),
        engagement_over_time(responses, reports, "quarter"),
        engagement_by_area(responses, reports),
        who_took_part(responses),
        safety(responses, None),
        safety(responses, "area"),
        safety(responses, "gender"),
        safety_against_baselines(responses, period),
        safety_trend(responses),
        priorities(responses),
        concerns(responses),
        asb_by_category(reports),
        asb_trend(reports),
        BoardTable(
            "safer_streets_impact",
            "Safer Streets: reports near each intervention before and after it started",
            impact.impact_table(
                # Only what it measures with: dropping rows from whole reports would copy every column.
                {"reports": data.reports[["lat", "lon", "date"]], "pins": data.pins},
                data.register,
                impact_settings,
                data.first_day,
                data.data_date,
                minimum,
            ),
            counts=impact.IMPACT_COUNTS,
            percents=impact.IMPACT_PERCENTS,
            note=impact.CAVEATS,
        ),
        noticed_changes(responses),
        changes_effect(responses),
        community_trigger(reports, trigger_threshold),
    ]
    by_key = {table.key: table for table in tables}
    overall = by_key["safety_overall"]
    answered = int(overall.frame.loc[overall.frame["Question"] == "After dark", "Answered"].iloc[0])
    met = int(by_key["community_trigger"].frame["Met the case-review rule"].sum())
    kpis = (
        Kpi("Survey responses", privacy.suppress_count(len(responses), minimum), "Submitted in the period."),
        Kpi("ASB reports", privacy.suppress_count(len(reports), minimum), "Submitted in the period."),
        Kpi(
            "Feel safe after dark",
            _kpi_percent(overall, "After dark", minimum),
            f"Very or fairly safe, of {privacy.suppress_count(answered, minimum)} answers. "
            "2023 county survey: 73%; Great Britain: 74%.",
        ),
        Kpi(
            "Feel safe during the day",
            _kpi_percent(overall, "During the day", minimum),
            "Very or fairly safe; Don't know left out.",
        ),
        Kpi(
            "Met the case-review rule",
            privacy.suppress_count(met, minimum),
            f"Reports whose resident had reported {trigger_threshold} or more incidents in six months.",
        ),
    )
    return BoardSummary(period, data.data_date, kpis, by_key, impact_settings)
