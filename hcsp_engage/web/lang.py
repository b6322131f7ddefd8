"""The resident's language in the app (docs/languages.md): which one, the switcher, and ``_``.

The language of a run is chosen once, at the top of ``app.py`` (``setup``): ``?lang=`` in the address
first, then the choice made earlier in this browser session, then the browser's language
(``st.context.locale``), then English. The choice is written back to the address on every page, so a
copied link or a QR code opens the same version; Streamlit drops the query string when the resident
follows a link to another page, and the session's choice puts it back.

Staff pages stay English: ``ui.staff_page`` calls ``use_english`` for the rest of their run.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import streamlit as st

from hcsp_engage import i18n

_CHOSEN = "_hcsp_language"  # the resident's language, kept for the session
_THIS_RUN = "_hcsp_language_run"  # the language this run's text is shown in (English on staff pages)
SWITCHER_KEY = "hcsp_language"
QUERY = "lang"


def setup() -> str:
    """Choose the language of this run and keep it in the address. Call first thing in ``app.py``."""
    state = st.session_state
    query = st.query_params.get(QUERY)
    code = i18n.choose(query, state.get(_CHOSEN), st.context.locale)
    state[_CHOSEN] = code
    state[_THIS_RUN] = code
    if query != code:
        st.query_params[QUERY] = code
    return code


def current() -> str:
    """The language the text of this run is shown in."""
    return st.session_state.get(_THIS_RUN) or st.session_state.get(_CHOSEN) or i18n.DEFAULT


def chosen() -> str:
    """The resident's language (what a submitted answer records), whatever page is showing."""
    return i18n.stored_language(st.session_state.get(_CHOSEN) or i18n.DEFAULT)


def use_english() -> None:
    """Show the rest of this run in English (staff pages)."""
    st.session_state[_THIS_RUN] = i18n.DEFAULT


def _(message: str) -> str:
    """``message`` in the resident's language (a ``i18n.Message`` with its values filled in)."""
    return i18n.gettext(message, current())


def translator() -> Callable[[str], str]:
    """``_`` fixed to this run's language, for a widget's ``format_func`` (Streamlit may call it later,
    outside the run, e.g. in AppTest)."""
    return functools.partial(i18n.gettext, code=current())


def query() -> dict[str, str]:
    """The query string that keeps the language on a link to another page (``st.page_link``)."""
    return {QUERY: current()}


def link(path: str) -> str:
    """A link to another page of the app that keeps the language: ``/privacy?lang=pl``."""
    return f"{path}?{QUERY}={current()}"


def _switch() -> None:
    code = st.session_state.get(SWITCHER_KEY)
    if code:  # a second press on the chosen language clears the control: keep the language
        st.session_state[_CHOSEN] = code
        st.session_state[_THIS_RUN] = code
        st.query_params[QUERY] = code


def switcher() -> None:
    """The language switcher at the top of a public page: each language named in itself."""
    code = current()
    options = list(i18n.languages())
    st.session_state[SWITCHER_KEY] = code
    st.segmented_control(
        _("Language"),
        options,
        format_func=lambda option: i18n.NAMES.get(option, option),
        key=SWITCHER_KEY,
        on_change=_switch,
        label_visibility="collapsed",
    )


def html_lang() -> None:
    """Set ``<html lang>`` to the language shown, so screen readers pronounce the page in it."""
    code = html.escape(current(), quote=True)
    st.html(
        f'<script data-hcsp-lang="{code}">document.documentElement.lang = "{code}";</script>',
        unsafe_allow_javascript=True,
    )
