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
    """The nearest lattice point to each (a, b), and which points are too near an edge to say.

    Each lattice parallelogram is two equilateral triangles (split along its short diagonal); in an
    equilateral triangle the nearest corner is the one with the largest barycentric weight, and the
    gap between the two largest weights measures the distance to the hexagon edge between them.
    """
    base_a, base_b = np.floor(a), np.floor(b)
    frac_a, frac_b = a - base_a, b - base_b
    high, low = np.maximum(frac_a, frac_b), np.minimum(frac_a, frac_b)
    weight_origin, weight_side, weight_far = 1.0 - high, high - low, low
    far = (weight_far >= weight_origin) & (weight_far >= weight_side)
    side = ~far & (weight_side >= weight_origin)
    a_is_larger = frac_a >= frac_b
    i = base_a.astype(np.int64) + (far | (side & a_is_larger))
    j = base_b.astype(np.int64) + (far | (side & ~a_is_larger))
    largest = np.maximum(np.maximum(weight_origin, weight_side), weight_far)
    smallest = np.minimum(np.minimum(weight_origin, weight_side), weight_far)
    second = 1.0 - largest - smallest  # the weights add up to one
    return i, j, (largest - second) < MARGIN


def _face_of(vector: np.ndarray) -> int:
    return int(np.argmax(face_centres() @ vector))


