"""The tile grid: positions, facings, tile kinds and landmarks. Pure Python.

Movement rule: **4-connected**. An entity steps one tile up, down, left or right;
diagonal steps are not allowed, so nobody cuts the corner of a house or squeezes
between two trees that touch at a corner. *Adjacency* for talking is wider: two
entities are adjacent when they are within one tile of each other, diagonals
included (Chebyshev distance 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

    from game.content.models import MapSpec

Pos = tuple[int, int]


class Facing(str, Enum):
    """Which way an entity looks; the value names the sprite row."""

    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    UP = "up"

    @property
    def delta(self) -> Pos:
        return _DELTAS[self]

    @classmethod
    def towards(cls, start: Pos, end: Pos, default: Facing | None = None) -> Facing:
        """The facing of a step from ``start`` to ``end`` (horizontal wins on a tie)."""
        dx, dy = end[0] - start[0], end[1] - start[1]
        if dx == 0 and dy == 0:
            return default or cls.DOWN
        if abs(dx) >= abs(dy):
            return cls.RIGHT if dx > 0 else cls.LEFT
        return cls.DOWN if dy > 0 else cls.UP


_DELTAS: dict[Facing, Pos] = {
    Facing.DOWN: (0, 1),
    Facing.LEFT: (-1, 0),
    Facing.RIGHT: (1, 0),
    Facing.UP: (0, -1),
}

STEPS: tuple[Pos, ...] = ((0, -1), (1, 0), (0, 1), (-1, 0))


def chebyshev(a: Pos, b: Pos) -> int:
    """Distance in king moves: 1 for every neighbour, diagonals included."""
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def manhattan(a: Pos, b: Pos) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


@dataclass(frozen=True)
class TileKind:
    symbol: str
    name: str
    walkable: bool


@dataclass(frozen=True)
class Landmark:
    """A named rectangle; ``x, y`` is the top-left tile."""

    name: str
    x: int
    y: int
    w: int
    h: int

    centre: Pos = field(init=False, compare=False, repr=False)
    # Where to go to visit it: the centre, or the walkable tile nearest it when the centre
    # is water or wall (a pond, a well). Set by the grid it is on, which knows the tiles.
    spot: Pos = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "centre", (self.x + self.w // 2, self.y + self.h // 2))
        object.__setattr__(self, "spot", self.centre)

    def contains(self, pos: Pos) -> bool:
        return self.x <= pos[0] < self.x + self.w and self.y <= pos[1] < self.y + self.h

    def distance_to(self, pos: Pos) -> int:
        """Chebyshev distance from ``pos`` to the nearest tile of the rectangle (0 inside)."""
        dx = max(self.x - pos[0], 0, pos[0] - (self.x + self.w - 1))
        dy = max(self.y - pos[1], 0, pos[1] - (self.y + self.h - 1))
        return max(dx, dy)


class Surroundings(NamedTuple):
    """The places around a tile, as perception tells them."""

    here: str | None  # the landmark the tile is in
    near: str | None  # else the nearest landmark within 3 tiles
    visible: tuple[tuple[str, Pos], ...]  # other landmarks in sight, with their centres


_Candidate = tuple[int, int, str, int, Landmark]
_Rect = tuple[int, int, int, int, Landmark]


def _smallest(landmarks: Sequence[Landmark]) -> Landmark | None:
    """The smallest by area (the first of equals): the bakery rather than the square."""
    return min(landmarks, key=lambda lm: lm.w * lm.h) if landmarks else None


def _closest(ranged: Sequence[tuple[int, Landmark]]) -> Landmark | None:
    """Of (distance, landmark) pairs, the nearest; then the smallest, then by name."""
    return min(ranged, key=lambda p: (p[0], p[1].w * p[1].h, p[1].name))[1] if ranged else None


MEMO_LIMIT = 50_000  # entries per lookup table of landmarks near a tile
AREA = 8  # side of the areas that share a short list of candidate nearest landmarks


class LandmarkIndex:
    """Landmarks bucketed by area, so lookups near a tile look at a few, not all of them."""

    CELL = 16  # tiles per bucket side

    def __init__(self, landmarks: tuple[Landmark, ...]) -> None:
        self.landmarks = landmarks
        self._order = {id(lm): i for i, lm in enumerate(landmarks)}
        self._covering: dict[Pos, list[Landmark]] = {}  # every bucket a rectangle overlaps
        # Per area and radius: (left, top, right, bottom, landmark) that may be in reach.
        self._reachable: dict[tuple[int, int, int], tuple[_Rect, ...]] = {}
        # Per area and count: (centre x, centre y, name, file order, landmark) to rank.
        self._candidates: dict[tuple[int, int, int], tuple[_Candidate, ...]] = {}
        c = self.CELL
        for lm in landmarks:
            for by in range(lm.y // c, (lm.y + lm.h - 1) // c + 1):
                for bx in range(lm.x // c, (lm.x + lm.w - 1) // c + 1):
                    self._covering.setdefault((bx, by), []).append(lm)

    def _in_reach(self, pos: Pos, radius: int) -> tuple[_Rect, ...]:
        """The landmarks within ``radius`` of some tile of the 8 x 8 area ``pos`` is in,
        in file order, with their edges: a short list to measure from any tile there."""
        key = (pos[0] // AREA, pos[1] // AREA, radius)
        found = self._reachable.get(key)
        if found is None:
            left, top = key[0] * AREA, key[1] * AREA
            right, bottom = left + AREA - 1, top + AREA - 1
            c = self.CELL
            near: dict[int, Landmark] = {}
            for by in range((top - radius) // c, (bottom + radius) // c + 1):
                for bx in range((left - radius) // c, (right + radius) // c + 1):
                    for lm in self._covering.get((bx, by), ()):
                        dx = max(lm.x - right, 0, left - (lm.x + lm.w - 1))
                        dy = max(lm.y - bottom, 0, top - (lm.y + lm.h - 1))
                        if max(dx, dy) <= radius:
                            near[self._order[id(lm)]] = lm
            found = self._reachable[key] = tuple(
                (lm.x, lm.y, lm.x + lm.w - 1, lm.y + lm.h - 1, lm)
                for lm in (near[i] for i in sorted(near))
            )
        return found

    def ranged(self, pos: Pos, radius: int) -> list[tuple[int, Landmark]]:
        """(distance, landmark) for landmarks with a tile within ``radius`` of ``pos``,
        in their original order; the distance is :meth:`Landmark.distance_to`."""
        px, py = pos
        found = []
        for left, top, right, bottom, lm in self._in_reach(pos, radius):
            dx = left - px if px < left else (px - right if px > right else 0)
            dy = top - py if py < top else (py - bottom if py > bottom else 0)
            distance = dx if dx > dy else dy
            if distance <= radius:
                found.append((distance, lm))
        return found

    def within(self, pos: Pos, radius: int) -> tuple[Landmark, ...]:
        """Landmarks with a tile within ``radius`` of ``pos``, in their original order."""
        return tuple(lm for _, lm in self.ranged(pos, radius))

    def nearest(self, pos: Pos, count: int) -> tuple[Landmark, ...]:
        """The ``count`` nearest by centre (Chebyshev), ties broken by name.

        Each 8 x 8 area keeps the few landmarks that can be nearest from anywhere in it:
        if the ``count``-th nearest to the area's middle is ``d`` away, nothing further
        than ``d + 8`` from the middle can beat it from a tile at most 4 from the middle.
        """
        if count <= 0:
            return ()
        area = (pos[0] // AREA, pos[1] // AREA, count)
        candidates = self._candidates.get(area)
        if candidates is None:
            middle = (area[0] * AREA + AREA // 2, area[1] * AREA + AREA // 2)
            by_distance = sorted(self.landmarks, key=lambda lm: chebyshev(lm.centre, middle))
            if len(by_distance) > count:
                reach = chebyshev(by_distance[count - 1].centre, middle) + AREA
                by_distance = [lm for lm in by_distance if chebyshev(lm.centre, middle) <= reach]
            candidates = self._candidates[area] = tuple(
                (*lm.centre, lm.name, self._order[id(lm)], lm) for lm in by_distance
            )
        px, py = pos
        ranked = []
        for cx, cy, name, i, lm in candidates:
            dx = cx - px if cx > px else px - cx
            dy = cy - py if cy > py else py - cy
            ranked.append((dx if dx > dy else dy, name, i, lm))
        ranked.sort()
        return tuple(entry[3] for entry in ranked[:count])


class Grid:
    """A rectangle of tiles, indexed ``[y][x]`` with (0, 0) at the top left."""

    def __init__(self, name: str, tiles: list[list[TileKind]], landmarks: list[Landmark]) -> None:
        self.name = name
        self.tiles = tiles
        self.height = len(tiles)
        self.width = len(tiles[0]) if tiles else 0
        self.landmarks = tuple(landmarks)
        self._walkable = [[tile.walkable for tile in row] for row in tiles]
        for lm in self.landmarks:
            object.__setattr__(lm, "spot", self._visiting_spot(lm))
        # Static lookups, built on first use: the tiles and landmarks never change.
        self._neighbours: list[tuple[int, ...]] | None = None
        self._regions: list[int] | None = None
        self._places = LandmarkIndex(self.landmarks)
        self._landmark_at: dict[Pos, Landmark | None] = {}
        self._nearest: dict[tuple[Pos, int], Landmark | None] = {}
        # Villagers keep coming back to the same spots; these forget everything when full.
        self._nearest_few: dict[tuple[Pos, int], tuple[Landmark, ...]] = {}
        self._surroundings: dict[tuple[Pos, int], Surroundings] = {}
        self._places_near: dict[tuple[Pos, int], tuple[tuple[str, Pos], ...]] = {}
        # By name, ignoring case (the first of two with one name): asked every turn by
        # the villagers' behaviour trees.
        self._named: dict[str, Landmark] = {}
        for lm in self.landmarks:
            self._named.setdefault(lm.name.lower(), lm)

    @classmethod
    def from_spec(cls, spec: MapSpec) -> Grid:
        kinds = {
            symbol: TileKind(symbol, entry.kind, entry.walkable)
            for symbol, entry in spec.legend.items()
        }
        tiles = [[kinds[ch] for ch in row] for row in spec.rows]
        landmarks = [Landmark(lm.name, lm.x, lm.y, lm.w, lm.h) for lm in spec.landmarks]
        return cls(spec.name, tiles, landmarks)

    def _visiting_spot(self, lm: Landmark) -> Pos:
        """The walkable tile nearest the landmark's centre (itself if walkable): the shore
        of a pond, the ground beside a well. The centre if nothing walkable is near."""
        cx, cy = lm.centre
        for r in range(max(lm.w, lm.h) + 4):
            ring = [
                (cx + dx, cy + dy)
                for dy in range(-r, r + 1)
                for dx in range(-r, r + 1)
                if max(abs(dx), abs(dy)) == r and self.walkable((cx + dx, cy + dy))
            ]
            if ring:
                return min(ring, key=lambda p: (manhattan(p, lm.centre), p[1], p[0]))
        return lm.centre

    def in_bounds(self, pos: Pos) -> bool:
        return 0 <= pos[0] < self.width and 0 <= pos[1] < self.height

    def tile(self, pos: Pos) -> TileKind:
        return self.tiles[pos[1]][pos[0]]

    def walkable(self, pos: Pos) -> bool:
        return self.in_bounds(pos) and self._walkable[pos[1]][pos[0]]

    def narrow(self, pos: Pos) -> bool:
        """Whether ``pos`` is a one-tile way through: a door in a wall, a plank bridge. Its
        only walkable neighbours are the two on opposite sides, so someone standing on it
        blocks the way."""
        x, y = pos
        walk = self.walkable
        if not walk(pos):
            return False
        across = walk((x - 1, y)) + walk((x + 1, y))
        along = walk((x, y - 1)) + walk((x, y + 1))
        return (across, along) in ((2, 0), (0, 2))

    def walkable_rows(self) -> list[list[bool]]:
        """Whether each tile is walkable, indexed ``[y][x]``: for hot loops. Do not change."""
        return self._walkable

    # ---- static tables for paths ------------------------------------------------

    def index(self, pos: Pos) -> int:
        """The tile's number in row-major order, as used by :meth:`neighbour_table`."""
        return pos[1] * self.width + pos[0]

    def neighbour_table(self) -> list[tuple[int, ...]]:
        """For each tile index, the indices of its walkable 4-neighbours, in ``STEPS`` order."""
        if self._neighbours is None:
            w, h, open_ = self.width, self.height, self._walkable
            table: list[tuple[int, ...]] = []
            for y in range(h):
                for x in range(w):
                    if not open_[y][x]:
                        table.append(())
                        continue
                    table.append(
                        tuple(
                            (y + dy) * w + x + dx
                            for dx, dy in STEPS
                            if 0 <= x + dx < w and 0 <= y + dy < h and open_[y + dy][x + dx]
                        )
                    )
            self._neighbours = table
        return self._neighbours

    def region(self, pos: Pos) -> int:
        """Which walkable area ``pos`` is in (-1 if it is not walkable).

        Two tiles are connected by some walk exactly when their regions are equal, so a
        search for an unreachable goal can give up before it starts.
        """
        if not self.walkable(pos):
            return -1
        if self._regions is None:
            table = self.neighbour_table()
            regions = [-1] * len(table)
            label = 0
            for first in range(len(table)):
                y, x = divmod(first, self.width)
                if regions[first] != -1 or not self._walkable[y][x]:
                    continue
                regions[first] = label
                stack = [first]
                while stack:
                    for nxt in table[stack.pop()]:
                        if regions[nxt] == -1:
                            regions[nxt] = label
                            stack.append(nxt)
                label += 1
            self._regions = regions
        return self._regions[self.index(pos)]

    def region_size(self, pos: Pos) -> int:
        """How many tiles can be walked to from ``pos``, itself included (0 on a wall)."""
        region = self.region(pos)
        return 0 if region < 0 else (self._regions or []).count(region)

    # ---- landmarks --------------------------------------------------------------

    def landmark_at(self, pos: Pos) -> Landmark | None:
        """The smallest landmark containing ``pos`` (the bakery rather than the square)."""
        if pos not in self._landmark_at:
            self._landmark_at[pos] = _smallest(self._places.within(pos, 0))
        return self._landmark_at[pos]

    def nearest_landmark(self, pos: Pos, within: int) -> Landmark | None:
        key = (pos, within)
        if key not in self._nearest:
            self._nearest[key] = _closest(self._places.ranged(pos, within))
        return self._nearest[key]

    def nearest_landmarks(self, pos: Pos, count: int) -> tuple[Landmark, ...]:
        """The ``count`` landmarks whose centres are nearest ``pos`` (ties by name)."""
        key = (pos, count)
        found = self._nearest_few.get(key)
        if found is None:
            if len(self._nearest_few) >= MEMO_LIMIT:
                self._nearest_few.clear()
            found = self._nearest_few[key] = self._places.nearest(pos, count)
        return found

    def surroundings(self, pos: Pos, radius: int) -> Surroundings:
        """What perception tells of the places from ``pos``: the landmark it is in, else the
        nearest within 3 tiles, and the others within ``radius`` with where to go to visit
        them (:attr:`Landmark.spot`)."""
        key = (pos, radius)
        found = self._surroundings.get(key)
        if found is None:
            if len(self._surroundings) >= MEMO_LIMIT:
                self._surroundings.clear()
            # One look at the index for all three (as landmark_at and nearest_landmark).
            ranged = self._places.ranged(pos, max(radius, 3))
            here = _smallest([lm for d, lm in ranged if d == 0])
            near = None if here else _closest([(d, lm) for d, lm in ranged if d <= 3])
            visible = tuple(
                (lm.name, lm.spot) for d, lm in ranged if d <= radius and lm is not here
            )
            found = Surroundings(here.name if here else None, near.name if near else None, visible)
            self._surroundings[key] = found
        return found

    def places_near(self, pos: Pos, count: int) -> tuple[tuple[str, Pos], ...]:
        """(name, spot) of the ``count`` landmarks nearest ``pos`` (by centre): the places a
        villager knows of and may head for, each with the walkable tile to go to."""
        key = (pos, count)
        found = self._places_near.get(key)
        if found is None:
            if len(self._places_near) >= MEMO_LIMIT:
                self._places_near.clear()
            nearest = self._places.nearest(pos, count)
            found = self._places_near[key] = tuple((lm.name, lm.spot) for lm in nearest)
        return found

    def landmark_named(self, name: str) -> Landmark | None:
        return self._named.get(name.strip().lower())
