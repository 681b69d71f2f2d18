"""The world's fast lookups answer exactly what the plain, slow ways would."""

from __future__ import annotations

import random
from collections import deque

from game.bench.worlds import generated_map
from game.brains.prompts import DECISION_BUDGET, fit_entries
from game.world import Entity, Grid, World, build_world, chebyshev, manhattan
from game.world.grid import LandmarkIndex


def big_grid() -> Grid:
    return Grid.from_spec(generated_map(80, 80, seed=7))


def test_landmark_lookups_match_a_scan_of_every_landmark() -> None:
    grid = big_grid()
    rng = random.Random(1)
    for _ in range(3000):
        pos = (rng.randrange(-3, 83), rng.randrange(-3, 83))
        count, radius = rng.randint(1, 10), rng.randint(0, 9)
        by_centre = sorted(grid.landmarks, key=lambda lm: (chebyshev(lm.centre, pos), lm.name))
        assert list(grid.nearest_landmarks(pos, count)) == by_centre[:count]
        within = [lm for lm in grid.landmarks if lm.distance_to(pos) <= radius]
        assert list(LandmarkIndex(grid.landmarks).within(pos, radius)) == within
        inside = [lm for lm in grid.landmarks if lm.contains(pos)]
        smallest = min(inside, key=lambda lm: lm.w * lm.h) if inside else None
        assert grid.landmark_at(pos) == smallest
        around = grid.surroundings(pos, radius)
        assert around.here == (smallest.name if smallest else None)
        close = [(lm.distance_to(pos), lm.w * lm.h, lm.name) for lm in grid.landmarks]
        nearest = min(c for c in close if c[0] <= 3)[2] if any(c[0] <= 3 for c in close) else None
        assert around.near == (None if smallest else nearest)
        assert around.visible == tuple((lm.name, lm.spot) for lm in within if lm is not smallest)
        assert grid.places_near(pos, count) == tuple((lm.name, lm.spot) for lm in by_centre[:count])


def bfs_length(
    world: World, start: tuple[int, int], goal: tuple[int, int], *, people: bool = False
) -> int | None:
    """Length of the shortest walk by breadth-first search; people block if ``people``."""
    seen = {start: 0}
    todo = deque([start])
    while todo:
        x, y = todo.popleft()
        if (x, y) == goal:
            return seen[goal]
        for nxt in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
            taken = people and nxt != goal and world.occupant(nxt) is not None
            if nxt not in seen and world.grid.walkable(nxt) and not taken:
                seen[nxt] = seen[(x, y)] + 1
                todo.append(nxt)
    return None


def test_paths_are_shortest_walks_and_none_when_cut_off() -> None:
    world = World(big_grid())
    rng = random.Random(2)
    open_tiles = [(x, y) for y in range(80) for x in range(80) if world.grid.walkable((x, y))]
    for _ in range(150):
        start, goal = rng.choice(open_tiles), rng.choice(open_tiles)
        path = world.find_path(start, goal, through_entities=True)
        expected = bfs_length(world, start, goal)
        if expected is None:
            assert path is None
            continue
        assert path is not None and len(path) == expected
        for a, b in zip([start, *path], path, strict=False):
            assert manhattan(a, b) == 1 and world.grid.walkable(b)


def test_short_walks_among_people_are_shortest_and_never_through_anyone() -> None:
    """Most walks are short and open: those are answered without a search, so check them
    against breadth-first search, with people standing about."""
    world = World(big_grid())
    rng = random.Random(3)
    open_tiles = [(x, y) for y in range(80) for x in range(80) if world.grid.walkable((x, y))]
    for i, pos in enumerate(rng.sample(open_tiles, 600)):
        world.add(Entity(f"P{i}", pos))
    free = [p for p in open_tiles if world.occupant(p) is None]
    straight = 0
    for _ in range(400):
        start = rng.choice(free)
        goal = (start[0] + rng.randint(-8, 8), start[1] + rng.randint(-8, 8))
        if goal not in free:
            continue
        for through in (True, False):
            path = world.find_path(start, goal, through_entities=through, max_nodes=100_000)
            expected = bfs_length(world, start, goal, people=not through)
            if expected is None:
                assert path is None
                continue
            assert path is not None and len(path) == expected
            for a, b in zip([start, *path], path, strict=False):
                assert manhattan(a, b) == 1 and world.grid.walkable(b)
                assert through or b == goal or world.occupant(b) is None
            turns = sum(
                (b[0] - a[0], b[1] - a[1]) != (c[0] - b[0], c[1] - b[1])
                for a, b, c in zip([start, *path], path, path[1:], strict=False)
            )
            straight += turns <= 1
    assert straight > 100  # the quick answer was exercised


