"""World state: entities on the grid, occupancy, adjacency, perception, paths.

Pure Python and single-threaded: the simulation's worker thread is the only
writer. Every rule "the world decides, not the model" lives here: no entity walks
onto a blocked or occupied tile, leaves the map, or moves more than one tile a step.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from game.world.grid import Facing, Grid, Pos, chebyshev, manhattan

PLAYER_NAME = "Player"
BUCKET = 8  # side of a spatial-index cell, in tiles
CROWD = 16  # people in one spatial-index cell from which perception searches ring by ring
SLICE = 32  # tiles a path search expands before the search from the other end has a go


@dataclass(slots=True)
class Entity:
    """The player or a villager. Mutated only by :class:`World`."""

    name: str
    pos: Pos
    facing: Facing = Facing.DOWN
    is_player: bool = False
    vision_range: int = 6
    activity: str = "standing about"


_EMPTY: dict[str, Entity] = {}  # a spatial-index cell with nobody in it
_STEP_FACING = {facing.delta: facing for facing in Facing}  # a step's (dx, dy) -> facing


@functools.cache
def _ring_offsets(r: int) -> tuple[Pos, ...]:
    """The offsets of the tiles exactly ``r`` (Chebyshev) from a tile."""
    tiles = [(i, j) for i in range(-r, r + 1) for j in (-r, r)]
    tiles += [(i, j) for j in range(-r + 1, r) for i in (-r, r)]
    return tuple(tiles)


@dataclass(frozen=True)
class Result:
    """What happened when something was attempted: success, or why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


OK = Result(True)


class Seen(NamedTuple):
    """Someone an entity can see. A tuple: perception makes thousands a turn in a crowd."""

    name: str
    pos: Pos
    distance: int
    activity: str
    is_player: bool