def _groups(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A group code per point (same lattice point, same code) and one member of each group."""
    i_low, j_low = int(i.min()), int(j.min())
    span_j = int(j.max()) - j_low + 1
    slots = (int(i.max()) - i_low + 1) * span_j
    if slots <= max(DENSE_LIMIT, 4 * len(i)):
        slot = (i - i_low) * span_j + (j - j_low)
        used = np.zeros(slots, dtype=bool)
        used[slot] = True
        codes = (np.cumsum(used) - 1)[slot]
        members = np.empty(int(used.sum()), dtype=np.int64)
        members[codes] = np.arange(len(slot))
        return codes, members
    _, members, codes = np.unique(np.stack([i, j], axis=1), axis=0, return_index=True, return_inverse=True)
    return codes.reshape(-1), members


class _NameCache:
    """Hexagon names already looked up, per (resolution, face), by lattice point: H3 is asked only
    for lattice points not seen before (a county has about 3,800 cells at resolution 8). Shared by
    every session's thread: additions are made under a lock, and the whole cache starts again past
    ``limit`` names."""

    def __init__(self, limit: int = NAME_CACHE_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._known: dict[tuple[int, int], tuple[pd.Index, np.ndarray]] = {}
        self._size = 0

    def _lookup(self, resolution: int, face: int) -> tuple[pd.Index, np.ndarray]:
        known = self._known.get((resolution, face))
        return known if known is not None else (pd.Index([], dtype=np.int64), np.array([], object))

    def names(
        self, resolution: int, face: int, i: np.ndarray, j: np.ndarray, lat: np.ndarray, lon: np.ndarray
    ) -> np.ndarray:
        key = (i + (1 << 24)) * (1 << 26) + (j + (1 << 24))  # |i|, |j| < 2**23 on a face at resolution 15
        index, known = self._lookup(resolution, face)
        where = index.get_indexer(key)
        missing = where < 0
        names = np.empty(len(key), dtype=object)
        names[~missing] = known[where[~missing]]
        if missing.any():
            found = np.asarray(
                [
                    h3.latlng_to_cell(a, b, resolution)
                    for a, b in zip(lat[missing].tolist(), lon[missing].tolist(), strict=True)
                ],
                dtype=object,
            )
            names[missing] = found
            self._remember(resolution, face, key[missing], found)
        return names

    def _remember(self, resolution: int, face: int, keys: np.ndarray, names: np.ndarray) -> None:
        with self._lock:
            if self._size + len(keys) > self.limit:
                self._known.clear()
                self._size = 0
            index, known = self._lookup(resolution, face)
            new = index.get_indexer(keys) < 0  # another session may have added some meanwhile
            self._known[(resolution, face)] = (
                index.append(pd.Index(keys[new])),
                np.concatenate([known, names[new]]),
            )
            self._size += int(new.sum())


_names = _NameCache()


class _Trig:
    """Sines and cosines of the distinct latitudes and longitudes. A point's dot product with a fixed
    vector splits into cos lat * (a part per longitude) + (a part per latitude), so each point costs
    two look-ups and two operations."""

    def __init__(self, lat_values: np.ndarray, lon_values: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):
            self.lat_ok = (lat_values >= -90) & (lat_values <= 90)
            self.lon_ok = (lon_values >= -180) & (lon_values <= 180)
        lat, lon = (
            np.radians(np.where(self.lat_ok, lat_values, 0)),
            np.radians(np.where(self.lon_ok, lon_values, 0)),
        )
        self.cos_lat, self.sin_lat = np.cos(lat), np.sin(lat)
        self.cos_lon, self.sin_lon = np.cos(lon), np.sin(lon)
        self.valid_lat = self.cos_lat[self.lat_ok], self.sin_lat[self.lat_ok]
        self.valid_lon = self.cos_lon[self.lon_ok], self.sin_lon[self.lon_ok]

    def parts(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For vectors (k x 3): the parts per longitude (n_lon x k) and per latitude (n_lat x k)."""
        by_lon = np.outer(self.cos_lon, vectors[:, 0]) + np.outer(self.sin_lon, vectors[:, 1])
        return by_lon, np.outer(self.sin_lat, vectors[:, 2])

    def surely_positive(self, vector: np.ndarray) -> bool:
        """Whether vector . point > FACE_MARGIN for every valid point made of these latitudes and
        longitudes: cos lat is never negative, so the smallest part per longitude bounds them all."""
        (cos_lat, sin_lat), (cos_lon, sin_lon) = self.valid_lat, self.valid_lon
        if not len(cos_lat) or not len(cos_lon):
            return True
        lowest = cos_lat * (cos_lon * vector[0] + sin_lon * vector[1]).min() + sin_lat * vector[2]
        return bool(lowest.min() > FACE_MARGIN)


class _Face:
    """One face's lattice at one resolution, and the edges points may lie beyond."""

    def __init__(self, face: int, resolution: int, trig: _Trig) -> None:
        self.face = face
        centre = face_centres()[face]
        a_vector, b_vector = lattice_frame(face, resolution)
        edges = [centre - face_centres()[other] for other in face_neighbours()[face]]
        edges = [edge for edge in edges if not trig.surely_positive(edge)]
        by_lon, by_lat = trig.parts(np.array([centre, a_vector, b_vector, *edges]))
        self.tables = [
            (np.ascontiguousarray(by_lon[:, k]), by_lat[:, k].copy()) for k in range(by_lon.shape[1])
        ]
        self.edges = len(edges)

    def round(
        self, trig: _Trig, lat_of: np.ndarray, lon_of: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
        """For a block of points: which are surely on this face (None: all), and for those their
        lattice point (i, j) and whether they are too near a hexagon edge to say."""
        cos_lat = trig.cos_lat.take(lat_of)

        def dot(k: int) -> np.ndarray:
            by_lon, by_lat = self.tables[k]
            return cos_lat * by_lon.take(lon_of) + by_lat.take(lat_of)

        inside = None
        if self.edges:
            inside = np.logical_and.reduce([dot(3 + k) > FACE_MARGIN for k in range(self.edges)])
            lat_of, lon_of, cos_lat = lat_of[inside], lon_of[inside], cos_lat[inside]
        depth = dot(0)
        i, j, unsure = _rounded(dot(1) / depth, dot(2) / depth)
        return inside, i, j, unsure


def cells(
    lat_codes: np.ndarray,
    lat_values: np.ndarray,
    lon_codes: np.ndarray,
    lon_values: np.ndarray,
    resolution: int,
) -> tuple[np.ndarray, np.ndarray]:
    """H3 cells of points given as codes into distinct latitudes and longitudes (degrees).

    Returns a code per point (-1 where the latitude or longitude is not a valid number) and the distinct
    cell names: point ``p`` is in ``names[codes[p]]``. Coordinates that repeat (stored to 4 decimals) make this cheap: the
    trigonometry is done once per distinct latitude and per distinct longitude, and each point costs a
    few multiplications, done in blocks small enough to stay in the processor's cache.
    """
    # numpy's take converts small integer codes (a categorical's int16) to intp on every call: once here.
    lat_codes, lon_codes = lat_codes.astype(np.intp, copy=False), lon_codes.astype(np.intp, copy=False)
    codes = np.full(len(lat_codes), -1, dtype=np.int64)
    parts: list[np.ndarray] = []
    trig = _Trig(lat_values, lon_values)
    waiting = np.flatnonzero(trig.lat_ok[lat_codes] & trig.lon_ok[lon_codes])
    by_hand: list[np.ndarray] = []
    while len(waiting):  # one round per face the points fall on: a county needs one, the globe twenty
        first = waiting[:1]
        try:
            face = _Face(
                _face_of(_unit_vectors(lat_values[lat_codes[first]], lon_values[lon_codes[first]])[0]),
                resolution,
                trig,
            )
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
            group, members = _groups(i, j)
            codes[rows] = group + sum(len(part) for part in parts)
            member_rows = rows[members]
            latitudes, longitudes = lat_values[lat_codes[member_rows]], lon_values[lon_codes[member_rows]]
            parts.append(_names.names(resolution, face.face, i[members], j[members], latitudes, longitudes))
        waiting = np.concatenate(later) if later else waiting[:0]
        if len(waiting) and waiting[0] == first[0]:  # the face's own first point lies on its edge
            by_hand.append(first)
            waiting = waiting[1:]
    # Points near an edge (and any the lattice could not take): H3 itself, one point at a time.
    leftover = np.concatenate([*by_hand, waiting])
    codes[leftover] = sum(len(part) for part in parts) + np.arange(len(leftover))
    latitudes, longitudes = lat_values[lat_codes[leftover]].tolist(), lon_values[lon_codes[leftover]].tolist()
    parts.append(
        np.asarray(
            [h3.latlng_to_cell(a, b, resolution) for a, b in zip(latitudes, longitudes, strict=True)],
            dtype=object,
        )
    )
    names = np.concatenate(parts)
    if sum(1 for part in parts if len(part)) > 1:  # a hexagon named twice (two faces, or a point by hand)
        merged, names = pd.factorize(names)
        codes = np.where(codes >= 0, merged[codes], -1)
    return codes, np.asarray(names, dtype=object)


def forget_names() -> None:
    """Forget the hexagon names looked up so far (the benchmark's first-run figure)."""
    global _names
    _names = _NameCache()
