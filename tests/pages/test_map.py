"""The community map page: one monthly publication, suppressed and banded hexagons, interventions, charts,
and no free text."""

from __future__ import annotations

import json
import re
from datetime import date

import folium
import pyarrow as pa
import pytest

from hcsp_engage import config, schema, storage
from hcsp_engage.analysis import interventions, snapshot
from hcsp_engage.reference import geography
from hcsp_engage.render import maps
from hcsp_engage.web import cached
from tests.analysis.test_aggregate import HIGH_TOWN, LEOMINSTER, report
from tests.conftest import open_page
from tests.pages.staff_support import leaked, seed_distinctive_store
from tests.rows import response_row

TODAY = date(2026, 11, 20)  # the publication of 1 November 2026: November 2025 to October 2026
IN_PERIOD = "2026-10-14"  # a day in its last month


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The page's today: move it with ``clock.set(day)``."""

    class Clock:
        day = TODAY

        def set(self, day: date) -> None:
            self.day = day

    fixed = Clock()
    monkeypatch.setattr(snapshot, "today", lambda: fixed.day)
    return fixed


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


def add_reports(*groups: tuple[tuple[float, float], int, str], day: str = IN_PERIOD, start: int = 0) -> None:
    n = start
    for point, count, category in groups:
        for _ in range(count):
            store().append(
                schema.ASB_REPORTS,
                report(*point, category=category, n=n, occurred_on=day, submitted_at=f"{day}T12:00:00Z"),
            )
            n += 1


def add_answers(
    answers: list[tuple[str, str]], submitted_at: str = f"{IN_PERIOD}T12:00:00Z", start: int = 0
) -> None:
    for n, (area, answer) in enumerate(answers, start=start):
        row = response_row(n, submitted_at=submitted_at, area=area, safe_after_dark=answer)
        store().append(schema.SURVEY_RESPONSES, row)


def charts(at) -> list[dict]:
    """Each Altair chart on the page: its Vega-Lite spec, with ``values`` its data rows."""
    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        rows = [
            row
            for dataset in chart.proto.datasets
            for row in pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
        ]
        found.append(spec | {"values": rows})
    return found


def public_figures(at, fig: folium.Map) -> dict:
    """Everything the page shows a reader: its text, its charts, its tables and the hexagons sent to the map."""
    return {
        "text": [
            element.value
            for kind in ("markdown", "caption", "header", "info")
            for element in getattr(at, kind)
        ],
        "charts": charts(at),
        "tables": [frame.value.to_json() for frame in at.dataframe],
        "hexagons": [
            (feature["properties"]["band"], json.dumps(feature["geometry"]))
            for layer in LAYERS
            for feature in hexagons(fig, layer)
        ],
    }


LAYERS = ("ASB concerns, last 12 months", "Places where people feel unsafe")


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
    assert any("Concerns by month: Leominster" in header.value for header in at.header)


def test_no_free_text_or_private_intervention_reaches_the_public_map(drawn):
    seed_distinctive_store()
    at = open_page("views/map.py")
    assert not at.exception
    assert leaked(at) == []
    html = maps.to_html(drawn[-1])
    assert "Quokkazebra" not in html and "Wombatfield" not in html and "Numbat" not in html


def test_feelings_of_safety_show_the_baselines_and_the_answers_in_bands(drawn):
    add_answers([("Hereford", "Fairly safe")] * 20 + [("Hereford", "Very unsafe")] * 10)
    at = open_page("views/map.py")
    at.segmented_control(key="map_area").set_value("Hereford").run()
    captions = " ".join(caption.value for caption in at.caption)
    assert "Hereford (this survey): 67% feel very or fairly safe (25–49 answers)" in captions
    assert "2021" in captions and "Great Britain" in captions


def test_the_page_says_when_the_figures_were_published_and_what_they_cover(drawn):
    at = open_page("views/map.py")
    shown = " ".join(markdown.value for markdown in at.markdown)
    assert "Figures published 1 November 2026, covering November 2025 to October 2026" in shown
    assert "1 December 2026" in shown  # when new reports and answers appear


