"""Redaction, phrase by phrase: what must go from free text and what must stay (privacy.redact).

Each phrase is the kind of thing residents write in the survey comments, the report description and
the street or landmark box. MUST_GO holds contact details, identity numbers and house numbers written
the ways people write them, including ways meant to get past a filter (spaces round the @, "at" and
"dot", invisible characters inside a postcode); MUST_STAY holds ordinary sentences full of numbers,
times, roads and street names that redaction must leave alone.
"""

from __future__ import annotations

import pytest

from hcsp_engage.privacy import REMOVED, normalise_text, redact

ZWSP = "\u200b"  # zero-width space
WJ = "\u2060"  # word joiner
SHY = "\u00ad"  # soft hyphen
NBSP = "\u00a0"  # no-break space
RLO = "\u202e"  # right-to-left override

# (text, what must be gone, what must still be there ("" when nothing in particular))
MUST_GO = [
    # Email addresses: spaced round the @ or a dot, spelt out with "at" and "dot", brackets.
    ("her email is jo.bloggs @ gmail.com", "jo.bloggs", "her email is"),
    ("jo.bloggs@ gmail.com", "bloggs", ""),
    ("JO.BLOGGS @GMAIL.COM if you want proof", "BLOGGS", "if you want proof"),
    ("email jo.bloggs @ gmail . com", "bloggs", "email"),
    ("contact jo dot bloggs at gmail dot com", "bloggs", "contact"),
    ("jo_bloggs at hotmail dot co dot uk", "jo_bloggs", ""),
    ("email jo(at)gmail(dot)com", "gmail", "email"),
    ("mail me jo [at] yahoo [dot] com", "yahoo", "mail me"),
    ("write to jo.bloggs at outlook.com", "bloggs", "write to"),
    ("Email: j.bloggs87@btinternet.com thanks", "bloggs87", "thanks"),
    (f"jo.bloggs{ZWSP}@gmail.com", "bloggs", ""),
    ("jo.bloggs＠gmail.com", "bloggs", ""),
    # Phone numbers.
    ("call 07700 900 123 after work", "900 123", "after work"),
    ("my number is 07700-900-123 text me", "900-123", "text me"),
    ("tel: +44 (0) 7700 900123", "900123", ""),
    ("ring 01432 260 000 after 6", "260 000", "after 6"),
    (f"07700{ZWSP}900123", "900123", ""),
    ("call ０７７００ ９００１２３", "900123", "call"),
    # Full postcodes: hyphens, spaces, invisible characters, full-width letters.
    ("I live at HR1-2AB", "2AB", "I live at"),
    ("HR1 - 2AB is my postcode", "2AB", "is my postcode"),
    (f"postcode hr4{ZWSP}9xx", "9xx", "postcode"),
    (f"HR4{ZWSP} 0AB by the shop", "0AB", "by the shop"),
    ("postcode HR1 2 AB", "2 AB", ""),
    ("ＨＲ１ ２ＡＢ written wide", "2AB", "written wide"),
    ("Leominster HR6 8NZ", "8NZ", "Leominster"),
    (f"Ross HR9{NBSP}5AA", "5AA", "Ross"),
    (f"HR1{SHY}2AB", "2AB", ""),
    ("B33 8TH in Birmingham", "8TH", "in Birmingham"),
    ("postcode H R 1 2 A B", "H R 1", "postcode"),
    ("h-r-4-9-x-x", "9-x-x", ""),
    # Vehicle registrations: spaced, hyphenated, invisible characters inside.
    ("car reg AB 12 CDE", "CDE", "car reg"),
    ("reg AB-12-CDE", "CDE", "reg"),
    ("ab-12-cde parked on the path", "cde", "parked on the path"),
    (f"KX68{ZWSP}VLT", "VLT", ""),
    ("KX 68 VLT speeding", "VLT", "speeding"),
    ("A-123-BCD old Escort", "BCD", "old Escort"),
    ("an old A123-BCD", "A123", "an old"),
    ("plate ABC-123D", "ABC", "plate"),
    (f"van registration WV19{WJ} XYZ", "XYZ", "van registration"),
    (f"AB12{RLO}CDE", "CDE", ""),
    ("the car was K X 6 8 V L T", "V L T", "the car was"),
    ("A-B-1-2-C-D-E", "C-D-E", ""),
    # National Insurance numbers.
    ("NI number QQ 12 34 56 C", "34 56", "NI number"),
    ("national insurance AB123456C", "AB123456C", "national insurance"),
    ("ni no. ab 12 34 56 d", "34 56", ""),
    ("NI: JG-10-37-42-B", "37-42", ""),
    ("my NI is NP 123456 A", "123456", "my NI is"),
    # Payment card numbers (these pass the Luhn check).
    ("card 4111 1111 1111 1111 was stolen", "1111 1111", "was stolen"),
    ("4111-1111-1111-1111", "4111", ""),
    ("card number 4111111111111111", "4111111111111111", "card number"),
    ("Amex 3782 822463 10005", "822463", "Amex"),
    ("mastercard 5555 5555 5555 4444", "5555 4444", "mastercard"),
    ("debit card 4000 0566 5566 5556 used in the shop", "5566 5556", "used in the shop"),
    ("card 4111 1111 1111 1111 exp 12/27", "1111 1111", ""),
    # Bank details.
    ("sort code 12-34-56 account 12345678", "12345678", "sort code"),
    ("sort code 12-34-56", "34-56", "sort code"),
    ("account number: 87654321 if you want to pay", "87654321", "if you want to pay"),
    # Dates of birth.
    ("born 03/04/1987", "03/04/1987", "born"),
    ("DOB 3 April 1987", "April 1987", "DOB"),
    ("d.o.b. 03.04.87", "03.04.87", "d.o.b."),
    ("date of birth: 3rd of April 1987", "April", "date of birth"),
    ("he was born on 12 May 2009", "12 May 2009", "he was born"),
    ("DOB: 1987-04-03", "1987-04-03", "DOB"),
    ("born April 3rd, 1987", "April 3rd", "born"),
    ("her birthday is 12 May", "12 May", "her birthday"),
    ("born in 2008 so only 16", "2008", "so only 16"),
    ("dob 3/4/87", "3/4/87", "dob"),
    ("DOB 03/04/1987 NI AB123456C", "1987", ""),
    # Social media handles.
    ("follow @jo_bloggs87", "jo_bloggs87", "follow"),
    ("he posts as @HerefordLad on tiktok", "HerefordLad", "on tiktok"),
    ("messaged me from @jo.bloggs", "jo.bloggs", "messaged me from"),
    ("my snap is jo_bloggs87", "jo_bloggs87", "my snap is"),
    ("insta: jo.bloggs", "jo.bloggs", "insta"),
    ("his tiktok username is lad_4_hfd", "lad_4_hfd", "his tiktok username"),
    ("@jo_bloggs87 and @hfd_lad", "hfd_lad", "and"),
    # Web addresses and short links.
    ("see bit.ly/abc123", "abc123", "see"),
    ("video at bit.ly/3xYz", "3xYz", "video at"),
    ("t.co/AbC123 shows it", "AbC123", "shows it"),
    ("tinyurl.com/y7k2", "y7k2", ""),
    ("watch youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ", "watch"),
    ("join t.me/hfdgroup", "hfdgroup", "join"),
    ("wa.me/447700900123", "447700900123", ""),
    ("https://www.facebook.com/jo.bloggs.5", "jo.bloggs", ""),
    ("www.instagram.com/jo.bloggs", "jo.bloggs", ""),
    ("HTTPS://EXAMPLE.COM/X", "EXAMPLE", ""),
    # House numbers: the number goes, the street stays.
    ("next door to number 6", "number 6", "next door to"),
    ("number 6 has parties every weekend", "number 6", "has parties every weekend"),
    ("No. 6 always has the music on", "No. 6", "always has the music on"),
    ("the lads at no. 14 again", "14", "the lads at"),
    ("No 6 has loud parties", "No 6", "has loud parties"),
    ("next door to No.6", "No.6", "next door to"),
    ("house number 9", "number 9", "house"),
    ("Flat 6 plays music all night", "Flat 6", "plays music all night"),
    ("27 The Oval", "27", "The Oval"),
    ("lives at 27 The Oval, Hereford", "27", "The Oval, Hereford"),
    ("4 The Paddocks keeps dumping rubbish", "4 ", "The Paddocks keeps dumping rubbish"),
    ("live at 8a The Crescent", "8a", "The Crescent"),
    ("27 Holmer Road", "27", "Holmer Road"),
    ("outside 12a Bath Street", "12a", "Bath Street"),
    ("at 3 Belmont Road every night", "3 Belmont", "Belmont Road every night"),
    ("number 14 Whitecross Road", "14", "Whitecross Road"),
    ("2 Church Lane, Ledbury", "2 Church", "Church Lane, Ledbury"),
    ("flat 2, 19 Widemarsh Street", "19", "Widemarsh Street"),
    ("noise from 11 ledbury road", "11", "ledbury road"),
    ("Apartment 4, 22 Eign Gate", "Apartment 4", "Eign Gate"),
    ("at 6-8 Commercial Street", "6-8", "Commercial Street"),
    ("the house at 45 Aylestone Hill", "45", "Aylestone Hill"),
    ("14 New Street", "14", "New Street"),
    ("outside 12 Main Street again", "12", "Main Street again"),
    ("3 Back Lane, Ross", "3", "Back Lane, Ross"),
    ("5 Old Road", "5", "Old Road"),
    ("from 2 Long Lane", "2", "Long Lane"),
    ("at 5 St Owen Street", "5 St", "St Owen Street"),
    ("SMASHED 3 WINDOWS AT 12 HOLMER ROAD", "12", "SMASHED 3 WINDOWS AT"),
    ("the 9 new street lamps outside 14 Holmer Road", "14", "the 9 new street lamps"),
    ("about 30 kids on 12 Acacia Avenue", "12", "about 30 kids on"),
    # Several at once.
    ("his car is KX68 VLT and he lives at 3 Kings Acre Road", "VLT", "Kings Acre Road"),
    ("Car AB 12 CDE at 4 Mill Street, jo dot bloggs at gmail dot com", "bloggs", "Mill Street"),
]

