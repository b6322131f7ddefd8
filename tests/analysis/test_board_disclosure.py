"""Attacks on the Board summary as a determined reader would make them (docs/disclosure-control.md), each an independent
solver that starts from the published texts only: it reads the figures the page shows, writes down the
ways they add up that the page itself displays, and works out the smallest and largest value each
"fewer than 5" could have. Each attack recovers nothing from the Board's publication, and each finds
the leak in the old, table-by-table behaviour (``Release.primary_only``: small counts hidden, nothing
else), so the attack would notice if the protection went away.

The data: synthetic, fixed seed, one financial year, few enough responses and reports that many cells
are 1 to 4; of the responses, exactly 2 are in Bulgarian, both in the second quarter.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import board, impact

YEAR = board.financial_year(2025)
QUARTERS = board.parts_of(YEAR)
SMALL = "fewer than 5"


BULGARIAN_QUARTER = QUARTERS[1]


def with_two_bulgarian_responses(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    responses = tables[schema.SURVEY_RESPONSES].copy()
    language = responses["language"].replace("bg", "en")
    day = pd.to_datetime(responses["submitted_at"].str[:10])
    in_quarter = day.between(pd.Timestamp(BULGARIAN_QUARTER.start), pd.Timestamp(BULGARIAN_QUARTER.end))
    language[in_quarter[in_quarter].index[:2]] = "bg"
    return {**tables, schema.SURVEY_RESPONSES: responses.assign(language=language)}


@pytest.fixture(scope="module")
def published() -> board.BoardRelease:
    tables = synthetic.frames(300, 400, seed=21, start=date(2025, 4, 1), end=date(2026, 3, 31))
    return board.build(board.prepare(with_two_bulgarian_responses(tables)))


@pytest.fixture(scope="module")
def old(published) -> board.BoardRelease:
    """The same figures as each table used to publish them: small counts hidden and nothing else."""
    return with_publication(published, published.publication.release.primary_only())


def with_publication(release: board.BoardRelease, publication) -> board.BoardRelease:
    def swap(table):
        return dataclasses.replace(table, publication=publication)

    return dataclasses.replace(
        release,
        publication=publication,
        tables={code: {key: swap(t) for key, t in tables.items()} for code, tables in release.tables.items()},
        impact_table=swap(release.impact_table),
    )


# --- The attacker's solver --------------------------------------------------------------------------


class Reader:
    """Figures as published (name -> text) and the sums a reader can see between them."""

    def __init__(self) -> None:
        self.ranges: dict[object, tuple[float, float]] = {}
        self.texts: dict[object, str] = {}
        self.sums: list[tuple[object, list[object]]] = []

    def read(self, name: object, text: str) -> None:
        text = str(text)
        if text == SMALL:
            span = (1, 4)
        elif text == "not shown":
            span = (0, math.inf)  # "not shown" says nothing about the number
        else:
            value = int(text.replace(",", ""))
            span = (value, value)
        if name in self.ranges:
            assert self.ranges[name] == span, f"{name!r} published two ways"
        self.ranges[name] = span
        self.texts[name] = text

    def add_sum(self, total: object, parts: list[object]) -> None:
        self.sums.append((total, parts))

    def recovered(self) -> dict[object, tuple[int, float]]:
        """Every "fewer than 5" that the figures pin to less than 1 to 4, with what they allow."""
        names = list(self.ranges)
        index = {name: i for i, name in enumerate(names)}
        rows = np.zeros((len(self.sums), len(names)))
        for r, (total, parts) in enumerate(self.sums):
            rows[r, index[total]] -= 1
            for part in parts:
                rows[r, index[part]] += 1
        constraints = [optimize.LinearConstraint(rows, 0, 0)] if self.sums else []
        bounds = optimize.Bounds([self.ranges[n][0] for n in names], [self.ranges[n][1] for n in names])
        found = {}
        for name in names:
            if self.texts[name] != SMALL:
                continue
            ends = []
            for sign in (1, -1):
                c = np.zeros(len(names))
                c[index[name]] = sign
                result = optimize.milp(
                    c, constraints=constraints, bounds=bounds, integrality=np.ones(len(names))
                )
                assert result.status == 0, result.message
                ends.append(round(sign * result.fun))
            if ends[0] > 1 or ends[1] < 4:
                found[name] = (ends[0], ends[1])
        return found


def shown(release: board.BoardRelease, period: board.Period, key: str) -> pd.DataFrame:
    return release.summary(period).tables[key].shown()


def kpi(release: board.BoardRelease, period: board.Period, label: str) -> str:
    return {k.label: k.value for k in release.summary(period).kpis}[label]


# --- Row totals ---------------------------------------------------------------------------------------


def row_totals(release: board.BoardRelease) -> dict:
    """Feelings of safety by area and by gender: each row's Answered = safe + not safe."""
    reader = Reader()
    for period in [*QUARTERS, YEAR]:
        for key in ("safety_by_area", "safety_by_gender", "safety_overall"):
            for row in shown(release, period, key).to_dict("records"):
                name = (period.code, key, row["Question"], row["Group"])
                for column in ("Answered", "Very or fairly safe", "Not safe (neither, or unsafe)"):
                    reader.read((*name, column), row[column])
                reader.add_sum(
                    (*name, "Answered"),
                    [(*name, "Very or fairly safe"), (*name, "Not safe (neither, or unsafe)")],
                )
    return reader.recovered()


