"""Staff sign-in (docs/design.md section 6): officers and Board members.

Two ways in, chosen by configuration:

- OIDC (``st.login``) when secrets hold an ``[auth]`` section; a signed-in email gets a role from the
  email lists under ``[staff_roles]`` (``officer = ["a@herefordshire.gov.uk"]``), only when the identity
  provider says the email is verified and, when an issuer is configured, only for its tokens.
- Otherwise per-role passcodes under ``[staff_passcodes]``, kept only as salted scrypt hashes made by
  ``python -m hcsp_engage.passcode``. Wrong passcodes are counted per client address (the app's one
  rule, ``client_address``) and per role, with a wait that doubles after each one beyond a few.

Idle sign-out is decided by the server: a passcode session's last activity lives in its session state
(which the server holds), and single sign-on identities in a process-wide record, because their
sign-in cookie lasts 30 days and outlives any session.

A page calls ``require_staff({"officer"})`` first and ``st.stop()`` when it returns None, before it
reads any data. Tests may sign in by setting ``at.session_state[ROLE_KEY]``, ``[NAME_KEY]`` and
``[SEEN_KEY]`` (a ``time.time()``), or through the form with a hash from ``security.hash_passcode``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from hcsp_engage import config, security
from hcsp_engage.security import ROLES
from hcsp_engage.web import cached

ROLE_LABELS = {"officer": "Community safety officer", "board": "HCSP Board member"}
ROLE_PLURALS = {"officer": "community safety officers", "board": "HCSP Board members"}
MAX_NAME = 40

ROLE_KEY = "hcsp_staff_role"
NAME_KEY = "hcsp_staff_name"
SEEN_KEY = "hcsp_staff_seen"
DEMO_KEY = "hcsp_staff_demo"
TIMED_OUT_KEY = "hcsp_staff_timed_out"

# Wrong passcodes that cost nothing; after them each one doubles the wait (security.SignInThrottle).
MAX_ATTEMPTS = security.FREE_SIGN_IN_ATTEMPTS


@dataclass(frozen=True)
class StaffUser:
    """Who is signed in. ``name`` goes into ``updated_by`` on every change they make."""

    role: str
    name: str


def roles_for_email(email: str, staff_emails: Mapping[str, Iterable[str]]) -> list[str]:
    """The roles an OIDC email holds, officer first."""
    email = email.strip().lower()
    return [role for role in ROLES if email and email in {e.lower() for e in staff_emails.get(role, ())}]


# --- The client's address (the one rule, for forms and sign-in) ------------------------------------------


def _request_headers() -> dict[str, str]:
    headers = st.context.headers
    return {name: ", ".join(headers.get_all(name)) for name in headers}


def _peer(headers: Mapping[str, str]) -> tuple[str | None, bool]:
    """The connection's peer address as the server saw it, and whether the server replaced it with an
    X-Forwarded-For entry.

    ``st.context.ip_address`` hides loopback peers (None), so the session's client context is read
    instead. Uvicorn, Streamlit's server, replaces the peer with the right-most X-Forwarded-For entry
    when the connection comes from an address in FORWARDED_ALLOW_IPS (loopback by default), leaving
    port 0 where a real connection has its own port: that is how a forged header is told apart.
    """
    from streamlit import runtime
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None, False
    client = runtime.get_instance().get_client(ctx.session_id)
    peer = getattr(getattr(client, "client_context", None), "remote_ip", None)
    if peer is None:
        return None, False
    entries = security.forwarded_for(headers)
    if not entries:
        return peer, False
    connection = getattr(getattr(client, "_websocket", None), "client", None)
    port = getattr(connection, "port", None)
    if port is None:  # a Streamlit without that detail: assume the worst, a header-made peer
        return peer, security.parse_address(peer) in {security.parse_address(entry) for entry in entries}
    return peer, port == 0


def client_address() -> security.ClientAddress:
    """This request's client address for the abuse limits (``security.client_address``); a
    misconfigured proxy setting is logged once and the limits count per session instead."""
    from streamlit import runtime

    try:
        headers = _request_headers()
    except Exception:  # outside a browser session (AppTest, scripts) there is no request to read
        headers = {}
    peer, from_header = _peer(headers)
    found = security.client_address(
        peer, headers, _settings().trusted_proxy_hops, peer_from_header=from_header
    )
    if found.problem and runtime.exists():  # AppTest runs without a server: nothing to fix there
        security.warn_once(found.problem)
    return found


# --- Streamlit side -----------------------------------------------------------------------------------


def _throttle() -> security.SignInThrottle:
    """Wrong passcodes of the whole process (of every process, on PostgreSQL), per client address and
    per role."""
    current = _settings()
    return _shared_throttle(current.database_url if current.storage == "postgres" else "")


@st.cache_resource(show_spinner=False)
def _shared_throttle(database_url: str) -> security.SignInThrottle:
    from hcsp_engage import storage  # late import: storage is not needed to hash a passcode

    shared = config.Settings(storage="postgres", database_url=database_url)
    return security.SignInThrottle(windows=storage.limit_windows(shared, "sign_in") if database_url else None)


@st.cache_resource(show_spinner=False)
def _activity() -> security.StaffActivity:
    """When each single sign-on identity was last active, for the whole process."""
    return security.StaffActivity()


def _settings() -> config.Settings:
    return cached.settings()


def _oidc_claims() -> dict[str, Any]:
    """The signed-in identity's claims from the identity provider, or {} when nobody is signed in."""
    try:
        if not st.user.is_logged_in:
            return {}
        return dict(st.user.to_dict())
    except Exception:  # st.user is unavailable when [auth] is incomplete
        return {}


