"""Simulation scale: one full offline turn on a generated 200 x 200 map, 100 vs 1,000 villagers."""

from __future__ import annotations

import asyncio
import time

from game.bench.runtime import scratch_logs
from game.bench.stats import Figure, median, ms
from game.bench.worlds import generated_content

TARGET_1000 = 0.150  # seconds per turn
TARGET_RATIO = 12.0


def turn_times(villagers: int, *, size: int, warmup: int, turns: int) -> list[float]:
    """Seconds for each of ``turns`` full turns after ``warmup`` turns (offline, unpaced).

    Wall-clock time: one turn runs on one thread, which a noisy machine may also preempt.
    """
    from game.brains.offline import OfflineBrain
    from game.heap import settle_after_startup, unsettle
    from game.sim.simulation import SimConfig, Simulation

    content = generated_content(villagers, size=size)
    with scratch_logs() as log_dir:
        config = SimConfig.unpaced(log_dir, with_player=False)
        sim = Simulation(content, OfflineBrain(0), config, lambda event: None)
        settle_after_startup()  # as the game does once the village is built

        async def play() -> list[float]:
            sim.start()
            times = []
            try:
                for i in range(warmup + turns):
                    started = time.perf_counter()
                    await sim.run_turn()
                    if i >= warmup:
                        times.append(time.perf_counter() - started)
            finally:
                await sim.aclose()
            return times

        try:
            return asyncio.run(play())
        finally:
            unsettle()


def run(quick: bool) -> list[Figure]:
    size = 200
    warmup, turns = (1, 2) if quick else (3, 11)
    small = turn_times(100, size=size, warmup=warmup, turns=turns)  # the same turns, to compare
    large = turn_times(1000, size=size, warmup=warmup, turns=turns)
    t100, t1000 = median(small), median(large)
    ratio = t1000 / t100 if t100 > 0 else float("inf")
    return [
        Figure(
            "sim turn, 100 villagers (200x200)",
            f"{ms(t100)} (max {ms(max(small))})",
            "-",
            None,
            {"median_s": t100, "max_s": max(small), "turns": len(small)},
        ),
        Figure(
            "sim turn, 1,000 villagers (200x200)",
            f"{ms(t1000)} (max {ms(max(large))})",
            f"<= {ms(TARGET_1000)}",
            t1000 <= TARGET_1000,
            {"median_s": t1000, "max_s": max(large), "turns": len(large)},
        ),
        Figure(
            "sim turn ratio 1,000 / 100",
            f"{ratio:.1f}x",
            f"<= {TARGET_RATIO:g}x",
            ratio <= TARGET_RATIO,
            {"ratio": ratio},
        ),
    ]
