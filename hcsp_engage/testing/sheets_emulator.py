"""A local Google Sheets API v4 emulator for tests, benchmarks and offline development.

It is a real HTTP server (127.0.0.1, a free port) that answers the requests gspread 6 sends:
spreadsheet metadata, values get/batchGet/update/batchUpdate/append/clear/batchClear, and batchUpdate
with addSheet, deleteSheet, updateSheetProperties, insertDimension and deleteDimension. Errors carry
Google's JSON error bodies. ``tests/test_sheets_emulator.py`` replays exchanges recorded from Google
against it, so its answers stay true to the real API.

Faults can be injected to test what the app does when Google misbehaves::

    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("sheet-key")
        emulator.inject("503", times=2, path_contains=":append")
        ...

Known simplifications: formulas are evaluated only for plain arithmetic, numbers are formatted with
Python's shortest representation (Google's "General" format), and cell formatting is not kept.
"""

from __future__ import annotations

import ast
import contextlib
import json
import operator
import random
import re
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FAULTS = ("429", "500", "503", "hang", "lost_response")
HANG_LIMIT_SECONDS = 60.0
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26

_ERROR_STATUS = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_FAULT_MESSAGES = {
    429: (
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    ),
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class ApiError(Exception):
    """An error the emulated API answers with (Google's JSON error body)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "status": _ERROR_STATUS[self.code]}}


@dataclass(frozen=True)
class Formula:
    text: str


# --- A1 notation -------------------------------------------------------------------------------------


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$|^R\d*C\d*$", re.IGNORECASE)


def quote_title(title: str) -> str:
    """A sheet title as Google writes it in a range: quoted unless it is a plain word."""
    if _PLAIN_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, top: int, left: int, bottom: int, right: int) -> str:
    start = f"{column_letters(left)}{top + 1}"
    end = f"{column_letters(right)}{bottom + 1}"
    return f"{quote_title(title)}!{start}" if start == end else f"{quote_title(title)}!{start}:{end}"


# --- Cell values -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


def _evaluate(formula: Formula) -> Any:
    """Plain arithmetic such as ``=1+1``; anything else shows as its text."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return _ARITHMETIC[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError("not arithmetic")

    try:
        return _number(walk(ast.parse(formula.text[1:], mode="eval").body))
    except (SyntaxError, ValueError, ZeroDivisionError):
        return formula.text


def _entered(value: Any, input_option: str) -> Any:
    """A value from a request as the cell keeps it (None for an empty cell)."""
    if value is None or value == "":
        return None
    if input_option != "USER_ENTERED" or not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return Formula(value)
    if value.upper() in {"TRUE", "FALSE"}:
        return value.upper() == "TRUE"
    if _NUMBER.match(value.replace(",", "")):
        return _number(float(value.replace(",", "")))
    return value


def _rendered(value: Any, render_option: str) -> Any:
    if isinstance(value, Formula):
        if render_option == "FORMULA":
            return value.text
        value = _evaluate(value)
    if render_option != "FORMATTED_VALUE":
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(_number(value))
    return value


# --- The model ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    # Ragged rows of cell values; None is an empty cell. Only the used area is kept.
    grid: list[list[Any]] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count},
        }

    def get(self, row: int, column: int) -> Any:
        if row < len(self.grid) and column < len(self.grid[row]):
            return self.grid[row][column]
        return None

    def put(self, row: int, column: int, value: Any) -> None:
        while len(self.grid) <= row:
            self.grid.append([])
        cells = self.grid[row]
        if value is None and column >= len(cells):
            return
        while len(cells) <= column:
            cells.append(None)
        cells[column] = value
        self.row_count = max(self.row_count, row + 1)
        self.column_count = max(self.column_count, column + 1)

    def insert_rows(self, start: int, count: int) -> None:
        if start < len(self.grid):
            self.grid[start:start] = [[] for _ in range(count)]
        self.row_count += count

    def truncate(self) -> None:
        del self.grid[self.row_count :]
        for cells in self.grid:
            del cells[self.column_count :]


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
            },
            "sheets": [{"properties": sheet.properties()} for sheet in self.sheets],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def sheet_titled(self, title: str) -> Sheet | None:
        return next((sheet for sheet in self.sheets if sheet.title == title), None)

    def sheet_with_id(self, sheet_id: int) -> Sheet | None:
        return next((sheet for sheet in self.sheets if sheet.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        self.sheets.sort(key=lambda sheet: sheet.index)
        for position, sheet in enumerate(self.sheets):
            sheet.index = position


@dataclass(frozen=True)
class Span:
    """A parsed range: 0-based, inclusive; ``explicit_end`` says whether the request gave an end."""

    sheet: Sheet
    top: int
    left: int
    bottom: int
    right: int
    explicit_end: bool

    def a1(self) -> str:
        return a1_range(self.sheet.title, self.top, self.left, self.bottom, self.right)


def parse_range(spreadsheet: Spreadsheet, text: str) -> Span:
    """A1 notation as the API accepts it: ``'My sheet'!A1:B2``, ``Sheet1!A:A``, ``A1:1``, ``Sheet1``."""
    problem = ApiError(400, f"Unable to parse range: {text}")
    sheet_part, cells = None, text
    if text.startswith("'"):
        closing = re.match(r"^'((?:[^']|'')*)'(?:!(.*))?$", text)
        if not closing:
            raise problem
        sheet_part, cells = closing.group(1).replace("''", "'"), closing.group(2) or ""
    elif spreadsheet.sheet_titled(text):
        sheet_part, cells = text, ""
    elif "!" in text:
        sheet_part, cells = text.rsplit("!", 1)
    sheet = spreadsheet.sheets[0] if sheet_part is None else spreadsheet.sheet_titled(sheet_part)
    if sheet is None or not spreadsheet.sheets:
        raise problem
    last_row, last_column = sheet.row_count - 1, sheet.column_count - 1
    if not cells:
        return Span(sheet, 0, 0, last_row, last_column, explicit_end=False)
    parts = cells.split(":")
    if len(parts) > 2:
        raise problem
    matches = [_CELL.match(part) for part in parts]
    if any(match is None or match.group(0) == "" for match in matches):
        raise problem
    start_letters, start_digits = matches[0].groups()
    top = int(start_digits) - 1 if start_digits else 0
    left = _column_index(start_letters) if start_letters else 0
    if len(parts) == 1:
        if not (start_letters and start_digits):
            raise problem
        return Span(sheet, top, left, top, left, explicit_end=False)  # a start cell: writes may spill
    end_letters, end_digits = matches[1].groups()
    bottom = int(end_digits) - 1 if end_digits else last_row
    right = _column_index(end_letters) if end_letters else last_column
    if top < 0 or bottom < 0:
        raise problem
    top, bottom = min(top, bottom), max(top, bottom)
    left, right = min(left, right), max(left, right)
    return Span(sheet, top, left, bottom, right, explicit_end=True)


def _check_grid(sheet: Sheet, top: int, left: int, bottom: int, right: int) -> None:
    if bottom >= sheet.row_count or right >= sheet.column_count:
        name = "'" + sheet.title.replace("'", "''") + "'"
        cells = a1_range(sheet.title, top, left, bottom, right).rsplit("!", 1)[1]
        raise ApiError(
            400,
            f"Range ({name}!{cells}) exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.column_count}",
        )


def _clip(span: Span) -> Span:
    sheet = span.sheet
    return Span(
        sheet,
        span.top,
        span.left,
        min(span.bottom, sheet.row_count - 1),
        min(span.right, sheet.column_count - 1),
        span.explicit_end,
    )


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Google leaves out trailing empty cells and rows."""
    result = []
    for cells in rows:
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        result.append(cells)
    while result and not result[-1]:
        result.pop()
    return result


def _row_values(cells: list[Any], render: str) -> list[Any]:
    """One row's cells as the API answers them, trailing empty cells left out. Text (what the app
    writes) answers as itself in every render option, so only other values go through ``_rendered``."""
    values = [
        value if type(value) is str else ("" if value is None else _rendered(value, render))
        for value in cells
    ]
    while values and values[-1] == "":
        values.pop()
    return values


def _value_range(span: Span, render: str, major: str) -> dict[str, Any]:
    _check_grid(span.sheet, span.top, span.left, span.bottom, span.right)
    sheet = span.sheet
    result: dict[str, Any] = {"range": span.a1(), "majorDimension": major}
    if major == "COLUMNS":
        rows = [
            [
                "" if (value := sheet.get(row, column)) is None else _rendered(value, render)
                for column in range(span.left, span.right + 1)
            ]
            for row in range(span.top, min(span.bottom + 1, len(sheet.grid)))
        ]
        width = max((len(cells) for cells in rows), default=0)
        values = _trimmed(
            [[cells[index] if index < len(cells) else "" for cells in rows] for index in range(width)]
        )
    else:
        # Row by row over the stored slices rather than cell by cell: a sheet of 100,000 rows answers
        # several times faster, with the same values.
        values = [
            _row_values(cells[span.left : span.right + 1], render)
            for cells in sheet.grid[span.top : span.bottom + 1]
        ]
        while values and not values[-1]:
            values.pop()
    if values:
        result["values"] = values
    return result


def _table_containing(sheet: Sheet, row: int, column: int) -> tuple[int, int, int, int]:
    """The block of data around a cell, as the append call detects a 'table': it grows while any
    neighbouring cell of the block (sideways, up, down or diagonally) holds a value."""
    grid = sheet.grid
    top = bottom = row
    left = right = column

    def row_touches(r: int) -> bool:
        return any(value is not None for value in grid[r][max(left - 1, 0) : right + 2])

    def column_touches(c: int) -> bool:
        return c >= 0 and any(c < len(grid[r]) and grid[r][c] is not None for r in range(top, bottom + 1))

    grown = True
    while grown:
        grown = False
        while bottom + 1 < len(grid) and row_touches(bottom + 1):
            bottom, grown = bottom + 1, True
        while top > 0 and row_touches(top - 1):
            top, grown = top - 1, True
        # Rows above and below hold nothing beside the block now; look at the columns either side.
        while column_touches(right + 1):
            right, grown = right + 1, True
        while column_touches(left - 1):
            left, grown = left - 1, True
    return top, left, bottom, right


def _find_table(span: Span) -> tuple[int, int, int, int] | None:
    """The last table with a value inside the given range (None when the range is empty)."""
    sheet = span.sheet
    tables: list[tuple[int, int, int, int]] = []
    for r in range(span.top, min(span.bottom + 1, len(sheet.grid))):
        cells = sheet.grid[r]
        for c in range(span.left, min(span.right + 1, len(cells))):
            if cells[c] is None:
                continue
            if any(t <= r <= b and left <= c <= right for t, left, b, right in tables):
                continue
            tables.append(_table_containing(sheet, r, c))
    return tables[-1] if tables else None


# --- The server ---------------------------------------------------------------------------------------


@dataclass
class _Fault:
    kind: str
    times: int
    method: str | None
    path_contains: str | None
    after: int = 0  # matching requests to let through first

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not self.path_contains or self.path_contains in path


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        emulator = self.server.emulator
        fault = emulator._record(method, self.path)
        if fault == "hang":
            emulator._hang_release.wait(HANG_LIMIT_SECONDS)
            self._drop_connection()
            return
        if fault in {"429", "500", "503"}:
            code = int(fault)
            self._send(code, ApiError(code, _FAULT_MESSAGES[code]).body())
            return
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
            status, answer = emulator._dispatch(method, self.path, body)
        except ApiError as error:
            status, answer = error.code, error.body()
        except (ValueError, KeyError, TypeError) as error:
            status, answer = 400, ApiError(400, f"Invalid request: {error}").body()
        if fault == "lost_response":
            self._drop_connection()  # the change is made; the answer never arrives
            return
        self._send(status, answer)

    def _send(self, status: int, answer: Mapping[str, Any]) -> None:
        # Compact JSON: Google indents its answers, but whitespace means nothing to a JSON reader and
        # indenting a 100,000-row answer took longer than building it.
        payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: SheetsEmulator


class SheetsEmulator:
    """A Google Sheets API v4 server on 127.0.0.1 for tests. Use as a context manager."""

    def __init__(self, port: int = 0):
        self._port = port
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._faults: list[_Fault] = []
        self._hang_release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[tuple[str, str]] = []

    # -- life cycle

    def start(self) -> SheetsEmulator:
        self._server = _Server(("127.0.0.1", self._port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sheets-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_hangs()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SheetsEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The emulator is not running: call start() or use it in a with block.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- set-up and inspection for tests

    def create_spreadsheet(
        self,
        spreadsheet_id: str,
        title: str = "Untitled spreadsheet",
        sheets: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> str:
        """A new spreadsheet with one empty "Sheet1" (as Google creates it), or with the given sheets
        (title -> rows of text)."""
        with self._lock:
            spreadsheet = Spreadsheet(spreadsheet_id, title)
            for index, (sheet_title, rows) in enumerate((sheets or {"Sheet1": []}).items()):
                sheet = Sheet(0 if index == 0 else self._new_sheet_id(), sheet_title, index)
                for row_number, cells in enumerate(rows):
                    for column, value in enumerate(cells):
                        sheet.put(row_number, column, _entered(value, "RAW"))
                spreadsheet.sheets.append(sheet)
            self._spreadsheets[spreadsheet_id] = spreadsheet
        return spreadsheet_id

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        with self._lock:
            self._spreadsheets.pop(spreadsheet_id, None)

    def values(self, spreadsheet_id: str, sheet_title: str) -> list[list[str]]:
        """The stored grid of a sheet as text (trailing empty cells and rows left out)."""
        with self._lock:
            sheet = self._spreadsheet(spreadsheet_id).sheet_titled(sheet_title)
            if sheet is None:
                raise KeyError(f"No sheet {sheet_title!r} in {spreadsheet_id!r}")
            rows = [
                ["" if value is None else _rendered(value, "FORMATTED_VALUE") for value in cells]
                for cells in sheet.grid
            ]
            return _trimmed(rows)

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return [sheet.title for sheet in self._spreadsheet(spreadsheet_id).sheets]

    # -- faults

    def inject(
        self,
        kind: str,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` matching requests fail (after letting ``after`` of them through).

        "429", "500", "503": answer with that error and change nothing. "hang": never answer (until
        ``release_hangs`` or 60 s), change nothing. "lost_response": make the change, then drop the
        connection without answering.
        """
        if kind not in FAULTS:
            raise ValueError(f"Unknown fault {kind!r}; choose one of {', '.join(FAULTS)}.")
        with self._lock:
            self._faults.append(_Fault(kind, times, method, path_contains, after))

    def release_hangs(self) -> None:
        self._hang_release.set()

    def reset_faults(self) -> None:
        with self._lock:
            self._faults.clear()
        self.release_hangs()

    def _record(self, method: str, raw_path: str) -> str | None:
        path = unquote(raw_path)
        with self._lock:
            self.requests.append((method, path))
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    if fault.kind == "hang":
                        self._hang_release.clear()
                    return fault.kind
        return None

    # -- the API

    def _new_sheet_id(self) -> int:
        return random.randint(1, 2**31 - 1)

    def _spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        spreadsheet = self._spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            raise ApiError(404, "Requested entity was not found.")
        return spreadsheet

    def _dispatch(self, method: str, raw_path: str, body: Any) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(raw_path)
        query = {key: values for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        route = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", parts.path)
        if not route:
            raise ApiError(404, "Requested entity was not found.")
        spreadsheet_id, rest = unquote(route.group(1)), route.group(2)

        def option(name: str, default: str) -> str:
            return (query.get(name) or [default])[-1] or default

        with self._lock:
            spreadsheet = self._spreadsheet(spreadsheet_id)
            if rest == "" and method == "GET":
                return 200, spreadsheet.metadata()
            if rest == ":batchUpdate" and method == "POST":
                return 200, self._batch_update(spreadsheet, body)
            if rest == "/values:batchGet" and method == "GET":
                render, major = (
                    option("valueRenderOption", "FORMATTED_VALUE"),
                    option("majorDimension", "ROWS"),
                )
                ranges = [parse_range(spreadsheet, text) for text in query.get("ranges", [])]
                return 200, {
                    "spreadsheetId": spreadsheet_id,
                    "valueRanges": [_value_range(span, render, major) for span in ranges],
                }
            if rest == "/values:batchUpdate" and method == "POST":
                return 200, self._values_batch_update(spreadsheet, body)
            if rest == "/values:batchClear" and method == "POST":
                spans = [parse_range(spreadsheet, text) for text in body.get("ranges", [])]
                return 200, {
                    "spreadsheetId": spreadsheet_id,
                    "clearedRanges": [self._clear(s) for s in spans],
                }
            values_route = re.match(r"^/values/(.+?)(:append|:clear)?$", rest)
            if not values_route:
                raise ApiError(404, "Requested entity was not found.")
            span = parse_range(spreadsheet, unquote(values_route.group(1)))
            action = values_route.group(2)
            if action is None and method == "GET":
                render, major = (
                    option("valueRenderOption", "FORMATTED_VALUE"),
                    option("majorDimension", "ROWS"),
                )
                return 200, _value_range(span, render, major)
            if action is None and method == "PUT":
                input_option = option("valueInputOption", "")
                return 200, self._update(spreadsheet, span, body, input_option)
            if action == ":clear" and method == "POST":
                return 200, {"spreadsheetId": spreadsheet_id, "clearedRange": self._clear(span)}
            if action == ":append" and method == "POST":
                return 200, self._append(
                    spreadsheet,
                    span,
                    body,
                    option("valueInputOption", ""),
                    option("insertDataOption", "OVERWRITE"),
                )
        raise ApiError(404, "Requested entity was not found.")

    @staticmethod
    def _rows_of(body: Mapping[str, Any]) -> list[list[Any]]:
        rows = [list(cells) for cells in body.get("values") or []]
        if (body.get("majorDimension") or "ROWS") == "COLUMNS":
            height = max((len(cells) for cells in rows), default=0)
            rows = [[cells[i] if i < len(cells) else "" for cells in rows] for i in range(height)]
        return rows

    @staticmethod
    def _check_input_option(input_option: str) -> None:
        if input_option not in {"RAW", "USER_ENTERED"}:
            raise ApiError(400, "'valueInputOption' is required but not specified")

    def _write(
        self,
        spreadsheet: Spreadsheet,
        span: Span,
        rows: list[list[Any]],
        input_option: str,
        grow: bool = False,
    ) -> dict:
        """Write rows from the span's top-left cell; ``grow`` (appends) adds grid rows and columns."""
        self._check_input_option(input_option)
        height = len(rows)
        width = max((len(cells) for cells in rows), default=0)
        bottom, right = span.top + max(height, 1) - 1, span.left + max(width, 1) - 1
        if grow:
            span.sheet.row_count = max(span.sheet.row_count, bottom + 1)
            span.sheet.column_count = max(span.sheet.column_count, right + 1)
        _check_grid(span.sheet, span.top, span.left, bottom, right)
        if span.explicit_end and (span.top + height - 1 > span.bottom or span.left + width - 1 > span.right):
            raise ApiError(
                400,
                f"Requested writing within range [{span.a1()}], but tried writing to "
                f"row [{span.top + height}]"
                if span.top + height - 1 > span.bottom
                else f"Requested writing within range [{span.a1()}], but tried writing to "
                f"column [{column_letters(span.left + width - 1)}]",
            )
        for offset, cells in enumerate(rows):
            for column, value in enumerate(cells):
                span.sheet.put(span.top + offset, span.left + column, _entered(value, input_option))
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if height and width:
            result["updatedRange"] = a1_range(
                span.sheet.title, span.top, span.left, span.top + height - 1, span.left + width - 1
            )
            result["updatedRows"] = height
            result["updatedColumns"] = width
            result["updatedCells"] = sum(len(cells) for cells in rows)
        else:
            result["updatedRange"] = a1_range(span.sheet.title, span.top, span.left, span.top, span.left)
        return result

    def _update(
        self, spreadsheet: Spreadsheet, span: Span, body: Mapping[str, Any], input_option: str
    ) -> dict:
        return self._write(spreadsheet, span, self._rows_of(body), input_option)

    def _values_batch_update(self, spreadsheet: Spreadsheet, body: Mapping[str, Any]) -> dict:
        input_option = body.get("valueInputOption") or ""
        self._check_input_option(input_option)
        responses = []
        for item in body.get("data", []):
            span = parse_range(spreadsheet, item["range"])
            responses.append(self._write(spreadsheet, span, self._rows_of(item), input_option))
        written = [response for response in responses if "updatedRows" in response]
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "totalUpdatedRows": sum(response["updatedRows"] for response in written),
            "totalUpdatedColumns": max((response["updatedColumns"] for response in written), default=0),
            "totalUpdatedCells": sum(response["updatedCells"] for response in written),
            "totalUpdatedSheets": len({response["updatedRange"].rsplit("!", 1)[0] for response in written}),
            "responses": responses,
        }

    def _clear(self, span: Span) -> str:
        _check_grid(span.sheet, span.top, span.left, span.bottom, span.right)
        for row in range(span.top, min(span.bottom + 1, len(span.sheet.grid))):
            for column in range(span.left, span.right + 1):
                span.sheet.put(row, column, None)
        return span.a1()

    def _append(
        self, spreadsheet: Spreadsheet, span: Span, body: Mapping[str, Any], input_option: str, insert: str
    ) -> dict:
        self._check_input_option(input_option)
        if insert not in {"OVERWRITE", "INSERT_ROWS"}:
            raise ApiError(400, f"Invalid value at 'insert_data_option' ({insert})")
        rows = self._rows_of(body)
        table = _find_table(_clip(span))
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if table is None:
            top, left = span.top, span.left
        else:
            table_top, left, table_bottom, table_right = table
            result["tableRange"] = a1_range(span.sheet.title, table_top, left, table_bottom, table_right)
            top = table_bottom + 1
        if insert == "INSERT_ROWS":
            span.sheet.insert_rows(top, len(rows))
        target = Span(span.sheet, top, left, top, left, explicit_end=False)
        result["updates"] = self._write(spreadsheet, target, rows, input_option, grow=True)
        return result

    def _batch_update(self, spreadsheet: Spreadsheet, body: Mapping[str, Any]) -> dict:
        replies = []
        for number, request in enumerate(body.get("requests", [])):
            if len(request) != 1:
                raise ApiError(400, f"Invalid requests[{number}]: exactly one kind of request is needed.")
            kind, details = next(iter(request.items()))
            handler = getattr(self, f"_request_{kind}", None)
            if handler is None:
                raise ApiError(400, f"Invalid requests[{number}]: the emulator does not support {kind}.")
            replies.append(handler(spreadsheet, details, f"Invalid requests[{number}].{kind}"))
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}

    def _request_addSheet(self, spreadsheet: Spreadsheet, details: Mapping, where: str) -> dict:  # noqa: N802
        properties = details.get("properties", {})
        title = properties.get("title") or f"Sheet{len(spreadsheet.sheets) + 1}"
        if spreadsheet.sheet_titled(title):
            raise ApiError(
                400, f'{where}: A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = properties.get("gridProperties", {})
        sheet = Sheet(
            sheet_id=properties.get("sheetId", self._new_sheet_id()),
            title=title,
            index=properties.get("index", len(spreadsheet.sheets)),
            row_count=grid.get("rowCount", DEFAULT_ROWS),
            column_count=grid.get("columnCount", DEFAULT_COLUMNS),
        )
        for other in spreadsheet.sheets:
            if other.index >= sheet.index:
                other.index += 1
        spreadsheet.sheets.append(sheet)
        spreadsheet.reindex()
        return {"addSheet": {"properties": sheet.properties()}}

    def _sheet_for(self, spreadsheet: Spreadsheet, sheet_id: Any, where: str) -> Sheet:
        sheet = spreadsheet.sheet_with_id(int(sheet_id or 0))
        if sheet is None:
            raise ApiError(400, f"{where}: No grid with id: {sheet_id}")
        return sheet

    def _request_deleteSheet(self, spreadsheet: Spreadsheet, details: Mapping, where: str) -> dict:  # noqa: N802
        sheet = spreadsheet.sheet_with_id(int(details.get("sheetId", -1)))
        if sheet is None:
            raise ApiError(400, f"{where}: No sheet with id: {details.get('sheetId')}")
        if len(spreadsheet.sheets) == 1:
            raise ApiError(400, f"{where}: You can't remove all the sheets in a document.")
        spreadsheet.sheets.remove(sheet)
        spreadsheet.reindex()
        return {}

    def _request_updateSheetProperties(  # noqa: N802
        self, spreadsheet: Spreadsheet, details: Mapping, where: str
    ) -> dict:
        properties = details.get("properties", {})
        sheet = self._sheet_for(spreadsheet, properties.get("sheetId"), where)
        fields = [name.strip() for name in str(details.get("fields", "")).split(",") if name.strip()]
        grid = properties.get("gridProperties", {})
        for name in fields:
            if name in {"title", "*"} and "title" in properties:
                sheet.title = properties["title"]
            if name in {"index", "*"} and "index" in properties:
                spreadsheet.sheets.remove(sheet)
                spreadsheet.sheets.insert(int(properties["index"]), sheet)
                for position, each in enumerate(spreadsheet.sheets):
                    each.index = position
            if name in {"gridProperties/rowCount", "gridProperties", "*"} and "rowCount" in grid:
                sheet.row_count = grid["rowCount"]
            if name in {"gridProperties/columnCount", "gridProperties", "*"} and "columnCount" in grid:
                sheet.column_count = grid["columnCount"]
        sheet.truncate()
        spreadsheet.reindex()
        return {}

    def _request_insertDimension(self, spreadsheet: Spreadsheet, details: Mapping, where: str) -> dict:  # noqa: N802
        target = details["range"]
        sheet = self._sheet_for(spreadsheet, target.get("sheetId"), where)
        start, end = int(target.get("startIndex", 0)), int(target["endIndex"])
        if target.get("dimension") == "COLUMNS":
            for cells in sheet.grid:
                if start < len(cells):
                    cells[start:start] = [None] * (end - start)
            sheet.column_count += end - start
        else:
            sheet.insert_rows(start, end - start)
        return {}

    def _request_deleteDimension(self, spreadsheet: Spreadsheet, details: Mapping, where: str) -> dict:  # noqa: N802
        target = details["range"]
        sheet = self._sheet_for(spreadsheet, target.get("sheetId"), where)
        start, end = int(target.get("startIndex", 0)), int(target["endIndex"])
        if target.get("dimension") == "COLUMNS":
            for cells in sheet.grid:
                del cells[start:end]
            sheet.column_count -= end - start
        else:
            del sheet.grid[start:end]
            sheet.row_count -= end - start
        return {}


def main(argv: Sequence[str] | None = None) -> None:
    """Run the emulator on its own, to try the app's Google Sheets backend without Google::

    python -m hcsp_engage.testing.sheets_emulator --port 8765 --spreadsheet local-sheet
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--spreadsheet", default="local-sheet", help="the spreadsheet key to create")
    options = parser.parse_args(argv)
    emulator = SheetsEmulator(port=options.port).start()
    emulator.create_spreadsheet(options.spreadsheet, title="HCSP Engage (emulated)")
    print(
        f"Sheets emulator at {emulator.url} with spreadsheet {options.spreadsheet!r}. Run the app with:\n"
        f"  HCSP_STORAGE=gsheets HCSP_GSHEETS_ENDPOINT={emulator.url} "
        f"HCSP_GSHEETS_SPREADSHEET_ID={options.spreadsheet} streamlit run app.py",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
