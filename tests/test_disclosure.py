"""The disclosure-control layer (docs/disclosure-control.md): a solver that uses every relation a reader
can see learns nothing about a hidden count beyond its label."""

import math

import numpy as np
import pytest

from hcsp_engage import disclosure
from hcsp_engage.disclosure import Band, Release

PUBLIC_BANDS = (Band(10, 24, "10–24"), Band(25, 49, "25–49"), Band(50, None, "50 or more"))


def row(values: dict[str, int], total: str = "total") -> Release:
    release = Release()
    for key, value in values.items():
        release.count(key, value)
    release.add_sum(total, [key for key in values if key != total])
    return release


def test_a_row_total_less_its_shown_part_gives_a_small_count_back_without_secondary_suppression():
    release = row({"total": 12, "safe": 9, "unsafe": 3})
    findings = release.primary_only().audit()
    assert [(f.key, f.low, f.high) for f in findings] == [("unsafe", 3, 3)]


def test_the_complementary_count_is_not_shown_so_the_small_one_stays_anywhere_from_1_to_4():
    published = row({"total": 12, "safe": 9, "unsafe": 3}).protect()
    assert published.text("unsafe") == "fewer than 5"
    assert published.text("safe") == disclosure.NOT_SHOWN
    assert published.text("total") == "12"
    assert published.audit() == []


def test_two_small_counts_whose_sum_is_known_are_protected_together():
    # 10 = 8 + 1 + 1: with 8 shown the two hidden counts must be 1 each.
    release = row({"total": 10, "a": 8, "b": 1, "c": 1})
    assert {f.key for f in release.primary_only().audit()} == {"b", "c"}
    published = release.protect()
    assert published.audit() == []
    assert published.text("a") == disclosure.NOT_SHOWN


def test_zero_is_shown_and_large_counts_are_exact():
    published = row({"total": 30, "a": 30, "b": 0}).protect()
    assert (published.text("total"), published.text("a"), published.text("b")) == ("30", "30", "0")
    assert published.exact("a") == 30


def test_a_financial_year_less_three_shown_quarters_gives_the_fourth_back_unless_protected():
    release = Release()
    quarters = {"Q1": 3, "Q2": 10, "Q3": 12, "Q4": 8}
    for key, value in quarters.items():
        release.count(key, value)
    release.count("FY", sum(quarters.values()))
    release.add_sum("FY", quarters)
    assert [f.key for f in release.primary_only().audit()] == ["Q1"]
    published = release.protect()
    assert published.audit() == []
    assert published.text("FY") == "33"  # the smallest other quarter goes instead of the year
    assert published.text("Q4") == disclosure.NOT_SHOWN


def test_a_two_way_table_with_margins_is_protected_in_both_directions():
    cells = {
        (r, c): v
        for (r, c), v in zip(
            [(r, c) for r in range(3) for c in range(3)], [2, 7, 9, 8, 3, 6, 11, 12, 1], strict=True
        )
    }
    release = Release()
    for key, value in cells.items():
        release.count(key, value)
    for r in range(3):
        release.count(("row", r), sum(cells[(r, c)] for c in range(3)))
        release.add_sum(("row", r), [(r, c) for c in range(3)])
    for c in range(3):
        release.count(("column", c), sum(cells[(r, c)] for r in range(3)))
        release.add_sum(("column", c), [(r, c) for r in range(3)])
    assert release.primary_only().audit()
    assert release.protect().audit() == []


def test_an_option_at_most_those_who_answered_cannot_pin_a_hidden_count():
    release = Release()
    release.count("answered", 4)  # hidden itself
    release.count("option", 4)
    release.add_at_most("option", "answered")
    assert release.protect().audit() == []


def test_public_bands_with_an_unpublished_remainder_leave_small_towns_hidden():
    release = Release(minimum=10, zero_shown=False, bands=PUBLIC_BANDS)
    values = {"county": 30, "Hereford": 22, "Leominster": 3, "Ross-on-Wye": 0}
    for key, value in values.items():
        release.count(key, value)
    release.count("Elsewhere", 5, published=False)
    release.add_sum("county", ["Hereford", "Leominster", "Ross-on-Wye", "Elsewhere"])
    published = release.protect()
    assert published.text("county") == "25–49"
    assert published.text("Hereford") == "10–24"
    assert not published.shown("Leominster") and not published.shown("Ross-on-Wye")
    assert published.audit() == []


def test_protection_is_the_same_every_time():
    def build() -> Release:
        release = Release()
        for q in range(4):
            for a in range(3):
                release.count((q, a), (q * 7 + a * 3) % 11)
            release.count((q, "total"), sum((q * 7 + a * 3) % 11 for a in range(3)))
            release.add_sum((q, "total"), [(q, a) for a in range(3)])
        return release

    assert build().protect().labels == build().protect().labels


def test_relations_that_do_not_hold_for_the_raw_counts_are_refused():
    release = Release()
    release.count("total", 5)
    release.count("part", 6)
    release.add_sum("total", ["part"])
    with pytest.raises(ValueError, match="does not hold"):
        release.protect()


def test_a_key_registered_twice_must_keep_its_value():
    release = Release()
    release.count("x", 3)
    release.count("x", 3)
    with pytest.raises(ValueError):
        release.count("x", 4)


def test_percentages_come_only_from_shown_counts():
    assert disclosure.percent(3, 12) == 25.0
    assert disclosure.percent(None, 12) is None
    assert disclosure.percent(3, 0) is None
    assert math.isinf(Release().primary_label().high) is False


