"""Feelings of safety survey (docs/design.md section 3: the questions, their order and wording are contract)."""

import streamlit as st

from hcsp_engage import records, schema
from hcsp_engage.i18n import N_
from hcsp_engage.web import forms, lang, picker, ui
from hcsp_engage.web.lang import _

FORM = forms.SURVEY
# Each field the checks can name, in the form's order: how the error summary at the top names it, and the
# widget its link moves the focus to (space-separated keys: the first one on the page wins). Every answer
# is stored in English (docs/design.md section 5) and shown in the resident's language (format_func).
FIELDS = {
    "response_id": (N_("This form"), ""),
    "area": (N_("Where you live"), "survey_area"),
    "postcode_district": (N_("First part of your postcode"), "survey_postcode"),
    "safe_day": (N_("Feeling safe during the day"), "survey_safe_day"),
    "safe_after_dark": (N_("Feeling safe after dark"), "survey_safe_after_dark"),
    "unsafe_location": (N_("A place where you feel unsafe"), "survey_place survey_method"),
    "unsafe_reasons": (N_("Why you feel unsafe there"), "survey_unsafe_reasons"),
    "safer_measures": (N_("What would make you feel safer"), "survey_safer_measures"),
    "noticed_changes": (N_("Changes you have noticed"), "survey_noticed_changes"),
    "changes_effect": (N_("How the changes made you feel"), "survey_changes_effect"),
    "top_concerns": (N_("Your main concerns"), "survey_top_concerns"),
    "age_band": (N_("Age"), "survey_age_band"),
    "gender": (N_("Gender"), "survey_gender"),
    "disability": (N_("Disability"), "survey_disability"),
    "comments": (N_("Anything else"), "survey_comments"),
}

ui.public_page(_("Feelings of safety survey"), mentions_domestic_abuse=True)

if forms.confirmation(FORM):
    forms.show_confirmation(FORM, N_("Thank you: we have your answers. Your reference is {reference}"))
    st.page_link(
        "views/map.py",
        label=_("See what others have said on the community map"),
        icon=":material/map:",
        query_params=lang.query(),
    )
    st.page_link(
        "views/report.py",
        label=_("Report an anti-social behaviour concern"),
        icon=":material/report:",
        query_params=lang.query(),
    )
    st.button(_("Fill in the survey again"), on_click=forms.start_again, args=(FORM,))
    st.stop()

shown = lang.translator()  # the answers in the resident's language (stored in English)
forms.form_reference(FORM)  # fixed when the form is first shown: a retry stores once
problems = forms.problems(FORM)
key = FORM.key
forms.form_style()
forms.error_summary(FORM, problems, FIELDS)

st.markdown(
    _(
        "Tell us how safe you feel where you live. It takes about 5 minutes in 4 short parts. Only the "
        "area you live in and how safe you feel must be answered; skip anything else. We never ask your name."
    )
)

with st.container(border=True):
    st.header(_("Part 1 of 4: where you live"), anchor=False)
    area = forms.choice(FORM, "area", _("Which area do you live in?"), schema.AREAS)
    st.text_input(
        _("What is the first part of your postcode? (optional)"),
        key=key("postcode"),
        max_chars=8,
        placeholder=_("e.g. HR1"),
        help=_("Only the first part (like HR1) is kept. If you type a full postcode we cut it down."),
    )
    ui.field_error(problems, "postcode_district")

with st.container(border=True):
    st.header(_("Part 2 of 4: how safe you feel"), anchor=False)
    forms.choice(
        FORM,
        "safe_day",
        # Translators: keep the meaning exactly: answers are compared with the 2021 and 2023 surveys.
        _("How safe or unsafe do you feel when outside in your local area during the day?"),
        schema.SAFETY_SCALE,
    )
    forms.choice(
        FORM,
        "safe_after_dark",
        # Translators: keep the meaning exactly: answers are compared with the 2021 and 2023 surveys.
        _("How safe or unsafe do you feel when outside in your local area after dark?"),
        schema.SAFETY_SCALE,
    )

with st.container(border=True):
    st.header(_("Part 3 of 4: places and what would help"), anchor=False)
    picker.place_picker(FORM, area, label=_("Is there a place where you feel unsafe?"), allow_skip=True)
    ui.field_error(problems, "unsafe_location")
    forms.checkbox_group(
        FORM,
        "unsafe_reasons",
        _("Why do you feel unsafe there?"),
        schema.UNSAFE_REASONS,
        hint=_("Choose all that apply, or none."),
    )
    forms.checkbox_group(
        FORM,
        "safer_measures",
        _("What would make you feel safer?"),
        schema.SAFER_MEASURES,
        hint=_("Choose all that apply."),
    )

with st.container(border=True):
    st.header(_("Part 4 of 4: changes, concerns and you"), anchor=False)
    forms.checkbox_group(
        FORM,
        "noticed_changes",
        _("In the last two years, have you noticed any of these in your area?"),
        schema.NOTICED_CHANGES,
        hint=_("Choose all that you have noticed, or 'None of these'."),
    )
    forms.choice(FORM, "changes_effect", _("Have these changes made you feel…"), schema.CHANGES_EFFECT)
    st.multiselect(
        _("Which of these concern you most in your area? (up to 3)"),
        schema.TOP_CONCERNS,
        max_selections=schema.MAX_TOP_CONCERNS,
        key=key("top_concerns"),
        placeholder=_("Choose up to 3"),
        format_func=shown,
    )
    ui.field_error(problems, "top_concerns")
    st.markdown("**" + _("About you (optional)") + "**")
    st.caption(_("This helps us see whether everyone feels equally safe. Each question can be left blank."))
    optional = _("Choose (optional)")
    forms.dropdown(FORM, "age_band", _("Age"), schema.AGE_BANDS, placeholder=optional)
    forms.dropdown(FORM, "gender", _("Gender"), schema.GENDERS, placeholder=optional)
    forms.dropdown(
        FORM,
        "disability",
        _("Do you consider yourself to have a disability?"),
        schema.DISABILITY,
        placeholder=optional,
    )
    forms.free_text(
        FORM,
        "comments",
        _("Anything else you want to tell us? (optional, please do not include names or contact details)"),
        problems,
        _("Nobody outside the Partnership sees it."),
    )

forms.submit_area(
    FORM,
    _("Submit my answers"),
    forms.survey_from_answers,
    records.validate_survey,
    records.survey_row,
)
st.page_link(
    "views/privacy.py",
    label=_("What we keep and who sees it: the privacy notice"),
    icon=":material/lock:",
    query_params=lang.query(),
)
