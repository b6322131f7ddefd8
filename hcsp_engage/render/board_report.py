"""The Board summary as files to download: one self-contained HTML report and a ZIP of CSV tables.

The HTML report needs no network: charts are inline SVG drawn by vl-convert (a Python package that
bundles Vega and Vega-Lite), tables are plain HTML, and the print style fits A4 without splitting a
chart or a table row across pages. Without vl-convert the report still builds, with a note where each
chart would be. Every table goes through ``BoardTable.shown()``, which reads every count from the Board's
one disclosure release (the same labels as the page and the charts); every CSV is written by
``privacy.to_csv_bytes``.
"""

from __future__ import annotations

import html
import io
import math
import zipfile
from collections.abc import Mapping
from datetime import date, datetime

import altair as alt
import pandas as pd

from hcsp_engage import privacy
from hcsp_engage.analysis import board, impact

REPORT_WIDTH_PX = 620  # fits A4 portrait between 15 mm margins

# The report's sections: heading, intro, then (chart key or None, table key or None) pairs.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str | None, str | None], ...]], ...] = (
    (
        "Engagement",
        "Who we heard from in the period, and when.",
        (
            ("engagement", "engagement_by_quarter"),
            (None, "engagement_by_area"),
            (None, "engagement_by_language"),
            ("who_took_part", "who_took_part"),
        ),
    ),
    (
        "Feelings of safety",
        'How safe people feel outside in their local area. "Don\'t know" is left out of the percentages.',
        (
            (None, "safety_overall"),
            (None, "safety_against_baselines"),
            ("safety_by_area", "safety_by_area"),
            ("safety_by_gender", "safety_by_gender"),
            ("safety_trend", "safety_trend"),
        ),
    ),
    (
        "Concerns",
        "What residents worry about most, against the Partnership's four strategic priorities, and the ASB "
        "concerns they reported.",
        (
            ("priorities", "priorities"),
            (None, "concerns"),
            (None, "asb_by_category"),
            ("asb_trend", "asb_trend"),
        ),
    ),
    (
        "Safer Streets impact",
        impact.CAVEATS,
        (
            (None, "safer_streets_impact"),
            (None, "noticed_changes"),
            (None, "changes_effect"),
        ),
    ),
    (
        "Community Trigger",
        "Reports whose answers met the ASB case review rule.",
        ((None, "community_trigger"),),
    ),
)