def test_row_totals_give_back_nothing(published, old):
    assert row_totals(old), "the attack should find the old row-total leak"
    assert row_totals(published) == {}


# --- Linked tables: group totals and KPIs against the tables ---------------------------------------------


def linked_tables(release: board.BoardRelease) -> dict:
    """A quarter's ASB reports: categories add up to each group's total (the trend table) and to the
    KPI; the areas add up to the KPIs; the areas' safety rows add up to everyone's."""
    reader = Reader()
    for period in [*QUARTERS, YEAR]:
        code = period.code
        reader.read((code, "reports"), kpi(release, period, "ASB reports"))
        reader.read((code, "responses"), kpi(release, period, "Survey responses"))
        categories = shown(release, period, "asb_by_category")
        for row in categories.to_dict("records"):
            reader.read((code, row["Category"]), row["Reports"])
        reader.add_sum((code, "reports"), [(code, c) for c in categories["Category"]])
        if period in QUARTERS:
            trend = shown(release, period, "asb_trend").iloc[0]
            for group in board.ASB_GROUPS:
                reader.read((code, group), trend[group])
                members = categories.loc[categories["Group"] == group, "Category"]
                reader.add_sum((code, group), [(code, c) for c in members])
        areas = shown(release, period, "engagement_by_area")
        for row in areas.to_dict("records"):
            reader.read((code, "responses", row["Area"]), row["Survey responses"])
            reader.read((code, "reports", row["Area"]), row["ASB reports"])
        for what in ("responses", "reports"):
            reader.add_sum((code, what), [(code, what, area) for area in areas["Area"]])
        everyone = shown(release, period, "safety_overall").set_index("Question")
        by_area = shown(release, period, "safety_by_area")
        for question, rows in by_area.groupby("Question"):
            for column in ("Answered", "Very or fairly safe"):
                reader.read((code, question, "everyone", column), everyone.loc[question, column])
                for row in rows.to_dict("records"):
                    reader.read((code, question, row["Group"], column), row[column])
                reader.add_sum(
                    (code, question, "everyone", column), [(code, question, g, column) for g in rows["Group"]]
                )
    return reader.recovered()


def test_group_totals_and_kpis_give_back_nothing(published, old):
    assert linked_tables(old), "the attack should find the old linked-table leak"
    assert linked_tables(published) == {}


# --- Periods: a year against its quarters, a quarter against its months -----------------------------------


def periods(release: board.BoardRelease) -> dict:
    """Every figure of the year is the sum of its quarters'; a quarter's responses and reports the sum of
    its months' (the month and quarter tables)."""
    reader = Reader()
    for period in [*QUARTERS, YEAR]:
        code = period.code
        for row in shown(release, period, "engagement_by_area").to_dict("records"):
            for column in ("Survey responses", "ASB reports"):
                reader.read((code, row["Area"], column), row[column])
        for row in shown(release, period, "safety_by_gender").to_dict("records"):
            for column in ("Answered", "Very or fairly safe", "Don't know"):
                reader.read((code, row["Question"], row["Group"], column), row[column])
        for row in shown(release, period, "asb_by_category").to_dict("records"):
            reader.read((code, row["Category"]), row["Reports"])
        for row in shown(release, period, "engagement_by_month").to_dict("records"):
            reader.read((row["Month"], "Survey responses"), row["Survey responses"])
            reader.read((row["Month"], "ASB reports"), row["ASB reports"])
        for row in shown(release, period, "engagement_by_quarter").to_dict("records"):
            reader.read((row["Quarter"], "Survey responses"), row["Survey responses"])
            reader.read((row["Quarter"], "ASB reports"), row["ASB reports"])
    for name in [n for n in reader.ranges if n[0] == YEAR.code]:
        reader.add_sum(name, [(q.code, *name[1:]) for q in QUARTERS])
    for q in QUARTERS:
        for column in ("Survey responses", "ASB reports"):
            reader.add_sum((q.code, column), [(m.code, column) for m in board.parts_of(q)])
    return reader.recovered()


