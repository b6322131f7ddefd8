"""Privacy rules (DESIGN section 7): redaction of free text, small-count suppression, safe exports.

Everything here is plain Python and pandas so storage, analysis and pages share one set of rules:
``redact`` runs on every free-text field before it is stored (records.py calls it) and ``count_band``
is the one way counts are shown to the public (Board counts go through ``disclosure``), and ``to_csv_bytes`` is the one CSV writer.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable

import pandas as pd
import phonenumbers

REMOVED = "[removed]"

# --- Redaction -------------------------------------------------------------------------------------

_URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"]+"
    # Bare web addresses people type without http or www: facebook.com/someone, example.co.uk
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|gov\.uk|com|org|net|uk|io|info)\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# A full UK postcode: outward code (district) then inward code (digit and two letters), with or
# without the space, any case. The district alone ("HR1") is kept: it is what the survey asks for.
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r"\s*[0-9][ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Three-letter words that, written in capitals, would look like part of an older number plate
# ("A49 AND", "THE 12A"). DVLA does not issue most of them; the rest are a fair price for fewer false hits.
_PLATE_WORDS = _words(
    "AND THE FOR BUT NOT ARE WAS HAS HAD HIM HER HIS SHE YOU WHO WHY HOW OUR OUT ALL ANY CAN DAY "
    "GET GOT NOW OFF OLD ONE TWO SAY SEE TOO USE WAY YES YET AGO BUS CAR VAN PUB ROW END TOP MEN "
    "LOT"
)
_PLATES = (
    # Current format since 2001: two letters, two digits, three letters (AB12 CDE). Any case: people
    # type plates in lower case, and letters-digits-letters of this shape are not English words.
    re.compile(r"\b[A-Z]{2}[0-9]{2}\s?[A-Z]{3}\b", re.IGNORECASE),
    # Prefix format 1983-2001 (A123 BCD) and suffix format 1963-1983 (ABC 123D): capitals only, so
    # "a1 the" or road numbers in ordinary text are left alone.
    re.compile(r"\b[A-Z][0-9]{1,3}\s?(?P<letters>[A-Z]{3})\b"),
    re.compile(r"\b(?P<letters>[A-Z]{3})\s?[0-9]{1,3}[A-Z]\b"),
)

# House-number-and-street addresses: "12 Acacia Avenue", "12a High Street", "Flat 3, 14 Eign Street".
# A street name alone ("Eign Street", "near the Old Market") is kept: it is what the report asks for.
_STREET_SUFFIXES = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|place|pl|crescent|cres|court|ct|gardens|"
    "gdns|grove|terrace|walk|hill|row|square|sq|park|mews|view|rise|green|gate|meadow|meadows|croft|"
    "parade|orchard|fields|bank|passage|yard|end"
)
# Suffixes that are also everyday words ("2 lads came close", "3 dogs park"): matched only when the
# address is written with capitals, as addresses usually are.
_AMBIGUOUS_SUFFIXES = _words(
    "close dr way place pl court ct walk hill row park view rise green gate meadow meadows croft "
    "fields bank passage yard end parade orchard ln"
)
# Words that cannot be part of a street name: they mean the number counts something or tells a time.
_NOT_STREET_WORDS = (
    "the|a|an|and|or|but|of|in|on|at|by|to|from|near|into|onto|over|under|down|up|round|around|off|"
    "outside|behind|past|along|with|for|times|time|lads|kids|youths|people|men|women|boys|girls|"
    "teenagers|cars|car|dogs|dog|bikes|days|weeks|months|years|year|yr|yrs|nights|hours|minutes|mins|am|pm|"
    "o'clock|mph|miles|mile|yards|metres|meters|km|feet|ft|"
    "every|each|was|were|is|are|have|had|been|who|they|them|we|you|i|it|this|that|other|young|"
    "old|more|nearly|about"
)
_ADDRESS = re.compile(
    r"(?:\b(?:flat|apartment|apt|unit)\.?\s*[0-9]{1,4}[a-z]?,?\s+)?"
    r"\b(?:(?:number|no\.?)\s*)?[0-9]{1,4}[a-z]?(?:\s?[-–/]\s?[0-9]{1,4}[a-z]?)?,?\s+"
    # "The" starts street names ("8 The Grange Close") only when written with a capital.
    rf"(?P<name>(?-i:The\s+)?(?:(?!(?:{_NOT_STREET_WORDS})\b)[a-z][a-z'’.-]*\s+){{1,3}}?)"
    rf"(?P<suffix>{_STREET_SUFFIXES})\b\.?",
    re.IGNORECASE,
)


def _address(match: re.Match[str]) -> str:
    words = match.group("name").split() + [match.group("suffix")]
    written_as_address = any(word[0].isupper() for word in words)
    if match.group("suffix").lower() in _AMBIGUOUS_SUFFIXES and not written_as_address:
        return match.group(0)
    return REMOVED


def _plate(match: re.Match[str]) -> str:
    letters = match.groupdict().get("letters")
    if letters and letters in _PLATE_WORDS:
        return match.group(0)
    return REMOVED


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Where UK and international phone numbers are, found by Google's libphonenumber.

    POSSIBLE leniency finds numbers in any layout people type (spaces, dashes, brackets, +44, 0044),
    including Ofcom's drama ranges that are not "valid"; requiring at least 9 national digits for a
    number that is not fully valid keeps years, times and counts ("2023", "10 30") out.
    """
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        number = match.number
        if phonenumbers.is_valid_number(number) or len(str(number.national_number)) >= 9:
            spans.append((match.start, match.end))
    return spans


