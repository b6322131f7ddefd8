"""Widgets several pages share: the emergency notice, the Exit this page button, field errors, banners.

Everything here is fixed text or escaped: no resident's text is ever rendered as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import streamlit as st

EMERGENCY_NOTICE = (
    "This is not for emergencies or reporting crime: call 999 in an emergency "
    "(or 999 then 55 if you cannot speak), 101 or West Mercia Police online to report a crime, "
    "Crimestoppers 0800 555 111 anonymously"
)
DOMESTIC_ABUSE_HELPLINES = (
    "If you are affected by domestic abuse: West Mercia Women's Aid 0800 783 1359 (24 hours), "
    "National Domestic Abuse Helpline 0808 2000 247 (24 hours, free)."
)
EXIT_URL = "https://www.bbc.co.uk/weather"

# GOV.UK "Exit this page": a link that leaves for a neutral site and replaces the history entry, so
# the back button does not return here. Pressing Shift three times does the same: Shift on its own, as
# GOV.UK counts it, so a keyboard user going back with Shift+Tab never leaves by accident. Fixed markup.
_EXIT_HTML = f"""
<div class="hcsp-exit">
  <a href="{EXIT_URL}" class="hcsp-exit-link" rel="nofollow noreferrer" role="button"
     onclick="event.preventDefault(); window.location.replace('{EXIT_URL}');">
     Exit this page</a>
</div>
<script>
(function () {{
  if (window.__hcspExitKeys) return;
  window.__hcspExitKeys = true;
  let presses = 0, timer = null, modified = false;
  document.addEventListener('keyup', function (event) {{
    // Shift+Tab releases Tab (shiftKey true) and then Shift: that Shift is not counted.
    if (event.key === 'Shift' && !modified) {{
      presses += 1;
      clearTimeout(timer);
      timer = setTimeout(function () {{ presses = 0; }}, 5000);
      if (presses >= 3) window.location.replace('{EXIT_URL}');
    }} else {{
      presses = 0;  // any other key starts the count again
    }}
    modified = event.shiftKey;
  }});
}})();
</script>
"""

_STYLE = """
<style>
.hcsp-exit { display: flex; justify-content: flex-end; margin: 0 0 0.5rem 0; }
.hcsp-exit-link {
  display: inline-block; background: #b10e1e; color: #ffffff !important; font-weight: 700;
  padding: 0.55rem 1.1rem; border-radius: 0.3rem; text-decoration: none !important;
  box-shadow: 0 2px 0 #55070e; min-height: 44px; line-height: 1.6;
}
.hcsp-exit-link:hover { background: #8e0b18; }
.hcsp-exit-link:focus { outline: 3px solid #ffdd00; outline-offset: 0; background: #ffdd00; color: #0b0c0c !important; }
.hcsp-field-error { color: #b10e1e; font-weight: 700; margin: -0.25rem 0 0.5rem 0; border-left: 4px solid #b10e1e; padding-left: 0.5rem; }
.hcsp-demo { background: #fff4c2; border: 2px solid #8a6d00; color: #3d3000; padding: 0.4rem 0.8rem; border-radius: 0.3rem; font-weight: 700; margin-bottom: 0.5rem; }
/* Phones: a smaller title and less space above it, so the first question or action shows without scrolling. */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 4.25rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2rem; line-height: 1.2; }
}
</style>
"""


def public_page(title: str, *, mentions_domestic_abuse: bool = False) -> None:
    """The top of every public page: style, demo banner, Exit this page, title, emergency notice."""
    page_chrome()
    st.html(_EXIT_HTML, unsafe_allow_javascript=True)
    st.title(title, anchor=False)
    emergency_notice(mentions_domestic_abuse=mentions_domestic_abuse)


def staff_page(title: str) -> None:
    """The top of a staff page: style and demo banner, then the title."""
    page_chrome()
    st.title(title, anchor=False)


def page_chrome() -> None:
    st.html(_STYLE)
    from hcsp_engage.cached import settings  # late import: cached imports this module's callers

    if settings().demo:
        demo_banner()


def demo_banner() -> None:
    st.html(
        '<div class="hcsp-demo" role="note">Demo data: everything on this page is synthetic, '
        "made up for trying the app. Nothing you submit here reaches the Partnership.</div>"
    )


def emergency_notice(*, mentions_domestic_abuse: bool = False) -> None:
    text = EMERGENCY_NOTICE + "."
    if mentions_domestic_abuse:
        text += "  \n" + DOMESTIC_ABUSE_HELPLINES
    st.warning(text, icon=":material/emergency:")


def field_error(problems: dict[str, list[str]], field: str) -> None:
    """Show the messages for ``field`` right beside it (nothing when it has none)."""
    for message in problems.get(field, []):
        st.html(f'<p class="hcsp-field-error" role="alert">{html.escape(message)}</p>')


def error_summary(problems: dict[str, list[str]], labels: dict[str, str]) -> None:
    """GOV.UK-style summary at the top of a form: every problem, named by its question."""
    if not problems:
        return
    lines = [
        f"- **{labels.get(field, field)}**: {message}"
        for field, messages in problems.items()
        for message in messages
    ]
    st.error("There is a problem with your answers:\n\n" + "\n".join(lines), icon=":material/error:")


def group_problems(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for field, message in pairs:
        grouped.setdefault(field, []).append(message)
    return grouped
