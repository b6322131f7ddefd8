"""Published snapshots: the fixed period that every public figure covers (docs/disclosure-control.md).

Public figures are published once a month, on the 1st (UTC). A publication covers the 12 whole calendar
months before that day and counts only rows submitted before it, so its figures are the same on every day
of the month and do not move with each new answer or report: two visits a day or a minute apart, either
side of one answer, see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from hcsp_engage import records

PUBLIC_MONTHS = 12


def today() -> date:
    """Today in UTC, the clock that stored times use (tests replace this)."""
    return records.utc_now().date()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def long_date(day: date) -> str:
    """ "1 December 2026"."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Snapshot:
    """One publication: the ``months`` whole calendar months before ``published_on`` (the 1st of a
    month), from rows submitted before that day."""

    published_on: date
    months: int = PUBLIC_MONTHS

    def __post_init__(self) -> None:
        if self.published_on.day != 1:
            raise ValueError("A publication is made on the 1st of a month.")

    @property
    def first_day(self) -> date:
        return _add_months(self.published_on, -self.months)

    @property
    def month_keys(self) -> tuple[str, ...]:
        """The months covered, oldest first, as "YYYY-MM"."""
        return tuple(f"{_add_months(self.first_day, n):%Y-%m}" for n in range(self.months))

    @property
    def last_month(self) -> date:
        """The first day of the last month covered."""
        return _add_months(self.published_on, -1)

    def covers(self) -> str:
        """ "December 2025 to November 2026"."""
        return f"{self.first_day:%B %Y} to {self.last_month:%B %Y}"

    def notice(self) -> str:
        """What the page says about the figures' timing."""
        return f"Figures published {long_date(self.published_on)}, covering {self.covers()}"

    def next_publication(self) -> date:
        return _add_months(self.published_on, 1)


def snapshot_for(day: date, months: int = PUBLIC_MONTHS) -> Snapshot:
    """The publication in force on ``day``: made on the 1st of that month."""
    return Snapshot(day.replace(day=1), months)


def _submitted_before(frame: pd.DataFrame, cutoff: date) -> pd.Series:
    submitted = frame["submitted_at"].astype(str)
    # ISO UTC text sorts as time: "2026-11-30T23:59:59Z" < "2026-12-01" <= "2026-12-01T00:00:00Z".
    return (submitted != "") & (submitted < cutoff.isoformat())


def _in_months(days: pd.Series, snapshot: Snapshot) -> pd.Series:
    """Which "YYYY-MM-DD" texts fall in the publication's months. Text, not parsed dates: parsing
    500,000 of them took 0.5 s on every visit, a regular expression 0.18 s."""
    return (days.str.len() == 10) & days.str[:7].isin(snapshot.month_keys)


def reports_in(reports: pd.DataFrame, snapshot: Snapshot, keep: pd.Series | None = None) -> pd.DataFrame:
    """Reports the publication counts, with a ``month`` ("YYYY-MM") column: submitted before it was made
    and about something that happened in its months (by ``occurred_on``, else the day it was reported).
    ``keep``: only these rows as well (one selection instead of two: 0.2 s at 500,000 reports)."""
    if reports.empty:
        return reports.assign(month=pd.Series(dtype=str))
    occurred = reports["occurred_on"].astype(str)
    when = occurred.where(occurred != "", reports["submitted_at"].astype(str).str[:10])
    chosen = _submitted_before(reports, snapshot.published_on) & _in_months(when, snapshot)
    if keep is not None:
        chosen &= keep
    chosen = chosen.to_numpy()
    return reports[chosen].assign(month=when[chosen].str[:7].to_numpy()).reset_index(drop=True)


def responses_in(responses: pd.DataFrame, snapshot: Snapshot) -> pd.DataFrame:
    """Survey responses the publication counts: submitted in its months."""
    if responses.empty:
        return responses
    keep = _in_months(responses["submitted_at"].astype(str).str[:10], snapshot).to_numpy()
    return responses[keep].reset_index(drop=True)
