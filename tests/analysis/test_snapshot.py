from datetime import date

import pandas as pd
import pytest

from hcsp_engage import schema
from hcsp_engage.analysis import snapshot
from hcsp_engage.analysis.snapshot import Snapshot, snapshot_for
from hcsp_engage.storage.base import to_frame
from tests.analysis.test_aggregate import HIGH_TOWN, report


def test_the_publication_in_force_is_the_one_made_on_the_first_of_the_month():
    published = snapshot_for(date(2026, 12, 17))
    assert published == Snapshot(date(2026, 12, 1))
    assert published.notice() == "Figures published 1 December 2026, covering December 2025 to November 2026"
    assert published.month_keys[0] == "2025-12" and published.month_keys[-1] == "2026-11"
    assert len(published.month_keys) == 12
    assert published.next_publication() == date(2027, 1, 1)


@pytest.mark.parametrize("day", range(1, 32))
def test_every_day_of_a_month_has_the_same_publication(day):
    assert snapshot_for(date(2026, 12, day)) == snapshot_for(date(2026, 12, 1))


def test_a_publication_is_only_made_on_the_first():
    with pytest.raises(ValueError):
        Snapshot(date(2026, 12, 2))


def test_january_covers_the_whole_previous_year():
    assert snapshot_for(date(2027, 1, 9)).covers() == "January 2026 to December 2026"


def test_reports_count_when_they_happened_and_only_once_submitted_before_the_publication():
    published = Snapshot(date(2026, 12, 1))
    rows = [
        # the first day of the period, reported the same day
        report(*HIGH_TOWN, n=0, occurred_on="2025-12-01", submitted_at="2025-12-01T08:00:00Z"),
        # the day before the period
        report(*HIGH_TOWN, n=1, occurred_on="2025-11-30", submitted_at="2025-12-01T08:00:00Z"),
        # reported in the last second before the publication
        report(*HIGH_TOWN, n=2, occurred_on="2026-11-30", submitted_at="2026-11-30T23:59:59Z"),
        # reported as it was made: waits for the next one
        report(*HIGH_TOWN, n=3, occurred_on="2026-11-30", submitted_at="2026-12-01T00:00:00Z"),
        # no date given: counted when it was reported
        report(*HIGH_TOWN, n=4, occurred_on="", submitted_at="2026-06-15T10:00:00Z"),
        # a date after the period
        report(*HIGH_TOWN, n=5, occurred_on="2026-12-01", submitted_at="2026-11-30T10:00:00Z"),
    ]
    kept = snapshot.reports_in(to_frame(schema.ASB_REPORTS, rows), published)
    assert list(kept["report_id"]) == ["R-00000000", "R-00000002", "R-00000004"]
    assert list(kept["month"]) == ["2025-12", "2026-11", "2026-06"]


def test_responses_count_in_the_months_they_were_given():
    published = Snapshot(date(2026, 12, 1))
    times = ["2025-11-30T23:59:59Z", "2025-12-01T00:00:00Z", "2026-11-30T23:59:59Z", "2026-12-01T00:00:00Z"]
    frame = pd.DataFrame({"response_id": ["a", "b", "c", "d"], "submitted_at": times})
    assert list(snapshot.responses_in(frame, published)["response_id"]) == ["b", "c"]
