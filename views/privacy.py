"""Privacy notice: what HCSP Engage collects, why, who sees it and for how long (docs/design.md section 7).

One message per paragraph, heading or list item (docs/languages.md), its figures as named placeholders.
"""

import streamlit as st

from hcsp_engage.i18n import Message
from hcsp_engage.web import cached, ui
from hcsp_engage.web.lang import _

ui.public_page(_("Privacy notice"), mentions_domestic_abuse=True)
current = cached.settings()

blocks = [
    _(
        "This notice explains what happens to your answers when you use HCSP Engage, the community safety "
        "survey and concern-reporting service of the **Herefordshire Community Safety Partnership** (HCSP)."
    ),
    "## " + _("Who is responsible"),
    _(
        "Herefordshire Council runs HCSP Engage for the Partnership and is the **data controller**. The "
        "other partners (West Mercia Police, Hereford and Worcester Fire and Rescue Service, NHS Herefordshire "
        "and Worcestershire Integrated Care Board and the Probation Service) see only the summaries described "
        "below."
    ),
    "## " + _("What we collect"),
    "- "
    + _(
        "**The safety survey**: the area you live in, the first part of your postcode (like HR1; a full "
        "postcode is cut down before it is kept), how safe you feel, a place where you feel unsafe (a point "
        "on the map or a named place), why, what would help, changes you have noticed, your main concerns, "
        "and, only if you choose to answer, your age band, gender and whether you have a disability."
    ),
    "- "
    + _(
        "**A concern report**: what the problem is, where (a point on the map or a named place, and a street "
        "or landmark if you give one), when and how often it happens, how much it affects you, who you have "
        "told, and how many incidents you have reported."
    ),
    "- "
    + _(
        "**What you write in the free-text boxes.** Before it is stored we remove phone numbers, email "
        "addresses, web links and social media names, full postcodes, number plates, house numbers (the "
        "street name is kept), dates of birth, and National Insurance, bank and card numbers: they become "
        "`[removed]`. **We cannot remove names**, because a computer cannot tell a name from other words, so "
        "please leave out everyone's name, your own too."
    ),
    "- "
    + _(
        "**The date and time** you sent your answers, and a **reference** (like S-7KQ4M2XD) so you can "
        "mention them later."
    ),
    _(
        Message(
            "We **do not** ask for your name, email, phone number or full postcode, and you do not need an "
            "account. Your network (IP) address is held in the server's memory for up to {minutes} minutes to "
            "stop the forms being flooded (an address from which someone typed a wrong staff passcode, for up "
            "to an hour); it is never stored with your answers. When the service runs on PostgreSQL these "
            "counts are kept in its database for the same times, then deleted.",
            minutes=current.submission_window_seconds // 60,
        )
    ),
    "## " + _("Why, and our lawful basis"),
    _(
        "The Partnership has a legal duty to work together to reduce crime, disorder and anti-social "
        "behaviour (Crime and Disorder Act 1998, section 6). We use your answers to see where people feel "
        "unsafe, where anti-social behaviour keeps happening, and whether changes such as new CCTV or street "
        "lighting help. Our lawful basis is **public task** (UK GDPR Article 6(1)(e)). The optional questions "
        "about disability are special category data; we use them only to check whether everyone feels "
        "equally safe (UK GDPR Article 9(2)(g) and the Data Protection Act 2018, Schedule 1, paragraph 8: "
        "equality of opportunity)."
    ),
    "## " + _("Who sees what"),
    "- "
    + _(
        "**Community safety officers** (signed in) see individual survey answers and reports, with the free "
        "text already redacted, to plan patrols and prepare the monthly MATAC meeting."
    ),
    "- "
    + _(
        Message(
            '**Board members** (signed in) see totals only; any count below {count} is shown as "fewer than '
            '{count}".',
            count=current.board_min_count,
        )
    ),
    "- "
    + _(
        Message(
            "**The public** sees the community map: only areas (hexagons) with at least {count} reports, with "
            "counts in bands and dates by month. Free text is never shown publicly, and personal anti-social "
            "behaviour (such as harassment) and domestic abuse are never mapped.",
            count=current.public_min_reports,
        )
    ),
    _(
        "**This service is not monitored in real time and is not a way to report a crime.** Nobody will "
        "contact you about your answers."
    ),
    "## " + _("Where it is kept and for how long"),
    _(
        "Answers are stored in the Partnership's Google Sheets spreadsheet (Google acts as our processor, "
        "under contract, in line with UK data protection law) or in the service's own database. We keep "
        "survey answers and reports for **three years** (the life of the HCSP Strategy 2024/27 plus the "
        "following year's review), then delete them. Published summaries contain no personal information and "
        "may be kept longer."
    ),
    "## " + _("Cookies and other sites"),
    _(
        "We use no advertising or tracking cookies and no analytics. The service keeps a connection open "
        "while you use it so the page can respond. The maps' own files come from this service. If you choose "
        "to use the map, the map pictures (tiles) are fetched from the tile server the Partnership has chosen "
        "(OpenStreetMap's unless it says otherwise), which sees your network address as for any web page. The "
        "**Exit this page** button takes you to the BBC weather page."
    ),
    _(
        "The language you choose is kept in the page's address (for example ?lang=pl) and with your answers, "
        "so the Partnership can see whether every community is heard. It says nothing else about you."
    ),
    "## " + _("Your rights and questions"),
    _(
        "You can ask what we hold about you, and ask us to correct or delete it. Because we do not know who "
        "you are, quote the reference shown when you sent your answers. You can also object to our use of "
        "your answers. Contact Herefordshire Council's Data Protection Officer through "
        '[herefordshire.gov.uk](https://www.herefordshire.gov.uk) (search for "data protection"), or write '
        "to Herefordshire Council, Plough Lane, Hereford, HR4 0LE."
    ),
    _(
        "If you are unhappy with how we have used your information you can complain to the Information "
        "Commissioner's Office: [ico.org.uk](https://ico.org.uk), 0303 123 1113."
    ),
]
# No invisible "Link to heading" tab stops on the section headings.
st.markdown("\n\n".join(blocks), anchors=False)
