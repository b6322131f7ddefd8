"""Altair charts for the Board summary, drawn from ``BoardTable.chartable()`` (suppressed values are
left out, so no chart shows a count the tables hide). Used by the page and by the downloadable report.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from hcsp_engage import reference
from hcsp_engage.analysis import board

BLUE = "#1d70b8"
ORANGE = "#d4351c"
GREY = "#505a5f"
QUESTION_COLOURS = alt.Scale(domain=["During the day", "After dark"], range=["#f47738", BLUE])


def _floats(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    # Plain floats: Arrow's int64 reaches Vega as BigInt, which it cannot add up.
    return frame.assign(
        **{column: pd.to_numeric(frame[column], errors="coerce").astype(float) for column in columns}
    )


def engagement(table: board.BoardTable) -> alt.Chart:
    """Responses and reports by month, side by side."""
    frame = _floats(table.chartable(), ["Survey responses", "ASB reports"])
    long = frame.melt(id_vars="Month", var_name="What", value_name="Count").dropna(subset=["Count"])
    long["Month"] = pd.to_datetime(long["Month"] + "-01")
    return (
        alt.Chart(long, title="Responses and reports received by month")
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonth(Month):T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("Count:Q", title="Received"),
            color=alt.Color(
                "What:N",
                title=None,
                scale=alt.Scale(domain=["Survey responses", "ASB reports"], range=[BLUE, ORANGE]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[alt.Tooltip("yearmonth(Month):T", title="Month", format="%B %Y"), "What:N", "Count:Q"],
        )
        .properties(height=220)
    )


def safety_by_group(table: board.BoardTable, title: str) -> alt.LayerChart:
    """% very or fairly safe with 95% intervals, day and after dark, by group; the after-dark baselines
    as dashed lines."""
    frame = _floats(table.chartable(), ["% safe", "95% CI low (%)", "95% CI high (%)", "Answered"]).dropna(
        subset=["% safe"]
    )
    order = list(dict.fromkeys(table.frame["Group"]))  # the table's order, even where a figure is hidden
    base = alt.Chart(frame).encode(
        y=alt.Y("Group:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        yOffset=alt.YOffset("Question:N", sort=["During the day", "After dark"]),
        color=alt.Color("Question:N", title=None, scale=QUESTION_COLOURS, legend=alt.Legend(orient="top")),
    )
    points = base.mark_point(filled=True, size=60).encode(
        x=alt.X("% safe:Q", title="% very or fairly safe (95% interval)", scale=alt.Scale(domain=[0, 100])),
        tooltip=["Group:N", "Question:N", "% safe:Q", "95% CI low (%):Q", "95% CI high (%):Q", "Answered:Q"],
    )
    bars = base.mark_rule(strokeWidth=2).encode(x="95% CI low (%):Q", x2="95% CI high (%):Q")
    baselines = pd.DataFrame(
        [
            {"label": f"{b.label}: {b.percent_safe:.0f}%", "percent": b.percent_safe}
            for b in reference.safety_baselines()
        ]
    )
    rules = (
        alt.Chart(baselines)
        .mark_rule(strokeDash=[4, 3], color=GREY)
        .encode(x="percent:Q", tooltip=[alt.Tooltip("label:N", title="After-dark baseline")])
    )
    subtitle = "Dashed lines: after-dark baselines " + ", ".join(
        f"{b.percent_safe:.0f}% ({b.label.replace('Herefordshire ', '').replace('Great Britain', 'GB')})"
        for b in reference.safety_baselines()
    )
    return (rules + bars + points).properties(
        title=alt.Title(title, subtitle=subtitle, subtitleColor=GREY), height=alt.Step(16)
    )


def safety_trend(table: board.BoardTable) -> alt.LayerChart:
    frame = _floats(table.chartable(), ["% safe", "95% CI low (%)", "95% CI high (%)"]).dropna(
        subset=["% safe"]
    )
    base = alt.Chart(frame).encode(
        x=alt.X("Quarter:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        color=alt.Color("Question:N", title=None, scale=QUESTION_COLOURS, legend=alt.Legend(orient="top")),
    )
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("95% CI low (%):Q", title="% very or fairly safe", scale=alt.Scale(domain=[0, 100])),
        y2="95% CI high (%):Q",
    )
    line = base.mark_line(point=True).encode(
        y="% safe:Q", tooltip=["Quarter:N", "Question:N", "% safe:Q", "95% CI low (%):Q", "95% CI high (%):Q"]
    )
    county = reference.county_baseline()
    words = f"{county.year} county survey, after dark"
    baseline = (
        alt.Chart(
            pd.DataFrame({"percent": [county.percent_safe], "label": [f"{words}: {county.percent_safe:g}%"]})
        )
        .mark_rule(strokeDash=[4, 3], color=GREY)
        .encode(y="percent:Q", tooltip=alt.Tooltip("label:N", title="Baseline"))
    )
    return (band + line + baseline).properties(
        title=alt.Title(
            "Feeling safe by quarter",
            subtitle=f"Shaded: 95% interval. Dashed line: {words} ({county.percent_safe:g}%)",
            subtitleColor=GREY,
        ),
        height=220,
    )


def who_took_part(table: board.BoardTable) -> alt.Chart:
    frame = _floats(table.chartable(), ["% of those who said", "% of residents (Census 2021)"])
    frame = frame[frame["About"] == "Age"].dropna(subset=["% of residents (Census 2021)"])
    long = frame.melt(
        id_vars=["Answer"],
        value_vars=["% of those who said", "% of residents (Census 2021)"],
        var_name="Who",
        value_name="Percent",
    ).dropna(subset=["Percent"])
    return (
        alt.Chart(long, title="Who took part by age, against residents aged 16 and over")
        .mark_bar()
        .encode(
            x=alt.X("Answer:N", title="Age band", sort=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("Who:N"),
            y=alt.Y("Percent:Q", title="%"),
            color=alt.Color(
                "Who:N",
                title=None,
                scale=alt.Scale(
                    domain=["% of those who said", "% of residents (Census 2021)"], range=[BLUE, "#b1b4b6"]
                ),
                legend=alt.Legend(orient="top", labelLimit=300),
            ),
            tooltip=["Answer:N", "Who:N", "Percent:Q"],
        )
        .properties(height=220)
    )


def priorities(table: board.BoardTable) -> alt.Chart:
    frame = _floats(table.chartable(), ["% of those who answered"]).dropna(subset=["% of those who answered"])
    return (
        alt.Chart(frame, title="People naming a concern under each strategic priority")
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("Strategic priority:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("% of those who answered:Q", title="% of those who answered question 10"),
            tooltip=["Strategic priority:N", "% of those who answered:Q"],
        )
        .properties(height=alt.Step(26))
    )


def asb_trend(table: board.BoardTable) -> alt.Chart:
    groups = ["Personal", "Nuisance", "Environmental"]
    frame = _floats(table.chartable(), groups)
    long = frame.melt(id_vars="Quarter", var_name="Group", value_name="Reports").dropna(subset=["Reports"])
    return (
        alt.Chart(long, title="ASB reports by quarter and group")
        .mark_bar()
        .encode(
            x=alt.X("Quarter:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(Reports):Q", title="Reports"),
            color=alt.Color(
                "Group:N",
                title=None,
                scale=alt.Scale(domain=groups, range=["#912b88", ORANGE, "#00703c"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["Quarter:N", "Group:N", "Reports:Q"],
        )
        .properties(height=220)
    )


def all_charts(summary: board.BoardSummary) -> dict[str, alt.TopLevelMixin]:
    """Every chart of the summary, by the key of the section it belongs to."""
    tables = summary.tables
    charts = {
        "engagement": engagement(tables["engagement_by_month"]),
        "who_took_part": who_took_part(tables["who_took_part"]),
        "safety_by_area": safety_by_group(tables["safety_by_area"], "Feeling safe by area"),
        "safety_by_gender": safety_by_group(tables["safety_by_gender"], "Feeling safe by gender"),
        "safety_trend": safety_trend(tables["safety_trend"]),
        "priorities": priorities(tables["priorities"]),
        "asb_trend": asb_trend(tables["asb_trend"]),
    }
    # Fit the width only: Streamlit otherwise fits the whole chart, legend and labels included, into the
    # plot height, which squashes charts with a legend or slanted labels.
    fit_width = alt.AutoSizeParams(type="fit-x", contains="padding")
    return {key: chart.properties(autosize=fit_width) for key, chart in charts.items()}
