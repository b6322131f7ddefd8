"""The four kinds of record, their validation and their stored rows (docs/design.md section 5).

Each ``validate_*`` function returns every problem as a (field, message) pair, written for the person
who filled in the form, so a page can show each message beside its field. The messages a resident can
see are marked for translation (``N_``, or ``i18n.Message`` when they carry a value) and read as English
here; the page translates them as it shows them (docs/languages.md). ``*_row`` functions turn a
valid record into the stored row: text only, lists joined with "; ", coordinates to 4 decimal places,
free text redacted. Free text is normalised when a record is made (``privacy.normalise_text``: NFKC, no
control or invisible characters), so its length is checked and its details redacted on what will be
stored; redaction happens here, on the way to storage, so no caller can forget either.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from hcsp_engage import reference, schema
from hcsp_engage.i18n import N_, Message
from hcsp_engage.privacy import normalise_text, redact
from hcsp_engage.reference import geography

Problems = list[tuple[str, str]]

# Reference codes avoid characters people confuse when reading them out: 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 8
REFERENCE_PATTERN = re.compile(rf"^[SRI]-[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}$")


def new_reference(prefix: str) -> str:
    """A fresh reference such as ``S-7KQ4M2XD`` (S survey, R report, I intervention)."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{prefix}-{body}"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso_utc(moment: datetime) -> str:
    """``2026-11-28T23:48:50Z``: ISO 8601 in UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _join(values: Sequence[str]) -> str:
    return schema.LIST_SEPARATOR.join(values)


def _normalise(record: object, *fields: str) -> None:
    """Normalise a frozen record's free-text fields in place (called from ``__post_init__``)."""
    for name in fields:
        object.__setattr__(record, name, normalise_text(getattr(record, name)))


def _language(code: str) -> str:
    """The stored language code: one the app offers, else English (a page in a test locale stores English)."""
    return code if code in schema.LANGUAGES else schema.DEFAULT_LANGUAGE


def optional_float(text: str) -> float | None:
    """A stored number read back: blank text is no number (an optional coordinate left out)."""
    return float(text) if str(text).strip() else None


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{geography.round_coordinate(value):.4f}"


# --- ASB categories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsbCategory:
    name: str
    group: str
    explanation: str
    mapped_publicly: bool


@cache
def asb_categories() -> tuple[AsbCategory, ...]:
    """The seed list of ASB categories, grouped as police.uk groups them."""
    return tuple(
        AsbCategory(row["category"], row["asb_group"], row["explanation"], row["mapped_publicly"] == "yes")
        for row in reference.read_csv("asb_categories.csv")
    )


def asb_category(name: str) -> AsbCategory | None:
    return next((category for category in asb_categories() if category.name == name), None)


# --- Postcodes -------------------------------------------------------------------------------------

# A UK outward code (district): HR1, HR9, W1A, EC1V, B33 ...
_DISTRICT = r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
_DISTRICT_ONLY = re.compile(rf"^{_DISTRICT}$")
_FULL_POSTCODE = re.compile(rf"^({_DISTRICT})\s*[0-9][ABD-HJLNP-UW-Z]{{2}}$")


def postcode_district(text: str) -> str | None:
    """The district part of a postcode ('hr1 2ab' -> 'HR1'); None when it is not a postcode."""
    cleaned = re.sub(r"\s+", " ", text.strip().upper())
    if not cleaned:
        return ""
    if _DISTRICT_ONLY.match(cleaned):
        return cleaned
    match = _FULL_POSTCODE.match(cleaned)
    return match.group(1) if match else None


# --- Shared checks ---------------------------------------------------------------------------------


def _choice(problems: Problems, field_name: str, value: str, allowed: Sequence[str], message: str) -> None:
    if value not in allowed:
        problems.append((field_name, message))


