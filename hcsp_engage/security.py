"""Security rules that need no Streamlit: passcode hashes, abuse limits, the client's address, signed
form tokens and staff activity.

Pages and the Streamlit-facing modules (``forms``, ``auth``) call these; the passcode tool
(``python -m hcsp_engage.passcode``) imports this module alone, so it runs without Streamlit.
README "Configuration" and "Staff sign-in" describe the settings these rules read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# The staff roles, officer first (passcodes and single sign-on both grant one of these).
ROLES = ("officer", "board")

# --- Passcode hashes ---------------------------------------------------------------------------------

# scrypt cost: about 16 MB and a few tens of milliseconds per check, fine for a sign-in form.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1


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


# --- Sliding-window limiter ----------------------------------------------------------------------------


class LimitWindows(Protocol):
    """Where a limiter keeps its events: this process's memory (``LocalWindows``), or a database that
    every server process shares (``storage.postgres.PostgresWindows``), so that two servers behind a
    load balancer enforce one limit."""

    def window(
        self, keys: Sequence[str], window_seconds: float
    ) -> AbstractContextManager[tuple[dict[str, deque[float]], float]]:
        """The keys' events inside the window (oldest first) and the time now, held so no other
        limiter call on the keys runs meanwhile; times appended to the deques are kept."""
        ...

    def forget(self, keys: Iterable[str]) -> None: ...

    def now(self) -> float: ...

    def keys_remembered(self, window_seconds: float) -> int: ...


class LocalWindows:
    """A limiter's events in this process's memory: one server process's own limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    @staticmethod
    def _recent(times: deque[float], now: float, window_seconds: float) -> deque[float]:
        while times and now - times[0] >= window_seconds:
            times.popleft()
        return times

    @contextmanager
    def window(
        self, keys: Sequence[str], window_seconds: float
    ) -> Iterator[tuple[dict[str, deque[float]], float]]:
        with self._lock:
            now = self._clock()
            yield (
                {
                    key: self._recent(self._times.setdefault(key, deque()), now, window_seconds)
                    for key in keys
                },
                now,
            )
            # Network addresses are personal data: none is kept longer than the window (privacy notice).
            for key in [
                key for key, times in self._times.items() if not self._recent(times, now, window_seconds)
            ]:
                del self._times[key]

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._times.pop(key, None)

    def now(self) -> float:
        return self._clock()

    def keys_remembered(self, window_seconds: float) -> int:
        with self.window([], window_seconds):
            pass  # leaving the window drops the keys whose events have all passed
        with self._lock:
            return len(self._times)


class SlidingWindowLimiter:
    """Events per key (a session, a client address, a staff role) within a sliding window.

    Thread-safe; one limiter serves every session of a server process, and with shared ``windows``
    (PostgreSQL) every server process. An event is counted against several keys at once, and
    ``try_acquire`` allows it only when every key still has room, so neither a new tab nor a new
    network address alone lifts a limit.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        windows: LimitWindows | None = None,
    ):
        self.limit = limit
        self.window_seconds = window_seconds
        self._windows = windows if windows is not None else LocalWindows(clock)

    def try_acquire(self, keys: Iterable[str]) -> bool:
        """Count one event against every key and return True, or return False and count nothing."""
        keys = list(dict.fromkeys(keys))
        with self._windows.window(keys, self.window_seconds) as (recent, now):
            if any(len(recent[key]) >= self.limit for key in keys):
                return False
            for key in keys:
                recent[key].append(now)
            return True

    def record(self, keys: Iterable[str]) -> None:
        """Count one event against every key, whatever the limit (a wrong passcode happened)."""
        keys = list(dict.fromkeys(keys))
        with self._windows.window(keys, self.window_seconds) as (recent, now):
            for key in keys:
                recent[key].append(now)

    def recent(self, key: str) -> tuple[float, ...]:
        """The times (by this limiter's clock) of the key's events still inside the window."""
        with self._windows.window([key], self.window_seconds) as (recent, _):
            return tuple(recent[key])

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the keys' events (an officer who mistyped has now signed in)."""
        self._windows.forget(list(keys))

    def now(self) -> float:
        return self._windows.now()

    def seconds_until_free(self, keys: Iterable[str]) -> float:
        """How long until every key has room again (0 when it has room now)."""
        keys = list(dict.fromkeys(keys))
        with self._windows.window(keys, self.window_seconds) as (recent, now):
            waits = [
                self.window_seconds - (now - recent[key][0]) for key in keys if len(recent[key]) >= self.limit
            ]
        return max(waits, default=0.0)

    def __len__(self) -> int:
        """How many keys (sessions, addresses, roles) are remembered right now."""
        return self._windows.keys_remembered(self.window_seconds)


@dataclass(frozen=True)
class GrowingDelay:
    """How long to wait after wrong attempts: ``free`` of them cost nothing, the next one ``first``
    seconds, and each after that twice the one before, never more than ``cap``."""

    free: int
    first: float
    cap: float

    def after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.first * 2 ** (failures - self.free))

    def seconds_to_wait(self, limiter: SlidingWindowLimiter, key: str) -> float:
        """How long ``key`` must still wait before its next attempt (0 when it may try now)."""
        failures = limiter.recent(key)
        if not failures:
            return 0.0
        return max(0.0, self.after(len(failures)) - (limiter.now() - failures[-1]))


