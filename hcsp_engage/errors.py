"""Errors a person can act on."""

from __future__ import annotations


class ValidationError(Exception):
    """A record failed validation. ``problems`` holds (field, message) pairs for the page to show."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


class StoreUnavailable(Exception):
    """The store (usually Google Sheets) could not be reached or did not answer in time."""


class SchemaMismatch(Exception):
    """A worksheet or table exists with a header that is not the one this app writes."""
