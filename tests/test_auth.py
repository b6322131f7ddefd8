import pytest

from hcsp_engage import auth


def test_a_passcode_verifies_against_its_own_hash_only():
    encoded = auth.hash_passcode("long enough passcode")
    assert auth.verify_passcode("long enough passcode", encoded)
    assert not auth.verify_passcode("long enough passcodE", encoded)
    assert not auth.verify_passcode("", encoded)


def test_hashes_are_salted_and_never_contain_the_passcode():
    first, second = auth.hash_passcode("same passcode"), auth.hash_passcode("same passcode")
    assert first != second
    assert "same passcode" not in first
    assert first.startswith("scrypt$")


@pytest.mark.parametrize(
    "encoded",
    ["", "plain text", "scrypt$1$2$3$not-base64$x", "md5$16384$8$1$AAAA$AAAA", "scrypt$a$b$c$AA==$AA=="],
)
def test_a_malformed_hash_never_matches(encoded):
    assert not auth.verify_passcode("anything", encoded)


def test_an_empty_passcode_cannot_be_hashed():
    with pytest.raises(ValueError):
        auth.hash_passcode("")


def test_roles_come_from_the_email_lists_whatever_the_case():
    lists = {"officer": ("Ann@Council.gov.uk",), "board": ("ann@council.gov.uk", "bob@nhs.net")}
    assert auth.roles_for_email("ANN@council.gov.uk", lists) == ["officer", "board"]
    assert auth.roles_for_email("bob@nhs.net", lists) == ["board"]
    assert auth.roles_for_email("eve@example.com", lists) == []
    assert auth.roles_for_email("", lists) == []


def test_wrong_attempts_lock_out_within_the_window_and_expire_after_it():
    limiter = auth.AttemptLimiter(limit=3, window_seconds=900)
    for second in range(2):
        limiter.fail(["session:a", "client:1.2.3.4"], now=1000 + second)
    assert not limiter.locked(["session:a"], now=1002)
    limiter.fail(["session:a", "client:1.2.3.4"], now=1002)
    assert limiter.locked(["session:a"], now=1003)
    # Another session from the same address is locked out too; another address is not.
    assert limiter.locked(["session:b", "client:1.2.3.4"], now=1003)
    assert not limiter.locked(["session:c", "client:5.6.7.8"], now=1003)
    assert not limiter.locked(["session:a"], now=1000 + 900 + 1)
