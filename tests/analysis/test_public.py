from datetime import date

import pandas as pd

from hcsp_engage import schema
from hcsp_engage.analysis import public
from hcsp_engage.storage.base import to_frame
from tests.analysis.test_aggregate import HIGH_TOWN, report

TODAY = date(2026, 11, 1)


def reports(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows, n = [], 0
    for (category, occurred_on), count in counts.items():
        for _ in range(count):
            rows.append(report(*HIGH_TOWN, category=category, n=n, occurred_on=occurred_on))
            n += 1
    return to_frame(schema.ASB_REPORTS, rows)


def test_concerns_by_month_leave_out_personal_asb_and_small_counts():
    frame = reports(
        {("Noise", "2026-10-03"): 6, ("Arson", "2026-10-04"): 4, ("Harassment", "2026-10-05"): 12}
    )
    counts = public.concerns_by_month(frame, "Hereford", TODAY, minimum=5)
    assert counts.to_dict("records") == [{"month": "2026-10", "category": "Noise", "concerns": 6}]


def test_concerns_by_month_for_another_area_are_empty():
    frame = reports({("Noise", "2026-10-03"): 6})
    assert public.concerns_by_month(frame, "Leominster", TODAY).empty


def responses(answers: list[tuple[str, str]]) -> pd.DataFrame:
    rows = []
    for n, (area, answer) in enumerate(answers):
        row = {column: "" for column in schema.COLUMNS[schema.SURVEY_RESPONSES]}
        row.update(
            response_id=f"S-{n:08d}", submitted_at="2026-10-01T12:00:00Z", area=area, safe_after_dark=answer
        )
        rows.append(row)
    return to_frame(schema.SURVEY_RESPONSES, rows)


def test_feeling_safe_leaves_out_dont_know_and_hides_small_areas():
    frame = responses(
        [("Hereford", "Very safe")] * 3
        + [("Hereford", "Fairly unsafe")]
        + [("Hereford", "Don't know")] * 5
        + [("Leominster", "Very safe")] * 2
    )
    figures = public.safety_after_dark(frame, "Leominster", minimum=5).set_index("label")
    assert pd.isna(figures.loc["Leominster (this survey)", "percent_safe"])
    assert figures.loc["Leominster (this survey)", "responses"] == 2
    assert figures.loc["Herefordshire (this survey)", "percent_safe"] == round(100 * 5 / 6, 1)
    assert figures.loc["Herefordshire 2023", "percent_safe"] == 73
    assert figures.loc["Herefordshire 2021", "percent_safe"] == 85
    assert figures.loc["Great Britain 2022", "percent_safe"] == 74


def test_only_public_current_interventions_are_shown_newest_first():
    register = pd.DataFrame(
        {
            "title": ["Old", "Hidden", "Withdrawn", "New"],
            "public": ["yes", "no", "yes", "yes"],
            "status": ["Completed", "Completed", "Withdrawn", "Planned"],
            "area": ["Hereford"] * 4,
        }
    ).iloc[[3, 0, 1, 2]]
    shown = public.public_interventions(register, "Hereford")
    assert list(shown["title"]) == ["New", "Old"]


def test_stored_text_shows_as_itself_in_markdown():
    assert public.markdown_text("**bold** [link](http://x) <b>") == (
        "\\*\\*bold\\*\\* \\[link\\]\\(http\\://x\\) \\<b\\>"
    )