def _oidc_identity(claims: Mapping[str, Any]) -> str:
    subject = claims.get("sub") or str(claims.get("email", "")).lower()
    return f"{claims.get('iss', '')}|{subject}"


def _signed_in_at(claims: Mapping[str, Any]) -> float | None:
    issued = claims.get("iat")
    return float(issued) if isinstance(issued, int | float) else None


def _oidc_refusal(claims: Mapping[str, Any], current: config.Settings) -> str:
    """Why a signed-in identity gets no role ('' when it may have one)."""
    email = str(claims.get("email") or "")
    if not email:
        return "Your organisation's sign-in did not give an email address, so no staff role can be given."
    if not security.issuer_accepted(claims, current.staff_issuers):
        return (
            f"You signed in as {email} through {claims.get('iss') or 'an unnamed identity provider'}, "
            "which is not the organisation's sign-in this app trusts, so no staff role is given."
        )
    if not security.email_is_verified(claims):
        return (
            f"Your organisation's sign-in did not confirm that {email} is a verified address, so no "
            "staff role is given. Ask the administrator to check the identity provider's settings."
        )
    return ""


@st.cache_resource(show_spinner=False)
def _timed_out_browsers() -> security.StaffActivity:
    """Browsers just signed out for inactivity: ``st.logout()`` starts a new session, so the reason
    is kept here, by the browser's XSRF cookie, for the page it lands on."""
    return security.StaffActivity()


def _browser_key() -> str:
    try:
        cookie = st.context.cookies.get("_streamlit_xsrf", "")
    except Exception:  # no request (AppTest)
        return ""
    return hashlib.sha256(cookie.encode()).hexdigest() if isinstance(cookie, str) and cookie else ""


def _timed_out_here() -> bool:
    """True (once) when this browser was just signed out for inactivity in an earlier session."""
    browser = _browser_key()
    if not browser:
        return False
    notes = _timed_out_browsers()
    recent = not notes.idle_too_long(browser, 10 * 60)  # idle_too_long also forgets the note
    notes.forget(browser)
    return recent


def _forget_session() -> None:
    for key in (ROLE_KEY, NAME_KEY, SEEN_KEY, DEMO_KEY):
        st.session_state.pop(key, None)


def _idle_expired(current: config.Settings) -> bool:
    seen = st.session_state.get(SEEN_KEY)
    if seen is None:
        return False
    return time.time() - float(seen) > current.staff_idle_minutes * 60