# Wrong passcodes that cost nothing within the hour; after them each one doubles the wait.
FREE_SIGN_IN_ATTEMPTS = 5
CLIENT_SIGN_IN_DELAY = GrowingDelay(free=FREE_SIGN_IN_ATTEMPTS, first=30, cap=15 * 60)
ROLE_SIGN_IN_DELAY = GrowingDelay(free=FREE_SIGN_IN_ATTEMPTS, first=30, cap=2 * 60)


class SignInThrottle:
    """Wrong staff passcodes, counted per client address and per role, and the wait they impose.

    Per address the wait grows to ``client_delay.cap`` (15 minutes), so one machine guesses a handful
    an hour. Per role it stops at ``role_delay.cap`` (2 minutes): guessing from many addresses stays
    slow, yet nobody can keep every officer out for longer than that by failing on purpose. When the
    client's address is unknown only the role counts, so a new session brings no new guesses.
    """

    def __init__(
        self,
        client_delay: GrowingDelay = CLIENT_SIGN_IN_DELAY,
        role_delay: GrowingDelay = ROLE_SIGN_IN_DELAY,
        window_seconds: float = 60 * 60,
        clock: Callable[[], float] = time.monotonic,
        windows: LimitWindows | None = None,
    ) -> None:
        self.client_delay = client_delay
        self.role_delay = role_delay
        self._failures = SlidingWindowLimiter(client_delay.free, window_seconds, clock, windows)

    def wait(self, role: str, client_key: str | None) -> float:
        """Seconds before a passcode for ``role`` may be tried from this client (0: now)."""
        waits = [self.role_delay.seconds_to_wait(self._failures, f"role:{role}")]
        if client_key:
            waits.append(self.client_delay.seconds_to_wait(self._failures, client_key))
        return max(waits)

    def failed(self, role: str, client_key: str | None) -> None:
        self._failures.record([f"role:{role}", *([client_key] if client_key else [])])

    def succeeded(self, client_key: str | None) -> None:
        # An officer who mistyped is not held back next time; the role's count stays, as the
        # failures may have been someone else's.
        if client_key:
            self._failures.forget([client_key])


# --- The client's address -------------------------------------------------------------------------------

PROXY_HOPS_SETTING = "HCSP_TRUSTED_PROXY_HOPS (or [hcsp] trusted_proxy_hops in secrets)"


