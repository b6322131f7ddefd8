"""H3 cells for many points at once, with one H3 call per cell instead of one per point.

H3 finds a point's cell in two steps: it projects the point onto the nearest face of an icosahedron
(a gnomonic projection, centred on the face) and rounds it to the nearest centre of a regular hexagonal
lattice on that face; then it names the hexagon. The first step is plain arithmetic, done here for
whole numpy arrays; the second is done by H3 itself, once for one point of each hexagon.

Nothing about H3's tables is copied: the face centres come from H3's own twelve resolution-0
pentagons (the icosahedron's corners), and each face's lattice axis and spacing from H3's own cells
around the face centre. A point that lies within ``MARGIN`` of a hexagon's edge, or of a face's edge,
is handed to H3 one at a time, so the answer is H3's answer for every point
(``tests/test_h3_lattice.py`` checks that against ``h3.latlng_to_cell`` all over the globe).
"""

from __future__ import annotations

import functools
import threading

import h3
import numpy as np
import pandas as pd

# Points this close to a lattice edge (in barycentric weight, about the same in hexagon spacings) or
# to a face edge are not rounded here. Rounding differences between this arithmetic and H3's are
# around 1e-9 of a hexagon at resolution 15, far below it; about 1 point in a million is handed over.
MARGIN = 1e-6
FACE_MARGIN = 1e-12
# Hexagon names already looked up, per (resolution, face, i, j): the county has about 3,800 cells at
# resolution 8, so this stays small; it is emptied if anything ever fills it.
NAME_CACHE_LIMIT = 200_000
# Dense grouping needs one slot per lattice position in the points' bounding box; past this, sort.
DENSE_LIMIT = 4_000_000

_names: dict[tuple[int, int, int, int], str] = {}
_names_lock = threading.Lock()


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
        return self._known.get((resolution, face), (pd.Index([], dtype=np.int64), np.array([], object)))

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
    """Sines and cosines of the distinct latitudes and longitudes, and dot products of points (given as
    codes into them) with fixed vectors, split so each point costs two look-ups and two operations."""

    def __init__(self, lat_values: np.ndarray, lon_values: np.ndarray) -> None:
        lat, lon = np.radians(lat_values), np.radians(lon_values)
        self.cos_lat, self.sin_lat = np.cos(lat), np.sin(lat)
        self.cos_lon, self.sin_lon = np.cos(lon), np.sin(lon)

    def parts(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """vector . (cos lat cos lon, cos lat sin lon, sin lat) = cos lat * by_lon + by_lat"""
        return self.cos_lon * vector[0] + self.sin_lon * vector[1], self.sin_lat * vector[2]

    def dot(
        self, vector: np.ndarray, lat_of: np.ndarray, lon_of: np.ndarray, cos_lat: np.ndarray
    ) -> np.ndarray:
        by_lon, by_lat = self.parts(vector)
        return cos_lat * by_lon[lon_of] + by_lat[lat_of]

    def surely_positive(self, vector: np.ndarray, lats: np.ndarray, lons: np.ndarray) -> bool:
        """Whether vector . point > FACE_MARGIN for every point whose latitude is among ``lats`` and
        longitude among ``lons`` (indices of distinct values): cos lat is never negative, so the
        smallest by_lon bounds every point of a latitude."""
        by_lon, by_lat = self.parts(vector)
        lowest = self.cos_lat[lats] * by_lon[lons].min() + by_lat[lats]
        return bool(lowest.min() > FACE_MARGIN)


def _used(codes: np.ndarray, size: int) -> np.ndarray:
    used = np.zeros(size, dtype=bool)
    used[codes] = True
    return np.flatnonzero(used)


def _inside_face(
    face: int, trig: _Trig, lat_of: np.ndarray, lon_of: np.ndarray, cos_lat: np.ndarray
) -> np.ndarray | None:
    """Which points are surely on ``face`` (nearer its centre than each of its three neighbours'),
    or None when all of them are."""
    centre = face_centres()[face]
    lats, lons = _used(lat_of, len(trig.cos_lat)), _used(lon_of, len(trig.cos_lon))
    inside = None
    for other in face_neighbours()[face]:
        towards = centre - face_centres()[other]
        if trig.surely_positive(towards, lats, lons):
            continue
        beyond = trig.dot(towards, lat_of, lon_of, cos_lat) > FACE_MARGIN
        inside = beyond if inside is None else inside & beyond
    return inside


def cells(
    lat_codes: np.ndarray,
    lat_values: np.ndarray,
    lon_codes: np.ndarray,
    lon_values: np.ndarray,
    resolution: int,
) -> tuple[np.ndarray, np.ndarray]:
    """H3 cells of points given as codes into distinct latitudes and longitudes (degrees, valid).

    Returns a group code per point and each group's cell name: point ``p`` is in
    ``names[codes[p]]``. Two groups may share a name (one hexagon seen from two faces).
    Coordinates that repeat (stored to 4 decimals) make this cheap: the trigonometry is done once
    per distinct latitude and per distinct longitude, and each point costs a few multiplications.
    """
    codes = np.full(len(lat_codes), -1, dtype=np.int64)
    parts: list[np.ndarray] = []
    trig = _Trig(lat_values, lon_values)
    waiting = np.arange(len(lat_codes))
    lat_of, lon_of = lat_codes, lon_codes
    by_hand: list[np.ndarray] = []
    while len(waiting):  # one round per face the points fall on: a county needs one, the globe twenty
        face = _face_of(_unit_vectors(lat_values[lat_of[:1]], lon_values[lon_of[:1]])[0])
        try:
            a_vector, b_vector = lattice_frame(face, resolution)
        except RuntimeError:
            break
        cos_lat = trig.cos_lat[lat_of]
        inside = _inside_face(face, trig, lat_of, lon_of, cos_lat)
        if inside is None:
            rows, later = waiting, waiting[:0]
        else:
            if not inside[0]:  # the first point lies on the face's edge
                by_hand.append(waiting[:1])
            later = ~inside
            later[0] = False
            rows, later, lat_of, lon_of, cos_lat = (
                waiting[inside],
                waiting[later],
                lat_of[inside],
                lon_of[inside],
                cos_lat[inside],
            )
        depth = trig.dot(face_centres()[face], lat_of, lon_of, cos_lat)
        i, j, unsure = _rounded(
            trig.dot(a_vector, lat_of, lon_of, cos_lat) / depth,
            trig.dot(b_vector, lat_of, lon_of, cos_lat) / depth,
        )
        if unsure.any():
            by_hand.append(rows[unsure])
            rows, lat_of, lon_of, i, j = (x[~unsure] for x in (rows, lat_of, lon_of, i, j))
        if len(rows):
            group, members = _groups(i, j)
            codes[rows] = group + sum(len(part) for part in parts)
            latitudes, longitudes = lat_values[lat_of[members]], lon_values[lon_of[members]]
            parts.append(_names.names(resolution, face, i[members], j[members], latitudes, longitudes))
        waiting = later
        lat_of, lon_of = lat_codes[waiting], lon_codes[waiting]
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
    return codes, np.concatenate(parts)


def forget_names() -> None:
    """Forget the hexagon names looked up so far (the benchmark's first-run figure)."""
    global _names
    _names = _NameCache()
