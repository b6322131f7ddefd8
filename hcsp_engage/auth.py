"""Staff sign-in (DESIGN section 6). PLACEHOLDER: being implemented (issue 4)."""

from __future__ import annotations

import streamlit as st

ROLES = ("officer", "board")


def staff_role() -> str | None:
    """The signed-in staff member's role, or None for the public."""
    return st.session_state.get("hcsp_staff_role")


def sidebar_controls() -> None:
    """Sign-out button and who is signed in, in the sidebar (nothing for the public)."""