class Perception(NamedTuple):
    """What one entity knows of the world around it right now. Immutable, safe to share.

    A named tuple, as :class:`Seen` is: one is made for every villager every turn.
    """

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
    _buckets: dict[Pos, dict[str, Entity]] = field(default_factory=dict)
    moves: int = 0  # counts every entity placed or moved: what was seen before may be stale

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
        self.moves += 1
        return OK

    def get(self, name: str) -> Entity | None:
        return self.entities.get(name)

    def find(self, name: str) -> Entity | None:
        """Look an entity up by name, ignoring case and surrounding quotes/space."""
        exact = name.strip().strip("\"'").strip()
        if exact in self.entities:  # names are unique ignoring case, so this is the one
            return self.entities[exact]
        key = exact.lower()
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
        if pos not in self._occupant and self.grid.walkable(pos):
            return OK
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
        facing = _STEP_FACING.get((pos[0] - entity.pos[0], pos[1] - entity.pos[1]))
        if facing is None:
            return Result(False, f"({pos[0]}, {pos[1]}) is not one step away")
        entity.facing = facing
        return self._move(entity, pos)

    def face(self, name: str, towards: Pos) -> None:
        entity = self.entities[name]
        entity.facing = Facing.towards(entity.pos, towards, entity.facing)

    def _move(self, entity: Entity, pos: Pos) -> Result:
        if pos in self._occupant or not self.grid.walkable(pos):
            return self.can_enter(pos)  # says why not
        old = entity.pos
        if (old[0] // BUCKET, old[1] // BUCKET) == (pos[0] // BUCKET, pos[1] // BUCKET):
            del self._occupant[old]  # same bucket: only the occupancy changes
            self._occupant[pos] = entity.name
        else:
            self._unplace(entity.name, old)
            self._place(entity.name, pos)
        entity.pos = pos
        self.moves += 1
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

    def near(self, pos: Pos, radius: int) -> list[Entity]:
        """Entities within ``radius`` (Chebyshev) of ``pos``, found through the spatial index."""
        px, py = pos
        buckets = self._buckets
        found = []
        for by in range((py - radius) // BUCKET, (py + radius) // BUCKET + 1):
            for bx in range((px - radius) // BUCKET, (px + radius) // BUCKET + 1):
                for entity in buckets.get((bx, by), _EMPTY).values():
                    ex, ey = entity.pos
                    if -radius <= ex - px <= radius and -radius <= ey - py <= radius:
                        found.append(entity)
        return found

    def perceive(self, name: str, *, max_seen: int = 8) -> Perception:
        """What ``name`` sees within its vision range: people (nearest first) and landmarks.

        There is no line of sight: vision is a square of ``vision_range`` tiles each way.
        At most ``max_seen`` people are listed so a crowd does not swell the prompt.
        """
        me = self.entities[name]
        around = self._around(me, max_seen)
        # Both named tuples are made with tuple.__new__, fields in their declared order:
        # their own constructors cost three times as much, and a big village perceives a
        # thousand times a turn, each seeing up to eight.
        new = tuple.__new__
        nearest = around[:max_seen]
        seen = tuple(
            [new(Seen, (o.name, o.pos, d, o.activity, o.is_player)) for d, _, o in nearest]
        )
        next_to = []
        for distance, other, _ in around:  # nearest first
            if distance > 1:
                break
            next_to.append(other)
        grid, pos = self.grid, me.pos
        places = grid.surroundings(pos, me.vision_range)
        return new(
            Perception,
            (
                name,
                pos,
                grid.tile(pos).name,
                places.here,
                places.near,
                seen,
                tuple(next_to),  # adjacent
                places.visible,  # landmarks
                me.vision_range,
                (grid.width, grid.height),  # map_size
            ),
        )

    def _around(self, me: Entity, wanted: int) -> list[tuple[int, str, Entity]]:
        """(distance, name, entity) for people within ``me``'s vision, nearest first.

        Everyone within some distance is listed, and at least the ``wanted`` nearest (or
        all in sight, if fewer). In a crowd, rings of tiles are searched outwards until
        ``wanted`` are found; elsewhere the spatial index is scanned for everyone in sight.
        """
        px, py = me.pos
        radius = me.vision_range
        buckets = self._buckets
        if len(buckets.get((px // BUCKET, py // BUCKET), _EMPTY)) > CROWD:
            occupant, entities = self._occupant, self.entities
            found = []
            for distance in range(1, radius + 1):
                for dx, dy in _ring_offsets(distance):
                    name = occupant.get((px + dx, py + dy))
                    if name is not None:
                        found.append((distance, name, entities[name]))
                if len(found) >= wanted:
                    break
            found.sort()
            return found
        around = []
        left, right, top, bottom = px - radius, px + radius, py - radius, py + radius
        for by in range(top // BUCKET, bottom // BUCKET + 1):
            for bx in range(left // BUCKET, right // BUCKET + 1):
                cell = buckets.get((bx, by))
                if not cell:
                    continue
                for name, e in cell.items():
                    x, y = e.pos
                    if left <= x <= right and top <= y <= bottom and e is not me:
                        dx = x - px if x >= px else px - x
                        dy = y - py if y >= py else py - y
                        around.append((dx if dx > dy else dy, name, e))
        around.sort()  # names are unique, so the entities themselves are never compared
        return around

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
        block_within: int | None = None,
    ) -> list[Pos] | None:
        """Shortest 4-connected walkable path from ``start`` to ``goal`` (A*).

        Returns the tiles to step on, excluding ``start`` and ending at ``goal``;
        ``[]`` when already there; ``None`` when there is no path (or the search
        gives up after ``max_nodes`` tiles). Other entities block unless
        ``through_entities`` is set (useful to plan around people who will move);
        with ``block_within`` only those within that many tiles of ``start`` block,
        as the ones further off will have moved by the time the walker gets there.
        """
        if start == goal:
            return []
        grid = self.grid
        if not grid.walkable(goal) or not grid.walkable(start):
            return None  # nobody stands on a wall; a wall is nowhere to go
        if grid.region(start) != grid.region(goal):
            return None  # on different islands: no need to search the whole one
        first, target = grid.index(start), grid.index(goal)
        # The tiles people stand on that the walk must go round (never its two ends).
        blocked: set[int] = set()
        if not through_entities:
            if block_within is None:
                people: Iterable[Pos] = self._occupant
            else:
                people = [e.pos for e in self.near(start, block_within)]
            blocked = {grid.index(pos) for pos in people} - {first, target}
        straight = self._straight_path(start, goal, blocked)
        if straight is not None:
            return straight  # as short as any path can be: nothing to search for
        # Search from both ends in turn and take whichever finds a path first. Into a
        # house, the search from outside must comb the wall for the door while the one
        # from inside walks out of it; a goal walled in by people is given up as soon
        # as the search from it runs out of room.
        # The two share the ``max_nodes`` budget. The search from the goal goes first:
        # that is the end people are crowding round.
        backward = self._search(target, first, blocked, max_nodes // 2)
        forward = self._search(first, target, blocked, max_nodes // 2)
        while True:
            found = next(backward)
            if found is not True:
                break
            found = next(forward)
            if isinstance(found, list):
                found.reverse()
            if found is not True:
                break
        if not isinstance(found, list):
            return None
        width = grid.width
        return [(i % width, i // width) for i in found[1:]]

    def _search(
        self, source: int, dest: int, blocked: set[int], max_nodes: int
    ) -> Iterator[list[int] | bool]:
        """A* over tile indices from ``source`` to ``dest`` round ``blocked``, a slice at a time.

        Yields True after every ``SLICE`` tiles expanded while it goes on, then once: the
        tiles from ``dest`` back to ``source``, or False if there is no path (or more than
        ``max_nodes`` tiles were expanded).
        """
        grid = self.grid
        width, table = grid.width, grid.neighbour_table()
        gy, gx = divmod(dest, width)
        sy, sx = divmod(source, width)
        # Which of the four steps (up, right, down, left, as in STEPS) a step is.
        direction = {-width: 0, 1: 1, width: 2, -1: 3}
        # Every step costs 1 and the Manhattan distance never overestimates, so a step
        # raises f = g + h by 0 (it comes closer to the goal) or by 2: the open tiles fit
        # in two lists, those at the current f (``now``) and those at f + 2 (``later``),
        # with no heap. Taking the newest of ``now`` first sends the search straight at
        # the goal on open ground instead of filling the rectangle between the two.
        now: list[int] = [source]
        later: list[int] = []
        came_from: dict[int, int] = {source: source}
        cost: dict[int, int] = {source: 0}
        done: set[int] = set()
        f = abs(sx - gx) + abs(sy - gy)
        pause = min(SLICE, max_nodes + 1)
        while now or later:
            if not now:
                now, later = later, now
                f += 2
            current = now.pop()
            if current == dest:
                chain = [dest]
                while chain[-1] != source:
                    chain.append(came_from[chain[-1]])
                yield chain
                return
            if current in done:
                continue  # queued again at a lower f, and expanded there
            done.add(current)
            if len(done) >= pause:
                if pause > max_nodes:
                    break
                pause = min(pause + SLICE, max_nodes + 1)
                yield True
            y, x = divmod(current, width)
            closer = (y > gy, x < gx, y < gy, x > gx)  # for each direction
            new_cost = cost[current] + 1
            for nxt in table[current]:
                if new_cost >= cost.get(nxt, 1 << 30) or nxt in blocked:
                    continue
                cost[nxt] = new_cost
                came_from[nxt] = current
                if closer[direction[nxt - current]]:
                    now.append(nxt)
                else:
                    later.append(nxt)
        yield False

    def _straight_path(self, start: Pos, goal: Pos, blocked: set[int]) -> list[Pos] | None:
        """The tiles of an open path with at most one turn (the longer leg first, else the
        shorter), or None. Such a path is a shortest one, so most walks need no search."""
        open_, width = self.grid.walkable_rows(), self.grid.width
        (sx, sy), (gx, gy) = start, goal
        step_x, step_y = (1 if gx > sx else -1), (1 if gy > sy else -1)
        along_x = [(x, sy) for x in range(sx + step_x, gx + step_x, step_x)] if gx != sx else []
        along_y = [(sx, y) for y in range(sy + step_y, gy + step_y, step_y)] if gy != sy else []
        then_x = [(x, gy) for x in range(sx + step_x, gx + step_x, step_x)] if gx != sx else []
        then_y = [(gx, y) for y in range(sy + step_y, gy + step_y, step_y)] if gy != sy else []
        x_first, y_first = along_x + then_y, along_y + then_x
        for path in (x_first, y_first) if len(along_x) >= len(along_y) else (y_first, x_first):
            if all(open_[y][x] and y * width + x not in blocked for x, y in path):
                return path
        return None

    def nearest_free(
        self,
        pos: Pos,
        *,
        radius: int = 2,
        exclude: Iterable[Pos] = (),
        mine: Pos | None = None,
    ) -> Pos | None:
        """The free walkable tile closest to ``pos`` (itself if free), within ``radius``.

        ``mine`` is the tile of the one asking: free to it, and its pick among tiles as
        close (a villager beside someone it walks up to stays where it is).
        """
        skip = set(exclude)
        best: tuple[int, int, bool, Pos] | None = None
        occupied, walkable = self._occupant, self.grid.walkable
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                cand = (pos[0] + dx, pos[1] + dy)
                if cand in skip or (cand in occupied and cand != mine) or not walkable(cand):
                    continue  # as can_enter, without saying why not
                key = (chebyshev(cand, pos), manhattan(cand, pos), cand != mine, cand)
                if best is None or key < best:
                    best = key
        return best[3] if best else None

    def relocate(self, places: dict[str, tuple[Pos, Facing, str]]) -> None:
        """Put each named entity on its tile, facing its way, doing what it does (a game
        being loaded). All are lifted first, so two may trade tiles; the caller has
        checked that the tiles are walkable and that no two share one."""
        for name in places:
            entity = self.entities[name]
            self._unplace(name, entity.pos)
        for name, (pos, facing, activity) in places.items():
            entity = self.entities[name]
            entity.pos, entity.facing, entity.activity = pos, facing, activity
            self._place(name, pos)
        self.moves += 1

    # ---- spatial index ----------------------------------------------------------

    def _place(self, name: str, pos: Pos) -> None:
        self._occupant[pos] = name
        cell = self._buckets.setdefault((pos[0] // BUCKET, pos[1] // BUCKET), {})
        cell[name] = self.entities[name]

    def _unplace(self, name: str, pos: Pos) -> None:
        if self._occupant.get(pos) == name:
            del self._occupant[pos]
        bucket = self._buckets.get((pos[0] // BUCKET, pos[1] // BUCKET))
        if bucket is not None:
            bucket.pop(name, None)

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