def test_a_year_less_its_quarters_and_a_quarter_less_its_months_give_back_nothing(published, old):
    assert periods(old), "the attack should find the old leak between periods"
    assert periods(published) == {}


# --- Languages: each language against the totals, the areas, the months and the other periods ----------


def languages(release: board.BoardRelease) -> dict:
    """Responses and reports by language: the languages add up to the period's KPI (as the areas do),
    a year's to its quarters', and a quarter's total to its months'."""
    reader = Reader()
    for period in [*QUARTERS, YEAR]:
        code = period.code
        for what, label in (("responses", "Survey responses"), ("reports", "ASB reports")):
            reader.read((code, what), kpi(release, period, label))
            for key, column in (("engagement_by_language", "Language"), ("engagement_by_area", "Area")):
                table = shown(release, period, key)
                for row in table.to_dict("records"):
                    reader.read((code, what, row[column]), row[label])
                reader.add_sum((code, what), [(code, what, name) for name in table[column]])
            for row in shown(release, period, "engagement_by_month").to_dict("records"):
                reader.read((row["Month"], what), row[label])
    for name in [n for n in reader.ranges if n[0] == YEAR.code]:
        reader.add_sum(name, [(q.code, *name[1:]) for q in QUARTERS])
    for q in QUARTERS:
        for what in ("responses", "reports"):
            reader.add_sum((q.code, what), [(m.code, what) for m in board.parts_of(q)])
    return reader.recovered()


def test_a_small_language_count_cannot_be_worked_back_from_totals_areas_or_periods(published, old):
    assert languages(old), "the attack should find the leak in the old behaviour"
    assert languages(published) == {}
    bulgarian = shown(published, BULGARIAN_QUARTER, "engagement_by_language").set_index("Language")
    assert bulgarian.loc["Bulgarian", "Survey responses"] in (SMALL, "not shown")  # 2, never "2"
    assert shown(published, YEAR, "engagement_by_language").set_index("Language").loc[
        "Bulgarian", "Survey responses"
    ] in (SMALL, "not shown")


def test_every_period_the_board_can_show_is_in_the_one_release(published):
    assert set(published.periods) == {YEAR.code, *(q.code for q in QUARTERS)}
    assert published.publication.audit() == []


# --- Safer Streets verdicts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_site() -> board.BoardRelease:
    """3 reports near a new CCTV site before it started and 30 after; 200 and 200 in the rest of town."""
    from tests.analysis.test_impact import REST, SITE, intervention, points

    rng = np.random.default_rng(8)
    located = pd.concat([points(SITE, 3, 30, rng), points(REST, 200, 200, rng)], ignore_index=True)
    reports = synthetic.report_frame(len(located), seed=8, start=date(2025, 3, 1), end=date(2026, 4, 30))
    reports["lat"] = located["lat"].map("{:.4f}".format)
    reports["lon"] = located["lon"].map("{:.4f}".format)
    reports["place"] = ""
    reports["occurred_on"] = located["date"].dt.strftime("%Y-%m-%d")
    register = pd.DataFrame([intervention()])
    data = board.prepare({schema.ASB_REPORTS: reports, schema.INTERVENTIONS: register})
    return board.build(data, impact_settings=impact.ImpactSettings(window_days=180))


def verdicts(table: pd.DataFrame) -> dict:
    """Each row with a hidden count and a p-value: the hidden counts that give back that p-value."""
    found = {}
    for row in table.to_dict("records"):
        counts = {c: row[c] for c in impact.IMPACT_COUNTS}
        hidden = [c for c, text in counts.items() if text == SMALL]
        if not hidden or str(row["p-value"]) in ("", "nan"):
            continue
        fits = []
        for value in range(1, 5):
            trial = {c: value if c in hidden else int(str(t).replace(",", "")) for c, t in counts.items()}
            p = impact.compare(*trial.values()).p_value
            if round(p, 4) == float(row["p-value"]):
                fits.append(value)
        if len(fits) < 4:
            found[row["Intervention"]] = fits
    return found


