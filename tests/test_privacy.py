"""Privacy rules: what redaction removes and keeps, small-count suppression, public bands, safe CSVs."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from hcsp_engage.privacy import (
    REMOVED,
    count_band,
    redact,
    safe_cell,
    to_csv_bytes,
)

# (text, what must be gone from the redacted text)
MUST_GO = [
    # Phone numbers: UK mobiles and landlines in the layouts people type.
    ("Call me on 07700 900123 if you need more", "07700 900123"),
    ("my number 07700900123", "07700900123"),
    ("ring 07912 345 678 any time", "07912 345 678"),
    ("text 07912-345-678", "07912-345-678"),
    ("+44 7700 900123 is my mobile", "+44 7700 900123"),
    ("+447912345678", "+447912345678"),
    ("0044 1432 260000", "0044 1432 260000"),
    ("landline 01432 260000", "01432 260000"),
    ("landline (01432) 260 000", "(01432) 260 000"),
    ("Leominster office 01568 612345", "01568 612345"),
    ("London 020 7946 0018", "020 7946 0018"),
    ("+44 (0)1989 562 345 after 6", "1989 562 345"),
    # Emails.
    ("email jo.bloggs@example.com please", "jo.bloggs@example.com"),
    ("Contact: JO+asb@Example.CO.UK.", "JO+asb@Example.CO.UK"),
    # Full postcodes, with or without the space, any case.
    ("I live at HR1 2AB by the shop", "HR1 2AB"),
    ("postcode hr4 9xx", "hr4 9xx"),
    ("HR27QP", "HR27QP"),
    ("near HR9 5AA and HR6 8AB", "HR6 8AB"),
    ("from W1A 1AA", "W1A 1AA"),
    # Vehicle registrations: current, prefix and suffix formats.
    ("a black Golf AB12 CDE keeps racing", "AB12 CDE"),
    ("reg ab12cde", "ab12cde"),
    ("white van KX68 VLT parks on the path", "KX68 VLT"),
    ("old Escort A123 BCD", "A123 BCD"),
    ("P45 KLM parked on verge", "P45 KLM"),
    ("Mini ABC 123D outside", "ABC 123D"),
    ("plate GHJ12K", "GHJ12K"),
    # URLs.
    ("see https://example.com/video?id=1 for proof", "https://example.com/video"),
    ("posted at http://bit.ly/abc", "http://bit.ly/abc"),
    ("www.facebook.com/some.person shows it", "www.facebook.com/some.person"),
    ("on facebook.com/joebloggs too", "facebook.com/joebloggs"),
    # House-number-and-street addresses.
    ("They gather outside 12 Acacia Avenue every night", "12 Acacia Avenue"),
    ("12a High Street", "12a High Street"),
    ("Flat 3, 14 Eign Street has loud music", "Flat 3"),
    ("Flat 3, 14 Eign Street has loud music", "14 Eign Street"),
    ("noise from 7 Mill Lane", "7 Mill Lane"),
    ("lowercase too: 22 acacia avenue", "22 acacia avenue"),
    ("at 5 St Owen Street", "5 St Owen Street"),
    ("outside 41-43 Commercial Road", "41-43 Commercial Road"),
    ("number 8 The Grange Close", "8 The Grange Close"),
    ("at no. 27 Bath Street", "27 Bath Street"),
    ("at 3 Bewell Court", "3 Bewell Court"),
    ("14, Whitecross Road", "14, Whitecross Road"),
]

# (text that must come back unchanged)
MUST_STAY = [
    "It has happened 3 times this week",
    "2 lads on bikes outside the shop",
    "at 10pm most nights, sometimes at 11.30",
    "near HR1 by the bus station",
    "people from HR4 and HR2 come over",
    "Eign Street after the pubs close",
    "on the High Street near the Old Market",
    "Whitecross Road subway",
    "about 20 young people street drinking",
    "cars doing 60 mph road racing",
    "100 yards lane end",
    "2 lads came close to hitting me",
    "3 dogs in the park off the lead",
    "3 cars drive round and round",
    "between 2021 and 2023 it got worse",
    "it was 2 weeks ago, around 9 pm",
    "on the A49 near the roundabout",
    "ON THE A49 AND THE A438",
    "Call 999 in an emergency or 101",
    "about 40 people, 5 or 6 of them drunk",
    "Wye Bridge at 11pm on 12 October",
    "the number 71 bus stop",
    "I am 75 and feel unsafe",
    "Safer Streets 4 cameras",
    "Year 11 pupils from the school",
    "",
]


@pytest.mark.parametrize(("text", "secret"), MUST_GO)
def test_redact_removes_contact_details_and_addresses(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert REMOVED in redacted


@pytest.mark.parametrize("text", MUST_STAY)
def test_redact_keeps_ordinary_text(text):
    assert redact(text) == text


def test_redact_keeps_the_words_around_what_it_removes():
    # The house number goes and the street stays: a street alone is what the report form asks for.
    assert redact("Loud music at 12 Acacia Avenue, call 07700 900123") == (
        "Loud music at [removed] Acacia Avenue, call [removed]"
    )
    assert redact("Flat 3, 14 Eign Street, HR4 0AB") == "[removed] Eign Street, [removed]"


def test_redact_removes_every_kind_in_one_text():
    text = (
        "Car AB12 CDE at 4 Mill Street HR1 2AB, owner jo@example.com 07912 345678 video https://example.com/x"
    )
    redacted = redact(text)
    for secret in ("AB12", "4 Mill Street", "2AB", "jo@", "345678", "example.com/x"):
        assert secret not in redacted
    assert redacted.startswith("Car [removed] at [removed] Mill Street [removed]")


def test_board_counts_have_one_way_out_the_disclosure_layer():
    # The table-by-table suppression helpers are gone: a Board count is published only by a
    # disclosure.Release (docs/disclosure-control.md, tests/test_board_publication.py).
    from hcsp_engage import privacy

    assert not hasattr(privacy, "suppress_count") and not hasattr(privacy, "suppress_table")


@pytest.mark.parametrize(
    ("n", "band"),
    [
        (0, "0"),
        (1, "fewer than 10"),
        (9, "fewer than 10"),
        (10, "10–24"),
        (24, "10–24"),
        (25, "25–49"),
        (49, "25–49"),
        (50, "50–99"),
        (99, "50–99"),
        (100, "100 or more"),
        (5000, "100 or more"),
    ],
)
def test_count_band_shows_the_public_a_band_not_a_number(n, band):
    assert count_band(n) == band


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1,1)", "'@SUM(1,1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        # Past what a spreadsheet or a person pasting skips: line breaks, spaces, invisible characters,
        # and full-width or small forms that NFKC reads as "=", "+", "-" and "@".
        ("\n=1+1", "'\n=1+1"),
        ("\r\n=1+1", "'\r\n=1+1"),
        ("   =1+1", "'   =1+1"),
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff=1+1", "'\ufeff=1+1"),
        ("\u202e=1+1", "'\u202e=1+1"),
        ("\u200b \n\u2060@SUM(A1)", "'\u200b \n\u2060@SUM(A1)"),
        ("＝1+1", "'＝1+1"),
        ("＋1+1", "'＋1+1"),
        ("－1+1", "'－1+1"),
        ("＠SUM(1,1)", "'＠SUM(1,1)"),
        ("﹦1+1", "'﹦1+1"),
        ("\u3000＝HYPERLINK(1)", "'\u3000＝HYPERLINK(1)"),
        ("\tNoise", "'\tNoise"),
        ("-2.7149", "-2.7149"),
        ("+44", "+44"),
        ("-1e-05", "-1e-05"),
        (-1e-05, "-1e-05"),
        ("- litter everywhere", "'- litter everywhere"),
        (" Noise", " Noise"),
        ("\u200bNoise", "\u200bNoise"),
        ("Noise = bad", "Noise = bad"),
        ("", ""),
        ("52.0565", "52.0565"),
        (-3, "-3"),
        ("Noise", "Noise"),
        ("a = b", "a = b"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_safe_cell_neutralises_formulas_but_not_numbers(value, cell):
    assert safe_cell(value) == cell


def test_csv_export_opens_in_excel_without_running_formulas():
    frame = pd.DataFrame(
        {
            "report_id": ["R-ABCDEFGH", "R-JKMNPQRS"],
            "description": ["=1+1", "Shouting, 10pm–2am"],
            "lon": [-2.7, -2.6],
        }
    )
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark makes Excel read UTF-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["report_id", "description", "lon"],
        ["R-ABCDEFGH", "'=1+1", "-2.7"],
        ["R-JKMNPQRS", "Shouting, 10pm–2am", "-2.6"],
    ]


def test_csv_export_of_an_empty_table_has_its_header():
    data = to_csv_bytes(pd.DataFrame(columns=["a", "b"]))
    assert data.decode("utf-8-sig") == '"a","b"\r\n'


def test_csv_export_quotes_every_cell_so_separators_and_quotes_stay_inside_it():
    frame = pd.DataFrame(
        {
            "description": ["Noise; shouting", 'He said "move", then left', "line one\nline two", "plain"],
            "lon": [-2.7149, -2.6, 52.0, 0.0],
        }
    )
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines()[1] == '"Noise; shouting","-2.7149"'
    assert '"He said ""move"", then left"' in text
    for delimiter in (",", ";"):  # Excel in a locale whose list separator is ";" still sees one cell
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert rows[1][0].strip('"').startswith("Noise; shouting"), delimiter
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == frame["description"].tolist()
    assert [row[1] for row in rows[1:]] == ["-2.7149", "-2.6", "52.0", "0.0"]


def test_csv_export_neutralises_formulas_hidden_behind_invisible_or_full_width_characters():
    frame = pd.DataFrame({"description": ["\n=cmd|' /C calc'!A0", "＝1+1", "\u200b=1+1", "  @SUM(1)"]})
    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"))))
    assert all(row[0].startswith("'") for row in rows[1:])
