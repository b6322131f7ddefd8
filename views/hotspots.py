"""Hotspots and reports (/hotspots, officers): where and when concerns cluster, what is new, triage and
exports for the monthly MATAC meeting."""

import streamlit as st

from hcsp_engage.web import hotspot_cache, hotspots, staff

user, tables = staff.open_page("Hotspots and reports", {"officer"}, "The reports cannot be loaded just now")
reports = hotspot_cache.reports(tables)
if reports.empty:
    st.info("No reports yet. Reports sent through the Report a concern page appear here within a minute.")
    st.stop()

selection = hotspots.filters(reports)
table = hotspot_cache.hotspot_table(tables, reports, selection.filters)
emerging = hotspot_cache.emerging(tables, reports, selection.filters)
hotspots.figures(selection, table, emerging)
hotspots.hotspot_map(tables, selection, emerging)
hotspots.hotspot_table(selection, table)
hotspots.emerging_cells(emerging)
hotspots.when(reports, selection)
chosen, listed = hotspots.report_list(reports, selection)
hotspots.triage(tables, chosen, listed, user)
