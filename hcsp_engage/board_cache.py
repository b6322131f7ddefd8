"""Streamlit caching for the Board summary: the tables are parsed once per change, and each period's
figures once per change and choice of settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hcsp_engage.analysis import board, hotspots, impact


def _version(tables: dict[str, pd.DataFrame]) -> tuple:
    return tuple(hotspots.version(frame) for _, frame in sorted(tables.items()))


# A resource, not data: the parsed tables are shared, not pickled again on every run (see cached.tables).
# One entry: the prepared tables share the stored tables' columns, so the previous version's would keep
# those tables alive beside the new ones (see hotspot_cache).
@st.cache_resource(show_spinner=False, max_entries=1)
def _prepared(version: tuple, _tables: dict[str, pd.DataFrame]) -> board.BoardData:
    return board.prepare(_tables)


def prepared(tables: dict[str, pd.DataFrame]) -> board.BoardData:
    return _prepared(_version(tables), tables)


@st.cache_data(show_spinner="Working out the figures…", max_entries=8)
def _summary(
    version: tuple,
    period: board.Period,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
    _data: board.BoardData,
) -> board.BoardSummary:
    return board.summarise(
        _data, period, trigger_threshold=trigger_threshold, impact_settings=settings, minimum=minimum
    )


def summary(
    tables: dict[str, pd.DataFrame],
    period: board.Period,
    *,
    trigger_threshold: int,
    settings: impact.ImpactSettings,
    minimum: int,
) -> board.BoardSummary:
    """The Board summary for ``period`` (cached until the stored tables change)."""
    return _summary(_version(tables), period, trigger_threshold, settings, minimum, prepared(tables))
