"""One way to publish a Board number: every count in the Board's CSVs, HTML report and KPIs is the text
the disclosure publication gave it, and no other column holds a whole number that could be a count."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest

from hcsp_engage import reference, synthetic
from hcsp_engage.analysis import board
from hcsp_engage.render import board_report
from tests.render.test_board_report import read_zip

INTEGER = re.compile(r"\d{1,3}(,\d{3})*|\d+")
REFERENCE_COLUMNS = {"Residents (Census 2021)"}  # Census figures from data/populations.csv


@pytest.fixture(scope="module")
def summary() -> board.BoardSummary:
    tables = synthetic.frames(200, 300, seed=4, start=date(2025, 4, 1), end=date(2026, 3, 31))
    return board.summarise(board.prepare(tables), board.financial_year(2025))


def publication_of(summary: board.BoardSummary):
    return next(iter(summary.tables.values())).publication


def test_every_count_in_the_csvs_is_the_label_the_publication_gave_it(summary):
    publication = publication_of(summary)
    frames = read_zip(board_report.csv_zip(summary))
    hidden_somewhere = False
    for key, table in summary.tables.items():
        frame = frames[f"{key}.csv"]
        for column, keys in table.cells.items():
            expected = [publication.text(k) if k is not None else "" for k in keys]
            assert frame[column].tolist() == expected, (key, column)
            hidden_somewhere |= any(not publication.shown(k) for k in keys if k is not None)
        for column in frame.columns:
            if column in table.cells or column in REFERENCE_COLUMNS:
                continue
            whole = frame[column].map(lambda text: bool(INTEGER.fullmatch(text)))
            assert not whole.any(), f"{key}.csv: {column} holds a whole number that is not a published count"
    assert hidden_somewhere


def test_every_whole_number_in_the_html_report_is_a_published_count_or_a_census_figure(summary):
    publication = publication_of(summary)
    report = board_report.html_report(summary, {}, datetime(2026, 4, 2, tzinfo=UTC))
    labelled = {label.text for label in publication.labels.values() if label.exact is not None}
    census = {f"{value:,}" for value in reference.load_populations().values()}
    cells = [html.unescape(text) for text in re.findall(r"<td[^>]*>([^<]*)</td>", report)]
    whole = [text for text in cells if INTEGER.fullmatch(text)]
    assert whole
    assert set(whole) <= labelled | census
    assert "fewer than 5" in cells or "not shown" in cells


def test_responses_and_reports_by_language_are_exported_under_english_names_as_published(summary):
    publication = publication_of(summary)
    table = summary.tables["engagement_by_language"]
    frame = read_zip(board_report.csv_zip(summary))["engagement_by_language.csv"]
    report = board_report.html_report(summary, {}, datetime(2026, 4, 2, tzinfo=UTC))
    cells = [html.unescape(text) for text in re.findall(r"<td[^>]*>([^<]*)</td>", report)]

    assert frame["Language"].tolist() == ["English", "Polish", "Romanian", "Bulgarian"]
    for column in ("Survey responses", "ASB reports"):
        assert frame[column].tolist() == [publication.text(key) for key in table.cells[column]]
    assert "Responses and reports by language" in report
    assert {"English", "Polish", "Romanian", "Bulgarian"} <= set(cells)
    assert {"en", "pl", "ro", "bg"}.isdisjoint(set(cells) | set(frame["Language"]))


def test_the_kpis_are_published_counts_or_percentages_of_them(summary):
    publication = publication_of(summary)
    labelled = {label.text for label in publication.labels.values()}
    for kpi in summary.kpis:
        assert kpi.value in labelled or re.fullmatch(r"\d{1,3}%", kpi.value) or kpi.value == "not shown"


def test_board_code_formats_no_count_itself():
    # Counts reach text only through disclosure.Publication.text; the old per-table helpers are gone.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in (
        "hcsp_engage/analysis/board.py",
        "hcsp_engage/render/board_report.py",
        "hcsp_engage/render/board_charts.py",
        "views/board.py",
    ):
        source = (root / path).read_text()
        assert "suppress_count" not in source and "suppress_table" not in source, path
        assert "count_text(" not in source, path
