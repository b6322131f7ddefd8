"""Hotspots and reports (/hotspots, officers): where and when concerns cluster, what is new, triage and
exports for the monthly MATAC meeting."""

from datetime import timedelta
from functools import partial

import streamlit as st
from streamlit_folium import st_folium

from hcsp_engage import records, schema
from hcsp_engage.analysis import hotspots
from hcsp_engage.analysis.public import markdown_text
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.privacy import to_csv_bytes
from hcsp_engage.reference import COUNTY, geography
from hcsp_engage.render import charts, maps, officer_map
from hcsp_engage.web import auth, cached, hotspot_cache, map_cache, ui

ui.staff_page("Hotspots and reports")
user = auth.require_staff({"officer"})
if user is None:
    st.stop()

ALL_AREAS = f"All of {COUNTY}"
LIST_LIMIT = 1_000

try:
    tables = map_cache.tables()
except StoreUnavailable:
    st.error("The reports cannot be loaded just now: the store is not answering. Try again in a minute.")
    st.stop()

reports = hotspot_cache.reports(tables)
if reports.empty:
    st.info("No reports yet. Reports sent through the Report a concern page appear here within a minute.")
    st.stop()

# --- Filters ---------------------------------------------------------------------------------------
today = records.utc_now().date()
newest = min(today, reports["date"].max().date())
with st.container(border=True):
    st.markdown("**Filters**")
    left, right = st.columns(2)
    period = left.date_input(
        "Period (by the date it last happened)",
        value=(newest - timedelta(days=89), newest),
        max_value=today,
        format="DD/MM/YYYY",
        key="hs_period",
    )
    area_choice = right.selectbox("Area", [ALL_AREAS, *schema.REPORT_AREAS], key="hs_area")
    left, right = st.columns(2)
    categories = left.multiselect(
        "Categories",
        [category.name for category in records.asb_categories()],
        placeholder="All categories",
        key="hs_categories",
    )
    times = right.multiselect(
        "Time of day", schema.TIMES_OF_DAY, placeholder="Any time of day", key="hs_times"
    )

start, end = (period[0], period[-1]) if period else (newest - timedelta(days=89), newest)
filters = hotspots.Filters(
    start=start,
    end=end,
    categories=tuple(categories),
    area="" if area_choice == ALL_AREAS else area_choice,
    times_of_day=tuple(times),
)
chosen = hotspots.select(reports, filters)
previous = hotspots.select(reports, filters.previous())
table = hotspot_cache.hotspot_table(tables, reports, filters)
emerging = hotspot_cache.emerging(tables, reports, filters)

st.caption(
    f"{start:%d %B %Y} to {end:%d %B %Y} ({filters.days} days), compared with the {filters.days} days "
    "before. Hotspot figures count every report whatever its status."
)
first, second, third = st.columns(3)
first.metric(
    "Reports in the period",
    f"{len(chosen):,}",
    delta=f"{len(chosen) - len(previous):+,} on the previous period",
    delta_color="off",
)
second.metric("Emerging hotspots", f"{len(emerging.cells):,}")
third.metric("Repeat locations among the top cells", f"{(table['repeat_location'] == 'yes').sum():,}")

# --- Map -------------------------------------------------------------------------------------------
st.subheader("Map")
register = map_cache.current_interventions(tables)
fmap, note = officer_map.officer_map(
    chosen,
    register,
    geography.view_for(filters.area),
    emerging_cells=emerging.cells["cell"],
    tiles=cached.settings().map_tiles,
)
st_folium(fmap, key="hotspot_map", height=520, use_container_width=True, returned_objects=[])
st.caption(
    f"{note} Use the layer switch (top right) for the heat layer, the cells and the interventions. "
    "Points are where the report was pinned, or the named place the resident chose."
)
st.download_button(
    "Download the map (HTML file)",
    # Made when the button is pressed, not on every run; every script and font inside, so it opens
    # from a file with no network.
    data=partial(maps.standalone_html, fmap),
    file_name=f"hcsp-hotspot-map-{start}-to-{end}.html",
    mime="text/html",
    icon=":material/map:",
    key="hs_map_download",
    on_click="ignore",  # a download needs no rerun of the page
)

# --- Hotspot table -------------------------------------------------------------------------------
st.subheader("Hotspots")
if table.empty:
    st.write("No reports with a location match these filters.")
else:
    st.caption(
        "H3 cells of about 0.1 km², busiest first (top 100). Change is against the previous period of equal "
        f"length. Repeat location: {hotspots.REPEAT_MIN_REPORTS} or more reports within "
        f"{hotspots.REPEAT_RADIUS_M:.0f} m of each other in the six months to {end:%d %B %Y}."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=hotspots.HOTSPOT_LABELS,
        key="hs_table",
    )
    st.download_button(
        "Download the hotspot table (CSV)",
        data=partial(to_csv_bytes, hotspots.for_export(table, hotspots.HOTSPOT_LABELS)),
        file_name=f"hcsp-hotspots-{start}-to-{end}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="hs_table_download",
        on_click="ignore",  # a download needs no rerun of the page
    )

st.subheader("Emerging hotspots")
st.markdown(emerging.explanation)
if emerging.cells.empty:
    st.write("No cell is significantly above its usual rate.")
else:
    st.dataframe(
        emerging.cells,
        hide_index=True,
        width="stretch",
        column_config={
            **hotspots.EMERGING_LABELS,
            "expected": st.column_config.NumberColumn(hotspots.EMERGING_LABELS["expected"], format="%.1f"),
            "p_value": st.column_config.NumberColumn(hotspots.EMERGING_LABELS["p_value"], format="%.2g"),
        },
        key="hs_emerging",
    )