# (text that must come back unchanged)
MUST_STAY = [
    # Counts and street names together (the findings that redaction used to destroy).
    "the 9 new street lamps",
    "smashed 3 windows Holmer Road",
    "we had 2 new street lights",
    "2 broken street lights on Holmer Road",
    "we need 2 more lamps on Eign Street",
    "3 dark lanes behind the station",
    "2 old street signs",
    "5 new road signs",
    "a 3 bed house on Holmer Road",
    "3 lads came close to hitting me",
    "2 lads came down Holmer Road",
    "Holmer Road and Widemarsh Street",
    "the 8 till late shop on Eign Street",
    # Counts, ages and groups of people.
    "3 or 4 youths at 10pm",
    "5 or 6 lads on bikes every night",
    "about 20 kids in Castle Green",
    "43 new CCTV cameras were put up",
    "the 2,700 pupils at the school",
    "over 100 people signed the petition",
    "Year 9 and Year 10 pupils",
    "one in 4 people",
    "I have lived here 30 years",
    "I'm 82 and scared to go out",
    "my 2 children walk to school",
    "16 year olds drinking",
    "a 15 year old on a scooter",
    "the 4 of us",
    "2 dogs off the lead in Bishop's Meadow",
    "3 cars racing up and down",
    "at least 4 mopeds",
    "about 1 in 10 cars",
    "14 days ago",
    "7 nights a week",
    "3 weeks in a row",
    # Times and dates of what happened.
    "at 10 pm on 12/10/2026",
    "since 03/04/2026 every night",
    "it was 11.30pm on a Friday",
    "from 9 to 5 it is fine",
    "at 10:45 last night",
    "between 6pm and 10pm",
    "2 hours of shouting",
    "10 minutes later they came back",
    "at 3 in the morning",
    "on 12 May they came back",
    "ON 12 MAY THEY CAME BACK",
    "in May 2025 it started",
    "3rd April at 10pm",
    "12/10/2026 at 10pm",
    "the 2023 survey said 73%",
    "between 2021 and 2023 it got worse",
    "see you @10pm",
    "M5 4am",
    # Roads, buses, routes and places.
    "the 476 bus",
    "the number 71 bus stop",
    "the 33 bus to Ledbury",
    "No 33 bus was late",
    "route 476 via Holmer",
    "Platform 2 at Hereford station",
    "on the A49 at 11pm",
    "ON THE A49 AT 11PM",
    "the A438 and the A4103",
    "the B4224 is used as a race track",
    "junction 4 of the M50",
    "a 20mph zone",
    "near HR4 by the Whitecross roundabout",
    "HR1, HR2 and HR4",
    "Tesco roundabout at 2am",
    "Ross-on-Wye market hall",
    "near The Oval shops",
    "the 5 Acres estate",
    "the 3 Elms pub",
    "Zone 2",
    "in 2019 The Council promised lighting",
    "Safer Streets 3 and 4 paid for it",
    "phase 2 of Safer Streets",
    "CCTV camera 12 on Widemarsh Street",
    # Money, percentages, other numbers.
    "£860k was spent",
    "15% felt unsafe",
    "it costs £12.50",
    "£50 fine",
    "2 for 1 at the pub",
    "after the 7-1 win",
    "Section 59 warnings",
    "question 5 is confusing",
    "number 1 priority is lighting",
    "no. of incidents went up",
    "number of people drinking",
    "we called 101 twice",
    "call 999 if someone is hurt",
    "the 24 hour garage",
    "1st floor flat",
    "a flat tyre",
    "in AB12 and KX68",
    "ab12 the",
    "reference S-7KQ4M2XD",
    "on account of 12 people drinking",
    "the account 2 weeks ago was different",
    # Words near the ones that trigger a rule.
    "I was born here and feel safe",
    "born and bred in Hereford",
    "on my birthday last year",
    "email the council",
    "meet @ the bus station",
    "meet me @ home. Then we walk",
    "I looked at it. Co-op was shut",
    "on facebook at 10.30pm",
    "they post on snap every night",
    "A & E at the County Hospital",
    "Shouting, swearing; fighting (again)",
    "line one\nline two\tindented",
    "rate it 1 2 3 4 5",
    "plan A B C or D",
    "I a m not sure",
    "x-x-x-x-x",
]


