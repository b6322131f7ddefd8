"""Streamlit caching for the community map and the interventions register.

The public figures are one publication a month (``analysis.snapshot``): they are cached by the day it
was made and the versions of the rows it counts (the one keying rule, ``cached``), never by today's
date, so they are worked out and protected once a month, and again only if a row it counts is added
late (from an outbox) or removed. New reports and answers wait for the next publication. The tables
themselves are cached for a minute by ``cached.tables()``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from hcsp_engage import schema, storage
from hcsp_engage.analysis import aggregate, interventions, public, snapshot
from hcsp_engage.storage.snapshot import SavedResult, content_key
from hcsp_engage.web import cached

# Only the columns the publication reads, so a change elsewhere in a row (a status) is not a new key.
REPORT_COLUMNS = ["submitted_at", "occurred_on", "category", "area", "lat", "lon", "place"]
RESPONSE_COLUMNS = ["submitted_at", "area", "safe_after_dark", "unsafe_lat", "unsafe_lon", "unsafe_place"]


# A resource: the figures are shared, not pickled again on every run (see cached.tables).
@st.cache_resource(show_spinner="Preparing this month's figures…", max_entries=4)
def _published(
    published_on: date, versions: tuple, k: int, _reports: pd.DataFrame, _responses: pd.DataFrame
) -> public.PublicFigures:
    # Kept beside the tables' snapshots too, under the same key as in memory: a restarted server finds
    # this month's publication there (new rows wait for the next one, so it is still the same) instead of
    # working it out again.
    folder = cached.settings().snapshot_dir
    saved = SavedResult(folder, "public-figures") if folder is not None else None
    key = content_key(published_on, versions, k)
    figures = saved.load(key) if saved is not None else None
    if figures is None:
        figures = public.publish(_reports, _responses, k, snapshot.Snapshot(published_on))
        if saved is not None:
            saved.save(key, figures)
    return figures


def public_figures(all_tables: dict[str, pd.DataFrame], k: int) -> public.PublicFigures:
    """The publication in force today: every figure /map shows, protected at ``k``."""
    published = snapshot.snapshot_for(snapshot.today())
    reports = all_tables.get(schema.ASB_REPORTS, pd.DataFrame(columns=REPORT_COLUMNS))
    responses = all_tables.get(schema.SURVEY_RESPONSES, pd.DataFrame(columns=RESPONSE_COLUMNS))
    counted_reports = aggregate.public_reports(reports[REPORT_COLUMNS], published)[REPORT_COLUMNS]
    counted_responses = snapshot.responses_in(responses[RESPONSE_COLUMNS], published)
    # Versions, not a hash of the frames: a warm lookup 0.117 s -> 0.072 s of CPU at 100k reports and responses.
    versions = (storage.table_version(counted_reports), storage.table_version(counted_responses))
    return _published(published.published_on, versions, k, counted_reports, counted_responses)


def current_interventions(all_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frame = all_tables.get(schema.INTERVENTIONS, pd.DataFrame(columns=schema.COLUMNS[schema.INTERVENTIONS]))
    return interventions.current(frame)
