"""The Board summary's downloads: a self-contained HTML report and zipped CSV tables, both stamped and
suppressed."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from hcsp_engage import schema, synthetic
from hcsp_engage.analysis import board
from hcsp_engage.render import board_charts, board_report

XSS = "<script>alert('board')</script>"


@pytest.fixture(scope="module")
def summary() -> board.BoardSummary:
    tables = synthetic.frames(300, 200, seed=4, start=date(2025, 4, 1), end=date(2026, 3, 31))
    register = tables[schema.INTERVENTIONS].copy()
    register.loc[0, "title"] = XSS
    tables[schema.INTERVENTIONS] = register
    return board.summarise(board.prepare(tables), board.financial_year(2025))


@pytest.fixture(scope="module")
def report(summary) -> str:
    return board_report.html_report(
        summary, board_charts.all_charts(summary), datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    )


def test_the_report_needs_nothing_from_the_network(report):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report)
    assert "<script" not in report
    assert report.count("<svg ") == 7  # every chart drawn inline


def test_the_report_is_stamped_with_the_period_and_the_datas_date(report, summary):
    assert "Financial year 2025/26 (1 April 2025 to 31 March 2026)" in report
    assert f"Data up to {summary.data_date:%-d %B %Y}" in report
    assert "Built 2 April 2026 09:30 UTC" in report


def test_the_report_escapes_stored_text(report):
    assert XSS not in report
    assert "&lt;script&gt;alert(&#x27;board&#x27;)&lt;/script&gt;" in report


def test_the_report_prints_on_a4_without_splitting_charts(report):
    assert "@page { size: A4" in report
    assert re.search(r"figure, \.kpis, tr \{ break-inside: avoid", report)


def test_the_report_tables_show_no_count_below_5():
    tables = synthetic.frames(30, 25, seed=9, start=date(2025, 4, 1), end=date(2026, 3, 31))
    small = board.summarise(board.prepare(tables), board.financial_year(2025))
    html_text = board_report.html_report(small, {}, datetime(2026, 4, 2, tzinfo=UTC))
    assert "fewer than 5" in html_text
    # Counts are whole numbers and percentages always carry a decimal point, so any cell holding just
    # 1, 2, 3 or 4 would be a small count.
    assert not re.search(r"<td[^>]*>[1-4]</td>", html_text)
    assert re.search(r"<td[^>]*>[5-9]</td>|<td[^>]*>[1-9][0-9]+</td>", html_text)


def read_zip(data: bytes) -> dict[str, pd.DataFrame]:
    frames = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name).decode("utf-8-sig")
                frames[name.rsplit("/", 1)[-1]] = pd.DataFrame(list(csv.DictReader(io.StringIO(text))))
    return frames


def test_the_csv_zip_holds_every_table_stamped_and_suppressed():
    tables = synthetic.frames(30, 25, seed=9, start=date(2025, 4, 1), end=date(2026, 3, 31))
    small = board.summarise(board.prepare(tables), board.financial_year(2025))
    data = board_report.csv_zip(small)
    frames = read_zip(data)
    assert set(frames) == {f"{key}.csv" for key in small.tables}
    for key, table in small.tables.items():
        frame = frames[f"{key}.csv"]
        assert (frame["Period"] == "Financial year 2025/26").all()
        assert (frame["Data up to"] == small.data_date.isoformat()).all()
        for column in table.counts:
            assert not frame[column].str.fullmatch("[1-4]").any(), (key, column)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert all(name.startswith("hcsp-board-summary_2025-04-01_to_2026-03-31_data-to-") for name in names)


def test_the_csv_neutralises_formulas(summary):
    frames = read_zip(board_report.csv_zip(summary))
    titles = frames["safer_streets_impact.csv"]["Intervention"]
    assert XSS in set(titles)  # kept as text: CSV is not HTML
    register = summary.tables["safer_streets_impact"].frame.assign(Intervention="=HYPERLINK(1)")
    risky = dataclasses.replace(summary.tables["safer_streets_impact"], key="x", frame=register)
    one = board.BoardSummary(summary.period, summary.data_date, (), {"x": risky})
    assert read_zip(board_report.csv_zip(one))["x.csv"]["Intervention"].iloc[0] == "'=HYPERLINK(1)"
