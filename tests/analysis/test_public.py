"""The public /map figures: one publication a month, every count through one release banded at k.

The attack tests read the figures as a reader would (every area view, two days, two visits either side
of one answer) and try to recover a small count, a day's reports or one person's answer. Each attack is
also run against the figures as they were before (``tests.analysis.old_public``) to show that it finds
the leak it is written for.
"""

from datetime import UTC, date, datetime, timedelta

import h3
import pandas as pd
import pytest

from hcsp_engage import disclosure, schema, synthetic
from hcsp_engage.analysis import public
from hcsp_engage.analysis.snapshot import Snapshot
from hcsp_engage.render import maps
from hcsp_engage.storage.base import to_frame
from tests.analysis import old_public
from tests.analysis.test_aggregate import HIGH_TOWN, LEOMINSTER, report
from tests.rows import response_row

TODAY = date(2026, 11, 20)  # the publication of 1 November 2026: November 2025 to October 2026
PUBLISHED = Snapshot(date(2026, 11, 1))
TOWN_POINTS = {"Hereford": HIGH_TOWN, "Leominster": LEOMINSTER, "Ross-on-Wye": (51.9144, -2.5866)}
ELSEWHERE_POINT = (52.10, -2.95)


def reports(counts: dict[tuple[str, str], int], area: str = "Hereford", start: int = 0) -> pd.DataFrame:
    rows, n = [], start
    for (category, occurred_on), count in counts.items():
        for _ in range(count):
            rows.append(
                report(
                    *TOWN_POINTS.get(area, ELSEWHERE_POINT),
                    category=category,
                    n=n,
                    occurred_on=occurred_on,
                    submitted_at=f"{occurred_on}T12:00:00Z",
                    area=area,
                )
            )
            n += 1
    return to_frame(schema.ASB_REPORTS, rows)


def responses(answers: list[tuple[str, str]], submitted_at: str = "2026-10-01T12:00:00Z") -> pd.DataFrame:
    rows = []
    for n, (area, answer) in enumerate(answers):
        rows.append(response_row(n, submitted_at=submitted_at, area=area, safe_after_dark=answer))
    return to_frame(schema.SURVEY_RESPONSES, rows)


def no_responses() -> pd.DataFrame:
    return to_frame(schema.SURVEY_RESPONSES, [])


def test_concerns_by_month_are_bands_at_k_with_personal_asb_and_small_counts_left_out():
    frame = reports(
        {("Noise", "2026-10-03"): 12, ("Arson", "2026-10-04"): 9, ("Harassment", "2026-10-05"): 30}
    )
    figures = public.publish(frame, no_responses(), 10, PUBLISHED)
    counts = public.concerns_in(figures, "Hereford")
    assert counts.to_dict("records") == [
        {"month": "2026-10", "category": "Noise", "band": "10–24", "low": 10}
    ]
    assert public.concerns_in(figures, "Leominster").empty
    assert figures.publication.audit() == []


def test_public_bands_start_at_k():
    assert [band.text for band in public.public_bands(10)] == ["10–24", "25–49", "50–99", "100 or more"]
    assert [band.text for band in public.public_bands(20)] == ["20–24", "25–49", "50–99", "100 or more"]
    assert [band.text for band in public.public_bands(30)] == ["30–49", "50–99", "100 or more"]


def test_feeling_safe_leaves_out_dont_know_and_shows_answers_in_bands_and_whole_percentages():
    frame = responses(
        [("Hereford", "Very safe")] * 20
        + [("Hereford", "Fairly unsafe")] * 10
        + [("Hereford", "Don't know")] * 5
        + [("Leominster", "Very safe")] * 2
    )
    figures = public.publish(to_frame(schema.ASB_REPORTS, []), frame, 10, PUBLISHED)
    rows = public.safety_after_dark(figures, "Leominster").set_index("label")
    assert pd.isna(rows.loc["Leominster (this survey)", "percent_safe"])
    assert rows.loc["Leominster (this survey)", "answers"] == ""  # fewer than 10: not even a band
    assert rows.loc["Herefordshire (this survey)", "percent_safe"] == 69  # 22 of 32, whole per cent
    assert rows.loc["Herefordshire (this survey)", "answers"] == "25–49"
    assert rows.loc["Herefordshire 2023", "percent_safe"] == 73
    assert rows.loc["Herefordshire 2021", "percent_safe"] == 85
    assert rows.loc["Great Britain 2022", "percent_safe"] == 74
    hereford = public.safety_after_dark(figures, "Hereford").set_index("label")
    assert hereford.loc["Hereford (this survey)", "percent_safe"] == 67
    notes = public.safety_notes(public.safety_after_dark(figures, "Leominster"), 10)
    assert "Leominster (this survey): fewer than 10 answers, so no percentage is shown." in notes
    assert figures.publication.audit() == []


