"""Disclosure control: the one way a count reaches a person or a file (docs/disclosure-control.md).

Everything that is published together (a page, its downloads and every period it can show) is one
``Release``. Each count is registered with its raw value, and every way the counts add up that a reader
can see is registered as a relation (a total is the sum of its parts; an option chosen by some of those
who answered is at most their number). ``Release.protect`` then decides what each count shows:

- a count from 1 to ``minimum - 1`` is *primary*-suppressed: "fewer than 5" (with ``zero_shown``) or
  left out ("fewer than 10" on the public map, where zero is left out too);
- where the other figures would narrow a hidden count (a row total less its shown parts, two periods'
  difference), more counts are *secondary*-suppressed ("not shown"), the set a linear programme finds
  cheapest to let move (``_Solver.pattern``; else the smallest beside it), until a solver that uses every
  relation and every label can learn nothing about the hidden count beyond its label;
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
from scipy import sparse
from scipy.optimize._highspy import _core as _highs

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
        solver = _Solver(self, labels)
        _no_lone_unknown(self, solver)
        small = sorted((k for k in self.values if self.sensitive(k)), key=_order)
        solver.prove_together(small)
        unresolved = []
        not_shown = Label(NOT_SHOWN, 0, math.inf, hidden=True)
        for key in small:
            while (sign := solver.failing(key)) is not None:
                if solver.hide_pattern(key, sign, not_shown):
                    continue
                extra = _next_to_hide(self, solver, key)
                if extra is None:  # every linked count is hidden already: nothing can protect it more
                    unresolved.append(key)
                    break
                solver.relabel(extra, not_shown)
        return Publication(self, labels, tuple(unresolved))


def _order(key: Key) -> str:
    return repr(key)


def _no_lone_unknown(release: Release, solver: _Solver) -> None:
    """The cheap first step of secondary suppression: a small count that is the only unknown in a sum
    (a row total less its shown parts) is pinned exactly, so the smallest shown count beside it goes too.
    It needs no solver; the solver then checks every small count and hides more where needed."""
    labels = solver.labels
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
        solver.relabel(extra, Label(NOT_SHOWN, 0, math.inf, hidden=True))
        for other in solver.neighbours.get(extra, ()):
            if release.relations[other].equality:
                pending.append(other)


def _candidates(release: Release, solver: _Solver, key: Key) -> Iterator[Key]:
    """What might be hidden next for ``key``, best first: searching outward from it through hidden
    counts, relation by relation, the smallest shown counts that are not 0; then counts labelled "fewer
    than 5", to become "not shown" (a label's own range can pin a count: a year "fewer than 5" whose four
    quarters are each "fewer than 5" gives 1 for each, and hiding more around them never helps); then 0s.
    ``key`` itself after those, and headline counts (``Release.kept``) only when nothing else is left."""
    labels = solver.labels
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


def _next_to_hide(release: Release, solver: _Solver, key: Key) -> Key | None:
    return next(_candidates(release, solver, key), None)


_OPTIMAL = _highs.HighsModelStatus.kOptimal
_UNBOUNDED = _highs.HighsModelStatus.kUnbounded


class _Programme:
    """One component's linear programme, built once and solved for as many objectives as needed: only
    the objective changes between solves, so HiGHS starts each from the last basis.

    It drives HiGHS through the binding scipy ships (``scipy.optimize._highspy``, pinned with scipy in
    requirements.txt): ``linprog``/``milp`` rebuild the model and walk every column in Python on each call,
    which was most of the Board's protection time (docs/performance.md, "Board protection")."""

    def __init__(
        self,
        matrix: sparse.csc_array,
        lower: np.ndarray,
        upper: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
    ) -> None:
        model = _highs.HighsLp()
        model.num_col_ = model.a_matrix_.num_col_ = matrix.shape[1]
        model.num_row_ = model.a_matrix_.num_row_ = matrix.shape[0]
        model.a_matrix_.format_ = _highs.MatrixFormat.kColwise
        model.a_matrix_.start_ = matrix.indptr
        model.a_matrix_.index_ = matrix.indices
        model.a_matrix_.value_ = matrix.data
        model.col_cost_ = np.zeros(matrix.shape[1])
        model.col_lower_, model.col_upper_ = low, high
        model.row_lower_, model.row_upper_ = lower, upper
        self.size = matrix.shape[1]
        self.columns = np.arange(self.size, dtype=np.int32)
        self.highs = _highs._Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(model)

    def solve(
        self, weights: np.ndarray, *, integer: bool, presolve: bool
    ) -> tuple[object, float, np.ndarray]:
        """HiGHS's status, the minimum of ``weights`` times the unknowns, and the solution found."""
        highs = self.highs
        highs.changeColsCost(self.size, self.columns, weights)
        if integer:
            highs.changeColsIntegrality(self.size, self.columns, np.full(self.size, 1, dtype=np.uint8))
        if not presolve:
            highs.setOptionValue("presolve", "off")
        try:
            highs.run()
            status = highs.getModelStatus()
            if status != _OPTIMAL:
                return status, math.nan, np.empty(0)
            return status, highs.getInfo().objective_function_value, np.array(highs.getSolution().col_value)
        finally:
            if integer:
                highs.changeColsIntegrality(self.size, self.columns, np.zeros(self.size, dtype=np.uint8))
            if not presolve:
                highs.setOptionValue("presolve", "on")