def _signed_in(current: config.Settings) -> StaffUser | None:
    """The staff member signed in to this session, ending the session after inactivity."""
    role = st.session_state.get(ROLE_KEY)
    if role in ROLES:  # passcode or demo: the session state is kept by the server
        if _idle_expired(current):
            _forget_session()
            st.session_state[TIMED_OUT_KEY] = True
            return None
        st.session_state[SEEN_KEY] = time.time()
        return StaffUser(role, str(st.session_state.get(NAME_KEY) or role))
    if not current.auth_configured:
        return None
    claims = _oidc_claims()
    if not claims:
        return None
    identity = _oidc_identity(claims)
    activity = _activity()
    if activity.idle_too_long(identity, current.staff_idle_minutes * 60, _signed_in_at(claims)):
        # A tab coming back after the idle time, or a sign-in this process never saw (a restart):
        # the 30-day cookie alone is not enough.
        st.session_state[TIMED_OUT_KEY] = True
        if _browser_key():
            _timed_out_browsers().touch(_browser_key())
        st.logout()
        return None
    if _oidc_refusal(claims, current):
        return None
    email = str(claims["email"])
    roles = roles_for_email(email, current.staff_emails)
    if not roles:
        return None
    activity.touch(identity)
    return StaffUser(roles[0], email)


def staff_role() -> str | None:
    """The signed-in staff member's role, or None for the public."""
    user = _signed_in(_settings())
    return user.role if user else None


def _allowed(user: StaffUser, roles: set[str], current: config.Settings) -> bool:
    if user.role in roles:
        return True
    # An OIDC email may hold several roles; any of them opens the page.
    if current.auth_configured and not st.session_state.get(ROLE_KEY):
        return bool(set(roles_for_email(user.name, current.staff_emails)) & roles)
    return False


def _describe(roles: set[str]) -> str:
    return " and ".join(ROLE_PLURALS[role] for role in ROLES if role in roles)