STYLE = """
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; margin: 0 auto; max-width: 190mm;
       padding: 12px; font-size: 11pt; line-height: 1.35; }
h1 { font-size: 20pt; margin: 0 0 4px; }
h2 { font-size: 15pt; margin: 22px 0 6px; border-bottom: 3px solid #1d70b8; padding-bottom: 2px; }
h3 { font-size: 12pt; margin: 14px 0 4px; }
.stamp { color: #505a5f; margin: 0 0 10px; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.kpi { border-left: 5px solid #1d70b8; background: #f3f2f1; padding: 6px 10px; min-width: 31%; flex: 1; }
.kpi .value { font-size: 18pt; font-weight: 700; }
.kpi .label { font-weight: 700; }
.kpi .help { font-size: 9pt; color: #505a5f; }
figure { margin: 8px 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 4px 0 2px; }
th, td { border: 1px solid #b1b4b6; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td.number { text-align: right; white-space: nowrap; }
.note { font-size: 9pt; color: #505a5f; margin: 2px 0 8px; }
.block { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, .kpis, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def chart_svg(chart: alt.TopLevelMixin, width: int = REPORT_WIDTH_PX) -> str | None:
    """The chart as an SVG string drawn without a browser or network; None without vl-convert."""
    try:
        import vl_convert
    except ImportError:
        return None
    spec = chart.properties(width=width).to_dict()
    return vl_convert.vegalite_to_svg(spec)


def _cell(value: object) -> tuple[str, bool]:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "", False
    if isinstance(value, float):
        return f"{value:,.1f}" if not value.is_integer() or abs(value) < 1000 else f"{value:,.0f}", True
    if isinstance(value, int):
        return f"{value:,}", True
    text = str(value)
    return text, text.replace(",", "").replace(".", "").isdigit() or text.startswith("fewer than")


def table_html(frame: pd.DataFrame) -> str:
    """A plain HTML table, every value escaped."""
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for value in values:
            text, number = _cell(value)
            css = ' class="number"' if number else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def suppression_note(minimum: int = 5) -> str:
    """What "fewer than 5" and "not shown" mean, for the page, the report and the CSV note."""
    return (
        f'Counts from 1 to {minimum - 1} show as "fewer than {minimum}". "Not shown" is a count left out so '
        "that no small count can be worked out from the others (it may be any number). Percentages, "
        "intervals and verdicts are given only where every count they come from is shown."
    )


def stamp(summary: board.BoardSummary) -> str:
    data = f"{summary.data_date:%-d %B %Y}" if summary.data_date else "no data yet"
    text = (
        f"Period: {summary.period.label} ({summary.period.start:%-d %B %Y} to "
        f"{summary.period.end:%-d %B %Y}). Data up to {data}."
    )
    if summary.published_on is not None:
        text += " " + publication_note(summary.published_on)
    return text


def nothing_published(published_on: date, waiting: bool) -> str:
    """What the page says when the publication in force counts nothing: no rows at all yet, or only rows
    sent since it was published (``waiting``)."""
    following = board.next_publication(published_on)
    if not waiting:
        return (
            "No survey responses or reports yet. The Board's figures are published at the start of each "
            "quarter and fill in as residents take part."
        )
    return (
        f"No figures yet: the Board's figures are published at the start of each quarter from the responses "
        f"and reports submitted before it, and the first ones arrived after {published_on:%-d %B %Y}. They "
        f"are counted in the figures published {following:%-d %B %Y}."
    )


def publication_note(published_on: date) -> str:
    """When the figures were published and when the next ones are (docs/disclosure-control.md)."""
    following = board.next_publication(published_on)
    return (
        f"Figures published {published_on:%-d %B %Y}, from the responses and reports submitted before that "
        f"day; those sent since are counted in the figures published {following:%-d %B %Y}."
    )


def html_report(
    summary: board.BoardSummary, charts: Mapping[str, alt.TopLevelMixin], built_at: datetime, minimum: int = 5
) -> str:
    """The whole summary as one HTML document with no external resources."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>HCSP Board summary: {html.escape(summary.period.label)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>HCSP Engage: Board summary</h1>",
        f'<p class="stamp">{html.escape(stamp(summary))} Built {built_at:%-d %B %Y %H:%M} UTC.</p>',
        '<div class="kpis">',
    ]
    for kpi in summary.kpis:
        parts.append(
            f'<div class="kpi"><div class="label">{html.escape(kpi.label)}</div>'
            f'<div class="value">{html.escape(kpi.value)}</div><div class="help">{html.escape(kpi.help)}</div></div>'
        )
    parts.append("</div>")
    parts.append(
        f'<p class="note">{html.escape(suppression_note(minimum))} Survey answers are from people who chose '
        "to take part: they are not a random sample of residents.</p>"
    )
    for heading, intro, blocks in SECTIONS:
        parts.append(f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(intro)}</p>")
        for chart_key, table_key in blocks:
            if chart_key and chart_key in charts:
                svg = chart_svg(charts[chart_key])
                body = svg if svg else '<p class="note">(Chart not drawn: vl-convert is not installed.)</p>'
                parts.append(f'<figure class="block">{body}</figure>')
            if table_key:
                table = summary.tables[table_key]
                shown = table.shown()
                parts.append(f"<h3>{html.escape(table.title)}</h3>")
                if table_key == "safer_streets_impact":
                    shown, not_measured = impact.split_measured(shown)
                    shown = shown[[*impact.SUMMARY_COLUMNS, "Verdict"]]
                    if shown.empty:
                        parts.append("<p>No intervention could be measured with the data held so far.</p>")
                    else:
                        parts.append(table_html(shown))
                    if not not_measured.empty:
                        parts.append(f"<h3>Not measured</h3>{table_html(not_measured)}")
                else:
                    parts.append(table_html(shown))
                if table.note:
                    parts.append(f'<p class="note">{html.escape(table.note)}</p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def file_stem(summary: board.BoardSummary) -> str:
    data = f"{summary.data_date:%Y-%m-%d}" if summary.data_date else "no-data"
    return f"hcsp-board-summary_{summary.period.slug}_data-to-{data}"


def stamped(summary: board.BoardSummary, table: board.BoardTable) -> pd.DataFrame:
    """A table as it goes into its CSV: as published, with the period and the data's date on every row."""
    shown = table.shown()
    return shown.assign(
        **{
            "Period": summary.period.label,
            "Data up to": summary.data_date.isoformat() if summary.data_date else "",
        }
    )


def csv_zip(summary: board.BoardSummary, minimum: int = 5) -> bytes:
    """Every table of the summary as a CSV (privacy.to_csv_bytes) in one ZIP, with a note on what it is."""
    stem = file_stem(summary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        readme = [
            "HCSP Engage: Board summary tables",
            stamp(summary),
            suppression_note(minimum),
            "",
            *(f"{key}.csv: {table.title}" for key, table in summary.tables.items()),
        ]
        archive.writestr(f"{stem}/README.txt", "\r\n".join(readme) + "\r\n")
        for key, table in summary.tables.items():
            archive.writestr(f"{stem}/{key}.csv", privacy.to_csv_bytes(stamped(summary, table)))
    return buffer.getvalue()
