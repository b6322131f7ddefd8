"""Altair charts built from the analysis frames (no Streamlit). Pages pass them to st.altair_chart."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
from babel.dates import format_date

from hcsp_engage import i18n
from hcsp_engage.i18n import N_

SAFE_COLOURS = {"This survey": "#1d70b8", "Baseline": "#b1b4b6"}

# An axis label over 20 characters on two lines, broken at the last space that leaves the first line short
# enough ("Inconsiderate driving / or car cruising"), so long category names fit beside a phone-wide chart.
LINE_HEIGHT = 12
WRAPPED = "length(datum.value) > 20 && indexof(datum.value, ' ') > 0"
WRAP_LABEL = (
    "length(datum.label) > 20 && indexof(datum.label, ' ') > 0"
    " ? [slice(datum.label, 0, lastindexof(slice(datum.label, 0, 21), ' ')),"
    " slice(datum.label, lastindexof(slice(datum.label, 0, 21), ' ') + 1)]"
    " : datum.label"
)


def concerns_chart(
    cells: pd.DataFrame,
    months: Sequence[str],
    bands: Sequence[str],
    colours: Sequence[str],
    language: str = i18n.DEFAULT,
) -> alt.Chart:
    """Concerns by category and month as a banded heat table: one row per category, one square per month
    (``months``, "YYYY-MM", all of them even when empty), each shown cell (``month``, ``category``,
    ``band``) filled by its band (``bands`` from fewest, ``colours`` light to dark). Left-out cells stay
    blank: a band, never a number, so there is no bar height or total to read a count from. Words, months
    and categories in ``language``."""

    def text(message: str) -> str:
        return i18n.gettext(message, language)

    # CLDR's British English shortens September to "Sept"; the chart keeps three letters in English.
    locale = "en" if i18n.babel_locale(language) == "en_GB" else language
    labels = [format_date(pd.Timestamp(month + "-01").date(), "LLL y", locale=locale) for month in months]
    names = dict(zip(months, labels, strict=True))
    data = cells.assign(
        when=[names[month] for month in cells["month"]],
        category=[text(category) for category in cells["category"]],
        band=[text(band) for band in cells["band"]],
    )
    bands = [text(band) for band in bands]
    return (
        alt.Chart(data, title=text(N_("Concerns by category and month")))
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X(
                "when:O",
                title=None,
                scale=alt.Scale(domain=labels),
                axis=alt.Axis(labelAngle=-45, labelExpr="split(datum.label, ' ')[0]", orient="top"),
            ),
            y=alt.Y(
                "category:N",
                title=None,
                axis=alt.Axis(
                    labelExpr=WRAP_LABEL,
                    labelLimit=180,
                    labelLineHeight=LINE_HEIGHT,
                    # A label on two lines starts half a line up, so that it is centred on its row.
                    labelOffset={"condition": {"test": WRAPPED, "value": -LINE_HEIGHT / 2}, "value": 0},
                ),
            ),
            color=alt.Color(
                "band:O",
                title=text(N_("Concerns in the month")),
                scale=alt.Scale(domain=list(bands), range=list(colours)[: len(bands)]),
                legend=alt.Legend(orient="bottom", direction="horizontal", columns=2, titleOrient="top"),
            ),
            tooltip=[
                alt.Tooltip("when:O", title=text(N_("Month"))),
                alt.Tooltip("category:N", title=text(N_("Category"))),
                alt.Tooltip("band:O", title=text(N_("Concerns"))),
            ],
        )
        .properties(height=alt.Step(30))
    )


def safety_chart(figures: pd.DataFrame, language: str = i18n.DEFAULT) -> alt.LayerChart:
    """Feeling safe after dark (``label``, ``percent_safe``, ``answers`` as a band, ``kind``): horizontal bars,
    the survey's figures beside the baselines, each labelled with its percentage. Words in ``language``."""

    def text(message: str) -> str:
        return i18n.gettext(message, language)

    data = figures.dropna(subset=["percent_safe"]).assign(
        text=lambda frame: [f"{percent:.0f}%" for percent in frame["percent_safe"]],
        label=lambda frame: [text(label) for label in frame["label"]],
        answers=lambda frame: [text(str(answers)) for answers in frame["answers"]],
    )
    order = list(data["label"])
    base = alt.Chart(data, title=text(N_("Feel safe outside after dark"))).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("percent_safe:Q", title=text(N_("% very or fairly safe")), scale=alt.Scale(domain=[0, 100])),
        tooltip=[
            alt.Tooltip("label:N", title=text(N_("Who"))),
            alt.Tooltip("percent_safe:Q", title=text(N_("Safe (%)")), format=".0f"),
            alt.Tooltip("answers:N", title=text(N_("Answers"))),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(domain=list(SAFE_COLOURS), range=list(SAFE_COLOURS.values())),
            legend=None,  # the labels say which bars are this survey's
        )
    )
    labels = base.mark_text(align="left", dx=4, color="#0b0c0c").encode(text="text:N")
    return (bars + labels).properties(height=alt.Step(28))


def when_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """Reports by day of the week and time of day (``day``, ``time_of_day``, ``reports``): a grid of
    shaded squares, each labelled with its count."""
    data = grid.assign(reports=grid["reports"].astype(float))
    top = float(data["reports"].max() or 1)
    base = alt.Chart(data, title="When: day of the week and time of day").encode(
        # Days across (three letters fit a phone's width), times of day down with their hours.
        x=alt.X(
            "day:N",
            sort=list(dict.fromkeys(grid["day"])),
            title=None,
            axis=alt.Axis(labelAngle=0, labelExpr="slice(datum.label, 0, 3)", orient="top"),
        ),
        y=alt.Y(
            "time_of_day:N",
            sort=list(dict.fromkeys(grid["time_of_day"])),
            title=None,
            axis=alt.Axis(labelLimit=200),
        ),
        tooltip=[
            alt.Tooltip("day:N", title="Day"),
            alt.Tooltip("time_of_day:N", title="Time of day"),
            alt.Tooltip("reports:Q", title="Reports"),
        ],
    )
    squares = base.mark_rect().encode(
        color=alt.Color("reports:Q", title="Reports", scale=alt.Scale(scheme="oranges", domain=[0, top]))
    )
    labels = base.mark_text(fontSize=12).encode(
        text=alt.Text("reports:Q", format=",.0f"),
        color=alt.condition(alt.datum.reports > top * 0.6, alt.value("white"), alt.value("#0b0c0c")),
    )
    return (squares + labels).properties(height=alt.Step(40))


def trend_chart(trend: pd.DataFrame) -> alt.Chart:
    """Reports by month and category (``month`` 'YYYY-MM', ``category``, ``reports``): one line each."""
    data = trend.assign(month=pd.to_datetime(trend["month"] + "-01"), reports=trend["reports"].astype(float))
    return (
        alt.Chart(data, title="Monthly trend by category")
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonth(month):T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=-45)),
            y=alt.Y("reports:Q", title="Reports"),
            color=alt.Color(
                "category:N",
                title="Category",
                scale=alt.Scale(scheme="tableau20"),  # twelve categories: ten colours would repeat
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=135, symbolSize=50),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("reports:Q", title="Reports"),
            ],
        )
        # Fit the width only: the legend below adds to the height instead of squeezing the lines.
        .properties(height=260, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    )
