"""Passcode hashes, abuse limits, the client's address, signed form tokens and staff sign-in rules:
plain Python, no Streamlit."""

from __future__ import annotations

import logging
import threading

import pytest

from hcsp_engage import security


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- Passcode hashes ----------------------------------------------------------------------------------


def test_a_passcode_verifies_against_its_own_hash_only():
    encoded = security.hash_passcode("long enough passcode")
    assert security.verify_passcode("long enough passcode", encoded)
    assert not security.verify_passcode("long enough passcodE", encoded)
    assert not security.verify_passcode("", encoded)


def test_hashes_are_salted_and_never_contain_the_passcode():
    first, second = security.hash_passcode("same passcode"), security.hash_passcode("same passcode")
    assert first != second
    assert "same passcode" not in first
    assert first.startswith("scrypt$")


@pytest.mark.parametrize(
    "encoded",
    ["", "plain text", "scrypt$1$2$3$not-base64$x", "md5$16384$8$1$AAAA$AAAA", "scrypt$a$b$c$AA==$AA=="],
)
def test_a_malformed_hash_never_matches(encoded):
    assert not security.verify_passcode("anything", encoded)


def test_an_empty_passcode_cannot_be_hashed():
    with pytest.raises(ValueError):
        security.hash_passcode("")


# --- The limiter ----------------------------------------------------------------------------------------


def test_limiter_refuses_the_sixth_submission_in_the_window_and_counts_nothing_for_it():
    clock = FakeClock()
    limiter = security.SlidingWindowLimiter(5, 600, clock=clock)
    assert [limiter.try_acquire(["session:a"]) for _ in range(6)] == [True] * 5 + [False]
    clock.now += 599
    assert not limiter.try_acquire(["session:a"])
    assert limiter.seconds_until_free(["session:a"]) == pytest.approx(1)
    clock.now += 1
    assert limiter.try_acquire(["session:a"])


def test_limiter_counts_each_key_so_a_new_session_from_the_same_address_is_still_limited():
    limiter = security.SlidingWindowLimiter(2, 600, clock=FakeClock())
    assert limiter.try_acquire(["session:a", "client:203.0.113.9"])
    assert limiter.try_acquire(["session:b", "client:203.0.113.9"])
    assert not limiter.try_acquire(["session:c", "client:203.0.113.9"])
    assert limiter.try_acquire(["session:c", "client:198.51.100.1"])  # someone else is unaffected
    assert limiter.seconds_until_free(["session:z"]) == 0


def test_limiter_is_safe_when_many_threads_submit_at_once():
    limiter = security.SlidingWindowLimiter(5, 600)
    results: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        allowed = limiter.try_acquire(["client:203.0.113.9"])
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5


def test_limiter_forgets_addresses_once_their_window_has_passed():
    clock = FakeClock()
    limiter = security.SlidingWindowLimiter(5, 600, clock=clock)
    limiter.try_acquire(["session:a", "client:203.0.113.9"])
    assert len(limiter) == 2
    clock.now += 600
    assert len(limiter) == 0


def test_recorded_failures_stay_in_the_window_and_expire_after_it():
    clock = FakeClock()
    limiter = security.SlidingWindowLimiter(3, 900, clock=clock)
    for _ in range(4):  # recorded even beyond the limit: every wrong passcode counts
        limiter.record(["role:officer", "client:81.2.69.142"])
        clock.now += 1
    assert len(limiter.recent("role:officer")) == 4
    limiter.forget(["client:81.2.69.142"])
    assert limiter.recent("client:81.2.69.142") == ()
    clock.now += 900
    assert limiter.recent("role:officer") == ()


# --- Staff sign-in: growing delays ------------------------------------------------------------------------


def test_the_wait_doubles_after_each_wrong_passcode_beyond_the_free_ones_up_to_its_cap():
    delay = security.GrowingDelay(free=5, first=30, cap=15 * 60)
    assert [delay.after(n) for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]


def test_a_client_that_keeps_guessing_waits_longer_each_time():
    clock = FakeClock()
    throttle = security.SignInThrottle(clock=clock)
    client = "client:81.2.69.142"
    for _ in range(security.FREE_SIGN_IN_ATTEMPTS):
        assert throttle.wait("officer", client) == 0
        throttle.failed("officer", client)
    waits = []
    for _ in range(5):
        wait = throttle.wait("officer", client)
        waits.append(wait)
        clock.now += wait
        throttle.failed("officer", client)
    assert waits == [30, 60, 120, 240, 480]


def test_guessing_from_many_addresses_is_slowed_per_role_but_never_locks_officers_out_for_long():
    clock = FakeClock()
    throttle = security.SignInThrottle(clock=clock)
    # An attacker with a new address for every guess, failing as fast as the role allows, for an hour.
    guesses = 0
    start = clock.now
    while clock.now - start < 3600:
        wait = throttle.wait("officer", f"client:10.9.{guesses // 250}.{guesses % 250}")
        clock.now += wait
        throttle.failed("officer", f"client:10.9.{guesses // 250}.{guesses % 250}")
        guesses += 1
        # An officer at another address never waits more than the role's cap.
        assert throttle.wait("officer", "client:81.2.69.142") <= security.ROLE_SIGN_IN_DELAY.cap
    assert guesses < 40  # slow: about one guess in two minutes
    # The Board's role is not affected by the officer guesses.
    assert throttle.wait("board", "client:81.2.69.142") == 0


