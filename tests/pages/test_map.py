"""The community map page: suppressed hexagons, interventions, charts, and no free text."""

from __future__ import annotations

from datetime import date

import folium
import pytest

from hcsp_engage import config, geography, interventions, maps, schema, storage
from hcsp_engage.storage.base import to_frame
from tests.analysis.test_aggregate import HIGH_TOWN, LEOMINSTER, report
from tests.conftest import open_page
from tests.pages.staff_support import leaked, seed_distinctive_store


@pytest.fixture
def drawn(monkeypatch):
    """The folium maps the page hands to st_folium (the third-party component is not run)."""
    figures: list[folium.Map] = []

    def fake_st_folium(fig, **kwargs):
        figures.append(fig)
        return {}

    monkeypatch.setattr("streamlit_folium.st_folium", fake_st_folium)
    return figures


def store() -> storage.Store:
    return storage.open_store(config.load_settings({}))


def hexagons(fig: folium.Map, layer: str) -> list[dict]:
    found = []

    def walk(element, inside: bool) -> None:
        inside = inside or (isinstance(element, folium.FeatureGroup) and element.layer_name == layer)
        if inside and isinstance(element, folium.GeoJson):
            found.extend(element.data["features"])
        for child in element._children.values():
            walk(child, inside)

    walk(fig, False)
    return found


def add_reports(*groups: tuple[tuple[float, float], int, str]) -> None:
    n = 0
    for point, count, category in groups:
        for _ in range(count):
            store().append(
                schema.ASB_REPORTS, report(*point, category=category, n=n, occurred_on=today_iso())
            )
            n += 1


def today_iso() -> str:
    return date.today().isoformat()


def test_with_no_data_the_page_says_so_and_still_shows_the_interventions(drawn):
    at = open_page("views/map.py")
    assert not at.exception
    assert any("No reports or survey answers yet" in info.value for info in at.info)
    public_titles = [i.title for i in interventions.seed_interventions() if i.public]
    shown = " ".join(markdown.value for markdown in at.markdown)
    assert all(maps_title in shown.replace("\\", "") for maps_title in public_titles)
    assert "Safer Streets interventions" in maps.to_html(drawn[-1])


def test_the_map_shows_only_hexagons_with_at_least_k_reports_and_no_personal_asb(drawn):
    add_reports((HIGH_TOWN, 10, "Noise"), (LEOMINSTER, 9, "Noise"), (LEOMINSTER, 30, "Harassment"))
    at = open_page("views/map.py")
    assert not at.exception
    features = hexagons(drawn[-1], "ASB concerns, last 12 months")
    assert len(features) == 1
    assert features[0]["properties"]["band"] == "10–24"


def test_k_is_configurable(drawn, monkeypatch):
    monkeypatch.setenv("HCSP_PUBLIC_MIN_REPORTS", "20")
    add_reports((HIGH_TOWN, 15, "Noise"))
    at = open_page("views/map.py")
    assert hexagons(drawn[-1], "ASB concerns, last 12 months") == []
    assert any("20 or more reports" in info.value for info in at.info)


def test_choosing_a_town_zooms_the_map_there_and_keeps_its_hexagons(drawn):
    add_reports((HIGH_TOWN, 12, "Noise"), (LEOMINSTER, 11, "Vandalism, damage or graffiti"))
    at = open_page("views/map.py")
    at.segmented_control(key="map_area").set_value("Leominster").run()
    assert not at.exception
    town = geography.view_for("Leominster")
    assert tuple(drawn[-1].location) == (town.lat, town.lon)
    assert len(hexagons(drawn[-1], "ASB concerns, last 12 months")) == 1
    assert any("Concerns by month: Leominster" in header.value for header in at.subheader)


def test_no_free_text_or_private_intervention_reaches_the_public_map(drawn):
    seed_distinctive_store()
    at = open_page("views/map.py")
    assert not at.exception
    assert leaked(at) == []
    html = maps.to_html(drawn[-1])
    assert "Quokkazebra" not in html and "Wombatfield" not in html and "Numbat" not in html


def test_feelings_of_safety_show_the_baselines_and_the_number_of_answers(drawn):
    rows = []
    for n in range(8):
        row = {column: "" for column in schema.COLUMNS[schema.SURVEY_RESPONSES]}
        row.update(
            response_id=f"S-{n:08d}",
            submitted_at="2026-10-01T12:00:00Z",
            area="Hereford",
            safe_after_dark="Fairly safe" if n < 6 else "Very unsafe",
        )
        rows.append(row)
    for row in to_frame(schema.SURVEY_RESPONSES, rows).to_dict("records"):
        store().append(schema.SURVEY_RESPONSES, row)
    at = open_page("views/map.py")
    at.segmented_control(key="map_area").set_value("Hereford").run()
    captions = " ".join(caption.value for caption in at.caption)
    assert "Hereford (this survey): 75% feel very or fairly safe (8 answers)" in captions
    assert "2021" in captions and "Great Britain" in captions
