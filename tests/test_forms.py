"""Abuse limits, the client address behind a proxy, and answers into records: plain Python."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from hcsp_engage import forms, records


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_refuses_the_sixth_submission_in_the_window_and_counts_nothing_for_it():
    clock = FakeClock()
    limiter = forms.SubmissionLimiter(5, 600, clock=clock)
    assert [limiter.try_acquire(["session:a"]) for _ in range(6)] == [True] * 5 + [False]
    clock.now += 599
    assert not limiter.try_acquire(["session:a"])
    assert limiter.seconds_until_free(["session:a"]) == pytest.approx(1)
    clock.now += 1
    assert limiter.try_acquire(["session:a"])


def test_limiter_counts_each_key_so_a_new_session_from_the_same_address_is_still_limited():
    limiter = forms.SubmissionLimiter(2, 600, clock=FakeClock())
    assert limiter.try_acquire(["session:a", "client:203.0.113.9"])
    assert limiter.try_acquire(["session:b", "client:203.0.113.9"])
    assert not limiter.try_acquire(["session:c", "client:203.0.113.9"])
    assert limiter.try_acquire(["session:c", "client:198.51.100.1"])  # someone else is unaffected
    assert limiter.seconds_until_free(["session:z"]) == 0


def test_limiter_is_safe_when_many_threads_submit_at_once():
    limiter = forms.SubmissionLimiter(5, 600)
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


@pytest.mark.parametrize(
    ("headers", "ip_address", "hops", "expected"),
    [
        # One proxy of ours: the right-most entry is the one it added; the left one may be forged.
        ({"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}, "10.0.0.2", 1, "203.0.113.9"),
        ({"x-forwarded-for": "203.0.113.9"}, "10.0.0.2", 1, "203.0.113.9"),
        # Two proxies of ours (CDN then load balancer): the second from the right.
        ({"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.7"}, "10.0.0.2", 2, "203.0.113.9"),
        # No proxy: a header the client made up is ignored.
        ({"X-Forwarded-For": "6.6.6.6"}, "198.51.100.4", 0, "198.51.100.4"),
        # No header, or rubbish in it: the connection's own address.
        ({}, "198.51.100.4", 1, "198.51.100.4"),
        ({"X-Forwarded-For": "not-an-address"}, "2001:db8::1", 1, "2001:db8::1"),
        ({}, None, 1, None),
    ],
)
def test_client_address_is_the_one_added_by_the_nearest_trusted_proxy(headers, ip_address, hops, expected):
    assert forms.client_address(headers, ip_address, trusted_proxy_hops=hops) == expected


def test_survey_answers_become_a_valid_response_with_the_given_reference():
    answers = {
        "area": "Ross-on-Wye",
        "postcode": "HR9 7AA",
        "safe_day": "Very safe",
        "safe_after_dark": "Don't know",
        "noticed_changes": ["None of these"],
        "changes_effect": "I have not noticed any changes",
        "top_concerns": ["Burglary"],
        "age_band": None,
    }
    response = forms.survey_from_answers(answers, forms.Location(place="Market House"), "S-23456789")
    assert records.validate_survey(response) == []
    row = records.survey_row(response)
    assert (row["response_id"], row["postcode_district"], row["unsafe_place"]) == (
        "S-23456789",
        "HR9",
        "Market House",
    )
    assert row["age_band"] == ""


def test_report_answers_become_a_report_and_a_missing_date_is_reported():
    location = forms.Location(lat=52.0565, lon=-2.7149)
    report = forms.report_from_answers({"area": "Hereford", "occurred_on": None}, location, "R-23456789")
    assert report.occurred_on is None
    assert ("occurred_on", "Enter the date it last happened.") in records.validate_report(report)
    dated = forms.report_from_answers({"occurred_on": date(2026, 1, 2)}, location, "R-23456789")
    assert dated.occurred_on == date(2026, 1, 2)


def test_only_reports_with_enough_incidents_meet_the_community_trigger():
    report = forms.report_from_answers({"incidents_reported_6m": "3 or more"}, forms.Location(), "R-23456789")
    assert forms.meets_community_trigger(report, 3)
    assert not forms.meets_community_trigger(report, 4)
    assert not forms.meets_community_trigger(forms.survey_from_answers({}, forms.Location(), "S-2"), 3)


def test_character_counter_says_how_many_too_many():
    assert forms.characters_used("", 1000) == "0 of 1,000 characters used"
    assert forms.characters_used("x" * 1002, 1000) == "1,002 of 1,000 characters used (2 too many)"


def test_limiter_forgets_addresses_once_their_window_has_passed():
    clock = FakeClock()
    limiter = forms.SubmissionLimiter(5, 600, clock=clock)
    limiter.try_acquire(["session:a", "client:203.0.113.9"])
    assert len(limiter) == 2
    clock.now += 600
    assert len(limiter) == 0
