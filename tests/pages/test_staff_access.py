"""Every staff page shows no record, count or place from the store until the right role signs in."""

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from hcsp_engage.web import auth
from tests.conftest import APP, open_page
from tests.pages.staff_support import (
    BOARD_PASSCODE,
    ISSUER,
    OFFICER_PASSCODE,
    SECRET_VALUES,
    SECRETS,
    SSO_SECRETS,
    everything_shown,
    leaked,
    seed_distinctive_store,
    sign_in,
    sso_user,
)

STAFF_PAGES = {
    "views/hotspots.py": {"officer"},
    "views/interventions.py": {"officer"},
    "views/board.py": {"officer", "board"},
}

# Signed in, /board first protects every period's figures at once (analysis/board.py, build): a few
# seconds on the small synthetic store here, even on a busy 2-core machine (docs/performance.md, "Board
# protection").
BOARD_TIMEOUT = 30


@pytest.fixture(autouse=True)
def distinctive_store():
    seed_distinctive_store()


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_staff_page_without_sign_in_shows_no_data(page):
    at = open_page(page, secrets=SECRETS)
    assert not at.exception
    assert leaked(at) == []
    assert at.text_input(key="staff_signin_passcode")


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_staff_page_with_no_sign_in_configured_explains_how_and_shows_no_data(page):
    at = open_page(page)
    assert not at.exception
    assert leaked(at) == []
    assert any("python -m hcsp_engage.passcode" in info.value for info in at.info)


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_wrong_passcode_shows_no_data(page):
    at = open_page(page, secrets=SECRETS)
    sign_in(at, "not the passcode")
    assert not at.exception
    assert any("passcode is not right" in error.value for error in at.error)
    assert leaked(at) == []


@pytest.mark.parametrize("page", [page for page, roles in STAFF_PAGES.items() if "board" not in roles])
def test_a_board_member_cannot_open_an_officer_page(page):
    at = open_page("views/board.py", secrets=SECRETS, timeout=BOARD_TIMEOUT)
    sign_in(at, BOARD_PASSCODE, role="board")
    at.switch_page(page).run()
    assert not at.exception
    assert any("This page is for community safety officers" in warning.value for warning in at.warning)
    assert leaked(at) == []


def test_the_officer_passcode_opens_the_interventions_register():
    at = open_page("views/interventions.py", secrets=SECRETS)
    sign_in(at, OFFICER_PASSCODE, name="Jo Bloggs")
    assert not at.exception
    assert "Numbat lighting 7Q" in everything_shown(at)