class _Solver:
    """Integer bounds of one count given every label and relation linked to it.

    A count shown exactly is a constant, not an unknown: only the counts a reader does not know exactly
    (hidden, banded, never published) are variables, and a relation joins two of them only when both are
    unknown. So each programme covers one component of unknowns, not every count ever linked.

    The relations are one sparse matrix, built once. Components are kept as labels change (hiding a
    count joins its component to its neighbours'), and each component's programme is built once per
    change and reused for every count in it. ``labels`` is the caller's dictionary: change it only
    through ``relabel``.
    """

    def __init__(self, release: Release, labels: dict[Key, Label]) -> None:
        self.release = release
        self.labels = labels
        self.target = release.target()
        # Small counts already seen at the bottom (top) of their range in a whole-number solution of the
        # published figures. Hiding more only widens what is possible, so a count proven once stays proven.
        self.proven_low: set[Key] = set()
        self.proven_high: set[Key] = set()
        self.neighbours: dict[Key, list[int]] = {}
        self.keys = list(release.values)
        self.position = {key: i for i, key in enumerate(self.keys)}
        data, row_index, column_index = [], [], []
        for number, relation in enumerate(release.relations):
            for key, c in relation.coefficients.items():
                self.neighbours.setdefault(key, []).append(number)
                data.append(c)
                row_index.append(number)
                column_index.append(self.position[key])
        shape = (len(release.relations), len(self.keys))
        self.rows = sparse.csr_array((np.array(data, dtype=float), (row_index, column_index)), shape=shape)
        self.rows.sort_indices()
        self.by_column = self.rows.tocsc()
        self.by_column.sort_indices()
        self.bound = np.array([relation.bound for relation in release.relations], dtype=float)
        self.equality = np.array([relation.equality for relation in release.relations], dtype=bool)
        self.sensitive = np.array([release.sensitive(key) for key in self.keys], dtype=bool)
        self.values = np.array([release.values[key] for key in self.keys], dtype=float)
        self.degree = np.diff(self.by_column.indptr)  # how many relations each count is in
        self.linked = abs(self.rows)  # which counts each relation is of, whatever their signs
        count = len(self.keys)
        self.low = np.zeros(count)
        self.high = np.zeros(count)
        self.exact = np.zeros(count)  # the shown value; 0 for an unknown, so rows @ exact is what is known
        self.unknown = np.zeros(count, dtype=bool)
        self.parent = list(range(count))
        self.members: dict[int, list[int]] = {}
        self.version: dict[int, int] = {}
        self.programmes: dict[int, tuple[int, _Programme | None]] = {}
        self._pending_proof: tuple[np.ndarray, np.ndarray] | None = None
        for key, label in labels.items():
            self._set(self.position[key], label)
        for i in np.flatnonzero(self.unknown):
            self._join(int(i))

    # --- Labels and components --------------------------------------------------------------------

    def relabel(self, key: Key, label: Label) -> None:
        """Give ``key`` a wider label (hiding only ever widens what a reader can think possible)."""
        i = self.position[key]
        was_unknown = bool(self.unknown[i])
        self.labels[key] = label
        self._set(i, label)
        if was_unknown:
            root = self._root(i)
            self.version[root] += 1
        else:
            self._join(i)

    def _set(self, i: int, label: Label) -> None:
        self.low[i] = label.low
        self.high[i] = label.high
        self.unknown[i] = label.exact is None
        self.exact[i] = 0 if label.exact is None else label.exact
        if self.unknown[i] and i not in self.members and self._root(i) == i:
            self.members[i] = [i]
            self.version[i] = 0

    def _root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _join(self, i: int) -> None:
        """Join the unknown count ``i`` to every unknown count it shares a relation with."""
        root = self._root(i)
        self.version[root] += 1
        columns, indptr = self.by_column, self.rows.indptr
        for number in columns.indices[columns.indptr[i] : columns.indptr[i + 1]]:
            for j in self.rows.indices[indptr[number] : indptr[number + 1]]:
                if not self.unknown[j]:
                    continue
                other = self._root(int(j))
                if other == root:
                    continue
                if len(self.members[other]) > len(self.members[root]):
                    root, other = other, root
                self.parent[other] = root
                self.members[root] += self.members.pop(other)
                self.version[root] += self.version.pop(other) + 1
                self.programmes.pop(other, None)

    def programme(self, key: Key) -> tuple[_Programme, np.ndarray] | None:
        """The programme of ``key``'s component and its counts (positions); None when no relation
        touches it. Built once per change of the component."""
        root = self._root(self.position[key])
        version, built = self.programmes.get(root, (-1, None))
        if version != self.version[root]:
            built = self._build(np.array(sorted(self.members[root])))
            self.programmes[root] = (self.version[root], built)
        return built

    def _build(self, columns: np.ndarray) -> tuple[_Programme, np.ndarray] | None:
        by_column = self.by_column
        numbers = np.unique(
            np.concatenate(
                [by_column.indices[by_column.indptr[c] : by_column.indptr[c + 1]] for c in columns]
            )
        )
        if numbers.size == 0:
            return None
        rows = self.rows[numbers]
        # The counts shown exactly move to the right-hand side.
        right = self.bound[numbers] - rows @ self.exact
        left = np.where(self.equality[numbers], right, -math.inf)
        matrix = sparse.csc_array(rows[:, columns])
        matrix.sort_indices()
        return _Programme(matrix, left, right, self.low[columns], self.high[columns]), columns

    # --- Bounds ------------------------------------------------------------------------------------

    def bounds(self, key: Key) -> tuple[int, float]:
        label = self.labels[key]
        if label.exact is not None:
            return label.exact, label.exact
        built = self.programme(key)
        if built is None:
            return label.low, label.high
        return int(self.end(key, 1.0)), self.end(key, -1.0)

    def end(self, key: Key, sign: float) -> float:
        """The smallest (``sign`` 1) or largest (-1) whole value ``key`` can take."""
        programme, columns = self.programme(key)
        weights = np.where(columns == self.position[key], sign, 0.0)
        return sign * self.optimum(programme, columns, weights)

    def optimum(self, programme: _Programme, columns: np.ndarray, weights: np.ndarray) -> float:
        """The smallest whole value of ``weights`` times the unknowns, noting every small count that
        the solution found shows at an end of its range.

        The linear relaxation first: most relations are sums, whose programmes have whole-number
        corners, so when its answer is whole it is the integer answer; otherwise the integer programme."""
        # The true counts always satisfy the programme, so "infeasible" is HiGHS's presolve going wrong
        # (seen at 4,000 and 10,000 rows): then the integer programme, then without presolve, decide.
        attempts = ((False, True), (False, False), (True, True), (True, False))
        for integer, presolve in attempts:
            status, value, solution = programme.solve(weights, integer=integer, presolve=presolve)
            if status == _UNBOUNDED:  # only possible when maximising
                return -math.inf
            if status != _OPTIMAL:
                continue
            whole = np.round(solution)
            if integer or np.allclose(solution, whole, atol=1e-7):
                self._harvest(columns, whole)
                return float(round(value))
        raise RuntimeError(f"The disclosure solver failed ({status}).")

    def _harvest(self, columns: np.ndarray, solution: np.ndarray) -> None:
        low, high = self.target
        small = self.sensitive[columns]
        for position in np.flatnonzero(small & (solution <= low)):
            self.proven_low.add(self.keys[columns[position]])
        for position in np.flatnonzero(small & (solution >= high)):
            self.proven_high.add(self.keys[columns[position]])

    def prove_together(self, keys: Iterable[Key]) -> None:
        """Two programmes per component (all its small counts as low, then as high as they can go) prove
        most small counts protected at once, instead of two programmes for each."""
        done: set[int] = set()
        for key in keys:
            if key in self.proven_low and key in self.proven_high:
                continue
            root = self._root(self.position[key])
            if root in done:
                continue
            done.add(root)
            built = self.programme(key)
            if built is None:
                continue
            programme, columns = built
            small = self.sensitive[columns]
            bounded = small & np.isfinite(self.high[columns])
            for sign, positions in ((1.0, small), (-1.0, bounded)):
                if positions.any():
                    self.optimum(programme, columns, np.where(positions, sign, 0.0))

    def refuted(self, key: Key) -> float | None:
        """Which end of the small range (1: the bottom, -1: the top) one relation and its counts' labels
        alone already rule out for ``key``, if any: no solver needed to know it is not protected. Only a
        shortcut to "no": each relation on its own allows at least what all of them together do, so
        "yes" is left to the programmes."""
        low, high = self.target
        i = self.position[key]
        if self.low[i] > low:
            return 1.0
        if self.high[i] < high:
            return -1.0
        columns, rows = self.by_column, self.rows
        for number in columns.indices[columns.indptr[i] : columns.indptr[i + 1]]:
            start, stop = rows.indptr[number], rows.indptr[number + 1]
            others, c = rows.indices[start:stop], rows.data[start:stop]
            own = others == i
            mine = float(c[own][0])
            others, c = others[~own], c[~own]
            least = float(np.sum(np.where(c > 0, c * self.low[others], c * self.high[others])))
            most = float(np.sum(np.where(c > 0, c * self.high[others], c * self.low[others])))
            bound = self.bound[number]
            # mine * x + others == bound (or <= bound)
            top = (bound - least) / mine
            bottom = (bound - most) / mine if self.equality[number] else (-math.inf if mine > 0 else math.inf)
            if mine < 0:
                top, bottom = bottom, top
            if bottom > low + 1e-9:
                return 1.0
            if top < high - 1e-9:
                return -1.0
        return None

    def failing(self, key: Key) -> float | None:
        """None when the published figures still allow the whole of the small range (1 to 4) for
        ``key``; otherwise the end they rule out (1: the bottom, -1: the top). The bottom first, and the
        top only when that holds."""
        low, high = self.target
        if key in self.proven_low and key in self.proven_high:
            return None
        refuted = self.refuted(key)
        if refuted is not None:
            return refuted
        if self.programme(key) is None:
            return None  # its label alone allows the whole range (or it would be refuted)
        if key not in self.proven_low and self.end(key, 1.0) > low:
            return 1.0
        if key not in self.proven_high and self.end(key, -1.0) < high:
            return -1.0
        return None

    def protected(self, key: Key) -> bool:
        return self.failing(key) is None

    def hide_pattern(self, key: Key, sign: float, label: Label) -> bool:
        """Give the counts of ``pattern`` the label ``label`` (not shown); False when it found nothing
        new to hide and proved nothing."""
        self._pending_proof = None
        extras = [k for k in self.pattern(key, sign) if self.labels[k].text != label.text]
        for extra in extras:
            self.relabel(extra, label)
        if self._pending_proof is not None:
            self._harvest(*self._pending_proof)
            return True
        return bool(extras)

    def pattern(self, key: Key, sign: float) -> list[Key]:
        """Counts to hide so that ``key`` can reach the end of the small range it cannot reach now
        (``sign`` 1: the bottom, -1: the top), chosen together rather than one at a time.

        A linear programme over the counts near ``key`` finds values for them that satisfy every
        relation with ``key`` at that end, letting a shown count move away from its value at a cost
        (more for larger counts and far more for headline counts) and a "fewer than 5" leave its range
        at a cost; the counts it moves are the ones to hide. Counts at the edge of the neighbourhood,
        with relations outside it, keep their true values, so the values found satisfy every relation
        of the release. Hiding only ever widens what is possible, and ``failing`` then checks the result
        exactly; an empty list means no pattern was found nearby (the caller hides one count instead)."""
        low, high = self.target
        start = self.position[key]
        near = np.zeros(len(self.keys), dtype=bool)
        near[start] = True
        included = np.zeros(self.rows.shape[0], dtype=bool)
        for radius in range(1, max(_PATTERN_RADII) + 1):
            included |= self.linked @ near > 0
            wider = self.linked.T @ included > 0
            grown = bool((wider & ~near).any())
            near = wider
            if radius in _PATTERN_RADII or not grown:
                found = self._pattern_in(start, sign, np.flatnonzero(included), near, low, high)
                if found is not None or not grown:
                    return found or []
        return []

    def _pattern_in(
        self, start: int, sign: float, numbers: np.ndarray, near: np.ndarray, low: int, high: int
    ) -> list[Key] | None:
        block = self.rows[numbers]
        # A count moves only when every relation it is in is in the programme.
        free = np.flatnonzero(near & (np.bincount(block.indices, minlength=len(self.keys)) == self.degree))
        # Counts that do not move, and shown counts (which move from their value), go to the right.
        constant = np.ones(len(self.keys), dtype=bool)
        constant[free[self.unknown[free]]] = False
        constant[start] = False
        right = self.bound[numbers] - block @ np.where(constant, self.values, 0.0)
        primary = self.release.primary_label()
        base, base_low, base_high, moves, move_down, cost = [], [], [], [], [], []
        for i in free:
            i = int(i)
            key = self.keys[i]
            label = self.labels[key]
            if i == start:
                base.append(i)
                if sign > 0:
                    base_low.append(label.low)
                    base_high.append(low)
                else:
                    base_low.append(high)
                    base_high.append(label.high)
                continue
            if label.exact is None:
                base.append(i)
                base_low.append(label.low)
                base_high.append(label.high)
                if label.text != primary.text:
                    continue
                moves.append(i)
                move_down.append(label.low)
                cost.append(_WIDEN_COST)
                continue
            moves.append(i)
            move_down.append(label.exact)
            weight = 1.0 + math.log1p(label.exact)
            cost.append(weight * (_KEPT_COST if key in self.release.kept else 1.0))
        if not moves:
            return None
        matrix = sparse.hstack([block[:, base], block[:, moves], -block[:, moves]]).tocsc()
        matrix.sort_indices()
        equality = self.equality[numbers]
        costs = np.concatenate([np.zeros(len(base)), cost, cost])
        programme = _Programme(
            matrix,
            np.where(equality, right, -math.inf),
            right,
            np.concatenate([base_low, np.zeros(2 * len(moves))]),
            np.concatenate([base_high, np.full(len(moves), math.inf), move_down]),
        )
        status, _, solution = programme.solve(costs, integer=False, presolve=True)
        if status != _OPTIMAL:
            return None
        up, down = solution[len(base) : len(base) + len(moves)], solution[len(base) + len(moves) :]
        moved = [self.keys[moves[n]] for n in np.flatnonzero(up + down > 1e-7)]
        # Every count's value in the solution found: once the moved counts are hidden, it satisfies
        # every label and relation, so when it is whole it proves ``key`` (and any small count it shows
        # at an end of its range) without another programme.
        values = self.values.copy()
        values[base] = solution[: len(base)]
        values[moves] += up - down
        near_columns = np.flatnonzero(near)
        whole = np.round(values[near_columns])
        if np.allclose(values[near_columns], whole, atol=1e-7):
            self._pending_proof = (near_columns, whole)
        return moved


# The pattern search looks 3, then 8 relations out from a count before giving up on it; moving a shown
# count costs 1 + log(1 + count), a "fewer than 5" becoming "not shown" a little more, a headline count
# (``Release.kept``) far more.
_PATTERN_RADII = (3, 8)
_WIDEN_COST = 2.0
_KEPT_COST = 50.0


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
        solver = _Solver(self.release, dict(self.labels))
        target_low, target_high = self.release.target()
        findings = []
        small = sorted((k for k in self.labels if self.release.sensitive(k)), key=_order)
        solver.prove_together(small)
        for key in small:
            if solver.protected(key):
                continue
            label = self.labels[key]
            low, high = solver.bounds(key)
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
