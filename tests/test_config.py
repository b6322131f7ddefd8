"""Settings read from the environment over secrets: the maps' tiles."""

from __future__ import annotations

import pytest

from hcsp_engage.config import NO_TILES, OSM_ATTRIBUTION, OSM_TILES, ConfigError, load_settings

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