def _remove_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + REMOVED + text[end:]
    return text


def redact(text: str) -> str:
    """Free text with contact details and addresses replaced by "[removed]".

    Removes URLs, email addresses, phone numbers, full postcodes, vehicle registrations and
    house-number-and-street addresses. Keeps postcode districts ("near HR1"), street names without a
    house number and ordinary numbers ("3 times", "at 10pm").
    """
    if not text:
        return text
    text = _EMAIL.sub(REMOVED, text)  # before URLs, so "jo@example.com" goes whole
    text = _URL.sub(REMOVED, text)
    text = _POSTCODE.sub(REMOVED, text)
    text = _remove_spans(text, _phone_spans(text))
    for pattern in _PLATES:
        text = pattern.sub(_plate, text)
    text = _ADDRESS.sub(_address, text)
    return text


# --- Small counts ----------------------------------------------------------------------------------
# Board counts are published only through hcsp_engage.disclosure (one release per publication, with the
# secondary suppression that a table hiding its own cells lacked): see docs/disclosure-control.md.

# Bands for public counts (the community map). A cell is only shown with at least k reports (k = 10
# by default), so the lowest band is rarely seen.
COUNT_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (1, 9, "fewer than 10"),
    (10, 24, "10–24"),
    (25, 49, "25–49"),
    (50, 99, "50–99"),
    (100, None, "100 or more"),
)


def count_band(n: int) -> str:
    """The one way a count is shown to the public: a band such as "10–24", never the exact number."""
    n = int(n)
    if n < 0:
        raise ValueError(f"A count cannot be negative ({n}).")
    if n == 0:
        return "0"
    for low, high, label in COUNT_BANDS:
        if n >= low and (high is None or n <= high):
            return label
    raise AssertionError("unreachable: the bands cover every positive count")


# --- Exports ---------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-2.7149", "+44") cannot run as a formula; leaving it alone keeps longitudes usable.
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")


def safe_cell(value: object) -> str:
    """A cell's text for a CSV that a spreadsheet will open without running anything in it.

    Text starting with "=", "+", "-", "@", a tab or a carriage return gets a leading apostrophe (the
    OWASP advice against CSV injection); plain numbers such as "-2.7149" are left as they are. Missing
    values become "".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one CSV writer: a header row, every cell through ``safe_cell``, UTF-8 with a byte-order mark
    so Excel shows "–" and "’" correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column) for column in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
