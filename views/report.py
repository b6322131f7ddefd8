"""Report an anti-social behaviour concern (docs/design.md section 4: questions and categories are contract)."""

import streamlit as st

from hcsp_engage import records, schema
from hcsp_engage.web import cached, forms, picker, ui

FORM = forms.REPORT
# Each field the checks can name, in the form's order: how the error summary at the top names it, and the
# widget its link moves the focus to (space-separated keys: the first one on the page wins; the place
# question shows only once an area is chosen).
FIELDS = {
    "report_id": ("This form", ""),
    "category": ("What the problem is", "report_category"),
    "area": ("Which area it is in", "report_area"),
    "location": ("Where it is happening", "report_place report_method report_area"),
    "location_detail": ("Street or landmark", "report_location_detail"),
    "occurred_on": ("When it last happened", "report_occurred_on"),
    "time_of_day": ("What time of day it usually happens", "report_time_of_day"),
    "frequency": ("How often it happens", "report_frequency"),
    "impact": ("How much it affects you", "report_impact"),
    "told": ("Who you have told", "report_told"),
    "incidents_reported_6m": ("Incidents reported in the last six months", "report_incidents_reported_6m"),
    "description": ("Describe what is happening", "report_description"),
}
CATEGORIES = {category.name: category for category in records.asb_categories()}

ui.public_page("Report an anti-social behaviour concern")
rule = cached.settings().community_trigger

if done := forms.confirmation(FORM):
    forms.show_confirmation(FORM, "report")
    if forms.community_trigger_met(FORM):
        st.info(
            f"**You may be able to ask for an ASB case review (the Community Trigger).** You told us you "
            f"have reported {rule.incidents} or more separate incidents in the last {rule.months} months. "
            "Herefordshire Council can review how your reports were handled. This app does not collect "
            "your name, so to ask for a review please apply to the council directly: "
            f"[Community Trigger application]({rule.application_url}). Quote your reference {done[0]}.",
            icon=":material/gavel:",
        )
    else:
        st.info(
            "**What happens next.** Community safety officers review every report each month and look "
            "for places where problems keep happening. This is not a crime report and nobody will "
            "contact you about it. If you report "
            f"{rule.incidents} or more separate incidents in {rule.months} months, or you and "
            f"{rule.others_with_similar} other people have each complained about similar problems, you can "
            f"ask the council for an [ASB case review (Community Trigger)]({rule.application_url}).",
            icon=":material/info:",
        )
    st.page_link("views/map.py", label="See the community map", icon=":material/map:")
    st.button("Report another concern", on_click=forms.start_again, args=(FORM,))
    st.stop()

forms.form_reference(FORM)  # fixed when the form is first shown: a retry stores once
problems = forms.problems(FORM)
key = FORM.key
forms.form_style()
forms.error_summary(FORM, problems, FIELDS)

st.markdown(
    "Tell us about anti-social behaviour that worries you. It takes about 3 minutes and we do not ask "
    "for your name. Officers use reports to see where problems keep happening. **This is not a crime "
    "report**: nobody will reply to you."
)

with st.container(border=True):
    st.header("Part 1 of 3: what and where", anchor=False)
    st.radio(
        "What is the problem?",
        list(CATEGORIES),
        index=None,
        key=key("category"),
        format_func=lambda name: f"{CATEGORIES[name].group}: {name}",
        captions=[category.explanation for category in CATEGORIES.values()],
    )
    ui.field_error(problems, "category")
    area = st.radio("Which area is it in?", schema.REPORT_AREAS, index=None, key=key("area"))
    ui.field_error(problems, "area")
    if area:
        picker.place_picker(FORM, area, label="Where is it happening?", allow_skip=False)
    else:
        st.markdown("**Where is it happening?**")
        st.caption("Choose the area first, then point to the place on a map or pick it from a list.")
    ui.field_error(problems, "location")
    detail = st.text_input(
        "Street or landmark (optional, no house numbers)",
        key=key("location_detail"),
        max_chars=schema.MAX_LOCATION_DETAIL,
        placeholder="e.g. the alley behind the library",
    )
    ui.field_error(problems, "location_detail")
    st.caption(forms.REDACTION_NOTE)

with st.container(border=True):
    st.header("Part 2 of 3: when and how often", anchor=False)
    today = records.utc_now().date()  # the same day the check after submit uses
    st.date_input(
        "When did it last happen?",
        value=None,
        # The calendar greys out, and the field refuses, a day in the future or over 12 months ago.
        min_value=today - records.MAX_REPORT_AGE,
        max_value=today,
        key=key("occurred_on"),
        format="DD/MM/YYYY",
        help="Any day in the last 12 months, up to today.",
    )
    ui.field_error(problems, "occurred_on")
    st.radio(
        "What time of day does it usually happen?", schema.TIMES_OF_DAY, index=None, key=key("time_of_day")
    )
    ui.field_error(problems, "time_of_day")
    st.radio("How often does it happen?", schema.FREQUENCIES, index=None, key=key("frequency"))
    ui.field_error(problems, "frequency")
    st.radio("How much does it affect you?", schema.IMPACTS, index=None, key=key("impact"))
    ui.field_error(problems, "impact")

with st.container(border=True):
    st.header("Part 3 of 3: who knows about it", anchor=False)
    forms.checkbox_group(
        FORM,
        "told",
        "Who have you told about it?",
        schema.TOLD,
        hint="Choose all that apply, or 'Nobody yet'.",
    )
    st.radio(
        "How many separate incidents have you reported in the last six months?",
        schema.INCIDENTS_REPORTED_6M,
        index=None,
        key=key("incidents_reported_6m"),
        horizontal=True,
    )
    ui.field_error(problems, "incidents_reported_6m")
    forms.free_text(
        FORM,
        "description",
        "Describe what is happening (optional, please do not include names or contact details)",
        problems,
        "What you write is never shown publicly.",
    )

forms.submit_area(
    FORM,
    "Send report",
    forms.report_from_answers,
    records.validate_report,
    records.report_row,
)
st.page_link(
    "views/privacy.py", label="What we keep and who sees it: the privacy notice", icon=":material/lock:"
)
