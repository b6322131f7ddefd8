"""Languages of the resident pages (docs/languages.md): gettext catalogues, the choice of language, and
dates and numbers formatted for the locale with Babel.

The catalogues are the ``.po`` files in ``hcsp_engage/locale/<code>/LC_MESSAGES/``; each is compiled in
memory the first time it is needed (no ``.mo`` files to keep in step with them). English is the source
language: its "translation" is the message itself. No Streamlit here: ``web/lang.py`` knows which
language the resident chose and calls ``gettext`` below.

Text defined when a module is imported (constants, the answer choices in ``schema``) is marked with
``N_`` so ``scripts/translations`` extracts it, and is translated where it is shown. Messages that carry
values (a limit, an area) are ``Message`` objects: their English text for code that reads them as
strings, and their template and values for translating at display.
"""

from __future__ import annotations

import csv
import gettext as _gettext
import io
import os
import re
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from hcsp_engage import schema

LOCALE_DIR = Path(__file__).parent / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
DOMAIN = "messages"

# Each language named in itself, as the switcher shows it (docs/design.md section 6).
NAMES = {"en": "English", "pl": "polski", "ro": "română", "bg": "български"}
assert tuple(NAMES) == schema.LANGUAGES, "schema.LANGUAGES and the named languages must agree"
DEFAULT = schema.DEFAULT_LANGUAGE

# A pseudo-locale for tests: every message from the template, accented and wrapped in ⟦ ⟧, so any text on
# a page that is not wrapped was never marked for translation. Offered only with HCSP_PSEUDO_LOCALE=1.
PSEUDO = "en-XA"
PSEUDO_SETTING = "HCSP_PSEUDO_LOCALE"
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def N_(message: str) -> str:  # noqa: N802 (the gettext convention, which pybabel extracts)
    """Mark text for extraction where it is defined; it is translated where it is shown."""
    return message


def pseudo_enabled() -> bool:
    return os.environ.get(PSEUDO_SETTING, "") == "1"


def languages() -> tuple[str, ...]:
    """Codes a ``?lang=`` value may name: the shipped languages, and the pseudo-locale when enabled."""
    return schema.LANGUAGES + ((PSEUDO,) if pseudo_enabled() else ())


def stored_language(code: str) -> str:
    """The code kept with an answer: the pseudo-locale is stored as English (it is English, disguised)."""
    return code if code in schema.LANGUAGES else DEFAULT


def from_query(value: str | None) -> str | None:
    """The language a ``?lang=`` value names ('pl', 'PL', 'pl-PL'), or None when it names none we offer."""
    if not value:
        return None
    value = value.strip()
    if pseudo_enabled() and value.lower() == PSEUDO.lower():
        return PSEUDO
    return _shipped(value)


def from_browser(locale: str | None) -> str | None:
    """The language of a browser locale string ('pl-PL', 'ro_RO', 'bg'), or None when we do not offer it."""
    return _shipped(locale or "")


def _shipped(value: str) -> str | None:
    try:
        code = Locale.parse(value.strip().replace("-", "_")).language
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return code if code in schema.LANGUAGES else None


def choose(query: str | None, session: str | None, browser: str | None) -> str:
    """The language of a page: the address's ``?lang=`` first, then the choice made earlier in this
    session, then the browser's language, then English."""
    if chosen := from_query(query):
        return chosen
    if session in languages():
        return session
    return from_browser(browser) or DEFAULT


@cache
def translations(code: str) -> _gettext.NullTranslations:
    """The compiled catalogue of a language (English: the messages themselves). Cached per process."""
    if code == PSEUDO:
        return _compile(pseudo_catalog())
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        return _compile(read_po(handle, locale=code, domain=DOMAIN))


def _compile(catalog: Catalog) -> _gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt leaves them out
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str, code: str) -> str:
    """``message`` (or a ``Message``, with its values filled in) in the language ``code``."""
    if isinstance(message, Message):
        return message.in_language(code)
    if not message:
        return message
    return translations(code).gettext(message)


def ngettext(singular: str, plural: str, count: int, code: str) -> str:
    """The form of a message for ``count`` in the language ``code`` (Polish has three: 1, 2-4, 5+)."""
    return translations(code).ngettext(singular, plural, count)


# --- Messages with values ---------------------------------------------------------------------------