@pytest.mark.parametrize(("text", "gone", "kept"), MUST_GO)
def test_redact_removes_identifying_details_written_every_way(text, gone, kept):
    redacted = redact(text)
    assert gone not in redacted
    assert REMOVED in redacted
    assert kept in redacted


@pytest.mark.parametrize("text", MUST_STAY)
def test_redact_keeps_ordinary_sentences_whole(text):
    assert redact(text) == text


def test_the_tables_hold_at_least_a_hundred_phrases_each_way():
    assert len(MUST_GO) >= 100
    assert len(MUST_STAY) >= 100
    assert len({text for text, _, _ in MUST_GO}) == len(MUST_GO)
    assert len(set(MUST_STAY)) == len(MUST_STAY)


def test_a_house_number_goes_and_the_street_stays():
    assert redact("27 Holmer Road") == "[removed] Holmer Road"
    assert redact("27 The Oval") == "[removed] The Oval"
    assert redact("next door to number 6") == "next door to [removed]"
    assert redact("Flat 3, 14 Eign Street") == "[removed] Eign Street"


def test_an_email_address_goes_whole_not_only_the_part_after_the_at():
    assert redact("jo.bloggs @ gmail.com") == REMOVED
    assert redact("jo dot bloggs at gmail dot com") == REMOVED


