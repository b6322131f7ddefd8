"""Home: what HCSP Engage is, the three things residents come to do, and where to get urgent help."""

import streamlit as st

from hcsp_engage.web import lang, ui
from hcsp_engage.web.lang import _

# The three actions are links (they open in a new tab, and read as links to a screen reader) drawn as
# large buttons: at least 56 px tall, GOV.UK blue, a yellow focus ring. Fixed markup only.
st.html(
    """
<style>
.st-key-home-actions h2 { font-size: 1.5rem; padding-top: 0; }
/* every card's button sits at the bottom, level with its neighbours */
.st-key-home-actions [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) { margin-top: auto; }
.st-key-home-actions [data-testid="stPageLink"] a {
  background: #005ea5; border-radius: 0.3rem; box-shadow: 0 2px 0 #002d18;
  min-height: 3.5rem; padding: 0.75rem 1rem; justify-content: center;
}
.st-key-home-actions [data-testid="stPageLink"] a * {
  color: #ffffff !important; font-size: 1.15rem; font-weight: 700;
}
.st-key-home-actions [data-testid="stPageLink"] a:hover { background: #003078; }
.st-key-home-actions [data-testid="stPageLink"] a:focus-visible {
  outline: 3px solid #ffdd00; outline-offset: 0; background: #ffdd00; box-shadow: 0 4px 0 #0b0c0c;
}
.st-key-home-actions [data-testid="stPageLink"] a:focus-visible * { color: #0b0c0c !important; }
</style>
"""
)

ui.public_page(_("Tell us how safe you feel in Herefordshire"))

st.markdown(
    _(
        "The **Herefordshire Community Safety Partnership** (the council, West Mercia Police, the fire "
        "service, the NHS and Probation) wants to hear how safe you feel where you live, and about "
        "anti-social behaviour that worries you. It takes a few minutes, you do not need an account, and "
        "we never ask for your name."
    )
)

ACTIONS = [
    (
        "views/survey.py",
        _("Take the safety survey"),
        _("Tell us how safe you feel during the day and after dark, and what would help. About 5 minutes."),
        _("Start the survey"),
        ":material/checklist:",
    ),
    (
        "views/report.py",
        _("Report a concern"),
        _("Tell us about anti-social behaviour such as noise, vandalism or intimidation. About 3 minutes."),
        _("Report a concern"),
        ":material/report:",
    ),
    (
        "views/map.py",
        _("See the community map"),
        _("See where concerns are raised and what the Partnership has done: you said, we did."),
        _("Open the map"),
        ":material/map:",
    ),
]
with st.container(key="home-actions"):
    for column, (page, heading, summary, label, icon) in zip(
        st.columns(len(ACTIONS), gap="medium"), ACTIONS, strict=True
    ):
        with column, st.container(border=True, height="stretch"):
            st.header(heading, anchor=False)
            st.write(summary)
            st.page_link(page, label=label, icon=icon, width="stretch", query_params=lang.query())

st.markdown(
    _(
        "Your answers are anonymous. Read the [privacy notice]({privacy}) to see what we keep and who sees "
        "it, and the [accessibility statement]({accessibility}) if something does not work for you."
    ).format(privacy=lang.link("/privacy"), accessibility=lang.link("/accessibility"))
)
