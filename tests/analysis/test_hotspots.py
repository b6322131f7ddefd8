"""The officers' hotspot analysis: ranked cells, change against the previous period, repeat locations,
emerging hotspots (a planted one is found, noise is not), the when-grid and the monthly trend."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from hcsp_engage import records, schema, synthetic
from hcsp_engage.analysis import hotspots
from hcsp_engage.analysis.hotspots import Filters
from hcsp_engage.reference import geography
from tests.rows import report_row

HIGH_TOWN = geography.place_named("Hereford High Town")
END = date(2026, 10, 31)
KM_PER_DEGREE = 111.195


def report(
    n: int,
    when: date,
    lat: float | None = HIGH_TOWN.lat,
    lon: float | None = HIGH_TOWN.lon,
    category: str = "Noise",
    place: str = "",
    area: str = "Hereford",
    time_of_day: str = schema.TIMES_OF_DAY[2],
) -> dict[str, str]:
    """One stored-looking report row (text, as the store gives it back)."""
    return report_row(
        n,
        submitted_at=f"{when.isoformat()}T20:00:00Z",
        schema_version=schema.SCHEMA_VERSION,
        category=category,
        asb_group=records.asb_category(category).group,
        area=area,
        lat="" if lat is None else f"{lat:.4f}",
        lon="" if lon is None else f"{lon:.4f}",
        place=place,
        occurred_on=when.isoformat(),
        time_of_day=time_of_day,
        frequency="A few times",
        impact="A little",
        told="Nobody yet",
        incidents_reported_6m="0",
    )


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return hotspots.parse_reports(pd.DataFrame(rows, columns=list(schema.COLUMNS[schema.ASB_REPORTS])))


def north(metres: float) -> float:
    return HIGH_TOWN.lat + metres / 1000 / KM_PER_DEGREE


def east(metres: float) -> float:
    return HIGH_TOWN.lon + metres / 1000 / (KM_PER_DEGREE * np.cos(np.radians(HIGH_TOWN.lat)))


# --- Parsing ------------------------------------------------------------------------------------------


def test_a_named_place_report_is_placed_at_that_place():
    parsed = frame([report(1, END, lat=None, lon=None, place="Hereford railway station")])
    station = geography.place_named("Hereford railway station")
    assert (parsed.at[0, "lat"], parsed.at[0, "lon"]) == (station.lat, station.lon)
    assert parsed.at[0, "located_by"] == "named place"
    assert parsed.at[0, "cell"] == geography.cell_of(station.lat, station.lon, hotspots.RESOLUTION)


def test_status_is_the_latest_change_and_new_without_one():
    parsed = frame([report(1, END), report(2, END)])
    changes = pd.DataFrame(
        [
            {
                "report_id": "R-00000001",
                "status": "Referred to MATAC",
                "note": "",
                "updated_at": "2026-11-02T10:00:00Z",
                "updated_by": "A",
            },
            {
                "report_id": "R-00000001",
                "status": "Reviewed",
                "note": "",
                "updated_at": "2026-11-01T10:00:00Z",
                "updated_by": "B",
            },
        ]
    )
    shown = hotspots.with_status(parsed, changes)
    assert list(shown["status"]) == ["Referred to MATAC", "New"]
    history = hotspots.status_history(changes, "R-00000001")
    assert list(history["status"]) == ["Referred to MATAC", "Reviewed"]


def test_of_two_changes_made_at_the_same_time_the_later_written_wins_and_others_reports_are_ignored():
    parsed = frame([report(1, END), report(2, END), report(3, END)])

    def change(number: int, status: str, at: str) -> dict[str, str]:
        return {
            "report_id": f"R-{number:08d}",
            "status": status,
            "note": "",
            "updated_at": at,
            "updated_by": "A",
        }

    changes = pd.DataFrame(
        [
            change(2, "Reviewed", "2026-11-01T10:00:00Z"),
            change(2, "New", "2026-11-01T10:00:00Z"),  # set back, at the same second: written later
            change(9, "Closed", "2026-11-03T10:00:00Z"),  # a report not among these
            change(3, "Closed", "2026-11-02T10:00:00Z"),
        ]
    )
    shown = hotspots.with_status(parsed, changes)
    assert list(shown["status"]) == ["New", "New", "Closed"]
    assert list(shown["status_updated_at"]) == ["", "2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z"]
    assert sorted(shown["status"].cat.categories) == ["Closed", "New"]


# --- The ranked table and the change against the previous period -------------------------------------------


def test_hotspot_table_ranks_cells_and_compares_with_the_previous_period_of_equal_length():
    filters = Filters(start=END - timedelta(days=29), end=END)
    station = geography.place_named("Hereford railway station")
    rows = [report(i, END - timedelta(days=i % 30)) for i in range(6)]  # High Town: 6 now
    rows += [report(10 + i, END - timedelta(days=30 + i)) for i in range(2)]  # High Town: 2 before
    rows += [report(20 + i, END - timedelta(days=i), station.lat, station.lon, "Arson") for i in range(3)]
    rows += [report(30 + i, END - timedelta(days=45), station.lat, station.lon) for i in range(5)]
    rows.append(report(40, END - timedelta(days=61)))  # two periods back: in neither
    table = hotspots.hotspot_table(frame(rows), filters)

    assert list(table["nearest_place"]) == ["Hereford High Town", "Hereford railway station"]
    assert list(table["reports"]) == [6, 3]
    assert list(table["previous"]) == [2, 5]
    assert list(table["change"]) == [4, -2]
    assert list(table["rank"]) == [1, 2]
    assert table.at[1, "main_categories"] == "Arson (3)"
    assert hotspots.describe_change(4, 2) == "+4 (+200%)"
    assert hotspots.describe_change(-2, 5) == "-2 (-40%)"


def test_filters_narrow_the_table_by_category_area_and_time_of_day():
    rows = [
        report(1, END, category="Arson"),
        report(2, END, category="Noise"),
        report(3, END, category="Arson", time_of_day=schema.TIMES_OF_DAY[0]),
        report(4, END, category="Arson", area="Leominster"),
    ]
    filters = Filters(END - timedelta(days=6), END, ("Arson",), "Hereford", (schema.TIMES_OF_DAY[2],))
    assert hotspots.hotspot_table(frame(rows), filters)["reports"].tolist() == [1]


# --- Repeat locations ------------------------------------------------------------------------------------


def test_three_reports_within_100_metres_are_a_repeat_location_and_two_are_not():
    lat = pd.Series([north(0), north(60), north(95), north(400), north(450)])
    lon = pd.Series([HIGH_TOWN.lon] * 5)
    assert hotspots.repeat_location_flags(lat, lon).tolist() == [True, True, True, False, False]


def test_reports_just_over_100_metres_apart_are_not_a_repeat_location():
    lat = pd.Series([north(0), north(101), north(202)])
    lon = pd.Series([HIGH_TOWN.lon] * 3)
    assert hotspots.repeat_location_flags(lat, lon).tolist() == [False, False, False]


def test_repeat_location_flags_agree_with_measuring_every_pair():
    rng = np.random.default_rng(5)
    lat = pd.Series(np.round(north(0) + rng.normal(0, 400, 600) / 1000 / KM_PER_DEGREE, 4))
    lon = pd.Series(np.round(east(0) + rng.normal(0, 400, 600) / 1000 / (KM_PER_DEGREE * 0.615), 4))
    flags = hotspots.repeat_location_flags(lat, lon)
    y = lat.to_numpy() * hotspots.METRES_PER_DEGREE
    x = lon.to_numpy() * hotspots.METRES_PER_DEGREE * np.cos(np.radians(lat.mean()))
    within = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) <= hotspots.REPEAT_RADIUS_M
    assert flags.tolist() == (within.sum(axis=1) >= 3).tolist()
    assert 0 < flags.sum() < len(flags)  # the test data has both kinds


def test_the_table_flags_repeat_locations_only_within_six_months():
    filters = Filters(END - timedelta(days=29), END)
    recent = [report(i, END - timedelta(days=i)) for i in range(3)]
    old = [report(10 + i, END - timedelta(days=200 + i), north(800), HIGH_TOWN.lon) for i in range(2)]
    old.append(report(20, END, north(800), HIGH_TOWN.lon))
    parsed = hotspots.with_status(frame(recent + old), pd.DataFrame())
    table = hotspots.hotspot_table(parsed, filters).set_index("reports")
    assert table.at[3, "repeat_location"] == "yes"
    assert table.at[1, "repeat_location"] == "no"
    listed = hotspots.reports_list(
        hotspots.with_repeat_flags(hotspots.select(parsed, filters), parsed, filters)
    )
    assert listed.set_index("report_id")["repeat_location"].to_dict() == {
        "R-00000000": "yes",
        "R-00000001": "yes",
        "R-00000002": "yes",
        "R-00000020": "no",
    }


# --- Emerging hotspots -----------------------------------------------------------------------------------


def test_poisson_tail_matches_the_sum_of_probabilities():
    assert hotspots.poisson_tail(0, 2.0) == 1.0
    assert hotspots.poisson_tail(3, 1.0) == pytest.approx(1 - np.exp(-1) * (1 + 1 + 0.5))
    assert hotspots.poisson_tail(20, 2.0) == pytest.approx(5.8e-13, rel=0.05)


@pytest.fixture(scope="module")
def noise() -> pd.DataFrame:
    """A year of synthetic reports: busy places, but no rise anywhere (the same rate every week)."""
    return synthetic.report_frame(
        6_000, seed=11, start=END - timedelta(days=364), end=END + timedelta(days=1)
    )


def test_pure_noise_has_no_emerging_hotspot(noise):
    result = hotspots.emerging_hotspots(hotspots.parse_reports(noise), Filters(END - timedelta(days=89), END))
    assert result.tested > 20  # busy cells were tested...
    assert result.cells.empty  # ...and none is called emerging


def test_a_planted_hotspot_is_found(noise):
    # A quiet spot in the countryside with one report a month, then 8 in the last four weeks.
    spot = (52.1500, -2.9000)
    planted = [
        report(900_000 + i, END - timedelta(days=30 * i + 40), *spot, area="Elsewhere in Herefordshire")
        for i in range(6)
    ]
    planted += [
        report(910_000 + i, END - timedelta(days=3 * i), *spot, area="Elsewhere in Herefordshire")
        for i in range(8)
    ]
    reports = pd.concat([noise, pd.DataFrame(planted)], ignore_index=True)
    result = hotspots.emerging_hotspots(
        hotspots.parse_reports(reports), Filters(END - timedelta(days=89), END)
    )
    assert result.cells["cell"].tolist() == [geography.cell_of(*spot, hotspots.RESOLUTION)]
    assert result.cells.at[0, "recent"] == 8
    assert result.cells.at[0, "p_value"] < result.threshold
    assert "one-sided Poisson test" in result.explanation
    assert f"{result.tested:,} this time" in result.explanation


def test_without_enough_history_nothing_is_called_emerging():
    rows = [report(i, END - timedelta(days=i % 20)) for i in range(30)]
    result = hotspots.emerging_hotspots(frame(rows), Filters(END - timedelta(days=29), END))
    assert result.cells.empty
    assert "not enough yet" in result.explanation


# --- When -------------------------------------------------------------------------------------------


def test_when_grid_counts_each_day_and_time_with_zeros():
    monday = date(2026, 10, 26)
    rows = [
        report(1, monday),
        report(2, monday),
        report(3, monday + timedelta(days=5), time_of_day=schema.TIMES_OF_DAY[3]),
    ]
    grid = hotspots.when_grid(frame(rows)).set_index(["day", "time_of_day"])["reports"]
    assert len(grid) == 7 * 4
    assert grid[("Monday", schema.TIMES_OF_DAY[2])] == 2
    assert grid[("Saturday", schema.TIMES_OF_DAY[3])] == 1
    assert grid.sum() == 3


def test_monthly_trend_counts_by_month_and_category():
    rows = [
        report(1, date(2026, 9, 3)),
        report(2, date(2026, 10, 3)),
        report(3, date(2026, 10, 4), category="Arson"),
    ]
    trend = hotspots.monthly_trend(frame(rows))
    assert trend.to_dict("records") == [
        {"month": "2026-09", "category": "Noise", "reports": 1},
        {"month": "2026-10", "category": "Arson", "reports": 1},
        {"month": "2026-10", "category": "Noise", "reports": 1},
    ]
    assert hotspots.trend_filters(Filters(date(2026, 10, 1), END)).start == date(2025, 11, 1)


def test_reports_list_filters_by_status_newest_first():
    parsed = hotspots.with_status(
        frame([report(1, END - timedelta(days=2)), report(2, END)]),
        pd.DataFrame(
            [
                {
                    "report_id": "R-00000002",
                    "status": "Closed (no further action)",
                    "note": "",
                    "updated_at": "2026-11-01T00:00:00Z",
                    "updated_by": "A",
                }
            ]
        ),
    )
    assert hotspots.reports_list(parsed)["report_id"].tolist() == ["R-00000002", "R-00000001"]
    assert hotspots.reports_list(parsed, ("New",))["report_id"].tolist() == ["R-00000001"]


def test_an_empty_store_gives_empty_figures_not_errors():
    empty = hotspots.with_status(hotspots.parse_reports(pd.DataFrame()), pd.DataFrame())
    filters = Filters(END - timedelta(days=29), END)
    assert hotspots.hotspot_table(empty, filters).empty
    assert hotspots.emerging_hotspots(empty, filters).cells.empty
    assert hotspots.reports_list(empty, ("New",)).empty
    assert hotspots.monthly_trend(empty).empty
    assert hotspots.when_grid(empty)["reports"].sum() == 0


# --- What the page opens on and offers for triage ------------------------------------------------------


def test_the_page_opens_on_the_ninety_days_to_the_newest_report():
    parsed = frame([report(1, date(2026, 9, 1)), report(2, date(2026, 10, 20))])
    assert hotspots.default_period(parsed, today=END) == (date(2026, 7, 23), date(2026, 10, 20))


def test_a_report_dated_ahead_of_today_does_not_move_the_period_into_the_future():
    parsed = frame([report(1, date(2026, 11, 5))])
    assert hotspots.default_period(parsed, today=END)[1] == END


def test_a_cleared_period_box_falls_back_to_the_default():
    default = (date(2026, 8, 1), date(2026, 10, 29))
    assert hotspots.chosen_period((), default) == default
    assert hotspots.chosen_period((date(2026, 9, 1),), default) == (date(2026, 9, 1), date(2026, 9, 1))


def five_new_reports() -> pd.DataFrame:
    no_changes = pd.DataFrame(columns=list(schema.COLUMNS[schema.REPORT_STATUS]))
    return hotspots.with_status(frame([report(n, date(2026, 10, n)) for n in range(1, 6)]), no_changes)


def test_triage_offers_the_listed_reports_and_keeps_the_one_just_changed():
    parsed = five_new_reports()
    listed = hotspots.reports_list(parsed).head(2)  # the two newest
    options, offered = hotspots.triage_choices(listed, parsed, last_changed="R-00000001", limit=2)
    assert options == ["R-00000001", "R-00000005", "R-00000004"]
    assert set(offered.index) == set(options)
    assert offered.at["R-00000001", "category"] == "Noise"


def test_triage_offers_only_the_first_reports_of_a_long_list():
    parsed = five_new_reports()
    options, offered = hotspots.triage_choices(hotspots.reports_list(parsed), parsed, None, limit=3)
    assert options == ["R-00000005", "R-00000004", "R-00000003"] and len(offered) == 3
