"""The tile grid: positions, facings, tile kinds and landmarks. Pure Python.

Movement rule: **4-connected**. An entity steps one tile up, down, left or right;
diagonal steps are not allowed, so nobody cuts the corner of a house or squeezes
between two trees that touch at a corner. *Adjacency* for talking is wider: two
entities are adjacent when they are within one tile of each other, diagonals
included (Chebyshev distance 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

    def contains(self, pos: Pos) -> bool:
        return self.x <= pos[0] < self.x + self.w and self.y <= pos[1] < self.y + self.h

    @property
    def centre(self) -> Pos:
        return (self.x + self.w // 2, self.y + self.h // 2)

    def distance_to(self, pos: Pos) -> int:
        """Chebyshev distance from ``pos`` to the nearest tile of the rectangle (0 inside)."""
        dx = max(self.x - pos[0], 0, pos[0] - (self.x + self.w - 1))
        dy = max(self.y - pos[1], 0, pos[1] - (self.y + self.h - 1))
        return max(dx, dy)


class Grid:
    """A rectangle of tiles, indexed ``[y][x]`` with (0, 0) at the top left."""

    def __init__(self, name: str, tiles: list[list[TileKind]], landmarks: list[Landmark]) -> None:
        self.name = name
        self.tiles = tiles
        self.height = len(tiles)
        self.width = len(tiles[0]) if tiles else 0
        self.landmarks = tuple(landmarks)
        self._walkable = [[tile.walkable for tile in row] for row in tiles]

    @classmethod
    def from_spec(cls, spec: MapSpec) -> Grid:
        kinds = {
            symbol: TileKind(symbol, entry.kind, entry.walkable)
            for symbol, entry in spec.legend.items()
        }
        tiles = [[kinds[ch] for ch in row] for row in spec.rows]
        landmarks = [Landmark(lm.name, lm.x, lm.y, lm.w, lm.h) for lm in spec.landmarks]
        return cls(spec.name, tiles, landmarks)

    def in_bounds(self, pos: Pos) -> bool:
        return 0 <= pos[0] < self.width and 0 <= pos[1] < self.height

    def tile(self, pos: Pos) -> TileKind:
        return self.tiles[pos[1]][pos[0]]

    def walkable(self, pos: Pos) -> bool:
        return self.in_bounds(pos) and self._walkable[pos[1]][pos[0]]

    def landmark_at(self, pos: Pos) -> Landmark | None:
        """The smallest landmark containing ``pos`` (the bakery rather than the square)."""
        inside = [lm for lm in self.landmarks if lm.contains(pos)]
        return min(inside, key=lambda lm: lm.w * lm.h) if inside else None

    def nearest_landmark(self, pos: Pos, within: int) -> Landmark | None:
        near = [(lm.distance_to(pos), lm.w * lm.h, lm.name, lm) for lm in self.landmarks]
        near = [entry for entry in near if entry[0] <= within]
        return min(near)[3] if near else None

    def landmark_named(self, name: str) -> Landmark | None:
        key = name.strip().lower()
        for lm in self.landmarks:
            if lm.name.lower() == key:
                return lm
        return None