def _choices(problems: Problems, field_name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        problems.append(
            (
                field_name,
                Message("Choose from the list shown ({answer} is not one of them).", answer=repr(unknown[0])),
            )
        )
    if len(set(values)) != len(values):
        problems.append((field_name, N_("Each answer can be chosen only once.")))


def _text(problems: Problems, field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        problems.append(
            (
                field_name,
                Message(
                    "Please shorten this to {limit} characters or fewer (it is {length}).",
                    limit=limit,
                    length=len(value),
                ),
            )
        )


def _pin(problems: Problems, field_name: str, lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        problems.append((field_name, N_("The pin is missing a coordinate. Drop it on the map again.")))
    elif lat is not None and lon is not None and not geography.in_herefordshire(lat, lon):
        problems.append(
            (
                field_name,
                N_(
                    "That point is outside Herefordshire. Put the pin inside the county, or pick a place from "
                    "the list."
                ),
            )
        )


def _exclusive(problems: Problems, field_name: str, values: Sequence[str], only: str) -> None:
    if only in values and len(values) > 1:
        problems.append(
            (
                field_name,
                Message("'{answer}' cannot be chosen together with other answers.", answer=Message(only)),
            )
        )


# --- Survey responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyResponse:
    response_id: str
    submitted_at: datetime
    area: str
    safe_day: str
    safe_after_dark: str
    postcode_district: str = ""
    unsafe_lat: float | None = None
    unsafe_lon: float | None = None
    unsafe_place: str = ""
    unsafe_reasons: tuple[str, ...] = ()
    safer_measures: tuple[str, ...] = ()
    noticed_changes: tuple[str, ...] = ()
    changes_effect: str = ""
    top_concerns: tuple[str, ...] = ()
    age_band: str = ""
    gender: str = ""
    disability: str = ""
    comments: str = ""
    language: str = schema.DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        _normalise(self, "postcode_district", "comments")


def validate_survey(response: SurveyResponse) -> Problems:
    problems: Problems = []
    if not REFERENCE_PATTERN.match(response.response_id) or not response.response_id.startswith("S-"):
        problems.append(("response_id", N_("This form has expired. Reload the page to start again.")))
    _choice(problems, "area", response.area, schema.AREAS, N_("Choose the area you live in."))
    if postcode_district(response.postcode_district) is None:
        problems.append(
            ("postcode_district", N_("Enter the first part of a postcode, like HR1, or leave this blank."))
        )
    _choice(
        problems,
        "safe_day",
        response.safe_day,
        schema.SAFETY_SCALE,
        N_("Choose how safe you feel during the day (or Don't know)."),
    )
    _choice(
        problems,
        "safe_after_dark",
        response.safe_after_dark,
        schema.SAFETY_SCALE,
        N_("Choose how safe you feel after dark (or Don't know)."),
    )
    _pin(problems, "unsafe_location", response.unsafe_lat, response.unsafe_lon)
    if response.unsafe_lat is not None and response.unsafe_place:
        problems.append(("unsafe_location", N_("Use either the map pin or a place from the list, not both.")))
    if response.unsafe_place and geography.place_named(response.unsafe_place) is None:
        problems.append(("unsafe_location", N_("Choose a place from the list.")))
    _choices(problems, "unsafe_reasons", response.unsafe_reasons, schema.UNSAFE_REASONS)
    _choices(problems, "safer_measures", response.safer_measures, schema.SAFER_MEASURES)
    _choices(problems, "noticed_changes", response.noticed_changes, schema.NOTICED_CHANGES)
    _exclusive(problems, "noticed_changes", response.noticed_changes, "None of these")
    if response.changes_effect:
        _choice(
            problems,
            "changes_effect",
            response.changes_effect,
            schema.CHANGES_EFFECT,
            N_("Choose one answer."),
        )
    _choices(problems, "top_concerns", response.top_concerns, schema.TOP_CONCERNS)
    if len(response.top_concerns) > schema.MAX_TOP_CONCERNS:
        problems.append(
            ("top_concerns", Message("Choose up to {limit} concerns.", limit=schema.MAX_TOP_CONCERNS))
        )
    for name, value, allowed in (
        ("age_band", response.age_band, schema.AGE_BANDS),
        ("gender", response.gender, schema.GENDERS),
        ("disability", response.disability, schema.DISABILITY),
    ):
        if value:
            _choice(problems, name, value, allowed, N_("Choose one answer, or leave this blank."))
    _text(problems, "comments", response.comments, schema.MAX_FREE_TEXT)
    return problems


def survey_row(response: SurveyResponse) -> dict[str, str]:
    return {
        "response_id": response.response_id,
        "submitted_at": iso_utc(response.submitted_at),
        "schema_version": schema.SCHEMA_VERSION,
        "area": response.area,
        "postcode_district": postcode_district(response.postcode_district) or "",
        "safe_day": response.safe_day,
        "safe_after_dark": response.safe_after_dark,
        "unsafe_lat": _coordinate(response.unsafe_lat),
        "unsafe_lon": _coordinate(response.unsafe_lon),
        "unsafe_place": response.unsafe_place,
        "unsafe_reasons": _join(response.unsafe_reasons),
        "safer_measures": _join(response.safer_measures),
        "noticed_changes": _join(response.noticed_changes),
        "changes_effect": response.changes_effect,
        "top_concerns": _join(response.top_concerns),
        "age_band": response.age_band,
        "gender": response.gender,
        "disability": response.disability,
        "comments": redact(response.comments.strip()),
        "language": _language(response.language),
    }


# --- ASB reports -----------------------------------------------------------------------------------

MAX_REPORT_AGE = timedelta(days=365)


@dataclass(frozen=True)
class AsbReport:
    report_id: str
    submitted_at: datetime
    category: str
    area: str
    occurred_on: date | None
    time_of_day: str
    frequency: str
    impact: str
    told: tuple[str, ...]
    incidents_reported_6m: str
    lat: float | None = None
    lon: float | None = None
    place: str = ""
    location_detail: str = ""
    description: str = ""
    language: str = schema.DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        _normalise(self, "location_detail", "description")

    @property
    def asb_group(self) -> str:
        category = asb_category(self.category)
        return category.group if category else ""


def validate_report(report: AsbReport, today: date | None = None) -> Problems:
    today = today or report.submitted_at.date()
    problems: Problems = []
    if not REFERENCE_PATTERN.match(report.report_id) or not report.report_id.startswith("R-"):
        problems.append(("report_id", N_("This form has expired. Reload the page to start again.")))
    if asb_category(report.category) is None:
        problems.append(("category", N_("Choose what the problem is.")))
    _choice(problems, "area", report.area, schema.REPORT_AREAS, N_("Choose which area it is in."))
    if report.lat is None and report.lon is None and not report.place:
        problems.append(
            (
                "location",
                N_("Show where it is happening: drop a pin on the map or pick a place from the list."),
            )
        )
    _pin(problems, "location", report.lat, report.lon)
    if report.lat is not None and report.place:
        problems.append(("location", N_("Use either the map pin or a place from the list, not both.")))
    if report.place:
        place = geography.place_named(report.place)
        if place is None or place.area != report.area:
            problems.append(
                (
                    "location",
                    Message(
                        "Choose a place in {area} from the list.",
                        # The area as the page shows it ("Elsewhere in Herefordshire" is translated).
                        area=Message(report.area)
                        if report.area in schema.REPORT_AREAS
                        else Message("the area you chose"),
                    ),
                )
            )
    _text(problems, "location_detail", report.location_detail, schema.MAX_LOCATION_DETAIL)
    if report.occurred_on is None:
        problems.append(("occurred_on", N_("Enter the date it last happened.")))
    elif report.occurred_on > today:
        problems.append(("occurred_on", N_("The date cannot be in the future.")))
    elif today - report.occurred_on > MAX_REPORT_AGE:
        problems.append(
            (
                "occurred_on",
                N_("The date must be within the last 12 months. For older problems, contact the council."),
            )
        )
    _choice(
        problems,
        "time_of_day",
        report.time_of_day,
        schema.TIMES_OF_DAY,
        N_("Choose the time of day it usually happens."),
    )
    _choice(problems, "frequency", report.frequency, schema.FREQUENCIES, N_("Choose how often it happens."))
    _choice(problems, "impact", report.impact, schema.IMPACTS, N_("Choose how much it affects you."))
    if not report.told:
        problems.append(("told", N_("Choose who you have told, or 'Nobody yet'.")))
    _choices(problems, "told", report.told, schema.TOLD)
    _exclusive(problems, "told", report.told, "Nobody yet")
    _choice(
        problems,
        "incidents_reported_6m",
        report.incidents_reported_6m,
        schema.INCIDENTS_REPORTED_6M,
        N_("Choose how many separate incidents you have reported in the last six months."),
    )
    _text(problems, "description", report.description, schema.MAX_FREE_TEXT)
    return problems


def report_row(report: AsbReport) -> dict[str, str]:
    return {
        "report_id": report.report_id,
        "submitted_at": iso_utc(report.submitted_at),
        "schema_version": schema.SCHEMA_VERSION,
        "category": report.category,
        "asb_group": report.asb_group,
        "area": report.area,
        "lat": _coordinate(report.lat),
        "lon": _coordinate(report.lon),
        "place": report.place,
        "location_detail": redact(report.location_detail.strip()),
        "occurred_on": report.occurred_on.isoformat() if report.occurred_on else "",
        "time_of_day": report.time_of_day,
        "frequency": report.frequency,
        "impact": report.impact,
        "told": _join(report.told),
        "incidents_reported_6m": report.incidents_reported_6m,
        "description": redact(report.description.strip()),
        "language": _language(report.language),
    }


def meets_community_trigger(incidents_reported_6m: str, threshold: int) -> bool:
    """True when the resident says they reported at least ``threshold`` separate incidents."""
    if incidents_reported_6m == "3 or more":
        return threshold <= 3
    return incidents_reported_6m.isdigit() and int(incidents_reported_6m) >= threshold


# --- Report status changes -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    report_id: str
    status: str
    note: str
    updated_at: datetime
    updated_by: str

    def __post_init__(self) -> None:
        _normalise(self, "note")


def validate_status_change(change: StatusChange) -> Problems:
    problems: Problems = []
    if not change.report_id.startswith("R-"):
        problems.append(("report_id", "Choose a report."))
    _choice(problems, "status", change.status, schema.REPORT_STATUSES, "Choose a status.")
    _text(problems, "note", change.note, schema.MAX_NOTE)
    if not change.updated_by.strip():
        problems.append(("updated_by", "Sign in again: the change needs to say who made it."))
    return problems


def status_row(change: StatusChange) -> dict[str, str]:
    return {
        "report_id": change.report_id,
        "status": change.status,
        "note": redact(change.note.strip()),
        "updated_at": iso_utc(change.updated_at),
        "updated_by": change.updated_by,
    }


# --- Interventions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    intervention_id: str
    scheme: str
    kind: str
    area: str
    title: str
    location_precision: str
    status: str
    public: bool
    updated_at: datetime
    updated_by: str
    lat: float | None = None
    lon: float | None = None
    started_on: date | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _normalise(self, "title", "description")


def validate_intervention(intervention: Intervention, today: date | None = None) -> Problems:
    today = today or intervention.updated_at.date()
    problems: Problems = []
    if not intervention.intervention_id.strip():
        problems.append(("intervention_id", "The intervention needs an id."))
    _choice(problems, "scheme", intervention.scheme, schema.SCHEMES, "Choose the scheme.")
    _choice(problems, "kind", intervention.kind, schema.INTERVENTION_KINDS, "Choose what kind of work it is.")
    _choice(problems, "area", intervention.area, schema.REPORT_AREAS, "Choose the area.")
    if not intervention.title.strip():
        problems.append(("title", "Give the intervention a short title."))
    _text(problems, "title", intervention.title, schema.MAX_TITLE)
    _pin(problems, "location", intervention.lat, intervention.lon)
    _choice(
        problems,
        "location_precision",
        intervention.location_precision,
        schema.LOCATION_PRECISIONS,
        "Choose how exact the location is.",
    )
    if intervention.location_precision in {"exact", "approximate"} and intervention.lat is None:
        problems.append(("location", "An exact or approximate location needs a point on the map."))
    if intervention.started_on and intervention.started_on > today + timedelta(days=366):
        problems.append(("started_on", "The start date is more than a year away: check the year."))
    _choice(problems, "status", intervention.status, schema.INTERVENTION_STATUSES, "Choose a status.")
    _text(problems, "description", intervention.description, schema.MAX_FREE_TEXT)
    if not intervention.updated_by.strip():
        problems.append(("updated_by", "Sign in again: the change needs to say who made it."))
    return problems


def intervention_row(intervention: Intervention) -> dict[str, str]:
    return {
        "intervention_id": intervention.intervention_id,
        "scheme": intervention.scheme,
        "kind": intervention.kind,
        "area": intervention.area,
        "title": intervention.title.strip(),
        "lat": _coordinate(intervention.lat),
        "lon": _coordinate(intervention.lon),
        "location_precision": intervention.location_precision,
        "started_on": intervention.started_on.isoformat() if intervention.started_on else "",
        "status": intervention.status,
        "public": "yes" if intervention.public else "no",
        # Staff write intervention text for the public; it is not redacted (a street name is the point).
        "description": intervention.description.strip(),
        "updated_at": iso_utc(intervention.updated_at),
        "updated_by": intervention.updated_by,
    }
