"""The outbox sends waiting rows in batches: one append call per table and batch, none lost, none doubled."""

from __future__ import annotations

import math

from hcsp_engage import schema, storage
from hcsp_engage.storage import Outbox, Submitted
from hcsp_engage.storage.outbox import BATCH_ROWS
from tests.storage.conftest import SPREADSHEET_ID, report, survey

WAITING = 1203  # three batches of survey responses: 500, 500 and 203


def _appends(emulator, since: int = 0) -> list[str]:
    return [path for _, path in emulator.requests[since:] if path.split("?")[0].endswith(":append")]


def _stored_ids(emulator, table: str) -> list[str]:
    return [cells[0] for cells in emulator.values(SPREADSHEET_ID, table)[1:]]


def _queue(outbox: Outbox, count: int = WAITING) -> list[str]:
    rows = [survey(n) for n in range(1, count + 1)]
    for row in rows:
        outbox.put(schema.SURVEY_RESPONSES, row)
    return [row["response_id"] for row in rows]


def test_a_drain_sends_each_tables_rows_in_batches_and_stores_each_once(backend):
    outbox = Outbox(backend.tmp_path / "outbox.sqlite3")
    answers = _queue(outbox)
    reports = [report(n) for n in range(1, 8)]
    for row in reports:
        outbox.put(schema.ASB_REPORTS, row)
    backend.store.read_all()
    before = len(backend.emulator.requests) if backend.emulator else 0

    delivery = outbox.deliver(backend.store, limit=10_000)

    assert (delivery.sent, delivery.failed) == (WAITING + len(reports), False)
    assert len(outbox) == 0
    tables = backend.new_store().read_all()
    assert tables[schema.SURVEY_RESPONSES]["response_id"].tolist() == answers
    assert tables[schema.ASB_REPORTS]["report_id"].tolist() == [row["report_id"] for row in reports]
    if backend.emulator is not None:
        assert len(_appends(backend.emulator, before)) == math.ceil(WAITING / BATCH_ROWS) + 1
        assert (
            _stored_ids(backend.emulator, schema.SURVEY_RESPONSES) == answers
        )  # the sheet itself, once each


def test_a_lost_response_during_a_batch_drain_leaves_every_row_once(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    answers = _queue(outbox)
    sheets.store.read_all()
    # The second batch lands in the sheet but its answer never arrives.
    sheets.emulator.inject("lost_response", path_contains=":append", after=1)

    delivery = outbox.deliver(sheets.store, limit=10_000)

    assert (delivery.sent, delivery.failed) == (WAITING, False)
    assert _stored_ids(sheets.emulator, schema.SURVEY_RESPONSES) == answers
    assert len(_appends(sheets.emulator)) == 3  # the lost batch was found in the sheet, not sent again
    assert len(outbox) == 0


def test_a_lost_response_then_an_outage_keeps_the_batch_queued_and_a_restart_sends_none_twice(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    answers = _queue(outbox)
    sheets.store.read_all()
    # The second batch lands but its answer is lost, then Google stops answering at all.
    sheets.emulator.inject("lost_response", path_contains=":append", after=1)
    sheets.emulator.inject("503", times=10_000, path_contains="batchGet")

    delivery = outbox.deliver(sheets.store, limit=10_000)

    assert (delivery.sent, delivery.failed) == (BATCH_ROWS, True)
    assert [item.row["response_id"] for item in outbox.pending()] == answers[BATCH_ROWS:]

    sheets.emulator.reset_faults()
    restarted = sheets.new_store()  # the app restarted: this store has not seen the sheet yet
    assert outbox.deliver(restarted, limit=10_000) == storage.outbox.Delivery(WAITING - BATCH_ROWS, False)

    assert _stored_ids(sheets.emulator, schema.SURVEY_RESPONSES) == answers
    assert len(outbox) == 0


def test_a_rate_limit_mid_drain_keeps_the_rest_queued_in_order(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    answers = _queue(outbox)
    sheets.store.read_all()
    sheets.emulator.inject("429", times=10_000, path_contains=":append", after=1)

    delivery = outbox.deliver(sheets.store, limit=10_000)

    assert (delivery.sent, delivery.failed) == (BATCH_ROWS, True)
    assert [item.row["response_id"] for item in outbox.pending()] == answers[BATCH_ROWS:]
    assert _stored_ids(sheets.emulator, schema.SURVEY_RESPONSES) == answers[:BATCH_ROWS]

    sheets.emulator.reset_faults()
    assert outbox.flush(sheets.store, limit=10_000) == WAITING - BATCH_ROWS

    assert _stored_ids(sheets.emulator, schema.SURVEY_RESPONSES) == answers
    assert len(outbox) == 0


def test_a_residents_submission_sends_the_waiting_rows_in_one_call_then_its_own(sheets):
    outbox = Outbox(sheets.tmp_path / "outbox.sqlite3")
    waiting = _queue(outbox, 30)
    sheets.store.read_all()
    before = len(sheets.emulator.requests)

    new = survey(1000)
    assert storage.submit(sheets.store, outbox, schema.SURVEY_RESPONSES, new) is Submitted.STORED

    assert len(_appends(sheets.emulator, before)) == 2
    assert _stored_ids(sheets.emulator, schema.SURVEY_RESPONSES) == [*waiting, new["response_id"]]
    assert len(outbox) == 0