# --- When ------------------------------------------------------------------------------------------
st.subheader("When")
if chosen.empty:
    st.write("No reports match these filters.")
else:
    st.altair_chart(
        charts.when_chart(hotspots.when_grid(chosen)),
        width="stretch",
        alt="Grid of reports in the period by day of the week and time of day.",
    )
    st.caption("By the day it last happened and the time of day the resident said it usually happens.")
    trend = hotspots.trend_filters(filters)
    st.altair_chart(
        charts.trend_chart(hotspots.monthly_trend(hotspots.select(reports[list(hotspots.CORE)], trend))),
        width="stretch",
        alt="Line chart of reports by month for each category, over twelve months.",
    )
    st.caption(
        f"The {hotspots.TREND_MONTHS} months from {trend.start:%B %Y} to {trend.end:%d %B %Y}, with the "
        "same area, categories and times; the last month may be part of a month."
    )

# --- Reports -------------------------------------------------------------------------------------
st.subheader("Reports")
statuses = st.multiselect(
    "Status",
    schema.REPORT_STATUSES,
    default=[hotspots.DEFAULT_STATUS],
    placeholder="Any status",
    key="hs_status",
)
chosen = hotspots.with_repeat_flags(chosen, reports, filters)
listed = hotspots.reports_list(chosen, tuple(statuses))
st.caption(
    f"{len(listed):,} reports match, newest first"
    + (f" (the first {LIST_LIMIT:,} shown; the download has them all)." if len(listed) > LIST_LIMIT else ".")
    + " Descriptions were redacted before they were stored."
)
st.dataframe(
    listed.head(LIST_LIMIT),
    hide_index=True,
    width="stretch",
    column_config=hotspots.REPORT_LABELS,
    key="hs_reports",
)
st.download_button(
    "Download these reports (CSV)",
    data=partial(to_csv_bytes, hotspots.for_export(listed, hotspots.REPORT_LABELS)),
    file_name=f"hcsp-reports-{start}-to-{end}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="hs_reports_download",
    on_click="ignore",  # a download needs no rerun of the page
)

# --- Triage --------------------------------------------------------------------------------------
st.subheader("Change a report's status")
saved = st.session_state.pop("hs_status_saved", None)
if saved:
    reference, status, outcome = saved
    if outcome == "QUEUED":
        st.warning(f"{reference}: “{status}” is kept in the outbox and will be saved when the store answers.")
    else:
        st.success(f"{reference} is now “{status}”.")
# The report just changed stays selectable, even when its new status takes it out of the list.
options = list(listed["report_id"].head(LIST_LIMIT))
last_changed = st.session_state.get("hs_last_changed")
# Only the reports the box offers are laid out (a year of a busy county is over a hundred thousand).
offered = hotspots.reports_list(chosen[chosen["report_id"].isin([*options, last_changed])])
offered = offered.set_index("report_id")
if last_changed in offered.index and last_changed not in options:
    options.insert(0, last_changed)
if not options:
    st.write("No reports in the list above.")
    st.stop()
reference = st.selectbox(
    "Report",
    options,
    format_func=lambda rid: f"{rid} · {offered.at[rid, 'category']} · {offered.at[rid, 'occurred_on']}",
    key="hs_report_choice",
)
report = offered.loc[reference]
with st.container(border=True):
    # Stored text is escaped for markdown: a cell edited in the spreadsheet cannot add links or markup.
    st.markdown(
        f"**{markdown_text(reference)}**: {markdown_text(report['category'])}, {markdown_text(report['area'])}"
    )
    st.text(
        f"Where: {report['where']}" + (f" ({report['location_detail']})" if report["location_detail"] else "")
    )
    st.text(
        f"Last happened {report['occurred_on']}, {report['time_of_day']}; {report['frequency']}; impact: {report['impact']}"
    )
    st.text(f"Description: {report['description'] or '(none given)'}")

history = hotspots.status_history(tables[schema.REPORT_STATUS], reference)
st.markdown("**Status history**")
if history.empty:
    st.caption("No changes yet: the report is New.")
else:
    st.dataframe(
        history[["updated_at", "status", "note", "updated_by"]],
        hide_index=True,
        width="stretch",
        column_config={"updated_at": "When (UTC)", "status": "Status", "note": "Note", "updated_by": "By"},
        key="hs_history",
    )

with st.form("hs_status_form", clear_on_submit=True):
    current_status = report["status"]
    new_status = st.selectbox(
        "New status",
        schema.REPORT_STATUSES,
        index=schema.REPORT_STATUSES.index(current_status),
        # Each report, and each new status of it, starts the box afresh from the status it has now: a
        # box kept across a save would show the old status and put it back on the next press.
        key=f"hs_new_status_{reference}_{schema.REPORT_STATUSES.index(current_status)}",
    )
    note = st.text_area(
        "Note (optional, no names or contact details)", max_chars=schema.MAX_NOTE, key="hs_note"
    )
    submitted = st.form_submit_button("Save status", type="primary")

if submitted:
    change = records.StatusChange(
        report_id=reference, status=new_status, note=note, updated_at=records.utc_now(), updated_by=user.name
    )
    problems = records.validate_status_change(change)
    if problems:
        ui.error_summary(
            ui.group_problems(problems), {"status": "New status", "note": "Note", "report_id": "Report"}
        )
    else:
        outcome = cached.submit(schema.REPORT_STATUS, records.status_row(change))
        st.session_state["hs_status_saved"] = (reference, new_status, outcome.name)
        st.session_state["hs_last_changed"] = reference
        st.rerun()
