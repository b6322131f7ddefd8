"""Synthetic data: reproducible, valid as stored rows, and plausible where and when it matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from hcsp_engage import records, schema, synthetic
from hcsp_engage.analysis import interventions
from hcsp_engage.reference import geography
from hcsp_engage.storage import SqliteStore, Store


@pytest.fixture(scope="module")
def tables():
    return synthetic.frames(n_reports=3000, n_responses=2000, seed=7)


def test_the_same_seed_gives_the_same_data():
    assert synthetic.report_rows(200, seed=11) == synthetic.report_rows(200, seed=11)
    assert synthetic.survey_rows(200, seed=11) == synthetic.survey_rows(200, seed=11)
    reports = synthetic.report_rows(200, seed=11)
    assert synthetic.status_rows(reports, seed=11) == synthetic.status_rows(reports, seed=11)


def test_a_different_seed_gives_different_data():
    assert synthetic.report_rows(200, seed=11) != synthetic.report_rows(200, seed=12)
    assert synthetic.survey_rows(200, seed=11) != synthetic.survey_rows(200, seed=12)


@pytest.mark.parametrize("table", schema.TABLES)
def test_every_table_has_exactly_the_stored_columns(tables, table):
    assert tuple(tables[table].columns) == schema.COLUMNS[table]
    assert not tables[table].isna().any().any()


def test_reports_are_exactly_what_records_would_store_and_validate(tables):
    for row in tables[schema.ASB_REPORTS].to_dict("records"):
        report = synthetic.as_report(row)
        assert records.validate_report(report) == [], row
        assert records.report_row(report) == row


def test_survey_responses_are_exactly_what_records_would_store_and_validate(tables):
    for row in tables[schema.SURVEY_RESPONSES].to_dict("records"):
        response = synthetic.as_survey_response(row)
        assert records.validate_survey(response) == [], row
        assert records.survey_row(response) == row


def test_status_changes_validate_and_move_forward_in_time(tables):
    statuses = tables[schema.REPORT_STATUS]
    reports = tables[schema.ASB_REPORTS].set_index("report_id")
    assert set(statuses["report_id"]) <= set(reports.index)
    assert statuses["report_id"].nunique() > len(reports) / 2
    for row in statuses.to_dict("records"):
        change = synthetic.as_status_change(row)
        assert records.validate_status_change(change) == []
        assert records.status_row(change) == row
        assert row["updated_at"] > reports.loc[row["report_id"], "submitted_at"]
    for _, changes in statuses.groupby("report_id"):
        times = changes["updated_at"].tolist()
        assert times == sorted(times)
        assert len(set(times)) == len(times)
    assert (statuses.groupby("report_id").size() > 1).any(), "some reports have several changes"
    assert statuses["updated_at"].max() < synthetic.DEFAULT_END.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_ids_are_unique_even_for_many_rows():
    frame = synthetic.report_frame(200_000, seed=5)
    assert frame["report_id"].is_unique
    assert frame["report_id"].str.fullmatch(records.REFERENCE_PATTERN.pattern).all()


def test_every_pin_is_in_herefordshire(tables):
    reports = tables[schema.ASB_REPORTS]
    pins = reports[reports["lat"] != ""]
    responses = tables[schema.SURVEY_RESPONSES]
    survey_pins = responses[responses["unsafe_lat"] != ""]
    assert len(pins) > 1000 and len(survey_pins) > 200
    for lat, lon in zip(pins["lat"], pins["lon"], strict=True):
        assert geography.in_herefordshire(float(lat), float(lon))
    for lat, lon in zip(survey_pins["unsafe_lat"], survey_pins["unsafe_lon"], strict=True):
        assert geography.in_herefordshire(float(lat), float(lon))


def test_reports_cluster_around_named_places(tables):
    reports = tables[schema.ASB_REPORTS]
    pins = reports[reports["lat"] != ""]
    near = [
        geography.nearest_place(float(lat), float(lon))[1] <= 1000
        for lat, lon in zip(pins["lat"], pins["lon"], strict=True)
    ]
    assert sum(near) / len(near) > 0.75
    by_area = reports["area"].value_counts(normalize=True)
    assert by_area["Hereford"] > 0.45
    assert set(by_area.index) == set(schema.REPORT_AREAS)
    picked = reports[reports["place"] != ""]
    assert len(picked) > 300, "some reporters pick a named place instead of a pin"
    for place, area in zip(picked["place"], picked["area"], strict=True):
        assert geography.place_named(place).area == area


def test_countryside_reports_are_not_pinned_in_a_town(tables):
    reports = tables[schema.ASB_REPORTS]
    rural = reports[(reports["area"] == "Elsewhere in Herefordshire") & (reports["lat"] != "")]
    for lat, lon in zip(rural["lat"], rural["lon"], strict=True):
        assert geography.nearest_area(float(lat), float(lon)) == "Elsewhere in Herefordshire"
    towns = reports[reports["area"].isin(schema.TOWNS) & (reports["lat"] != "")]
    in_town = [
        geography.nearest_area(float(lat), float(lon)) == area
        for lat, lon, area in zip(towns["lat"], towns["lon"], towns["area"], strict=True)
    ]
    assert all(in_town)


def _night_share(frame: pd.DataFrame) -> float:
    return frame["time_of_day"].isin(["Evening 6pm–10pm", "Night 10pm–6am"]).mean()


def test_nuisance_happens_in_the_evening_and_at_night_and_at_weekends(tables):
    reports = tables[schema.ASB_REPORTS]
    nuisance = reports[reports["asb_group"] == "Nuisance"]
    morning = (nuisance["time_of_day"] == "Morning 6am–12pm").mean()
    assert _night_share(nuisance) > 0.6 > morning
    assert _night_share(nuisance) > _night_share(reports[reports["category"] == "Dumping rubbish"])
    weekday = pd.to_datetime(reports["occurred_on"]).dt.day_of_week
    weekend_nuisance = (weekday[nuisance.index] >= 4).mean()  # Friday to Sunday
    weekend_environmental = (weekday[reports["asb_group"] == "Environmental"] >= 4).mean()
    assert weekend_nuisance > weekend_environmental + 0.1


def test_reports_fall_in_the_period_and_within_a_year_of_happening():
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)
    frame = synthetic.report_frame(2000, seed=3, start=start, end=end)
    assert frame["submitted_at"].min() >= "2025-01-01T00:00:00Z"
    assert frame["submitted_at"].max() < "2025-07-01T00:00:00Z"
    assert frame["occurred_on"].min() >= "2025-01-01"
    assert (frame["occurred_on"] <= frame["submitted_at"].str.slice(0, 10)).all()
    assert frame["submitted_at"].is_monotonic_increasing


def test_responses_fall_in_the_period_mostly_in_waking_hours():
    start, end = datetime(2025, 1, 1, 13, tzinfo=UTC), datetime(2025, 3, 1, 9, tzinfo=UTC)
    frame = synthetic.survey_frame(5000, seed=3, start=start, end=end)
    assert frame["submitted_at"].min() >= "2025-01-01T13:00:00Z"
    assert frame["submitted_at"].max() < "2025-03-01T09:00:00Z"
    hours = frame["submitted_at"].str.slice(11, 13).astype(int)
    assert hours.between(7, 22).mean() > 0.9


def test_people_feel_less_safe_after_dark_and_least_safe_in_hereford(tables):
    responses = tables[schema.SURVEY_RESPONSES]
    safe_day = responses["safe_day"].isin(schema.SAFE_ANSWERS).mean()
    safe_dark = responses["safe_after_dark"].isin(schema.SAFE_ANSWERS).mean()
    assert safe_day > 0.8
    assert 0.55 < safe_dark < safe_day
    by_area = responses.groupby("area")["safe_after_dark"].apply(lambda s: s.isin(schema.SAFE_ANSWERS).mean())
    assert by_area["Hereford"] < by_area["Elsewhere in Herefordshire"]


def test_survey_answers_cover_every_question(tables):
    responses = tables[schema.SURVEY_RESPONSES]
    for column in (
        "postcode_district",
        "unsafe_place",
        "unsafe_reasons",
        "noticed_changes",
        "changes_effect",
        "age_band",
        "comments",
    ):
        assert (responses[column] != "").mean() > 0.05, column
    noticed_cctv = responses["noticed_changes"].str.contains("New CCTV cameras")
    assert (
        noticed_cctv[responses["area"] == "Hereford"].mean()
        > noticed_cctv[responses["area"] == "Elsewhere in Herefordshire"].mean()
    )
    assert set(responses["changes_effect"]) <= set(schema.CHANGES_EFFECT) | {""}


def test_most_answers_are_in_english_with_polish_romanian_and_bulgarian_as_in_the_census():
    tables = synthetic.frames(20_000, 20_000, seed=5)
    responses = tables[schema.SURVEY_RESPONSES]["language"].value_counts(normalize=True)
    reports = tables[schema.ASB_REPORTS]["language"]

    assert set(responses.index) == set(reports.unique()) == set(schema.LANGUAGES)
    assert responses["en"] > 0.95
    assert (
        0.015 < responses["pl"] < 0.025
        and 0.007 < responses["ro"] < 0.013
        and 0.003 < responses["bg"] < 0.007
    )
    countryside = tables[schema.ASB_REPORTS]["place"].eq("") & tables[schema.ASB_REPORTS]["area"].eq(
        "Elsewhere in Herefordshire"
    )
    farm_workers = reports.isin(["ro", "bg"])
    assert farm_workers[countryside].mean() > 2 * farm_workers[~countryside].mean()


def test_the_language_column_has_its_own_random_stream(monkeypatch):
    # Existing tests rely on every other column of a seed; drawing languages must not move them.
    before = synthetic.frames(500, 500, seed=9)
    monkeypatch.setattr(synthetic, "LANGUAGE_STREAM", synthetic.LANGUAGE_STREAM + 1)
    after = synthetic.frames(500, 500, seed=9)

    for table in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS):
        others = [column for column in schema.COLUMNS[table] if column != "language"]
        pd.testing.assert_frame_equal(before[table][others], after[table][others])
        assert not before[table]["language"].equals(after[table]["language"])


def test_frames_include_the_seed_interventions(tables):
    assert tables[schema.INTERVENTIONS].to_dict("records") == interventions.seed_rows()


def test_bulk_generation_makes_large_tables():
    frame = synthetic.survey_frame(50_000, seed=1)
    assert len(frame) == 50_000
    assert frame["response_id"].is_unique


# --- Demo store ------------------------------------------------------------------------------------


class AppendOnlyStore(Store):
    """A store with only the required interface (no bulk append), backed by a SQLite file."""

    def __init__(self, inner: SqliteStore):
        self.inner = inner

    def append(self, table, row):
        return self.inner.append(table, row)

    def read_all(self):
        return self.inner.read_all()


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_demo_store_is_filled_once_with_18_months_of_data(tmp_path):
    store = SqliteStore(tmp_path / "demo.sqlite3")
    assert synthetic.fill_demo_store(store, now=NOW) is True
    counts = {table: len(frame) for table, frame in store.read_all().items()}
    assert counts[schema.SURVEY_RESPONSES] == synthetic.DEMO_RESPONSES
    assert counts[schema.ASB_REPORTS] == synthetic.DEMO_REPORTS
    assert counts[schema.REPORT_STATUS] > 1000
    assert counts[schema.INTERVENTIONS] == len(interventions.seed_rows())
    reports = store.read(schema.ASB_REPORTS)
    assert reports["submitted_at"].max() <= "2026-11-29T12:00:00Z"
    assert reports["submitted_at"].min() >= "2025-05-29"
    assert store.read(schema.REPORT_STATUS)["updated_at"].max() <= "2026-11-29T12:00:00Z"

    assert synthetic.fill_demo_store(store, now=NOW + timedelta(days=1)) is False
    assert {table: len(frame) for table, frame in store.read_all().items()} == counts


def test_demo_store_leaves_real_data_alone(tmp_path):
    store = SqliteStore(tmp_path / "demo.sqlite3")
    store.append(schema.ASB_REPORTS, synthetic.report_rows(1, seed=3)[0])
    assert synthetic.fill_demo_store(store, now=NOW) is False
    assert len(store.read(schema.ASB_REPORTS)) == 1
    assert len(store.read(schema.SURVEY_RESPONSES)) == 0


def test_demo_store_fills_a_store_without_bulk_append(tmp_path):
    store = AppendOnlyStore(SqliteStore(tmp_path / "demo.sqlite3"))
    assert synthetic.fill_demo_store(store, now=NOW) is True
    assert len(store.read(schema.ASB_REPORTS)) == synthetic.DEMO_REPORTS


def test_bulk_append_skips_rows_already_stored(tmp_path):
    store = SqliteStore(tmp_path / "bulk.sqlite3")
    rows = synthetic.report_rows(50, seed=4)
    assert store.append_many(schema.ASB_REPORTS, rows[:30]) == 30
    assert store.append_many(schema.ASB_REPORTS, rows) == 20
    assert store.read(schema.ASB_REPORTS)["report_id"].tolist() == [row["report_id"] for row in rows]


def test_the_app_in_demo_mode_reads_a_filled_store(isolated_store, monkeypatch):
    from hcsp_engage.web import cached

    monkeypatch.setenv("HCSP_DEMO", "1")
    tables = cached.tables()
    assert len(tables[schema.ASB_REPORTS]) == synthetic.DEMO_REPORTS
    assert len(tables[schema.SURVEY_RESPONSES]) == synthetic.DEMO_RESPONSES
    assert len(tables[schema.INTERVENTIONS]) == len(interventions.seed_rows())