def test_people_block_only_near_the_walker_when_asked() -> None:
    world = World(big_grid())
    start = next((x, 40) for x in range(5, 80) if world.grid.walkable((x, 40)))
    row = [(x, 40) for x in range(start[0] + 1, start[0] + 30) if world.grid.walkable((x, 40))]
    far = row[-1]
    # Wall the goal in with people, all far from the walker.
    for i, pos in enumerate(p for p in (
        (far[0] + dx, far[1] + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)
    ) if world.grid.walkable(p)):
        world.add(Entity(f"P{i}", pos))
    world.add(Entity("Walker", start))
    assert world.find_path(start, far) is None  # walled in: given up at once
    near_only = world.find_path(start, far, block_within=5)
    assert near_only is not None and near_only[-1] == far


def test_memory_is_cut_to_whole_newest_entries() -> None:  # for the prompt budget
    memory = "\n".join(f"## Turn {i} at 1,1\n- Waited." for i in range(1, 30))
    kept = fit_entries(memory, 100)
    assert len(kept) <= 100 and kept.startswith("## Turn") and kept.endswith("- Waited.")
    assert "## Turn 29" in kept and "## Turn 1 " not in kept
    assert fit_entries(memory, len(memory)) == memory
    assert fit_entries("## Turn 1\n" + "x" * 500, 100).endswith("…")
    assert DECISION_BUDGET == 2400


def test_perception_in_crowds_and_open_ground_matches_a_full_scan() -> None:
    grid = big_grid()
    world = World(grid)
    rng = random.Random(3)
    open_tiles = [(x, y) for y in range(80) for x in range(80) if grid.walkable((x, y))]
    crowd = [p for p in open_tiles if chebyshev(p, (40, 40)) <= 6]
    spread = rng.sample(open_tiles, 150)
    for i, pos in enumerate(dict.fromkeys(crowd + spread)):
        if rng.random() < 0.8:
            world.add(Entity(f"N{i}", pos, vision_range=rng.randint(1, 8)))
    for name, me in world.entities.items():
        everyone = sorted(
            (chebyshev(e.pos, me.pos), e.name)
            for e in world.entities.values()
            if e is not me and chebyshev(e.pos, me.pos) <= me.vision_range
        )
        p = world.perceive(name)
        assert [(s.distance, s.name) for s in p.seen] == everyone[:8]
        assert list(p.adjacent) == [n for d, n in everyone if d <= 1]
        assert [s.name for s in world.perceive(name, max_seen=5).seen] == [
            n for _, n in everyone[:5]
        ]


def test_every_place_a_villager_knows_is_given_as_a_tile_one_can_stand_on(real_content) -> None:
    """The pond's centre is water and the well's is its wall: a villager (or a model) told
    to go there is given the walkable tile nearest the centre instead, and arrives."""
    world = build_world(real_content)
    grid = world.grid
    moved_off = 0
    for lm in grid.landmarks:
        assert grid.walkable(lm.spot), lm
        if grid.walkable(lm.centre):
            assert lm.spot == lm.centre
            continue
        moved_off += 1
        r = chebyshev(lm.spot, lm.centre)
        closer = [
            (lm.centre[0] + dx, lm.centre[1] + dy)
            for dx in range(-r + 1, r)
            for dy in range(-r + 1, r)
        ]
        assert not any(grid.walkable(p) for p in closer), lm
    assert moved_off >= 2  # the eastern pond and the well, at least
    for npc in real_content.npcs:
        for _, pos in grid.places_near(npc.spawn, 8):
            assert grid.walkable(pos)