@dataclass(frozen=True)
class ClientAddress:
    """Whose request this is, for the abuse limits.

    ``address`` is None when it cannot be told safely; the limits then count per browser session (and
    staff sign-in per role) rather than put everybody in one bucket. ``problem`` says why, for the log.
    """

    address: str | None
    problem: str = ""

    @property
    def key(self) -> str | None:
        """The limiter key: the address, or for IPv6 its /64 network, since one home or phone is
        given a whole /64 and could otherwise take a new address for every submission."""
        if not self.address:
            return None
        address = ipaddress.ip_address(self.address)
        if isinstance(address, ipaddress.IPv6Address):
            return f"client:{ipaddress.IPv6Network((address, 64), strict=False)}"
        return f"client:{address}"


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header entry or a peer: bare, ``1.2.3.4:5678``, ``[2001:db8::1]:443``."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # Where a reverse proxy in front of the app lives: this machine or the same private network.
    return address.is_loopback or address.is_private or address.is_link_local


def _header(headers: Mapping[str, str], name: str) -> str:
    return ", ".join(value for key, value in headers.items() if key.lower() == name)


def forwarded_for(headers: Mapping[str, str]) -> list[str]:
    """The X-Forwarded-For entries, left (claimed by the client) to right (added by the last proxy)."""
    return [entry.strip() for entry in _header(headers, "x-forwarded-for").split(",") if entry.strip()]


def _browser_opened_a_local_address(headers: Mapping[str, str]) -> bool:
    """True when the browser's page origin is a loopback or private IP address, or there is no Origin.

    A browser always sends Origin when it opens the app's websocket, and a proxy passes it on. A proxy
    that serves residents is reached by a site name (https://engage.example.org); a browser that
    opened http://127.0.0.1:8501 or http://10.1.2.3:8501 is talking to the app directly.
    """
    origin = _header(headers, "origin")
    if not origin:
        return True
    address = parse_address(urlsplit(origin).hostname or "")
    return address is not None and _is_local(address)


def client_address(
    peer: str | None,
    headers: Mapping[str, str],
    trusted_proxy_hops: int = 0,
    *,
    peer_from_header: bool = False,
) -> ClientAddress:
    """The one rule for the client's address, for every limit in the app (forms and staff sign-in).

    ``peer`` is the address of the TCP connection. With ``trusted_proxy_hops`` = N > 0, N reverse
    proxies of ours each appended the address they saw to X-Forwarded-For, so the client is the N-th
    entry from the right; entries to its left are whatever the client sent. With 0, no header is
    trusted: the address is the peer. ``peer_from_header`` says the server already replaced the peer
    with an X-Forwarded-For entry (uvicorn does so for connections from loopback), so the real peer
    was local.

    The address is None (limits then count per session) rather than one shared by a whole town when
    the setting cannot be right: fewer entries than N, no peer, or, with 0, a request from this
    machine or its private network carrying X-Forwarded-For under a site name, which is a proxy
    nobody told the app about. A browser that opened a local address directly keeps the local
    address, whatever header it adds.
    """
    entries = forwarded_for(headers)
    if trusted_proxy_hops > 0:
        if len(entries) < trusted_proxy_hops:
            return ClientAddress(
                None,
                f"X-Forwarded-For has {len(entries)} entries but {PROXY_HOPS_SETTING} is "
                f"{trusted_proxy_hops}: set it to the number of reverse proxies in front of the app.",
            )
        address = parse_address(entries[-trusted_proxy_hops])
        if address is None:
            return ClientAddress(
                None,
                f"the X-Forwarded-For entry that {PROXY_HOPS_SETTING} points at is not an address "
                f"({entries[-trusted_proxy_hops][:60]!r}): check the setting and the proxies.",
            )
        return ClientAddress(str(address))

    # When the server took its idea of the peer from the header, all we know is that the real peer
    # was local (uvicorn does so only for the addresses in FORWARDED_ALLOW_IPS, loopback by default).
    address = ipaddress.ip_address("127.0.0.1") if peer_from_header else parse_address(peer or "")
    if address is None:
        return ClientAddress(
            None, "the server did not say which address the request came from; limits count per session."
        )
    if _is_local(address) and not _browser_opened_a_local_address(headers):
        # A resident's browser reached us through something on this machine or network.
        if entries:
            return ClientAddress(
                None,
                f"requests come through a reverse proxy at {address} (they carry X-Forwarded-For) "
                f"but {PROXY_HOPS_SETTING} is 0: set it to the number of proxies in front of the app, "
                "or every resident would share the proxy's address.",
            )
        return ClientAddress(
            None,
            f"requests for a site name come from {address}, a proxy that does not add "
            f"X-Forwarded-For: make it add the header and set {PROXY_HOPS_SETTING}.",
        )
    return ClientAddress(str(address))


