"""Moving data between stores: python -m hcsp_engage.storage.copy keeps every row, adds nothing when
run again, and says so (or says what is missing)."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from hcsp_engage import schema
from hcsp_engage.storage import SqliteStore
from hcsp_engage.storage.copy import main
from hcsp_engage.testing.sheets_emulator import SheetsEmulator
from tests.conftest import ROOT
from tests.storage.test_dtypes import rows_of, sample_tables

NO_CONFIGURATION = {"PATH": os.environ.get("PATH", "")}


def filled_sqlite(path) -> SqliteStore:
    store = SqliteStore(path)
    for table, frame in sample_tables(120).items():
        store.append_many(table, rows_of(frame))
    return store


def copy(*args: str, env: dict[str, str] | None = None) -> int:
    return main([*args, "--secrets", "/nonexistent/secrets.toml"], env=env or NO_CONFIGURATION)


def assert_same_tables(left, right) -> None:
    for table in schema.TABLES:
        pd.testing.assert_frame_equal(left[table], right[table])


def test_sqlite_to_postgres_and_back_gives_the_same_tables_and_twice_adds_nothing(
    tmp_path, postgres_url, capsys
):
    original = filled_sqlite(tmp_path / "original.sqlite3")
    back = tmp_path / "back.sqlite3"
    there = ["--to", "postgres", "--to-location", postgres_url]
    home = [
        "--from",
        "postgres",
        "--from-location",
        postgres_url,
        "--to",
        "sqlite",
        "--to-location",
        str(back),
    ]

    # The first leg as an operator runs it, configured through the environment.
    done = subprocess.run(
        [sys.executable, "-m", "hcsp_engage.storage.copy", "--from", "sqlite", "--to", "postgres"],
        cwd=ROOT,
        env={
            **NO_CONFIGURATION,
            "HCSP_SQLITE_PATH": str(original.path),
            "HCSP_DATABASE_URL": postgres_url,
            "HCSP_STORAGE": "sqlite",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "every row of the source is in the target" in done.stderr
    assert copy("--from", "sqlite", "--from-location", str(original.path), *there) == 0
    assert copy(*home) == 0
    assert copy(*home) == 0
    report = capsys.readouterr().err

    assert_same_tables(SqliteStore(back).read_all(), SqliteStore(original.path).read_all())
    responses = len(sample_tables(120)[schema.SURVEY_RESPONSES])
    assert (
        f"survey_responses: {responses:,} rows in the source, {responses:,} in the target (0 added)" in report
    )
    assert "#" * 30 in report  # the progress bar reached its end
    assert postgres_url not in report and "hcsp@" not in report  # the URL could hold a password


def test_copying_through_google_sheets_keeps_every_row(tmp_path, postgres_url):
    original = filled_sqlite(tmp_path / "original.sqlite3")
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("moving")
        env = {**NO_CONFIGURATION, "HCSP_GSHEETS_ENDPOINT": emulator.url}
        to_sheets = ["--from", "sqlite", "--from-location", str(original.path), "--to", "gsheets"]
        assert copy(*to_sheets, "--to-location", "moving", env=env) == 0
        assert copy(*to_sheets, "--to-location", "moving", env=env) == 0  # nothing doubled in the sheet
        sheet_rows = len(emulator.values("moving", schema.ASB_REPORTS)) - 1
        from_sheets = ["--from", "gsheets", "--from-location", "moving", "--to", "postgres"]
        assert copy(*from_sheets, "--to-location", postgres_url, env=env) == 0

    back = tmp_path / "back.sqlite3"
    assert (
        copy(
            "--from",
            "postgres",
            "--from-location",
            postgres_url,
            "--to",
            "sqlite",
            "--to-location",
            str(back),
        )
        == 0
    )
    assert sheet_rows == len(sample_tables(120)[schema.ASB_REPORTS])
    assert_same_tables(SqliteStore(back).read_all(), SqliteStore(original.path).read_all())


def test_a_target_that_does_not_keep_every_row_fails_and_names_them(
    tmp_path, postgres_cluster, postgres_url, capsys
):
    original = filled_sqlite(tmp_path / "original.sqlite3")
    target = ["--to", "postgres", "--to-location", postgres_url]
    assert copy("--from", "sqlite", "--from-location", str(original.path), *target) == 0
    # Someone's trigger on the target silently throws away reports from Leominster.
    postgres_cluster.execute(
        f'DELETE FROM "{schema.ASB_REPORTS}" WHERE area = %s', ("Leominster",), url=postgres_url
    )
    postgres_cluster.execute(
        "CREATE FUNCTION drop_leominster() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.area = 'Leominster' THEN RETURN NULL; END IF; RETURN NEW; END $$",
        url=postgres_url,
    )
    postgres_cluster.execute(
        f'CREATE TRIGGER drop_leominster BEFORE INSERT ON "{schema.ASB_REPORTS}" '
        "FOR EACH ROW EXECUTE FUNCTION drop_leominster()",
        url=postgres_url,
    )
    capsys.readouterr()

    assert copy("--from", "sqlite", "--from-location", str(original.path), *target) == 1

    report = capsys.readouterr().err
    reports = rows_of(sample_tables(120)[schema.ASB_REPORTS])
    leominster = [row for row in reports if row["area"] == "Leominster"]
    assert leominster
    assert f"asb_reports: {len(reports):,} rows in the source" in report
    assert f"MISSING {len(leominster):,} of the source's rows" in report
    assert min(row["report_id"] for row in leominster) in report
    assert "does not hold every row of the source" in report


def test_copying_a_store_onto_itself_is_refused(tmp_path, capsys):
    path = str(tmp_path / "one.sqlite3")

    with pytest.raises(SystemExit) as stop:
        copy("--from", "sqlite", "--from-location", path, "--to", "sqlite", "--to-location", path)

    assert stop.value.code == 2
    assert "the same store" in capsys.readouterr().err
