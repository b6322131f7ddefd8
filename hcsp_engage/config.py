"""Configuration (docs/design.md section 6: contract).

Environment variables override ``.streamlit/secrets.toml``; with neither, the app runs on the embedded
SQLite store. This module does not import Streamlit: pages pass ``st.secrets`` in as a mapping.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hcsp_engage import reference
from hcsp_engage.security import issuer_from_metadata_url

DEFAULT_SQLITE_PATH = "data/hcsp_engage.sqlite3"
DEFAULT_DEMO_SQLITE_PATH = "data/hcsp_engage_demo.sqlite3"
GOOGLE_SHEETS_ENDPOINT = "https://sheets.googleapis.com"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class ConfigError(Exception):
    """The configuration cannot work; the message says which setting to fix."""


@dataclass(frozen=True)
class CommunityTriggerRule:
    incidents: int = 3
    months: int = 6
    others_with_similar: int = 4
    application_url: str = ""


@dataclass(frozen=True)
class MapTiles:
    """The maps' background: a ``{z}/{x}/{y}`` tile URL template with its attribution (HTML, shown in the
    map's corner), or no tiles at all (``url`` empty): then the maps draw the county outline, the towns
    and the named places from the app's own files (README "Maps")."""

    url: str = field(default=OSM_TILES, repr=False)  # may carry an API key: kept out of logs
    attribution: str = OSM_ATTRIBUTION
    name: str = "OpenStreetMap"

    @property
    def none(self) -> bool:
        return not self.url


NO_TILES = MapTiles(url="", attribution="", name="none")


@dataclass(frozen=True)
class Settings:
    storage: str = "sqlite"
    sqlite_path: Path = Path(DEFAULT_SQLITE_PATH)
    gsheets_spreadsheet_id: str = ""
    gsheets_service_account_file: str = ""
    gsheets_service_account_info: Mapping[str, Any] | None = None
    gsheets_endpoint: str = ""
    # PostgreSQL connection URL (libpq form: postgresql://user:password@host:5432/dbname).
    database_url: str = ""
    demo: bool = False
    # Public map: a hexagon is drawn only when it holds at least this many reports.
    public_min_reports: int = 10
    # Board tables: counts below this are shown as "fewer than 5".
    board_min_count: int = 5
    # Board: the Safer Streets comparison's radius and windows (fixed, not chosen on the page).
    board_impact_radius_m: float = 300.0
    board_impact_months: int = 6
    # Abuse limits for public forms.
    submissions_per_window: int = 5
    submission_window_seconds: int = 600
    min_fill_seconds: float = 8.0
    # How many reverse proxies of ours append to X-Forwarded-For (security.client_address).
    trusted_proxy_hops: int = 0
    # Outbox for submissions the store could not take yet.
    outbox_path: Path = Path("data/outbox.sqlite3")
    # Whether the outbox's disk survives a restart. False where it does not (Streamlit Community
    # Cloud wipes its disk): a resident is then told their waiting answers could be lost.
    outbox_durable: bool = True
    # Snapshots of the tables as read, so a restarted server reads only rows added since (None: off).
    snapshot_dir: Path | None = Path("data/snapshots")
    # How long a server process keeps the tables it read before reading again (new rows only): what
    # another server's submissions wait to show, and at most one read a minute to Google Sheets.
    cache_ttl_seconds: float = 60.0
    # Staff sessions end after this long without activity.
    staff_idle_minutes: int = 30
    community_trigger: CommunityTriggerRule = field(default_factory=CommunityTriggerRule)
    # Secrets sections the auth module reads as they are.
    auth_configured: bool = False
    staff_passcodes: Mapping[str, str] = field(default_factory=dict)
    staff_emails: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Single sign-on roles only for tokens from these issuers (none configured: any issuer).
    staff_issuers: tuple[str, ...] = ()
    map_tiles: MapTiles = field(default_factory=MapTiles)

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


def map_tiles(choice: str, attribution: str = "") -> MapTiles:
    """``osm``, ``none`` or a tile URL template (which needs its attribution); ConfigError otherwise."""
    choice = choice.strip()
    if choice.lower() in ("", "osm", "openstreetmap"):
        return MapTiles()
    if choice.lower() == "none":
        return NO_TILES
    parsed = urlparse(choice)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise ConfigError(
            "HCSP_MAP_TILES must be 'osm', 'none' or a tile URL template starting https://, "
            f"not {_without_query(choice)!r}."
        )
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in choice]
    if missing:
        raise ConfigError(
            f"HCSP_MAP_TILES is a tile URL template without {', '.join(missing)}: it needs {{z}}, {{x}} and "
            f"{{y}} where the zoom and tile numbers go, e.g. https://tiles.example.org/{{z}}/{{x}}/{{y}}.png "
            f"(given: {_without_query(choice)!r})."
        )
    if not attribution.strip():
        raise ConfigError(
            "HCSP_MAP_TILES names your own tile server, so the map must credit it: set HCSP_MAP_ATTRIBUTION "
            "(or [hcsp] map_attribution in secrets) to the text its licence asks for, e.g. "
            "'Contains OS data &copy; Crown copyright and database rights 2026'."
        )
    return MapTiles(url=choice, attribution=attribution.strip(), name=parsed.hostname)


