"""The resident pages in another language (AppTest; docs/languages.md).

The pseudo-locale (``?lang=en-XA`` with HCSP_PSEUDO_LOCALE=1) shows every translated message accented and
wrapped in ⟦ ⟧, so any text on a page that is not wrapped was never marked for translation. What may stay
as it is, in every language, is data and is listed in ``DATA``.
"""

from __future__ import annotations

import html
import json
import os
import re

import pytest
from google.protobuf.message import Message as Proto

from hcsp_engage import i18n, reference, schema
from hcsp_engage.analysis.public import markdown_text
from hcsp_engage.reference import COUNTY, geography
from hcsp_engage.storage import SqliteStore
from tests.conftest import APP
from tests.pages.form_support import field_errors

RESIDENT_PAGES = [
    "views/home.py",
    "views/survey.py",
    "views/report.py",
    "views/map.py",
    "views/privacy.py",
    "views/accessibility.py",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]


def _data() -> list[str]:
    """Text that is data, not wording: shown as it is in every language."""
    words = [
        *geography.towns(),  # Hereford, Leominster, Ross-on-Wye
        *(markdown_text(town) for town in geography.towns()),  # as the map's cards write them
        *(place.name for place in geography.places()),
        COUNTY,
        *i18n.NAMES.values(),  # each language named in itself
        i18n.PSEUDO,
        "HCSP Engage",  # the service's name, in the menu
        *MONTHS,  # the pseudo-locale's dates are British English dates
        *(row["label"] for row in reference.read_csv("safety_baselines.csv")),
    ]
    for row in reference.read_csv("interventions.csv"):  # "You said, we did": officers' words, as written
        for column in ("title", "description", "scheme"):
            words += [row[column], markdown_text(row[column])]
    return sorted({word for word in words if word}, key=len, reverse=True)


DATA = _data()
REFERENCE = re.compile(r"\b[SRI]-[23456789A-HJ-NP-Z]{8}\b")
MARKED = re.compile(r"⟦[^⟦⟧]*⟧")  # innermost first: a message may hold another (a value translated too)
# Proto fields that hold what a resident reads (labels, options, help, placeholders, text, captions).
VISIBLE_FIELDS = {"body", "label", "options", "content", "help", "placeholder", "captions", "text"}
LETTER = re.compile(r"[^\W\d_]")


def _strings(message: Proto):
    for field, value in message.ListFields():
        values = value if hasattr(value, "__len__") and not isinstance(value, str | bytes) else [value]
        for item in values:
            if isinstance(item, Proto):
                yield from ((name, text) for name, text in _strings(item))
            elif isinstance(item, str):
                yield field.name, item


def _nodes(node):
    if getattr(node, "proto", None) is not None:
        yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _chart_titles(spec: object):
    """Titles in a Vega-Lite spec (chart, axes, legends, tooltips)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            else:
                yield from _chart_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _chart_titles(item)


def visible_texts(at) -> list[str]:
    """Every text of the page a resident can read: main area and sidebar, widgets, alerts, charts."""
    texts = []
    for node in _nodes(at._tree):
        for name, value in _strings(node.proto):
            if name == "spec":
                texts += list(_chart_titles(json.loads(value)))
            elif name == "body" and type(node).__name__ == "Html":
                value = re.sub(r"<(script|style)\b.*?</\1>", " ", value, flags=re.S)
                texts.append(html.unescape(re.sub(r"<[^>]+>", " ", value)))
            elif name in VISIBLE_FIELDS:
                texts.append(value)
    return texts


def unmarked(texts: list[str]) -> list[str]:
    """The texts with English left outside the pseudo-locale's ⟦ ⟧ once data is taken out."""
    left = []
    for text in texts:
        rest = text
        while MARKED.search(rest):
            rest = MARKED.sub(" ", rest)
        rest = re.sub(r"\]\([^)]*\)", "]", rest)  # link targets are addresses, not words
        rest = REFERENCE.sub(" ", rest)
        for word in DATA:
            rest = rest.replace(word, " ")
        if LETTER.search(rest):
            left.append(text)
    return left


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setenv(i18n.PSEUDO_SETTING, "1")
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def summary_shown(at) -> bool:
    return any('class="hcsp-error-summary"' in element.proto.body for element in at.get("html"))