def signed_in_home(role: str, name: str = "AB") -> AppTest:
    """The home page (which AppTest runs with the sidebar) for a session signed in as ``role``."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets.update(SECRETS)
    at.session_state[auth.ROLE_KEY] = role
    at.session_state[auth.NAME_KEY] = name
    at.session_state[auth.SEEN_KEY] = time.time()
    return at.run()


def test_the_sidebar_says_who_is_signed_in():
    at = signed_in_home("officer", "Jo Bloggs")
    assert any("Signed in: Jo Bloggs" in caption.value for caption in at.sidebar.caption)


def test_the_board_passcode_does_not_open_an_officer_page_when_typed_there():
    # The officer page only offers the officer role, so the board passcode is simply wrong there.
    at = open_page("views/interventions.py", secrets=SECRETS)
    sign_in(at, BOARD_PASSCODE)
    assert leaked(at) == []
    assert any("passcode is not right" in error.value for error in at.error)


def test_too_many_wrong_passcodes_lock_the_form_even_for_the_right_one():
    at = open_page("views/interventions.py", secrets=SECRETS)
    for _ in range(auth.MAX_ATTEMPTS):
        sign_in(at, "guess")
    assert any("Too many wrong passcodes" in error.value for error in at.error)
    at.run()
    assert "staff_signin_passcode" not in [widget.key for widget in at.text_input]
    assert any("Too many wrong passcodes" in error.value for error in at.error)
    assert leaked(at) == []


def test_a_new_session_gets_no_new_guesses_when_the_client_address_is_unknown():
    # AppTest has no network connection, like a server that cannot tell the client's address: the
    # wrong passcodes then count per role, so reloading the page does not give five more guesses.
    at = open_page("views/interventions.py", secrets=SECRETS)
    for _ in range(auth.MAX_ATTEMPTS):
        sign_in(at, "guess")
    reloaded = open_page("views/interventions.py", secrets=SECRETS)
    assert "staff_signin_passcode" not in [widget.key for widget in reloaded.text_input]
    assert any("Too many wrong passcodes" in error.value for error in reloaded.error)
    assert any(re.search(r"try again in about \d+ seconds", error.value) for error in reloaded.error)


def test_guesses_at_the_officer_passcode_do_not_lock_board_members_out():
    at = open_page("views/board.py", secrets=SECRETS)
    for _ in range(auth.MAX_ATTEMPTS):
        sign_in(at, "guess", role="officer")
    board = open_page("views/board.py", secrets=SECRETS, timeout=BOARD_TIMEOUT)
    sign_in(board, BOARD_PASSCODE, role="board")
    assert not board.exception
    assert not any("Too many wrong passcodes" in error.value for error in board.error)
    assert any("Signed in as AB (hcsp board member)" in caption.value for caption in board.caption)


def test_a_name_is_required_to_sign_in():
    at = open_page("views/interventions.py", secrets=SECRETS)
    sign_in(at, OFFICER_PASSCODE, name="  ")
    assert any("Enter your name or initials" in error.value for error in at.error)
    assert leaked(at) == []


def test_signing_out_hides_the_data_again():
    at = open_page("views/interventions.py", secrets=SECRETS)
    sign_in(at, OFFICER_PASSCODE)
    at.button(key="staff_sign_out_page").click().run()
    assert leaked(at) == []
    assert "staff_signin_passcode" in [widget.key for widget in at.text_input]


def test_an_idle_session_is_signed_out():
    at = open_page("views/interventions.py", secrets=SECRETS)
    sign_in(at, OFFICER_PASSCODE)
    at.session_state[auth.SEEN_KEY] = time.time() - 31 * 60
    at.run()
    assert leaked(at) == []
    assert any("without activity" in info.value for info in at.info)


def test_staff_pages_are_listed_in_the_menu_only_for_their_roles():
    public = [link.proto.label for link in open_page(secrets=SECRETS).sidebar.get("page_link")]
    board = [link.proto.label for link in signed_in_home("board").sidebar.get("page_link")]
    officer = [link.proto.label for link in signed_in_home("officer").sidebar.get("page_link")]
    assert not {"Board summary", "Interventions register", "Hotspots and reports"} & set(public)
    assert "Board summary" in board and "Interventions register" not in board
    assert {"Board summary", "Interventions register", "Hotspots and reports"} <= set(officer)


def test_single_sign_on_gives_roles_from_the_email_lists():
    at = open_page("views/interventions.py", secrets=SSO_SECRETS)
    assert leaked(at) == []
    at.user = sso_user("someone@example.com")
    at.run()
    assert leaked(at) == []
    assert any("not on the staff list" in warning.value for warning in at.warning)
    at.user = sso_user("Officer@herefordshire.gov.uk")
    at.run()
    assert not at.exception
    assert "Numbat lighting 7Q" in everything_shown(at)


@pytest.mark.parametrize("verified", [False, "false", None])
def test_single_sign_on_gives_no_role_to_an_email_the_provider_has_not_verified(verified):
    at = open_page("views/interventions.py", secrets=SSO_SECRETS)
    claims = {"email_verified": verified} if verified is not None else {}
    user = sso_user("officer@herefordshire.gov.uk") | claims
    if verified is None:
        del user["email_verified"]
    at.user = user
    at.run()
    assert not at.exception
    assert leaked(at) == []
    assert any(
        "did not confirm that officer@herefordshire.gov.uk is a verified" in w.value for w in at.warning
    )


def test_single_sign_on_gives_no_role_to_a_token_from_another_tenant():
    at = open_page("views/interventions.py", secrets=SSO_SECRETS)
    at.user = sso_user("officer@herefordshire.gov.uk", iss="https://login.microsoftonline.com/other/v2.0")
    at.run()
    assert not at.exception
    assert leaked(at) == []
    assert any("not the organisation's sign-in this app trusts" in w.value for w in at.warning)


def test_an_explicit_issuer_in_the_staff_roles_is_the_one_trusted():
    secrets = {
        **SSO_SECRETS,
        "staff_roles": {**SSO_SECRETS["staff_roles"], "issuer": "https://idp.example.org"},
    }
    at = open_page("views/interventions.py", secrets=secrets)
    at.user = sso_user("officer@herefordshire.gov.uk")  # the tenant of server_metadata_url: not enough
    at.run()
    assert leaked(at) == []
    at.user = sso_user("officer@herefordshire.gov.uk", iss="https://idp.example.org")
    at.run()
    assert "Numbat lighting 7Q" in everything_shown(at)


def returning_tab(user: dict) -> AppTest:
    """A new session of a browser whose sign-in cookie still holds ``user`` (it lasts 30 days)."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets.update(SSO_SECRETS)
    at.user = user
    at.run()
    return at.switch_page("views/interventions.py").run()


