"""Officers' changes from the staff pages: a report's status and an intervention's entry.

Each is a new row (docs/design.md section 5): validated, stored through ``cached.submit`` (kept in the
outbox when the store is down), and confirmed on the next run, after the page has reread its tables.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from hcsp_engage import records, schema
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.storage import Submitted
from hcsp_engage.web import auth, cached, ui
from hcsp_engage.web.auth import StaffUser

STATUS_SAVED_KEY = "hs_status_saved"  # (report id, new status, Submitted) until shown
LAST_CHANGED_KEY = "hs_last_changed"  # the report changed last: it stays offered (hotspots.triage_choices)
INTERVENTION_SAVED_KEY = "intervention_saved"  # (title, Submitted) until shown
NEW_INTERVENTION_KEY = "new_intervention_id"  # the id a new intervention will be saved under

STATUS_LABELS = {"status": "New status", "note": "Note", "report_id": "Report"}


def last_changed_report() -> str | None:
    return st.session_state.get(LAST_CHANGED_KEY)


def show_status_saved() -> None:
    """Confirm the status change made on the last run, once."""
    saved = st.session_state.pop(STATUS_SAVED_KEY, None)
    if not saved:
        return
    reference, status, outcome = saved
    if outcome is Submitted.QUEUED:
        st.warning(f"{reference}: “{status}” is kept in the outbox and will be saved when the store answers.")
    else:
        st.success(f"{reference} is now “{status}”.")


def change_status(reference: str, status: str, note: str, user: StaffUser) -> None:
    """Store a report's new status, or explain what stops it; a stored change reruns the page."""
    change = records.StatusChange(
        report_id=reference, status=status, note=note, updated_at=records.utc_now(), updated_by=user.name
    )
    problems = records.validate_status_change(change)
    if problems:
        ui.error_summary(ui.group_problems(problems), STATUS_LABELS)
        return
    outcome = cached.submit(schema.REPORT_STATUS, records.status_row(change))
    st.session_state[STATUS_SAVED_KEY] = (reference, status, outcome)
    st.session_state[LAST_CHANGED_KEY] = reference
    st.rerun()


def new_intervention_id() -> str:
    """The id a new intervention gets: fixed until it is saved, so a resent form is the same entry."""
    return st.session_state.setdefault(NEW_INTERVENTION_KEY, records.new_reference("I"))


def show_intervention_saved() -> None:
    """Confirm the intervention saved on the last run, once."""
    saved = st.session_state.pop(INTERVENTION_SAVED_KEY, None)
    if not saved:
        return
    title, outcome = saved
    if outcome is Submitted.QUEUED:
        st.warning(f"Saved “{title}” to the outbox: it will reach the register when the store answers.")
    else:
        st.success(f"Saved “{title}”.")


def save_intervention(intervention: records.Intervention, *, new: bool, labels: Mapping[str, str]) -> None:
    """Store an intervention's new row, or explain what stops it; a stored row reruns the page."""
    problems = records.validate_intervention(intervention)
    if problems:
        ui.error_summary(ui.group_problems(problems), dict(labels))
        return
    outcome = cached.submit(schema.INTERVENTIONS, records.intervention_row(intervention))
    if new:
        st.session_state.pop(NEW_INTERVENTION_KEY, None)
    st.session_state[INTERVENTION_SAVED_KEY] = (intervention.title, outcome)
    st.rerun()


def open_page(title: str, roles: set[str], cannot: str) -> tuple[StaffUser, dict[str, pd.DataFrame]]:
    """The top of a staff page: its title, the sign-in for ``roles`` and every table. The page stops
    here until someone with one of the roles is signed in, or when the tables cannot be read."""
    ui.staff_page(title)
    user = auth.require_staff(roles)
    if user is None:
        st.stop()
    return user, tables_or_stop(cannot)


def tables_or_stop(cannot: str) -> dict[str, pd.DataFrame]:
    """Every table for a staff page; when the store is not answering, say so (``cannot``: what cannot
    be loaded, e.g. "The reports cannot be loaded just now") and stop the page."""
    try:
        cached.seed_register()  # every staff page shows or counts the interventions
        return cached.tables()
    except StoreUnavailable:
        st.error(f"{cannot}: the store is not answering. Try again in a minute.")
        st.stop()
