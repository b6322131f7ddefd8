"""HCSP Engage: builds the navigation and nothing else worth testing."""

from pathlib import Path

import streamlit as st

from hcsp_engage.web import auth, lang
from hcsp_engage.web.lang import _

HERE = Path(__file__).parent
# page_icon is an emoji: Streamlit fetches a :material/...: favicon from fonts.gstatic.com (a Google request).
st.set_page_config(page_title="HCSP Engage", page_icon="🛡️", layout="wide")
lang.setup()  # the resident's language (docs/languages.md); staff pages switch back to English


# Page files live in views/, not pages/: with a pages/ folder beside it, Streamlit 1.67 runs a page file
# on its own (skipping this script, its menu and its layout) when a server's first visitor arrives on a
# deep link such as /survey, until someone opens Home.


def page(file: str, title: str, url_path: str, icon: str, **options) -> st.Page:
    return st.Page(HERE / "views" / file, title=title, url_path=url_path, icon=icon, **options)


public = [
    page("home.py", _("Home"), "home", ":material/home:", default=True),
    page("survey.py", _("Feelings of safety survey"), "survey", ":material/checklist:"),
    page("report.py", _("Report a concern"), "report", ":material/report:"),
    page("map.py", _("Community map"), "map", ":material/map:"),
    page("privacy.py", _("Privacy notice"), "privacy", ":material/lock:"),
    page("accessibility.py", _("Accessibility"), "accessibility", ":material/accessibility:"),
]
staff = {
    "hotspots": (
        page("hotspots.py", "Hotspots and reports", "hotspots", ":material/local_fire_department:"),
        {"officer"},
    ),
    "interventions": (
        page("interventions.py", "Interventions register", "interventions", ":material/construction:"),
        {"officer"},
    ),
    "board": (page("board.py", "Board summary", "board", ":material/monitoring:"), {"officer", "board"}),
}

# Every page is registered so a staff URL opened directly reaches its own sign-in form; the menu lists
# staff pages only for the roles that may open them.
current = st.navigation(public + [entry for entry, _ in staff.values()], position="hidden")

role = auth.staff_role()
with st.sidebar:
    st.markdown("**HCSP Engage**")
    for entry in public:
        st.page_link(entry, query_params=lang.query())
    allowed = [entry for entry, roles in staff.values() if role in roles]
    if allowed:
        st.markdown("**Staff**")
        for entry in allowed:
            st.page_link(entry)
    auth.sidebar_controls()

current.run()
