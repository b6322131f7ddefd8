"""Helpers for the tests that follow docs/deploy.md on this machine: the files in deploy/ rewritten for
loopback and temporary folders, and Debian's Caddy started in front of the app.

Caddy and sqlite3 come from Debian (scripts/run-tests installs them when run as root). Without them a
test skips with the command to install them, except in CI (``CI=true``), where it fails, as the
browser tests do without Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import support

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
CADDYFILE = DEPLOY / "Caddyfile"
SERVICE = DEPLOY / "hcsp-engage.service"
PUBLIC_HOST = "engage.example.org"  # the placeholder the deploy files use for the real host name
APP_UPSTREAM = "127.0.0.1:8501"


def need(command: str, package: str) -> str:
    """The path of a Debian command the test needs: skip without it, or fail in CI."""
    path = shutil.which(command)
    if path is None:
        reason = f"{command} is not installed: `sudo apt-get install {package}` (scripts/run-tests does this as root)"
        if support.must_not_skip():
            pytest.fail(f"{reason} (CI=true: deployment tests must run)", pytrace=False)
        pytest.skip(reason)
    return path


def loopback_caddyfile(port: int, app_port: int = 8501) -> str:
    """deploy/Caddyfile for this machine: plain HTTP on 127.0.0.1:port (no certificate for a loopback
    address), proxying to the app on app_port, and no admin endpoint (tests run side by side)."""
    text = CADDYFILE.read_text()
    site = re.compile(rf"^{re.escape(PUBLIC_HOST)} \{{$", re.MULTILINE)
    assert len(site.findall(text)) == 1, "deploy/Caddyfile should have one site block for the public host"
    text = site.sub(f"{{\n\tadmin off\n}}\n\nhttp://127.0.0.1:{port} {{", text)
    assert f"reverse_proxy {APP_UPSTREAM} " in text
    return text.replace(f"reverse_proxy {APP_UPSTREAM} ", f"reverse_proxy 127.0.0.1:{app_port} ")


def caddy_env(folder: Path) -> dict[str, str]:
    """Caddy keeps certificates and its last configuration under these folders: a temporary one."""
    return {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)}


@dataclass
class Caddy:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        support.stop_process(self.process)


def start_caddy(folder: Path, app_port: int, timeout: float = 30) -> Caddy:
    """deploy/Caddyfile in front of the app on app_port, on a free loopback port; returns once the app
    answers its health check through Caddy."""
    caddy = need("caddy", "caddy")
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        port = support.free_port()
        config = folder / "Caddyfile"
        config.write_text(loopback_caddyfile(port, app_port))
        log_path = folder / f"caddy-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                cwd=folder,
                env=caddy_env(folder),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = Caddy(f"http://127.0.0.1:{port}", process, log_path)
        if _wait_for_health(server, timeout):
            return server
        server.stop()
        if "address already in use" not in server.log():
            raise RuntimeError(
                f"Caddy did not pass the app's health check within {timeout} s:\n{server.log()}"
            )
    raise RuntimeError(f"Caddy found no free port:\n{server.log()}")


def _wait_for_health(server: Caddy, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a condition: Caddy is starting
    return False