def test_with_no_client_address_a_new_session_gets_no_new_guesses():
    throttle = security.SignInThrottle(clock=FakeClock())
    for _ in range(security.FREE_SIGN_IN_ATTEMPTS):
        throttle.failed("officer", None)
    assert throttle.wait("officer", None) > 0


def test_signing_in_clears_that_clients_wrong_passcodes_but_not_the_roles():
    throttle = security.SignInThrottle(clock=FakeClock())
    for _ in range(security.FREE_SIGN_IN_ATTEMPTS + 1):
        throttle.failed("officer", "client:81.2.69.142")
    throttle.succeeded("client:81.2.69.142")
    assert throttle.wait("board", "client:81.2.69.142") == 0
    assert throttle.wait("officer", "client:81.2.69.142") > 0  # the role still remembers


# --- The client's address ------------------------------------------------------------------------------

PUBLIC = "81.2.69.142"  # a public address (the documentation ranges count as private in Python)
SITE = {"Origin": "https://engage.example.org"}
LOCAL_PAGE = {"Origin": "http://127.0.0.1:8501"}


@pytest.mark.parametrize(
    ("peer", "headers", "hops", "expected"),
    [
        # No proxy: the connection's own address; a header the client made up is ignored.
        (PUBLIC, {}, 0, PUBLIC),
        (PUBLIC, {"X-Forwarded-For": "6.6.6.6"} | SITE, 0, PUBLIC),
        (PUBLIC, {"X-Forwarded-For": f"6.6.6.6, {PUBLIC}"} | SITE, 0, PUBLIC),
        ("2a00:1450:4009:81f::200e", {"X-Forwarded-For": "6.6.6.6"}, 0, "2a00:1450:4009:81f::200e"),
        ("::ffff:81.2.69.142", {}, 0, PUBLIC),
        # A browser on this machine that opened the app by its local address, adding a header.
        ("127.0.0.1", {"X-Forwarded-For": "6.6.6.6"} | LOCAL_PAGE, 0, "127.0.0.1"),
        ("10.0.0.5", {"X-Forwarded-For": "6.6.6.6", "Origin": "http://10.0.0.9:8501"}, 0, "10.0.0.5"),
        # The server already swapped the peer for the header's entry: the real peer was local.
        ("6.6.6.6", {"X-Forwarded-For": "6.6.6.6"} | LOCAL_PAGE, 0, "127.0.0.1"),
        # One proxy of ours: the right-most entry is the one it added; the left one may be forged.
        ("10.0.0.2", {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}, 1, "203.0.113.9"),
        ("10.0.0.2", {"x-forwarded-for": "203.0.113.9"}, 1, "203.0.113.9"),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9:53211"}, 1, "203.0.113.9"),
        ("10.0.0.2", {"X-Forwarded-For": "[2001:db8::7]:443"}, 1, "2001:db8::7"),
        ("10.0.0.2", {"X-Forwarded-For": "2001:db8::7"}, 1, "2001:db8::7"),
        # Two proxies of ours (CDN then load balancer): the second from the right.
        ("10.0.0.2", {"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.7"}, 2, "203.0.113.9"),
    ],
)
def test_client_address_is_the_peer_or_the_entry_added_by_the_nearest_trusted_proxy(
    peer, headers, hops, expected
):
    peer_from_header = peer == "6.6.6.6"
    found = security.client_address(peer, headers, hops, peer_from_header=peer_from_header)
    assert (found.address, found.problem) == (expected, "")
    if ":" not in expected:  # IPv6 keys are per /64 network: the next test
        assert found.key == f"client:{expected}"


def test_ipv6_clients_are_limited_per_64_network_as_each_home_has_a_whole_one():
    first = security.client_address("2a00:23c5:a1b2:c3d4::1", {})
    other_in_same_home = security.client_address("2a00:23c5:a1b2:c3d4:aaaa:bbbb:cccc:dddd", {})
    neighbour = security.client_address("2a00:23c5:a1b2:c3d5::1", {})
    assert first.address == "2a00:23c5:a1b2:c3d4::1"
    assert first.key == other_in_same_home.key == "client:2a00:23c5:a1b2:c3d4::/64"
    assert neighbour.key != first.key