def test_a_percentage_is_not_shown_when_fewer_than_k_people_are_on_one_side():
    # 25 answers, 3 of them unsafe: 88% would say that 3 (or so) people feel unsafe.
    frame = responses([("Hereford", "Very safe")] * 22 + [("Hereford", "Very unsafe")] * 3)
    figures = public.publish(to_frame(schema.ASB_REPORTS, []), frame, 10, PUBLISHED)
    rows = public.safety_after_dark(figures, "Hereford").set_index("label")
    assert rows.loc["Hereford (this survey)", "answers"] == "25–49"
    assert pd.isna(rows.loc["Hereford (this survey)", "percent_safe"])
    assert pd.isna(rows.loc["Herefordshire (this survey)", "percent_safe"])
    assert figures.publication.audit() == []


# --- Attacks -----------------------------------------------------------------------------------------


def seen_now(tables: dict[str, pd.DataFrame], today: date, k: int = 10) -> dict[tuple, object]:
    """Everything /map shows today, over every area view: each figure's text, keyed by what it is."""
    figures = public.publish_for(tables, k, today)
    seen: dict[tuple, object] = {}
    for row in figures.concerns.itertuples():
        seen[("concerns", row.area, row.month, row.category)] = row.band
    for row in figures.safety.itertuples():
        seen[("answers", row.area)] = row.answers if row.answers_shown else None
        seen[("percent", row.area)] = None if pd.isna(row.percent_safe) else int(row.percent_safe)
    for layer, cells in figures.layers.items():
        seen[("hexagons", layer)] = tuple(zip(cells["cell"], cells["band"], strict=True))
    return seen


def seen_before(tables: dict[str, pd.DataFrame], today: date, k: int = 10) -> dict[tuple, object]:
    """The same, as the page showed it before the disclosure-control layer."""
    reports_ = tables.get(schema.ASB_REPORTS, to_frame(schema.ASB_REPORTS, []))
    responses_ = tables.get(schema.SURVEY_RESPONSES, no_responses())
    seen: dict[tuple, object] = {}
    for area in public.VIEWS:
        for row in old_public.concerns_by_month(reports_, area, today).itertuples():
            seen[("concerns", area, row.month, row.category)] = int(row.concerns)
        percent, answers = old_public.safety_after_dark(responses_, area)
        seen[("answers", area)] = answers
        seen[("percent", area)] = percent
    seen[("hexagons", "concerns")] = tuple(
        zip(*(old_public.concern_cells(reports_, today, k)[c] for c in ("cell", "band")), strict=True)
    )
    return seen


READERS = {"published": seen_now, "before": seen_before}


def changed(before: dict, after: dict) -> dict[tuple, tuple]:
    return {
        key: (before.get(key), after.get(key))
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    }


def day_by_day_attack(read, tables: dict[str, pd.DataFrame], day: date) -> dict[tuple, int]:
    """Visit on ``day`` and the day after: every concerns figure that fell tells how many reports left
    the figures overnight, that is how many were made on one day a year ago."""
    first, second = read(tables, day), read(tables, date.fromordinal(day.toordinal() + 1))
    recovered = {}
    for key, (old, new) in changed(first, second).items():
        if key[0] == "concerns" and isinstance(old, int):
            recovered[key] = old - (new or 0)
        elif key[0] == "concerns":
            recovered[key] = -1  # a band moved: something about one day is given away
    return recovered


