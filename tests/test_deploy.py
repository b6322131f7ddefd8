"""docs/deploy.md followed on this machine as far as it can be: the systemd units and the Caddyfile as
their own tools read them, Caddy's handling of X-Forwarded-For, the nightly backup of a database the app
is writing and its restore, and the guide's settings. (tests/browser/test_behind_caddy.py runs the app
behind Caddy.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hcsp_engage import schema, synthetic
from hcsp_engage.storage import Outbox, SqliteStore
from tests.deploy_support import (
    CADDYFILE,
    DEPLOY,
    GUIDE,
    PUBLIC_HOST,
    ROOT,
    SERVICE,
    caddy_env,
    loopback_caddyfile,
    need,
    start_caddy,
)
from tests.test_readme import environment_variables_the_code_reads

UNITS = ["hcsp-engage.service", "hcsp-engage-backup.service", "hcsp-engage-backup.timer"]
BACKUP = DEPLOY / "backup-sqlite"


# --- systemd --------------------------------------------------------------------------------------------


def units_for_this_machine(folder: Path) -> list[Path]:
    """The units with the VM's folders swapped for ones that exist here, so that verify checks the files'
    syntax and settings instead of reporting /opt/hcsp-engage missing."""
    data, backups = folder / "data", folder / "backups"
    data.mkdir()
    backups.mkdir()
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/opt/hcsp-engage", str(ROOT))
        text = text.replace("/var/lib/hcsp-engage", str(data)).replace(
            "/var/backups/hcsp-engage", str(backups)
        )
        copy = folder / name
        copy.write_text(text)
        copies.append(copy)
    return copies


def test_systemd_units_verify_without_a_complaint(tmp_path):
    # What this checks: every section and key is one systemd 252 knows, every value parses (restart
    # policy, calendar, paths), the programs named in ExecStart= exist and are executable, and the timer
    # has its service. It does not check that the user hcsp exists or that the service starts.
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    copies = units_for_this_machine(tmp_path)

    result = subprocess.run(
        [analyze, "verify", *map(str, copies)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )

    # verify exits 0 even for an unknown key (it says "Unknown key ..., ignoring"), so nothing said counts.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_service_and_caddy_agree_on_the_host_name_and_the_app_port():
    service = SERVICE.read_text()
    caddyfile = CADDYFILE.read_text()

    assert "--server.address 127.0.0.1 --server.port 8501" in service  # only Caddy can reach the app
    assert f"--server.allowedHosts {PUBLIC_HOST}" in service
    assert f"--browser.serverAddress {PUBLIC_HOST}" in service
    assert re.search(rf"^{re.escape(PUBLIC_HOST)} \{{$", caddyfile, re.MULTILINE)
    assert "reverse_proxy 127.0.0.1:8501 {" in caddyfile
    assert "health_uri /_stcore/health" in caddyfile


def test_service_keeps_data_and_outbox_in_the_only_folder_it_may_write():
    service = SERVICE.read_text()
    settings = dict(re.findall(r"^Environment=(HCSP_[A-Z_]+)=(.*)$", service, re.MULTILINE))

    writable = re.search(r"^ReadWritePaths=(.*)$", service, re.MULTILINE).group(1).split()
    assert writable == ["/var/lib/hcsp-engage"]
    assert Path(settings["HCSP_SQLITE_PATH"]).parent == Path(writable[0])
    assert Path(settings["HCSP_OUTBOX_PATH"]).parent == Path(writable[0])
    assert settings["HCSP_OUTBOX_DURABLE"] == "true"
    assert settings["HCSP_TRUSTED_PROXY_HOPS"] == "1"
    assert re.search(r"^User=hcsp$", service, re.MULTILINE)
    assert "ProtectSystem=strict" in service and "NoNewPrivileges=yes" in service


# --- Caddy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["loopback", "as shipped"])
def test_caddyfile_is_valid(tmp_path, site):
    caddy = need("caddy", "caddy")
    config = tmp_path / "Caddyfile"
    config.write_text(loopback_caddyfile(8080) if site == "loopback" else CADDYFILE.read_text())

    result = subprocess.run(
        [caddy, "validate", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env=caddy_env(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


class _EchoHeaders(BaseHTTPRequestHandler):
    """Answers every request with the headers it arrived with, as JSON (and 200 for the health check)."""

    def do_GET(self):
        body = json.dumps(dict(self.headers)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_caddy_passes_the_host_and_replaces_a_forged_forwarded_for(tmp_path):
    # HCSP_TRUSTED_PROXY_HOPS=1 relies on this: the last X-Forwarded-For entry is the one Caddy added.
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    caddy = start_caddy(tmp_path / "caddy", upstream.server_address[1])
    try:
        request = urllib.request.Request(caddy.url + "/survey", headers={"X-Forwarded-For": "203.0.113.9"})
        with urllib.request.urlopen(request, timeout=10) as response:
            seen = json.loads(response.read())
            sent_back = dict(response.headers)
    finally:
        caddy.stop()
        upstream.shutdown()

    assert seen["X-Forwarded-For"] == "127.0.0.1"  # the address Caddy saw, not the forged one
    assert seen["Host"] == caddy.url.removeprefix("http://")  # what server.allowedHosts is checked against
    assert sent_back["X-Frame-Options"] == "SAMEORIGIN"
    assert "Server" not in sent_back


# --- backup and restore ---------------------------------------------------------------------------------


def ids(path: Path) -> list[str]:
    return list(SqliteStore(path).read(schema.SURVEY_RESPONSES)["response_id"])


def run_backup(folder: Path, *databases: Path, keep_days: int = 30) -> subprocess.CompletedProcess:
    need("sqlite3", "sqlite3")
    return subprocess.run(
        [str(BACKUP), str(folder), *map(str, databases)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KEEP_DAYS": str(keep_days)},
    )


def test_backup_while_the_app_writes_then_restore_as_the_guide_says(tmp_path):
    data, backups = tmp_path / "data", tmp_path / "backups"
    database, outbox_path = data / "hcsp_engage.sqlite3", data / "outbox.sqlite3"
    rows = synthetic.survey_rows(20_000, seed=13)  # more than the writer gets through during a backup
    store = SqliteStore(database)
    store.append_many(schema.SURVEY_RESPONSES, rows[:100])
    outbox = Outbox(outbox_path)
    outbox.put(schema.SURVEY_RESPONSES, rows[-1])  # an answer waiting for Google Sheets

    # One submission after another, as residents' would arrive, until the nightly backup has finished.
    written: list[str] = [row["response_id"] for row in rows[:100]]
    stop = threading.Event()

    def residents():
        for row in rows[100:-1]:
            if stop.is_set():
                return
            store.append(schema.SURVEY_RESPONSES, row)
            written.append(row["response_id"])

    writer = threading.Thread(target=residents)
    writer.start()
    try:
        committed_before = len(written)
        result = run_backup(backups, database, outbox_path)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    [copy] = backups.glob("hcsp_engage-*.sqlite3")
    [outbox_copy] = backups.glob("outbox-*.sqlite3")

    # The guide's restore: app stopped, each database moved aside with its -wal and -shm files (a -wal
    # left behind would be applied to the restored copy), the copy put in its place and checked.
    aside = tmp_path / "before-restore"
    aside.mkdir()
    for path in [*data.glob("hcsp_engage.sqlite3*"), *data.glob("outbox.sqlite3*")]:
        path.rename(aside / path.name)
    shutil.copy2(copy, database)
    shutil.copy2(outbox_copy, outbox_path)
    for path in (database, outbox_path):
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restored = ids(database)
    # Every answer stored before the backup began is there, and the copy is whole: the first n answers.
    assert len(restored) >= committed_before
    assert len(written) > len(restored)  # answers kept arriving after the copy was taken
    assert restored == written[: len(restored)]
    assert [item.row["response_id"] for item in Outbox(outbox_path).pending()] == [rows[-1]["response_id"]]
    SqliteStore(database).append(schema.SURVEY_RESPONSES, rows[-1])  # the app carries on after the restore
    assert ids(database)[-1] == rows[-1]["response_id"]


def test_backup_of_a_missing_database_fails_and_says_why(tmp_path):
    result = run_backup(tmp_path / "backups", tmp_path / "no-such.sqlite3")

    assert result.returncode == 1
    assert "no-such.sqlite3 does not exist" in result.stderr
    assert not (tmp_path / "no-such.sqlite3").exists()  # sqlite3 was not left to create an empty one


def test_backup_deletes_only_its_own_copies_older_than_keep_days(tmp_path):
    database = tmp_path / "hcsp_engage.sqlite3"
    SqliteStore(database).append_many(schema.SURVEY_RESPONSES, synthetic.survey_rows(3, seed=2))
    backups = tmp_path / "backups"
    backups.mkdir()
    old_copy = backups / "hcsp_engage-20250101T023000Z.sqlite3"
    someone_elses = backups / "hcsp_engage-keep-me.sqlite3"
    for path in (old_copy, someone_elses):
        path.write_bytes(b"")
        long_ago = time.time() - 40 * 86400
        os.utime(path, (long_ago, long_ago))

    result = run_backup(backups, database, keep_days=30)

    assert result.returncode == 0, result.stderr
    assert not old_copy.exists()
    assert someone_elses.exists()
    assert len(list(backups.glob("hcsp_engage-2*.sqlite3"))) == 1  # tonight's


# --- the guide ------------------------------------------------------------------------------------------


def test_guide_names_only_settings_the_app_reads():
    named = set(re.findall(r"\bHCSP_[A-Z0-9_]+\b", GUIDE.read_text() + SERVICE.read_text()))
    read = environment_variables_the_code_reads()
    assert {"HCSP_SQLITE_PATH", "HCSP_OUTBOX_PATH", "HCSP_OUTBOX_DURABLE"} <= named

    unknown = named - read

    assert unknown == set()


def test_guide_refers_to_files_that_exist():
    named = set(
        re.findall(r"\b(deploy/[\w.-]+|docs/[\w.-]+|scripts/[\w.-]+|\.streamlit/[\w.-]+)", GUIDE.read_text())
    )
    assert "deploy/hcsp-engage.service" in named and "deploy/Caddyfile" in named

    missing = {path for path in named if not (ROOT / path).exists() and path != ".streamlit/secrets.toml"}

    assert missing == set()