def open_in(page_file: str, lang: str, timeout: float = 60):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page_file).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page_file", RESIDENT_PAGES)
def test_every_text_on_a_resident_page_is_marked_for_translation(pseudo, page_file):
    at = open_in(page_file, i18n.PSEUDO)
    texts = visible_texts(at)
    assert any(text.startswith("⟦") for text in texts)
    assert unmarked(texts) == []


def test_the_survey_errors_and_confirmation_are_marked_for_translation(pseudo):
    at = open_in("views/survey.py", i18n.PSEUDO)
    at.text_area(key="survey_comments").set_value("x" * 10)
    at.button(key="survey-submit").click().run()
    assert summary_shown(at) and field_errors(at)  # the failed submit: summary and messages beside fields
    assert unmarked(visible_texts(at)) == []
    at.radio(key="survey_area").set_value("Hereford")
    at.radio(key="survey_safe_day").set_value("Fairly safe")
    at.radio(key="survey_safe_after_dark").set_value("Don't know")
    at.button(key="survey-submit").click().run()
    assert not at.exception
    assert at.success and all(element.value.startswith("⟦") for element in at.success)
    assert unmarked(visible_texts(at)) == []


def test_the_report_errors_are_marked_for_translation(pseudo):
    at = open_in("views/report.py", i18n.PSEUDO)
    at.radio(key="report_area").set_value("Leominster").run()
    at.radio(key="report_method").set_value("Choose a named place from a list").run()
    at.button(key="report-submit").click().run()
    assert summary_shown(at) and len(field_errors(at)) > 3
    assert unmarked(visible_texts(at)) == []


# --- Choosing and keeping the language -------------------------------------------------------------------------


def html_lang(at) -> str:
    scripts = [e.proto.body for e in at.get("html") if "data-hcsp-lang" in e.proto.body]
    return re.search(r'data-hcsp-lang="([^"]+)"', scripts[0]).group(1)


def test_lang_in_the_address_opens_that_language_and_it_is_kept_on_the_next_page():
    at = open_in("views/home.py", "pl")
    assert html_lang(at) == "pl"
    assert at.segmented_control(key="hcsp_language").value == "pl"
    assert at.title[0].value == i18n.gettext("Tell us how safe you feel in Herefordshire", "pl")
    # Links to other pages carry the language...
    assert {link.proto.query_string for link in at.get("page_link")} == {"lang=pl"}
    # ... and when the address loses it (Streamlit drops the query string on a page switch), the session
    # keeps it and writes it back.
    at.query_params.clear()
    at.switch_page("views/survey.py").run()
    assert html_lang(at) == "pl"
    assert at.query_params["lang"] == ["pl"] or at.query_params["lang"] == "pl"
    assert at.radio(key="survey_area").label == i18n.gettext("Which area do you live in?", "pl")


def test_the_switcher_changes_the_language_and_the_address():
    at = open_in("views/survey.py", "en")
    at.segmented_control(key="hcsp_language").set_value("ro").run()
    assert html_lang(at) == "ro"
    assert at.query_params["lang"] in ("ro", ["ro"])


def test_an_unknown_language_in_the_address_falls_back_to_english():
    at = open_in("views/home.py", "fr")
    assert html_lang(at) == "en"
    assert at.title[0].value == "Tell us how safe you feel in Herefordshire"


def test_staff_pages_stay_english():
    at = open_in("views/board.py", "pl")
    assert html_lang(at) == "en"


# --- Stored answers -------------------------------------------------------------------------------------------


def stored(table: str):
    return SqliteStore(os.environ["HCSP_SQLITE_PATH"]).read(table)


