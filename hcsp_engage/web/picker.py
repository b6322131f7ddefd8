"""Choosing a place: a pin on a folium map, or a named place from a list, or (in the survey) neither.

Both ways are offered side by side as the first answer of the question, so a resident who cannot use
a map (screen reader, keyboard, small screen) is not second best. The map lives in a fragment and
asks ``st_folium`` for the last click only, so panning and zooming never rerun the page.

State (all under the form's prefix, so resetting the form clears it):
``{prefix}_method``, ``{prefix}_place``, ``{prefix}_pin`` (lat, lon), ``{prefix}_seen_click``,
``{prefix}_pin_refused``.
"""

from __future__ import annotations

import folium
import streamlit as st
import streamlit_folium

from hcsp_engage import i18n
from hcsp_engage.i18n import N_, Message
from hcsp_engage.reference import geography
from hcsp_engage.render import maps
from hcsp_engage.web import cached, lang
from hcsp_engage.web.forms import LIST, MAP, SKIP, Form
from hcsp_engage.web.lang import _

OUTSIDE_MESSAGE = N_(
    "That point is outside Herefordshire, so we have not put a pin there. Tap a point inside the county "
    "(inside the blue line), or choose a named place from the list instead."
)


def place_options(area: str | None) -> list[str]:
    """Named places for the area; every place when the area has none (e.g. 'Outside Herefordshire')."""
    chosen = geography.places_in(area or "")
    return [place.name for place in (chosen or geography.places())]


def handle_click(form: Form, click: dict | None) -> None:
    """Drop or move the pin at a new map click; refuse clicks outside Herefordshire."""
    state = st.session_state
    if not click or click == state.get(form.key("seen_click")):
        return  # st_folium repeats the last click on every rerun: act on each click once
    state[form.key("seen_click")] = click
    lat, lon = float(click["lat"]), float(click["lng"])
    if geography.in_herefordshire(lat, lon):
        state[form.key("pin")] = (geography.round_coordinate(lat), geography.round_coordinate(lon))
        state[form.key("pin_refused")] = False
    else:
        state[form.key("pin_refused")] = True


def _on_map_click(form: Form) -> None:
    # Runs before the fragment reruns, so the new pin is drawn in the same rerun.
    handle_click(form, (st.session_state.get(form.key("map")) or {}).get("last_clicked"))


def _remove_pin(form: Form) -> None:
    st.session_state[form.key("pin")] = None
    st.session_state[form.key("pin_refused")] = False


def place_picker(form: Form, area: str | None, *, label: str, allow_skip: bool) -> None:
    """The place question (``label`` translated): how to answer (map, list, skip), then the map or the
    list. Place names are proper names: shown as they are in every language."""
    methods = [LIST, MAP] + ([SKIP] if allow_skip else [])
    shown = lang.translator()
    method = st.radio(
        label,
        methods,
        index=None,
        key=form.key("method"),
        format_func=shown,
        help=_(
            "The list works well with a screen reader or keyboard; the map lets you point at an exact spot."
        ),
    )
    if method == LIST:
        _place_list(form, area)
    elif method == MAP:
        _place_map(form, area)


def _place_list(form: Form, area: str | None) -> None:
    options = place_options(area)
    key = form.key("place")
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)  # chosen for another area: ask again
    st.selectbox(
        _("Named place"),
        options,
        index=None,
        key=key,
        placeholder=_("Choose a place"),
        help=_("Not listed? Choose the nearest place, or use the map instead."),
    )


def _pin_layer(pin: tuple[float, float] | None) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=_("Your pin"))
    if pin:
        folium.Marker(pin, tooltip=_("Your pin")).add_to(layer)
    return layer


@st.fragment
def _place_map(form: Form, area: str | None) -> None:
    view = geography.view_for(area)
    state = st.session_state
    st.caption(_("Tap or click the map to drop a pin. Tap again somewhere else to move it."))
    boundary = {**maps.BOUNDARY_STYLE, "tooltip": _("Herefordshire boundary")}
    figure = maps.base_map(
        view, tiles=cached.settings().map_tiles, outline_style=boundary, language=lang.current()
    )
    result = streamlit_folium.st_folium(
        figure,
        key=form.key("map"),
        height=340,
        use_container_width=True,
        returned_objects=["last_clicked"],
        # The pin is drawn as a separate layer, so moving it keeps the resident's pan and zoom.
        feature_group_to_add=_pin_layer(state.get(form.key("pin"))),
        on_change=lambda: _on_map_click(form),
    )
    handle_click(form, (result or {}).get("last_clicked"))
    if state.get(form.key("pin_refused")):
        st.error(_(OUTSIDE_MESSAGE), icon=":material/wrong_location:")
    pin = state.get(form.key("pin"))
    if pin:
        place, metres = geography.nearest_place(*pin)
        st.info(
            _(
                Message(
                    "Pin dropped about {distance} from {place}.", distance=_distance(metres), place=place.name
                )
            ),
            icon=":material/location_on:",
        )
        st.button(_("Remove the pin"), key=form.key("remove_pin"), on_click=_remove_pin, args=(form,))
    else:
        st.caption(_("No pin yet."))


def _distance(metres: float) -> str:
    """'250 m', '1.5 km' (a decimal comma where the language writes one)."""
    if metres < 1000:
        return f"{i18n.number(max(10, round(metres, -1)), lang.current())} m"
    return f"{i18n.number(round(metres / 1000, 1), lang.current())} km"
