"""Streamlit caching for the Board summary: the tables are parsed once per change, and every period's
figures are computed and protected together once per change (board.build: one disclosure release for
every period the Board can show), then each period's summary is read from that release. Keyed on every
table's version (the one keying rule, ``cached``); no expiry: the release takes seconds to protect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from hcsp_engage import storage
from hcsp_engage.analysis import board, impact
from hcsp_engage.render import board_report


# A resource, not data: the parsed tables are shared, not pickled again on every run (see cached.tables).
# One entry: the prepared tables share the stored tables' columns, so the previous version's would keep
# those tables alive beside the new ones (see hotspot_cache).
@st.cache_resource(show_spinner=False, max_entries=1)
def _prepared(version: tuple, _tables: dict[str, pd.DataFrame]) -> board.BoardData:
    return board.prepare(_tables)


def prepared(tables: dict[str, pd.DataFrame]) -> board.BoardData:
    return _prepared(storage.table_versions(tables), tables)


# A resource: the release holds every period's tables and the derive functions that build their
# percentages, which are not pickled. Two entries: the new data version's beside the one still shown.
@st.cache_resource(show_spinner="Working out the figures…", max_entries=2)
def _release(
    version: tuple,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
    _data: board.BoardData,
) -> board.BoardRelease:
    return board.build(_data, trigger_threshold=trigger_threshold, impact_settings=settings, minimum=minimum)


def summary(
    tables: dict[str, pd.DataFrame],
    period: board.Period,
    *,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
) -> board.BoardSummary:
    """The Board summary for ``period``, read from the release of every period (cached until the stored
    tables change)."""
    release = _release(storage.table_versions(tables), trigger_threshold, settings, minimum, prepared(tables))
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
    return (storage.table_versions(tables), period, trigger_threshold, settings, minimum)


def report_html(key: tuple, summary: board.BoardSummary, charts: Mapping[str, alt.TopLevelMixin]) -> str:
    """The summary as one HTML file (board_report.html_report), stamped with when it was first built."""
    return _report_html(key, summary, charts)


def report_csv(key: tuple, summary: board.BoardSummary) -> bytes:
    """Every table of the summary as CSV in one ZIP (board_report.csv_zip)."""
    return _report_csv(key, summary)
