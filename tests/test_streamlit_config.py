"""The deployed settings: .streamlit/config.toml stays production-safe, and secrets.toml.example documents
every setting the app reads."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from streamlit import config as streamlit_config

from hcsp_engage.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
SECRETS_EXAMPLE = ROOT / ".streamlit" / "secrets.toml.example"
CONFIG_MODULE = ROOT / "hcsp_engage" / "config.py"


def config_options() -> dict[str, object]:
    values = tomllib.loads(CONFIG.read_text())
    return {f"{section}.{key}": value for section, table in values.items() for key, value in table.items()}


def test_config_is_production_safe():
    options = config_options()

    assert options["client.showErrorDetails"] in ("none", "type")  # no tracebacks for residents
    assert options["browser.gatherUsageStats"] is False
    assert options["server.enableXsrfProtection"] is True
    assert options["server.enableCORS"] is True
    assert options["server.maxUploadSize"] <= 5  # megabytes; residents upload nothing
    # Megabytes a browser may send in one message: forms send kilobytes, so a 10 MB comment is refused.
    assert options["server.maxWidgetStateSize"] == 1
    assert options["server.maxMessageSize"] <= 10
    assert options["client.toolbarMode"] == "viewer"
    assert options["server.runOnSave"] is False
    assert options["client.allowedOrigins"] == []  # no other site can steer the app from an iframe
    # The maps' scripts, stylesheets and fonts come from static/map/ on the app's own address.
    assert options["server.enableStaticServing"] is True


def test_config_documents_allowed_hosts_for_deployment():
    assert re.search(r"^# allowedHosts = \[", CONFIG.read_text(), re.MULTILINE)


def test_every_config_option_is_one_streamlit_knows():
    # A misspelt option is ignored silently, which would quietly undo a safety setting.
    streamlit_config.get_config_options()
    known = set(streamlit_config._config_options_template)

    unknown = set(config_options()) - known

    assert unknown == set()


# --- secrets.toml.example -------------------------------------------------------------------------------

SETTING_LINE = re.compile(r"^#(?=\[|[a-z_])", re.MULTILINE)  # "#key = ..." or "#[section]"; "# " is prose


def example_secrets() -> dict:
    """The example with every commented-out setting switched on."""
    return tomllib.loads(SETTING_LINE.sub("", SECRETS_EXAMPLE.read_text()))


def test_secrets_example_keeps_every_setting_commented_out():
    # Copying the example to secrets.toml changes nothing until a setting is chosen on purpose.
    assert tomllib.loads(SECRETS_EXAMPLE.read_text()) == {}


def test_secrets_example_documents_every_setting():
    secrets = example_secrets()

    assert set(secrets["hcsp"]) == {
        "storage",
        "sqlite_path",
        "demo",
        "public_min_reports",
        "board_min_count",
        "board_impact_radius_m",
        "board_impact_months",
        "submissions_per_window",
        "submission_window_seconds",
        "min_fill_seconds",
        "trusted_proxy_hops",
        "outbox_path",
        "outbox_durable",
        "snapshot_dir",
        "cache_ttl_seconds",
        "staff_idle_minutes",
        "map_tiles",
        "map_attribution",
    }
    assert {"spreadsheet_id", "service_account_file", "endpoint", "service_account"} <= set(
        secrets["gsheets"]
    )
    assert {"type", "project_id", "private_key", "client_email", "token_uri"} <= set(
        secrets["gsheets"]["service_account"]
    )
    assert set(secrets["postgres"]) == {"url"}
    assert set(secrets["staff_passcodes"]) == {"officer", "board"}
    assert set(secrets["staff_roles"]) == {"officer", "board", "issuer"}
    assert all(isinstance(secrets["staff_roles"][role], list) for role in ("officer", "board"))
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(
        secrets["auth"]
    )


def keys_load_settings_reads() -> set[tuple[str, str]]:
    """(section, key) for every secrets key hcsp_engage/config.py reads, found in its source."""
    tree = ast.parse(CONFIG_MODULE.read_text())
    sections = {"app": "hcsp", "gsheets": "gsheets", "postgres": "postgres"}
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id == "pick":
            section, key = node.args[1], node.args[2]
            found.add((sections[section.id], key.value))
        elif (
            isinstance(function, ast.Attribute)
            and function.attr == "get"
            and isinstance(function.value, ast.Name)
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            owner = function.value.id
            if owner in sections:
                found.add((sections[owner], node.args[0].value))
            elif owner == "secrets":
                found.add(("", node.args[0].value))
    return found


def test_secrets_example_mentions_every_key_the_app_reads():
    secrets = example_secrets()
    read = keys_load_settings_reads()
    assert len(read) > 10  # the source scan found the settings

    missing = {
        (section, key) for section, key in read if key not in (secrets.get(section) if section else secrets)
    }

    assert missing == set()


def test_secrets_example_loads_as_settings():
    secrets = example_secrets()
    settings = load_settings(secrets, env={})

    assert settings.storage == "sqlite"
    assert settings.gsheets_spreadsheet_id == secrets["gsheets"]["spreadsheet_id"]
    assert settings.gsheets_service_account_info["client_email"].endswith(".iam.gserviceaccount.com")
    assert settings.public_min_reports == 10
    assert settings.auth_configured
    assert settings.map_tiles.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
