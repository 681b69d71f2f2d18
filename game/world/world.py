"""World state: entities on the grid, occupancy, adjacency, perception, paths.

Pure Python and single-threaded: the simulation's worker thread is the only
writer. Every rule "the world decides, not the model" lives here: no entity walks
onto a blocked or occupied tile, leaves the map, or moves more than one tile a step.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from game.world.grid import STEPS, Facing, Grid, Pos, chebyshev, manhattan

PLAYER_NAME = "Player"
BUCKET = 8  # side of a spatial-index cell, in tiles


@dataclass
class Entity:
    """The player or a villager. Mutated only by :class:`World`."""

    name: str
    pos: Pos
    facing: Facing = Facing.DOWN
    is_player: bool = False
    vision_range: int = 6
    activity: str = "standing about"


@dataclass(frozen=True)
class Result:
    """What happened when something was attempted: success, or why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


OK = Result(True)


@dataclass(frozen=True)
class Seen:
    """Someone an entity can see."""

    name: str
    pos: Pos
    distance: int
    activity: str
    is_player: bool


@dataclass(frozen=True)
class Perception:
    """What one entity knows of the world around it right now. Immutable, safe to share."""

    name: str
    pos: Pos
    tile: str
    here: str | None  # the landmark it stands in
    near: str | None  # the nearest landmark within a few tiles, when not inside one
    seen: tuple[Seen, ...]  # nearest first
    adjacent: tuple[str, ...]
    landmarks: tuple[tuple[str, Pos], ...]  # visible landmarks and their centres
    vision_range: int
    map_size: tuple[int, int]


