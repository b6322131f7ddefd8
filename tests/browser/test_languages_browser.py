"""Residents in Polish, Romanian, Bulgarian and English, in Chromium on a phone (docs/languages.md).

The app here runs with HCSP_PSEUDO_LOCALE=1, so the pseudo-locale (``en-XA``: every translated text
accented inside ⟦ ⟧) shows what a page looks like in a language that is not English even before the
translations arrive, and what was never marked for translation.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from hcsp_engage import i18n, records, schema
from hcsp_engage.storage import SqliteStore
from hcsp_engage.web.forms import LIST
from tests.browser import support
from tests.pages.test_languages import unmarked

LANGUAGES = [*schema.LANGUAGES, i18n.PSEUDO]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Two submissions per language from one browser: more than the abuse limit's default of 5 in 10 minutes.
    env = {i18n.PSEUDO_SETTING: "1", "HCSP_SUBMISSIONS_PER_WINDOW": "100"}
    app = support.start_app(tmp_path_factory.mktemp("languages"), env=env)
    yield app
    app.stop()


def html_lang(page) -> str:
    page.wait_for_function("() => document.documentElement.lang !== ''")
    return page.evaluate("() => document.documentElement.lang")


def address_language(page) -> str | None:
    match = re.search(r"[?&]lang=([^&]+)", page.url)
    return match.group(1) if match else None


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_resident_completes_the_survey_and_a_report_in_each_language(server, make_page, network, code):
    """The lead runs pl, ro and bg once the translations are merged; here they show English text."""

    def t(text: str) -> str:
        return i18n.gettext(text, code)

    page = make_page(support.PHONE)
    support.goto(page, f"{server.url}/survey?lang={code}")
    assert page.locator(support.HEADING).first.inner_text() == t("Feelings of safety survey")
    assert html_lang(page) == code
    support.choose(page, "survey_area", "Leominster")  # a proper name, in every language
    support.choose(page, "survey_safe_day", t("Fairly safe"))
    support.choose(page, "survey_safe_after_dark", t("Neither safe nor unsafe"))
    support.choose(
        page, f"survey_unsafe_reasons__{schema.UNSAFE_REASONS.index('Being followed')}", t("Being followed")
    )
    support.press(page, t("Submit my answers"))
    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    survey_reference = re.search(r"S-[0-9A-Z]{8}", success.inner_text()).group()

    support.goto(page, f"{server.url}/report?lang={code}")
    category = next(category for category in records.asb_categories() if category.name == "Noise")
    support.choose(page, "report_category", f"{t(category.group)}: {t(category.name)}")
    support.choose(page, "report_area", "Ross-on-Wye")
    support.choose(page, "report_method", t(LIST))
    place = page.locator(".st-key-report_place").get_by_role("combobox")
    place.click()
    place.fill("Wilton")
    page.keyboard.press("Enter")
    support.wait_for_app(page)
    last_week = records.utc_now().date() - timedelta(days=7)
    page.locator('.st-key-report_occurred_on [data-type="day"]').click()
    page.keyboard.type(last_week.strftime("%d%m%Y"))  # day, month, year in every language here
    page.keyboard.press("Tab")
    support.wait_for_app(page)
    support.choose(page, "report_time_of_day", t("Evening 6pm–10pm"))
    support.choose(page, "report_frequency", t("Every week"))
    support.choose(page, "report_impact", t("A fair amount"))
    support.choose(page, f"report_told__{schema.TOLD.index('Police')}", t("Police"))
    support.choose(page, "report_incidents_reported_6m", "1")
    support.press(page, t("Send report"))
    success = page.locator(support.ALERT_SUCCESS).first
    success.wait_for(timeout=30_000)
    report_reference = re.search(r"R-[0-9A-Z]{8}", success.inner_text()).group()
    support.screenshot(page, f"report-{code}-done")

    store = SqliteStore(server.store_path)
    response = store.read(schema.SURVEY_RESPONSES).set_index("response_id").loc[survey_reference]
    assert (response["area"], response["safe_day"]) == ("Leominster", "Fairly safe")
    assert (response["safe_after_dark"], response["unsafe_reasons"]) == (
        "Neither safe nor unsafe",
        "Being followed",
    )
    report = store.read(schema.ASB_REPORTS).set_index("report_id").loc[report_reference]
    assert (report["category"], report["asb_group"], report["place"]) == (
        "Noise",
        "Nuisance",
        "Wilton Bridge",
    )
    assert (report["occurred_on"], report["time_of_day"]) == (last_week.isoformat(), "Evening 6pm–10pm")
    assert (report["frequency"], report["impact"], report["told"]) == (
        "Every week",
        "A fair amount",
        "Police",
    )
    assert response["language"] == report["language"] == i18n.stored_language(code)
    assert page.locator(support.EXCEPTION).count() == 0
    assert network.blocked == []


def test_every_text_the_survey_shows_is_marked_in_the_pseudo_locale(server, phone_page):
    support.goto(phone_page, f"{server.url}/survey?lang={i18n.PSEUDO}")
    # Material icons are drawn from their names as text ("emergency"): not words anyone reads.
    text = phone_page.locator(support.MAIN).evaluate(
        """main => { const copy = main.cloneNode(true);
                     copy.querySelectorAll('[data-testid="stIconMaterial"], [data-testid="stAlertDynamicIcon"]').forEach(icon => icon.remove());
                     document.body.appendChild(copy); const text = copy.innerText; copy.remove(); return text; }"""
    )
    assert "⟦" in text
    assert unmarked(text.splitlines()) == []


def test_the_language_is_kept_in_the_address_while_moving_between_pages(server, page):
    support.goto(page, f"{server.url}/?lang={i18n.PSEUDO}")
    assert page.locator(support.HEADING).first.inner_text().startswith("⟦")
    page.locator(support.SIDEBAR).get_by_role("link", name=i18n.gettext("Community map", i18n.PSEUDO)).click()
    page.wait_for_url(re.compile(r"/map"))
    support.wait_for_app(page)
    assert page.locator(support.HEADING).first.inner_text() == i18n.gettext(
        "Community map: you said, we did", i18n.PSEUDO
    )
    page.wait_for_function("() => location.search.includes('lang=')")
    assert address_language(page) == i18n.PSEUDO
    assert html_lang(page) == i18n.PSEUDO


def test_the_switcher_changes_the_language_of_the_page_and_the_address(server, page):
    support.goto(page, f"{server.url}/privacy?lang=en")
    switcher = page.get_by_role("radiogroup", name="Language")  # lang.switcher: named for screen readers
    assert switcher.get_by_role("radio", name="English").get_attribute("aria-checked") == "true"
    switcher.get_by_role("radio", name=i18n.NAMES["ro"]).click()
    support.wait_for_app(page)
    page.wait_for_function("() => document.documentElement.lang === 'ro'")
    assert address_language(page) == "ro"


def test_the_browser_language_chooses_when_the_address_does_not(server, make_page):
    page = make_page(support.DESKTOP, locale="ro-RO")
    support.goto(page, f"{server.url}/survey")
    assert html_lang(page) == "ro"
    page.wait_for_function("() => location.search.includes('lang=ro')")
    assert page.locator(support.HEADING).first.inner_text() == i18n.gettext("Feelings of safety survey", "ro")


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_page_name_in_the_sidebar_is_shown_whole(server, make_page, code):
    """Polish and Bulgarian page names are longer than the sidebar: they wrap, none is cut off."""
    page = make_page(support.DESKTOP)
    support.goto(page, f"{server.url}/?lang={code}")
    names = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] > span:last-child')
    expect(names.first).to_be_visible()
    assert names.count() >= 6
    for name in names.all():
        width, height, room_wide, room_high = name.evaluate(
            "n => [n.scrollWidth, n.scrollHeight, n.clientWidth, n.clientHeight]"
        )
        assert width <= room_wide and height <= room_high, name.inner_text()


@pytest.mark.parametrize("code", schema.LANGUAGES)
def test_the_maps_zoom_buttons_are_named_in_the_language_of_the_page(server, phone_page, code):
    """The buttons' titles are their tooltips and what a screen reader says: Leaflet's are English. On
    a phone, nothing covers them."""
    page = phone_page

    def expect_zoom_buttons_named(frame) -> None:
        expect(frame.locator(".leaflet-control-zoom")).to_have_count(1)
        for button, name in (
            (".leaflet-control-zoom-in", "Zoom in"),
            (".leaflet-control-zoom-out", "Zoom out"),
        ):
            expect(frame.locator(button)).to_have_attribute("title", i18n.gettext(name, code))
            expect(frame.locator(button)).to_have_attribute("aria-label", i18n.gettext(name, code))

    support.goto(page, f"{server.url}/map?lang={code}")
    community = page.frame_locator(support.FOLIUM_FRAME)
    community.locator(support.LEAFLET_MAP).wait_for(timeout=30_000)
    expect_zoom_buttons_named(community)
    # On a phone the list of layers, in the longer languages, used to lie over the buttons.
    for button in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"):
        community.locator(button).click(trial=True, timeout=5_000)  # visible, and nothing on top of it

    support.goto(page, f"{server.url}/report?lang={code}")
    support.choose(page, "report_area", i18n.gettext("Elsewhere in Herefordshire", code))
    support.choose(page, "report_method", i18n.gettext("Drop a pin on a map", code))
    pin_map = page.frame_locator(support.FOLIUM_FRAME)
    pin_map.locator(support.LEAFLET_MAP).wait_for(timeout=30_000)
    expect_zoom_buttons_named(pin_map)
