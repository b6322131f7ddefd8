"""Copy every table from one store to another, for moving to PostgreSQL (or back):

    python -m hcsp_engage.storage.copy --from sqlite --to postgres
    python -m hcsp_engage.storage.copy --from gsheets --to postgres
    python -m hcsp_engage.storage.copy --from postgres --to sqlite --to-location data/backup.sqlite3

Each store is the configured one (HCSP_SQLITE_PATH, HCSP_DATABASE_URL, HCSP_GSHEETS_SPREADSHEET_ID and
the rest, from the environment or .streamlit/secrets.toml) unless ``--from-location`` or
``--to-location`` names another file, URL or spreadsheet. Rows are appended with the stores' own
idempotent appends, so running it twice (or again after it was stopped) adds nothing twice. At the end
every row of the source is looked for in the target by its key (``schema.row_key``); the command exits
1 and says which rows are missing when any is. Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from hcsp_engage import schema
from hcsp_engage.config import ConfigError, Settings, load_settings
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage import Store, open_store

KINDS = ("sqlite", "gsheets", "postgres")
# Rows sent in one append_many call: a few seconds' work for each store (one API call on Google Sheets).
BATCH_ROWS = 5_000
# Which setting a --from-location / --to-location replaces for each kind of store.
LOCATION_SETTING = {"sqlite": "sqlite_path", "gsheets": "gsheets_spreadsheet_id", "postgres": "database_url"}
SECRETS = Path(".streamlit/secrets.toml")


class Progress:
    """A plain-text progress bar on standard error: redrawn in place on a terminal, a line per tenth
    of each table otherwise (a log file gets no carriage returns)."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.live = self.stream.isatty()
        self._tenths_shown = -1

    def start(self, label: str) -> None:
        self._tenths_shown = -1
        self.label = label

    def update(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        tenths = int(share * 10)
        if not self.live and tenths == self._tenths_shown:
            return
        self._tenths_shown = tenths
        filled = int(share * self.WIDTH)
        line = f"{self.label:<17} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:>9,}/{total:,}"
        self.stream.write(f"\r{line}" if self.live else f"{line}\n")
        self.stream.flush()

    def finish(self, note: str) -> None:
        self.stream.write(f"{' ' if self.live else self.label + ' '}{note}\n")
        self.stream.flush()


@dataclass(frozen=True)
class TableCopied:
    table: str
    source_rows: int
    added: int
    target_rows: int
    missing: tuple[str, ...]  # keys of source rows not found in the target


def row_keys(table: str, frame: pd.DataFrame) -> set[str]:
    """The keys (``schema.row_key``) of a table's rows as read from a store."""
    if table not in schema.EVENT_TABLES:
        return set(frame[schema.ID_COLUMN[table]].astype(str))
    columns = [frame[column].astype(str) for column in schema.COLUMNS[table]]
    return {"\x1f".join(values) for values in zip(*columns, strict=True)}


def copy_tables(
    source: Store, target: Store, progress: Progress, batch_rows: int = BATCH_ROWS
) -> dict[str, int]:
    """Append every row of ``source`` to ``target``; how many were new, per table."""
    added = {}
    for table in schema.TABLES:
        frame = source.read(table)
        total = len(frame)
        progress.start(table)
        progress.update(0, total)
        added[table] = 0
        for start in range(0, total, batch_rows):
            rows = frame.iloc[start : start + batch_rows].astype(str).to_dict("records")
            added[table] += target.append_many(table, rows)
            progress.update(min(start + batch_rows, total), total)
        progress.finish(f"{added[table]:,} new")
    return added


def check(source: Store, target: Store, added: Mapping[str, int]) -> list[TableCopied]:
    """Every table's rows in source and target, and the source rows the target lacks."""
    results = []
    for table in schema.TABLES:
        wanted = row_keys(table, source.read(table))
        found = target.read(table)
        missing = wanted - row_keys(table, found)
        results.append(
            TableCopied(table, len(wanted), added.get(table, 0), len(found), tuple(sorted(missing)))
        )
    return results


def open_named(kind: str, settings: Settings, location: str | None) -> Store:
    """The store of ``kind``, at ``location`` or where the configuration says."""
    changes: dict[str, Any] = {"storage": kind}
    if location:
        changes[LOCATION_SETTING[kind]] = Path(location) if kind == "sqlite" else location
    chosen = dataclasses.replace(settings, **changes)
    if kind == "postgres" and not chosen.database_url:
        raise ConfigError(
            "Say which PostgreSQL database: HCSP_DATABASE_URL, [postgres] url or a --…-location URL."
        )
    if kind == "gsheets" and not chosen.gsheets_spreadsheet_id:
        raise ConfigError(
            "Say which spreadsheet: HCSP_GSHEETS_SPREADSHEET_ID, [gsheets] spreadsheet_id or a --…-location id."
        )
    return open_store(chosen)


def where(kind: str, settings: Settings, location: str | None) -> str:
    value = location or str(getattr(settings, LOCATION_SETTING[kind]))
    if kind == "postgres":  # never print a password
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(value)
        value = f"database {params.get('dbname', '?')} on {params.get('host', 'localhost')}"
    return f"{kind} ({value})"


def read_secrets(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hcsp_engage.storage.copy",
        description="Copy every table from one store to another; running it again adds nothing twice.",
    )
    parser.add_argument("--from", dest="source", choices=KINDS, required=True, help="the store to copy from")
    parser.add_argument("--to", dest="target", choices=KINDS, required=True, help="the store to copy to")
    location = "the SQLite file, PostgreSQL URL or spreadsheet id (default: the configured one)"
    parser.add_argument("--from-location", help=f"{location} to copy from")
    parser.add_argument("--to-location", help=f"{location} to copy to")
    parser.add_argument("--secrets", type=Path, default=SECRETS, help=f"secrets file (default {SECRETS})")
    args = parser.parse_args(argv)

    env = dict(os.environ if env is None else env)
    secrets = read_secrets(args.secrets)
    # The configured store does not matter here, only where each kind of store is; without this, a
    # configuration that names one store would be checked as if the app were to run on it.
    env.pop("HCSP_STORAGE", None)
    secrets = {**secrets, "hcsp": {k: v for k, v in (secrets.get("hcsp") or {}).items() if k != "storage"}}
    progress = Progress()
    try:
        settings = load_settings(secrets, env)
        source_name = where(args.source, settings, args.from_location)
        target_name = where(args.target, settings, args.to_location)
        if source_name == target_name:
            parser.error(f"the source and the target are the same store: {source_name}")
        source = open_named(args.source, settings, args.from_location)
        target = open_named(args.target, settings, args.to_location)
        print(f"Copying {source_name} to {target_name}", file=sys.stderr)
        added = copy_tables(source, target, progress)
        # Read back through a store opened afresh, as a server would, not one holding what it wrote.
        target.close()
        results = check(source, open_named(args.target, settings, args.to_location), added)
    except (ConfigError, StoreUnavailable, SchemaMismatch) as error:
        print(f"copy: {error}", file=sys.stderr)
        return 2
    failed = False
    for result in results:
        summary = (
            f"{result.table}: {result.source_rows:,} rows in the source, {result.target_rows:,} in the target "
            f"({result.added:,} added)"
        )
        if result.missing:
            failed = True
            shown = ", ".join(key.split("\x1f")[0] for key in result.missing[:5])
            summary += f"; MISSING {len(result.missing):,} of the source's rows, first: {shown}"
        print(summary, file=sys.stderr)
    if failed:
        print("copy: the target does not hold every row of the source (see MISSING above).", file=sys.stderr)
        return 1
    print("copy: every row of the source is in the target.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