def _without_query(url: str) -> str:
    # A tile URL often carries an API key in its query: keep it out of messages and logs.
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")


def load_community_trigger() -> CommunityTriggerRule:
    """The Community Trigger rule from its reference file (configuration, not code: docs/design.md section 4)."""
    values = reference.community_trigger()
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
    postgres = dict(secrets.get("postgres", {}) or {})

    def pick(env_name: str, section: Mapping[str, Any], key: str, default: Any = "") -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return section.get(key, default)

    storage = str(pick("HCSP_STORAGE", app, "storage", "sqlite")).strip().lower()
    if storage not in {"sqlite", "gsheets", "postgres"}:
        raise ConfigError(f"HCSP_STORAGE must be 'sqlite', 'gsheets' or 'postgres', not {storage!r}.")
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

    database_url = str(pick("HCSP_DATABASE_URL", postgres, "url", "")).strip()
    if storage == "postgres" and not database_url:
        raise ConfigError(
            "PostgreSQL storage needs the database's address: set HCSP_DATABASE_URL or [postgres] url "
            "in secrets (postgresql://user:password@host:5432/dbname)."
        )

    passcodes = {str(role): str(value) for role, value in (secrets.get("staff_passcodes") or {}).items()}
    roles = dict(secrets.get("staff_roles") or {})
    issuer = str(roles.pop("issuer", "") or "").strip()
    staff_emails = {
        str(role): tuple(str(email).strip().lower() for email in emails) for role, emails in roles.items()
    }
    hops_text = str(pick("HCSP_TRUSTED_PROXY_HOPS", app, "trusted_proxy_hops", 0)).strip()
    if not hops_text.isdigit():
        raise ConfigError(
            "HCSP_TRUSTED_PROXY_HOPS must be the number of reverse proxies in front of the app "
            f"(0 when browsers connect to it directly), not {hops_text!r}."
        )
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
    ttl_text = str(pick("HCSP_CACHE_TTL_SECONDS", app, "cache_ttl_seconds", 60)).strip()
    try:
        cache_ttl_seconds = float(ttl_text)
    except ValueError:
        cache_ttl_seconds = -1.0
    if not cache_ttl_seconds > 0:
        raise ConfigError(
            f"HCSP_CACHE_TTL_SECONDS must be a number of seconds above 0 (60 unless set), not {ttl_text!r}."
        )
    return Settings(
        storage=storage,
        sqlite_path=sqlite_path,
        gsheets_spreadsheet_id=spreadsheet_id,
        gsheets_service_account_file=account_file,
        gsheets_service_account_info=dict(account_info) if account_info else None,
        gsheets_endpoint=endpoint,
        database_url=database_url,
        demo=demo,
        public_min_reports=int(pick("HCSP_PUBLIC_MIN_REPORTS", app, "public_min_reports", 10)),
        board_min_count=int(app.get("board_min_count", 5)),
        board_impact_radius_m=float(app.get("board_impact_radius_m", 300)),
        board_impact_months=int(app.get("board_impact_months", 6)),
        submissions_per_window=int(pick("HCSP_SUBMISSIONS_PER_WINDOW", app, "submissions_per_window", 5)),
        submission_window_seconds=int(app.get("submission_window_seconds", 600)),
        min_fill_seconds=float(pick("HCSP_MIN_FILL_SECONDS", app, "min_fill_seconds", 8.0)),
        trusted_proxy_hops=int(hops_text),
        outbox_path=outbox_path,
        outbox_durable=_truthy(pick("HCSP_OUTBOX_DURABLE", app, "outbox_durable", "true")),
        snapshot_dir=snapshot_dir,
        cache_ttl_seconds=cache_ttl_seconds,
        staff_idle_minutes=int(app.get("staff_idle_minutes", 30)),
        community_trigger=load_community_trigger(),
        auth_configured="auth" in secrets,
        staff_passcodes=passcodes,
        staff_emails=staff_emails,
        staff_issuers=_staff_issuers(issuer, secrets.get("auth") or {}),
        map_tiles=map_tiles(
            str(pick("HCSP_MAP_TILES", app, "map_tiles", "osm")),
            str(pick("HCSP_MAP_ATTRIBUTION", app, "map_attribution", "")),
        ),
    )


def _staff_issuers(explicit: str, auth: Mapping[str, Any]) -> tuple[str, ...]:
    """The issuers whose tokens may carry a staff role: ``[staff_roles] issuer`` when set, otherwise
    the issuer of each ``server_metadata_url`` under ``[auth]`` (and its provider tables)."""
    if explicit:
        return (explicit,)
    tables = [auth, *(value for value in auth.values() if isinstance(value, Mapping))]
    found = (issuer_from_metadata_url(str(table.get("server_metadata_url", ""))) for table in tables)
    return tuple(dict.fromkeys(issuer for issuer in found if issuer))
