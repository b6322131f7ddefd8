"""Streamlit caching for the Board summary.

The Board's figures are one publication a quarter (``board.publication_day``): they count the rows
submitted before the quarter began, so a new response or report changes none of them until the next
quarter (docs/disclosure-control.md, "When the Board's figures change"). Which rows the publication
counts is found once per change of the stored tables, from their submission days alone (board.counted);
every period's figures are computed and protected together once per publication (board.build: one
disclosure release for every period the Board can show), keyed on the day it was published and the
versions of the rows it counts (the one keying rule, ``cached``), never on rows sent since. The release
is also kept beside the tables' snapshots under the same key, so a restarted server loads it without
parsing the tables again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import altair as alt
import pandas as pd
import streamlit as st

from hcsp_engage import schema, storage
from hcsp_engage.analysis import board, impact, snapshot
from hcsp_engage.render import board_report
from hcsp_engage.storage.snapshot import SavedResult, content_key
from hcsp_engage.web import cached


# One entry: a new version of the tables makes the previous one's of no use.
@st.cache_resource(show_spinner=False, max_entries=1)
def _counted(version: tuple, published_on: date, _tables: dict[str, pd.DataFrame]) -> board.Counted:
    return board.counted(_tables, published_on)


def publication(tables: dict[str, pd.DataFrame]) -> board.Counted:
    """The publication in force today: its day, and which rows it counts (those submitted before it)."""
    published_on = board.publication_day(snapshot.today())
    return _counted(storage.table_versions(tables), published_on, tables)


def has_rows(tables: dict[str, pd.DataFrame]) -> bool:
    """Whether any response or report is stored, counted in the publication or not."""
    return any(len(tables.get(name, ())) > 0 for name in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS))


# A resource: the release holds every period's tables; they are shared, not pickled on every run. Two
# entries: a new publication's beside the one still shown. The tables are parsed for the Board
# (board.prepare: over a second at a million rows) only when the release is worked out, not to find it.
@st.cache_resource(show_spinner="Working out the figures…", max_entries=2)
def _release(
    counted: tuple,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
    _tables: dict[str, pd.DataFrame],
) -> board.BoardRelease:
    published_on = counted[0]

    def build() -> board.BoardRelease:
        data = board.prepare(_tables, published_on)
        return board.build(
            data, trigger_threshold=trigger_threshold, impact_settings=settings, minimum=minimum
        )

    folder = cached.settings().snapshot_dir
    if folder is None:
        return build()
    # Kept under the same key as in memory: the publication's day and the versions of the rows it counts.
    saved = SavedResult(folder, "board-release")
    key = content_key(counted, trigger_threshold, settings, minimum)
    release = saved.load(key)
    if release is None:
        release = build()
        saved.save(key, release)
    return release


def summary(
    tables: dict[str, pd.DataFrame],
    period: board.Period,
    *,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
) -> board.BoardSummary:
    """The Board summary for ``period``, read from the publication in force (every period protected
    together; cached until the next publication or a change to the rows it counts)."""
    release = _release(publication(tables).key, trigger_threshold, settings, minimum, tables)
    return release.summary(period)


# The downloads, built when a Board member asks for them and then kept for everyone who asks for the
# same summary: the HTML report takes seconds (every chart drawn again), the zipped tables less.
@st.cache_resource(show_spinner=False, max_entries=4)
def _report_html(key: tuple, _summary: board.BoardSummary, _charts: Mapping[str, alt.TopLevelMixin]) -> str:
    return board_report.html_report(_summary, _charts, datetime.now(UTC), key[-1])


@st.cache_resource(show_spinner=False, max_entries=4)
def _report_csv(key: tuple, _summary: board.BoardSummary) -> bytes:
    return board_report.csv_zip(_summary, key[-1])


def report_key(
    tables: dict[str, pd.DataFrame],
    period: board.Period,
    *,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
) -> tuple:
    """What identifies a summary's downloads: what ``summary`` is worked out from, the smallest count
    shown last."""
    return (publication(tables).key, period, trigger_threshold, settings, minimum)


def report_html(key: tuple, summary: board.BoardSummary, charts: Mapping[str, alt.TopLevelMixin]) -> str:
    """The summary as one HTML file (board_report.html_report), stamped with when it was first built."""
    return _report_html(key, summary, charts)


def report_csv(key: tuple, summary: board.BoardSummary) -> bytes:
    """Every table of the summary as CSV in one ZIP (board_report.csv_zip)."""
    return _report_csv(key, summary)
