"""The resident forms' plumbing: answers into records, abuse limits and the submission flow.

The survey and report pages lay out widgets with keys that start with the form's prefix ("survey_",
"report_"); everything between the resident pressing the button and the row reaching the store lives
here, so it can be read in one place and tested.

Plain Python (no Streamlit runtime needed, tested directly): ``survey_from_answers``,
``report_from_answers``. The Streamlit-facing part (``form_reference``, the questions ``choice``,
``dropdown``, ``checkbox_group`` and ``free_text``, ``submit_form`` ...) keeps each form's state in
``st.session_state``. The abuse limits' rules (the limiter, the client's address, the signed token that
times the filling in) live in ``security``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import streamlit as st

from hcsp_engage import config, records, schema, security, storage
from hcsp_engage.i18n import N_, Message, Plural
from hcsp_engage.privacy import normalise_text
from hcsp_engage.storage import Submitted
from hcsp_engage.web import auth, cached, lang, ui
from hcsp_engage.web.lang import _

log = logging.getLogger(__name__)

# --- Answers into records (plain Python) -----------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where the resident pointed: a pin, a named place, or nothing."""

    lat: float | None = None
    lon: float | None = None
    place: str = ""


def _text(answers: Mapping, key: str) -> str:
    value = answers.get(key)
    return "" if value is None else str(value)


def _tuple(answers: Mapping, key: str) -> tuple[str, ...]:
    return tuple(answers.get(key) or ())


def survey_from_answers(
    answers: Mapping, location: Location, reference: str, language: str = schema.DEFAULT_LANGUAGE
) -> records.SurveyResponse:
    """A survey response from the page's answers (keys without the "survey_" prefix), in English
    whatever ``language`` the resident used (the widgets hold the English values and show them
    translated)."""
    return records.SurveyResponse(
        response_id=reference,
        submitted_at=records.utc_now(),
        area=_text(answers, "area"),
        postcode_district=_text(answers, "postcode"),
        safe_day=_text(answers, "safe_day"),
        safe_after_dark=_text(answers, "safe_after_dark"),
        unsafe_lat=location.lat,
        unsafe_lon=location.lon,
        unsafe_place=location.place,
        unsafe_reasons=_tuple(answers, "unsafe_reasons"),
        safer_measures=_tuple(answers, "safer_measures"),
        noticed_changes=_tuple(answers, "noticed_changes"),
        changes_effect=_text(answers, "changes_effect"),
        top_concerns=_tuple(answers, "top_concerns"),
        age_band=_text(answers, "age_band"),
        gender=_text(answers, "gender"),
        disability=_text(answers, "disability"),
        comments=_text(answers, "comments"),
        language=language,
    )


def report_from_answers(
    answers: Mapping, location: Location, reference: str, language: str = schema.DEFAULT_LANGUAGE
) -> records.AsbReport:
    """An ASB report from the page's answers (keys without the "report_" prefix), in English whatever
    ``language`` the resident used."""
    occurred_on = answers.get("occurred_on")
    return records.AsbReport(
        report_id=reference,
        submitted_at=records.utc_now(),
        category=_text(answers, "category"),
        area=_text(answers, "area"),
        occurred_on=occurred_on if isinstance(occurred_on, date) else None,
        time_of_day=_text(answers, "time_of_day"),
        frequency=_text(answers, "frequency"),
        impact=_text(answers, "impact"),
        told=_tuple(answers, "told"),
        incidents_reported_6m=_text(answers, "incidents_reported_6m"),
        lat=location.lat,
        lon=location.lon,
        place=location.place,
        location_detail=_text(answers, "location_detail"),
        description=_text(answers, "description"),
        language=language,
    )


def characters_used(text: str | None, limit: int) -> Message:
    """The counter shown under a free-text box: '120 of 1,000 characters used'.

    Counts the text as it will be checked and stored (``privacy.normalise_text``), so the counter and
    the length check never disagree.
    """
    used = len(normalise_text(text or ""))
    if used > limit:
        return Message(
            "{used} of {limit} characters used ({over} too many)", used=used, limit=limit, over=used - limit
        )
    return Message("{used} of {limit} characters used", used=used, limit=limit)