def test_a_verdict_beside_a_hidden_count_gives_nothing_away(planted_site):
    table = planted_site.impact_table
    # The old table: the p-value computed from the raw counts beside the counts as each table hid them.
    old_table = table.frame.assign(**{c: table.shown()[c] for c in impact.IMPACT_COUNTS})
    assert verdicts(old_table), "the attack should find the old verdict leak"
    new = table.shown()
    assert verdicts(new) == {}
    row = new[new["Measure"] == impact.MEASURES["reports"]].iloc[0]
    assert row["Near: before"] == SMALL
    assert row["p-value"] == "" and row["Difference in differences (% relative)"] == ""
    assert row["Verdict"].startswith("Not shown")


# --- Two looks at the Board, one response apart ------------------------------------------------------
# A Board member (or anyone holding two exports) compares the summary before and after one resident
# answered: whatever changed is that resident's answers. The figures count only what was submitted
# before their quarter's publication, so one response changes nothing until the next quarter.

LOOKED_ON = date(2026, 11, 20)  # the publication of 1 October 2026


def everything_shown(release: board.BoardRelease) -> dict:
    """Every KPI and table of every period, as the page and the downloads show them."""
    shown_now = {}
    for code, period in release.periods.items():
        summary = release.summary(period)
        shown_now[(code, "kpis")] = [(item.label, item.value) for item in summary.kpis]
        for key, table in summary.tables.items():
            shown_now[(code, key)] = table.shown().to_csv(index=False)
    return shown_now


def with_one_response_on(tables: dict[str, pd.DataFrame], day: date) -> dict[str, pd.DataFrame]:
    """One more response, from Leominster, submitted on ``day``: unsafe after dark, in Bulgarian."""
    responses = tables[schema.SURVEY_RESPONSES]
    extra = responses.iloc[[-1]].assign(
        response_id="S-99999999",
        submitted_at=f"{day.isoformat()}T12:00:00Z",
        area="Leominster",
        safe_after_dark="Very unsafe",
        language="bg",
    )
    return {**tables, schema.SURVEY_RESPONSES: pd.concat([responses, extra], ignore_index=True)}


@pytest.fixture(scope="module")
def two_looks() -> dict[str, pd.DataFrame]:
    """Half a year of answers and reports up to the day of the first look."""
    return synthetic.frames(120, 160, seed=5, start=date(2026, 6, 1), end=LOOKED_ON)


def test_a_response_sent_after_the_publication_changes_nothing_the_board_shows(two_looks):
    published_on = board.publication_day(LOOKED_ON)
    assert published_on == date(2026, 10, 1)
    first = board.build(board.prepare(two_looks, published_on))
    second = board.build(board.prepare(with_one_response_on(two_looks, LOOKED_ON), published_on))

    assert everything_shown(second) == everything_shown(first)
    assert first.data_date < published_on
    # The quarter in progress is not offered: it holds only rows the publication does not count.
    offered = board.period_choices(date(2026, 6, 1), first.data_date)["quarter"]
    assert board.quarter_of(LOOKED_ON) not in offered
    assert board.quarter(2026, 2) in offered


def test_counted_up_to_the_latest_response_the_two_looks_give_it_away(two_looks):
    """The same two looks with the figures counted up to the latest submission (as before the
    quarterly publication): the quarter in progress moves by exactly the one response."""
    first = board.build(board.prepare(two_looks))
    second = board.build(board.prepare(with_one_response_on(two_looks, LOOKED_ON)))
    in_progress = board.quarter_of(LOOKED_ON)
    assert (
        int(kpi(second, in_progress, "Survey responses"))
        == int(kpi(first, in_progress, "Survey responses")) + 1
    )
    areas = [
        shown(release, in_progress, "engagement_by_area").set_index("Area") for release in (first, second)
    ]
    moved = areas[0].loc["Leominster", "Survey responses"] != areas[1].loc["Leominster", "Survey responses"]
    assert moved


def test_the_release_can_be_kept_on_disk_and_read_back_the_same(two_looks):
    release = board.build(board.prepare(two_looks, board.publication_day(LOOKED_ON)))
    kept = pickle.loads(pickle.dumps(release))  # noqa: S301 - made by this test
    assert everything_shown(kept) == everything_shown(release)
