"""H3 cells for many points at once, with one H3 call per cell instead of one per point.

H3 finds a point's cell in two steps: it projects the point onto the nearest face of an icosahedron
(a gnomonic projection, centred on the face) and rounds it to the nearest centre of a regular hexagonal
lattice on that face; then it names the hexagon. The first step is plain arithmetic, done here for
whole numpy arrays; the second is done by H3 itself, once for one point of each hexagon.

Nothing about H3's tables is copied: the face centres come from H3's own twelve resolution-0
pentagons (the icosahedron's corners), and each face's lattice axis and spacing from H3's own cells
around the face centre. A point that lies within ``MARGIN`` of a hexagon's edge, or of a face's edge,
is handed to H3 one at a time, so the answer is H3's answer for every point
(``tests/analysis/test_h3_lattice.py`` checks that against ``h3.latlng_to_cell`` all over the globe).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import NamedTuple

import h3
import numpy as np
import pandas as pd

# Points this close to a lattice edge (in barycentric weight, about the same in hexagon spacings) or
# to a face edge are not rounded here. Rounding differences between this arithmetic and H3's are
# around 1e-9 of a hexagon at resolution 15, far below it; a few points in a million are handed over.
MARGIN = 1e-6
FACE_MARGIN = 1e-12
# Hexagon names already looked up, per (resolution, face, i, j): the county has about 3,800 cells at
# resolution 8, so this stays small; it is emptied if anything ever fills it.
NAME_CACHE_LIMIT = 200_000
# Points are projected and rounded this many at a time: a block's arrays stay in the processor's cache.
BLOCK = 1 << 15
# Dense grouping needs one slot per lattice position in the points' bounding box; past this, sort.
DENSE_LIMIT = 4_000_000


def _unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _unit_vector(cell: str) -> np.ndarray:
    return _unit_vectors(*(np.array([value]) for value in h3.cell_to_latlng(cell)))[0]


@functools.cache
def face_centres() -> np.ndarray:
    """The icosahedron's 20 face centres as unit vectors: each face's three corners are three mutually
    nearest resolution-0 pentagon centres."""
    corners = np.array([_unit_vector(cell) for cell in h3.get_pentagons(0)])
    closeness = corners @ corners.T
    np.fill_diagonal(closeness, -np.inf)
    adjacent = closeness > closeness.max(axis=1, keepdims=True) - 1e-9
    faces = [
        (a, b, c)
        for a in range(12)
        for b in range(a + 1, 12)
        for c in range(b + 1, 12)
        if adjacent[a, b] and adjacent[a, c] and adjacent[b, c]
    ]
    if len(faces) != 20:
        raise RuntimeError(f"Expected 20 icosahedron faces from H3's pentagons, found {len(faces)}.")
    centres = np.array([corners[list(face)].sum(axis=0) for face in faces])
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


@functools.cache
def face_neighbours() -> np.ndarray:
    """For each face, the three faces sharing an edge with it (their centres are the nearest)."""
    closeness = face_centres() @ face_centres().T
    np.fill_diagonal(closeness, -np.inf)
    return np.argsort(-closeness, axis=1)[:, :3]


@functools.cache
def lattice_frame(face: int, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Two vectors turning a point's gnomonic projection on ``face`` into lattice coordinates (a, b)
    at ``resolution``: hexagon centres sit where a and b are whole numbers (H3's i and j axes).

    The axis is read from H3's cell two or three resolutions down from the face centre (same class
    of lattice, so the same axis directions, and far enough out to fix them to about 1e-15 radians),
    then scaled by sqrt(7) per resolution.
    """
    centre = face_centres()[face]
    reference = 2 if resolution % 2 == 0 else 3
    lat, lon = np.degrees(np.arcsin(centre[2])), np.degrees(np.arctan2(centre[1], centre[0]))
    middle = h3.latlng_to_cell(float(lat), float(lon), reference)
    neighbour = _unit_vector(next(iter(h3.grid_ring(middle, 1))))
    along = neighbour / (neighbour @ centre) - centre  # the neighbour's gnomonic position: (1, 0)
    spacing = float(np.linalg.norm(along)) / np.sqrt(7.0) ** (resolution - reference)
    x_axis = along / np.linalg.norm(along)
    y_axis = np.cross(centre, x_axis)
    # hex2d (x, y) to lattice (i, j): j = y / (sqrt(3) / 2), i = x + j / 2
    a_vector = (x_axis + y_axis / np.sqrt(3.0)) / spacing
    b_vector = (2.0 / np.sqrt(3.0)) * y_axis / spacing
    _check_frame(centre, middle, a_vector, b_vector, 1 / np.sqrt(7.0) ** (resolution - reference))
    return a_vector, b_vector


