"""Home: what HCSP Engage is, the three things residents come to do, and where to get urgent help."""

import streamlit as st

from hcsp_engage import ui

ui.public_page("Tell us how safe you feel in Herefordshire")

st.markdown(
    "The **Herefordshire Community Safety Partnership** (the council, West Mercia Police, the fire "
    "service, the NHS and Probation) wants to hear how safe you feel where you live, and about "
    "anti-social behaviour that worries you. It takes a few minutes, you do not need an account, and "
    "we never ask for your name."
)

survey, report, community_map = st.columns(3, gap="medium")
with survey, st.container(border=True):
    st.subheader("Take the safety survey")
    st.write("Tell us how safe you feel during the day and after dark, and what would help. About 5 minutes.")
    st.page_link("pages/survey.py", label="Start the survey", icon=":material/arrow_forward:")
with report, st.container(border=True):
    st.subheader("Report a concern")
    st.write("Tell us about anti-social behaviour such as noise, vandalism or intimidation. About 3 minutes.")
    st.page_link("pages/report.py", label="Report a concern", icon=":material/arrow_forward:")
with community_map, st.container(border=True):
    st.subheader("See the community map")
    st.write("See where concerns are raised and what the Partnership has done: you said, we did.")
    st.page_link("pages/map.py", label="Open the map", icon=":material/arrow_forward:")

st.markdown(
    "Your answers are anonymous. Read the [privacy notice](/privacy) to see what we keep and who sees "
    "it, and the [accessibility statement](/accessibility) if something does not work for you."
)
