"""Staff sign-in (DESIGN section 6): officers and Board members.

Two ways in, chosen by configuration:

- OIDC (``st.login``) when secrets hold an ``[auth]`` section; a signed-in email gets a role from the
  email lists under ``[staff_roles]`` (``officer = ["a@herefordshire.gov.uk"]``).
- Otherwise per-role passcodes under ``[staff_passcodes]``, kept only as salted scrypt hashes made by
  ``python -m hcsp_engage.passcode``. Passcodes are compared in constant time and wrong attempts are
  limited per browser session and per client address.

A page calls ``require_staff({"officer"})`` first and ``st.stop()`` when it returns None, before it
reads any data. Tests may sign in by setting ``at.session_state[ROLE_KEY]``, ``[NAME_KEY]`` and
``[SEEN_KEY]`` (a ``time.time()``), or through the form with a hash from ``hash_passcode``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st

from hcsp_engage import config

ROLES = ("officer", "board")
ROLE_LABELS = {"officer": "Community safety officer", "board": "HCSP Board member"}
ROLE_PLURALS = {"officer": "community safety officers", "board": "HCSP Board members"}
MAX_NAME = 40

ROLE_KEY = "hcsp_staff_role"
NAME_KEY = "hcsp_staff_name"
SEEN_KEY = "hcsp_staff_seen"
DEMO_KEY = "hcsp_staff_demo"
_ATTEMPTS_KEY = "hcsp_staff_failed_attempts"

# Wrong passcodes: this many in this window locks the session (and the client address) out.
MAX_ATTEMPTS = 5
ATTEMPT_WINDOW_SECONDS = 15 * 60

# scrypt cost: about 16 MB and a few tens of milliseconds per check, fine for a sign-in form.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1


@dataclass(frozen=True)
class StaffUser:
    """Who is signed in. ``name`` goes into ``updated_by`` on every change they make."""

    role: str
    name: str


# --- Passcode hashes (no Streamlit) ------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_passcode(passcode: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash in one string: ``scrypt$n$r$p$salt_b64$hash_b64``."""
    if not passcode:
        raise ValueError("A passcode cannot be empty.")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        passcode.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_passcode(passcode: str, encoded: str) -> bool:
    """True when ``passcode`` matches ``encoded``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.strip().split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
        digest = hashlib.scrypt(
            passcode.encode("utf-8"),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=64 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def roles_for_email(email: str, staff_emails: Mapping[str, Iterable[str]]) -> list[str]:
    """The roles an OIDC email holds, officer first."""
    email = email.strip().lower()
    return [role for role in ROLES if email and email in {e.lower() for e in staff_emails.get(role, ())}]


class AttemptLimiter:
    """Wrong attempts per key (session or client address) within a sliding window."""

    def __init__(self, limit: int = MAX_ATTEMPTS, window_seconds: float = ATTEMPT_WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def locked(self, keys: Iterable[str], now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            return any(len(self._recent(key, now)) >= self.limit for key in keys)

    def fail(self, keys: Iterable[str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)


# --- Streamlit side -----------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _limiter() -> AttemptLimiter:
    return AttemptLimiter()


def _settings() -> config.Settings:
    from hcsp_engage.cached import settings  # late import: cached imports ui, which pages import

    return settings()


def _oidc_user_email() -> str | None:
    try:
        if not st.user.is_logged_in:
            return None
        return str(st.user.to_dict().get("email") or "") or None
    except Exception:  # st.user is unavailable when [auth] is incomplete
        return None


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
    if _idle_expired(current):
        _forget_session()
        st.session_state["hcsp_staff_timed_out"] = True
        if current.auth_configured and _oidc_user_email():
            st.logout()
        return None
    role = st.session_state.get(ROLE_KEY)
    if role in ROLES:
        st.session_state[SEEN_KEY] = time.time()
        return StaffUser(role, str(st.session_state.get(NAME_KEY) or role))
    if current.auth_configured:
        email = _oidc_user_email()
        roles = roles_for_email(email or "", current.staff_emails)
        if roles:
            st.session_state[SEEN_KEY] = time.time()
            return StaffUser(roles[0], email or "")
    return None


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


def _client_keys() -> list[str]:
    session_id = st.session_state.setdefault("hcsp_staff_session_id", secrets.token_hex(8))
    keys = [f"session:{session_id}"]
    try:
        address = st.context.ip_address
    except Exception:
        address = None
    if address:
        keys.append(f"client:{address}")
    return keys


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
    limiter = _limiter()
    keys = _client_keys()
    if limiter.locked(keys):
        st.error(
            "Too many wrong passcodes. For security, sign-in is paused for 15 minutes. "
            "Please try again later, or ask your administrator if you have forgotten the passcode.",
            icon=":material/lock_clock:",
        )
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
    if passcode and verify_passcode(passcode, current.staff_passcodes.get(role, "")):
        st.session_state[ROLE_KEY] = role
        st.session_state[NAME_KEY] = name
        st.session_state[SEEN_KEY] = time.time()
        st.session_state.pop("hcsp_staff_timed_out", None)
        st.rerun()
    limiter.fail(keys)
    if limiter.locked(keys):
        st.error(
            "Too many wrong passcodes. For security, sign-in is paused for 15 minutes. "
            "Please try again later.",
            icon=":material/lock_clock:",
        )
    else:
        st.error("That passcode is not right. Check it and try again.")


def _oidc_login(roles: set[str], current: config.Settings) -> None:
    email = _oidc_user_email()
    if email:
        st.warning(
            f"You are signed in as {email}, which is not on the staff list for this page "
            f"(it is for {_describe(roles)}). Ask the administrator to add you under `[staff_roles]`."
        )
        if st.button("Sign out", key="staff_oidc_signout"):
            st.logout()
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

    if st.session_state.pop("hcsp_staff_timed_out", False):
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