# --- The submission flow (Streamlit-facing) --------------------------------------------------------

# Questions read as questions (Streamlit's widget labels are small grey text by default), and radio and
# tick-box options get rows at least 32 px tall, comfortably over WCAG 2.2's 24 px target size.
_FORM_STYLE = """
<style>
.stRadio > [data-testid="stWidgetLabel"] p, .stSelectbox [data-testid="stWidgetLabel"] p,
.stMultiSelect [data-testid="stWidgetLabel"] p, .stTextInput [data-testid="stWidgetLabel"] p,
.stTextArea [data-testid="stWidgetLabel"] p, .stDateInput [data-testid="stWidgetLabel"] p,
.hcsp-question { font-size: 1.05rem; font-weight: 600; color: inherit; }
[role="radiogroup"] label, .stCheckbox label { min-height: 2rem; align-items: center; }
[data-testid="stMain"] [data-testid="stHeading"] h2 { font-size: 1.45rem; padding-top: 0.25rem; }
</style>
"""


def form_style() -> None:
    """Call once near the top of a form page: the style, and the script that names tick-box groups and
    moves focus to the error summary (``ui.form_behaviour``)."""
    st.html(_FORM_STYLE)
    ui.form_behaviour()


# How a resident says where: the picker offers these (web/picker.py), shown translated.
MAP = N_("Drop a pin on a map")
LIST = N_("Choose a named place from a list")
SKIP = N_("Skip this question")


@dataclass(frozen=True)
class Form:
    """One resident form: its widget-key prefix, reference letter and table."""

    prefix: str  # "survey" or "report"; widget keys are f"{prefix}_{name}"
    letter: str  # reference prefix: "S" or "R"
    table: str

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"


SURVEY = Form("survey", "S", schema.SURVEY_RESPONSES)
REPORT = Form("report", "R", schema.ASB_REPORTS)


def chosen_location(form: Form) -> Location:
    """What the resident chose, read from session state (used by the submit callback)."""
    state = st.session_state
    method = state.get(form.key("method"))
    if method == MAP and state.get(form.key("pin")):
        lat, lon = state[form.key("pin")]
        return Location(lat=lat, lon=lon)
    if method == LIST and state.get(form.key("place")):
        return Location(place=state[form.key("place")])
    return Location()


def form_reference(form: Form) -> str:
    """The form's reference, fixed when the form is first shown.

    Every submit, retry or refresh of the same filled-in form sends the same id, and the store keeps
    one row per id, so a double click never stores twice. A new id is made after a success, and with
    it a new signed token saying when the form was first shown (the minimum time to fill starts then,
    and pressing the button again does not restart it).
    """
    state = st.session_state
    if form.key("reference") not in state:
        state[form.key("reference")] = records.new_reference(form.letter)
        state[form.key("token")] = security.form_token(form.prefix)
    return state[form.key("reference")]


# Options of each checkbox group, by the group's key: filled when the group is first drawn.
_GROUPS: dict[str, tuple[str, ...]] = {}


def answers(form: Form) -> dict:
    """The form's widget values, keyed by name without the prefix; checkbox groups as lists."""
    state = st.session_state
    prefix = form.prefix + "_"
    values = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
    for group, options in _GROUPS.items():
        if group.startswith(prefix):
            values[group[len(prefix) :]] = [
                option for index, option in enumerate(options) if state.get(f"{group}__{index}")
            ]
    return values


def checkbox_group(form: Form, name: str, label: str, options: Sequence[str], hint: str = "") -> list[str]:
    """Several-answers question as tick boxes (large tap targets) in a group named by its question, with
    its hint and errors; the container's key is the form's key for ``name``, which the error summary's
    link uses. ``label`` and ``hint`` come translated; each option is an English answer (what is stored),
    shown translated."""
    _GROUPS[form.key(name)] = tuple(options)
    with st.container(key=form.key(name)):
        ui.group_label(label, form.key(name), hint)  # fixed question text from the page, never the resident's
        chosen = [
            option
            for index, option in enumerate(options)
            if st.checkbox(_(option), key=form.key(f"{name}__{index}"))
        ]
        ui.field_error(problems(form), name)
    return chosen


