"""Google Sheets storage through gspread (docs/design.md section 5: one worksheet per table, row 1 the header).

How this backend keeps answers safe and pages quick:

- One API call per submission once warm: a RAW ``values.append`` with ``INSERT_ROWS`` from ``A1``. The
  API's default (OVERWRITE, with table detection) lets two appends at the same moment land on the same
  row; INSERT_ROWS gives each its own new row. The answer's ``updatedRange`` is checked.
- Reads fetch every worksheet with ``values.batchGet``: one call while the sheets are small, and in
  bounded pieces of rows (at most ``read_chunk_cells`` cells a call) once they are large, so no single
  request outlasts its timeout. Every write is an append (docs/design.md section 5), so later reads ask only
  for the rows from the last one read onwards (one call), checking that row is unchanged; the whole
  sheet is read again every ``full_read_seconds`` (to see changes made by hand) or when that row
  moved. Reads are cached for a few seconds; the store's own write drops the cache so a resident sees
  their own answer counted.
- Every request has a timeout, and each operation a total budget (15 s by default): 429, 5xx, timeouts
  and dropped connections are retried with exponential backoff and jitter inside it, then
  ``StoreUnavailable`` is raised and the caller queues the row in the outbox.
- No duplicate rows: when a write's outcome is unknown (a timeout, a 5xx, a dropped connection), the
  sheet is read and the row's key looked for before the row is sent again. Reads drop repeated keys too.
- Worksheets are created with their header on first use. A header that is not ours is refused
  (``SchemaMismatch``); an older header that is a prefix of ours gets the new columns added at its end.
"""

from __future__ import annotations

import functools
import itertools
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import requests
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials, Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient, ParamsType

from hcsp_engage import schema
from hcsp_engage.config import GOOGLE_SHEETS_ENDPOINT, ConfigError, Settings, is_loopback_url
from hcsp_engage.errors import SchemaMismatch, StoreUnavailable
from hcsp_engage.storage.base import Store, drop_repeated_keys, to_frame, with_stored_dtypes
from hcsp_engage.storage.snapshot import Snapshots

log = logging.getLogger(__name__)

# Read and write this one spreadsheet's cells, nothing in Drive.
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# A read asks for at most this many cells in one call (about 12 MB of JSON): at 100,000 reports and
# 100,000 responses (4.3 million cells) that is 9 calls, each answered within the read timeout, where
# one call for everything outlasted it. Google counts each call against 60 reads a minute per user.
READ_CHUNK_CELLS = 500_000
# The last piece of each sheet has no end row, to take in rows appended since the last read (by another
# server process, say); it is counted as this many rows when pieces are packed into calls.
TAIL_ROWS = 500
# How long the sheets' lengths learnt from a read guide the next read's pieces; after that (or when a
# piece falls outside a sheet because rows were deleted) the store asks for the sheets' sizes first.
EXTENTS_MAX_AGE_SECONDS = 300.0
# Between full reads, a read asks only for rows added since the last one. A full read every few minutes
# picks up what a person changed by hand above the last row (the app itself only appends).
FULL_READ_SECONDS = 300.0

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Timeouts and retries for each store operation (a read, or one submission)."""

    connect_timeout: float = 3.05
    read_timeout: float = 6.0
    # A page never waits longer than this for the store, retries included.
    budget_seconds: float = 15.0
    first_delay: float = 0.5
    max_delay: float = 4.0
    # After giving up, later calls fail at once for this long instead of each waiting out the budget
    # again: pages say "try again shortly" straight away and submissions go to the outbox.
    rest_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter, so many sessions retrying together spread out."""
        ceiling = min(self.max_delay, self.first_delay * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class _Budget:
    policy: RetryPolicy
    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self) -> tuple[float, float]:
        left = max(self.remaining(), 0.05)
        return min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left)


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client, sent to ``endpoint`` (Google, or a local emulator) with a timeout on
    every request taken from the running operation's budget."""

    def __init__(self, auth: Credentials, session: requests.Session | None = None, *, endpoint: str = ""):
        super().__init__(auth, session)
        self.endpoint = (endpoint or GOOGLE_SHEETS_ENDPOINT).rstrip("/")
        self.budget = threading.local()

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Any = None,
    ) -> requests.Response:
        if endpoint.startswith(GOOGLE_SHEETS_ENDPOINT):
            endpoint = self.endpoint + endpoint[len(GOOGLE_SHEETS_ENDPOINT) :]
        budget: _Budget | None = getattr(self.budget, "current", None)
        response = self.session.request(
            method=method,
            url=endpoint,
            json=json,
            params=params,
            data=data,
            files=files,
            headers=headers,
            timeout=budget.timeout() if budget else (RetryPolicy.connect_timeout, RetryPolicy.read_timeout),
        )
        if response.ok:
            return response
        raise APIError(response)


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