@pytest.mark.parametrize(
    ("peer", "headers", "hops", "names"),
    [
        # The server did not say where the request came from.
        (None, {}, 0, "did not say"),
        ("not an address", {}, 0, "did not say"),
        # Fewer entries than the proxies we were told about, or rubbish where the address should be.
        ("10.0.0.2", {}, 1, "HCSP_TRUSTED_PROXY_HOPS"),
        ("10.0.0.2", {"X-Forwarded-For": "203.0.113.9"}, 2, "HCSP_TRUSTED_PROXY_HOPS"),
        ("10.0.0.2", {"X-Forwarded-For": "not-an-address"}, 1, "HCSP_TRUSTED_PROXY_HOPS"),
        ("10.0.0.2", {"X-Forwarded-For": "203.0.113.9, <script>"}, 1, "HCSP_TRUSTED_PROXY_HOPS"),
        # A proxy nobody told us about, on this machine or the private network: not one bucket for all.
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"} | SITE, 0, "HCSP_TRUSTED_PROXY_HOPS"),
        ("10.0.0.2", {"X-Forwarded-For": "203.0.113.9"} | SITE, 0, "HCSP_TRUSTED_PROXY_HOPS"),
        ("fd00::2", {"X-Forwarded-For": "203.0.113.9"} | SITE, 0, "HCSP_TRUSTED_PROXY_HOPS"),
        ("127.0.0.1", SITE, 0, "X-Forwarded-For"),
    ],
)
def test_when_the_address_cannot_be_told_safely_limits_count_per_session_and_say_what_to_fix(
    peer, headers, hops, names
):
    found = security.client_address(peer, headers, hops)
    assert found.address is None and found.key is None
    assert names in found.problem


def test_a_misconfigured_proxy_is_logged_once_per_process(caplog, monkeypatch):
    monkeypatch.setattr(security, "_warned", threading.Event())
    with caplog.at_level(logging.WARNING, logger="hcsp_engage.security"):
        for _ in range(3):
            security.warn_once(
                security.client_address("127.0.0.1", {"X-Forwarded-For": "1.2.3.4"} | SITE).problem
            )
    assert len(caplog.records) == 1
    assert "HCSP_TRUSTED_PROXY_HOPS" in caplog.records[0].getMessage()


# --- Signed form tokens ----------------------------------------------------------------------------------


def test_a_form_token_gives_back_when_the_form_was_first_shown():
    token = security.form_token("survey", shown_at=1_800_000_000)
    assert security.form_shown_at(token, "survey") == 1_800_000_000
    # Replaying an old token is harmless: it only says the form was shown long ago, which it was.
    assert security.form_shown_at(token, "survey") == 1_800_000_000


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token.replace("1800000000", "1700000000"),  # an older time, same signature
        lambda token: "1700000000." + "0" * 64,  # a token made up by the client
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
        lambda token: "",
        lambda token: "garbage",
        lambda token: "-5." + token.split(".")[1],
    ],
)
def test_a_tampered_or_made_up_form_token_is_refused(tamper):
    token = security.form_token("survey", shown_at=1_800_000_000)
    assert security.form_shown_at(tamper(token), "survey") is None
    assert security.form_shown_at(None, "survey") is None


def test_a_form_token_is_only_good_for_its_own_form_and_server():
    token = security.form_token("survey", shown_at=1_800_000_000)
    assert security.form_shown_at(token, "report") is None
    assert security.form_shown_at(token, "survey", secret=b"another server") is None


# --- Single sign-on claims and activity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "verified"),
    [
        ({"email_verified": True}, True),
        ({"email_verified": "true"}, True),
        ({"email_verified": False}, False),
        ({"email_verified": "false"}, False),
        ({"email_verified": 1}, False),
        ({}, False),
    ],
)
def test_only_an_email_the_identity_provider_calls_verified_counts(claims, verified):
    assert security.email_is_verified(claims) is verified


def test_the_issuer_comes_from_the_providers_discovery_address():
    entra = "https://login.microsoftonline.com/1234-tenant/v2.0/.well-known/openid-configuration"
    assert security.issuer_from_metadata_url(entra) == "https://login.microsoftonline.com/1234-tenant/v2.0"
    assert security.issuer_from_metadata_url("https://example.org/metadata") == ""


def test_a_token_from_another_issuer_is_refused_when_one_is_configured():
    ours = ("https://login.microsoftonline.com/1234-tenant/v2.0",)
    assert security.issuer_accepted({"iss": "https://login.microsoftonline.com/1234-tenant/v2.0/"}, ours)
    assert not security.issuer_accepted({"iss": "https://login.microsoftonline.com/evil/v2.0"}, ours)
    assert not security.issuer_accepted({}, ours)
    assert security.issuer_accepted({"iss": "https://anyone"}, ())


def test_an_identity_idle_too_long_or_unknown_here_is_signed_out():
    clock = FakeClock(now=10_000)
    activity = security.StaffActivity(clock=clock)
    assert activity.idle_too_long("iss|ann", 1800)  # never seen by this process: fail closed
    assert not activity.idle_too_long("iss|ann", 1800, signed_in_at=clock.now - 60)  # just signed in
    activity.touch("iss|ann")
    clock.now += 1799
    assert not activity.idle_too_long("iss|ann", 1800, signed_in_at=1)
    clock.now += 1800
    # The tab comes back: the 30-day cookie's old sign-in time does not help.
    assert activity.idle_too_long("iss|ann", 1800, signed_in_at=1)
    assert activity.idle_too_long("iss|ann", 1800)  # and it stays signed out
