"""Shared by the staff-page tests: sign-in secrets, a store holding distinctive records, and everything
an AppTest run shows, as one string."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from hcsp_engage import config, schema, security, storage, synthetic
from tests.rows import status_row

OFFICER_PASSCODE = "officer passcode 4471"
BOARD_PASSCODE = "board passcode 9023"
PASSCODES = {
    "officer": security.hash_passcode(OFFICER_PASSCODE),
    "board": security.hash_passcode(BOARD_PASSCODE),
}
SECRETS = {"staff_passcodes": PASSCODES}

ISSUER = "https://login.microsoftonline.com/hcsp-tenant/v2.0"
SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
    },
    "staff_roles": {"officer": ["officer@herefordshire.gov.uk"]},
}


def sso_user(email: str, *, signed_in_seconds_ago: float = 5, **claims) -> dict:
    """``at.user`` for someone signed in through the identity provider (the claims of its ID token)."""
    return {
        "is_logged_in": True,
        "email": email,
        "email_verified": True,
        "iss": ISSUER,
        "sub": f"subject-of-{email.lower()}",
        "iat": int(time.time() - signed_in_seconds_ago),
    } | claims


# Values that appear nowhere in the app's own text: any of them on a page means data leaked.
SECRET_VALUES = (
    "Quokkazebra",
    "Wombatfield Close",
    "Axolotl remark",
    "Numbat lighting 7Q",
    "Pangolin note",
)


def seed_distinctive_store() -> None:
    """Synthetic records carrying SECRET_VALUES, in the test's own store."""
    store = storage.open_store(config.load_settings({}))
    frames = synthetic.frames(40, 20, seed=7)
    reports = frames[schema.ASB_REPORTS].copy()
    reports["description"] = "Quokkazebra shouting every night"
    reports["location_detail"] = "Wombatfield Close"
    responses = frames[schema.SURVEY_RESPONSES].copy()
    responses["comments"] = "Axolotl remark about lighting"
    for row in reports.to_dict("records"):
        store.append(schema.ASB_REPORTS, row)
    for row in responses.to_dict("records"):
        store.append(schema.SURVEY_RESPONSES, row)
    first = reports.iloc[0]["report_id"]
    store.append(
        schema.REPORT_STATUS, status_row(first, "Reviewed", "2026-11-01T10:00:00Z", note="Pangolin note")
    )
    store.append(
        schema.INTERVENTIONS,
        {
            "intervention_id": "I-TESTAAAA",
            "scheme": "Other",
            "kind": "Street lighting",
            "area": "Hereford",
            "title": "Numbat lighting 7Q",
            "lat": "52.0565",
            "lon": "-2.7149",
            "location_precision": "exact",
            "started_on": "2026-01-10",
            "status": "Planned",
            "public": "no",
            "description": "",
            "updated_at": "2026-11-01T10:00:00Z",
            "updated_by": "AB",
        },
    )


def everything_shown(at: AppTest) -> str:
    """Every element's content in the run (text, tables' data, component arguments) as one string."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def leaked(at: AppTest) -> list[str]:
    shown = everything_shown(at)
    return [value for value in SECRET_VALUES if value in shown]


def sign_in(at: AppTest, passcode: str, *, name: str = "AB", role: str | None = None) -> AppTest:
    """Fill in and send the passcode form on the current page."""
    if role is not None:
        at.radio(key="staff_signin_role").set_value(role)
    at.text_input(key="staff_signin_name").input(name)
    at.text_input(key="staff_signin_passcode").input(passcode)
    return at.button(key="FormSubmitter:staff_signin-Sign in").click().run()
