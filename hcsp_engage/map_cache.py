"""Streamlit caching for the community map and the interventions register.

Aggregates are cached by the content of the tables they come from (Streamlit hashes the frames), and
the tables themselves are cached for a minute by ``cached.tables()``: a new report shows on the map
within a minute, and the aggregation runs once per change, not once per visitor.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from hcsp_engage import cached, interventions, schema
from hcsp_engage.analysis import aggregate, public


@st.cache_resource(show_spinner=False)
def _seeded(store_key: tuple) -> bool:
    if interventions.ensure_seeded(cached.store()):
        cached.forget_tables()
    return True


def tables() -> dict[str, pd.DataFrame]:
    """All tables, the interventions register seeded with its starting data on first use.

    Raises StoreUnavailable when the store cannot answer (the seed is then tried again next time).
    """
    _seeded(cached.store_key(cached.settings()))
    return cached.tables()


@st.cache_data(show_spinner=False, max_entries=8)
def _layers(reports: pd.DataFrame, responses: pd.DataFrame, k: int, today: date) -> dict[str, pd.DataFrame]:
    return aggregate.public_layers(
        {schema.ASB_REPORTS: reports, schema.SURVEY_RESPONSES: responses}, k=k, today=today
    )


def public_layers(all_tables: dict[str, pd.DataFrame], k: int) -> dict[str, pd.DataFrame]:
    return _layers(
        all_tables.get(schema.ASB_REPORTS, pd.DataFrame()),
        all_tables.get(schema.SURVEY_RESPONSES, pd.DataFrame()),
        k,
        date.today(),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _concerns_by_month(reports: pd.DataFrame, area: str, today: date, minimum: int) -> pd.DataFrame:
    return public.concerns_by_month(reports, area, today, minimum)


def concerns_by_month(reports: pd.DataFrame, area: str, minimum: int) -> pd.DataFrame:
    return _concerns_by_month(reports, area, date.today(), minimum)


@st.cache_data(show_spinner=False, max_entries=16)
def safety_after_dark(responses: pd.DataFrame, area: str, minimum: int) -> pd.DataFrame:
    return public.safety_after_dark(responses, area, minimum)


def current_interventions(all_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = all_tables.get(schema.INTERVENTIONS, pd.DataFrame(columns=schema.COLUMNS[schema.INTERVENTIONS]))
    return interventions.current(frame)