@pytest.mark.parametrize("reader, leaks", [("published", False), ("before", True)])
def test_two_consecutive_days_give_identical_figures(reader, leaks):
    # Twelve noise concerns on 20 November 2025 and a busy year since.
    frame = pd.concat(
        [
            reports({("Noise", "2025-11-20"): 12}),
            reports({("Noise", f"2026-{month:02d}-10"): 15 for month in range(1, 11)}, start=100),
        ],
        ignore_index=True,
    )
    recovered = day_by_day_attack(READERS[reader], {schema.ASB_REPORTS: frame}, date(2026, 11, 20))
    if leaks:
        assert recovered == {
            ("concerns", area, "2025-11", "Noise"): 12 for area in ("Herefordshire", "Hereford")
        }
    else:
        assert recovered == {}


@pytest.mark.parametrize("day", [date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 30)])
def test_every_day_of_the_month_shows_the_publication_of_the_first(day):
    frame = reports({("Noise", f"2026-{month:02d}-{month + 10}"): 11 + month for month in range(1, 12)})
    tables = {schema.ASB_REPORTS: frame}
    assert seen_now(tables, day) == seen_now(tables, date(2026, 11, 1))


def newcomer_attack(read, tables: dict[str, pd.DataFrame], newcomer: pd.DataFrame, today: date) -> str | None:
    """Look before and after one new answer: if the number who feel safe changed by one, so did theirs."""
    before = read(tables, today)
    with_newcomer = dict(tables)
    with_newcomer[schema.SURVEY_RESPONSES] = pd.concat(
        [tables[schema.SURVEY_RESPONSES], newcomer], ignore_index=True
    )
    after = read(with_newcomer, today)
    for area in public.VIEWS:
        (n0, p0), (n1, p1) = ((seen[("answers", area)], seen[("percent", area)]) for seen in (before, after))
        if isinstance(n0, int) and isinstance(n1, int) and n1 == n0 + 1 and p0 is not None and p1 is not None:
            safe_before, safe_after = round(p0 * n0 / 100), round(p1 * n1 / 100)
            return "safe" if safe_after > safe_before else "not safe"
    return None if before == after else "figures changed"


@pytest.mark.parametrize("reader, leaks", [("published", False), ("before", True)])
def test_one_new_answer_changes_nothing_until_the_month_is_published(reader, leaks):
    tables = {
        schema.ASB_REPORTS: to_frame(schema.ASB_REPORTS, []),
        schema.SURVEY_RESPONSES: responses(
            [("Leominster", "Very safe")] * 30 + [("Leominster", "Very unsafe")] * 12
        ),
    }
    newcomer = responses([("Leominster", "Fairly unsafe")], submitted_at="2026-11-20T09:30:00Z")
    newcomer["response_id"] = "S-NEWCOMER"
    found = newcomer_attack(READERS[reader], tables, newcomer, TODAY)
    assert found == ("not safe" if leaks else None)


def test_one_new_report_changes_nothing_until_the_month_is_published():
    frame = reports({("Noise", "2026-10-03"): 10, ("Arson", "2026-10-04"): 24})
    tables = {schema.ASB_REPORTS: frame}
    newcomer = reports({("Noise", "2026-11-19"): 1}, start=900)
    newcomer["submitted_at"] = "2026-11-20T09:30:00Z"
    late = reports({("Arson", "2026-10-30"): 1}, start=901)  # about October, but reported in November
    late["submitted_at"] = "2026-11-20T09:31:00Z"
    after = {schema.ASB_REPORTS: pd.concat([frame, newcomer, late], ignore_index=True)}
    assert seen_now(after, TODAY) == seen_now(tables, TODAY)
    # On the 1st both are counted (Arson October is now 25: the next band).
    december = seen_now(after, date(2026, 12, 1))
    assert december[("concerns", "Hereford", "2026-10", "Arson")] == "25–49"


def band_range(text: object, k: int) -> tuple[float, float]:
    """What a reader knows of a count from its text: a band, a number, or nothing (below k)."""
    if text is None:
        return 0, k - 1
    if isinstance(text, int):
        return text, text
    for band in public.public_bands(k):
        if band.text == text:
            return band.low, float("inf") if band.high is None else band.high
    raise AssertionError(f"not a public band: {text!r}")


def elsewhere_attack(
    seen: dict[tuple, object], month: str, category: str, k: int = 10
) -> tuple[float, float]:
    """The county less its three towns: what the rest of the county must hold."""
    county = band_range(seen.get(("concerns", "Herefordshire", month, category)), k)
    towns = [band_range(seen.get(("concerns", town, month, category)), k) for town in schema.TOWNS]
    return max(0, county[0] - sum(t[1] for t in towns)), county[1] - sum(t[0] for t in towns)


