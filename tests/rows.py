"""Stored rows for tests, built one way: every column of the table (docs/design.md section 5), blank
unless given, as the store gives them back (text). Tests that need a validated record build it with
``hcsp_engage.records`` instead."""

from __future__ import annotations

from hcsp_engage import schema


def table_row(table: str, **values: str) -> dict[str, str]:
    """A row of ``table`` with ``values`` and every other column blank; an unknown column fails."""
    unknown = set(values) - set(schema.COLUMNS[table])
    if unknown:
        raise KeyError(f"{table} has no column {sorted(unknown)}")
    return {column: values.get(column, "") for column in schema.COLUMNS[table]}


def report_row(n: int = 0, **values: str) -> dict[str, str]:
    """An asb_reports row with the id R-<n, 8 digits>."""
    return table_row(schema.ASB_REPORTS, report_id=f"R-{n:08d}", **values)


def response_row(n: int = 0, **values: str) -> dict[str, str]:
    """A survey_responses row with the id S-<n, 8 digits>."""
    return table_row(schema.SURVEY_RESPONSES, response_id=f"S-{n:08d}", **values)


def status_row(
    report_id: str, status: str, updated_at: str, note: str = "", updated_by: str = "AB"
) -> dict[str, str]:
    """A report_status row: an officer's change of a report's status."""
    return table_row(
        schema.REPORT_STATUS,
        report_id=report_id,
        status=status,
        note=note,
        updated_at=updated_at,
        updated_by=updated_by,
    )


def intervention_row(intervention_id: str, **values: str) -> dict[str, str]:
    """An interventions row."""
    return table_row(schema.INTERVENTIONS, intervention_id=intervention_id, **values)
