"""Both backends read the same values into the same compact dtypes (repeating answers as categoricals,
the rest as text), and everything the app does with a table still gives what it gave with plain text."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from hcsp_engage import privacy, schema, synthetic
from hcsp_engage.analysis import board, hotspots
from hcsp_engage.storage import SqliteStore, latest, sqlite, to_frame
from hcsp_engage.storage.base import CODED_COLUMNS, with_stored_dtypes
from hcsp_engage.storage.sheets import SheetsStore
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests.storage.conftest import FAST

SEED_END = synthetic.DEFAULT_END


def sample_tables(n: int = 60) -> dict[str, pd.DataFrame]:
    """Synthetic tables with some blank answers, as text frames (what the stores are given)."""
    tables = synthetic.frames(n, n, seed=7)
    return {table: frame.astype(str) for table, frame in tables.items()}


def rows_of(frame: pd.DataFrame) -> list[dict[str, str]]:
    return frame.astype(str).to_dict("records")


def expected_dtype(table: str, column: str) -> str:
    return "category" if column in CODED_COLUMNS[table] else "str"


def test_both_backends_read_the_same_values_into_the_same_dtypes(tmp_path):
    tables = sample_tables()
    sqlite_store = SqliteStore(tmp_path / "store.sqlite3")
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("dtypes")
        sheets_store = SheetsStore("dtypes", endpoint=emulator.url, policy=FAST)
        for table, frame in tables.items():
            sqlite_store.append_many(table, rows_of(frame))
            sheets_store.append_many(table, rows_of(frame))
        from_sqlite = SqliteStore(tmp_path / "store.sqlite3").read_all()
        from_sheets = SheetsStore("dtypes", endpoint=emulator.url, policy=FAST).read_all()

    for table in schema.TABLES:
        pd.testing.assert_frame_equal(from_sqlite[table], from_sheets[table])
        frame = from_sqlite[table]
        assert {column: str(frame[column].dtype) for column in frame} == {
            column: expected_dtype(table, column) for column in schema.COLUMNS[table]
        }
        # The values are exactly the text that was written, row for row.
        assert frame.astype(str).values.tolist() == tables[table].values.tolist()


def test_categories_are_sorted_text_whatever_the_order_rows_arrive_in(tmp_path, monkeypatch):
    # Read in chunks of 7 rows: each chunk meets answers in a different order.
    monkeypatch.setattr(sqlite, "READ_CHUNK_ROWS", 7)
    tables = sample_tables()
    store = SqliteStore(tmp_path / "store.sqlite3")
    store.append_many(schema.SURVEY_RESPONSES, rows_of(tables[schema.SURVEY_RESPONSES]))

    read = store.read(schema.SURVEY_RESPONSES)
    built = with_stored_dtypes(schema.SURVEY_RESPONSES, to_frame(schema.SURVEY_RESPONSES, rows_of(read)))

    pd.testing.assert_frame_equal(read, built)
    areas = read["area"].cat.categories
    assert list(areas) == sorted(areas)
    assert read["area"].tolist() == tables[schema.SURVEY_RESPONSES]["area"].tolist()


def test_an_empty_table_has_the_same_dtypes_as_a_full_one(tmp_path):
    frame = SqliteStore(tmp_path / "store.sqlite3").read(schema.ASB_REPORTS)

    assert frame.empty
    assert {column: str(frame[column].dtype) for column in frame} == {
        column: expected_dtype(schema.ASB_REPORTS, column) for column in schema.COLUMNS[schema.ASB_REPORTS]
    }


def test_a_sqlite_file_without_the_key_index_still_drops_repeated_rows(tmp_path):
    # A file made by hand (or by another tool): the same tables, but no unique index on the keys.
    path = tmp_path / "by_hand.sqlite3"
    with sqlite3.connect(path) as connection:
        for table, columns in schema.COLUMNS.items():
            names = ", ".join(f'"{column}" TEXT' for column in columns)
            connection.execute(f'CREATE TABLE "{table}" ({names})')
        row = rows_of(sample_tables(1)[schema.ASB_REPORTS])[0]
        marks = ", ".join("?" for _ in row)
        for _ in range(2):
            connection.execute(f'INSERT INTO "{schema.ASB_REPORTS}" VALUES ({marks})', list(row.values()))

    frame = SqliteStore(path).read(schema.ASB_REPORTS)

    assert frame["report_id"].tolist() == [row["report_id"]]


def test_what_pages_do_with_tables_gives_the_same_as_with_plain_text(tmp_path):
    tables = sample_tables(200)
    store = SqliteStore(tmp_path / "store.sqlite3")
    for table, frame in tables.items():
        store.append_many(table, rows_of(frame))
    read = store.read_all()
    reports, text = read[schema.ASB_REPORTS], tables[schema.ASB_REPORTS]

    # Comparisons, isin, .str and concatenation behave as they do on text.
    assert (reports["area"] == "Hereford").tolist() == (text["area"] == "Hereford").tolist()
    assert (reports["area"] == "Nowhere").sum() == 0
    assert reports["category"].isin(["Noise"]).tolist() == text["category"].isin(["Noise"]).tolist()
    assert reports["told"].str.split("; ").tolist() == text["told"].str.split("; ").tolist()
    doubled = pd.concat([reports, reports], ignore_index=True)
    assert doubled.astype(str).values.tolist() == pd.concat([text, text]).values.tolist()
    # The CSV an officer downloads is byte for byte the same.
    assert privacy.to_csv_bytes(reports) == privacy.to_csv_bytes(text)
    # So are the figures built from them.
    end = SEED_END.date()
    filters = hotspots.Filters(start=end - pd.Timedelta(days=365), end=end)
    from_read = hotspots.with_status(hotspots.parse_reports(reports), read[schema.REPORT_STATUS])
    from_text = hotspots.with_status(hotspots.parse_reports(text), tables[schema.REPORT_STATUS])
    pd.testing.assert_frame_equal(
        hotspots.hotspot_table(from_read, filters), hotspots.hotspot_table(from_text, filters)
    )
    assert hotspots.reports_list(from_read).astype(str).values.tolist() == (
        hotspots.reports_list(from_text).astype(str).values.tolist()
    )
    period = board.financial_year(board.financial_year_of(end))
    summary_read = board.summarise(board.prepare(read), period)
    summary_text = board.summarise(board.prepare(tables), period)
    for key, table in summary_read.tables.items():
        pd.testing.assert_frame_equal(table.shown(), summary_text.tables[key].shown(), check_dtype=False)
    assert summary_read.kpis == summary_text.kpis


@pytest.mark.parametrize("with_ties", [False, True])
def test_current_status_is_the_latest_change_as_storage_latest_picks_it(with_ties):
    reports = to_frame(schema.ASB_REPORTS, [{"report_id": f"R-{n}"} for n in range(6)])
    moments = ["2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z", "2026-01-03T10:00:00Z"]
    changes = [
        ("R-0", "Reviewed", moments[0]),
        ("R-0", "Action taken", moments[1]),
        ("R-1", "Action taken", moments[2]),
        ("R-1", "Reviewed", moments[1]),  # written later, but happened earlier: it does not win
        ("R-2", "Reviewed", moments[0]),
        ("R-2", "Closed (no further action)", moments[0] if with_ties else moments[1]),
        ("R-9", "Reviewed", moments[0]),  # a change for a report not (yet) read
    ]
    status_rows = with_stored_dtypes(
        schema.REPORT_STATUS,
        to_frame(
            schema.REPORT_STATUS,
            [
                {"report_id": i, "status": s, "updated_at": at, "updated_by": "officer"}
                for i, s, at in changes
            ],
        ),
    )

    current = hotspots.with_status(reports, status_rows)
    expected = latest(schema.REPORT_STATUS, status_rows).set_index("report_id")

    assert current["status"].tolist() == [
        expected["status"].get(report_id, "New") for report_id in current["report_id"]
    ]
    assert current["status_updated_at"].tolist() == [
        expected["updated_at"].get(report_id, "") for report_id in current["report_id"]
    ]
    assert current["status"].tolist()[:3] == ["Action taken", "Action taken", "Closed (no further action)"]
