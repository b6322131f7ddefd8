"""Languages (docs/languages.md): choosing one, the catalogues, Babel's dates and numbers, the pseudo-locale."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from hcsp_engage import i18n, records, schema
from hcsp_engage.i18n import Message, Plural

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [code for code in schema.LANGUAGES if code != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LINK_TARGET = re.compile(r"\]\(([^)]*)\)")


def catalog(code: str):
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def template():
    with i18n.TEMPLATE.open("rb") as handle:
        return read_po(handle)


def forms(value) -> list[str]:
    """The singular and plural forms of a msgid or msgstr (one for most messages)."""
    return list(value) if isinstance(value, tuple | list) else [value]


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setenv(i18n.PSEUDO_SETTING, "1")


# --- Choosing the language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "session", "browser", "expected"),
    [
        ("pl", None, "en-GB", "pl"),  # the address wins
        ("RO", "pl", None, "ro"),
        ("bg-BG", None, None, "bg"),
        (None, "bg", "pl-PL", "bg"),  # then the session's choice
        (None, None, "pl-PL", "pl"),  # then the browser's language
        (None, None, "ro-RO", "ro"),
        (None, None, "ro_RO", "ro"),
        (None, None, "bg", "bg"),
        (None, None, "fr-FR", "en"),  # a language we do not offer: English
        ("fr", None, "ro-RO", "ro"),  # an unknown ?lang= is ignored
        ("xx-nonsense", None, None, "en"),
        (None, None, None, "en"),
    ],
)
def test_language_comes_from_the_address_then_the_session_then_the_browser(query, session, browser, expected):
    assert i18n.choose(query, session, browser) == expected


def test_pseudo_locale_is_refused_unless_switched_on(monkeypatch):
    monkeypatch.delenv(i18n.PSEUDO_SETTING, raising=False)
    assert i18n.choose("en-XA", None, None) == "en"
    monkeypatch.setenv(i18n.PSEUDO_SETTING, "1")
    assert i18n.choose("en-XA", None, None) == "en-XA"


def test_pseudo_locale_is_stored_as_english():
    assert i18n.stored_language("en-XA") == "en"
    assert i18n.stored_language("pl") == "pl"


def test_every_language_is_named_in_itself():
    assert i18n.NAMES == {"en": "English", "pl": "polski", "ro": "română", "bg": "български"}


# --- Babel formatting ----------------------------------------------------------------------------------------


def test_dates_and_numbers_follow_the_language():
    day = date(2026, 12, 3)
    assert i18n.long_date(day, "en") == "3 December 2026"
    assert i18n.long_date(day, "pl") == "3 grudnia 2026"
    assert i18n.month_year(day, "ro") == "decembrie 2026"
    assert i18n.month_year(day, "bg") == "декември 2026"
    assert i18n.number(1000, "en") == "1,000"
    assert i18n.number(1000, "pl") == "1\xa0000"  # a no-break space
    assert i18n.number(1000, "ro") == "1.000"
    assert i18n.number(1.5, "bg") == "1,5"


# --- Messages with values ---------------------------------------------------------------------------------------


def test_a_message_with_values_reads_as_english_and_keeps_its_template():
    message = Message(
        "Please shorten this to {limit} characters or fewer (it is {length}).", limit=1000, length=1002
    )
    assert message == "Please shorten this to 1,000 characters or fewer (it is 1,002)."
    assert i18n.gettext(message, "en") == message


def test_validation_messages_carry_their_values_to_the_page():
    response = records.SurveyResponse(
        "S-23456789", records.utc_now(), "Hereford", "Very safe", "Very safe", comments="x" * 1001
    )
    (field, message), *_ = records.validate_survey(response)
    assert field == "comments"
    assert isinstance(message, Message)
    assert message.params == {"limit": 1000, "length": 1001}


def test_pseudo_translation_marks_every_message_and_keeps_placeholders_links_and_numbers(pseudo):
    message = Message("Read the [privacy notice]({link}) in {count} minutes.", link="/privacy", count=1000)
    assert i18n.pseudo(message.template) == "⟦Ŕéád thé [pŕîváçý ñötîçé]({link}) îñ {count} mîñútéš.⟧"
    shown = i18n.gettext(message, i18n.PSEUDO)  # a message not in the template: shown in English
    assert shown == "Read the [privacy notice](/privacy) in 1,000 minutes."
    marked = i18n.gettext(Message("Choose up to {limit} concerns.", limit=3), i18n.PSEUDO)
    assert marked == "⟦Çhööšé úp tö 3 çöñçéŕñš.⟧"


def test_plural_messages_pick_the_form_for_the_number(pseudo):
    assert Plural("{count} minute", "{count} minutes", count=1) == "1 minute"
    assert Plural("{count} minute", "{count} minutes", count=5) == "5 minutes"
    assert i18n.gettext(Plural("{count} minute", "{count} minutes", count=5), i18n.PSEUDO) == "⟦5 mîñútéš⟧"
    assert i18n.gettext(Plural("{count} minute", "{count} minutes", count=1), i18n.PSEUDO) == "⟦1 mîñúté⟧"


# --- The catalogues ---------------------------------------------------------------------------------------------


def test_the_template_is_in_step_with_the_code(tmp_path, monkeypatch):
    """Every marked message is in messages.pot (run scripts/translations after changing text)."""
    fresh = tmp_path / "fresh.pot"
    monkeypatch.chdir(ROOT)  # babel.cfg names the files from the repository's root
    arguments = [
        "-q",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "Message",
        "-k",
        "Plural:1,2",
        "-o",
        str(fresh),
        ".",
    ]
    CommandLineInterface().run(["pybabel", *arguments])
    with fresh.open("rb") as handle:
        extracted = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in read_po(handle)}
    shipped = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in template()}
    assert extracted - shipped == set(), "messages missing from messages.pot: run scripts/translations"
    assert shipped - extracted == set(), "messages.pot holds messages the code no longer has"


def test_the_asb_categories_their_groups_and_explanations_are_in_the_template():
    ids = {entry.id for entry in template()}
    with (ROOT / "hcsp_engage/reference/data/asb_categories.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert rows
    for row in rows:
        assert {row["category"], row["asb_group"], row["explanation"]} <= ids


def test_the_answer_choices_are_in_the_template_and_place_names_are_not():
    ids = {entry.id for entry in template()}
    for choices in (schema.SAFETY_SCALE, schema.UNSAFE_REASONS, schema.TOLD, schema.TIMES_OF_DAY):
        assert set(choices) <= ids
    assert not set(schema.TOWNS) & ids  # proper names: never translated


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_says_a_native_speaker_must_check_it(code):
    assert "A NATIVE SPEAKER MUST CHECK THIS CATALOGUE BEFORE LAUNCH" in catalog(code).header_comment


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_has_every_message_of_the_template(code):
    ids = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in catalog(code)}
    expected = {entry.id if isinstance(entry.id, str) else entry.id[0] for entry in template()}
    assert expected - ids == set(), f"run scripts/translations update ({code})"


@pytest.mark.parametrize("code", SHIPPED)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    untranslated = [
        forms(entry.id)[0] for entry in catalog(code) if entry.id and not all(forms(entry.string))
    ]
    fuzzy = [forms(entry.id)[0] for entry in catalog(code) if entry.id and entry.fuzzy]
    assert untranslated == [], (
        f"{len(untranslated)} messages not translated into {code}, e.g. {untranslated[:3]}"
    )
    assert fuzzy == [], f"{len(fuzzy)} fuzzy messages in {code} (check them, then remove the fuzzy flag)"


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_keep_the_placeholders_and_links_of_their_message(code):
    wrong = []
    for entry in catalog(code):
        if not entry.id:
            continue
        source = forms(entry.id)[-1]  # the plural form, for a message that has one
        for translated in [form for form in forms(entry.string) if form]:
            for pattern in (PLACEHOLDER, LINK_TARGET):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(translated)):
                    wrong.append((source, translated))
    assert wrong == []


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_compiles(code):
    i18n.translations.cache_clear()
    assert i18n.gettext("Send report", code)
