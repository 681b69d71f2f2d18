"""How fast this machine runs plain Python: a yardstick for comparing runs across machines.

The same shared 2-core machine has run this suite up to twice as fast on one day as on
another, which moves every figure here. The yardstick is fixed work that uses none of
the game's code (a breadth-first walk over an open 200 x 200 grid, with the tuples,
dicts and lists the simulation is made of), so a change to the game never moves it:
two runs whose yardsticks differ were on machines of different speed.
"""

from __future__ import annotations

import time
from collections import deque

from game.bench.stats import Figure, median, ms

SIZE = 200


def yardstick() -> float:
    """Seconds for one breadth-first walk over every tile of a SIZE x SIZE grid."""
    started = time.perf_counter()
    start = (SIZE // 2, SIZE // 2)
    distance = {start: 0}
    queue = deque([start])
    while queue:
        x, y = queue.popleft()
        step = distance[(x, y)] + 1
        for nxt in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
            if nxt not in distance and 0 <= nxt[0] < SIZE and 0 <= nxt[1] < SIZE:
                distance[nxt] = step
                queue.append(nxt)
    if len(distance) != SIZE * SIZE:
        raise AssertionError("the walk missed tiles")
    return time.perf_counter() - started


def run(quick: bool) -> list[Figure]:
    times = [yardstick() for _ in range(3 if quick else 15)]
    return [
        Figure(
            "machine yardstick: plain-Python walk of 40,000 tiles",
            f"{ms(median(times))} (min {ms(min(times))})",
            "(compare runs: the game's code plays no part)",
            None,
            {"median_s": median(times), "min_s": min(times), "runs": len(times)},
        )
    ]
