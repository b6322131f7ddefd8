"""The privacy notice and the accessibility statement (AppTest)."""

from __future__ import annotations

import pytest

from tests.conftest import open_page


def page_text(at) -> str:
    """The page's prose with line breaks folded, as a reader sees it."""
    return " ".join(" ".join(element.value for element in at.markdown).split())


def test_privacy_notice_says_what_is_kept_why_who_sees_it_and_for_how_long():
    at = open_page("views/privacy.py")
    assert not at.exception
    text = page_text(at)
    for phrase in (
        "What we collect",
        "public task",
        "Who sees what",
        "fewer than 5",
        "at least 10 reports",
        "three years",
        "[removed]",
        "do not** ask for your name",
        "Data Protection Officer",
        "ico.org.uk",
    ):
        assert phrase in text


def test_privacy_notice_quotes_the_configured_public_map_threshold(monkeypatch):
    monkeypatch.setenv("HCSP_PUBLIC_MIN_REPORTS", "25")
    assert "at least 25 reports" in page_text(open_page("views/privacy.py"))


def test_accessibility_statement_gives_wcag_status_known_gaps_and_a_contact():
    at = open_page("views/accessibility.py")
    assert not at.exception
    text = page_text(at)
    for phrase in (
        "WCAG) version 2.2 at level AA",
        "partially meets",
        "The map",
        "named places",
        "Enforcement",
    ):
        assert phrase in text


@pytest.mark.parametrize("page", ["views/privacy.py", "views/accessibility.py"])
def test_information_pages_carry_the_emergency_notice(page):
    at = open_page(page)
    assert any("call 999 in an emergency" in warning.value for warning in at.warning)
