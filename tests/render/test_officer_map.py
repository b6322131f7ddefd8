"""The officers' map: stored text is escaped, points are sampled beyond the limit and the page is told,
cells carry exact counts, interventions are overlaid."""

from __future__ import annotations

import pandas as pd
from folium.plugins import FastMarkerCluster

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import hotspots, interventions
from hcsp_engage.reference import geography
from hcsp_engage.render import officer_map
from hcsp_engage.storage.base import to_frame

XSS = "<img src=x onerror=alert(1)>"


def parsed(n: int = 200, seed: int = 4) -> pd.DataFrame:
    reports = synthetic.report_frame(n, seed=seed)
    return hotspots.with_status(hotspots.parse_reports(reports), pd.DataFrame())


def register() -> pd.DataFrame:
    return interventions.current(to_frame(schema.INTERVENTIONS, interventions.seed_rows()))


def rendered(fmap) -> str:
    return fmap.get_root().render()


def test_stored_text_in_point_popups_is_escaped():
    reports = parsed()
    reports.loc[0, "description"] = XSS
    reports.loc[1, "location_detail"] = XSS
    reports.loc[2, "place"] = XSS
    html = rendered(officer_map.officer_map(reports)[0])
    assert XSS not in html
    # The popups travel as JSON in the page ("&" written \u0026): the browser gets "&lt;img ...&gt;",
    # which a popup shows as text.
    assert html.count("\\u0026lt;img src=x onerror=alert(1)\\u0026gt;") == 3


def test_intervention_titles_on_the_officer_map_are_escaped():
    changed = register()
    changed.loc[changed.index[0], "title"] = XSS
    html = rendered(officer_map.officer_map(parsed(), changed)[0])
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_all_points_are_drawn_up_to_the_limit_and_a_sample_beyond_it():
    reports = parsed(300)
    located = reports["lat"].notna().sum()

    _, note = officer_map.officer_map(reports, max_points=1_000)
    assert f"all {located:,} reports" in note

    fmap, note = officer_map.officer_map(reports, max_points=50)
    assert f"random sample of 50 of the {located:,} reports" in note
    cluster = next(child for child in fmap._children.values() if isinstance(child, FastMarkerCluster))
    assert len(cluster.data) == 50


def test_cells_carry_exact_counts():
    reports = parsed(400)
    layer, total = officer_map.cells_layer(reports)
    geojson = next(iter(layer._children.values())).data
    counts = {
        feature["properties"]["cell"]: feature["properties"]["reports"] for feature in geojson["features"]
    }
    expected = reports[reports["cell"] != ""].groupby("cell", observed=True).size()
    assert counts == expected.to_dict()
    assert total == len(expected)


def test_interventions_are_overlaid():
    html = rendered(officer_map.officer_map(parsed(), register())[0])
    first = register().iloc[0]
    assert officer_map.INTERVENTIONS_LAYER in html
    assert first["title"].replace("'", "&#x27;") in html


def test_emerging_hotspots_are_outlined_on_the_map():
    reports = parsed()
    cell = reports["cell"].iloc[0]
    fmap, _ = officer_map.officer_map(reports, emerging_cells=[cell])
    layer = next(
        child for child in fmap._children.values() if getattr(child, "layer_name", "") == "Emerging hotspots"
    )
    outlines = list(layer._children.values())
    assert len(outlines) == 1
    assert outlines[0].locations[0] == list(geography.cell_boundary(cell)[0])
