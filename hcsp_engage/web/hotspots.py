"""The sections of the hotspot page (/hotspots): filters, figures, map, tables, when, reports, triage.

Each section is one call from ``views/hotspots.py``; the rules they show live in ``analysis.hotspots``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st
import streamlit_folium

from hcsp_engage import records, schema
from hcsp_engage.analysis import hotspots
from hcsp_engage.analysis.hotspots import Filters
from hcsp_engage.analysis.public import markdown_text
from hcsp_engage.privacy import to_csv_bytes
from hcsp_engage.reference import COUNTY, geography
from hcsp_engage.render import charts, maps, officer_map
from hcsp_engage.web import cached, map_cache, staff
from hcsp_engage.web.auth import StaffUser

ALL_AREAS = f"All of {COUNTY}"
LIST_LIMIT = 1_000


@dataclass(frozen=True)
class Selection:
    """The filters chosen and the reports they pick out (this period and the one before)."""

    filters: Filters
    chosen: pd.DataFrame
    previous: pd.DataFrame


def filters(reports: pd.DataFrame) -> Selection:
    """The filter box; the period opens on ``hotspots.default_period``."""
    today = records.utc_now().date()
    default = hotspots.default_period(reports, today)
    with st.container(border=True):
        st.markdown("**Filters**")
        left, right = st.columns(2)
        period = left.date_input(
            "Period (by the date it last happened)",
            value=default,
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
    start, end = hotspots.chosen_period(period, default)
    chosen = Filters(
        start=start,
        end=end,
        categories=tuple(categories),
        area="" if area_choice == ALL_AREAS else area_choice,
        times_of_day=tuple(times),
    )
    return Selection(chosen, hotspots.select(reports, chosen), hotspots.select(reports, chosen.previous()))


def figures(selection: Selection, table: pd.DataFrame, emerging: hotspots.EmergingResult) -> None:
    """The period in words and the three headline figures."""
    chosen, days = selection.filters, selection.filters.days
    st.caption(
        f"{chosen.start:%d %B %Y} to {chosen.end:%d %B %Y} ({days} days), compared with the {days} days "
        "before. Hotspot figures count every report whatever its status."
    )
    first, second, third = st.columns(3)
    count, before = len(selection.chosen), len(selection.previous)
    first.metric(
        "Reports in the period",
        f"{count:,}",
        delta=f"{count - before:+,} on the previous period",
        delta_color="off",
    )
    second.metric("Emerging hotspots", f"{len(emerging.cells):,}")
    third.metric("Repeat locations among the top cells", f"{hotspots.repeat_location_count(table):,}")


def _period_name(chosen: Filters) -> str:
    return f"{chosen.start}-to-{chosen.end}"


def _csv_download(label: str, table: pd.DataFrame, file_name: str, *, key: str) -> None:
    st.download_button(
        label,
        data=partial(to_csv_bytes, table),  # written when the button is pressed, not on every run
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
        on_click="ignore",  # a download needs no rerun of the page
    )


def hotspot_map(
    tables: dict[str, pd.DataFrame], selection: Selection, emerging: hotspots.EmergingResult
) -> None:
    """The officers' map of the period's reports, the emerging cells and the interventions."""
    st.subheader("Map")
    fmap, note = officer_map.officer_map(
        selection.chosen,
        map_cache.current_interventions(tables),
        geography.view_for(selection.filters.area),
        emerging_cells=emerging.cells["cell"],
        tiles=cached.settings().map_tiles,
    )
    streamlit_folium.st_folium(
        fmap, key="hotspot_map", height=520, use_container_width=True, returned_objects=[]
    )
    st.caption(
        f"{note} Use the layer switch (top right) for the heat layer, the cells and the interventions. "
        "Points are where the report was pinned, or the named place the resident chose."
    )
    st.download_button(
        "Download the map (HTML file)",
        # Made when the button is pressed, not on every run; every script and font inside, so it opens
        # from a file with no network.
        data=partial(maps.standalone_html, fmap),
        file_name=f"hcsp-hotspot-map-{_period_name(selection.filters)}.html",
        mime="text/html",
        icon=":material/map:",
        key="hs_map_download",
        on_click="ignore",  # a download needs no rerun of the page
    )


def hotspot_table(selection: Selection, table: pd.DataFrame) -> None:
    """The busiest cells, and their CSV for the MATAC meeting."""
    st.subheader("Hotspots")
    if table.empty:
        st.write("No reports with a location match these filters.")
        return
    st.caption(
        "H3 cells of about 0.1 km², busiest first (top 100). Change is against the previous period of equal "
        f"length. Repeat location: {hotspots.REPEAT_MIN_REPORTS} or more reports within "
        f"{hotspots.REPEAT_RADIUS_M:.0f} m of each other in the six months to {selection.filters.end:%d %B %Y}."
    )
    st.dataframe(
        table, hide_index=True, width="stretch", column_config=hotspots.HOTSPOT_LABELS, key="hs_table"
    )
    _csv_download(
        "Download the hotspot table (CSV)",
        hotspots.for_export(table, hotspots.HOTSPOT_LABELS),
        f"hcsp-hotspots-{_period_name(selection.filters)}.csv",
        key="hs_table_download",
    )


def emerging_cells(emerging: hotspots.EmergingResult) -> None:
    """Cells significantly above their usual rate, with how that was decided."""
    st.subheader("Emerging hotspots")
    st.markdown(emerging.explanation)
    if emerging.cells.empty:
        st.write("No cell is significantly above its usual rate.")
        return
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


def when(reports: pd.DataFrame, selection: Selection) -> None:
    """Day-of-week by time-of-day grid for the period, and twelve months' trend by category."""
    st.subheader("When")
    if selection.chosen.empty:
        st.write("No reports match these filters.")
        return
    st.altair_chart(
        charts.when_chart(hotspots.when_grid(selection.chosen)),
        width="stretch",
        alt="Grid of reports in the period by day of the week and time of day.",
    )
    st.caption("By the day it last happened and the time of day the resident said it usually happens.")
    trend = hotspots.trend_filters(selection.filters)
    st.altair_chart(
        charts.trend_chart(hotspots.monthly_trend(hotspots.select(reports[list(hotspots.CORE)], trend))),
        width="stretch",
        alt="Line chart of reports by month for each category, over twelve months.",
    )
    st.caption(
        f"The {hotspots.TREND_MONTHS} months from {trend.start:%B %Y} to {trend.end:%d %B %Y}, with the "
        "same area, categories and times; the last month may be part of a month."
    )