def test_only_the_date_of_birth_goes_not_the_words_that_announce_it():
    assert redact("born 03/04/1987") == "born [removed]"
    assert redact("DOB 3 April 1987, lives near HR1") == "DOB [removed], lives near HR1"


def test_card_numbers_are_removed_only_when_they_pass_the_luhn_check():
    assert redact("4111 1111 1111 1111") == REMOVED
    assert redact("4111 1111 1111 1112") != REMOVED


def test_names_are_not_removed_which_is_why_residents_are_asked_to_leave_them_out():
    # A name cannot be told from other words; the forms and the privacy notice say so.
    assert redact("Dave from number 6 is dealing") == "Dave from [removed] is dealing"


# --- Normalising ------------------------------------------------------------------------------------

INVISIBLE = [
    "\x00",  # NUL
    "\x07",  # bell (C0)
    "\x1b",  # escape (C0)
    "\x7f",  # delete
    "\x9b",  # control sequence introducer (C1)
    RLO,
    "\u202d",  # left-to-right override
    "\u2066",  # left-to-right isolate
    "\u2067",  # right-to-left isolate
    "\u2069",  # pop directional isolate
    "\u200e",  # left-to-right mark
    ZWSP,
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    WJ,
    "\ufeff",  # byte-order mark
    SHY,
    "\ufe0f",  # variation selector 16
    "\U000e0100",  # variation selector 17
    "\U000e0041",  # tag latin capital letter A
    "\U000e007f",  # cancel tag
    "\u034f",  # combining grapheme joiner
    "\u3164",  # Hangul filler
]


@pytest.mark.parametrize("character", INVISIBLE)
def test_normalise_strips_control_and_invisible_characters(character):
    assert normalise_text(f"street{character}lights") == "streetlights"


def test_normalise_keeps_newlines_and_tabs_and_gives_every_line_end_one_form():
    assert normalise_text("one\r\ntwo\rthree\u2028four\u2029five\x85six\tseven") == (
        "one\ntwo\nthree\nfour\nfive\nsix\tseven"
    )


def test_normalise_applies_nfkc():
    assert normalise_text("ＨＲ１ ２ＡＢ") == "HR1 2AB"
    assert normalise_text(f"Eign{NBSP}Street") == "Eign Street"
    assert normalise_text("ﬁre") == "fire"
    assert normalise_text("Café") == "Café"  # composed, not stripped


def test_normalise_leaves_ordinary_text_alone():
    text = "Groups hang round the Old Market – it’s worse after 10pm 😟"
    assert normalise_text(text) == text
    assert normalise_text("") == ""


def test_redact_normalises_first():
    assert redact(f"lights{ZWSP} out{RLO}") == "lights out"


def test_a_plain_at_before_a_web_address_is_a_sentence_unless_the_address_is_a_mail_provider():
    assert redact("they were shouting at tesco.com drivers") == "they were shouting at [removed] drivers"
    assert redact("write to jo at hotmail.co.uk") == "write to [removed]"
    assert redact("write to jo at example dot com") == "write to [removed]"