def test_a_survey_answered_in_polish_is_stored_in_english_with_its_language():
    at = open_in("views/survey.py", "pl")
    at.radio(key="survey_area").set_value("Elsewhere in Herefordshire")
    at.radio(key="survey_safe_day").set_value("Fairly safe")
    at.radio(key="survey_safe_after_dark").set_value("Very unsafe")
    at.checkbox(key=f"survey_unsafe_reasons__{schema.UNSAFE_REASONS.index('No CCTV')}").check()
    at.multiselect(key="survey_top_concerns").set_value(["Burglary"])
    at.selectbox(key="survey_gender").set_value("Prefer not to say")
    at.button(key="survey-submit").click().run()
    assert not at.exception, at.exception
    row = stored(schema.SURVEY_RESPONSES).iloc[0]
    assert row["area"] == "Elsewhere in Herefordshire"
    assert (row["safe_day"], row["safe_after_dark"]) == ("Fairly safe", "Very unsafe")
    assert (row["unsafe_reasons"], row["top_concerns"], row["gender"]) == (
        "No CCTV",
        "Burglary",
        "Prefer not to say",
    )
    assert row["language"] == "pl"


def test_a_report_made_in_bulgarian_is_stored_in_english_with_its_language():
    from datetime import timedelta

    from hcsp_engage import records

    at = open_in("views/report.py", "bg")
    at.radio(key="report_category").set_value("Noise")
    at.radio(key="report_area").set_value("Hereford").run()
    at.radio(key="report_method").set_value("Choose a named place from a list").run()
    at.selectbox(key="report_place").set_value(geography.places_in("Hereford")[0].name)
    at.date_input(key="report_occurred_on").set_value(records.utc_now().date() - timedelta(days=2))
    at.radio(key="report_time_of_day").set_value("Night 10pm–6am")
    at.radio(key="report_frequency").set_value("Every week")
    at.radio(key="report_impact").set_value("A great deal")
    at.checkbox(key=f"report_told__{schema.TOLD.index('Council')}").check()
    at.radio(key="report_incidents_reported_6m").set_value("3 or more")
    at.button(key="report-submit").click().run()
    assert not at.exception, at.exception
    row = stored(schema.ASB_REPORTS).iloc[0]
    assert (row["category"], row["asb_group"], row["time_of_day"]) == ("Noise", "Nuisance", "Night 10pm–6am")
    assert (row["frequency"], row["impact"], row["told"]) == ("Every week", "A great deal", "Council")
    assert row["incidents_reported_6m"] == "3 or more"
    assert row["language"] == "bg"


def test_the_pseudo_locale_is_stored_as_english(pseudo):
    at = open_in("views/survey.py", i18n.PSEUDO)
    at.radio(key="survey_area").set_value("Hereford")
    at.radio(key="survey_safe_day").set_value("Very safe")
    at.radio(key="survey_safe_after_dark").set_value("Very safe")
    at.button(key="survey-submit").click().run()
    assert stored(schema.SURVEY_RESPONSES).iloc[0]["language"] == "en"


def test_switching_language_half_way_keeps_the_answers(pseudo):
    at = open_in("views/survey.py", "en")
    at.radio(key="survey_area").set_value("Hereford")
    at.radio(key="survey_safe_day").set_value("Fairly safe")
    at.checkbox(key="survey_unsafe_reasons__1").check()
    at.text_area(key="survey_comments").set_value("The underpass")
    at.run()
    at.segmented_control(key="hcsp_language").set_value(i18n.PSEUDO).run()
    assert at.title[0].value == i18n.gettext("Feelings of safety survey", i18n.PSEUDO)
    assert at.radio(key="survey_area").value == "Hereford"
    assert at.radio(key="survey_safe_day").value == "Fairly safe"  # the English value, shown translated
    assert at.checkbox(key="survey_unsafe_reasons__1").value
    assert at.text_area(key="survey_comments").value == "The underpass"
