"""The sections of the interventions register (/interventions): the register, the entry form with its
map, and an entry's history. Every save appends a row (``staff.save_intervention``)."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st
import streamlit_folium

from hcsp_engage import records, schema
from hcsp_engage.analysis import interventions
from hcsp_engage.reference import geography
from hcsp_engage.render import maps
from hcsp_engage.web import cached, picker, staff
from hcsp_engage.web.auth import StaffUser
from hcsp_engage.web.forms import Form

NEW = "new"
LABELS = {
    "scheme": "Scheme",
    "kind": "Kind of work",
    "area": "Area",
    "title": "Title",
    "location": "Location",
    "location_precision": "How exact the location is",
    "started_on": "Started on",
    "status": "Status",
    "description": "What was done (shown to the public when public)",
    "updated_by": "Your name",
}
REGISTER_COLUMNS = {
    "title": "Title",
    "scheme": "Scheme",
    "kind": "Kind",
    "area": "Area",
    "status": "Status",
    "public": "Public",
    "started_on": "Started",
    "location_precision": "Location",
    "updated_at": "Last changed",
    "updated_by": "By",
}
HISTORY_COLUMNS = [
    "updated_at",
    "updated_by",
    "title",
    "status",
    "public",
    "location_precision",
    "lat",
    "lon",
    "description",
]
OUTSIDE_MESSAGE = "That point is outside Herefordshire: click inside the county, or type the coordinates."


def register_table(register: pd.DataFrame) -> None:
    st.markdown(
        "The Partnership's Safer Streets work. Entries marked public appear on the community map and in "
        '"You said, we did". Every change is kept: the latest version of each entry is the one shown.'
    )
    st.dataframe(
        register[list(REGISTER_COLUMNS)],
        hide_index=True,
        width="stretch",
        column_config=REGISTER_COLUMNS,
        key="register_table",
    )


def entry_form(register: pd.DataFrame, user: StaffUser) -> str:
    """Add or edit an intervention: choose it, place it on the map, fill in the form, save.

    Returns the intervention chosen (``NEW`` for a new one).
    """
    st.subheader("Add or edit an intervention")
    staff.show_intervention_saved()
    titles = dict(zip(register["intervention_id"], register["title"], strict=True))
    chosen = st.selectbox(
        "Intervention",
        [NEW, *register["intervention_id"]],
        format_func=lambda value: "Add a new intervention" if value == NEW else f"{titles[value]} ({value})",
        key="intervention_choice",
    )
    row = None if chosen == NEW else register[register["intervention_id"] == chosen].iloc[0].to_dict()
    intervention_id = staff.new_intervention_id() if chosen == NEW else chosen
    # Each intervention's form keeps its own widget state (keys iv_<id>_<name>), starting from its row.
    form = Form(f"iv_{intervention_id}", "I", schema.INTERVENTIONS)
    start = interventions.form_values(row)
    for name, value in asdict(start).items():
        st.session_state.setdefault(form.key(name), value)
    _point_map(form, register, row["area"] if row else None)
    with st.form(form.key("form")):
        title = st.text_input(LABELS["title"], max_chars=schema.MAX_TITLE, key=form.key("title"))
        left, right = st.columns(2)
        scheme = left.selectbox(LABELS["scheme"], schema.SCHEMES, key=form.key("scheme"))
        kind = right.selectbox(LABELS["kind"], schema.INTERVENTION_KINDS, key=form.key("kind"))
        left, right = st.columns(2)
        area = left.selectbox(LABELS["area"], schema.REPORT_AREAS, key=form.key("area"))
        precision = right.selectbox(
            LABELS["location_precision"],
            schema.LOCATION_PRECISIONS,
            key=form.key("precision"),
            help="exact: the point is the site; approximate: near it; area: only the town or area is known.",
        )
        left, right = st.columns(2)
        lat = left.number_input("Latitude", format="%.4f", step=0.0001, key=form.key("lat"))
        lon = right.number_input("Longitude", format="%.4f", step=0.0001, key=form.key("lon"))
        left, right = st.columns(2)
        started = left.date_input(LABELS["started_on"], format="DD/MM/YYYY", key=form.key("started"))
        status = right.selectbox(LABELS["status"], schema.INTERVENTION_STATUSES, key=form.key("status"))
        public = st.checkbox("Show on the public community map", key=form.key("public"))
        description = st.text_area(
            LABELS["description"], max_chars=schema.MAX_FREE_TEXT, key=form.key("description")
        )
        saved = st.form_submit_button("Save intervention", type="primary")
    if saved:
        intervention = records.Intervention(
            intervention_id=intervention_id,
            scheme=scheme,
            kind=kind,
            area=area,
            title=title,
            location_precision=precision,
            status=status,
            public=public,
            updated_at=records.utc_now(),
            updated_by=user.name,
            lat=lat,
            lon=lon,
            started_on=started,
            description=description,
        )
        staff.save_intervention(intervention, new=chosen == NEW, labels=LABELS)
    return chosen


def _point_map(form: Form, register: pd.DataFrame, area: str | None) -> None:
    """Placing on the map: a click fills in the coordinates of the form (drawn after it, so it shows them)."""
    st.markdown("**Place it on the map**: click where the work is, or type the coordinates below.")
    point_map = maps.base_map(
        geography.view_for(area or "Hereford"), outline=False, tiles=cached.settings().map_tiles
    )
    maps.intervention_layer(register, name="Interventions").add_to(point_map)
    point = (st.session_state[form.key("lat")], st.session_state[form.key("lon")])
    if None not in point:
        maps.chosen_point_marker(point).add_to(point_map)
    clicked = streamlit_folium.st_folium(
        point_map,
        key=form.key("map"),
        height=380,
        use_container_width=True,
        returned_objects=["last_clicked"],
    )
    seen = st.session_state.get(form.key("seen_click"))
    picker.handle_click(form, (clicked or {}).get("last_clicked"))
    if st.session_state.get(form.key("seen_click")) == seen:
        return  # no new click
    if st.session_state.get(form.key("pin_refused")):
        st.error(OUTSIDE_MESSAGE, icon=":material/wrong_location:")
    else:
        st.session_state[form.key("lat")], st.session_state[form.key("lon")] = st.session_state[
            form.key("pin")
        ]


def history(everything: pd.DataFrame, chosen: str) -> None:
    """Every row of one intervention, newest first."""
    if chosen == NEW:
        return
    st.subheader("History")
    rows = everything[everything["intervention_id"] == chosen].sort_values("updated_at", ascending=False)
    st.dataframe(rows[HISTORY_COLUMNS], hide_index=True, width="stretch", key="intervention_history")