class Message(str):
    """A message with named values, e.g. ``Message("Choose up to {limit} concerns.", limit=3)``
    (``scripts/translations`` extracts the first argument of ``Message``).

    It is the English text (so code and tests that read it as a string see English), and keeps its
    template and values so the page can translate the template and fill the values in afterwards. Numbers
    among the values are formatted for the language (1,000 / 1 000 / 1.000).
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Message:
        text = super().__new__(cls, _fill(template, params, DEFAULT))
        text.template = template
        text.params = params
        return text

    def in_language(self, code: str) -> str:
        params = {
            name: gettext(value, code) if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return _fill(self._template(code), params, code)

    def _template(self, code: str) -> str:
        return translations(code).gettext(self.template)


class Plural(Message):
    """A ``Message`` whose wording depends on a number ``count``: ``Plural("{count} minute",
    "{count} minutes", count=5)``; the translation picks the form the language uses for it."""

    plural: str

    def __new__(cls, singular: str, plural: str, **params: object) -> Plural:
        text = super().__new__(cls, singular if params["count"] == 1 else plural, **params)
        text.template, text.plural = singular, plural
        return text

    def _template(self, code: str) -> str:
        return translations(code).ngettext(self.template, self.plural, int(self.params["count"]))


class Percent(float):
    """A percentage among a ``Message``'s values, shown as the language writes it ("73%", "73 %")."""


def _shown(value: object, code: str) -> object:
    if isinstance(value, Percent):
        return format_percent(value / 100, locale=babel_locale(code))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value, code)
    return value


def _fill(template: str, params: dict[str, object], code: str) -> str:
    shown = {name: _shown(value, code) for name, value in params.items()}
    return template.format(**shown) if shown else template


# --- Dates and numbers --------------------------------------------------------------------------------


def babel_locale(code: str) -> str:
    """The Babel locale of a language: British English for English and the pseudo-locale."""
    return "en_GB" if code in (DEFAULT, PSEUDO) else code


def number(value: float, code: str) -> str:
    """``1,000`` in English, ``1 000`` in Polish, ``1.000`` in Romanian (Babel, the locale's own rules)."""
    return format_decimal(value, locale=babel_locale(code))


def long_date(day: date, code: str) -> str:
    """``3 December 2026`` in English, ``3 grudnia 2026`` in Polish (Babel's long date)."""
    return _babel_format_date(day, format="long", locale=babel_locale(code))


def month_year(day: date, code: str) -> str:
    """``December 2026``, ``grudzień 2026`` (the month as it stands alone, Babel's ``LLLL y``)."""
    return _babel_format_date(day, format="LLLL y", locale=babel_locale(code))


# --- The pseudo-locale ----------------------------------------------------------------------------------

_ACCENTS = str.maketrans(
    "aceinousyACEINOUSYgGlLrRzZ",
    "áçéîñöúšýÅÇÉÎÑÖÚŠÝğĞļĻŕŔžŽ",
)
# Kept as they are inside a pseudo message: {placeholders}, markdown link targets and :material/icons:.
_KEEP = re.compile(r"\{[^{}]*\}|\]\([^)]*\)|:material/[a-z_]+:")


def pseudo(message: str) -> str:
    """``Send report`` -> ``⟦Šéñð ŕéþöŕţ⟧`` with every placeholder, link target and icon left intact."""
    pieces, last = [], 0
    for match in _KEEP.finditer(message):
        pieces.append(message[last : match.start()].translate(_ACCENTS))
        pieces.append(match.group())
        last = match.end()
    pieces.append(message[last:].translate(_ACCENTS))
    return PSEUDO_OPEN + "".join(pieces) + PSEUDO_CLOSE


def pseudo_catalog() -> Catalog:
    """The pseudo-locale's catalogue, built from the template (``messages.pot``)."""
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle, domain=DOMAIN)
    catalog = Catalog(locale="en", domain=DOMAIN)
    for entry in template:
        if isinstance(entry.id, tuple | list):  # singular and plural: English has two forms
            catalog.add(entry.id, tuple(pseudo(form) for form in entry.id))
        elif entry.id:
            catalog.add(entry.id, pseudo(entry.id))
    return catalog


# --- Extraction -----------------------------------------------------------------------------------------

# Columns of reference data files a resident reads (babel.cfg names each file with this extractor).
SHOWN_COLUMNS = ("category", "asb_group", "explanation")


def extract_csv(fileobj, keywords, comment_tags, options):
    """A Babel extractor for reference CSV files: each value of the columns a resident reads (the ASB
    categories, their groups and one-line explanations), one message per distinct value."""
    text = io.TextIOWrapper(fileobj, encoding="utf-8", newline="")
    seen = set()
    for row_number, row in enumerate(csv.DictReader(text), start=2):
        for column in SHOWN_COLUMNS:
            value = row.get(column)
            if value and value not in seen:
                seen.add(value)
                yield row_number, None, value, [f"{column} in {Path(getattr(fileobj, 'name', '')).name}"]
