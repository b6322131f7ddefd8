import pandas as pd

from hcsp_engage import charts


def test_the_concerns_chart_stacks_categories_by_month():
    counts = pd.DataFrame(
        {"month": ["2026-09", "2026-10"], "category": ["Noise", "Arson"], "concerns": [6, 9]}
    )
    spec = charts.concerns_chart(counts).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["timeUnit"] == "yearmonth"
    assert spec["encoding"]["color"]["field"] == "category"
    rows = next(iter(spec["datasets"].values()))
    assert [row["concerns"] for row in rows] == [6, 9]


def test_the_safety_chart_labels_each_bar_and_leaves_out_hidden_percentages():
    figures = pd.DataFrame(
        {
            "label": ["Hereford (this survey)", "Herefordshire (this survey)", "Herefordshire 2023"],
            "percent_safe": [None, 64.3, 73.0],
            "responses": [3, 120, None],
            "kind": ["This survey", "This survey", "Baseline"],
        }
    )
    spec = charts.safety_chart(figures).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [row["label"] for row in rows] == ["Herefordshire (this survey)", "Herefordshire 2023"]
    assert [row["text"] for row in rows] == ["64%", "73%"]
