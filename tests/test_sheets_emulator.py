"""The Sheets emulator answers as Google does: exchanges recorded from the real API are replayed.

The cassettes in ``../shared/gspread-cassettes`` (recorded by gspread's own test suite against Google)
hold each request gspread sent and Google's answer. Every Sheets request is sent to the emulator in
order, and its status and JSON body must equal Google's, with these accepted differences:

- sheet ids: Google picks random ids for added sheets, so the emulator's ids are mapped to the recorded
  ones (in later requests and in answers) before comparing;
- the spreadsheet's ``defaultFormat`` and ``spreadsheetTheme`` (fonts, colours, padding): cell
  formatting is not part of what the app stores or reads, and the emulator does not model it;
- Drive API calls are not replayed: the emulator has no Drive API. A Drive "create" becomes
  ``create_spreadsheet`` with the recorded id and title, a Drive "delete" removes it, and a Drive
  metadata read (creation times) is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from hcsp_engage.testing.sheets_emulator import SheetsEmulator

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT.parent / "shared" / "gspread-cassettes"
SHEETS_API = "https://sheets.googleapis.com"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
FORMATTING_PROPERTIES = ("defaultFormat", "spreadsheetTheme")

if not CASSETTES.is_dir():
    pytest.skip(
        f"The recorded Google exchanges are not at {CASSETTES} (the shared/ folder beside the clone).",
        allow_module_level=True,
    )


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.json"))


def _without_formatting(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("properties"), dict) and "spreadsheetId" in body:
        body = {
            **body,
            "properties": {
                key: value for key, value in body["properties"].items() if key not in FORMATTING_PROPERTIES
            },
        }
    return body


def _map_sheet_ids(body: Any, recorded_id_of: dict[int, int]) -> Any:
    if isinstance(body, dict):
        return {
            key: recorded_id_of.get(value, value)
            if key == "sheetId"
            else _map_sheet_ids(value, recorded_id_of)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [_map_sheet_ids(value, recorded_id_of) for value in body]
    return body


def _learn_sheet_ids(recorded: Any, answered: Any, recorded_id_of: dict[int, int]) -> None:
    """Pair the ids of sheets added in this exchange: Google's (recorded) and the emulator's."""
    if not (isinstance(recorded, dict) and isinstance(answered, dict)):
        return
    for recorded_reply, answered_reply in zip(
        recorded.get("replies", []), answered.get("replies", []), strict=False
    ):
        if "addSheet" in recorded_reply and "addSheet" in answered_reply:
            ours = answered_reply["addSheet"]["properties"]["sheetId"]
            recorded_id_of[ours] = recorded_reply["addSheet"]["properties"]["sheetId"]


def _replay(emulator: SheetsEmulator, interactions: list[dict]) -> tuple[int, list[str]]:
    """Send every Sheets request to the emulator; return how many were compared and the differences."""
    recorded_id_of: dict[int, int] = {}
    compared, differences = 0, []
    for number, interaction in enumerate(interactions):
        request, response = interaction["request"], interaction["response"]
        uri, method = request["uri"], request["method"]
        if uri.startswith(DRIVE_FILES):
            if method == "POST":
                created = json.loads(response["body"])
                emulator.create_spreadsheet(created["id"], title=created["name"])
            elif method == "DELETE":
                emulator.delete_spreadsheet(urlsplit(uri).path.rsplit("/", 1)[-1])
            continue
        assert uri.startswith(SHEETS_API), uri
        body = request["body"]
        for ours, recorded in recorded_id_of.items():
            if body:
                body = body.replace(str(recorded), str(ours))
        answer = requests.request(
            method,
            emulator.url + uri[len(SHEETS_API) :],
            data=body.encode("utf-8") if body else None,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        recorded_body = json.loads(response["body"]) if response["body"] else None
        answered_body = answer.json() if answer.content else None
        _learn_sheet_ids(recorded_body, answered_body, recorded_id_of)
        compared += 1
        expected = _without_formatting(recorded_body)
        got = _without_formatting(_map_sheet_ids(answered_body, recorded_id_of))
        if answer.status_code != response["status"] or got != expected:
            differences.append(
                f"#{number} {method} {uri}\n  Google:   {response['status']} {json.dumps(expected)}\n"
                f"  emulator: {answer.status_code} {json.dumps(got)}"
            )
    return compared, differences


@pytest.mark.parametrize("cassette", _cassettes(), ids=lambda path: path.stem)
def test_emulator_answers_recorded_google_exchanges_identically(cassette):
    interactions = json.loads(cassette.read_text(encoding="utf-8"))["interactions"]
    with SheetsEmulator() as emulator:
        compared, differences = _replay(emulator, interactions)
    assert compared > 0
    assert differences == [], "\n".join(differences)


def test_cassettes_cover_the_calls_the_store_makes():
    """The replay above holds the emulator to Google for every kind of call SheetsStore makes."""
    calls = set()
    for cassette in _cassettes():
        for interaction in json.loads(cassette.read_text(encoding="utf-8"))["interactions"]:
            path = urlsplit(interaction["request"]["uri"]).path
            if interaction["request"]["uri"].startswith(SHEETS_API):
                calls.add(path.rsplit(":", 1)[-1] if ":" in path else interaction["request"]["method"])
    assert {"batchGet", "append", "batchUpdate", "GET", "PUT"} <= calls


def test_unknown_spreadsheet_is_googles_404():
    with SheetsEmulator() as emulator:
        answer = requests.get(f"{emulator.url}/v4/spreadsheets/missing?includeGridData=false", timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }


def test_unknown_sheet_is_googles_unable_to_parse_range():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        answer = requests.get(f"{emulator.url}/v4/spreadsheets/key/values/Nowhere!A1", timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {"code": 400, "message": "Unable to parse range: Nowhere!A1", "status": "INVALID_ARGUMENT"}
    }


def test_injected_faults_answer_like_google_and_change_nothing():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        emulator.inject("429", times=1, path_contains=":append")
        url = f"{emulator.url}/v4/spreadsheets/key/values/Sheet1!A1:append?valueInputOption=RAW"
        first = requests.post(url, json={"values": [["a"]]}, timeout=10)
        second = requests.post(url, json={"values": [["b"]]}, timeout=10)
        assert first.status_code == 429
        assert first.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert second.status_code == 200
        assert emulator.values("key", "Sheet1") == [["b"]]


def test_a_fault_can_let_the_first_matching_requests_through():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        emulator.inject("503", times=1, path_contains=":append", after=2)
        url = f"{emulator.url}/v4/spreadsheets/key/values/Sheet1!A1:append?valueInputOption=RAW"
        answers = [requests.post(url, json={"values": [[str(n)]]}, timeout=10).status_code for n in range(4)]
        assert answers == [200, 200, 503, 200]
        assert emulator.values("key", "Sheet1") == [["0"], ["1"], ["3"]]


def test_a_large_sheet_answers_row_by_row_as_it_does_cell_by_cell():
    rows = [[f"r{n}", "", str(n) if n % 3 else "", "0123" if n % 2 else ""] for n in range(2000)]
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key", sheets={"Sheet1": [*rows, [], []]})
        base = f"{emulator.url}/v4/spreadsheets/key/values"
        by_rows = requests.get(f"{base}/Sheet1!A2:D1500", timeout=10).json()
        by_columns = requests.get(f"{base}/Sheet1!A2:D1500?majorDimension=COLUMNS", timeout=10).json()
    expected = [row[: max((i + 1 for i, cell in enumerate(row) if cell), default=0)] for row in rows[1:1500]]
    assert by_rows == {"range": "Sheet1!A2:D1500", "majorDimension": "ROWS", "values": expected}
    columns = [[row[index] for row in rows[1:1500]] for index in range(4)]
    assert by_columns["values"] == [
        column[: max((i + 1 for i, cell in enumerate(column) if cell), default=0)] for column in columns
    ]


def test_lost_response_applies_the_write_but_never_answers():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        emulator.inject("lost_response")
        url = f"{emulator.url}/v4/spreadsheets/key/values/Sheet1!A1:append?valueInputOption=RAW"
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json={"values": [["written"]]}, timeout=10)
        assert emulator.values("key", "Sheet1") == [["written"]]


def test_hang_never_answers_until_released():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        emulator.inject("hang")
        with pytest.raises(requests.Timeout):
            requests.get(f"{emulator.url}/v4/spreadsheets/key", timeout=(1, 0.5))
        emulator.release_hangs()
        assert requests.get(f"{emulator.url}/v4/spreadsheets/key", timeout=10).status_code == 200
        assert [method for method, _ in emulator.requests] == ["GET", "GET"]


def test_text_that_looks_like_a_number_stays_text_when_written_raw():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        base = f"{emulator.url}/v4/spreadsheets/key/values"
        requests.put(
            f"{base}/Sheet1!A1?valueInputOption=RAW", json={"values": [["0123", "=1+1"]]}, timeout=10
        )
        requests.put(
            f"{base}/Sheet1!A2?valueInputOption=USER_ENTERED", json={"values": [["0123", "=1+1"]]}, timeout=10
        )
        answer = requests.get(f"{base}/Sheet1", timeout=10).json()
    assert answer["values"] == [["0123", "=1+1"], ["123", "2"]]


def test_gspread_reads_and_writes_through_the_emulator():
    """gspread's own Worksheet API, unchanged, works against the emulator (as the app's tools might use it)."""
    import functools

    import gspread
    from google.auth.credentials import AnonymousCredentials

    from hcsp_engage.storage.sheets import SheetsHTTPClient

    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key", title="HCSP Engage")
        client = gspread.Client(
            AnonymousCredentials(), http_client=functools.partial(SheetsHTTPClient, endpoint=emulator.url)
        )
        spreadsheet = client.open_by_key("key")
        worksheet = spreadsheet.add_worksheet("answers", rows=10, cols=5)
        worksheet.append_row(["id", "postcode"], value_input_option="RAW")
        worksheet.append_row(["S-1", "0123"], value_input_option="RAW", table_range="A1")
        worksheet.update_acell("C1", "=1+1")

        assert [sheet.title for sheet in spreadsheet.worksheets()] == ["Sheet1", "answers"]
        assert worksheet.get_all_values() == [["id", "postcode", "2"], ["S-1", "0123", ""]]
        assert worksheet.get_all_records(numericise_ignore=["all"]) == [
            {"id": "S-1", "postcode": "0123", "2": ""}
        ]
        with pytest.raises(gspread.exceptions.WorksheetNotFound):
            spreadsheet.worksheet("missing")
        with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
            client.open_by_key("missing")


def test_ranges_beyond_the_grid_are_refused_but_appends_grow_it():
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet("key")
        base = f"{emulator.url}/v4/spreadsheets/key/values"
        read = requests.get(f"{base}/Sheet1!A1:B1001", timeout=10)
        write = requests.put(
            f"{base}/Sheet1!A1000?valueInputOption=RAW", json={"values": [["a"], ["b"]]}, timeout=10
        )
        for _ in range(2):
            requests.put(
                f"{base}/Sheet1!A999?valueInputOption=RAW", json={"values": [["x"], ["y"]]}, timeout=10
            )
            requests.post(f"{base}/Sheet1:append?valueInputOption=RAW", json={"values": [["z"]]}, timeout=10)
        metadata = requests.get(f"{emulator.url}/v4/spreadsheets/key", timeout=10).json()

    assert read.status_code == write.status_code == 400
    assert read.json()["error"]["message"] == (
        "Range ('Sheet1'!A1:B1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    )
    assert metadata["sheets"][0]["properties"]["gridProperties"]["rowCount"] == 1002


def test_the_emulator_runs_on_its_own_for_local_development():
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hcsp_engage.testing.sheets_emulator",
            "--port",
            str(port),
            "--spreadsheet",
            "dev",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline() + process.stdout.readline()
        answer = requests.get(f"http://127.0.0.1:{port}/v4/spreadsheets/dev", timeout=10)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"HCSP_GSHEETS_ENDPOINT=http://127.0.0.1:{port}" in banner
    assert answer.json()["properties"]["title"] == "HCSP Engage (emulated)"
