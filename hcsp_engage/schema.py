"""The stored tables and the answer choices (docs/design.md sections 3, 4 and 5: contract).

Column names, their order and every choice's wording are fixed: the Partnership's own spreadsheets and
acceptance checks read them. The resident's choices are marked ``N_`` for translation: a page shows them
in the resident's language (``format_func``) and stores them as written here (docs/languages.md). Add a column only at the end of a table, with a new SCHEMA_VERSION.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:  # noqa: N802
    """Marks an answer for translation (as ``hcsp_engage.i18n.N_``, which imports this module)."""
    return message


SCHEMA_VERSION = "2"  # 2: `language` added at the end of survey_responses and asb_reports

SURVEY_RESPONSES = "survey_responses"
ASB_REPORTS = "asb_reports"
REPORT_STATUS = "report_status"
INTERVENTIONS = "interventions"

COLUMNS: dict[str, tuple[str, ...]] = {
    SURVEY_RESPONSES: (
        "response_id",
        "submitted_at",
        "schema_version",
        "area",
        "postcode_district",
        "safe_day",
        "safe_after_dark",
        "unsafe_lat",
        "unsafe_lon",
        "unsafe_place",
        "unsafe_reasons",
        "safer_measures",
        "noticed_changes",
        "changes_effect",
        "top_concerns",
        "age_band",
        "gender",
        "disability",
        "comments",
        "language",
    ),
    ASB_REPORTS: (
        "report_id",
        "submitted_at",
        "schema_version",
        "category",
        "asb_group",
        "area",
        "lat",
        "lon",
        "place",
        "location_detail",
        "occurred_on",
        "time_of_day",
        "frequency",
        "impact",
        "told",
        "incidents_reported_6m",
        "description",
        "language",
    ),
    REPORT_STATUS: ("report_id", "status", "note", "updated_at", "updated_by"),
    INTERVENTIONS: (
        "intervention_id",
        "scheme",
        "kind",
        "area",
        "title",
        "lat",
        "lon",
        "location_precision",
        "started_on",
        "status",
        "public",
        "description",
        "updated_at",
        "updated_by",
    ),
}

TABLES: tuple[str, ...] = tuple(COLUMNS)

# The id column of each table. Survey responses and reports are written once; status changes and
# interventions are events: many rows per id, the latest (by updated_at, then row order) wins.
ID_COLUMN = {
    SURVEY_RESPONSES: "response_id",
    ASB_REPORTS: "report_id",
    REPORT_STATUS: "report_id",
    INTERVENTIONS: "intervention_id",
}
EVENT_TABLES = frozenset({REPORT_STATUS, INTERVENTIONS})

LIST_SEPARATOR = "; "

# The languages a resident can answer in (docs/languages.md), stored as these codes; answers themselves are
# always stored in the English wording above. Rows written before the column existed read as English.
LANGUAGES = ("en", "pl", "ro", "bg")
DEFAULT_LANGUAGE = "en"

# What an empty cell of a column added later reads as (docs/design.md section 5): a row written before the
# column existed (or queued in the outbox, or appended by an older server still running) left it empty.
READ_DEFAULTS: dict[str, dict[str, str]] = {
    SURVEY_RESPONSES: {"language": DEFAULT_LANGUAGE},
    ASB_REPORTS: {"language": DEFAULT_LANGUAGE},
}


def row_key(table: str, row: Mapping[str, str]) -> str:
    """The key that makes a write idempotent: writing a row whose key is already stored is a no-op.

    A response or report is one row per id. An event row (a status change, an intervention edit) is
    identified by all of its values, so the same edit sent twice is stored once while two different
    edits made in the same second are both kept.
    """
    if table in EVENT_TABLES:
        return "\x1f".join(str(row.get(column, "")) for column in COLUMNS[table])
    return str(row.get(ID_COLUMN[table], ""))


# --- Survey choices (docs/design.md section 3) -------------------------------------------------------------

AREAS = (
    "Hereford",
    "Leominster",
    "Ross-on-Wye",
    N_("Elsewhere in Herefordshire"),
    N_("Outside Herefordshire"),
)
REPORT_AREAS = AREAS[:4]
TOWNS = AREAS[:3]

SAFETY_SCALE = (
    N_("Very safe"),
    N_("Fairly safe"),
    N_("Neither safe nor unsafe"),
    N_("Fairly unsafe"),
    N_("Very unsafe"),
    N_("Don't know"),
)
SAFE_ANSWERS = frozenset({"Very safe", "Fairly safe"})
UNSAFE_ANSWERS = frozenset({"Fairly unsafe", "Very unsafe"})

UNSAFE_REASONS = (
    N_("Poor or no street lighting"),
    N_("No CCTV"),
    N_("Isolated or empty place"),
    N_("Blind spots or hidden areas"),
    N_("Overgrown trees or bushes"),
    N_("Rundown area (graffiti, fly-tipping, derelict buildings)"),
    N_("Signs of drug or alcohol use"),
    N_("Groups hanging around"),
    N_("Verbal harassment"),
    N_("Being followed"),
    N_("Other"),
)
SAFER_MEASURES = (
    N_("Better lighting"),
    N_("CCTV"),
    N_("Police patrols"),
    N_("Street pastors or wardens"),
    N_("Cutting back trees and bushes"),
    N_("Activities for young people"),
    N_("Cleaner streets"),
    N_("Other"),
)
NOTICED_CHANGES = (
    N_("New CCTV cameras"),
    N_("Better street lighting"),
    N_("Trees and bushes cut back"),
    N_("Street pastors or night-time volunteers"),
    N_("None of these"),
)
CHANGES_EFFECT = (N_("More safe"), N_("No different"), N_("Less safe"), N_("I have not noticed any changes"))
TOP_CONCERNS = (
    N_("Anti-social behaviour"),
    N_("Drug dealing or drug use"),
    N_("Burglary"),
    N_("Vehicle crime"),
    N_("Shoplifting"),
    N_("Violence against women and girls"),
    N_("Domestic abuse"),
    N_("Hate crime"),
    N_("County lines and exploitation"),
    N_("Speeding and dangerous driving"),
)
MAX_TOP_CONCERNS = 3
PREFER_NOT_TO_SAY = N_("Prefer not to say")
AGE_BANDS = ("16–24", "25–34", "35–44", "45–54", "55–64", "65–74", "75+", PREFER_NOT_TO_SAY)
GENDERS = (N_("Woman"), N_("Man"), N_("Non-binary"), N_("Prefer to self-describe"), PREFER_NOT_TO_SAY)
DISABILITY = (N_("Yes"), N_("No"), PREFER_NOT_TO_SAY)
MAX_FREE_TEXT = 1000

# --- ASB report choices (docs/design.md section 4) ---------------------------------------------------------

TIMES_OF_DAY = (
    N_("Morning 6am–12pm"),
    N_("Afternoon 12pm–6pm"),
    N_("Evening 6pm–10pm"),
    N_("Night 10pm–6am"),
)
FREQUENCIES = (N_("Just once"), N_("A few times"), N_("Every week"), N_("Every day or almost"))
IMPACTS = (N_("Not at all"), N_("A little"), N_("A fair amount"), N_("A great deal"))
TOLD = (N_("Police"), N_("Council"), N_("Housing provider"), N_("Nobody yet"))
INCIDENTS_REPORTED_6M = ("0", "1", "2", N_("3 or more"))
MAX_LOCATION_DETAIL = 120

# --- Staff records (docs/design.md section 5) ---------------------------------------------------------------

REPORT_STATUSES = (
    "New",
    "Reviewed",
    "Referred to MATAC",
    "Action taken",
    "Closed (no further action)",
)
SCHEMES = ("Safer Streets 3", "Safer Streets 4", "Safer Streets 5", "Other")
# Kinds and statuses are shown to residents on the community map ("You said, we did"), so translated there.
INTERVENTION_KINDS = (
    N_("CCTV"),
    N_("Street lighting"),
    N_("Vegetation clearance"),
    N_("Street pastors or guardians"),
    N_("Education and awareness"),
    N_("Other"),
)
LOCATION_PRECISIONS = ("exact", "approximate", "area")
INTERVENTION_STATUSES = (N_("Planned"), N_("In progress"), N_("Completed"), N_("Withdrawn"))
MAX_NOTE = 500
MAX_TITLE = 120