def test_two_consecutive_days_show_the_same_figures(drawn, clock):
    add_reports((HIGH_TOWN, 12, "Noise"), day="2025-11-20")  # on the first day a rolling year would drop
    add_reports((HIGH_TOWN, 14, "Noise"), (LEOMINSTER, 11, "Arson"), start=100)
    add_answers([("Hereford", "Very safe")] * 14 + [("Hereford", "Fairly unsafe")] * 11)
    clock.set(date(2026, 11, 20))
    first = open_page("views/map.py")
    before = public_figures(first, drawn[-1])
    clock.set(date(2026, 11, 21))
    second = open_page("views/map.py")  # a new visit (the caches are by publication, not by day)
    assert public_figures(second, drawn[-1]) == before
    assert any("Concerns by month" in header.value for header in second.header)
    assert charts(second)  # the figures compared include the charts


def test_a_new_answer_or_report_changes_no_figure_until_the_month_is_published(drawn, clock):
    add_reports((HIGH_TOWN, 14, "Noise"))
    add_answers([("Leominster", "Very safe")] * 14 + [("Leominster", "Fairly unsafe")] * 11)
    at = open_page("views/map.py")
    at.segmented_control(key="map_area").set_value("Leominster").run()
    before = public_figures(at, drawn[-1])
    add_answers([("Leominster", "Very unsafe")], submitted_at="2026-11-20T08:00:00Z", start=500)
    add_reports((HIGH_TOWN, 1, "Noise"), day="2026-11-20", start=500)
    cached.forget_tables()  # the page reads them at once (its tables are otherwise kept for a minute)
    at.segmented_control(key="map_area").set_value(None).run()  # the same visitor, later
    at.segmented_control(key="map_area").set_value("Leominster").run()
    assert public_figures(at, drawn[-1]) == before
    again = open_page("views/map.py")  # and a new visitor
    again.segmented_control(key="map_area").set_value("Leominster").run()
    assert public_figures(again, drawn[-1]) == before
    clock.set(date(2026, 12, 1))  # published: the answer now counts, within its band
    december = open_page("views/map.py")
    december.segmented_control(key="map_area").set_value("Leominster").run()
    captions = " ".join(caption.value for caption in december.caption)
    assert "Leominster (this survey): 54% feel very or fairly safe (25–49 answers)" in captions


def test_the_chart_shows_bands_at_k_and_leaves_out_months_below_k(drawn, monkeypatch):
    monkeypatch.setenv("HCSP_PUBLIC_MIN_REPORTS", "20")
    add_reports((HIGH_TOWN, 23, "Noise"), (LEOMINSTER, 19, "Arson"))
    at = open_page("views/map.py")
    (chart,) = [spec for spec in charts(at) if spec.get("mark", {}).get("type") == "rect"]
    assert [(row["month"], row["category"], row["band"]) for row in chart["values"]] == [
        ("2026-10", "Noise", "20–24")
    ]  # the Arson month (19) is left out
    assert "quantitative" not in json.dumps(chart["encoding"])
    table = at.dataframe[0].value
    assert list(table.columns) == ["Noise"] and table.loc["October 2026", "Noise"] == "20–24"
    assert (table.drop(index="October 2026") == "").all().all()
    features = hexagons(drawn[-1], LAYERS[0])
    assert [feature["properties"]["band"] for feature in features] == ["20–24"]


def test_no_exact_count_of_reports_or_answers_reaches_the_page(drawn):
    # Distinctive counts: 37 noise concerns in October, 17 arson in September, 23 + 14 = 37 answers.
    add_reports((HIGH_TOWN, 37, "Noise"))
    add_reports((LEOMINSTER, 17, "Arson"), day="2026-09-09", start=100)
    add_answers([("Hereford", "Very safe")] * 23 + [("Hereford", "Very unsafe")] * 14)
    for view in ("All of Herefordshire", "Hereford", "Leominster"):
        at = open_page("views/map.py")
        at.segmented_control(key="map_area").set_value(view).run()
        shown = json.dumps(public_figures(at, drawn[-1]), ensure_ascii=False, default=str)
        numbers = set(re.findall(r"(?<![\w.])\d+(?![\w.])", shown))  # numbers, not coordinates or ids
        assert not numbers & {"37", "17", "54", "23", "14"}, view  # 54: 37 + 17
        assert "25–49" in shown and "10–24" in shown  # the bands that hold them
