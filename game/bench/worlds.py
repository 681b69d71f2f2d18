"""Content for the benchmarks: the real village, extra villagers, a large generated map.

Extra villagers are copies of real ones (persona, lines, looks) under new one-word names
on free walkable tiles, so prompts and sprites cost what real villagers cost.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import replace

from game.content.loader import Content, default_content_paths, load_content
from game.content.models import RESERVED_NAMES, MapSpec, NpcSpec

Pos = tuple[int, int]

_ONSETS = "b d f g h k l m n p r s t v w z".split()
_VOWELS = "a e i o u".split()


def real_content() -> Content:
    """The default village: maps/village.yaml and npcs/."""
    return load_content(*default_content_paths())


def new_names(taken: set[str]) -> Iterator[str]:
    """Endless unique, letters-only, one-word names such as "Bado" or "Kelimu"."""
    syllables = [o + v for o in _ONSETS for v in _VOWELS]
    used = {name.lower() for name in taken} | set(RESERVED_NAMES)
    for length in itertools.count(2):
        for parts in itertools.product(syllables, repeat=length):
            name = "".join(parts).capitalize()
            if name.lower() not in used:
                used.add(name.lower())
                yield name


def walkable_tiles(spec: MapSpec) -> list[Pos]:
    walkable = {symbol for symbol, kind in spec.legend.items() if kind.walkable}
    return [
        (x, y) for y, row in enumerate(spec.rows) for x, ch in enumerate(row) if ch in walkable
    ]


def spiral(centre: Pos) -> Iterator[Pos]:
    """Tiles ordered by distance from ``centre`` (square rings), for packing a crowd."""
    yield centre
    for r in itertools.count(1):
        cx, cy = centre
        ring = [(cx + dx, cy + dy) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]
        yield from (p for p in ring if max(abs(p[0] - cx), abs(p[1] - cy)) == r)


def with_villagers(
    content: Content, count: int, *, seed: int = 0, near: Pos | None = None, keep: bool = True
) -> Content:
    """``content`` with ``count`` more villagers (or exactly ``count`` when ``keep`` is False).

    Spawns are free walkable tiles: random ones, or the closest to ``near`` (a crowd).
    """
    base = list(content.npcs) if keep else []
    templates = list(content.npcs)
    taken = {content.map.player_spawn, *(npc.spawn for npc in base)}
    open_tiles = set(walkable_tiles(content.map))
    if near is None:
        order = sorted(open_tiles - taken)
        random.Random(seed).shuffle(order)
        spots: Iterator[Pos] = iter(order)
    else:
        spots = (p for p in spiral(near) if p in open_tiles)
    names = new_names({npc.name for npc in content.npcs})
    extra: list[NpcSpec] = []
    for i in range(count):
        spawn = next(p for p in spots if p not in taken)
        taken.add(spawn)
        template = templates[i % len(templates)]
        extra.append(template.model_copy(update={"name": next(names), "spawn": spawn}))
    npcs = tuple(base + extra)
    return replace(content, npcs=npcs, npc_files=tuple(f"<bench:{n.name}>" for n in npcs))


def generated_map(width: int = 200, height: int = 200, *, seed: int = 0) -> MapSpec:
    """A large countryside: scattered trees, ponds, houses with doors, a road grid, and
    landmarks for the houses, ponds, crossroads and village greens."""
    rng = random.Random(seed)
    grid = [["." for _ in range(width)] for _ in range(height)]
    for x in range(width):
        grid[0][x] = grid[height - 1][x] = "T"
    for y in range(height):
        grid[y][0] = grid[y][width - 1] = "T"
    landmarks: list[dict[str, object]] = []

    def free(x0: int, y0: int, w: int, h: int) -> bool:
        return all(
            1 <= x < width - 1 and 1 <= y < height - 1 and grid[y][x] == "."
            for y in range(y0 - 1, y0 + h + 1)
            for x in range(x0 - 1, x0 + w + 1)
        )

    for _ in range(width * height // 60):  # scattered trees, ~1.7% of tiles
        grid[rng.randrange(1, height - 1)][rng.randrange(1, width - 1)] = "T"
    ponds = houses = 0
    for attempt in range(width * height // 100):
        w, h = rng.randint(4, 9), rng.randint(4, 7)
        x0, y0 = rng.randrange(2, width - w - 2), rng.randrange(2, height - h - 2)
        if not free(x0, y0, w, h):
            continue
        if attempt % 3 == 0:
            ponds += 1
            for y in range(y0, y0 + h):
                for x in range(x0, x0 + w):
                    grid[y][x] = "~"
            landmarks.append({"name": f"pond {ponds}", "x": x0, "y": y0, "w": w, "h": h})
        else:
            houses += 1
            for y in range(y0, y0 + h):
                for x in range(x0, x0 + w):
                    edge = x in (x0, x0 + w - 1) or y in (y0, y0 + h - 1)
                    grid[y][x] = "#" if edge else "_"
            grid[y0 + h - 1][x0 + w // 2] = "D"
            landmarks.append({"name": f"house {houses}", "x": x0, "y": y0, "w": w, "h": h})
    for y in range(1, height - 1):
        for x in range(1, width - 1):
            if (x % 25 == 12 or y % 25 == 12) and grid[y][x] in ".T":
                grid[y][x] = "="
    # Open places people meet at, as many as the buildings and ponds: crossroads and greens.
    for i, (x, y) in enumerate(
        (x, y) for y in range(12, height - 3, 25) for x in range(12, width - 3, 25)
    ):
        landmarks.append({"name": f"crossroads {i + 1}", "x": x - 2, "y": y - 2, "w": 5, "h": 5})
    greens = 0
    while greens < 20:
        w, h = rng.randint(5, 9), rng.randint(4, 7)
        x0, y0 = rng.randrange(2, width - w - 2), rng.randrange(2, height - h - 2)
        if all(grid[y][x] == "." for y in range(y0, y0 + h) for x in range(x0, x0 + w)):
            greens += 1
            landmarks.append({"name": f"green {greens}", "x": x0, "y": y0, "w": w, "h": h})
    spawn = next(
        (x, y)
        for y in range(height // 2, height)
        for x in range(width // 2, width)
        if grid[y][x] in ".="
    )
    return MapSpec.model_validate(
        {
            "name": "Benchshire",
            "legend": {
                ".": {"kind": "grass", "walkable": True},
                "=": {"kind": "path", "walkable": True},
                "~": {"kind": "water", "walkable": False},
                "T": {"kind": "tree", "walkable": False},
                "#": {"kind": "wall", "walkable": False},
                "_": {"kind": "floor", "walkable": True},
                "D": {"kind": "door", "walkable": True},
            },
            "grid": "\n".join("".join(row) for row in grid),
            "landmarks": landmarks,
            "player_spawn": spawn,
        }
    )


def generated_content(
    villagers: int, *, size: int = 200, seed: int = 0, near: Pos | None = None
) -> Content:
    """``villagers`` copies of the real villagers on a generated ``size`` x ``size`` map."""
    spec = generated_map(size, size, seed=seed)
    base = real_content()
    content = Content(map=spec, map_file="<generated>", npcs=base.npcs, npc_files=base.npc_files)
    return with_villagers(content, villagers, seed=seed, near=near, keep=False)
