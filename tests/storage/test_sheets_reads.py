"""Reading large worksheets: bounded pieces, every row exactly once, and Google's faults in any piece."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from hcsp_engage import schema, synthetic
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.storage.sheets import SheetsStore
from tests.storage.conftest import FAST, IMPATIENT, SPREADSHEET_ID, report, status, survey

CHUNK_CELLS = 1000  # a few dozen rows a call, so a few hundred rows take several calls


def _fill(store: SheetsStore) -> dict[str, list[dict[str, str]]]:
    rows = {
        schema.SURVEY_RESPONSES: [survey(n) for n in range(1, 251)],
        schema.ASB_REPORTS: [report(n) for n in range(1, 121)],
        schema.REPORT_STATUS: [status(report(n % 120 + 1)["report_id"], "Reviewed", n) for n in range(300)],
    }
    for table, table_rows in rows.items():
        store.append_many(table, table_rows)
    return rows


def _batch_gets(emulator, since: int) -> list[list[str]]:
    """The ranges of rows asked for by each values.batchGet call made since request number ``since``
    (not the set-up's look at the header rows)."""
    calls = [
        parse_qs(urlsplit(path).query)["ranges"]
        for _, path in emulator.requests[since:]
        if urlsplit(path).path.endswith("values:batchGet")
    ]
    return [ranges for ranges in calls if not all(text.endswith("!1:1") for text in ranges)]


def _bounded_cells(ranges: list[str]) -> int:
    """Cells in the ranges with an end row (each sheet's last piece runs to the end of the sheet)."""
    cells = 0
    for text in ranges:
        title, cells_part = text.rsplit("!", 1)
        start, end = cells_part.split(":")
        end_row = end.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if end_row:
            table = title.strip("'")
            cells += (int(end_row) - int(start[1:]) + 1) * len(schema.COLUMNS[table])
    return cells


def _edit(emulator, title: str, changes) -> None:
    """Change a worksheet as a person editing the spreadsheet would (one batchUpdate call);
    ``changes(sheet_id)`` gives the requests."""
    base = f"{emulator.url}/v4/spreadsheets/{SPREADSHEET_ID}"
    sheets = requests.get(base, timeout=10).json()["sheets"]
    sheet_id = next(s["properties"]["sheetId"] for s in sheets if s["properties"]["title"] == title)
    requests.post(f"{base}:batchUpdate", json={"requests": changes(sheet_id)}, timeout=10).raise_for_status()


def test_a_large_sheet_is_read_in_bounded_pieces_and_every_row_comes_back_once(sheets):
    rows = _fill(sheets.store)
    # Another server process, reading every sheet whole each time.
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS, full_read_seconds=0)

    # The first read plans its pieces from the sheets' sizes, the second from the rows the first found.
    for _ in range(2):
        before = len(sheets.emulator.requests)
        tables = reader.read_all()
        reader.forget_cache()

        for table, table_rows in rows.items():
            assert tables[table].to_dict("records") == table_rows
        assert tables[schema.INTERVENTIONS].empty
        calls = _batch_gets(sheets.emulator, before)
        assert len(calls) > 1
        assert all(_bounded_cells(ranges) <= CHUNK_CELLS for ranges in calls)


def test_later_reads_ask_only_for_the_rows_added_since_in_one_call(sheets):
    rows = _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS)
    reader.read_all()

    later = [survey(n) for n in range(251, 291)]
    sheets.store.append_many(schema.SURVEY_RESPONSES, later)  # by another server process
    reader.forget_cache()
    before = len(sheets.emulator.requests)
    tables = reader.read_all()

    assert tables[schema.SURVEY_RESPONSES].to_dict("records") == rows[schema.SURVEY_RESPONSES] + later
    assert tables[schema.ASB_REPORTS].to_dict("records") == rows[schema.ASB_REPORTS]
    assert tables[schema.REPORT_STATUS].to_dict("records") == rows[schema.REPORT_STATUS]
    assert len(_batch_gets(sheets.emulator, before)) == 1


def test_a_last_row_changed_by_hand_makes_the_next_read_read_the_whole_sheet(sheets):
    rows = _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS)
    reader.read_all()

    # Someone deletes a row in the middle of the answers: every row below moves up one.
    _edit(
        sheets.emulator,
        schema.SURVEY_RESPONSES,
        lambda sheet_id: [
            {
                "deleteDimension": {
                    "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 10, "endIndex": 11}
                }
            }
        ],
    )
    reader.forget_cache()
    tables = reader.read_all()

    expected = rows[schema.SURVEY_RESPONSES][:9] + rows[schema.SURVEY_RESPONSES][10:]
    assert tables[schema.SURVEY_RESPONSES].to_dict("records") == expected
    assert tables[schema.ASB_REPORTS].to_dict("records") == rows[schema.ASB_REPORTS]


