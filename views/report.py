"""Report an anti-social behaviour concern (docs/design.md section 4: questions and categories are contract)."""

import streamlit as st

from hcsp_engage import i18n, records, schema
from hcsp_engage.i18n import N_, Message
from hcsp_engage.web import cached, forms, lang, picker, ui
from hcsp_engage.web.lang import _

FORM = forms.REPORT
# Each field the checks can name, in the form's order: how the error summary at the top names it, and the
# widget its link moves the focus to (space-separated keys: the first one on the page wins; the place
# question shows only once an area is chosen).
FIELDS = {
    "report_id": (N_("This form"), ""),
    "category": (N_("What the problem is"), "report_category"),
    "area": (N_("Which area it is in"), "report_area"),
    "location": (N_("Where it is happening"), "report_place report_method report_area"),
    "location_detail": (N_("Street or landmark"), "report_location_detail"),
    "occurred_on": (N_("When it last happened"), "report_occurred_on"),
    "time_of_day": (N_("What time of day it usually happens"), "report_time_of_day"),
    "frequency": (N_("How often it happens"), "report_frequency"),
    "impact": (N_("How much it affects you"), "report_impact"),
    "told": (N_("Who you have told"), "report_told"),
    "incidents_reported_6m": (
        N_("Incidents reported in the last six months"),
        "report_incidents_reported_6m",
    ),
    "description": (N_("Describe what is happening"), "report_description"),
}
CATEGORIES = {category.name: category for category in records.asb_categories()}
DATE_FORMATS = {"pl": "DD.MM.YYYY", "ro": "DD.MM.YYYY", "bg": "DD.MM.YYYY"}  # as each language writes a date

ui.public_page(_("Report an anti-social behaviour concern"))
rule = cached.settings().community_trigger

if done := forms.confirmation(FORM):
    forms.show_confirmation(FORM, N_("Thank you: we have your report. Your reference is {reference}"))
    if forms.community_trigger_met(FORM):
        st.info(
            _(
                Message(
                    "**You may be able to ask for an ASB case review (the Community Trigger).** You told us "
                    "you have reported {incidents} or more separate incidents in the last {months} months. "
                    "Herefordshire Council can review how your reports were handled. This app does not "
                    "collect your name, so to ask for a review please apply to the council directly: "
                    "[Community Trigger application]({url}). Quote your reference {reference}.",
                    incidents=rule.incidents,
                    months=rule.months,
                    url=rule.application_url,
                    reference=done[0],
                )
            ),
            icon=":material/gavel:",
        )
    else:
        st.info(
            _(
                Message(
                    "**What happens next.** Community safety officers review every report each month and "
                    "look for places where problems keep happening. This is not a crime report and nobody "
                    "will contact you about it. If you report {incidents} or more separate incidents in "
                    "{months} months, or you and {others} other people have each complained about similar "
                    "problems, you can ask the council for an [ASB case review (Community Trigger)]({url}).",
                    incidents=rule.incidents,
                    months=rule.months,
                    others=rule.others_with_similar,
                    url=rule.application_url,
                )
            ),
            icon=":material/info:",
        )
    st.page_link(
        "views/map.py", label=_("See the community map"), icon=":material/map:", query_params=lang.query()
    )
    st.button(_("Report another concern"), on_click=forms.start_again, args=(FORM,))
    st.stop()

shown = lang.translator()  # the answers in the resident's language (stored in English)
forms.form_reference(FORM)  # fixed when the form is first shown: a retry stores once
problems = forms.problems(FORM)
key = FORM.key
forms.form_style()
forms.error_summary(FORM, problems, FIELDS)

st.markdown(
    _(
        "Tell us about anti-social behaviour that worries you. It takes about 3 minutes and we do not ask "
        "for your name. Officers use reports to see where problems keep happening. **This is not a crime "
        "report**: nobody will reply to you."
    )
)

with st.container(border=True):
    st.header(_("Part 1 of 3: what and where"), anchor=False)
    # The categories, their groups and explanations come from asb_categories.csv (extracted by
    # scripts/translations); the category stored is the file's English name.
    forms.choice(
        FORM,
        "category",
        _("What is the problem?"),
        list(CATEGORIES),
        format_func=lambda name: f"{shown(CATEGORIES[name].group)}: {shown(name)}",
        captions=[_(category.explanation) for category in CATEGORIES.values()],
    )
    area = forms.choice(FORM, "area", _("Which area is it in?"), schema.REPORT_AREAS)
    where = _("Where is it happening?")
    if area:
        picker.place_picker(FORM, area, label=where, allow_skip=False)
    else:
        st.markdown(f"**{where}**")
        st.caption(_("Choose the area first, then point to the place on a map or pick it from a list."))
    ui.field_error(problems, "location")
    detail = st.text_input(
        _("Street or landmark (optional, no house numbers)"),
        key=key("location_detail"),
        max_chars=schema.MAX_LOCATION_DETAIL,
        placeholder=_("e.g. the alley behind the library"),
    )
    ui.field_error(problems, "location_detail")
    st.caption(_(forms.REDACTION_NOTE))

with st.container(border=True):
    st.header(_("Part 2 of 3: when and how often"), anchor=False)
    today = records.utc_now().date()  # the same day the check after submit uses
    st.date_input(
        _("When did it last happen?"),
        value=None,
        # The calendar greys out, and the field refuses, a day in the future or over 12 months ago.
        min_value=today - records.MAX_REPORT_AGE,
        max_value=today,
        key=key("occurred_on"),
        format=DATE_FORMATS.get(lang.current(), "DD/MM/YYYY"),
        help=_(
            Message(
                "Any day in the last 12 months, up to today ({today}).",
                today=i18n.long_date(today, lang.current()),
            )
        ),
    )
    ui.field_error(problems, "occurred_on")
    forms.choice(FORM, "time_of_day", _("What time of day does it usually happen?"), schema.TIMES_OF_DAY)
    forms.choice(FORM, "frequency", _("How often does it happen?"), schema.FREQUENCIES)
    forms.choice(FORM, "impact", _("How much does it affect you?"), schema.IMPACTS)

with st.container(border=True):
    st.header(_("Part 3 of 3: who knows about it"), anchor=False)
    forms.checkbox_group(
        FORM,
        "told",
        _("Who have you told about it?"),
        schema.TOLD,
        hint=_("Choose all that apply, or 'Nobody yet'."),
    )
    forms.choice(
        FORM,
        "incidents_reported_6m",
        _("How many separate incidents have you reported in the last six months?"),
        schema.INCIDENTS_REPORTED_6M,
        horizontal=True,
    )
    forms.free_text(
        FORM,
        "description",
        _("Describe what is happening (optional, please do not include names or contact details)"),
        problems,
        _("What you write is never shown publicly."),
    )

forms.submit_area(
    FORM,
    _("Send report"),
    forms.report_from_answers,
    records.validate_report,
    records.report_row,
)
st.page_link(
    "views/privacy.py",
    label=_("What we keep and who sees it: the privacy notice"),
    icon=":material/lock:",
    query_params=lang.query(),
)
