"""Board summary (/board, Board members and officers): engagement, feelings of safety against the
baselines, concerns against the priorities, Safer Streets impact, the Community Trigger, and the
summary to download."""

import streamlit as st

from hcsp_engage.analysis import board, impact, public
from hcsp_engage.render import board_charts, board_report
from hcsp_engage.web import board_cache, cached, staff

user, tables = staff.open_page("Board summary", {"board", "officer"}, "The figures cannot be loaded just now")

settings = cached.settings()
minimum = settings.board_min_count
published = board_cache.publication(tables)
if published.data_date is None:
    st.info(board_report.nothing_published(published.published_on, board_cache.has_rows(tables)))
    st.stop()

# --- Period and settings ---------------------------------------------------------------------------
# Fixed, non-overlapping periods only: two custom ranges a week apart would give back that week's few.
choices = board.period_choices(published.first_day, published.data_date)
KINDS = {"financial_year": "Financial year", "quarter": "Quarter"}
with st.container(border=True):
    left, right = st.columns([2, 3])
    kind = left.radio("Period", list(KINDS), format_func=KINDS.get, horizontal=True, key="board_period_kind")
    period = right.selectbox(
        KINDS[kind], choices[kind], format_func=lambda choice: choice.label, key=f"board_{kind}"
    )
impact_settings = impact.ImpactSettings(
    radius_m=settings.board_impact_radius_m, window_days=round(settings.board_impact_months * 365.25 / 12)
)
# What the figures are worked out with: the summary and its downloads are cached on it.
asked = {
    "trigger_threshold": settings.community_trigger.incidents,
    "settings": impact_settings,
    "minimum": minimum,
}
summary = board_cache.summary(tables, period, **asked)
st.caption(
    f"{board_report.stamp(summary)} Responses and reports count in the period they were submitted. "
    f"{board_report.suppression_note(minimum)}"
)

columns = [*st.columns(3), *st.columns(3)]
for column, kpi in zip(columns, summary.kpis, strict=False):
    column.metric(kpi.label, kpi.value, help=kpi.help, border=True)

charts = board_charts.all_charts(summary)


def show_table(key: str) -> None:
    table = summary.tables[key]
    st.markdown(f"**{table.title}**")
    st.dataframe(table.shown(), hide_index=True, width="stretch", key=f"board_table_{key}")
    if table.note:
        st.caption(table.note)


def show_chart(key: str) -> None:
    st.altair_chart(charts[key], width="stretch")


# --- Sections --------------------------------------------------------------------------------------
st.header("Engagement")
show_chart("engagement")
show_table("engagement_by_quarter")
show_table("engagement_by_area")
show_table("engagement_by_language")
show_chart("who_took_part")
show_table("who_took_part")

st.header("Feelings of safety")
show_table("safety_overall")
show_table("safety_against_baselines")
show_chart("safety_by_area")
show_table("safety_by_area")
show_chart("safety_by_gender")
show_table("safety_by_gender")
show_chart("safety_trend")
show_table("safety_trend")

st.header("Concerns")
show_chart("priorities")
show_table("priorities")
show_table("concerns")
show_table("asb_by_category")
show_chart("asb_trend")
show_table("asb_trend")

st.header("Safer Streets impact")
st.info(impact.CAVEATS, icon=":material/info:")
st.markdown(
    f"Reports and unsafe-place pins within **{settings.board_impact_radius_m:g} m** of each site in the "
    f"**{settings.board_impact_months} months** before and after it started (by the date the problem last "
    "happened), against the rest of the same town. These windows follow each intervention's start date, not "
    "the period above; the survey answers below follow the period. The distance and the months are fixed "
    "(set in the app's settings), not chosen here: two settings side by side would give back the few "
    "reports between them. Where a count is hidden, no change or verdict is given for that row."
)
impact_table = summary.tables["safer_streets_impact"]
measured, not_measured = impact.split_measured(impact_table.shown())
st.markdown(f"**{impact_table.title}**")
if measured.empty:
    st.write("No intervention could be measured with the data held so far.")
else:
    st.dataframe(
        measured[list(impact.SUMMARY_COLUMNS)], hide_index=True, width="stretch", key="board_table_impact"
    )
    for row in measured.to_dict("records"):
        where = public.markdown_text(row["Intervention"])
        st.markdown(f"- **{where}**, {row['Measure']}: {public.markdown_text(row['Verdict'])}")
    with st.expander("All the figures (windows, changes, intervals, p-values)"):
        st.dataframe(measured, hide_index=True, width="stretch", key="board_table_impact_all")
if not not_measured.empty:
    with st.expander(f"Not measured ({len(not_measured)})"):
        st.dataframe(not_measured, hide_index=True, width="stretch", key="board_table_not_measured")
show_table("noticed_changes")
show_table("changes_effect")

st.header("Community Trigger")
show_table("community_trigger")

# --- Download --------------------------------------------------------------------------------------
st.header("Download")
st.write(
    "The summary as one HTML file (charts included, no internet needed, prints on A4) and every table as "
    "CSV, stamped with the period and the data's date."
)
report_key = board_cache.report_key(tables, period, **asked)
# The files are cached for everyone; the session only remembers which summary it asked files for.
if st.button("Prepare the report", icon=":material/description:", key="board_prepare"):
    with st.status("Building the report…", expanded=True) as status:
        st.write("Drawing the charts…")
        board_cache.report_html(report_key, summary, charts)
        st.write("Writing the tables…")
        board_cache.report_csv(report_key, summary)
        status.update(label="The report is ready", state="complete", expanded=False)
    st.session_state["board_report"] = report_key
if st.session_state.get("board_report") == report_key:
    stem = board_report.file_stem(summary)
    left, right = st.columns(2)
    left.download_button(
        "Download the report (HTML)",
        board_cache.report_html(report_key, summary, charts),
        file_name=f"{stem}.html",
        mime="text/html",
        icon=":material/download:",
        key="board_download_html",
        on_click="ignore",
    )
    right.download_button(
        "Download the tables (CSV, zipped)",
        board_cache.report_csv(report_key, summary),
        file_name=f"{stem}.zip",
        mime="application/zip",
        icon=":material/download:",
        key="board_download_csv",
        on_click="ignore",
    )
