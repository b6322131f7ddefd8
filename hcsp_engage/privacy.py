"""Privacy rules (docs/design.md section 7): redaction of free text, small-count suppression, safe exports.

Everything here is plain Python and pandas so storage, analysis and pages share one set of rules:
``normalise_text`` gives free text one form (records.py applies it when a record is made), ``redact``
runs on every free-text field before it is stored (records.py calls it), and ``to_csv_bytes`` is the
one CSV writer. Every published count (Board and public) goes through ``hcsp_engage.disclosure``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable

import pandas as pd
import phonenumbers

from hcsp_engage import reference
from hcsp_engage.i18n import N_

REMOVED = "[removed]"

# --- Normalising free text -------------------------------------------------------------------------

# Characters that show nothing but change what text means or how it matches: bidirectional overrides
# and isolates (U+202E makes "txt.exe" read backwards), zero-width spaces and joiners, the word joiner,
# the byte-order mark, the soft hyphen and tag characters are all Unicode "format" characters (Cf);
# NUL and other controls are "Cc". The rest are invisible letters and marks of other categories.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_INVISIBLE_OTHERS = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers, used as "blank" names
    "\u2800"  # Braille blank
)
_KEPT_CONTROLS = frozenset("\n\t")
# Every way of ending a line becomes "\n": Windows and old Mac line ends, Unicode line and paragraph
# separators, NEL, vertical tab and form feed.
_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")


def _is_invisible(character: str) -> bool:
    if character in _KEPT_CONTROLS:
        return False
    return (
        unicodedata.category(character) in _INVISIBLE_CATEGORIES
        or character in _INVISIBLE_OTHERS
        or "\ufe00" <= character <= "\ufe0f"  # variation selectors
        or "\U000e0100" <= character <= "\U000e01ef"  # variation selectors supplement
    )


def _strip_invisible(text: str) -> str:
    return "".join(character for character in text if not _is_invisible(character))


def normalise_text(text: str) -> str:
    """Free text as it will be checked, redacted and stored: one form for what looks the same.

    Unicode NFKC (full-width "ＨＲ１" becomes "HR1", a no-break space a space), line ends as "\\n", and no
    control or invisible characters except newline and tab. A zero-width space inside a postcode or a
    right-to-left override can then neither hide a detail from redaction nor reach an officer's screen.
    """
    if not text:
        return text
    text = _LINE_ENDS.sub("\n", text)
    # Stripped before NFKC so the characters either side can combine, and after in case NFKC made any.
    return _strip_invisible(unicodedata.normalize("NFKC", _strip_invisible(text)))


# --- Redaction -------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Rules are applied in the order ``redact`` lists them: whole addresses before their parts, numbers that
# announce themselves (dates of birth, cards) before phone numbers, house numbers last. A pattern that
# starts with a run of letters starts only where the run starts ("(?<!...)"), so a long run is read
# once, not once from each of its letters: 500 times "1-" took 0.7 s, now 10 ms.

# Web addresses: with http or www, bare ones people type (facebook.com/someone, example.co.uk), and link
# shorteners, whose addresses end in country codes that are also short English words ("is", "me").
_SHORT_LINK_DOMAINS = (
    r"bit\.ly|t\.co|goo\.gl|ow\.ly|is\.gd|v\.gd|buff\.ly|rb\.gy|cutt\.ly|tiny\.cc|t\.me|wa\.me|m\.me|"
    r"fb\.me|fb\.watch|youtu\.be|instagr\.am|lnkd\.in|snip\.ly|rebrand\.ly|shorturl\.at|tinyurl\.com"
)
_URL = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"]+"
    rf"|\b(?:{_SHORT_LINK_DOMAINS})(?:/[^\s<>\"]*)?"
    r"|(?<![\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|gov\.uk|com|org|net|uk|io|info)\b"
    r"(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
# An email address, also with spaces round the @ or a dot ("jo.bloggs @ gmail . com"): the whole
# address goes. Spaced out, it must end in a mail ending, so "me @ home. Then" and "from @jo.bloggs" (a
# handle, below) are not taken for addresses.
_MAIL_ENDINGS = r"(?:com|net|org|uk|io|info|me|co|biz|ie|eu|edu|gov|ac)\b"
_EMAIL = re.compile(
    r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<![\w.+'-])[\w.+'-]+\s*@\s*[\w-]+(?:\s*\.\s*[\w-]+)*?\s*\.\s*{_MAIL_ENDINGS}",
    re.IGNORECASE,
)
# An address spelt out to get past filters: "jo dot bloggs at gmail dot com", "jo(at)gmail(dot)com".
# The @ must be a word ("at", "(at)", "[at]") and the domain must end in a mail ending, joined by a dot
# with no space or by the word "dot", so "looked at it. Co-op" stays. Written with a plain " at " and
# plain dots it reads like a sentence ("shouting at tesco.com"), so then only a mail provider counts.
_SPELT_DOT = r"(?:\.|\s*[(\[{]dot[)\]}]\s*|\s+dot\s+)"
_SPELT_EMAIL = re.compile(
    rf"(?<![\w.'+-])[\w'+-]+(?:{_SPELT_DOT}[\w'+-]+)*"
    r"(?P<at>\s*[(\[{]at[)\]}]\s*|\s+at\s+)"
    rf"(?P<domain>[\w-]+)(?:{_SPELT_DOT}[\w-]+)*{_SPELT_DOT}{_MAIL_ENDINGS}",
    re.IGNORECASE,
)
_MAIL_PROVIDERS = _words(
    "gmail googlemail hotmail outlook live msn yahoo ymail icloud me mac aol btinternet btopenworld sky "
    "virginmedia talktalk plusnet protonmail proton gmx mail zoho tiscali ntlworld blueyonder"
)


def _spelt_email(match: re.Match[str]) -> str:
    text = match.group(0)
    plain = match.group("at").strip().lower() == "at" and not re.search(r"dot|[(\[{]", text, re.IGNORECASE)
    if plain and match.group("domain").lower() not in _MAIL_PROVIDERS:
        return text
    return REMOVED


# Social media handles: "@jo_bloggs87", and after a platform's name "my snap is jo_bloggs87". A time
# written "@10pm" is not a handle.
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)?"
_HANDLE = re.compile(rf"(?<![\w@/.])@(?!{_TIME}\b)[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?", re.IGNORECASE)
_NAMED_HANDLE = re.compile(
    r"\b(?:snapchat|snap|insta(?:gram)?|tiktok|tik tok|twitter|facebook|fb|youtube|threads|twitch)"
    r"(?:\s+(?:name|handle|username|user|account|page|is|was|called|@))*\s*[:=-]?\s*"
    # A name that is not a word: it holds a digit, an underscore or a dot inside ("jo.bloggs").
    rf"(?P<handle>(?!{_TIME}\b)(?=[\w.]*[a-z])(?=[\w.]*(?:\d|_|\.\w))[\w.]{{3,30}})",
    re.IGNORECASE,
)

# Dates of birth after the words that announce them ("born 03/04/1987", "DOB 3 April 1987"); other
# dates ("on 12 October") are when things happened and are kept.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    r"(?:\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{2,4}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{2,4}})?"
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+\d{{2,4}})?"
    rf"|{_MONTH}\s+\d{{4}})"
)
_DATE_OF_BIRTH = re.compile(
    r"\b(?:born|d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s?day|b'?day)"
    rf"(?:\s+(?:is|was|on|the|in))*\s*[:=-]?\s*(?P<date>{_DATE}|(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)

# National Insurance numbers (AB 12 34 56 C): two letters, six digits, maybe a letter A to D. Any two
# letters, since a mistyped number still points to one person; spaced out after a two-letter word
# ("on 12 34 56") it is a count.
_NI_NUMBER = re.compile(
    r"\b(?P<prefix>[A-Z]{2})(?P<gap>[\s-]?)\d{2}[\s-]?\d{2}[\s-]?\d{2}(?:[\s-]?[A-D])?\b",
    re.IGNORECASE,
)
_TWO_LETTER_WORDS = _words(
    "AM AN AS AT BE BY DO GO HE HI IF IN IS IT ME MY NO OF OH OK ON OR OW PM SO TO UP US WE YA YE"
)

# Bank details after the words that announce them: a sort code (12-34-56) and an 8-digit account number.
_BANK_DETAILS = re.compile(
    r"\b(?:sort\s?code|account(?:\s+(?:number|no\.?))?|a/c(?:\s+no\.?)?)\s*(?:is\s+)?[:=-]?\s*"
    r"(?P<number>\d{2}[\s-]?\d{2}[\s-]?\d{2}\b|\d{8}\b)",
    re.IGNORECASE,
)

# Payment card numbers: 13 to 19 digits, in groups or not, that pass the Luhn check cards carry.
_CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REMOVED if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _national_insurance(match: re.Match[str]) -> str:
    spaced_after_a_word = match.group("gap").isspace() and match.group("prefix").upper() in _TWO_LETTER_WORDS
    return match.group(0) if spaced_after_a_word else REMOVED


def _remove_group(group: str) -> Callable[[re.Match[str]], str]:
    """A replacement that removes only ``group`` and keeps the words round it ("born [removed]")."""

    def replace(match: re.Match[str]) -> str:
        text, start = match.group(0), match.start()
        return text[: match.start(group) - start] + REMOVED + text[match.end(group) - start :]

    return replace


# A full UK postcode: a postcode area (HR, B, ...), the rest of the district, then the inward code (a
# digit and two letters), any case, with spaces, a hyphen or nothing between the parts ("HR1-2AB",
# "HR1 2 AB"). The district alone ("HR1") is kept: it is what the survey asks for. The inward code's
# letters never include C, I, K, M, O or V, so "M5 4am" stays.
def _postcode_areas() -> list[str]:
    return sorted((row["area"] for row in reference.read_csv("postcode_areas.csv")), key=len, reverse=True)


_POSTCODE = re.compile(
    rf"\b(?:{'|'.join(_postcode_areas())})[0-9][0-9A-Z]?"
    r"[\s\-–.]{0,3}[0-9][\s-]?[ABD-HJLNP-UW-Z][\s-]?[ABD-HJLNP-UW-Z]\b",
    re.IGNORECASE,
)


# Three-letter words that, written in capitals, would look like part of an older number plate
# ("A49 AND", "THE 12A"). DVLA does not issue most of them; the rest are a fair price for fewer false hits.
_PLATE_WORDS = _words(
    "AND THE FOR BUT NOT ARE WAS HAS HAD HIM HER HIS SHE YOU WHO WHY HOW OUR OUT ALL ANY CAN DAY "
    "GET GOT NOW OFF OLD ONE TWO SAY SEE TOO USE WAY YES YET AGO BUS CAR VAN PUB ROW END TOP MEN "
    "LOT"
)
_PLATES = (
    # Current format since 2001: two letters, two digits, three letters (AB12 CDE), also written
    # AB12CDE, AB-12-CDE or AB 12 CDE. Any case when the letters touch the digits: people type plates in
    # lower case, and letters-digits-letters of this shape are not English words.
    re.compile(r"\b(?P<area>[A-Z]{2})(?P<gap>[\s-]?)[0-9]{2}[\s-]?(?P<letters>[A-Z]{3})\b", re.IGNORECASE),
    # Prefix format 1983-2001 (A123 BCD) and suffix format 1963-1983 (ABC 123D): capitals only, so
    # "a1 the" or road numbers in ordinary text are left alone.
    re.compile(r"\b[A-Z]-?[0-9]{1,3}[\s-]?(?P<letters>[A-Z]{3})\b"),
    re.compile(r"\b(?P<letters>[A-Z]{3})[\s-]?[0-9]{1,3}-?[A-Z]\b"),
)


def _plate(match: re.Match[str]) -> str:
    text = match.group(0)
    letters = match.group("letters")
    area = match.groupdict().get("area")
    if area is not None and match.group("gap").isspace():
        # "on 12 May", "by 10 the": spaced out, a plate is written in capitals and holds no word.
        if not text.isupper() or area.upper() in _TWO_LETTER_WORDS or letters.upper() in _PLATE_WORDS:
            return text
    elif letters.upper() in _PLATE_WORDS:  # "AB12 and": a postcode district and a word
        return text
    return REMOVED


# A postcode or plate typed one character at a time ("H R 1 2 A B", "K-X-6-8-V-L-T"): a run of single
# letters and digits, read without its gaps. Ordinary runs ("a 1 2 3") read as neither and stay.
_SPACED_OUT = re.compile(r"(?<![\w-])(?:[A-Za-z0-9][ -]){4,7}[A-Za-z0-9](?![\w-])")


def _spaced_out(match: re.Match[str]) -> str:
    joined = re.sub(r"[ -]", "", match.group(0))
    if _POSTCODE.fullmatch(joined) or any(pattern.fullmatch(joined.upper()) for pattern in _PLATES):
        return REMOVED
    return match.group(0)


# House numbers. "12 Acacia Avenue", "12a High Street", "Flat 3, 14 Eign Street", "27 The Oval",
# "number 6": the number goes and the street stays, because a street name alone is what the report
# form asks for and identifies nobody.
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
    "every|each|was|were|is|are|have|had|been|who|they|them|we|you|i|it|this|that|other|"
    "more|nearly|about|"
    # Things people count in a street ("smashed 3 windows").
    "windows|window|doors|houses|homes|shops|lamps|lights|cameras|bins|vans|trees"
)
# Words that describe what is counted ("2 broken street lights", "9 new street lamps") but also start
# real street names ("14 New Street", "3 Back Lane"): they stop a match only in text written all in
# lower case, where the capitals that mark an address are missing anyway.
_DESCRIBING_WORDS = _words(
    "new old young broken extra different separate dark busy quiet main side back same whole next last "
    "first empty narrow long short small big large local"
)
# A number straight after these counts something: "the 9 New Street lamps", "all 3 Church Lane shops".
_COUNT_WORDS = _words("the these those all nearly only some another first last every")
_HOUSE_NUMBER = (
    r"(?:\b(?:flat|apartment|apt|unit)\.?\s*[0-9]{1,4}[a-z]?,?\s+)?"
    r"\b(?:(?:number|no\.?)\s*)?[0-9]{1,4}[a-z]?(?:\s?[-–/]\s?[0-9]{1,4}[a-z]?)?"
)
_ADDRESS = re.compile(
    rf"(?P<number>{_HOUSE_NUMBER})(?P<gap>,?\s+)"
    # "The" starts street names ("8 The Grange Close") only when written with a capital.
    rf"(?P<name>(?-i:The\s+)?(?:(?!(?:{_NOT_STREET_WORDS})\b)[a-z][a-z'’.-]*\s+){{1,3}}?)"
    rf"(?P<suffix>{_STREET_SUFFIXES})\b\.?",
    re.IGNORECASE,
)
# A house number before a road named without a suffix word: "27 The Oval", "4 The Paddocks".
_THE_ADDRESS = re.compile(r"(?P<number>\b[0-9]{1,3}[a-z]?)(?P<gap>,?\s+)The\s+[A-Z][a-z'’-]+")
# A house number on its own: "next door to number 6", "No. 6", "flat 6". "The number 71 bus" and
# "number 1 priority" are not houses.
_NUMBER_ALONE = re.compile(
    r"\b(?:(?i:number|flat|apartment|apt)\.?|(?i:no)\.|No\b)\s*[0-9]{1,4}[a-z]?\b"
    r"(?!\s*(?i:bus|buses|route|service|platform|stop|stand|bay|reason|priority|problem|issue|concern|"
    r"fan|spot|place|position|thing|seed)\b)"
)


def _counted(match: re.Match[str]) -> bool:
    """Whether the number starting the match follows a word that makes it a count ("the 9 ...")."""
    before = re.search(r"(\w+)\s*$", match.string[: match.start()])
    return bool(before) and before.group(1).lower() in _COUNT_WORDS


def _without_number(match: re.Match[str]) -> str:
    """The match with its house number replaced and the street name that follows kept."""
    return REMOVED + match.group(0)[match.end("number") - match.start() :]


def _address(match: re.Match[str]) -> str:
    if _counted(match) and not re.match(r"[a-z]", match.group("number"), re.IGNORECASE):
        return match.group(0)
    name = match.group("name").split()
    suffix = match.group("suffix")
    words = [*name, suffix]
    if any(word[0].isupper() for word in words):
        # Written as an address, every word of the street is capitalised: in "smashed 3 windows Holmer
        # Road" the 3 counts windows and Holmer Road is only where.
        if not all(word[0].isupper() for word in words):
            return match.group(0)
    elif suffix.lower() in _AMBIGUOUS_SUFFIXES or _DESCRIBING_WORDS.intersection(name):
        return match.group(0)
    return _without_number(match)


def _the_address(match: re.Match[str]) -> str:
    return match.group(0) if _counted(match) else _without_number(match)


def _number_alone(match: re.Match[str]) -> str:
    return match.group(0) if _counted(match) else REMOVED


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
    """Free text, normalised, with contact details and other identifying details replaced by "[removed]".

    Removes web addresses and short links, email addresses (also "jo @ example.com" and "jo at example
    dot com"), social media handles, dates of birth, National Insurance numbers, bank and card numbers,
    phone numbers, full postcodes and vehicle registrations (also spaced or hyphenated) and house numbers
    ("12 Acacia Avenue" keeps "Acacia Avenue"; "number 6"). Keeps postcode districts ("near HR1"),
    street names, road numbers ("A49"), times, dates and ordinary numbers ("the 9 new street lamps",
    "3 or 4 youths"). Names cannot be told from other words, so they are not removed: the forms ask
    residents to leave them out.
    """
    if not text:
        return text
    text = normalise_text(text)
    text = _EMAIL.sub(REMOVED, text)  # before web addresses, so "jo@example.com" goes whole
    text = _SPELT_EMAIL.sub(_spelt_email, text)
    text = _URL.sub(REMOVED, text)
    text = _HANDLE.sub(REMOVED, text)
    text = _NAMED_HANDLE.sub(_remove_group("handle"), text)
    text = _DATE_OF_BIRTH.sub(_remove_group("date"), text)  # before phones: "03/04/1987" has 8 digits
    text = _NI_NUMBER.sub(_national_insurance, text)
    text = _BANK_DETAILS.sub(_remove_group("number"), text)
    text = _CARD.sub(_card, text)  # before phones, which would take part of a card number
    text = _POSTCODE.sub(REMOVED, text)
    text = _remove_spans(text, _phone_spans(text))
    for pattern in _PLATES:
        text = pattern.sub(_plate, text)
    text = _SPACED_OUT.sub(_spaced_out, text)
    text = _ADDRESS.sub(_address, text)
    text = _THE_ADDRESS.sub(_the_address, text)
    text = _NUMBER_ALONE.sub(_number_alone, text)
    return text


# --- Small counts ----------------------------------------------------------------------------------
# Board counts are published only through hcsp_engage.disclosure (one release per publication, with the
# secondary suppression that a table hiding its own cells lacked): see docs/disclosure-control.md.

# Bands for public counts (the community map). A cell is only shown with at least k reports (k = 10
# by default), so the lowest band is rarely seen.
COUNT_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (1, 9, "fewer than 10"),  # never shown on the map (k is at least 10)
    (10, 24, "10–24"),
    (25, 49, "25–49"),
    (50, 99, "50–99"),
    (100, None, N_("100 or more")),
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

# What a spreadsheet reads as the start of a formula, and the characters OWASP adds because a
# spreadsheet may skip them before one.
_FORMULA_STARTS = frozenset("=+-@")
_LEADING_CONTROLS = ("\t", "\r")
# A plain number ("-2.7149", "+44", "-1e-05") cannot run as a formula; leaving it alone keeps
# longitudes usable.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def _first_visible(text: str) -> str:
    """The first character a spreadsheet would act on, as NFKC reads it ("＝" is "="), or ""."""
    for character in text:
        if not character.isspace() and not _is_invisible(character):
            return unicodedata.normalize("NFKC", character)[:1]
    return ""


def safe_cell(value: object) -> str:
    """A cell's text for a CSV that a spreadsheet will open without running anything in it.

    Text whose first visible character is "=", "+", "-" or "@" gets a leading apostrophe (the OWASP
    advice against CSV injection), looked for past leading spaces, line breaks and invisible characters
    and in full-width forms ("＝"), since spreadsheets and the people pasting into them skip those; so
    does text starting with a tab or a carriage return. Plain numbers such as "-2.7149" are left as
    they are. Missing values become "".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    if not text or (text[0].isascii() and text[0].isalnum()):  # most cells, answered without a scan
        return text
    if _PLAIN_NUMBER.match(text):
        return text
    if text.startswith(_LEADING_CONTROLS) or _first_visible(text) in _FORMULA_STARTS:
        return "'" + text
    return text


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one CSV writer: a header row, every cell through ``safe_cell`` and in quotes, UTF-8 with a
    byte-order mark so Excel shows "–" and "’" correctly.

    Every cell is quoted, so a ";" (the separator Excel uses where "," is the decimal mark), a "," or a
    line break inside a cell never splits it, whatever the reader's settings.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(column) for column in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
