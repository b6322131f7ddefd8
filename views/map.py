"""Community map (/map): where concerns are raised, where people feel unsafe, and "You said, we did"."""

import streamlit as st
from streamlit_folium import st_folium

from hcsp_engage import i18n, schema
from hcsp_engage.analysis import public
from hcsp_engage.analysis.aggregate import cells_in_area
from hcsp_engage.errors import StoreUnavailable
from hcsp_engage.i18n import Message
from hcsp_engage.reference import COUNTY, geography
from hcsp_engage.render import charts, maps
from hcsp_engage.web import cached, lang, map_cache, ui
from hcsp_engage.web.lang import _

ALL = "all"  # the county, in the area switch
CONCERNS_LAYER = _("ASB concerns, last 12 months")
UNSAFE_LAYER = _("Places where people feel unsafe")
code = lang.current()

ui.public_page(_("Community map: you said, we did"))
settings = cached.settings()
k = settings.public_min_reports

st.markdown(
    _(
        Message(
            "See where people have raised anti-social behaviour concerns and where they feel unsafe, and what "
            "the Partnership has done about it. To protect privacy the map shows only areas (hexagons) with "
            "at least **{count} reports**, counts are shown in bands, and some kinds of concern, such as "
            "harassment, are never mapped.",
            count=k,
        )
    )
)

choice = st.segmented_control(
    _("Choose an area"),
    [ALL, *schema.TOWNS],
    default=ALL,
    key="map_area",
    selection_mode="single",
    format_func=lambda option: (
        i18n.gettext(Message("All of {county}", county=COUNTY), code) if option == ALL else option
    ),
)
area = COUNTY if choice in (None, ALL) else choice

try:
    cached.seed_register()  # the map shows the interventions
    tables = cached.tables()
except StoreUnavailable:
    st.error(
        _("The map data cannot be loaded just now. Please try again in a few minutes."),
        icon=":material/cloud_off:",
    )
    st.stop()

reports = tables[schema.ASB_REPORTS]
responses = tables[schema.SURVEY_RESPONSES]
figures = map_cache.public_figures(tables, k)
published = figures.snapshot
st.markdown(
    _(
        Message(
            "**Figures published {published}, covering {first} to {last}.** The figures are updated once a "
            "month; new reports and answers appear from {next}.",
            published=i18n.long_date(published.published_on, code),
            first=i18n.month_year(published.first_day, code),
            last=i18n.month_year(published.last_month, code),
            next=i18n.long_date(published.next_publication(), code),
        )
    )
)
covers = _(
    Message(
        "{first} to {last}",
        first=i18n.month_year(published.first_day, code),
        last=i18n.month_year(published.last_month, code),
    )
)
concern_cells = cells_in_area(figures.layers["concerns"], area)
unsafe_cells = cells_in_area(figures.layers["unsafe"], area)
register = map_cache.current_interventions(tables)
shown_interventions = public.public_interventions(register, area)

map_column, side = st.columns([3, 2], gap="large")
with map_column:
    if reports.empty and responses.empty:
        st.info(_("No reports or survey answers yet: the map shows the Partnership's work so far."))
    elif concern_cells.empty and unsafe_cells.empty:
        st.info(
            _(
                Message(
                    "No part of {area} has {count} or more reports yet, so no hexagons are shown. "
                    "The map still shows the Partnership's work.",
                    area=area,
                    count=k,
                )
            )
        )
    community = maps.community_map(
        geography.view_for(area),
        {CONCERNS_LAYER: (concern_cells, "concerns"), UNSAFE_LAYER: (unsafe_cells, "unsafe")},
        shown_interventions,
        tiles=settings.map_tiles,
        bands=figures.bands,
        language=code,
    )
    st_folium(
        community,
        key=f"community_map_{area}",
        height=520,
        use_container_width=True,
        returned_objects=[],
    )
    st.caption(
        _(
            "Use the layer switch at the top right of the map to show or hide each layer. "
            "Markers show Safer Streets work: select one for what was done and when."
        )
    )

with side:
    st.header(_("Feeling safe after dark"), anchor=False)
    safety = public.safety_after_dark(figures, area, code)
    notes = [_(note) for note in public.safety_notes(safety, k)]
    st.altair_chart(charts.safety_chart(safety, code), width="stretch", alt=" ".join(notes))
    for line in notes:
        st.caption(line)

st.header(_(Message("Concerns by month: {area}", area=area)), anchor=False)
concerns = public.concerns_in(figures, area)
if concerns.empty:
    st.write(
        _(
            Message(
                "No kind of concern in {area} reached {count} in any month from {months}.",
                area=area,
                count=k,
                months=covers,
            )
        )
    )
else:
    st.altair_chart(
        charts.concerns_chart(concerns, published.month_keys, figures.bands, maps.PALETTES["concerns"], code),
        width="stretch",
        alt=_(
            Message(
                "Table of ASB concerns in {area} by category and month, {months}, shown in bands.",
                area=area,
                months=covers,
            )
        ),
    )
    st.caption(
        _(
            Message(
                "Each square is the number of concerns of one kind in one month, in bands. Blank squares had "
                "fewer than {count}, or are left out so that a small number cannot be worked out from the "
                "others. Personal ASB such as harassment is not included.",
                count=k,
            )
        )
    )
    with st.expander(_("Show concerns by month as a table")):
        st.dataframe(public.concerns_table(concerns, published.month_keys, code), width="stretch")

st.header(_("You said, we did"), anchor=False)
if shown_interventions.empty:
    st.write(_(Message("No Safer Streets work is recorded for {area} yet.", area=area)))
cards = public.intervention_cards(shown_interventions, code)
FIRST = 6  # the newest; the rest wait behind "Show more" so the page stays short on a phone


def show(card: public.InterventionCard) -> None:
    with st.container(border=True):
        st.markdown(card.heading)
        st.caption(card.meta)
        if card.description:
            st.markdown(card.description)


for card in cards[:FIRST]:
    show(card)
if len(cards) > FIRST:
    with st.expander(_(Message("Show {count} more", count=len(cards) - FIRST))):
        for card in cards[FIRST:]:
            show(card)