_warned = threading.Event()


def warn_once(problem: str) -> None:
    """Log a configuration problem loudly, once per server process (every request would repeat it)."""
    if _warned.is_set():
        return
    _warned.set()
    log.warning("Abuse limits fall back to counting per browser session: %s", problem)


# --- Signed form tokens -----------------------------------------------------------------------------------

# Made afresh for each server process: a token does not outlive the process that made it, which only
# means a form left open across a restart is asked to be sent again.
_FORM_SECRET = secrets.token_bytes(32)


def _signature(form_reference: str, shown_at: int, secret: bytes) -> str:
    message = f"{form_reference}|{shown_at}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def form_token(form_reference: str, shown_at: float | None = None, *, secret: bytes = _FORM_SECRET) -> str:
    """A token carrying when the form ``form_reference`` was first shown, signed by the server."""
    when = int(time.time() if shown_at is None else shown_at)
    return f"{when}.{_signature(form_reference, when, secret)}"


def form_shown_at(token: str | None, form_reference: str, *, secret: bytes = _FORM_SECRET) -> float | None:
    """When the form was first shown, from a token this server signed for it; None when the token is
    missing, malformed, forged or made for another form."""
    if not token or token.count(".") != 1:
        return None
    when, signature = token.split(".")
    if not when.isdigit():
        return None
    expected = _signature(form_reference, int(when), secret)
    return float(when) if hmac.compare_digest(signature, expected) else None


# --- Staff sign-in: identity-provider claims and activity ----------------------------------------------------


def email_is_verified(claims: Mapping[str, Any]) -> bool:
    """True only when the identity provider says the email address is verified."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def issuer_from_metadata_url(url: str) -> str:
    """The issuer an OpenID provider's discovery URL belongs to (OpenID Connect Discovery 1.0, 4: the
    issuer followed by /.well-known/openid-configuration); empty when the URL is not of that form."""
    suffix = "/.well-known/openid-configuration"
    url = url.strip()
    return url[: -len(suffix)] if url.endswith(suffix) else ""


def issuer_accepted(claims: Mapping[str, Any], issuers: Iterable[str]) -> bool:
    """True when no issuer is configured, or the token's ``iss`` is one of them."""
    allowed = {issuer.rstrip("/") for issuer in issuers if issuer}
    return not allowed or str(claims.get("iss", "")).rstrip("/") in allowed


class StaffActivity:
    """When each signed-in staff identity was last active, kept by the server process.

    The sign-in cookie of single sign-on lasts 30 days, so a returning browser must not be trusted
    on its own word: an identity this process has not seen active within the idle time is signed
    out, including after a restart (fail closed).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def touch(self, identity: str, at: float | None = None) -> None:
        with self._lock:
            self._seen[identity] = self._clock() if at is None else at

    def forget(self, identity: str) -> None:
        with self._lock:
            self._seen.pop(identity, None)

    def idle_too_long(self, identity: str, idle_seconds: float, signed_in_at: float | None = None) -> bool:
        """True when the identity has been idle longer than ``idle_seconds``, counting from its last
        activity here or from ``signed_in_at`` (the identity provider's ``iat``), whichever is later;
        True when neither is known."""
        with self._lock:
            times = [t for t in (self._seen.get(identity), signed_in_at) if t is not None]
            now = self._clock()
            expired = not times or now - max(times) > idle_seconds
            if expired:
                self._seen.pop(identity, None)
            return expired
