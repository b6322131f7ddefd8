"""Disclosure control: the one way a count reaches a person or a file (docs/disclosure-control.md).

Everything that is published together (a page, its downloads and every period it can show) is one
``Release``. Each count is registered with its raw value, and every way the counts add up that a reader
can see is registered as a relation (a total is the sum of its parts; an option chosen by some of those
who answered is at most their number). ``Release.protect`` then decides what each count shows:

- a count from 1 to ``minimum - 1`` is *primary*-suppressed: "fewer than 5" (with ``zero_shown``) or
  left out ("fewer than 10" on the public map, where zero is left out too);
- where the other figures would narrow a hidden count (a row total less its shown parts, two periods'
  difference), more counts are *secondary*-suppressed ("not shown"), smallest first, until a solver that
  uses every relation and every label can learn nothing about the hidden count beyond its label;
- everything else is shown exactly, or as a band (``bands``) on the public map.

The solver is an integer linear programme per hidden count (minimise it, then maximise it) over all the
counts linked to it; a hidden count is protected when both ends of its label are still possible. Adding
suppression only widens what is possible, so a count protected once stays protected.

A count registered with ``published=False`` (never shown, but a reader can reason about it, such as the
county less its towns) is protected like a hidden one: when it is from 1 to ``minimum - 1``, the figures
must still allow the whole small range. A rounded percentage a reader sees is a relation too
(``add_rounded_percent``); when hiding counts cannot protect a count from it, ``Publication.unresolved``
names that count and the caller leaves the percentage out.

Derived figures (percentages, intervals, verdicts) are computed by the caller from ``Publication.exact``
values only: a figure built from shown numbers gives nothing away that they do not.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse

Key = Hashable

NOT_SHOWN = "not shown"


@dataclass(frozen=True)
class Band:
    """A public band such as "10–24": the count is known to lie from ``low`` to ``high`` (None: no end)."""

    low: int
    high: int | None
    text: str


@dataclass(frozen=True)
class Label:
    """What a reader is told about one count: its text, and the range that text allows."""

    text: str
    low: int
    high: float  # math.inf when the text sets no upper end
    exact: int | None = None  # the number itself, when it is shown exactly
    hidden: bool = False  # suppressed (primary or secondary): no figure may be built from it

    @property
    def shown(self) -> bool:
        return not self.hidden


@dataclass(frozen=True)
class Finding:
    """A hidden count that the published figures narrow beyond its label."""

    key: Key
    value: int
    label: Label
    low: int
    high: float

    def __str__(self) -> str:
        return (
            f"{self.key!r}: shown as {self.label.text!r} ({self.label.low} to {self.label.high}), "
            f"but the published figures allow only {self.low} to {self.high} (true value {self.value})"
        )


@dataclass
class _Relation:
    coefficients: dict[Key, int]
    equality: bool  # sum(coefficient * count) == bound, else <= bound
    bound: int = 0


def count_text(value: int) -> str:
    """A count shown exactly, with thousands separators."""
    return f"{int(value):,}"


@dataclass
class Release:
    """Every count published together, and every way a reader can see them add up."""

    minimum: int = 5
    zero_shown: bool = True  # Board tables show 0; the public map leaves out every cell below minimum
    bands: Sequence[Band] = ()  # when given, shown counts are given as the band that holds them
    values: dict[Key, int] = field(default_factory=dict)
    published: set[Key] = field(default_factory=set)
    kept: set[Key] = field(default_factory=set)  # headline counts: hidden only when nothing else helps
    relations: list[_Relation] = field(default_factory=list)

    def count(self, key: Key, value: int, *, published: bool = True, keep: bool = False) -> Key:
        """Register a count. ``published=False``: a quantity a reader can reason about but never sees
        (e.g. "Elsewhere in Herefordshire" when only the county and the towns are shown). ``keep``: a
        headline figure (a period's total, say), hidden for a small count's sake only after every other
        count at the same distance from it."""
        value = int(value)
        if value < 0:
            raise ValueError(f"A count cannot be negative ({key!r}: {value}).")
        if key in self.values and self.values[key] != value:
            raise ValueError(f"{key!r} registered twice with different values ({self.values[key]}, {value}).")
        self.values[key] = value
        if published:
            self.published.add(key)
        if keep:
            self.kept.add(key)
        return key

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        """``total`` is the sum of ``parts``, as a reader can check."""
        coefficients: dict[Key, int] = {total: -1}
        for part in parts:
            coefficients[part] = coefficients.get(part, 0) + 1
        self._relate(coefficients, equality=True)

    def add_at_most(self, part: Key, whole: Key) -> None:
        """``part`` can be no more than ``whole`` (an option against those who answered the question)."""
        self._relate({part: 1, whole: -1}, equality=False)

    def add_linear(self, coefficients: dict[Key, int], *, equality: bool = False) -> None:
        """Any other way the counts are seen to add up: ``sum(coefficient * count)`` is 0 (``equality``)
        or at most 0. E.g. everyone who answered named 1 to 3 concerns: ``answered - sum(concerns) <= 0``
        and ``sum(concerns) - 3 * answered <= 0``."""
        self._relate(dict(coefficients), equality=equality)

    def add_rounded_percent(self, part: Key, whole: Key, shown: int) -> None:
        """A reader sees ``shown`` = ``whole_percent(part, whole)``: ``part / whole`` lies in
        [shown - 0.5, shown + 0.5) per cent, two linear facts about the two counts."""
        # (2 * shown - 1) * whole <= 200 * part <= (2 * shown + 1) * whole - 1
        self._relate({whole: 2 * shown - 1, part: -200}, equality=False)
        self._relate({part: 200, whole: -(2 * shown + 1)}, equality=False, bound=-1)

    def _relate(self, coefficients: dict[Key, int], *, equality: bool, bound: int = 0) -> None:
        missing = [key for key in coefficients if key not in self.values]
        if missing:
            raise KeyError(f"Register counts before relating them: {missing!r}")
        coefficients = {key: c for key, c in coefficients.items() if c}
        if coefficients:
            self.relations.append(_Relation(coefficients, equality, bound))

    def check(self) -> None:
        """Every relation holds for the raw values (a relation that does not would mislead the solver)."""
        for relation in self.relations:
            total = sum(c * self.values[key] for key, c in relation.coefficients.items())
            if (relation.equality and total != relation.bound) or (
                not relation.equality and total > relation.bound
            ):
                raise ValueError(f"A relation does not hold for the raw counts: {relation.coefficients!r}")

    # --- Labels -------------------------------------------------------------------------------------

    def _band(self, value: int) -> Band | None:
        for band in self.bands:
            if value >= band.low and (band.high is None or value <= band.high):
                return band
        return None

    def primary_label(self) -> Label:
        low = 1 if self.zero_shown else 0
        return Label(f"fewer than {self.minimum}", low, self.minimum - 1, hidden=True)

    def _first_label(self, key: Key) -> Label:
        value = self.values[key]
        if key not in self.published:
            return Label("", 0, math.inf, hidden=True)
        if value == 0 and self.zero_shown:
            return Label("0", 0, 0, exact=0)
        if value < self.minimum:
            return self.primary_label()
        band = self._band(value) if self.bands else None
        if band is not None:
            return Label(band.text, band.low, math.inf if band.high is None else band.high)
        return Label(count_text(value), value, value, exact=value)

    def sensitive(self, key: Key) -> bool:
        """A count from 1 to minimum - 1: the ones nobody may be able to work back, whether published
        (hidden behind its label) or not (a quantity a reader can only reason about, such as
        "Elsewhere in Herefordshire" as the county less the towns)."""
        return 0 < self.values[key] < self.minimum

    # --- Protection ---------------------------------------------------------------------------------

    def primary_only(self) -> Publication:
        """Small counts hidden and nothing else: what each table did on its own before this layer.
        Tests attack it to show what the secondary step is for; the app never publishes it."""
        self.check()
        return Publication(self, {key: self._first_label(key) for key in self.values})

    def target(self) -> tuple[int, int]:
        """The range every small count must keep, whatever its label: "fewer than 5" must still allow 1
        and 4 (0 to 9 on the public map), so a reader never learns more than that it is small."""
        label = self.primary_label()
        return label.low, int(label.high)

    def protect(self) -> Publication:
        """Primary and secondary suppression until every hidden count is protected."""
        self.check()
        labels = {key: self._first_label(key) for key in self.values}
        solver = _Solver(self)
        _no_lone_unknown(self, solver, labels)
        small = sorted((k for k in self.values if self.sensitive(k)), key=_order)
        solver.prove_together(small, labels)
        unresolved = []
        for key in small:
            while not solver.protected(key, labels):
                extra = _next_to_hide(self, solver, key, labels)
                if extra is None:  # every linked count is hidden already: no count can protect it more
                    unresolved.append(key)
                    break
                labels[extra] = Label(NOT_SHOWN, 0, math.inf, hidden=True)
        return Publication(self, labels, tuple(unresolved))


def _order(key: Key) -> str:
    return repr(key)


def _no_lone_unknown(release: Release, solver: _Solver, labels: dict[Key, Label]) -> None:
    """The cheap first step of secondary suppression: a small count that is the only unknown in a sum
    (a row total less its shown parts) is pinned exactly, so the smallest shown count beside it goes too.
    It needs no solver; the solver then checks every small count and hides more where needed."""
    pending = [n for n, relation in enumerate(release.relations) if relation.equality]
    while pending:
        number = pending.pop()
        coefficients = release.relations[number].coefficients
        unknown = [k for k in coefficients if labels[k].exact is None]
        if len(unknown) != 1 or not release.sensitive(unknown[0]):
            continue
        shown = [k for k in coefficients if labels[k].shown and k in release.published]
        if not shown:
            continue
        extra = min(shown, key=lambda k: (release.values[k] == 0, release.values[k], _order(k)))
        labels[extra] = Label(NOT_SHOWN, 0, math.inf, hidden=True)
        for other in solver.neighbours.get(extra, ()):
            if release.relations[other].equality:
                pending.append(other)


def _candidates(release: Release, solver: _Solver, key: Key, labels: dict[Key, Label]) -> Iterator[Key]:
    """What might be hidden next for ``key``, best first: searching outward from it through hidden
    counts, relation by relation, the smallest shown counts that are not 0; then counts labelled "fewer
    than 5", to become "not shown" (a label's own range can pin a count: a year "fewer than 5" whose four
    quarters are each "fewer than 5" gives 1 for each, and hiding more around them never helps); then 0s.
    ``key`` itself after those, and headline counts (``Release.kept``) only when nothing else is left."""
    primary = release.primary_label().text
    seen = {key}
    frontier = [key]
    kept: set[Key] = set()
    while frontier:
        shown: set[Key] = set()
        widen: set[Key] = set()
        reached: list[Key] = []
        for current in frontier:
            for number in solver.neighbours.get(current, ()):
                for other in release.relations[number].coefficients:
                    if other in seen:
                        continue
                    seen.add(other)
                    if labels[other].shown and other in release.published:
                        shown.add(other)
                    else:
                        reached.append(other)
                        if labels[other].text == primary:
                            widen.add(other)
        kept |= shown & release.kept
        shown -= release.kept
        nonzero = {k for k in shown if release.values[k]}
        for candidates in (nonzero, widen, shown - nonzero):
            yield from sorted(candidates, key=lambda k: (release.values[k], _order(k)))
        frontier = reached
    if labels[key].text == primary:
        yield key
    yield from sorted(kept, key=lambda k: (release.values[k], _order(k)))


def _next_to_hide(release: Release, solver: _Solver, key: Key, labels: dict[Key, Label]) -> Key | None:
    return next(_candidates(release, solver, key, labels), None)


class _Solver:
    """Integer bounds of one count given every label and relation linked to it.

    A count shown exactly is a constant, not an unknown: only the counts a reader does not know exactly
    (hidden, banded, never published) are variables, and a relation joins two of them only when both are
    unknown. So each programme covers one small component of unknowns, not every count ever linked.
    """

    def __init__(self, release: Release) -> None:
        self.release = release
        # Small counts already seen at the bottom (top) of their range in a whole-number solution of the
        # published figures. Hiding more only widens what is possible, so a count proven once stays proven.
        self.proven_low: set[Key] = set()
        self.proven_high: set[Key] = set()
        self.neighbours: dict[Key, list[int]] = {}
        for number, relation in enumerate(release.relations):
            for key in relation.coefficients:
                self.neighbours.setdefault(key, []).append(number)

    def component(self, key: Key, labels: dict[Key, Label]) -> tuple[list[Key], list[int]]:
        """The unknown counts linked to ``key`` through relations between unknowns, and those relations."""
        keys, relations = [key], set()
        seen = {key}
        for current in keys:
            for number in self.neighbours.get(current, ()):
                if number in relations:
                    continue
                relations.add(number)
                for other in self.release.relations[number].coefficients:
                    if other not in seen and labels[other].exact is None:
                        seen.add(other)
                        keys.append(other)
        return keys, sorted(relations)

    def bounds(self, key: Key, labels: dict[Key, Label]) -> tuple[int, float]:
        if labels[key].exact is not None:
            return labels[key].exact, labels[key].exact
        if not self.bounds_problem(key, labels):
            return labels[key].low, labels[key].high
        return int(self.end(1.0)), self.end(-1.0)

    def bounds_problem(self, key: Key, labels: dict[Key, Label]) -> bool:
        """Set up the programme for ``key``'s component; False when no relation touches it."""
        keys, numbers = self.component(key, labels)
        if not numbers:
            return False
        index = {k: i for i, k in enumerate(keys)}
        rows_eq, rows_ub = [], []
        for number in numbers:
            relation = self.release.relations[number]
            unknown = {k: c for k, c in relation.coefficients.items() if k in index}
            # The counts shown exactly move to the right-hand side.
            known = sum(c * labels[k].exact for k, c in relation.coefficients.items() if k not in index)
            (rows_eq if relation.equality else rows_ub).append((unknown, relation.bound - known))

        def matrix(
            rows: list[tuple[dict[Key, int], int]],
        ) -> tuple[sparse.csr_array | None, np.ndarray | None]:
            if not rows:
                return None, None
            data, row_index, column_index = [], [], []
            for r, (coefficients, _) in enumerate(rows):
                for k, c in coefficients.items():
                    data.append(c)
                    row_index.append(r)
                    column_index.append(index[k])
            shape = (len(rows), len(keys))
            matrix = sparse.csr_array((data, (row_index, column_index)), shape=shape)
            return matrix, np.array([rhs for _, rhs in rows], dtype=float)

        a_eq, b_eq = matrix(rows_eq)
        a_ub, b_ub = matrix(rows_ub)
        bounds = [(labels[k].low, None if math.isinf(labels[k].high) else labels[k].high) for k in keys]
        problem = {"A_ub": a_ub, "b_ub": b_ub, "A_eq": a_eq, "b_eq": b_eq, "bounds": bounds}
        self.problem = (key, problem, len(keys))
        self.keys = keys
        return True

    def end(self, sign: float, weights: np.ndarray | None = None, *, harvest: bool = True) -> float:
        """The smallest (``sign`` 1) or largest (-1) integer value of the count of the last
        ``bounds_problem`` (or of ``weights`` times the unknowns), noting every small count that the
        solution found shows at an end of its range.

        The linear relaxation first: most relations are sums, whose programmes have whole-number
        corners, so when its answer is whole it is the integer answer; otherwise the integer programme."""
        key, problem, size = self.problem
        if weights is None:
            weights = np.zeros(size)
            weights[0] = sign
        # The true counts always satisfy the programme, so "infeasible" is HiGHS's presolve going wrong
        # (seen at 4,000 and 10,000 rows): then the integer programme, then without presolve, decide.
        attempts = ((None, True), (np.ones(size), True), (np.ones(size), False))
        for number, (integrality, presolve) in enumerate(attempts):
            result = optimize.linprog(
                weights, method="highs", integrality=integrality, options={"presolve": presolve}, **problem
            )
            if result.status == 3:  # unbounded: only possible when maximising
                return math.inf
            if result.status != 0 and number < len(attempts) - 1:
                continue
            if result.status != 0:
                raise RuntimeError(f"The disclosure solver failed for {key!r}: {result.message}")
            if integrality is not None or np.allclose(result.x, np.round(result.x), atol=1e-7):
                if harvest:  # not while trying a label that may be put back
                    self._harvest(np.round(result.x))
                return float(round(sign * result.fun))
        raise AssertionError("unreachable")

    def _harvest(self, solution: np.ndarray) -> None:
        low, high = self.release.target()
        for position, key in enumerate(self.keys):
            if self.release.sensitive(key):
                if solution[position] <= low:
                    self.proven_low.add(key)
                if solution[position] >= high:
                    self.proven_high.add(key)

    def prove_together(self, keys: Iterable[Key], labels: dict[Key, Label]) -> None:
        """Two programmes per component (all its small counts as low, then as high as they can go) prove
        most small counts protected at once, instead of two programmes for each."""
        done: set[Key] = set()
        for key in keys:
            if key in done or (key in self.proven_low and key in self.proven_high):
                continue
            if not self.bounds_problem(key, labels):
                continue
            done.update(self.keys)
            small = [i for i, k in enumerate(self.keys) if self.release.sensitive(k)]
            bounded = [i for i in small if not math.isinf(labels[self.keys[i]].high)]
            for sign, positions in ((1.0, small), (-1.0, bounded)):
                if positions:
                    weights = np.zeros(len(self.keys))
                    weights[positions] = sign
                    self.end(sign, weights)

    def protected(self, key: Key, labels: dict[Key, Label]) -> bool:
        """Whether the published figures still allow the whole of the small range (1 to 4) for ``key``:
        the smallest value first, and the largest only when that holds."""
        low, high = self.release.target()
        if key in self.proven_low and key in self.proven_high:
            return True
        if not self.bounds_problem(key, labels):
            self.failure = (1.0, labels[key].low) if labels[key].low > low else (-1.0, labels[key].high)
            return labels[key].low <= low and labels[key].high >= high
        if key not in self.proven_low:
            smallest = self.end(1.0)
            if smallest > low:
                self.failure = (1.0, smallest)
                return False
        if key not in self.proven_high:
            largest = self.end(-1.0)
            if largest < high:
                self.failure = (-1.0, largest)
                return False
        return True


