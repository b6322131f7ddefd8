"""Widgets several pages share: the emergency notice, the Exit this page button, field errors, banners,
and what the resident forms need to work as GOV.UK forms do (named groups of tick boxes, an error summary
that takes the focus).

Everything here is fixed text or escaped: no resident's text is ever rendered as HTML. Text a resident
reads is passed in by the page already translated, or kept in the constants below (marked ``N_``) and the
records' messages, which are translated here as they are shown (docs/languages.md).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import streamlit as st

from hcsp_engage.i18n import N_
from hcsp_engage.web import cached, lang
from hcsp_engage.web.lang import _

EMERGENCY_NOTICE = N_(
    "This is not for emergencies or reporting crime: call 999 in an emergency "
    "(or 999 then 55 if you cannot speak), 101 or West Mercia Police online to report a crime, "
    "Crimestoppers 0800 555 111 anonymously."
)
DOMESTIC_ABUSE_HELPLINES = N_(
    "If you are affected by domestic abuse: West Mercia Women's Aid 0800 783 1359 (24 hours), "
    "National Domestic Abuse Helpline 0808 2000 247 (24 hours, free)."
)
EXIT_URL = "https://www.bbc.co.uk/weather"

EXIT_LABEL = N_("Exit this page")

# GOV.UK "Exit this page": a link that leaves for a neutral site and replaces the history entry, so
# the back button does not return here. Pressing Shift three times does the same: Shift on its own, as
# GOV.UK counts it, so a keyboard user going back with Shift+Tab never leaves by accident. Fixed markup,
# and the label in the resident's language (escaped).
_EXIT_LINK = f"""
<div class="hcsp-exit">
  <a href="{EXIT_URL}" class="hcsp-exit-link" rel="nofollow noreferrer" role="button"
     onclick="event.preventDefault(); window.location.replace('{EXIT_URL}');">
     {{label}}</a>