def _wait_text(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"


def _paused(seconds: float) -> None:
    st.error(
        "Too many wrong passcodes. For security, sign-in is paused: please try again in about "
        f"{_wait_text(seconds)}, or ask your administrator if you have forgotten the passcode.",
        icon=":material/lock_clock:",
    )


def _how_to_configure() -> None:
    st.info(
        "Staff sign-in is not configured yet, so this page shows nothing.\n\n"
        "To use passcodes, make a hash for each role on the server:\n\n"
        "```\npython -m hcsp_engage.passcode --role officer\npython -m hcsp_engage.passcode --role board\n```\n\n"
        "and paste the lines it prints under `[staff_passcodes]` in `.streamlit/secrets.toml`. "
        "To use your organisation's single sign-on instead, add an `[auth]` section (Streamlit OIDC) "
        'and list staff emails per role under `[staff_roles]`, e.g. `officer = ["name@example.gov.uk"]`.',
        icon=":material/lock:",
    )


def _demo_buttons(roles: set[str]) -> None:
    st.caption("Demo mode: sign in with one click. The data is synthetic.")
    columns = st.columns(len(ROLES))
    for column, role in zip(columns, ROLES, strict=True):
        if column.button(
            f"Sign in as {ROLE_LABELS[role].lower()} (demo)",
            key=f"staff_demo_{role}",
            disabled=role not in roles,
            icon=":material/login:",
        ):
            st.session_state[ROLE_KEY] = role
            st.session_state[NAME_KEY] = f"Demo {role}"
            st.session_state[SEEN_KEY] = time.time()
            st.session_state[DEMO_KEY] = True
            st.rerun()


def _passcode_form(roles: set[str], current: config.Settings) -> None:
    configured = [role for role in ROLES if role in roles and role in current.staff_passcodes]
    if not configured:
        st.info(
            f"This page is for {_describe(roles)}. No passcode is configured for that role yet: "
            "ask the administrator to add one under `[staff_passcodes]`."
        )
        return
    client = client_address()
    wait = min(_throttle().wait(role, client.key) for role in configured)
    if wait > 0:
        _paused(wait)
        return
    with st.form("staff_signin", enter_to_submit=True):
        role = st.radio(
            "I am a",
            configured,
            format_func=ROLE_LABELS.get,
            key="staff_signin_role",
            horizontal=True,
        )
        name = st.text_input(
            "Your name or initials",
            max_chars=MAX_NAME,
            key="staff_signin_name",
            help="Recorded beside every change you make.",
        )
        passcode = st.text_input("Passcode", type="password", key="staff_signin_passcode")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    name = (name or "").strip()
    if not name:
        st.error("Enter your name or initials: they are recorded beside every change you make.")
        return
    if len(name) > MAX_NAME:
        st.error(f"Your name or initials must be {MAX_NAME} characters or fewer.")
        return
    wait = _throttle().wait(role, client.key)
    if wait > 0:  # another role's form was open while this one paused
        _paused(wait)
        return
    if passcode and security.verify_passcode(passcode, current.staff_passcodes.get(role, "")):
        _throttle().succeeded(client.key)
        st.session_state[ROLE_KEY] = role
        st.session_state[NAME_KEY] = name
        st.session_state[SEEN_KEY] = time.time()
        st.session_state.pop(TIMED_OUT_KEY, None)
        st.rerun()
    _throttle().failed(role, client.key)
    wait = _throttle().wait(role, client.key)
    if wait > 0:
        _paused(wait)
    else:
        st.error("That passcode is not right. Check it and try again.")


def _oidc_login(roles: set[str], current: config.Settings) -> None:
    claims = _oidc_claims()
    if claims:
        refusal = _oidc_refusal(claims, current)
        if refusal:
            st.warning(refusal, icon=":material/block:")
        else:
            st.warning(
                f"You are signed in as {claims['email']}, which is not on the staff list for this page "
                f"(it is for {_describe(roles)}). Ask the administrator to add you under `[staff_roles]`."
            )
        if st.button("Sign out", key="staff_oidc_signout"):
            sign_out()
        return
    st.write(f"This page is for {_describe(roles)}. Sign in with your organisation account.")
    if st.button("Sign in", type="primary", key="staff_oidc_login", icon=":material/login:"):
        st.login()


def _signed_in_bar(user: StaffUser) -> None:
    """Who is signed in and a Sign out button on the page itself (the sidebar is hidden on phones)."""
    who, button = st.columns([4, 1], vertical_alignment="center")
    demo = " for the demo" if st.session_state.get(DEMO_KEY) else ""
    who.caption(f"Signed in{demo} as {user.name} ({ROLE_LABELS[user.role].lower()}).")
    if button.button("Sign out", key="staff_sign_out_page", icon=":material/logout:"):
        sign_out()
        st.rerun()


def require_staff(roles: set[str]) -> StaffUser | None:
    """The signed-in staff member when their role may open this page; otherwise None.

    Renders what the visitor needs instead: the sign-in form, how to configure sign-in, or "this page
    is for ...". The caller must ``st.stop()`` on None before reading any data.
    """
    current = _settings()
    user = _signed_in(current)
    if user is not None:
        if _allowed(user, roles, current):
            _signed_in_bar(user)
            return user
        st.warning(
            f"This page is for {_describe(roles)}. You are signed in as a {ROLE_LABELS[user.role].lower()}.",
            icon=":material/block:",
        )
        return None

    if st.session_state.pop(TIMED_OUT_KEY, False) or _timed_out_here():
        st.info(f"You were signed out after {current.staff_idle_minutes} minutes without activity.")
    st.subheader("Staff sign-in")
    if current.demo:
        _demo_buttons(roles)
        return None
    if current.auth_configured:
        _oidc_login(roles, current)
        return None
    if current.staff_passcodes:
        _passcode_form(roles, current)
        return None
    _how_to_configure()
    return None


def sign_out() -> None:
    current = _settings()
    oidc = current.auth_configured and not st.session_state.get(ROLE_KEY)
    _forget_session()
    if oidc:
        claims = _oidc_claims()
        if claims:
            _activity().forget(_oidc_identity(claims))  # other tabs of this identity are signed out too
        st.logout()


def sidebar_controls() -> None:
    """Who is signed in and a Sign out button, in the sidebar (nothing for the public)."""
    user = _signed_in(_settings())
    if user is None:
        return
    st.caption(f"Signed in: {user.name} ({ROLE_LABELS[user.role].lower()})")
    if st.button("Sign out", key="staff_sign_out", icon=":material/logout:"):
        sign_out()
        st.rerun()