def choice(
    form: Form,
    name: str,
    label: str,
    options: Sequence[str],
    *,
    horizontal: bool = False,
    format_func: Callable[[str], str] | None = None,
    captions: Sequence[str] | None = None,
) -> str | None:
    """One-answer question as radio buttons, none chosen at first, keyed by the form's key for ``name``,
    with its errors right under it. ``label`` and ``captions`` come translated; each option is an English
    answer (what is stored), shown translated unless ``format_func`` shows it otherwise."""
    chosen = st.radio(
        label,
        options,
        index=None,
        key=form.key(name),
        format_func=format_func or lang.translator(),
        horizontal=horizontal,
        captions=captions,
    )
    ui.field_error(problems(form), name)
    return chosen


def dropdown(form: Form, name: str, label: str, options: Sequence[str], *, placeholder: str) -> str | None:
    """One-answer question as a drop-down list, none chosen at first, keyed by the form's key for
    ``name``, with its errors right under it. ``label`` and ``placeholder`` come translated (Streamlit's
    own placeholder is English); each option is an English answer, shown translated."""
    chosen = st.selectbox(
        label,
        options,
        index=None,
        key=form.key(name),
        placeholder=placeholder,
        format_func=lang.translator(),
    )
    ui.field_error(problems(form), name)
    return chosen


def problems(form: Form) -> dict[str, list[str]]:
    """The problems found at the last press of the submit button (empty when none)."""
    return st.session_state.get(form.key("problems"), {})


def error_summary(
    form: Form, problems: Mapping[str, list[str]], fields: Mapping[str, tuple[str, str]]
) -> None:
    """The GOV.UK error summary at the top of the form (``ui.form_error_summary``).

    Drawn in a container that is always there, so the questions below keep their place in the page
    whether or not it shows (Streamlit then redraws nothing else).
    """
    attempt = f"{form.prefix}-{st.session_state.get(form.key('attempt'), 0)}"
    with st.container(key=form.key("error_summary")):
        ui.form_error_summary(problems, fields, attempt)


def _limiter(settings) -> security.SlidingWindowLimiter:
    database_url = settings.database_url if settings.storage == "postgres" else ""
    return _shared_limiter(settings.submissions_per_window, settings.submission_window_seconds, database_url)


@st.cache_resource(show_spinner=False)
def _shared_limiter(limit: int, window_seconds: int, database_url: str = "") -> security.SlidingWindowLimiter:
    # With PostgreSQL the events are kept in the database: every app server counts against one limit.
    shared = config.Settings(storage="postgres", database_url=database_url)
    windows = storage.limit_windows(shared, "forms") if database_url else None
    return security.SlidingWindowLimiter(limit, window_seconds, windows=windows)


def _session_key() -> str:
    if "_hcsp_session" not in st.session_state:
        st.session_state["_hcsp_session"] = records.new_reference("X")
    return "session:" + st.session_state["_hcsp_session"]


def _limit_keys() -> list[str]:
    """This browser session and, when it can be told safely, the client's address (README
    "Configuration": HCSP_TRUSTED_PROXY_HOPS)."""
    client = auth.client_address()
    return [_session_key(), *([client.key] if client.key else [])]


def _minutes(seconds: float) -> Plural:
    return Plural("{count} minute", "{count} minutes", count=max(1, round(seconds / 60)))


def _seconds(seconds: float) -> Plural:
    if seconds >= 90:
        return _minutes(seconds)
    return Plural("{count} second", "{count} seconds", count=max(1, math.ceil(seconds)))


def _reset(form: Form) -> None:
    """Clear the form's answers and start a new reference (called from a button callback)."""
    for key in [key for key in st.session_state if key.startswith(form.prefix + "_")]:
        del st.session_state[key]


