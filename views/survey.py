"""Feelings of safety survey (docs/design.md section 3: the questions, their order and wording are contract)."""

import streamlit as st

from hcsp_engage import records, schema
from hcsp_engage.web import forms, picker, ui

FORM = forms.SURVEY
# Each field the checks can name, in the form's order: how the error summary at the top names it, and the
# widget its link moves the focus to (space-separated keys: the first one on the page wins).
FIELDS = {
    "response_id": ("This form", ""),
    "area": ("Where you live", "survey_area"),
    "postcode_district": ("First part of your postcode", "survey_postcode"),
    "safe_day": ("Feeling safe during the day", "survey_safe_day"),
    "safe_after_dark": ("Feeling safe after dark", "survey_safe_after_dark"),
    "unsafe_location": ("A place where you feel unsafe", "survey_place survey_method"),
    "unsafe_reasons": ("Why you feel unsafe there", "survey_unsafe_reasons"),
    "safer_measures": ("What would make you feel safer", "survey_safer_measures"),
    "noticed_changes": ("Changes you have noticed", "survey_noticed_changes"),
    "changes_effect": ("How the changes made you feel", "survey_changes_effect"),
    "top_concerns": ("Your main concerns", "survey_top_concerns"),
    "age_band": ("Age", "survey_age_band"),
    "gender": ("Gender", "survey_gender"),
    "disability": ("Disability", "survey_disability"),
    "comments": ("Anything else", "survey_comments"),
}

ui.public_page("Feelings of safety survey", mentions_domestic_abuse=True)

if forms.confirmation(FORM):
    forms.show_confirmation(FORM, "answers")
    st.page_link(
        "views/map.py", label="See what others have said on the community map", icon=":material/map:"
    )
    st.page_link("views/report.py", label="Report an anti-social behaviour concern", icon=":material/report:")
    st.button("Fill in the survey again", on_click=forms.start_again, args=(FORM,))
    st.stop()

forms.form_reference(FORM)  # fixed when the form is first shown: a retry stores once
problems = forms.problems(FORM)
key = FORM.key
forms.form_style()
forms.error_summary(FORM, problems, FIELDS)

st.markdown(
    "Tell us how safe you feel where you live. It takes about 5 minutes in 4 short parts. Only the "
    "area you live in and how safe you feel must be answered; skip anything else. We never ask your name."
)

with st.container(border=True):
    st.header("Part 1 of 4: where you live", anchor=False)
    area = st.radio("Which area do you live in?", schema.AREAS, index=None, key=key("area"))
    ui.field_error(problems, "area")
    st.text_input(
        "What is the first part of your postcode? (optional)",
        key=key("postcode"),
        max_chars=8,
        placeholder="e.g. HR1",
        help="Only the first part (like HR1) is kept. If you type a full postcode we cut it down.",
    )
    ui.field_error(problems, "postcode_district")

with st.container(border=True):
    st.header("Part 2 of 4: how safe you feel", anchor=False)
    st.radio(
        "How safe or unsafe do you feel when outside in your local area during the day?",
        schema.SAFETY_SCALE,
        index=None,
        key=key("safe_day"),
    )
    ui.field_error(problems, "safe_day")
    st.radio(
        "How safe or unsafe do you feel when outside in your local area after dark?",
        schema.SAFETY_SCALE,
        index=None,
        key=key("safe_after_dark"),
    )
    ui.field_error(problems, "safe_after_dark")

with st.container(border=True):
    st.header("Part 3 of 4: places and what would help", anchor=False)
    picker.place_picker(FORM, area, label="Is there a place where you feel unsafe?", allow_skip=True)
    ui.field_error(problems, "unsafe_location")
    forms.checkbox_group(
        FORM,
        "unsafe_reasons",
        "Why do you feel unsafe there?",
        schema.UNSAFE_REASONS,
        hint="Choose all that apply, or none.",
    )
    forms.checkbox_group(
        FORM,
        "safer_measures",
        "What would make you feel safer?",
        schema.SAFER_MEASURES,
        hint="Choose all that apply.",
    )

with st.container(border=True):
    st.header("Part 4 of 4: changes, concerns and you", anchor=False)
    forms.checkbox_group(
        FORM,
        "noticed_changes",
        "In the last two years, have you noticed any of these in your area?",
        schema.NOTICED_CHANGES,
        hint="Choose all that you have noticed, or 'None of these'.",
    )
    st.radio(
        "Have these changes made you feel…",
        schema.CHANGES_EFFECT,
        index=None,
        key=key("changes_effect"),
    )
    ui.field_error(problems, "changes_effect")
    st.multiselect(
        "Which of these concern you most in your area? (up to 3)",
        schema.TOP_CONCERNS,
        max_selections=schema.MAX_TOP_CONCERNS,
        key=key("top_concerns"),
        placeholder="Choose up to 3",
    )
    ui.field_error(problems, "top_concerns")
    st.markdown("**About you (optional)**")
    st.caption("This helps us see whether everyone feels equally safe. Each question can be left blank.")
    st.selectbox("Age", schema.AGE_BANDS, index=None, key=key("age_band"), placeholder="Choose (optional)")
    ui.field_error(problems, "age_band")
    st.selectbox("Gender", schema.GENDERS, index=None, key=key("gender"), placeholder="Choose (optional)")
    ui.field_error(problems, "gender")
    st.selectbox(
        "Do you consider yourself to have a disability?",
        schema.DISABILITY,
        index=None,
        key=key("disability"),
        placeholder="Choose (optional)",
    )
    ui.field_error(problems, "disability")
    forms.free_text(
        FORM,
        "comments",
        "Anything else you want to tell us? (optional, please do not include names or contact details)",
        problems,
        "Nobody outside the Partnership sees it.",
    )

forms.submit_area(
    FORM,
    "Submit my answers",
    forms.survey_from_answers,
    records.validate_survey,
    records.survey_row,
)
st.page_link(
    "views/privacy.py", label="What we keep and who sees it: the privacy notice", icon=":material/lock:"
)