@pytest.mark.parametrize("reader, leaks", [("published", False), ("before", True)])
def test_the_county_less_the_towns_gives_nothing_about_the_rest_of_the_county(reader, leaks):
    parts = [
        reports({("Noise", "2026-10-03"): 12}, "Hereford"),
        reports({("Noise", "2026-10-03"): 6}, "Leominster", start=100),
        reports({("Noise", "2026-10-03"): 5}, "Ross-on-Wye", start=200),
        reports({("Noise", "2026-10-03"): 3}, "Elsewhere in Herefordshire", start=300),
    ]
    tables = {schema.ASB_REPORTS: pd.concat(parts, ignore_index=True)}
    low, high = elsewhere_attack(READERS[reader](tables, TODAY), "2026-10", "Noise")
    if leaks:
        assert (low, high) == (3, 3)
    else:
        assert low == 0 and high >= 9  # anything from none to k - 1 (and more) is still possible
        assert public.publish_for(tables, 10, TODAY).publication.audit() == []


def test_the_old_labels_fail_the_audit_that_the_published_ones_pass():
    # The same release with the old rule (exact counts, small ones hidden, no bands): the solver finds
    # the rest of the county from the county and its towns.
    old = disclosure.Release(minimum=5, zero_shown=False)
    for area, n in {"Hereford": 12, "Leominster": 6, "Ross-on-Wye": 5}.items():
        old.count(area, n)
    old.count("rest", 3, published=False)
    old.count("county", 26)
    old.add_sum("county", ["Hereford", "Leominster", "Ross-on-Wye", "rest"])
    assert [(f.key, f.low, f.high) for f in old.primary_only().audit()] == [("rest", 3, 3)]


def test_the_audit_of_a_busy_year_is_empty():
    parts = []
    for n, (area, count) in enumerate(
        {"Hereford": 3, "Leominster": 11, "Ross-on-Wye": 9, "Elsewhere in Herefordshire": 4}.items()
    ):
        for month in range(1, 13):
            year = 2025 if month >= 11 else 2026
            counts = {
                (category, f"{year}-{month:02d}-{month + 5}"): (count * (month + i)) % 17
                for i, category in enumerate(("Noise", "Arson", "Dumping rubbish"))
            }
            parts.append(reports(counts, area, start=n * 100_000 + month * 1000))
    answers = [
        (area, answer)
        for area in schema.AREAS
        for answer in schema.SAFETY_SCALE
        for _ in range(len(area) % 7 + 2)
    ]
    tables = {
        schema.ASB_REPORTS: pd.concat(parts, ignore_index=True),
        schema.SURVEY_RESPONSES: responses(answers),
    }
    figures = public.publish_for(tables, 10, TODAY)
    assert figures.publication.audit() == []
    assert not figures.concerns.empty


def payload(cells: pd.DataFrame) -> dict:
    """What the browser receives for a hexagon layer."""
    layer = maps.hex_layer(cells, "Concerns")
    (geojson,) = [child for child in layer._children.values() if hasattr(child, "payload")]
    return geojson.payload()


