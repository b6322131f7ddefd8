"""Local snapshots of the tables as a store last read them, so that a restarted server carries on with
reading only the rows added since instead of reading every table again.

Without them the first visitor after a restart (a deploy, a crash) waited for every table to be read:
13 s at a million reports in SQLite, 14 s before the community map drew at 100,000 reports in Google
Sheets. Reading a snapshot back takes 0.04 s at 100,000 reports and responses (docs/performance.md).

Each table is one Arrow IPC (Feather) file, uncompressed: at 100,000 rows it read back in 0.04 s against
0.09 s with zstd and 0.15 s with lz4, for 31 MB against 6 and 13 MB. The file holds the table's own
columns as the store read them (no more than the store holds; it lives beside the data and the outbox)
and, in its metadata, what the store needs to check that the rows are still there and to read on from
the last one (the count, the last row's key or cells). A snapshot is ignored, with a log line, when it
cannot be read, was written by another snapshot format or schema version, belongs to another store,
spreadsheet or database file, or does not hold the table's columns. Whether its rows are still the
store's is each store's own check, the same one it makes between two reads in one process.

Files are written whole to a temporary name and renamed over the old one, in a background thread (the
latest frame of each table wins): a visitor never waits for a write, and a crash mid-write leaves the
previous snapshot. A snapshot is loaded memory-mapped, so the file it was loaded from keeps its disk
space after it is replaced or deleted until the store next reads that table whole (docs/deploy.md: room
for twice the snapshots); never edit or truncate one in place (delete the folder to drop them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from hcsp_engage import schema

log = logging.getLogger(__name__)

# Bump when the meaning of the files or of a store's state changes: older files are then ignored.
FORMAT = 1
METADATA_KEY = b"hcsp_snapshot"
# After a read that found new rows, a table's snapshot is written again at most this often (a whole read
# always writes one). At a million reports a write takes about a second of the background thread; a
# snapshot a minute behind costs a restart one read of that minute's rows.
EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Snapshot:
    """A table as a store last read it, and the store's own state for carrying on from it."""

    frame: pd.DataFrame
    state: dict[str, Any]
    saved_at: float  # wall-clock seconds


