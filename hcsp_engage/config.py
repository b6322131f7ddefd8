"""Configuration (DESIGN section 6: contract).

Environment variables override ``.streamlit/secrets.toml``; with neither, the app runs on the embedded
SQLite store. This module does not import Streamlit: pages pass ``st.secrets`` in as a mapping.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hcsp_engage.geography import DATA

DEFAULT_SQLITE_PATH = "data/hcsp_engage.sqlite3"
DEFAULT_DEMO_SQLITE_PATH = "data/hcsp_engage_demo.sqlite3"
GOOGLE_SHEETS_ENDPOINT = "https://sheets.googleapis.com"


class ConfigError(Exception):
    """The configuration cannot work; the message says which setting to fix."""


@dataclass(frozen=True)
class CommunityTriggerRule:
    incidents: int = 3
    months: int = 6
    others_with_similar: int = 4
    application_url: str = ""


@dataclass(frozen=True)
class Settings:
    storage: str = "sqlite"
    sqlite_path: Path = Path(DEFAULT_SQLITE_PATH)
    gsheets_spreadsheet_id: str = ""
    gsheets_service_account_file: str = ""
    gsheets_service_account_info: Mapping[str, Any] | None = None
    gsheets_endpoint: str = ""
    demo: bool = False
    # Public map: a hexagon is drawn only when it holds at least this many reports.
    public_min_reports: int = 10
    # Board tables: counts below this are shown as "fewer than 5".
    board_min_count: int = 5
    # Abuse limits for public forms.
    submissions_per_window: int = 5
    submission_window_seconds: int = 600
    min_fill_seconds: float = 8.0
    # Outbox for submissions the store could not take yet.
    outbox_path: Path = Path("data/outbox.sqlite3")
    # Snapshots of the tables as read, so a restarted server reads only rows added since (None: off).
    snapshot_dir: Path | None = Path("data/snapshots")
    # Staff sessions end after this long without activity.
    staff_idle_minutes: int = 30
    community_trigger: CommunityTriggerRule = field(default_factory=CommunityTriggerRule)
    # Secrets sections the auth module reads as they are.
    auth_configured: bool = False
    staff_passcodes: Mapping[str, str] = field(default_factory=dict)
    staff_emails: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def uses_emulator(self) -> bool:
        return bool(self.gsheets_endpoint)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def is_loopback_url(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_community_trigger(path: Path = DATA / "community_trigger.toml") -> CommunityTriggerRule:
    with path.open("rb") as handle:
        values = tomllib.load(handle)
    return CommunityTriggerRule(
        incidents=int(values["incidents"]),
        months=int(values["months"]),
        others_with_similar=int(values["others_with_similar"]),
        application_url=str(values["application_url"]),
    )


def load_settings(secrets: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the configuration: environment first, then secrets, then defaults."""
    env = os.environ if env is None else env
    secrets = secrets or {}
    app = dict(secrets.get("hcsp", {}) or {})
    gsheets = dict(secrets.get("gsheets", {}) or {})

    def pick(env_name: str, section: Mapping[str, Any], key: str, default: Any = "") -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return section.get(key, default)

    storage = str(pick("HCSP_STORAGE", app, "storage", "sqlite")).strip().lower()
    if storage not in {"sqlite", "gsheets"}:
        raise ConfigError(f"HCSP_STORAGE must be 'sqlite' or 'gsheets', not {storage!r}.")
    demo = _truthy(pick("HCSP_DEMO", app, "demo", "0"))
    sqlite_default = DEFAULT_DEMO_SQLITE_PATH if demo else DEFAULT_SQLITE_PATH
    sqlite_path = Path(str(pick("HCSP_SQLITE_PATH", app, "sqlite_path", sqlite_default)))
    if demo:
        # Demo data never shares a store with real answers.
        storage = "sqlite"
        if sqlite_path == Path(DEFAULT_SQLITE_PATH):
            sqlite_path = Path(DEFAULT_DEMO_SQLITE_PATH)

    endpoint = str(pick("HCSP_GSHEETS_ENDPOINT", gsheets, "endpoint", "")).rstrip("/")
    if endpoint and not is_loopback_url(endpoint):
        raise ConfigError(
            "HCSP_GSHEETS_ENDPOINT may only point at a local emulator (localhost or 127.0.0.1): "
            f"{endpoint!r} is not a loopback address."
        )
    account_info = gsheets.get("service_account")
    spreadsheet_id = str(pick("HCSP_GSHEETS_SPREADSHEET_ID", gsheets, "spreadsheet_id", ""))
    account_file = str(pick("HCSP_GSHEETS_SERVICE_ACCOUNT_FILE", gsheets, "service_account_file", ""))
    if storage == "gsheets":
        if not spreadsheet_id:
            raise ConfigError(
                "Google Sheets storage needs the spreadsheet's key: set HCSP_GSHEETS_SPREADSHEET_ID "
                "or [gsheets] spreadsheet_id in secrets."
            )
        if not endpoint and not account_file and not account_info:
            raise ConfigError(
                "Google Sheets storage needs a service account: set HCSP_GSHEETS_SERVICE_ACCOUNT_FILE "
                "or add a [gsheets.service_account] table to secrets."
            )

    passcodes = {str(role): str(value) for role, value in (secrets.get("staff_passcodes") or {}).items()}
    roles = secrets.get("staff_roles") or {}
    staff_emails = {
        str(role): tuple(str(email).strip().lower() for email in emails) for role, emails in roles.items()
    }
    outbox_default = sqlite_path.with_name("outbox.sqlite3") if demo else Path("data/outbox.sqlite3")
    outbox_path = Path(str(pick("HCSP_OUTBOX_PATH", app, "outbox_path", outbox_default)))
    # Beside the outbox unless set: both hold answers and belong on the same persistent, private disk.
    snapshot_setting = str(pick("HCSP_SNAPSHOT_DIR", app, "snapshot_dir", "")).strip()
    snapshot_dir = (
        None
        if snapshot_setting.lower() == "off"
        else Path(snapshot_setting)
        if snapshot_setting
        else outbox_path.parent / "snapshots"
    )
    return Settings(
        storage=storage,
        sqlite_path=sqlite_path,
        gsheets_spreadsheet_id=spreadsheet_id,
        gsheets_service_account_file=account_file,
        gsheets_service_account_info=dict(account_info) if account_info else None,
        gsheets_endpoint=endpoint,
        demo=demo,
        public_min_reports=int(pick("HCSP_PUBLIC_MIN_REPORTS", app, "public_min_reports", 10)),
        board_min_count=int(app.get("board_min_count", 5)),
        submissions_per_window=int(pick("HCSP_SUBMISSIONS_PER_WINDOW", app, "submissions_per_window", 5)),
        submission_window_seconds=int(app.get("submission_window_seconds", 600)),
        min_fill_seconds=float(pick("HCSP_MIN_FILL_SECONDS", app, "min_fill_seconds", 8.0)),
        outbox_path=outbox_path,
        snapshot_dir=snapshot_dir,
        staff_idle_minutes=int(app.get("staff_idle_minutes", 30)),
        community_trigger=load_community_trigger(),
        auth_configured="auth" in secrets,
        staff_passcodes=passcodes,
        staff_emails=staff_emails,
    )