def submit_form(
    form: Form,
    build: Callable[[Mapping, Location, str], object],
    validate: Callable[[object], list[tuple[str, str]]],
    to_row: Callable[[object], dict[str, str]],
    location: Callable[[], Location],
) -> None:
    """The submit button's callback: validate and apply the abuse limits, or explain what is wrong.

    The page reads the outcome from ``problems(form)`` and ``refusal(form)``; accepted answers are
    stored by ``send_pending(form)``, which the page calls right after the button.
    """
    state = st.session_state
    if confirmation(form) or _pending_key(form) in state:  # a second click: already on its way
        return
    state.pop(form.key("refusal"), None)
    reference = form_reference(form)
    record = build(answers(form), location(), reference, lang.chosen())
    found = ui.group_problems(validate(record))
    state[form.key("problems")] = found
    if found:
        # Each failed submit is numbered, so the error summary takes the focus again even when it lists
        # the same problems as last time.
        state[form.key("attempt")] = state.get(form.key("attempt"), 0) + 1
        return
    settings = cached.settings()
    shown_at = security.form_shown_at(state.get(form.key("token")), form.prefix)
    if shown_at is None:
        # Not a token this server made for this form (lost in a restart, or made up): time afresh.
        state[form.key("token")] = security.form_token(form.prefix)
        state[form.key("refusal")] = Message(
            "We could not tell when this form was opened, so we have not sent it yet. Your answers are "
            "still here: please press the button again in {wait}.",
            wait=_seconds(settings.min_fill_seconds),
        )
        return
    too_soon = settings.min_fill_seconds - (time.time() - shown_at)
    if too_soon > 0:
        # The token keeps the time the form was first shown, so pressing again does not get round it.
        state[form.key("refusal")] = Message(
            "That was quicker than people usually manage, so we have not sent it yet. Your answers are "
            "still here: please check them, then press the button again in {wait}.",
            wait=_seconds(too_soon),
        )
        return
    limiter = _limiter(settings)
    keys = _limit_keys()
    if not limiter.try_acquire(keys):
        wait = limiter.seconds_until_free(keys)
        state[form.key("refusal")] = Message(
            "Thank you, but we have already had {count} submissions from you in a short time. To keep the "
            "service fair, please try again in about {wait}. Your answers are still here.",
            count=settings.submissions_per_window,
            wait=_minutes(wait),
        )
        return
    # Stored by send_pending, in the page run that follows, where a spinner can show progress.
    trigger = meets_community_trigger(record, settings.community_trigger.incidents)
    state[_pending_key(form)] = (to_row(record), trigger)


def _pending_key(form: Form) -> str:
    return f"{form.prefix}-pending"


def send_pending(form: Form) -> None:
    """Store the answers the submit button accepted (call right after the button), then start afresh.

    The row stays pending until the store has answered, so a run interrupted by another click sends
    it again with the same id, which the store keeps once. When Google Sheets is down the row goes to
    the outbox and the resident is told it will follow; the store gives up within its time budget.
    """
    state = st.session_state
    pending = state.get(_pending_key(form))
    if pending is None:
        return
    row, trigger = pending
    reference = row[schema.ID_COLUMN[form.table]]
    try:
        with st.spinner(_("Sending your answers…")):
            outcome = cached.submit(form.table, row)
    except Exception:  # any surprise: keep the answers and the reference so a retry stores once
        log.exception("Storing %s %s failed", form.table, reference)
        state.pop(_pending_key(form), None)
        state[form.key("refusal")] = N_(
            "Sorry, we could not save your answers just now. They are still here: please try again "
            "in a minute."
        )
        st.warning(_(state[form.key("refusal")]), icon=":material/cloud_off:")
        return
    _reset(form)
    state.pop(_pending_key(form), None)
    state[f"{form.prefix}-done"] = (reference, outcome.value)
    state[f"{form.prefix}-trigger"] = trigger
    st.rerun()


def meets_community_trigger(record: object, threshold: int) -> bool:
    """True when a report's answers meet the Community Trigger rule (surveys never do)."""
    return isinstance(record, records.AsbReport) and records.meets_community_trigger(
        record.incidents_reported_6m, threshold
    )


def confirmation(form: Form) -> tuple[str, Submitted] | None:
    """(reference, outcome) of the submission that just succeeded, or None."""
    done = st.session_state.get(f"{form.prefix}-done")
    return (done[0], Submitted(done[1])) if done else None