class Snapshots:
    """One store's snapshots: a file per table in ``folder``.

    ``location`` names the files (the database file's path, the spreadsheet's key), so each store has
    its own; ``identity`` is checked on loading (it may hold more, e.g. the database file's inode, so a
    file replaced at the same path is not taken for the old one).
    """

    def __init__(self, folder: Path | str, location: str, identity: Mapping[str, Any]):
        self.folder = Path(folder)
        self.identity = json.loads(json.dumps(dict(identity)))  # as it comes back from a file
        self._prefix = hashlib.sha256(location.encode()).hexdigest()[:16]
        self._pending: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
        self._writer: threading.Thread | None = None
        self._changed = threading.Condition()
        self._saved_at: dict[str, float] = {}  # monotonic, per table

    def path(self, table: str) -> Path:
        return self.folder / f"{self._prefix}-{table}.arrow"

    def load(self, table: str) -> Snapshot | None:
        """The table's snapshot, or None (logged) when there is none that can be used."""
        path = self.path(table)
        if not path.exists():
            return None
        try:
            # Memory-mapped: the frame's text is the file's own bytes, read from disk when a page first
            # touches it, and only the columns it touches (a restarted /board at a million rows read the
            # snapshots in 0.2 s instead of 0.4 s warm, 1.2 s from a cold disk). Files are replaced by a
            # rename, never changed in place, so a mapped file stays whole while its rows are in use.
            arrow = feather.read_table(path, memory_map=True)
            meta = json.loads((arrow.schema.metadata or {})[METADATA_KEY])
            problem = self._problem(table, meta, arrow)
            if problem:
                log.warning(
                    "Snapshot %s ignored: %s. The store reads the whole table instead.", path, problem
                )
                return None
            frame = arrow.to_pandas()
        except (OSError, pa.ArrowException, KeyError, ValueError, TypeError) as error:
            log.warning(
                "Snapshot %s ignored: it cannot be read (%s). The store reads the whole table instead.",
                path,
                error,
            )
            return None
        saved_at = float(meta["saved_at"])
        with self._changed:
            # A snapshot just loaded counts as written when it was: a restarted store that finds a few
            # new rows does not write it again at once, while the first visitor's page is running.
            self._saved_at.setdefault(table, time.monotonic() - max(time.time() - saved_at, 0.0))
        return Snapshot(frame, dict(meta["state"]), saved_at)

    def _problem(self, table: str, meta: Mapping[str, Any], arrow: pa.Table) -> str:
        """Why a snapshot read from a file cannot be used, or ""."""
        if meta.get("format") != FORMAT:
            return f"written in snapshot format {meta.get('format')!r}, not {FORMAT}"
        if meta.get("schema_version") != schema.SCHEMA_VERSION:
            return f"written for schema version {meta.get('schema_version')!r}, not {schema.SCHEMA_VERSION}"
        if meta.get("table") != table:
            return f"it holds the table {meta.get('table')!r}"
        if meta.get("identity") != self.identity:
            return f"it belongs to another store ({meta.get('identity')!r}, not {self.identity!r})"
        if list(arrow.column_names) != list(schema.COLUMNS[table]):
            return f"its columns are {arrow.column_names}, not {list(schema.COLUMNS[table])}"
        if meta.get("rows") != arrow.num_rows or not isinstance(meta.get("state"), dict):
            return "it is incomplete"
        return ""

    def due(self, table: str) -> bool:
        """Whether a read that found new rows should write the table's snapshot again now."""
        with self._changed:
            saved = self._saved_at.get(table)
        return saved is None or time.monotonic() - saved >= EVERY_SECONDS

    def save(self, table: str, frame: pd.DataFrame, state: Mapping[str, Any]) -> None:
        """Write the table's snapshot in the background (frames are not changed in place: a store hands
        out copies and builds a new frame for new rows)."""
        with self._changed:
            self._pending[table] = (frame, json.loads(json.dumps(dict(state))))
            self._saved_at[table] = time.monotonic()
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_pending, name="hcsp-snapshots", daemon=True
                )
                self._writer.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every snapshot asked for is written (tests, the benchmark); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._writer is None, timeout)

    def _write_pending(self) -> None:
        while True:
            with self._changed:
                if not self._pending:
                    self._writer = None
                    self._changed.notify_all()
                    return
                table, (frame, state) = self._pending.popitem()
            try:
                self._write(table, frame, state)
            except Exception as error:  # a full disk, say: the app works on; a restart reads everything
                log.warning("Snapshot of %s not written: %s", table, error)

    def _write(self, table: str, frame: pd.DataFrame, state: dict[str, Any]) -> None:
        meta = {
            "format": FORMAT,
            "schema_version": schema.SCHEMA_VERSION,
            "table": table,
            "identity": self.identity,
            "rows": len(frame),
            "saved_at": time.time(),
            "state": state,
        }
        arrow = pa.Table.from_pandas(frame[list(schema.COLUMNS[table])], preserve_index=False)
        arrow = arrow.replace_schema_metadata(
            {**(arrow.schema.metadata or {}), METADATA_KEY: json.dumps(meta).encode()}
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(table)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            feather.write_feather(arrow, temporary, compression="uncompressed")
            with temporary.open("rb") as handle:  # on disk before the rename makes it the snapshot
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)


def content_key(*parts: Any) -> str:
    """A digest of ``parts`` by their repr: what a saved result was worked out from. The callers give
    the publication's day, the versions of the rows it counts (``storage.table_version``, the key of the
    same result in memory) and the settings: digesting the rows themselves took 0.5 to 0.9 s of a
    restarted server's first visit at a million rows (docs/performance.md)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


class SavedResult:
    """One result worked out from the tables (the public map's publication, the Board's), kept in the
    snapshot folder with the ``content_key`` of what it was worked out from, so that a restarted server
    whose tables give the same key loads it instead of working it out again (0.35 to 0.6 s of the first
    visit to /map after a restart at 100,000 reports, seconds for /board: docs/performance.md).

    One file a name, replaced by each save: a result for other rows is never taken for this one, and
    old ones do not pile up. The file is a pickle written by the app into its own private data folder,
    as the snapshots are; one that cannot be read is ignored with a log line."""

    def __init__(self, folder: Path | str, name: str):
        self.path = Path(folder) / f"{name}.pickle"

    def load(self, key: str) -> Any | None:
        try:
            with self.path.open("rb") as handle:
                saved = pickle.load(handle)  # noqa: S301 - written by this app into its own data folder
        except FileNotFoundError:
            return None
        except Exception as error:  # a damaged or older file: work it out again
            log.warning("Saved result %s ignored: it cannot be read (%s)", self.path, error)
            return None
        if not isinstance(saved, dict) or saved.get("format") != FORMAT or saved.get("key") != key:
            return None
        return saved.get("value")

    def save(self, key: str, value: Any) -> None:
        """Write the result (a failure is logged: the app works on, a restart works it out again)."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as handle:
                pickle.dump({"format": FORMAT, "key": key, "value": value}, handle, protocol=5)
            os.replace(temporary, self.path)
        except Exception as error:
            log.warning("Saved result %s not written: %s", self.path, error)
        finally:
            temporary.unlink(missing_ok=True)