_UPDATED_RANGE = re.compile(
    r"^(?P<title>'(?:[^']|'')*'|[^!]+)!(?P<column>[A-Z]+)(?P<row>\d+)(?::[A-Z]+(?P<end>\d+))?$"
)


def _read_plan(
    extents: Mapping[str, int], max_cells: int, tables: Iterable[str] = schema.TABLES
) -> list[list[tuple[str, int, int | None]]]:
    """The calls a read makes: each a list of (table, first row, last row or None for "to the end").

    ``extents`` is each sheet's last row known to be there (1 for a header alone). Rows 2 to that row are
    split into bounded pieces; each sheet's last piece starts at that row and runs to the end of the
    sheet, so rows added since are read too. Pieces are packed into calls of at most ``max_cells``.
    """
    calls: list[list[tuple[str, int, int | None]]] = []
    current: list[tuple[str, int, int | None]] = []
    room = max_cells
    for table in tables:
        width = len(schema.COLUMNS[table])
        last = max(extents.get(table, 1), 1)
        start = 2
        while start < last:
            rows = min(last - start, max(room // width, 0 if current else 1))
            if rows <= 0:
                calls.append(current)
                current, room = [], max_cells
                continue
            current.append((table, start, start + rows - 1))
            room -= rows * width
            start += rows
        if current and room < width * TAIL_ROWS:
            calls.append(current)
            current, room = [], max_cells
        current.append((table, last, None))
        room -= width * TAIL_ROWS
    calls.append(current)
    return calls


def _piece_range(table: str, first: int, last: int | None) -> str:
    columns = f"A{first}:{_column_letters(len(schema.COLUMNS[table]) - 1)}"
    return f"{_quoted(table)}!{columns}{'' if last is None else last}"


def _text_frame(table: str, rows: list[list[Any]]) -> pd.DataFrame:
    """Rows as the API answers them (trailing empty cells left out) as a frame of "str" columns.

    Turned into columns in C (``zip_longest``) and straight into Arrow strings: at 100,000 rows about
    four times faster than padding every row and building the frame from Python lists.
    """
    columns = schema.COLUMNS[table]
    cells = list(itertools.zip_longest(*rows, fillvalue=""))
    blank = None
    data = {}
    for index, column in enumerate(columns):
        if index < len(cells):
            values = cells[index]
            try:
                array = pa.array(values, type=pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # a number, from a sheet edited by hand
                array = pa.array([str(value) for value in values], type=pa.large_string())
            if array.null_count:
                array = pc.fill_null(array, "")
        else:
            blank = blank if blank is not None else pa.array([""] * len(rows), type=pa.large_string())
            array = blank
        data[column] = pd.Series(array, dtype="str")
    return pd.DataFrame(data)


def _keys(table: str, frame: pd.DataFrame) -> set[str]:
    """``schema.row_key`` of every row, computed by column."""
    if table in schema.EVENT_TABLES:
        return set(
            map("\x1f".join, zip(*(frame[column].tolist() for column in schema.COLUMNS[table]), strict=True))
        )
    return set(frame[schema.ID_COLUMN[table]].tolist())


@dataclass(frozen=True)
class _Known:
    """A sheet as last read: its rows below the header (text, repeated keys kept), the number of its last
    row holding data and that row's cells, and when the whole sheet was last read."""

    text: pd.DataFrame
    extent: int
    last: list[Any]
    full_read_at: float


class _GridChanged(StoreUnavailable):
    """A piece of a read fell outside a worksheet's grid: rows were deleted since the last read."""


class _Retry(Exception):
    """A failure worth retrying; ``unknown`` when a write may or may not have been made."""

    def __init__(self, reason: str, unknown: bool):
        super().__init__(reason)
        self.reason = reason
        self.unknown = unknown


class SheetsStore(Store):
    name = "gsheets"

    def __init__(
        self,
        spreadsheet_id: str,
        credentials: Credentials | None = None,
        *,
        endpoint: str = "",
        policy: RetryPolicy | None = None,
        cache_seconds: float = 10.0,
        read_chunk_cells: int = READ_CHUNK_CELLS,
        full_read_seconds: float = FULL_READ_SECONDS,
        snapshot_dir: Path | str | None = None,
    ):
        """``snapshot_dir``: where to keep snapshots of the sheets as read (storage.snapshot), so that a
        new store (a restarted server) within ``full_read_seconds`` of the last whole read asks only for
        the rows added since; None for none."""
        if endpoint and not is_loopback_url(endpoint):
            raise ConfigError(
                f"The Sheets endpoint {endpoint!r} must be a local emulator (a loopback address)."
            )
        if credentials is None:
            if not endpoint:
                raise ConfigError("Google Sheets needs service-account credentials.")
            credentials = AnonymousCredentials()  # a local emulator needs none
        self.spreadsheet_id = spreadsheet_id
        self.policy = policy or RetryPolicy()
        self.cache_seconds = cache_seconds
        self.read_chunk_cells = read_chunk_cells
        self.full_read_seconds = full_read_seconds
        self._http = SheetsHTTPClient(credentials, endpoint=endpoint)
        self._lock = threading.Lock()
        self._prepare_lock = threading.Lock()
        self._prepared = False
        self._cache: tuple[float, dict[str, pd.DataFrame]] | None = None
        self._generation = 0  # bumped by every write, so a read begun before it is not cached
        self._seen: dict[str, set[str]] = {}  # keys in each sheet when it was last read
        self._written: dict[str, set[str]] = {table: set() for table in schema.TABLES}
        # Tables with a write of unknown outcome, and when it was marked: a read clears only the marks
        # made before it began (a write that failed during the read may not be in what it fetched).
        self._uncertain: dict[str, int] = {}
        self._marks = 0
        self._down_until = 0.0  # after an outage, fail fast until then
        # Each sheet's last row known to be there, and when that was learnt: plans the next read's pieces.
        self._extents: dict[str, int] = {}
        self._extents_at = 0.0
        self._known: dict[str, _Known] = {}  # what the last read found, for reading only what is new
        self._sheet_ids: dict[str, int] = {}  # a worksheet deleted and made again gets a new id
        self.snapshots: Snapshots | None = None
        self._snapshot_tried: set[str] = set()
        self._snapshot_of: dict[str, tuple[int, float]] = {}  # (extent, full_read_at) last snapshotted
        if snapshot_dir is not None:
            where = endpoint.rstrip("/") or GOOGLE_SHEETS_ENDPOINT
            self.snapshots = Snapshots(
                snapshot_dir,
                f"gsheets:{where}/{spreadsheet_id}",
                {"store": "gsheets", "endpoint": where, "spreadsheet_id": spreadsheet_id},
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> SheetsStore:
        """The store the configuration describes: an emulator (no credentials) or Google with a
        service account from secrets or from a key file."""
        if settings.gsheets_endpoint:
            return cls(
                settings.gsheets_spreadsheet_id,
                endpoint=settings.gsheets_endpoint,
                snapshot_dir=settings.snapshot_dir,
            )
        from google.oauth2.service_account import Credentials as ServiceAccount

        try:
            if settings.gsheets_service_account_info:
                credentials = ServiceAccount.from_service_account_info(
                    dict(settings.gsheets_service_account_info), scopes=[SHEETS_SCOPE]
                )
            elif settings.gsheets_service_account_file:
                credentials = ServiceAccount.from_service_account_file(
                    settings.gsheets_service_account_file, scopes=[SHEETS_SCOPE]
                )
            else:
                raise ConfigError(
                    "Google Sheets storage needs a service account: set HCSP_GSHEETS_SERVICE_ACCOUNT_FILE "
                    "or add a [gsheets.service_account] table to secrets."
                )
        except (OSError, ValueError, KeyError) as error:
            where = settings.gsheets_service_account_file or "[gsheets.service_account] in secrets"
            raise ConfigError(
                f"The Google service account in {where} cannot be used ({error}). Paste the whole JSON key "
                "file that Google Cloud gave you for the service account."
            ) from error
        return cls(settings.gsheets_spreadsheet_id, credentials, snapshot_dir=settings.snapshot_dir)

    # --- the Store interface ---------------------------------------------------------------------------

    def append(self, table: str, row: Mapping[str, str]) -> bool:
        return self.append_many(table, [row]) == 1

    def append_many(self, table: str, rows: Iterable[Mapping[str, str]]) -> int:
        """Append the rows not stored yet in ONE call (seed data, imports); returns how many were new."""
        columns = schema.COLUMNS[table]
        batch: dict[str, list[str]] = {}
        for row in rows:
            batch.setdefault(schema.row_key(table, row), [str(row.get(column, "")) for column in columns])
        with self._operation() as budget:
            self._ensure_prepared(budget)
            if table not in self._seen or table in self._uncertain:
                self._read_sheets(budget, [table])  # what is there already? (this sheet only)
            new = {key: cells for key, cells in batch.items() if not self._is_stored(table, key)}
            pending = dict(new)
            attempt, maybe_written = 0, False
            while pending:
                send = functools.partial(
                    self._http.values_append,
                    self.spreadsheet_id,
                    f"{_quoted(table)}!A1",
                    {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                    {"majorDimension": "ROWS", "values": list(pending.values())},
                )
                try:
                    answer = self._call(send)
                except _Retry as problem:
                    if problem.unknown:
                        maybe_written = True
                        self._mark_uncertain(table)  # if we give up, the next append checks first
                    self._pause(budget, attempt, problem.reason)
                    attempt += 1
                    if maybe_written:
                        self._read_sheets(budget, [table])  # did the last attempt land after all?
                        maybe_written = False
                        self._remember_writes(table, [key for key in pending if self._is_stored(table, key)])
                        pending = {
                            key: cells for key, cells in pending.items() if not self._is_stored(table, key)
                        }
                    continue
                self._check_updated_range(table, answer, len(pending))
                self._remember_writes(table, list(pending))
                pending = {}
            return len(new)

    def read_all(self) -> dict[str, pd.DataFrame]:
        with self._lock:
            cached = self._cache
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return {table: frame.copy() for table, frame in cached[1].items()}
        with self._operation() as budget:
            self._ensure_prepared(budget)
            frames = self._read_sheets(budget)
        return {table: frame.copy() for table, frame in frames.items()}

    def forget_cache(self) -> None:
        with self._lock:
            self._cache = None

    def close(self) -> None:
        self._http.session.close()

    # --- operations and retries ------------------------------------------------------------------------

    @contextmanager
    def _operation(self) -> Iterator[_Budget]:
        """One budget for everything a call does; nested operations share the outer one."""
        current = getattr(self._http.budget, "current", None)
        if current is not None:
            yield current
            return
        resting = self._down_until - time.monotonic()
        if resting > 0:
            raise StoreUnavailable(
                f"Google Sheets was not available a moment ago; the app tries again in {resting:.0f} s."
            )
        budget = _Budget(self.policy, time.monotonic() + self.policy.budget_seconds)
        self._http.budget.current = budget
        try:
            yield budget
        finally:
            self._http.budget.current = None

    def _call(self, request: Callable[[], T]) -> T:
        """Make one request, turning failures into ``_Retry`` (worth another go) or ``StoreUnavailable``."""
        try:
            return request()
        except APIError as error:
            status = error.response.status_code
            message = error.error.get("message", "") if isinstance(error.error, dict) else str(error)
            if status in RETRYABLE_STATUS:
                # A 429 was refused before anything was written; a 5xx may have been written.
                raise _Retry(f"Google Sheets answered {status}: {message}", unknown=status != 429) from error
            if status in (403, 404):
                raise StoreUnavailable(
                    f"Google Sheets cannot open the spreadsheet {self.spreadsheet_id!r} ({status}: {message}). "
                    "Check the key, and that the sheet is shared with the service account's email as an Editor."
                ) from error
            if status == 400 and "Unable to parse range" in message:
                self._prepared = False  # a worksheet was deleted or renamed: set up again next time
            if status == 400 and "exceeds grid limits" in message:
                raise _GridChanged(f"Google Sheets refused the request ({status}): {message}") from error
            raise StoreUnavailable(f"Google Sheets refused the request ({status}): {message}") from error
        except requests.ConnectTimeout as error:
            raise _Retry(f"Google Sheets could not be reached: {error}", unknown=False) from error
        except (requests.Timeout, requests.ConnectionError) as error:
            raise _Retry(f"Google Sheets did not answer: {error}", unknown=True) from error
        except auth_exceptions.TransportError as error:
            raise _Retry(f"Google sign-in could not be reached: {error}", unknown=False) from error
        except auth_exceptions.RefreshError as error:
            if getattr(error, "retryable", False):  # Google's sign-in service had a passing fault
                raise _Retry(f"Google sign-in failed for now: {error}", unknown=False) from error
            raise StoreUnavailable(f"Google refused the service account's credentials: {error}") from error

    def _pause(self, budget: _Budget, attempt: int, reason: str) -> None:
        """Wait before the next attempt, or give up when the budget would run out."""
        delay = self.policy.delay(attempt)
        if budget.remaining() - delay < 0.1:
            self._down_until = time.monotonic() + self.policy.rest_seconds
            raise StoreUnavailable(
                f"Google Sheets is not available at the moment (gave up after {attempt + 1} attempts): {reason}"
            )
        time.sleep(delay)

    def _with_retries(self, budget: _Budget, request: Callable[[], T]) -> T:
        """Retry a request that is safe to repeat (reads, set-up) within the budget."""
        attempt = 0
        while True:
            try:
                return self._call(request)
            except _Retry as problem:
                self._pause(budget, attempt, problem.reason)
                attempt += 1

    # --- reading ---------------------------------------------------------------------------------------

    def _read_sheets(self, budget: _Budget, tables: Iterable[str] = schema.TABLES) -> dict[str, pd.DataFrame]:
        """The worksheets: only their new rows when that is safe (one call), otherwise all their rows in
        as few bounded calls as their size allows. Refreshes the keys known to be stored, and the cache
        when every sheet was read."""
        tables = list(tables)
        with self._lock:
            generation, marks = self._generation, self._marks
        self._restore_from_snapshots(tables)
        try:
            texts = self._read_new_rows(budget, tables)
            fresh_extents = False
        except _GridChanged:
            texts, fresh_extents = None, True
        if texts is None:
            try:
                texts = self._read_whole(budget, tables, fresh_extents)
            except _GridChanged:
                texts = self._read_whole(budget, tables, fresh_extents=True)
        frames, seen = {}, {}
        for table in tables:
            text = texts[table]
            frames[table] = drop_repeated_keys(table, text) if len(text) else to_frame(table, [])
            seen[table] = _keys(table, frames[table])
        # The dtypes every backend reads (repeating answers as categoricals): see storage.base.
        frames = {table: with_stored_dtypes(table, frame) for table, frame in frames.items()}
        with self._lock:
            self._seen.update(seen)
            for table in [
                table for table, mark in self._uncertain.items() if table in seen and mark <= marks
            ]:
                del self._uncertain[table]
            if generation == self._generation and len(frames) == len(schema.TABLES):
                self._cache = (time.monotonic(), frames)
        self._save_snapshots(tables)
        return frames

    def _restore_from_snapshots(self, tables: list[str]) -> None:
        """Take each sheet not read yet in this process from its snapshot, when that was written by a
        whole read less than ``full_read_seconds`` ago (wall clock) of the same worksheet: the next
        read then asks only for the rows after the snapshot's last row, with the checks it makes
        between two reads in one process, and the whole sheet is read when the snapshot's whole read
        is ``full_read_seconds`` old, as it would have been without the restart."""
        if self.snapshots is None:
            return
        with self._lock:
            wanted = [
                table for table in tables if table not in self._known and table not in self._snapshot_tried
            ]
            self._snapshot_tried.update(wanted)
        for table in wanted:
            snapshot = self.snapshots.load(table)
            if snapshot is None:
                continue
            try:
                state = snapshot.state
                age = time.time() - float(state["full_read_at"])
                known = _Known(
                    snapshot.frame.astype("str"),
                    int(state["extent"]),
                    list(state["last"]),
                    time.monotonic() - age,
                )
                sheet_id = state["sheet_id"]
            except (KeyError, TypeError, ValueError) as error:
                log.warning(
                    "Snapshot of %s ignored: its state is not what this version writes (%s)", table, error
                )
                continue
            if sheet_id is None or sheet_id != self._sheet_ids.get(table):
                log.warning("Snapshot of %s ignored: the worksheet is not the one it was read from", table)
                continue
            if not 0 <= age < self.full_read_seconds:
                log.info(
                    "Snapshot of %s not used: its whole read is %.0f s old, so the sheet is read whole",
                    table,
                    age,
                )
                continue
            with self._lock:
                if table not in self._known:
                    self._known[table] = known
                    self._snapshot_of[table] = (known.extent, known.full_read_at)

    def _save_snapshots(self, tables: list[str]) -> None:
        """Snapshot the sheets after a whole read, and after reads of new rows now and then."""
        if self.snapshots is None:
            return
        with self._lock:
            known = {table: self._known[table] for table in tables if table in self._known}
            saved = dict(self._snapshot_of)
        for table, item in known.items():
            whole = saved.get(table, (None, None))[1] != item.full_read_at
            if saved.get(table) == (item.extent, item.full_read_at):
                continue
            if not (whole or self.snapshots.due(table)):
                continue
            state = {
                "extent": item.extent,
                "last": item.last,
                # Wall-clock time of the whole read the rows since came on top of: a restart keeps the
                # five-minute rule for changes made by hand above the last row.
                "full_read_at": time.time() - (time.monotonic() - item.full_read_at),
                "sheet_id": self._sheet_ids.get(table),
            }
            self.snapshots.save(table, item.text, state)
            with self._lock:
                self._snapshot_of[table] = (item.extent, item.full_read_at)

    def _read_new_rows(self, budget: _Budget, tables: list[str]) -> dict[str, pd.DataFrame] | None:
        """Every sheet's rows as last read plus the rows added since, in one call; None when a whole
        read is due: a sheet not read yet, a full read older than ``full_read_seconds``, or a last row
        that is no longer where it was (rows deleted, inserted or edited by hand)."""
        with self._lock:
            known = {table: self._known.get(table) for table in tables}
        now = time.monotonic()
        if any(item is None or now - item.full_read_at >= self.full_read_seconds for item in known.values()):
            return None
        answer = self._with_retries(
            budget,
            functools.partial(
                self._http.values_batch_get,
                self.spreadsheet_id,
                [_piece_range(table, known[table].extent, None) for table in tables],
                params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
            ),
        )
        texts, updated = {}, {}
        for table, value_range in zip(tables, answer.get("valueRanges", []), strict=True):
            item = known[table]  # from row 1 when only the header was there: all of the sheet
            values = value_range.get("values", [])
            if item.extent > 1 and (not values or values[0] != item.last):
                return None  # the last row read is not where it was: read the whole sheet again
            rows = [row for number, row in enumerate(values[1:], item.extent + 1) if row and number > 1]
            text = pd.concat([item.text, _text_frame(table, rows)], ignore_index=True) if rows else item.text
            texts[table] = text
            extent = max(item.extent + len(values) - 1, item.extent)
            updated[table] = _Known(text, extent, values[-1] if values else item.last, item.full_read_at)
        with self._lock:
            self._known.update(updated)
            self._extents = {**self._extents, **{table: item.extent for table, item in updated.items()}}
        return texts

    def _read_whole(self, budget: _Budget, tables: list[str], fresh_extents: bool) -> dict[str, pd.DataFrame]:
        """Every row of the sheets below their header, as text, read in bounded pieces."""
        if (
            fresh_extents
            or not self._extents
            or time.monotonic() - self._extents_at > EXTENTS_MAX_AGE_SECONDS
        ):
            self._measure_sheets(budget)
        started = time.monotonic()
        pieces: dict[str, list[pd.DataFrame]] = {table: [] for table in tables}
        extents = {table: 1 for table in tables}
        last_rows: dict[str, list[Any]] = {}
        for call in _read_plan(self._extents, self.read_chunk_cells, tables):
            answer = self._with_retries(
                budget,
                functools.partial(
                    self._http.values_batch_get,
                    self.spreadsheet_id,
                    [_piece_range(table, first, last) for table, first, last in call],
                    # Values are written RAW, so their text comes back as written: "0123" stays "0123".
                    params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
                ),
            )
            for (table, first, _), value_range in zip(call, answer.get("valueRanges", []), strict=True):
                values = value_range.get("values", [])
                rows = [row for number, row in enumerate(values, first) if row and number > 1]
                if rows:
                    pieces[table].append(_text_frame(table, rows))
                if values and first + len(values) - 1 >= extents[table]:
                    extents[table], last_rows[table] = first + len(values) - 1, values[-1]
        texts = {
            table: (
                _text_frame(table, [])
                if not parts
                else parts[0]
                if len(parts) == 1
                else pd.concat(parts, ignore_index=True)
            )
            for table, parts in pieces.items()
        }
        with self._lock:
            self._extents = {**self._extents, **extents}
            if len(tables) == len(schema.TABLES):
                self._extents_at = time.monotonic()
            for table in tables:
                self._known[table] = _Known(texts[table], extents[table], last_rows.get(table, []), started)
        return texts

    def _measure_sheets(self, budget: _Budget) -> None:
        """Ask how many rows each worksheet has (one small call)."""
        metadata = self._with_retries(
            budget,
            lambda: self._http.fetch_sheet_metadata(
                self.spreadsheet_id, params={"includeGridData": "false", "fields": "sheets.properties"}
            ),
        )
        self._remember_extents(metadata)
        missing = [table for table in schema.TABLES if table not in self._extents]
        if missing:
            self._prepared = False  # set up again on the next try
            raise StoreUnavailable(
                f"The worksheet {missing[0]!r} is missing from the spreadsheet; the app creates it again "
                "on the next try."
            )

    def _remember_extents(self, metadata: Mapping[str, Any]) -> None:
        extents, sheet_ids = {}, {}
        for sheet in metadata.get("sheets", []):
            properties = sheet.get("properties", {})
            if properties.get("title") in schema.COLUMNS:
                extents[properties["title"]] = int(properties.get("gridProperties", {}).get("rowCount", 1))
                if "sheetId" in properties:
                    sheet_ids[properties["title"]] = properties["sheetId"]
        with self._lock:
            self._extents, self._extents_at = extents, time.monotonic()
            self._sheet_ids = sheet_ids

    def _is_stored(self, table: str, key: str) -> bool:
        with self._lock:
            return key in self._written[table] or key in self._seen.get(table, ())

    def _mark_uncertain(self, table: str) -> None:
        with self._lock:
            self._marks += 1
            self._uncertain[table] = self._marks

    def _remember_writes(self, table: str, keys: list[str]) -> None:
        if not keys:
            return
        with self._lock:
            self._written[table].update(keys)
            self._generation += 1
            self._cache = None

    def _check_updated_range(self, table: str, answer: Mapping[str, Any], rows: int) -> None:
        updated = str(answer.get("updates", {}).get("updatedRange", ""))
        match = _UPDATED_RANGE.match(updated)
        title = match and match.group("title")
        if title and title.startswith("'"):
            title = title[1:-1].replace("''", "'")
        if (
            not match
            or title != table
            or match.group("column") != "A"
            or int(match.group("row")) < 2
            or int(match.group("end") or match.group("row")) - int(match.group("row")) + 1 != rows
        ):
            self._mark_uncertain(table)
            raise StoreUnavailable(
                f"Google Sheets reported writing to {updated!r}, not to {rows} new row(s) of {table!r}. "
                "Check that worksheet for stray cells beside or below the data."
            )

    # --- worksheets and headers ------------------------------------------------------------------------

    def _ensure_prepared(self, budget: _Budget) -> None:
        if self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                self._with_retries(budget, self._prepare)
                self._prepared = True

    def _prepare(self, attempts_left: int = 2) -> None:
        """Create missing worksheets with their header, check the others' headers (a few calls, once)."""
        metadata = self._http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": "sheets.properties"}
        )
        titles = {sheet["properties"]["title"] for sheet in metadata.get("sheets", [])}
        missing = [table for table in schema.TABLES if table not in titles]
        # The sheets' sizes plan the first read; a new sheet holds only its header.
        self._remember_extents(metadata)
        self._extents.update({table: 1 for table in missing})
        if missing:
            try:
                self._http.batch_update(
                    self.spreadsheet_id,
                    {"requests": [{"addSheet": {"properties": {"title": table}}} for table in missing]},
                )
            except APIError as error:
                # Another session (or a retried request) created it first: look again.
                if error.response.status_code == 400 and "already exists" in str(error) and attempts_left:
                    return self._prepare(attempts_left - 1)
                raise
        existing = [table for table in schema.TABLES if table in titles]
        headers: dict[str, list[str]] = {table: [] for table in missing}
        if existing:
            answer = self._http.values_batch_get(
                self.spreadsheet_id,
                [f"{_quoted(table)}!1:1" for table in existing],
                params={"valueRenderOption": "FORMATTED_VALUE"},
            )
            for table, value_range in zip(existing, answer.get("valueRanges", []), strict=True):
                headers[table] = [str(cell) for cell in (value_range.get("values") or [[]])[0]]
        writes = []
        for table, header in headers.items():
            columns = list(schema.COLUMNS[table])
            while header and header[-1] == "":
                header.pop()
            if header[: len(columns)] == columns:
                continue  # ours, perhaps with columns a later version added
            if columns[: len(header)] != header:
                raise SchemaMismatch(
                    f"The worksheet {table!r} in the spreadsheet has the header {header}, but this app "
                    f"writes {columns}. Rename that worksheet (the app then creates a new one) or fix its "
                    "first row."
                )
            # Empty, or written by an older version: add the new columns at the end, never reorder.
            writes.append(
                {
                    "range": f"{_quoted(table)}!{_column_letters(len(header))}1",
                    "values": [columns[len(header) :]],
                }
            )
        if writes:
            self._http.values_batch_update(self.spreadsheet_id, {"valueInputOption": "RAW", "data": writes})
        return None