def test_an_unpublished_count_worked_back_to_a_small_number_is_found_and_protected():
    # County 26 shown exactly with its three towns: the rest of the county (never shown) is 3.
    release = Release(minimum=5, zero_shown=False)
    for key, value in {"Hereford": 12, "Leominster": 6, "Ross-on-Wye": 5}.items():
        release.count(key, value)
    release.count("rest", 3, published=False)
    release.count("county", 26)
    release.add_sum("county", ["Hereford", "Leominster", "Ross-on-Wye", "rest"])
    assert [(f.key, f.low, f.high) for f in release.primary_only().audit()] == [("rest", 3, 3)]
    published = release.protect()
    assert published.audit() == []
    assert published.text("Ross-on-Wye") == disclosure.NOT_SHOWN  # the smallest shown part goes
    assert published.unresolved == ()


def test_a_rounded_percentage_is_a_relation_the_solver_uses():
    # 25 answered (shown), 88% feel safe: 22 safe, so the 3 who do not are pinned.
    release = Release()
    release.count("answered", 25)
    release.count("safe", 22, published=False)
    release.count("not safe", 3)
    release.add_sum("answered", ["safe", "not safe"])
    release.add_rounded_percent("safe", "answered", disclosure.whole_percent(22, 25))
    assert disclosure.whole_percent(22, 25) == 88
    assert [(f.key, f.low, f.high) for f in release.primary_only().audit()] == [("not safe", 3, 3)]
    published = release.protect()
    assert published.text("answered") == disclosure.NOT_SHOWN  # then 1 to 4 all fit some percentage
    assert published.audit() == [] and published.unresolved == ()


@pytest.mark.parametrize("part, whole", [(1, 8), (5, 8), (1, 200), (199, 200), (0, 3), (3, 3), (7, 13)])
def test_whole_percentages_round_half_up_and_satisfy_their_relation(part, whole):
    shown = disclosure.whole_percent(part, whole)
    assert shown == math.floor(100 * part / whole + 0.5)
    release = Release()
    release.count("part", part)
    release.count("whole", whole)
    release.add_rounded_percent("part", "whole", shown)
    release.check()  # the true counts satisfy what the percentage says


def test_a_count_pinned_only_by_two_relations_together_is_found_and_protected():
    # No single relation pins x (x + y = 7 allows x anything from 0 to 7), but with y = 5 from the other
    # one, x is 2: the quick one-relation check cannot see it, the full check must.
    release = Release()
    release.count("x", 2)
    release.count("y", 5, published=False)
    release.count("t1", 7)
    release.count("t2", 5)
    release.add_sum("t1", ["x", "y"])
    release.add_sum("t2", ["y"])
    assert [(f.key, f.low, f.high) for f in release.primary_only().audit()] == [("x", 2, 2)]
    published = release.protect()
    assert published.audit() == [] and published.unresolved == ()
    assert sum(not published.shown(k) for k in ("t1", "t2")) == 1  # one total hidden is enough


def test_one_small_cell_in_a_table_with_margins_hides_a_rectangle_and_keeps_the_margins():
    # The smallest protection of one interior cell is four cells in two rows and two columns; hiding
    # one count at a time used to take the margins too.
    values = [[2, 7, 9, 8], [6, 12, 11, 10], [9, 8, 15, 14]]
    release = Release()
    for r, row_values in enumerate(values):
        for c, value in enumerate(row_values):
            release.count((r, c), value)
        release.count(("row", r), sum(row_values))
        release.add_sum(("row", r), [(r, c) for c in range(4)])
    for c in range(4):
        release.count(("column", c), sum(row_values[c] for row_values in values))
        release.add_sum(("column", c), [(r, c) for r in range(3)])
    published = release.protect()
    assert published.audit() == []
    hidden = {key for key in release.values if not published.shown(key)}
    assert len(hidden) == 4 and (0, 0) in hidden
    assert len({key[0] for key in hidden}) == 2 and len({key[1] for key in hidden}) == 2
    assert all(published.shown(("row", r)) for r in range(3))
    assert all(published.shown(("column", c)) for c in range(4))


@pytest.mark.parametrize("seed", range(12))
def test_tables_of_quarters_with_a_year_and_bounded_concerns_are_protected_whatever_the_counts(seed):
    # Quarters by area with margins, the year the sum of its quarters, and a "named 1 to 3 concerns"
    # relation with coefficient 3, whose programmes need not have whole corners. Counts are mostly small,
    # as on a quiet month. The audit uses its own solver and none of the shortcuts that chose what to
    # hide, so a wrong shortcut shows here as a finding.
    rng = np.random.default_rng(seed)
    release = Release()
    areas, quarters = range(3), range(4)
    cells = {(q, a): int(v) for (q, a), v in np.ndenumerate(rng.integers(0, 9, size=(4, 3)))}
    for key, value in cells.items():
        release.count(key, value)
    for q in quarters:
        release.count(("quarter", q), sum(cells[(q, a)] for a in areas))
        release.add_sum(("quarter", q), [(q, a) for a in areas])
    for a in areas:
        release.count(("year", a), sum(cells[(q, a)] for q in quarters))
        release.add_sum(("year", a), [(q, a) for q in quarters])
    release.count("year", sum(cells.values()), keep=True)
    release.add_sum("year", [("year", a) for a in areas])
    answered = cells[(0, 0)]
    named = [rng.choice(3, size=rng.integers(1, 4), replace=False) for _ in range(answered)]
    concerns = {f"concern {n}": sum(int(n in choice) for choice in named) for n in range(3)}
    for key, value in concerns.items():
        release.count(key, value)
        release.add_at_most(key, (0, 0))
    release.add_linear({(0, 0): 1} | {key: -1 for key in concerns})  # each named at least one
    release.add_linear({key: 1 for key in concerns} | {(0, 0): -3})  # and at most three
    published = release.protect()
    assert published.unresolved == ()
    assert published.audit() == []
