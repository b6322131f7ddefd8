import json

import pandas as pd

from hcsp_engage.render import charts


def test_the_concerns_chart_is_a_banded_table_of_every_month_with_no_numbers():
    cells = pd.DataFrame(
        {
            "month": ["2026-09", "2026-10"],
            "category": ["Noise", "Arson"],
            "band": ["10–24", "25–49"],
            "low": [10, 25],
        }
    )
    months = ("2026-08", "2026-09", "2026-10")
    bands = ("10–24", "25–49", "50–99", "100 or more")
    spec = charts.concerns_chart(cells, months, bands, ("#a1", "#a2", "#a3", "#a4")).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["x"]["scale"]["domain"] == [
        "Aug 2026",
        "Sep 2026",
        "Oct 2026",
    ]  # empty months too
    assert spec["encoding"]["color"]["field"] == "band"
    assert spec["encoding"]["color"]["scale"] == {
        "domain": list(bands),
        "range": ["#a1", "#a2", "#a3", "#a4"],
    }
    assert "quantitative" not in json.dumps(spec["encoding"])  # no axis or tooltip reads a number
    rows = next(iter(spec["datasets"].values()))
    assert [row["band"] for row in rows] == ["10–24", "25–49"]


def test_the_safety_chart_labels_each_bar_and_leaves_out_hidden_percentages():
    figures = pd.DataFrame(
        {
            "label": ["Hereford (this survey)", "Herefordshire (this survey)", "Herefordshire 2023"],
            "percent_safe": [None, 64.3, 73.0],
            "answers": ["", "100 or more", ""],
            "kind": ["This survey", "This survey", "Baseline"],
        }
    )
    spec = charts.safety_chart(figures).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [row["label"] for row in rows] == ["Herefordshire (this survey)", "Herefordshire 2023"]
    assert [row["text"] for row in rows] == ["64%", "73%"]