def _check_frame(
    centre: np.ndarray, middle: str, a_vector: np.ndarray, b_vector: np.ndarray, scale: float
) -> None:
    """Every neighbour of the face's middle cell must land on a lattice point: otherwise H3 does not
    work the way this module assumes, and callers fall back to one H3 call per point."""
    for cell in h3.grid_ring(middle, 1):
        point = _unit_vector(cell)
        projected = point / (point @ centre)
        coordinates = np.array([projected @ a_vector, projected @ b_vector]) * scale
        if np.abs(coordinates - np.round(coordinates)).max() > 1e-9:
            raise RuntimeError("H3's lattice is not where this module expects it.")


def _rounded(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nearest lattice point to each (a, b) (whole numbers, as floats), and which points are too
    near an edge to say. ``a`` and ``b`` are overwritten (made for this call: fresh arrays cost time).

    Each lattice parallelogram is two equilateral triangles (split along its short diagonal); in an
    equilateral triangle the nearest corner is the one with the largest barycentric weight, and the
    gap between the two largest weights measures the distance to the hexagon edge between them.
    """
    i, j = np.floor(a), np.floor(b)
    frac_a, frac_b = np.subtract(a, i, out=a), np.subtract(b, j, out=b)
    high, low = np.maximum(frac_a, frac_b), np.minimum(frac_a, frac_b)
    weight_side, weight_far = high - low, low
    weight_origin = np.subtract(1.0, high, out=high)
    far = (weight_far >= weight_origin) & (weight_far >= weight_side)
    side = (weight_side >= weight_origin) & ~far
    a_is_larger = frac_a >= frac_b
    i += far | (side & a_is_larger)
    j += far | (side & ~a_is_larger)
    largest = np.maximum(np.maximum(weight_origin, weight_side), weight_far)
    smallest = np.minimum(np.minimum(weight_origin, weight_side), weight_far, out=weight_side)
    # the weights add up to one, so the second largest is 1 - largest - smallest
    unsure = np.add(largest, largest, out=largest) + smallest < 1.0 + MARGIN
    return i, j, unsure


def _face_of(vector: np.ndarray) -> int:
    return int(np.argmax(face_centres() @ vector))


class _Slots:
    """Points grouped by lattice point (i, j): a slot per point, the same for points at the same lattice
    point, out of ``size`` slots."""

    def __init__(self, i: np.ndarray, j: np.ndarray) -> None:
        self.i_low, self.j_low = int(i.min()), int(j.min())
        self.span_j = int(j.max()) - self.j_low + 1
        slots = (int(i.max()) - self.i_low + 1) * self.span_j
        self.lattice: np.ndarray | None = None  # each slot's (i, j), when not dense
        if slots <= max(DENSE_LIMIT, 4 * len(i)):  # one slot per lattice point in the bounding box
            slot = (i - self.i_low) * self.span_j
            slot += j
            slot -= self.j_low
            self.slot, self.size = slot.astype(np.intp), slots
        else:
            lattice, slot = np.unique(np.stack([i, j], axis=1), axis=0, return_inverse=True)
            self.lattice, self.slot, self.size = lattice.astype(np.int64), slot.reshape(-1), len(lattice)

    def points(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lattice points (i, j) of these slots."""
        if self.lattice is not None:
            return self.lattice[slots, 0], self.lattice[slots, 1]
        return slots // self.span_j + self.i_low, slots % self.span_j + self.j_low

    def members(self, slots: np.ndarray) -> np.ndarray:
        """One point in each of these slots."""
        member = np.empty(self.size, dtype=np.intp)
        member[self.slot] = np.arange(len(self.slot))
        return member[slots]


class _NameCache:
    """Hexagon names already looked up, per (resolution, face), by lattice point: H3 is asked only
    for lattice points not seen before (a county has about 3,800 cells at resolution 8). Shared by
    every session's thread: additions are made under a lock, and the whole cache starts again past
    ``limit`` names. Each name is kept with its H3 index as a number, which sorts as the name does."""

    def __init__(self, limit: int = NAME_CACHE_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        # per (resolution, face): lattice keys in ascending order, and the names and numbers that go with them
        self._known: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._size = 0

    def _lookup(self, resolution: int, face: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        known = self._known.get((resolution, face))
        if known is None:
            return np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, np.int64)
        return known

    @staticmethod
    def _find(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Where each wanted key is among the sorted keys, -1 where it is not."""
        where = np.searchsorted(keys, wanted).clip(max=max(len(keys) - 1, 0))
        return np.where(keys[where] == wanted, where, -1) if len(keys) else np.full(len(wanted), -1)

    def names(
        self,
        resolution: int,
        face: int,
        i: np.ndarray,
        j: np.ndarray,
        coordinates: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """The names and numbers of the hexagons at lattice points (i, j); ``coordinates(which)`` gives
        (latitudes, longitudes) of one point rounded to each lattice point picked by ``which``, for H3."""
        key = (i + (1 << 24)) * (1 << 26) + (j + (1 << 24))  # |i|, |j| < 2**23 on a face at resolution 15
        keys, known, numbers = self._lookup(resolution, face)
        where = self._find(keys, key)
        if len(keys):
            names, ids = known[where], numbers[where]  # -1 picks the last one: replaced below
        else:
            names, ids = np.empty(len(key), dtype=object), np.empty(len(key), dtype=np.int64)
        missing = where < 0
        if missing.any():
            found = _h3_names(*coordinates(missing), resolution)
            names[missing], ids[missing] = found, [h3.str_to_int(name) for name in found]
            self._remember(resolution, face, key[missing], found, ids[missing])
        return names, ids

    def _remember(
        self, resolution: int, face: int, new_keys: np.ndarray, names: np.ndarray, ids: np.ndarray
    ) -> None:
        with self._lock:
            if self._size + len(new_keys) > self.limit:
                self._known.clear()
                self._size = 0
            keys, known, numbers = self._lookup(resolution, face)
            new = self._find(keys, new_keys) < 0  # another session may have added some meanwhile
            new_keys, first = np.unique(new_keys[new], return_index=True)
            keys = np.concatenate([keys, new_keys])
            order = np.argsort(keys, kind="stable")
            self._known[(resolution, face)] = (
                keys[order],
                np.concatenate([known, names[new][first]])[order],
                np.concatenate([numbers, ids[new][first]])[order],
            )
            self._size += len(new_keys)


_names = _NameCache()


class _Trig:
    """Sines and cosines of the distinct latitudes and longitudes. A point's dot product with a fixed
    vector splits into cos lat * (a part per longitude) + (a part per latitude), so each point costs
    two look-ups and two operations (one, when the product may be divided by cos lat)."""

    def __init__(self, lat_values: np.ndarray, lon_values: np.ndarray) -> None:
        # Values out of range give NaN or nonsense here, and no point that has them is ever looked up.
        with np.errstate(invalid="ignore", over="ignore"):
            self.lat_ok = (lat_values >= -90) & (lat_values <= 90)
            self.lon_ok = (lon_values >= -180) & (lon_values <= 180)
            lat, lon = np.radians(lat_values), np.radians(lon_values)
            self.cos_lat, self.sin_lat = np.cos(lat), np.sin(lat)
            self.cos_lon, self.sin_lon = np.cos(lon), np.sin(lon)

    def by_lon(self, vector: np.ndarray) -> np.ndarray:
        """The part per longitude of the dot product with ``vector``."""
        return self.cos_lon * vector[0] + self.sin_lon * vector[1]

    def by_lat(self, vector: np.ndarray) -> np.ndarray:
        """The part per latitude of the dot product with ``vector``."""
        return self.sin_lat * vector[2]

    def surely_positive(self, vector: np.ndarray) -> bool:
        """Whether vector . point > FACE_MARGIN for every valid point made of these latitudes and
        longitudes: cos lat is never negative, so the smallest part per longitude bounds them all."""
        if not self.lat_ok.any() or not self.lon_ok.any():
            return True
        lowest_by_lon = self.by_lon(vector)[self.lon_ok].min()
        lowest = self.cos_lat * lowest_by_lon + self.by_lat(vector)
        return bool(lowest[self.lat_ok].min() > FACE_MARGIN)


class _Face:
    """One face's lattice at one resolution, and the edges points may lie beyond."""

    def __init__(self, face: int, resolution: int, trig: _Trig) -> None:
        self.face = face
        centre = face_centres()[face]
        a_vector, b_vector = lattice_frame(face, resolution)
        edges = [centre - face_centres()[other] for other in face_neighbours()[face]]
        edges = [edge for edge in edges if not trig.surely_positive(edge)]
        # The lattice coordinates are ratios of dot products, so each may be divided by cos lat
        # (never 0: cos of 90 degrees in radians is 6e-17): a point then needs no cosine and no products.
        self.lattice = [
            (trig.by_lon(vector), trig.by_lat(vector) / trig.cos_lat)
            for vector in (centre, a_vector, b_vector)
        ]
        self.edges = [(trig.by_lon(edge), trig.by_lat(edge)) for edge in edges]

    def round(
        self, trig: _Trig, lat_of: np.ndarray, lon_of: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
        """For a block of points: which are surely on this face (None: all), and for those their
        lattice point (i, j) and whether they are too near a hexagon edge to say."""
        inside = None
        if self.edges:
            cos_lat = trig.cos_lat.take(lat_of)
            inside = np.logical_and.reduce(
                [
                    cos_lat * by_lon.take(lon_of) + by_lat.take(lat_of) > FACE_MARGIN
                    for by_lon, by_lat in self.edges
                ]
            )
            lat_of, lon_of = lat_of[inside], lon_of[inside]
        depth, along_a, along_b = (
            np.add(by_lon.take(lon_of), by_lat.take(lat_of), out=out)
            for (by_lon, by_lat), out in zip(self.lattice, np.empty((3, len(lat_of))), strict=True)
        )
        i, j, unsure = _rounded(
            np.divide(along_a, depth, out=along_a), np.divide(along_b, depth, out=along_b)
        )
        return inside, i, j, unsure


def _h3_names(lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """H3 itself, one point at a time."""
    return np.asarray(
        [h3.latlng_to_cell(a, b, resolution) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)],
        dtype=object,
    )


class _Points:
    """Points given as codes into distinct latitudes and longitudes (degrees)."""

    def __init__(
        self, lat_codes: np.ndarray, lat_values: np.ndarray, lon_codes: np.ndarray, lon_values: np.ndarray
    ) -> None:
        # numpy's take converts small integer codes (a categorical's int16) to intp on every call: once here.
        self.lat_codes = lat_codes.astype(np.intp, copy=False)
        self.lon_codes = lon_codes.astype(np.intp, copy=False)
        self.lat_values, self.lon_values = lat_values, lon_values

    def at(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lat_values[self.lat_codes[rows]], self.lon_values[self.lon_codes[rows]]

    def names(
        self, placed: _Placed, slots: np.ndarray, members: np.ndarray | None, resolution: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Names and numbers of the hexagons in these slots of one face; ``members`` (a point in each
        slot) is found only if H3 has to name one."""

        def coordinates(which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            found = members if members is not None else placed.slots.members(slots)
            return self.at(placed.rows[found[which]])

        return _names.names(resolution, placed.face, *placed.slots.points(slots), coordinates)


class _Placed(NamedTuple):
    """Points rounded on one face: their rows, grouped by lattice point."""

    face: int
    rows: np.ndarray
    slots: _Slots


def _place(points: _Points, resolution: int) -> tuple[list[_Placed], np.ndarray]:
    """Every valid point rounded to its face's lattice, and the rows left for H3 one at a time (too near
    a hexagon's or a face's edge, or on a face whose lattice this module could not set up)."""
    lat_codes, lon_codes = points.lat_codes, points.lon_codes
    trig = _Trig(points.lat_values, points.lon_values)
    waiting = np.flatnonzero(trig.lat_ok[lat_codes] & trig.lon_ok[lon_codes])
    placed: list[_Placed] = []
    by_hand: list[np.ndarray] = []
    while len(waiting):  # one round per face the points fall on: a county needs one, the globe twenty
        first = waiting[:1]
        try:
            face = _Face(_face_of(_unit_vectors(*points.at(first))[0]), resolution, trig)
        except RuntimeError:
            break
        taken: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        later: list[np.ndarray] = []
        for start in range(0, len(waiting), BLOCK):
            rows = waiting[start : start + BLOCK]
            inside, i, j, unsure = face.round(trig, lat_codes[rows], lon_codes[rows])
            if inside is not None:
                later.append(rows[~inside])
                rows = rows[inside]
            if unsure.any():
                by_hand.append(rows[unsure])
                rows, i, j = rows[~unsure], i[~unsure], j[~unsure]
            taken.append((rows, i, j))
        rows, i, j = (np.concatenate(column) for column in zip(*taken, strict=True))
        if len(rows):
            placed.append(_Placed(face.face, rows, _Slots(i, j)))
        waiting = np.concatenate(later) if later else waiting[:0]
        if len(waiting) and waiting[0] == first[0]:  # the face's own first point lies on its edge
            by_hand.append(first)
            waiting = waiting[1:]
    return placed, np.concatenate([*by_hand, waiting])


def cells(
    lat_codes: np.ndarray,
    lat_values: np.ndarray,
    lon_codes: np.ndarray,
    lon_values: np.ndarray,
    resolution: int,
) -> tuple[np.ndarray, np.ndarray]:
    """H3 cells of points given as codes into distinct latitudes and longitudes (degrees).

    Returns a code per point (-1 where the latitude or longitude is not a valid number) and the distinct
    cell names: point ``p`` is in ``names[codes[p]]``. Coordinates that repeat (stored to 4 decimals)
    make this cheap: the trigonometry is done once per distinct latitude and per distinct longitude, and
    each point costs a few multiplications, done in blocks small enough to stay in the processor's cache.
    """
    points = _Points(lat_codes, lat_values, lon_codes, lon_values)
    placed, leftover = _place(points, resolution)
    codes = np.full(len(points.lat_codes), -1, dtype=np.int64)
    parts: list[np.ndarray] = []
    for face in placed:
        used = np.zeros(face.slots.size, dtype=bool)
        used[face.slots.slot] = True
        code_of_slot = np.cumsum(used) - 1
        group = code_of_slot[face.slots.slot]
        codes[face.rows] = group + sum(len(part) for part in parts)
        members = np.empty(int(used.sum()), dtype=np.intp)
        members[group] = np.arange(len(group))
        parts.append(points.names(face, np.flatnonzero(used), members, resolution)[0])
    codes[leftover] = sum(len(part) for part in parts) + np.arange(len(leftover))
    parts.append(_h3_names(*points.at(leftover), resolution))
    names = np.concatenate(parts)
    if sum(1 for part in parts if len(part)) > 1:  # a hexagon named twice (two faces, or a point by hand)
        merged, names = pd.factorize(names)
        codes = np.where(codes >= 0, merged[codes], -1)
    return codes, np.asarray(names, dtype=object)


def counts(
    lat_codes: np.ndarray,
    lat_values: np.ndarray,
    lon_codes: np.ndarray,
    lon_values: np.ndarray,
    resolution: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How many points fall in each H3 cell (points as for ``cells``; invalid ones are skipped).

    Returns the distinct cell names, their counts, and their H3 indexes as numbers (for sorting).
    Counting needs no cell per point: points are counted per lattice point, then each is named.
    """
    points = _Points(lat_codes, lat_values, lon_codes, lon_values)
    placed, leftover = _place(points, resolution)
    names: list[np.ndarray] = []
    tallies: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    for face in placed:
        tally = np.bincount(face.slots.slot, minlength=face.slots.size)
        used = np.flatnonzero(tally)
        named, numbers = points.names(face, used, None, resolution)
        names.append(named)
        tallies.append(tally[used])
        ids.append(numbers)
    by_hand = _h3_names(*points.at(leftover), resolution)
    names.append(by_hand)
    tallies.append(np.ones(len(by_hand), dtype=np.int64))
    ids.append(np.array([h3.str_to_int(name) for name in by_hand], dtype=np.int64))
    if sum(1 for part in names if len(part)) == 1:
        return next((n, t, i) for n, t, i in zip(names, tallies, ids, strict=True) if len(n))
    merged, distinct = pd.factorize(np.concatenate(names))  # a hexagon named twice: add its counts up
    first = np.empty(len(distinct), dtype=np.intp)
    first[merged[::-1]] = np.arange(len(merged))[::-1]
    return (
        np.asarray(distinct, dtype=object),
        np.bincount(merged, weights=np.concatenate(tallies), minlength=len(distinct)).astype(np.int64),
        np.concatenate(ids)[first],
    )


def forget_names() -> None:
    """Forget the hexagon names looked up so far (the benchmark's first-run figure)."""
    global _names
    _names = _NameCache()