def refusal(form: Form) -> str:
    return st.session_state.get(form.key("refusal"), "")


def start_again(form: Form) -> None:
    """Callback for "Start again" after a confirmation: an empty form with a new reference."""
    st.session_state.pop(f"{form.prefix}-done", None)
    st.session_state.pop(f"{form.prefix}-trigger", None)
    _reset(form)


def show_confirmation(form: Form, thanks: Message) -> None:
    """The success panel: the reference, and whether it is stored or waiting to be sent. ``thanks`` is
    the page's own thank-you with a ``{reference}`` placeholder ("Thank you: we have your answers...")."""
    reference, outcome = confirmation(form)
    if outcome is Submitted.QUEUED and not cached.settings().outbox_durable:
        # The outbox is on a disk a restart wipes (Streamlit Community Cloud): "saved" would be untrue.
        st.warning(
            _(
                Message(
                    "Not sent yet: your answers will be sent when our records system answers. "
                    "Your reference is {reference}",
                    reference=reference,
                )
            ),
            icon=":material/schedule_send:",
        )
        st.caption(
            _(
                "Our records system (a Google spreadsheet) is not answering just now, so your answers are "
                "waiting on this web server. If the server restarts before they are sent, they may be lost."
            )
        )
    elif outcome is Submitted.QUEUED:
        st.success(
            _(Message("Saved. We will send it shortly. Your reference is {reference}", reference=reference)),
            icon=":material/schedule_send:",
        )
        st.caption(_("Our records system is busy, so your answers are safely saved here and will follow."))
    else:
        st.success(_(Message(thanks, reference=reference)), icon=":material/check:")
    st.caption(_("Write the reference down if you want to mention this to the Partnership later."))


def community_trigger_met(form: Form) -> bool:
    """Whether the submission just confirmed meets the Community Trigger rule."""
    return bool(st.session_state.get(f"{form.prefix}-trigger"))


# Said next to every free-text box, and in the privacy notice: what redaction removes, and plainly that
# it cannot remove names.
REDACTION_NOTE = N_(
    "We remove phone numbers, email addresses, web links, postcodes, number plates, house numbers, "
    "dates of birth and bank or card numbers before saving. We cannot remove names, so please leave them "
    "out."
)


def free_text(
    form: Form,
    field: str,
    label: str,
    problems: Mapping[str, list[str]],
    privacy_note: str,
    limit: int = schema.MAX_FREE_TEXT,
) -> str:
    """A free-text box with its length counter, its errors beside it and what redaction removes.

    ``max_chars`` makes the browser stop at ``limit`` (typing stops; a longer paste is not taken), and
    Streamlit cuts anything longer that a client sends over the websocket to ``limit`` before the app
    sees it; the records still check the length after normalising, which can lengthen text ("㎞" is
    "km").
    """
    text = st.text_area(
        label,
        key=form.key(field),
        height=140,
        max_chars=limit,
        # Streamlit's box ignores an edit that would go past max_chars, a paste included.
        help=_(
            Message(
                "Up to {limit} characters. Longer text will not paste in, so shorten it first.", limit=limit
            )
        ),
    )
    st.caption(_(characters_used(text, limit)))
    ui.field_error(problems, field)
    st.caption(f"{_(REDACTION_NOTE)} {privacy_note}")
    return text


def submit_area(
    form: Form,
    label: str,
    build: Callable[[Mapping, Location, str], object],
    validate: Callable[[object], list[tuple[str, str]]],
    to_row: Callable[[object], dict[str, str]],
) -> None:
    """The end of a form: any polite refusal, the submit button and sending (problems are summarised at
    the top, by ``error_summary``)."""
    if refusal(form):
        st.warning(_(refusal(form)), icon=":material/hourglass_top:")
    st.button(
        label,
        type="primary",
        key=f"{form.prefix}-submit",
        on_click=submit_form,
        args=(form, build, validate, to_row),
        kwargs={"location": lambda: chosen_location(form)},
    )
    send_pending(form)
    st.caption(_(Message("Form reference {reference}.", reference=form_reference(form))))
