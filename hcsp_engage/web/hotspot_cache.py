"""Streamlit caching for the hotspot page: parsed reports and the figures, keyed on the tables' versions
(the one keying rule, ``cached``).

``cached.tables()`` keeps the tables for a minute, so a new report or status change shows within a
minute (at once for the officer who made it: ``cached.submit`` clears the tables). The figures are
cheap to work out again, so entries also expire after ``cached.EDIT_TTL_SECONDS`` (a hand edit shows).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hcsp_engage import schema, storage
from hcsp_engage.analysis import hotspots
from hcsp_engage.analysis.hotspots import Filters
from hcsp_engage.web import cached


# Resources, not data, for the big frames: no pickled copy on every run (see cached.tables). One entry
# each: a parsed frame shares the stored table's columns, so keeping the previous version's would keep
# that whole table alive beside the new one (about 0.4 GB at a million reports) after every new report.
@st.cache_resource(show_spinner="Preparing the reports…", max_entries=1, ttl=cached.EDIT_TTL_SECONDS)
def _parsed(_reports: pd.DataFrame, key: tuple) -> pd.DataFrame:
    return hotspots.parse_reports(_reports)


@st.cache_resource(show_spinner=False, max_entries=1, ttl=cached.EDIT_TTL_SECONDS)
def _with_status(_reports: pd.DataFrame, _status: pd.DataFrame, key: tuple) -> pd.DataFrame:
    return hotspots.with_status(_parsed(_reports, key[0]), _status)


def keys(tables: dict[str, pd.DataFrame]) -> tuple[tuple, tuple]:
    return (
        storage.table_version(tables[schema.ASB_REPORTS]),
        storage.table_version(tables[schema.REPORT_STATUS]),
    )


def reports(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every report, parsed, with its current status."""
    return _with_status(tables[schema.ASB_REPORTS], tables[schema.REPORT_STATUS], keys(tables)).copy(
        deep=False
    )


@st.cache_data(show_spinner="Ranking hotspots…", max_entries=16, ttl=cached.EDIT_TTL_SECONDS)
def _hotspot_table(_parsed_reports: pd.DataFrame, key: tuple, filters: Filters) -> pd.DataFrame:
    return hotspots.hotspot_table(_parsed_reports, filters)


def hotspot_table(tables: dict[str, pd.DataFrame], parsed: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    return _hotspot_table(parsed, keys(tables)[0], filters)


@st.cache_data(show_spinner=False, max_entries=16, ttl=cached.EDIT_TTL_SECONDS)
def _emerging(_parsed_reports: pd.DataFrame, key: tuple, filters: Filters) -> hotspots.EmergingResult:
    return hotspots.emerging_hotspots(_parsed_reports, filters)


def emerging(
    tables: dict[str, pd.DataFrame], parsed: pd.DataFrame, filters: Filters
) -> hotspots.EmergingResult:
    return _emerging(parsed, keys(tables)[0], filters)
