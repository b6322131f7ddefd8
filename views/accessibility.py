"""Accessibility statement for HCSP Engage (WCAG 2.2 AA status and known gaps).

One message per paragraph, heading or list item (docs/languages.md).
"""

from datetime import date

import streamlit as st

from hcsp_engage import i18n
from hcsp_engage.i18n import Message
from hcsp_engage.web import lang, ui
from hcsp_engage.web.lang import _

BUILT, REVIEWED = date(2026, 11, 1), date(2026, 12, 3)

ui.public_page(_("Accessibility statement"))

blocks = [
    _(
        "This statement covers HCSP Engage: the safety survey, the concern report, the community map, and "
        "these information pages. Herefordshire Council runs it for the Herefordshire Community Safety "
        "Partnership."
    ),
    _("We want as many people as possible to be able to use it. You should be able to:"),
    "- " + _("zoom in and use it on a phone-sized screen;"),
    "- "
    + _(
        "read and answer every page in English, Polish (polski), Romanian (română) or Bulgarian "
        "(български): choose the language at the top of any page, and it stays chosen as you move between "
        "pages; a link with ?lang=pl, ?lang=ro or ?lang=bg opens that language straight away;"
    ),
    "- "
    + _(
        "fill in the survey and the report with a keyboard or a screen reader: every question that uses the "
        "map can also be answered by **choosing a named place from a list**, or skipped in the survey;"
    ),
    "- "
    + _(
        "leave quickly with the **Exit this page** button (or by pressing the Shift key three times on its "
        "own; going back with Shift and Tab does not count);"
    ),
    "- "
    + _(
        'hear each group of tick boxes announced with its question, for example "Why do you feel unsafe '
        'there?", and each question with one answer announced as a group of options named by its question;'
    ),
    "- "
    + _(
        'fix any problem after pressing the submit button: a box headed "There is a problem" appears at the '
        'top of the form and takes the keyboard focus, the page title starts with "Error:", each problem in '
        "the box is a link that moves you to its question, and each error message is also shown next to its "
        "question;"
    ),
    "- "
    + _(
        "pick the date in the concern report from a calendar that offers only the last 12 months, up to "
        "today."
    ),
    "## " + _("How accessible this service is"),
    _(
        "We aim to meet the Web Content Accessibility Guidelines (**WCAG) version 2.2 at level AA**. It "
        "**partially meets** them. We test each public page with the axe-core checker, and the survey and "
        "the report with a keyboard alone (no mouse), on a phone-sized and a desktop-sized screen. The "
        "checker finds no problem of any level on the survey and the report. These are the parts we know are "
        "not fully accessible:"
    ),
    "- "
    + _(
        "**The map** cannot be used with a keyboard or a screen reader (WCAG 2.1.1 Keyboard). Use the list of "
        "named places instead; it gives the same answer."
    ),
    "- "
    + _(
        "**Groups of tick boxes** are named groups rather than a fieldset with a legend, because the software "
        "we build on (Streamlit) does not offer one. The group's name and hint are added by a small script "
        "in the page, so they are there only when JavaScript runs (the whole service needs JavaScript)."
    ),
    "- "
    + _(
        '**The date field** does not stop you typing a day outside the last 12 months: it shows "Date set '
        'outside allowed range" and keeps no date until you correct it.'
    ),
    "- "
    + _("**The character counter** for the free-text boxes updates when you leave the box, not as you type."),
    "- "
    + _(
        "**Other languages**: the Polish, Romanian and Bulgarian versions are new and are being checked by "
        "native speakers. Some messages from Streamlit itself (such as the date field's) and the place names "
        "stay in English. The page's language is set by a small script, so a screen reader that reads the "
        "page before it runs may start in English."
    ),
    "- "
    + _(
        "Some parts of the page come from Streamlit itself; problems the checker finds there are listed in "
        "our accessibility notes and reported to Streamlit."
    ),
    "## " + _("What to do if you cannot use part of this service"),
    _(
        "If you need the survey or the report in another format, such as a paper copy, large print or by "
        "phone, or in a language not offered here, or something does not work for you, contact Herefordshire "
        "Council's community safety team through [herefordshire.gov.uk](https://www.herefordshire.gov.uk) or "
        "write to Herefordshire Council, Plough Lane, Hereford, HR4 0LE. Tell us the page, what you were "
        "trying to do and what went wrong. We aim to reply within 10 working days."
    ),
    "## " + _("Enforcement"),
    _(
        "The Equality and Human Rights Commission (EHRC) enforces the Public Sector Bodies (Websites and "
        "Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how we respond "
        "to your complaint, contact the [Equality Advisory and Support Service "
        "(EASS)](https://www.equalityadvisoryservice.com)."
    ),
    "## " + _("Preparation of this statement"),
    _(
        Message(
            "This statement was prepared when the service was built, in {built}, and last reviewed on "
            "{reviewed}. It is reviewed whenever the service changes.",
            built=i18n.month_year(BUILT, lang.current()),
            reviewed=i18n.long_date(REVIEWED, lang.current()),
        )
    ),
]
# No invisible "Link to heading" tab stops on the section headings.
st.markdown("\n\n".join(blocks), anchors=False)