def test_a_single_sign_on_tab_returning_after_the_idle_time_is_signed_out_and_told_why():
    user = sso_user("officer@herefordshire.gov.uk", signed_in_seconds_ago=3 * 3600)
    identity = f"{ISSUER}|{user['sub']}"
    # Active 5 minutes ago in another tab: the returning tab carries on.
    auth._activity().touch(identity, at=time.time() - 5 * 60)
    at = returning_tab(user)
    assert "Numbat lighting 7Q" in everything_shown(at)
    # Last active 31 minutes ago (idle time 30): signed out on the server, whatever the cookie says.
    auth._activity().touch(identity, at=time.time() - 31 * 60)
    at = returning_tab(user)
    assert not at.exception
    assert leaked(at) == []
    assert any("signed out after 30 minutes without activity" in info.value for info in at.info)
    assert at.user["is_logged_in"] is False  # st.logout() cleared the sign-in


def test_a_single_sign_on_cookie_this_server_never_saw_active_is_signed_out():
    # After a restart the server knows no activity: an old sign-in is not trusted (fail closed).
    at = returning_tab(sso_user("officer@herefordshire.gov.uk", signed_in_seconds_ago=2 * 3600))
    assert leaked(at) == []
    assert at.user["is_logged_in"] is False


def test_signing_out_of_single_sign_on_signs_out_the_identitys_other_tabs():
    user = sso_user("officer@herefordshire.gov.uk", signed_in_seconds_ago=3 * 3600)
    auth._activity().touch(f"{ISSUER}|{user['sub']}")
    first = returning_tab(user)
    assert "Numbat lighting 7Q" in everything_shown(first)
    first.button(key="staff_sign_out_page").click().run()
    assert leaked(returning_tab(user)) == []


def test_demo_mode_signs_in_with_one_click_under_a_banner(monkeypatch):
    monkeypatch.setenv("HCSP_DEMO", "1")
    at = open_page("views/interventions.py")
    assert any("Demo data" in str(element.proto) for element in at.get("html"))
    at.button(key="staff_demo_officer").click().run()
    assert not at.exception
    assert at.dataframe


def test_the_secret_values_are_really_in_the_store():
    # Guards the tests above: they would pass trivially if seeding silently failed.
    from hcsp_engage import config, storage

    tables = storage.open_store(config.load_settings({})).read_all()
    shown = "\n".join(frame.to_csv() for frame in tables.values())
    assert all(value in shown for value in SECRET_VALUES)