def rank_attack(sent: list[str], bands: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs of cells in the same band whose order in the payload says which holds more reports (the
    layer was sent largest first): (more, fewer)."""
    return [(a, b) for i, a in enumerate(sent) for b in sent[i + 1 :] if bands[a] == bands[b]]


@pytest.mark.parametrize("reader, leaks", [("published", False), ("before", True)])
def test_hexagons_are_sent_in_cell_id_order_whatever_their_counts(reader, leaks):
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(*HIGH_TOWN, 8), 1))[:3]
    orders, attack_right = [], []
    for counts in ((11, 15, 22), (22, 15, 11), (15, 22, 11)):
        rows = [
            report(
                *h3.cell_to_latlng(cell),
                n=n * 100 + i,
                occurred_on="2026-10-02",
                submitted_at="2026-10-02T10:00:00Z",
            )
            for n, (cell, count) in enumerate(zip(cells, counts, strict=True))
            for i in range(count)
        ]
        tables = {schema.ASB_REPORTS: to_frame(schema.ASB_REPORTS, rows)}
        if reader == "published":
            sent = public.publish_for(tables, 10, TODAY).layers["concerns"]
        else:
            sent = old_public.concern_cells(tables[schema.ASB_REPORTS], TODAY)
        assert set(sent["band"]) == {"10–24"}  # one band: the map itself says nothing about which is busier
        orders.append(list(sent["cell"]))
        truth = dict(zip(cells, counts, strict=True))
        pairs = rank_attack(list(sent["cell"]), dict(zip(sent["cell"], sent["band"], strict=True)))
        attack_right.append(all(truth[more] > truth[fewer] for more, fewer in pairs))
    assert all(attack_right) is leaks
    if not leaks:
        assert orders == [cells] * 3
        # The browser receives the same bytes whatever order the layer is handed over in.
        frame = pd.DataFrame({"cell": cells, "band": ["10–24"] * 3})
        assert payload(frame) == payload(frame.iloc[::-1])


@pytest.mark.parametrize("k", [10, 20])
@pytest.mark.parametrize("reader", ["published", "before"])
def test_every_public_count_is_a_band_at_k_and_cells_below_k_are_left_out(reader, k):
    busy, quiet = HIGH_TOWN, LEOMINSTER
    rows, n = [], 0
    for point, count, category in ((busy, k + 3, "Noise"), (quiet, k - 1, "Arson")):
        for _ in range(count):
            rows.append(
                report(
                    *point,
                    category=category,
                    n=n,
                    occurred_on="2026-10-02",
                    submitted_at="2026-10-02T10:00:00Z",
                    area="Hereford",
                )
            )
            n += 1
    tables = {schema.ASB_REPORTS: to_frame(schema.ASB_REPORTS, rows)}
    seen = READERS[reader](tables, TODAY, k)
    exact = {key: value for key, value in seen.items() if key[0] == "concerns" and isinstance(value, int)}
    below_k = [key for key in seen if key[0] == "concerns" and key[3] == "Arson"]
    if reader == "before":
        assert exact and (below_k or k == 10)  # exact counts; at k = 20 the Arson month (19) shown too
        return
    assert exact == {} and below_k == []
    bands = {band.text for band in public.public_bands(k)}
    assert {value for key, value in seen.items() if key[0] == "concerns"} <= bands
    (cell,) = seen[("hexagons", "concerns")]
    assert cell == (h3.latlng_to_cell(*busy, 8), f"{k}–24")


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


def test_a_synthetic_year_is_published_with_an_empty_audit_and_its_proportions_intact():
    end = datetime(2026, 11, 20, tzinfo=UTC)
    tables = synthetic.frames(2_500, 1_500, seed=7, start=end - timedelta(days=540), end=end)
    figures = public.publish_for(tables, 10, TODAY)
    assert figures.publication.audit() == []
    assert not figures.concerns.empty and not figures.layers["concerns"].empty
    # What was not disclosive still reads as before: the county's percentage, rounded.
    rows = tables[schema.SURVEY_RESPONSES]
    rows = rows[(rows["submitted_at"] >= "2025-11-01") & (rows["submitted_at"] < "2026-11-01")]
    answered = rows[rows["safe_after_dark"].isin(set(schema.SAFETY_SCALE) - {"Don't know"})]
    expected = disclosure.whole_percent(
        answered["safe_after_dark"].isin(schema.SAFE_ANSWERS).sum(), len(answered)
    )
    county = public.safety_after_dark(figures, None).set_index("label")
    assert county.loc["Herefordshire (this survey)", "percent_safe"] == expected


def test_the_public_figures_say_nothing_about_the_language_people_answered_in():
    # The language is for the Board (a staff page); nothing on /map is split or filtered by it.
    tables = synthetic.frames(3000, 3000, seed=13)
    all_bulgarian = {
        table: frame.assign(language="bg") if "language" in frame.columns else frame
        for table, frame in tables.items()
    }
    today = date(2026, 11, 15)
    figures = public.publish_for(tables, 10, today)

    assert seen_now(tables, today) == seen_now(all_bulgarian, today)
    for frame in (figures.concerns, figures.safety, *figures.layers.values()):
        assert "language" not in frame.columns