def test_rows_deleted_by_hand_between_reads_leave_the_others_read_exactly(sheets):
    rows = _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS)
    reader.read_all()

    # Someone deletes the first 100 answers in the spreadsheet and the empty rows below the rest, so
    # the sheet is now shorter than the reader last saw it.
    remaining = 1 + len(rows[schema.SURVEY_RESPONSES]) - 100
    _edit(
        sheets.emulator,
        schema.SURVEY_RESPONSES,
        lambda sheet_id: [
            {
                "deleteDimension": {
                    "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": 101}
                }
            },
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": {"rowCount": remaining}},
                    "fields": "gridProperties/rowCount",
                }
            },
        ],
    )
    reader.forget_cache()

    tables = reader.read_all()

    assert tables[schema.SURVEY_RESPONSES].to_dict("records") == rows[schema.SURVEY_RESPONSES][100:]
    assert tables[schema.ASB_REPORTS].to_dict("records") == rows[schema.ASB_REPORTS]


def test_server_errors_in_a_later_piece_are_retried_and_nothing_is_lost(sheets):
    rows = _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS, full_read_seconds=0)
    reader.read_all()
    reader.forget_cache()
    sheets.emulator.inject("503", times=2, path_contains="batchGet", after=2)
    sheets.emulator.inject("429", times=1, path_contains="batchGet", after=4)

    tables = reader.read_all()

    for table, table_rows in rows.items():
        assert tables[table].to_dict("records") == table_rows


def test_a_later_piece_that_keeps_failing_gives_up_and_no_partial_table_is_kept(sheets):
    rows = _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS, full_read_seconds=0)
    reader.read_all()
    reader.forget_cache()
    sheets.emulator.inject("503", times=10_000, path_contains="batchGet", after=2)

    with pytest.raises(StoreUnavailable, match="not available"):
        reader.read_all()

    sheets.emulator.reset_faults()
    tables = reader.read_all()
    for table, table_rows in rows.items():
        assert tables[table].to_dict("records") == table_rows


def test_a_later_piece_that_hangs_is_abandoned_within_the_budget(sheets):
    _fill(sheets.store)
    reader = sheets.new_store(read_chunk_cells=CHUNK_CELLS, full_read_seconds=0, policy=IMPATIENT)
    reader.read_all()
    reader.forget_cache()
    sheets.emulator.inject("hang", times=1000, path_contains="batchGet", after=2)

    with pytest.raises(StoreUnavailable, match="not available"):
        reader.read_all()


def test_checking_for_rows_already_written_reads_only_that_sheet(sheets):
    _fill(sheets.store)
    writer = SheetsStore(SPREADSHEET_ID, endpoint=sheets.emulator.url, policy=FAST)  # a fresh process
    before = len(sheets.emulator.requests)

    assert writer.append(schema.ASB_REPORTS, report(500)) is True
    assert writer.append(schema.ASB_REPORTS, report(1)) is False  # already in the sheet

    ranges = [text for call in _batch_gets(sheets.emulator, before) for text in call]
    assert {text.split("!")[0].strip("'") for text in ranges} == {schema.ASB_REPORTS}


@pytest.mark.slow
def test_100k_reports_and_responses_are_read_with_the_apps_own_timeouts(sheets):
    """At 100,000 reports and 100,000 responses one read of everything outlasted the app's read
    timeout, so staff pages said the data could not be loaded. Read in pieces, it comes back whole."""
    frames = synthetic.frames(100_000, 100_000, seed=3)
    sheets.emulator.create_spreadsheet(
        "large",
        sheets={
            table: [list(schema.COLUMNS[table]), *frame[list(schema.COLUMNS[table])].values.tolist()]
            for table, frame in frames.items()
        },
    )
    store = SheetsStore("large", endpoint=sheets.emulator.url)  # the app's own RetryPolicy
    before = len(sheets.emulator.requests)

    tables = store.read_all()

    for table, frame in frames.items():
        expected = frame[list(schema.COLUMNS[table])].astype(str).reset_index(drop=True)
        assert tables[table].astype(str).equals(expected), table
    # One read is a few calls, well within Google's 60 reads a minute for the service account.
    assert len(_batch_gets(sheets.emulator, before)) <= 12