def report_list(reports: pd.DataFrame, selection: Selection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's reports by status, newest first, and their CSV. Returns the reports chosen (with
    their repeat-location flags) and the list shown."""
    st.subheader("Reports")
    statuses = st.multiselect(
        "Status",
        schema.REPORT_STATUSES,
        default=[hotspots.DEFAULT_STATUS],
        placeholder="Any status",
        key="hs_status",
    )
    chosen = hotspots.with_repeat_flags(selection.chosen, reports, selection.filters)
    listed = hotspots.reports_list(chosen, tuple(statuses))
    st.caption(
        f"{len(listed):,} reports match, newest first"
        + (
            f" (the first {LIST_LIMIT:,} shown; the download has them all)."
            if len(listed) > LIST_LIMIT
            else "."
        )
        + " Descriptions were redacted before they were stored."
    )
    st.dataframe(
        listed.head(LIST_LIMIT),
        hide_index=True,
        width="stretch",
        column_config=hotspots.REPORT_LABELS,
        key="hs_reports",
    )
    _csv_download(
        "Download these reports (CSV)",
        hotspots.for_export(listed, hotspots.REPORT_LABELS),
        f"hcsp-reports-{_period_name(selection.filters)}.csv",
        key="hs_reports_download",
    )
    return chosen, listed


def triage(
    tables: dict[str, pd.DataFrame], chosen: pd.DataFrame, listed: pd.DataFrame, user: StaffUser
) -> None:
    """Change a report's status: choose one of the listed reports, see it and its history, save."""
    st.subheader("Change a report's status")
    staff.show_status_saved()
    options, offered = hotspots.triage_choices(listed, chosen, staff.last_changed_report(), LIST_LIMIT)
    if not options:
        st.write("No reports in the list above.")
        return
    reference = st.selectbox(
        "Report",
        options,
        format_func=lambda rid: f"{rid} · {offered.at[rid, 'category']} · {offered.at[rid, 'occurred_on']}",
        key="hs_report_choice",
    )
    report = offered.loc[reference]
    _report_card(reference, report)
    _status_history(tables, reference)
    with st.form("hs_status_form", clear_on_submit=True):
        now = schema.REPORT_STATUSES.index(report["status"])
        new_status = st.selectbox(
            "New status",
            schema.REPORT_STATUSES,
            index=now,
            # Each report, and each new status of it, starts the box afresh from the status it has now: a
            # box kept across a save would show the old status and put it back on the next press.
            key=f"hs_new_status_{reference}_{now}",
        )
        note = st.text_area(
            "Note (optional, no names or contact details)", max_chars=schema.MAX_NOTE, key="hs_note"
        )
        submitted = st.form_submit_button("Save status", type="primary")
    if submitted:
        staff.change_status(reference, new_status, note, user)


def _report_card(reference: str, report: pd.Series) -> None:
    with st.container(border=True):
        # Stored text is escaped for markdown: a cell edited in the spreadsheet cannot add links or markup.
        st.markdown(
            f"**{markdown_text(reference)}**: {markdown_text(report['category'])}, {markdown_text(report['area'])}"
        )
        detail = f" ({report['location_detail']})" if report["location_detail"] else ""
        st.text(f"Where: {report['where']}{detail}")
        st.text(
            f"Last happened {report['occurred_on']}, {report['time_of_day']}; {report['frequency']}; "
            f"impact: {report['impact']}"
        )
        st.text(f"Description: {report['description'] or '(none given)'}")


def _status_history(tables: dict[str, pd.DataFrame], reference: str) -> None:
    history = hotspots.status_history(tables[schema.REPORT_STATUS], reference)
    st.markdown("**Status history**")
    if history.empty:
        st.caption("No changes yet: the report is New.")
        return
    st.dataframe(
        history[["updated_at", "status", "note", "updated_by"]],
        hide_index=True,
        width="stretch",
        column_config={"updated_at": "When (UTC)", "status": "Status", "note": "Note", "updated_by": "By"},
        key="hs_history",
    )