</div>
"""
_EXIT_KEYS = f"""
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
.hcsp-error-summary { border: 5px solid #b10e1e; padding: 1rem 1.25rem; margin: 0.5rem 0 1rem 0; scroll-margin-top: 5rem; }
.hcsp-error-summary:focus { outline: 3px solid #ffdd00; outline-offset: 0; }
.hcsp-error-summary h2.hcsp-error-summary-title { font-size: 1.5rem; margin: 0 0 0.75rem 0; padding: 0; }
.hcsp-error-summary-list { margin: 0; padding-left: 1.25rem; }
.hcsp-error-summary-list li { margin-bottom: 0.4rem; }
.hcsp-error-summary-list a { color: #b10e1e !important; font-weight: 700; text-decoration: underline; }
.hcsp-error-summary-list a:focus { outline: 3px solid transparent; background: #ffdd00; color: #0b0c0c !important;
  box-shadow: 0 -2px #ffdd00, 0 4px #0b0c0c; text-decoration: none; }
.hcsp-hint { color: #505a5f; margin: -0.25rem 0 0.5rem 0; }
[data-testid="stMain"] [class*="st-key-"] { scroll-margin-top: 5rem; }
.hcsp-visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important; margin: 0 !important;
  padding: 0 !important; overflow: hidden !important; clip: rect(0 0 0 0) !important; clip-path: inset(50%) !important;
  border: 0 !important; white-space: nowrap !important; }
.hcsp-demo { background: #fff4c2; border: 2px solid #8a6d00; color: #3d3000; padding: 0.4rem 0.8rem; border-radius: 0.3rem; font-weight: 700; margin-bottom: 0.5rem; }
/* Page names wrap in the sidebar instead of being cut off: Polish and Bulgarian names are long. */
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] { height: auto; min-height: 28px; }
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] > span:last-child,
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"],
[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] p { white-space: normal; overflow: visible; height: auto;
  line-height: 1.35; margin: 0.2rem 0; }
/* Phones: a smaller title and less space above it, so the first question or action shows without scrolling. */
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 4.25rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 2rem; line-height: 1.2; }
}
</style>
"""


# Streamlit gives every heading a "Link to heading" anchor that shows only on hover: a tab stop a keyboard
# user cannot see (WCAG 2.4.7). Resident pages pass anchor=False / anchors=False; this catches a heading
# that does not (views/map.py's, until that page takes anchor=False), so no resident page has one.
_NO_HEADING_ANCHORS = """
<style>
[data-testid="stMain"] [data-testid="stHeaderActionElements"] { display: none; }
</style>
"""


def public_page(title: str, *, mentions_domestic_abuse: bool = False) -> None:
    """The top of every public page: style, demo banner, Exit this page, the language switcher, title
    (already in the resident's language) and the emergency notice."""
    page_chrome()
    lang.html_lang()
    st.html(_NO_HEADING_ANCHORS)
    st.html(_EXIT_LINK.format(label=html.escape(_(EXIT_LABEL))) + _EXIT_KEYS, unsafe_allow_javascript=True)
    lang.switcher()
    st.title(title, anchor=False)
    emergency_notice(mentions_domestic_abuse=mentions_domestic_abuse)


def staff_page(title: str) -> None:
    """The top of a staff page: style and demo banner, then the title. Staff pages are in English."""
    lang.use_english()
    lang.html_lang()
    page_chrome()
    st.title(title, anchor=False)


def page_chrome() -> None:
    st.html(_STYLE)
    if cached.settings().demo:
        demo_banner()


def demo_banner() -> None:
    text = _(
        "Demo data: everything on this page is synthetic, made up for trying the app. Nothing you submit "
        "here reaches the Partnership."
    )
    st.html(f'<div class="hcsp-demo" role="note">{html.escape(text)}</div>')


def emergency_notice(*, mentions_domestic_abuse: bool = False) -> None:
    text = _(EMERGENCY_NOTICE)
    if mentions_domestic_abuse:
        text += "  \n" + _(DOMESTIC_ABUSE_HELPLINES)
    st.warning(text, icon=":material/emergency:")


# What a resident reads around errors (a translation pass wraps these).
ERROR_SUMMARY_TITLE = N_("There is a problem")
ERROR_TITLE_PREFIX = N_("Error:")  # and a space, before the page title while the error summary shows (GOV.UK)
FIELD_ERROR_PREFIX = ERROR_TITLE_PREFIX  # read out before each message beside a field, not shown (GOV.UK)


def field_error(problems: Mapping[str, list[str]], field: str) -> None:
    """Show the messages for ``field`` right beside it (nothing when it has none).

    Not an alert: after a failed submit the error summary takes the focus and is read out, and each
    message is read again, after a hidden "Error:", when the resident reaches its field (GOV.UK).
    """
    for message in problems.get(field, []):
        st.html(
            f'<p class="hcsp-field-error"><span class="hcsp-visually-hidden">'
            f"{html.escape(_(FIELD_ERROR_PREFIX))} </span>{html.escape(_(message))}</p>"
        )


def error_summary(problems: dict[str, list[str]], labels: dict[str, str]) -> None:
    """A short problem list for a staff form (the resident forms use ``form_error_summary``)."""
    if not problems:
        return
    lines = [
        f"- **{labels.get(field, field)}**: {message}"
        for field, messages in problems.items()
        for message in messages
    ]
    st.error("There is a problem with your answers:\n\n" + "\n".join(lines), icon=":material/error:")


def summary_entries(
    problems: Mapping[str, list[str]], fields: Mapping[str, tuple[str, str]]
) -> list[tuple[str, str]]:
    """(text, widget keys) for each problem, in the order of ``fields`` (the form's order), in the
    resident's language.

    ``fields`` maps each field the checks can name to (how the summary names it, the keys of the widgets
    its link may move to, space-separated, first shown wins; "" for no link).
    """
    order = {field: index for index, field in enumerate(fields)}
    entries = []
    for field in sorted(problems, key=lambda field: order.get(field, len(order))):
        label, targets = fields.get(field, (field, ""))
        entries.extend((f"{_(label)}: {_(message)}", targets) for message in problems[field])
    return entries


def form_error_summary(
    problems: Mapping[str, list[str]], fields: Mapping[str, tuple[str, str]], attempt: str
) -> None:
    """GOV.UK error summary, for the top of a form: "There is a problem" and a link to each field.

    ``attempt`` names the failed submit: each new one takes the focus again and puts "Error: " before
    the page title (``form_behaviour`` does both, in the browser).
    """
    if not problems:
        return
    items = []
    for text, targets in summary_entries(problems, fields):
        if targets:
            first = html.escape(targets.split()[0], quote=True)
            items.append(
                f'<li><a href="#{first}" data-hcsp-target="{html.escape(targets, quote=True)}">'
                f"{html.escape(text)}</a></li>"
            )
        else:
            items.append(f"<li>{html.escape(text)}</li>")
    st.html(
        f'<div class="hcsp-error-summary" tabindex="-1" data-attempt="{html.escape(attempt, quote=True)}"'
        f' data-title-prefix="{html.escape(_(ERROR_TITLE_PREFIX), quote=True)}">'
        # role=alert on a child, as GOV.UK does: focus and announcement do not race each other.
        f'<div role="alert"><h2 class="hcsp-error-summary-title">{html.escape(_(ERROR_SUMMARY_TITLE))}</h2>'
        f'<ul class="hcsp-error-summary-list">{"".join(items)}</ul></div></div>'
    )


def group_label(text: str, group_key: str, hint: str = "") -> None:
    """The question of a group of tick boxes drawn in ``st.container(key=group_key)``.

    Streamlit has no fieldset and legend, so ``form_behaviour`` makes that container a group named by
    this question (role=group, aria-labelledby) and described by its hint: a screen reader says the
    question as it enters the group, not only "Other, checkbox".
    """
    key = html.escape(group_key, quote=True)
    hint_id = f' data-hcsp-hint="{key}-hint"' if hint else ""
    hint_html = f'<p class="hcsp-hint" id="{key}-hint">{html.escape(hint)}</p>' if hint else ""
    st.html(
        f'<p class="hcsp-question" id="{key}-question" data-hcsp-group="{key}"{hint_id}>{html.escape(text)}</p>'
        + hint_html
    )


# Runs once per browser tab (st.html runs it when first drawn), then watches the page, because Streamlit
# redraws parts of it on every rerun: names each tick-box group by its question; after a failed submit
# moves focus to the error summary and puts "Error: " before the title (taken off once the summary goes);
# and makes each summary link scroll its question into view and focus its first answer (the chosen one,
# for radios; the day of a date), as GOV.UK's error summary does. Only marked elements are touched.
_FORM_BEHAVIOUR = """
<script>
(function () {
  if (window.__hcspForms) return;
  window.__hcspForms = true;
  var queued = false, prefix = null, focused = null;
  // The answer to focus, best first: the chosen radio, else the first answer (never a "Help" button).
  var CONTROLS = ['input:checked', 'input:not([type=hidden]):not([tabindex="-1"]), textarea, [role=spinbutton]'];
  function box(key) { return document.querySelector('.st-key-' + CSS.escape(key)); }
  function tidy() {
    queued = false;
    document.querySelectorAll('[data-hcsp-group]').forEach(function (label) {
      var group = box(label.dataset.hcspGroup);
      if (!group || group.getAttribute('aria-labelledby') === label.id) return;
      group.setAttribute('role', 'group');
      group.setAttribute('aria-labelledby', label.id);
      if (label.dataset.hcspHint) group.setAttribute('aria-describedby', label.dataset.hcspHint);
    });
    var summary = document.querySelector('.hcsp-error-summary');
    if (summary) {
      prefix = summary.dataset.titlePrefix + ' ';
      if (document.title.indexOf(prefix) !== 0) document.title = prefix + document.title;
      if (summary.dataset.attempt !== focused) { focused = summary.dataset.attempt; summary.focus(); }
    } else {
      focused = null;
      if (prefix && document.title.indexOf(prefix) === 0) document.title = document.title.slice(prefix.length);
    }
  }
  function queue() { if (!queued) { queued = true; requestAnimationFrame(tidy); } }
  var observer = new MutationObserver(queue);
  observer.observe(document.body, {childList: true, subtree: true});
  observer.observe(document.head, {childList: true, subtree: true, characterData: true});
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-hcsp-target]');
    if (!link) return;
    var keys = link.dataset.hcspTarget.split(' ');
    for (var i = 0; i < keys.length; i++) {
      var field = box(keys[i]), control = null;
      for (var j = 0; field && !control && j < CONTROLS.length; j++) control = field.querySelector(CONTROLS[j]);
      if (!control) continue;
      event.preventDefault();
      field.scrollIntoView();  // the question first, then its answer: the label is not scrolled away
      control.focus({preventScroll: true});
      return;
    }
  });
  queue();
})();
</script>
"""


def form_behaviour() -> None:
    """Call once on a page with a resident form (see ``_FORM_BEHAVIOUR``)."""
    st.html(_FORM_BEHAVIOUR, unsafe_allow_javascript=True)


def group_problems(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for field, message in pairs:
        grouped.setdefault(field, []).append(message)
    return grouped
