"""Streamlit caching for the Board summary: the tables are parsed once per change, and every period's
figures are computed and protected together once per change (board.build: one disclosure release for
every period the Board can show), then each period's summary is read from that release."""

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
    release = _release(_version(tables), trigger_threshold, settings, minimum, prepared(tables))
    return release.summary(period)
