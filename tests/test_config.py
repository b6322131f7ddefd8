"""Settings read from the environment over secrets: abuse limits, staff sign-in and the maps' tiles (the
rest are covered through the pages)."""

from __future__ import annotations

import pytest

from hcsp_engage import config
from hcsp_engage.config import NO_TILES, OSM_ATTRIBUTION, OSM_TILES, ConfigError, load_settings


def test_trusted_proxy_hops_come_from_the_environment_first_then_secrets_and_default_to_none():
    assert config.load_settings({}, env={}).trusted_proxy_hops == 0
    secrets = {"hcsp": {"trusted_proxy_hops": 1}}
    assert config.load_settings(secrets, env={}).trusted_proxy_hops == 1
    assert config.load_settings(secrets, env={"HCSP_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_trusted_proxy_hops_that_are_not_a_count_are_refused_with_the_setting_named(value):
    with pytest.raises(config.ConfigError, match="HCSP_TRUSTED_PROXY_HOPS"):
        config.load_settings({}, env={"HCSP_TRUSTED_PROXY_HOPS": value})


def test_the_trusted_issuer_is_the_tenant_of_the_sign_in_metadata_or_the_one_named():
    entra = "https://login.microsoftonline.com/hcsp-tenant/v2.0"
    auth = {"auth": {"server_metadata_url": f"{entra}/.well-known/openid-configuration"}}
    roles = {"staff_roles": {"officer": ["a@herefordshire.gov.uk"]}}
    assert config.load_settings(auth | roles, env={}).staff_issuers == (entra,)
    named = {"staff_roles": {"officer": ["a@herefordshire.gov.uk"], "issuer": "https://idp.example.org"}}
    settings = config.load_settings(auth | named, env={})
    assert settings.staff_issuers == ("https://idp.example.org",)
    assert set(settings.staff_emails) == {"officer"}  # "issuer" is not a role
    provider = {"auth": {"microsoft": {"server_metadata_url": f"{entra}/.well-known/openid-configuration"}}}
    assert config.load_settings(provider, env={}).staff_issuers == (entra,)
    assert config.load_settings({}, env={}).staff_issuers == ()


OS_TEMPLATE = "https://api.os.uk/maps/raster/v1/zxy/Road_3857/{z}/{x}/{y}.png?key=SECRET-KEY"


def test_the_maps_use_openstreetmap_tiles_with_its_credit_by_default():
    tiles = load_settings({}, env={}).map_tiles

    assert (tiles.url, tiles.attribution) == (OSM_TILES, OSM_ATTRIBUTION)
    assert not tiles.none


def test_no_tiles_can_be_chosen_in_secrets_or_the_environment():
    assert load_settings({"hcsp": {"map_tiles": "none"}}, env={}).map_tiles == NO_TILES
    assert load_settings({"hcsp": {"map_tiles": "osm"}}, env={"HCSP_MAP_TILES": "none"}).map_tiles.none


def test_a_tile_template_is_used_with_its_attribution():
    secrets = {"hcsp": {"map_tiles": OS_TEMPLATE, "map_attribution": "Contains OS data"}}

    tiles = load_settings(secrets, env={}).map_tiles

    assert (tiles.url, tiles.attribution) == (OS_TEMPLATE, "Contains OS data")
    assert "SECRET-KEY" not in repr(load_settings(secrets, env={}))  # a key stays out of logs


def test_the_environment_gives_a_template_its_attribution():
    env = {"HCSP_MAP_TILES": OS_TEMPLATE, "HCSP_MAP_ATTRIBUTION": "Contains OS data"}

    assert load_settings({}, env=env).map_tiles.attribution == "Contains OS data"


@pytest.mark.parametrize(
    ("template", "missing"),
    [
        ("https://tiles.example.org/{z}/{x}.png?key=SECRET-KEY", "{y}"),
        ("https://tiles.example.org/tiles.png?key=SECRET-KEY", "{z}, {x}, {y}"),
    ],
)
def test_a_template_without_zoom_and_tile_numbers_is_refused_naming_them(template, missing):
    with pytest.raises(ConfigError, match=f"without {missing}") as refused:
        load_settings({}, env={"HCSP_MAP_TILES": template, "HCSP_MAP_ATTRIBUTION": "Credit"})

    assert "SECRET-KEY" not in str(refused.value)


def test_a_template_without_an_attribution_is_refused():
    with pytest.raises(ConfigError, match="HCSP_MAP_ATTRIBUTION"):
        load_settings({"hcsp": {"map_tiles": OS_TEMPLATE}}, env={})


def test_a_tile_choice_that_is_no_web_address_is_refused():
    with pytest.raises(ConfigError, match="'osm', 'none' or a tile URL template"):
        load_settings({}, env={"HCSP_MAP_TILES": "satellite"})


# --- Precedence: environment over secrets over defaults (docs/design.md section 6) ----------------------


@pytest.mark.parametrize(
    ("env_name", "section", "key", "env_value", "secret_value", "read"),
    [
        (
            "HCSP_SQLITE_PATH",
            "hcsp",
            "sqlite_path",
            "/env/a.sqlite3",
            "/secret/b.sqlite3",
            lambda s: str(s.sqlite_path),
        ),
        ("HCSP_PUBLIC_MIN_REPORTS", "hcsp", "public_min_reports", "12", 15, lambda s: s.public_min_reports),
        ("HCSP_DEMO", "hcsp", "demo", "0", "1", lambda s: s.demo),
    ],
)
def test_the_environment_wins_over_secrets_which_win_over_the_default(
    env_name, section, key, env_value, secret_value, read
):
    secrets = {section: {key: secret_value}}
    default = read(load_settings({}, env={}))
    from_secrets = read(load_settings(secrets, env={}))
    from_env = read(load_settings(secrets, env={env_name: env_value}))
    assert from_secrets != default
    assert from_env != from_secrets
    assert from_env == read(load_settings({}, env={env_name: env_value}))


def test_with_nothing_configured_the_app_runs_on_the_embedded_store():
    settings = load_settings({}, env={})
    assert settings.storage == "sqlite"
    assert str(settings.sqlite_path) == config.DEFAULT_SQLITE_PATH
    assert settings.public_min_reports == 10


def test_an_empty_environment_variable_leaves_the_secret_in_force():
    settings = load_settings({"hcsp": {"public_min_reports": 15}}, env={"HCSP_PUBLIC_MIN_REPORTS": ""})
    assert settings.public_min_reports == 15


def test_the_tables_cache_time_is_a_minute_unless_set_in_secrets_or_the_environment():
    assert load_settings({}, env={}).cache_ttl_seconds == 60
    secrets = {"hcsp": {"cache_ttl_seconds": 30}}
    assert load_settings(secrets, env={}).cache_ttl_seconds == 30
    assert load_settings(secrets, env={"HCSP_CACHE_TTL_SECONDS": "2.5"}).cache_ttl_seconds == 2.5


@pytest.mark.parametrize("value", ["0", "-5", "a minute", "nan"])
def test_a_cache_time_that_is_no_positive_number_is_refused_with_the_setting_named(value):
    with pytest.raises(ConfigError, match="HCSP_CACHE_TTL_SECONDS"):
        load_settings({}, env={"HCSP_CACHE_TTL_SECONDS": value})
