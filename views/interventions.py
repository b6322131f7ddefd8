"""Interventions register (/interventions, officers): list, add and edit Safer Streets work.

Every save appends a row; the latest row per intervention is the current one and the rows are its
history.
"""

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from hcsp_engage import records, schema
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.reference import geography
from hcsp_engage.render import maps
from hcsp_engage.web import auth, cached, map_cache, ui

ui.staff_page("Interventions register")
user = auth.require_staff({"officer"})
if user is None:
    st.stop()

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

try:
    tables = map_cache.tables()
except StoreUnavailable:
    st.error("The register cannot be loaded just now: the store is not answering. Try again in a minute.")
    st.stop()

everything = tables[schema.INTERVENTIONS]
register = map_cache.current_interventions(tables)

st.markdown(
    "The Partnership's Safer Streets work. Entries marked public appear on the community map and in "
    '"You said, we did". Every change is kept: the latest version of each entry is the one shown.'
)
st.dataframe(
    register[
        [
            "title",
            "scheme",
            "kind",
            "area",
            "status",
            "public",
            "started_on",
            "location_precision",
            "updated_at",
            "updated_by",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
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
    },
    key="register_table",
)

st.subheader("Add or edit an intervention")
saved_message = st.session_state.pop("intervention_saved", None)
if saved_message:
    saved_title, outcome = saved_message
    if outcome == "QUEUED":
        st.warning(f"Saved “{saved_title}” to the outbox: it will reach the register when the store answers.")
    else:
        st.success(f"Saved “{saved_title}”.")

choices = [NEW, *register["intervention_id"]]
titles = dict(zip(register["intervention_id"], register["title"], strict=True))
chosen = st.selectbox(
    "Intervention",
    choices,
    format_func=lambda value: "Add a new intervention" if value == NEW else f"{titles[value]} ({value})",
    key="intervention_choice",
)
current = {} if chosen == NEW else register[register["intervention_id"] == chosen].iloc[0].to_dict()
intervention_id = st.session_state.setdefault("new_intervention_id", records.new_reference("I"))
if chosen != NEW:
    intervention_id = chosen
prefix = f"iv_{intervention_id}_"


def _float(text: str) -> float | None:
    return float(text) if str(text).strip() else None


# Each intervention's form keeps its own widget state, starting from the intervention's current row.
defaults = {
    "scheme": current.get("scheme") or schema.SCHEMES[0],
    "kind": current.get("kind") or schema.INTERVENTION_KINDS[0],
    "title": current.get("title", ""),
    "area": current.get("area") or schema.REPORT_AREAS[0],
    "precision": current.get("location_precision") or "exact",
    "lat": _float(current.get("lat", "")),
    "lon": _float(current.get("lon", "")),
    "started": date.fromisoformat(current["started_on"]) if current.get("started_on") else None,
    "status": current.get("status") or schema.INTERVENTION_STATUSES[0],
    "public": current.get("public", "yes") == "yes",
    "description": current.get("description", ""),
}
for name, value in defaults.items():
    st.session_state.setdefault(prefix + name, value)


# Placing on the map: a click fills in the coordinates below (before those inputs are drawn).
st.markdown("**Place it on the map**: click where the work is, or type the coordinates below.")
point_map = maps.base_map(
    geography.view_for(current.get("area") or "Hereford"),
    outline=False,
    tiles=cached.settings().map_tiles,
)
maps.intervention_layer(register, name="Interventions").add_to(point_map)
chosen_point = (st.session_state[f"{prefix}lat"], st.session_state[f"{prefix}lon"])
if None not in chosen_point:
    maps.chosen_point_marker(chosen_point).add_to(point_map)
clicked = st_folium(
    point_map, key=f"{prefix}map", height=380, use_container_width=True, returned_objects=["last_clicked"]
)
click = (clicked or {}).get("last_clicked")
if click and st.session_state.get(f"{prefix}applied_click") != click:
    st.session_state[f"{prefix}applied_click"] = click
    st.session_state[f"{prefix}lat"] = round(float(click["lat"]), 4)
    st.session_state[f"{prefix}lon"] = round(float(click["lng"]), 4)


with st.form(f"{prefix}form"):
    title = st.text_input(LABELS["title"], max_chars=schema.MAX_TITLE, key=f"{prefix}title")
    left, right = st.columns(2)
    scheme = left.selectbox(LABELS["scheme"], schema.SCHEMES, key=f"{prefix}scheme")
    kind = right.selectbox(LABELS["kind"], schema.INTERVENTION_KINDS, key=f"{prefix}kind")
    left, right = st.columns(2)
    area = left.selectbox(LABELS["area"], schema.REPORT_AREAS, key=f"{prefix}area")
    precision = right.selectbox(
        LABELS["location_precision"],
        schema.LOCATION_PRECISIONS,
        key=f"{prefix}precision",
        help="exact: the point is the site; approximate: near it; area: only the town or area is known.",
    )
    left, right = st.columns(2)
    lat = left.number_input("Latitude", format="%.4f", step=0.0001, key=f"{prefix}lat")
    lon = right.number_input("Longitude", format="%.4f", step=0.0001, key=f"{prefix}lon")
    left, right = st.columns(2)
    started = left.date_input(LABELS["started_on"], format="DD/MM/YYYY", key=f"{prefix}started")
    status = right.selectbox(LABELS["status"], schema.INTERVENTION_STATUSES, key=f"{prefix}status")
    public = st.checkbox("Show on the public community map", key=f"{prefix}public")
    description = st.text_area(
        LABELS["description"],
        max_chars=schema.MAX_FREE_TEXT,
        key=f"{prefix}description",
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
    problems = records.validate_intervention(intervention)
    if problems:
        ui.error_summary(ui.group_problems(problems), LABELS)
    else:
        outcome = cached.submit(schema.INTERVENTIONS, records.intervention_row(intervention))
        if chosen == NEW:
            st.session_state.pop("new_intervention_id", None)
        st.session_state["intervention_saved"] = (intervention.title, outcome.name)
        st.rerun()

if chosen != NEW:
    st.subheader("History")
    history = everything[everything["intervention_id"] == chosen].sort_values("updated_at", ascending=False)
    st.dataframe(
        history[
            [
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
        ],
        hide_index=True,
        width="stretch",
        key="intervention_history",
    )
