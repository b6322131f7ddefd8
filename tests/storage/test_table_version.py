"""The table version every cache keys on (docs/design.md section 5: tables are append-only): a new row
is a new version, the same rows read again are the same version, and the register's starting data is
written once, by the call that asks for it."""

from __future__ import annotations

from hcsp_engage import config, schema, storage, synthetic
from hcsp_engage.analysis import interventions
from hcsp_engage.storage import SqliteStore
from hcsp_engage.web import cached
from tests.rows import status_row

TABLE = schema.ASB_REPORTS


def reports(count: int) -> list[dict[str, str]]:
    return synthetic.report_frame(count, seed=3).astype(str).to_dict("records")


def test_a_new_row_is_a_new_version_and_a_reread_is_the_same(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    rows = reports(3)
    store.append_many(TABLE, rows[:2])
    before = storage.table_version(store.read(TABLE))
    assert storage.table_version(SqliteStore(store.path).read(TABLE)) == before
    store.append(TABLE, rows[2])
    assert storage.table_version(store.read(TABLE)) != before


def test_every_tables_version_is_in_the_key_of_a_cache_that_reads_them_all(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    before = storage.table_versions(store.read_all())
    store.append(schema.REPORT_STATUS, status_row("R-2345ABCD", "Reviewed", "2026-11-28T23:48:50Z"))
    assert storage.table_versions(store.read_all()) != before


def test_the_register_is_seeded_when_a_page_asks_and_reading_the_tables_writes_nothing():
    store = storage.open_store(config.load_settings({}))
    cached.tables()
    assert store.read(schema.INTERVENTIONS).empty
    cached.seed_register()
    assert len(store.read(schema.INTERVENTIONS)) == len(interventions.seed_rows())
    assert len(cached.tables()[schema.INTERVENTIONS]) == len(interventions.seed_rows())
