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

A count registered with ``published=False`` (never shown, but a reader can reason about it, such as the
county less its towns) is protected like a hidden one: when it is from 1 to ``minimum - 1``, the figures
must still allow anything a "fewer than" label would. A rounded percentage a reader sees is a relation too
(``add_rounded_percent``); when hiding counts cannot protect a count from it, ``Publication.unresolved``
names that count and the caller leaves the percentage out.

The solver is an integer linear programme per hidden count (minimise it, then maximise it) over all the
counts linked to it; a hidden count is protected when both ends of its label are still possible. Adding
suppression only widens what is possible, so a count protected once stays protected.

Derived figures (percentages, intervals, verdicts) are computed by the caller from ``Publication.exact``
values only: a figure built from shown numbers gives nothing away that they do not.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
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
    relations: list[_Relation] = field(default_factory=list)

    def count(self, key: Key, value: int, *, published: bool = True) -> Key:
        """Register a count. ``published=False``: a quantity a reader can reason about but never sees
        (e.g. "Elsewhere in Herefordshire" when only the county and the towns are shown)."""
        value = int(value)
        if value < 0:
            raise ValueError(f"A count cannot be negative ({key!r}: {value}).")
        if key in self.values and self.values[key] != value:
            raise ValueError(f"{key!r} registered twice with different values ({self.values[key]}, {value}).")
        self.values[key] = value
        if published:
            self.published.add(key)
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

    def target(self, key: Key, label: Label) -> Label:
        """The range a reader must still find possible for a sensitive count: its label's, or for an
        unpublished count the range a hidden one would have ("fewer than minimum")."""
        return label if key in self.published else self.primary_label()

    # --- Protection ---------------------------------------------------------------------------------

    def primary_only(self) -> Publication:
        """Small counts hidden and nothing else: what each table did on its own before this layer.
        Tests attack it to show what the secondary step is for; the app never publishes it."""
        self.check()
        return Publication(self, {key: self._first_label(key) for key in self.values})

    def protect(self) -> Publication:
        """Primary and secondary suppression until every hidden count is protected."""
        self.check()
        labels = {key: self._first_label(key) for key in self.values}
        solver = _Solver(self)
        unresolved = []
        for key in sorted((k for k in self.values if self.sensitive(k)), key=_order):
            while not solver.protected(key, labels):
                extra = _next_to_hide(self, key, labels)
                if extra is None:  # every linked count is hidden already: no count can protect it more
                    unresolved.append(key)
                    break
                labels[extra] = Label(NOT_SHOWN, 0, math.inf, hidden=True)
        return Publication(self, labels, tuple(unresolved))


def _order(key: Key) -> str:
    return repr(key)


def _next_to_hide(release: Release, key: Key, labels: dict[Key, Label]) -> Key | None:
    """The smallest shown count in a relation with ``key``, or else with a count already hidden beside it
    (searching outward), preferring counts that are not themselves sensitive."""
    seen = {key}
    frontier = [key]
    while frontier:
        candidates: set[Key] = set()
        reached: list[Key] = []
        for current in frontier:
            for relation in release.relations:
                if current not in relation.coefficients:
                    continue
                for other in relation.coefficients:
                    if other in seen:
                        continue
                    seen.add(other)
                    if labels[other].shown and other in release.published:
                        candidates.add(other)
                    else:
                        reached.append(other)
        if candidates:
            return min(candidates, key=lambda k: (release.values[k] == 0, release.values[k], _order(k)))
        frontier = reached
    return None


class _Solver:
    """Integer bounds of one count given every label and relation linked to it."""

    def __init__(self, release: Release) -> None:
        self.release = release
        self.models: dict[tuple[int, ...], tuple[dict[Key, int], list[optimize.LinearConstraint]]] = {}
        self.components: dict[Key, tuple[list[Key], list[int]]] = {}
        self.neighbours: dict[Key, list[int]] = {}
        for number, relation in enumerate(release.relations):
            for key in relation.coefficients:
                self.neighbours.setdefault(key, []).append(number)

    def component(self, key: Key) -> tuple[list[Key], list[int]]:
        if key not in self.components:
            keys, numbers = self._component(key)
            for other in keys:
                self.components[other] = (keys, numbers)
        return self.components[key]

    def _component(self, key: Key) -> tuple[list[Key], list[int]]:
        keys, relations = [key], set()
        seen = {key}
        for current in keys:
            for number in self.neighbours.get(current, ()):
                if number in relations:
                    continue
                relations.add(number)
                for other in self.release.relations[number].coefficients:
                    if other not in seen:
                        seen.add(other)
                        keys.append(other)
        return keys, sorted(relations)

    def model(
        self, numbers: list[int], keys: list[Key]
    ) -> tuple[dict[Key, int], list[optimize.LinearConstraint]]:
        """The relations of one component as constraints over its counts, built once per component
        (every count in it asks about the same constraints; only the bounds from labels change)."""
        signature = tuple(numbers)
        if signature not in self.models:
            ordered = sorted(keys, key=_order)
            index = {k: i for i, k in enumerate(ordered)}
            constraints = []
            for equality in (True, False):
                chosen = [
                    self.release.relations[n]
                    for n in numbers
                    if self.release.relations[n].equality is equality
                ]
                if not chosen:
                    continue
                data, row_index, column_index = [], [], []
                for r, relation in enumerate(chosen):
                    for k, c in relation.coefficients.items():
                        data.append(c)
                        row_index.append(r)
                        column_index.append(index[k])
                matrix = sparse.csr_array(
                    (data, (row_index, column_index)), shape=(len(chosen), len(ordered))
                )
                upper = np.array([relation.bound for relation in chosen], dtype=float)
                lower = upper if equality else np.full(len(chosen), -np.inf)
                constraints.append(optimize.LinearConstraint(matrix, lower, upper))
            self.models[signature] = (index, constraints)
        return self.models[signature]

    def bounds(self, key: Key, labels: dict[Key, Label]) -> tuple[int, float]:
        keys, numbers = self.component(key)
        if not numbers:
            label = labels[key]
            return label.low, label.high
        index, constraints = self.model(numbers, keys)
        ordered = list(index)
        lower = np.array([labels[k].low for k in ordered], dtype=float)
        upper = np.array([labels[k].high for k in ordered], dtype=float)  # math.inf: no upper end
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(ordered))
            objective[index[key]] = sign
            result = optimize.milp(
                objective,
                integrality=np.ones(len(ordered)),
                bounds=optimize.Bounds(lower, upper),
                constraints=constraints,
            )
            if result.status == 3:  # unbounded: only possible when maximising
                ends.append(math.inf)
            elif result.status != 0:
                raise RuntimeError(f"The disclosure solver failed for {key!r}: {result.message}")
            else:
                ends.append(round(sign * result.fun))
        return int(ends[0]), ends[1]

    def protected(self, key: Key, labels: dict[Key, Label]) -> bool:
        label = self.release.target(key, labels[key])
        low, high = self.bounds(key, labels)
        return low <= label.low and high >= label.high


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
        """Every hidden sensitive count that the published labels and relations narrow (should be none)."""
        solver = _Solver(self.release)
        findings = []
        for key in sorted(self.labels, key=_order):
            if not self.release.sensitive(key):
                continue
            label = self.release.target(key, self.labels[key])
            low, high = solver.bounds(key, self.labels)
            if low > label.low or high < label.high:
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