@dataclass(frozen=True)
class Publication:
    """What a protected release shows: the one source of every published count's text."""

    release: Release
    labels: dict[Key, Label]
    # Sensitive counts that hiding every linked count did not protect (a relation that is not a count,
    # such as a rounded percentage, narrows them): the caller must drop that relation. Empty means the
    # audit is empty too (hiding more only widens what is possible).
    unresolved: tuple[Key, ...] = ()

    def label(self, key: Key) -> Label:
        return self.labels[key]

    def text(self, key: Key) -> str:
        return self.labels[key].text

    def exact(self, key: Key) -> int | None:
        """The number, when it is shown exactly; None when hidden or banded."""
        return self.labels[key].exact

    def shown(self, key: Key) -> bool:
        return self.labels[key].shown

    def audit(self) -> list[Finding]:
        """Every small count that the published labels and relations narrow to less than the whole small
        range (1 to 4 on the Board), whatever its own label says (should be none)."""
        solver = _Solver(self.release)
        target_low, target_high = self.release.target()
        findings = []
        small = sorted((k for k in self.labels if self.release.sensitive(k)), key=_order)
        solver.prove_together(small, self.labels)
        for key in small:
            if solver.protected(key, self.labels):
                continue
            label = self.labels[key]
            low, high = solver.bounds(key, self.labels)
            if low > target_low or high < target_high:
                findings.append(Finding(key, self.release.values[key], label, low, high))
        return findings


def whole_percent(numerator: int, denominator: int) -> int:
    """``100 * numerator / denominator`` rounded half up to a whole number (what
    ``Release.add_rounded_percent`` tells the solver a reader knows)."""
    return (200 * int(numerator) + int(denominator)) // (2 * int(denominator))


def percent(numerator: int | None, denominator: int | None, digits: int = 1) -> float | None:
    """A percentage from two shown counts; None when either is hidden or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(100 * numerator / denominator, digits)