@dataclass
class World:
    """The grid plus everyone on it."""

    grid: Grid
    entities: dict[str, Entity] = field(default_factory=dict)
    _occupant: dict[Pos, str] = field(default_factory=dict)
    _buckets: dict[Pos, set[str]] = field(default_factory=dict)

    # ---- membership -------------------------------------------------------------

    def add(self, entity: Entity) -> Result:
        if entity.name in self.entities:
            return Result(False, f"{entity.name} is already in the world")
        if not self.grid.walkable(entity.pos):
            return Result(False, f"{entity.pos} is not walkable")
        if entity.pos in self._occupant:
            return Result(False, f"{entity.pos} is taken by {self._occupant[entity.pos]}")
        self.entities[entity.name] = entity
        self._place(entity.name, entity.pos)
        return OK

    def get(self, name: str) -> Entity | None:
        return self.entities.get(name)

    def find(self, name: str) -> Entity | None:
        """Look an entity up by name, ignoring case and surrounding quotes/space."""
        key = name.strip().strip("\"'").strip().lower()
        for entity in self.entities.values():
            if entity.name.lower() == key:
                return entity
        return None

    def occupant(self, pos: Pos) -> str | None:
        return self._occupant.get(pos)

    def positions(self) -> dict[str, Pos]:
        return {name: e.pos for name, e in self.entities.items()}

    # ---- movement ---------------------------------------------------------------

    def can_enter(self, pos: Pos) -> Result:
        if not self.grid.in_bounds(pos):
            return Result(False, f"({pos[0]}, {pos[1]}) is off the map")
        if not self.grid.walkable(pos):
            return Result(False, f"({pos[0]}, {pos[1]}) is {self.grid.tile(pos).name}")
        other = self._occupant.get(pos)
        if other is not None:
            return Result(False, f"{other} is standing at ({pos[0]}, {pos[1]})")
        return OK

    def step(self, name: str, facing: Facing) -> Result:
        """Turn ``name`` to ``facing`` and move it one tile that way if it can enter."""
        entity = self.entities[name]
        entity.facing = facing
        dx, dy = facing.delta
        return self._move(entity, (entity.pos[0] + dx, entity.pos[1] + dy))

    def step_to(self, name: str, pos: Pos) -> Result:
        """Move ``name`` onto a 4-neighbouring tile ``pos``; anything further is refused."""
        entity = self.entities[name]
        if manhattan(entity.pos, pos) != 1:
            return Result(False, f"({pos[0]}, {pos[1]}) is not one step away")
        entity.facing = Facing.towards(entity.pos, pos, entity.facing)
        return self._move(entity, pos)

    def face(self, name: str, towards: Pos) -> None:
        entity = self.entities[name]
        entity.facing = Facing.towards(entity.pos, towards, entity.facing)

    def _move(self, entity: Entity, pos: Pos) -> Result:
        allowed = self.can_enter(pos)
        if not allowed:
            return allowed
        self._unplace(entity.name, entity.pos)
        entity.pos = pos
        self._place(entity.name, pos)
        return OK

    # ---- relations --------------------------------------------------------------

    def adjacent(self, a: str, b: str) -> bool:
        """Within one tile of each other, diagonals included, and not the same entity."""
        ea, eb = self.entities.get(a), self.entities.get(b)
        if ea is None or eb is None or ea is eb:
            return False
        return chebyshev(ea.pos, eb.pos) <= 1

    def neighbours_of(self, name: str) -> list[str]:
        entity = self.entities[name]
        return [e.name for e in self.near(entity.pos, 1) if e.name != name]

    def near(self, pos: Pos, radius: int) -> Iterator[Entity]:
        """Entities within ``radius`` (Chebyshev) of ``pos``, found through the spatial index."""
        bx0, by0 = (pos[0] - radius) // BUCKET, (pos[1] - radius) // BUCKET
        bx1, by1 = (pos[0] + radius) // BUCKET, (pos[1] + radius) // BUCKET
        for by in range(by0, by1 + 1):
            for bx in range(bx0, bx1 + 1):
                for name in self._buckets.get((bx, by), ()):
                    entity = self.entities[name]
                    if chebyshev(entity.pos, pos) <= radius:
                        yield entity

    def perceive(self, name: str, *, max_seen: int = 8) -> Perception:
        """What ``name`` sees within its vision range: people (nearest first) and landmarks.

        There is no line of sight: vision is a square of ``vision_range`` tiles each way.
        At most ``max_seen`` people are listed so a crowd does not swell the prompt.
        """
        me = self.entities[name]
        seen = sorted(
            (
                Seen(e.name, e.pos, chebyshev(e.pos, me.pos), e.activity, e.is_player)
                for e in self.near(me.pos, me.vision_range)
                if e.name != name
            ),
            key=lambda s: (s.distance, s.name),
        )
        here = self.grid.landmark_at(me.pos)
        near = None if here else self.grid.nearest_landmark(me.pos, within=3)
        landmarks = tuple(
            (lm.name, lm.centre)
            for lm in self.grid.landmarks
            if lm.distance_to(me.pos) <= me.vision_range and lm is not here
        )
        return Perception(
            name=name,
            pos=me.pos,
            tile=self.grid.tile(me.pos).name,
            here=here.name if here else None,
            near=near.name if near else None,
            seen=tuple(seen[:max_seen]),
            adjacent=tuple(s.name for s in seen if s.distance <= 1),
            landmarks=landmarks,
            vision_range=me.vision_range,
            map_size=(self.grid.width, self.grid.height),
        )

    def describe_place(self, pos: Pos) -> str:
        """A short, human name for a tile: "the bakery", "near the well" or "(12, 9)"."""
        here = self.grid.landmark_at(pos)
        if here:
            return here.name
        near = self.grid.nearest_landmark(pos, within=3)
        if near:
            return f"near {near.name}"
        return f"({pos[0]}, {pos[1]})"

    # ---- paths ------------------------------------------------------------------

    def find_path(
        self,
        start: Pos,
        goal: Pos,
        *,
        through_entities: bool = False,
        max_nodes: int = 40_000,
    ) -> list[Pos] | None:
        """Shortest 4-connected walkable path from ``start`` to ``goal`` (A*).

        Returns the tiles to step on, excluding ``start`` and ending at ``goal``;
        ``[]`` when already there; ``None`` when there is no path (or the search
        gives up after ``max_nodes`` tiles). Other entities block unless
        ``through_entities`` is set (useful to plan around people who will move).
        """
        if start == goal:
            return []
        if not self.grid.walkable(goal):
            return None
        frontier: list[tuple[int, int, Pos]] = [(manhattan(start, goal), 0, start)]
        came_from: dict[Pos, Pos] = {start: start}
        cost: dict[Pos, int] = {start: 0}
        expanded = 0
        while frontier:
            _, g, current = heapq.heappop(frontier)
            if current == goal:
                break
            if g > cost[current]:
                continue
            expanded += 1
            if expanded > max_nodes:
                return None
            for dx, dy in STEPS:
                nxt = (current[0] + dx, current[1] + dy)
                if not self.grid.walkable(nxt):
                    continue
                if not through_entities and nxt != goal and nxt in self._occupant:
                    continue
                new_cost = g + 1
                if new_cost < cost.get(nxt, 1 << 30):
                    cost[nxt] = new_cost
                    came_from[nxt] = current
                    heapq.heappush(frontier, (new_cost + manhattan(nxt, goal), new_cost, nxt))
        if goal not in came_from:
            return None
        path = [goal]
        while path[-1] != start:
            path.append(came_from[path[-1]])
        path.pop()
        path.reverse()
        return path

    def nearest_free(self, pos: Pos, *, radius: int = 2, exclude: Iterable[Pos] = ()) -> Pos | None:
        """The free walkable tile closest to ``pos`` (itself if free), within ``radius``."""
        skip = set(exclude)
        best: tuple[int, int, Pos] | None = None
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                cand = (pos[0] + dx, pos[1] + dy)
                if cand in skip or not self.can_enter(cand):
                    continue
                key = (chebyshev(cand, pos), manhattan(cand, pos), cand)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    # ---- spatial index ----------------------------------------------------------

    def _place(self, name: str, pos: Pos) -> None:
        self._occupant[pos] = name
        self._buckets.setdefault((pos[0] // BUCKET, pos[1] // BUCKET), set()).add(name)

    def _unplace(self, name: str, pos: Pos) -> None:
        if self._occupant.get(pos) == name:
            del self._occupant[pos]
        bucket = self._buckets.get((pos[0] // BUCKET, pos[1] // BUCKET))
        if bucket is not None:
            bucket.discard(name)

    def check_invariants(self) -> list[str]:
        """Every way the state could be corrupt; empty when all is well (used by tests)."""
        problems = []
        seen: dict[Pos, str] = {}
        for entity in self.entities.values():
            if not self.grid.walkable(entity.pos):
                problems.append(f"{entity.name} stands on unwalkable {entity.pos}")
            if entity.pos in seen:
                problems.append(f"{entity.name} and {seen[entity.pos]} share {entity.pos}")
            seen[entity.pos] = entity.name
            if self._occupant.get(entity.pos) != entity.name:
                problems.append(f"occupancy index lost {entity.name}")
        if len(self._occupant) != len(self.entities):
            problems.append("occupancy index has stale entries")
        return problems

