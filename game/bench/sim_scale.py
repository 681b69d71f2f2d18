"""Simulation scale: one full offline turn on a generated 200 x 200 map, 100 vs 1,000 villagers.

Each size is run in three fresh processes (11 timed turns each after 3 to warm up); the
figures are the median and the slowest of all 33 turns. For comparison, the same 1,000
villagers whose brain always answers ``wait()``: what a turn costs before anyone walks or
talks (seeing, asking, parsing the answer, the memory-log entry).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from game.bench.runtime import scratch_logs
from game.bench.stats import Figure, median, ms
from game.bench.worlds import generated_content
from game.brains.base import BrainReply

TARGET_1000 = 0.150  # seconds per turn
TARGET_RATIO = 12.0

if TYPE_CHECKING:
    from game.brains.base import ConversationRequest, DecisionRequest


class WaitingBrain:
    """Every villager waits, every turn: the floor under the offline brain's turn."""

    label = "waiting"

    async def decide(self, request: DecisionRequest) -> BrainReply:  # noqa: ARG002
        return BrainReply("wait()")

    async def converse(self, request: ConversationRequest) -> BrainReply:  # noqa: ARG002
        return BrainReply("end_conversation()")

    async def aclose(self) -> None:
        return None


def turn_times(
    villagers: int, *, size: int, warmup: int, turns: int, waiting: bool = False
) -> list[float]:
    """Seconds for each of ``turns`` full turns after ``warmup`` turns (offline, unpaced;
    with ``waiting``, everyone only waits).

    Wall-clock time: one turn runs on one thread, which a noisy machine may also preempt.
    """
    from game.brains.offline import OfflineBrain
    from game.heap import settle_after_startup, unsettle
    from game.sim.simulation import SimConfig, Simulation

    content = generated_content(villagers, size=size)
    with scratch_logs() as log_dir:
        config = SimConfig.unpaced(log_dir, with_player=False)
        brain = WaitingBrain() if waiting else OfflineBrain(0)
        sim = Simulation(content, brain, config, lambda event: None)
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


def turn_times_apart(
    villagers: int, *, size: int, warmup: int, turns: int, waiting: bool = False
) -> list[float]:
    """:func:`turn_times` in a fresh process: one process may run slower than another on
    a shared machine, so the figures pool several."""
    command = [sys.executable, "-m", "game.bench.sim_scale", str(villagers), str(size)]
    command += [str(warmup), str(turns), *(["waiting"] if waiting else [])]
    child = subprocess.run(command, capture_output=True, text=True, check=True)
    times: list[float] = json.loads(child.stdout.strip().splitlines()[-1])
    return times


def run(quick: bool) -> list[Figure]:
    size = 200
    warmup, turns = (1, 2) if quick else (3, 11)
    rounds = 1 if quick else 3
    small: list[float] = []
    large: list[float] = []
    idle: list[float] = []
    for _ in range(rounds):  # the same turns each round, so the two sizes compare fairly
        small += turn_times_apart(100, size=size, warmup=warmup, turns=turns)
        large += turn_times_apart(1000, size=size, warmup=warmup, turns=turns)
        idle += turn_times_apart(1000, size=size, warmup=warmup, turns=turns, waiting=True)
    t100, t1000, floor = median(small), median(large), median(idle)
    ratio = t1000 / t100 if t100 > 0 else float("inf")
    return [
        Figure(
            "sim turn, 100 villagers (200x200)",
            f"{ms(t100)} (max {ms(max(small))})",
            "-",
            None,
            {"median_s": t100, "max_s": max(small), "turns": len(small), "processes": rounds},
        ),
        Figure(
            "sim turn, 1,000 villagers (200x200)",
            f"{ms(t1000)} (max {ms(max(large))})",
            f"<= {ms(TARGET_1000)}",
            t1000 <= TARGET_1000,
            {"median_s": t1000, "max_s": max(large), "turns": len(large), "processes": rounds},
        ),
        Figure(
            "sim turn, 1,000 villagers who only wait",
            f"{ms(floor)} (max {ms(max(idle))})",
            "(for comparison: no walks, no talks)",
            None,
            {"median_s": floor, "max_s": max(idle), "turns": len(idle), "processes": rounds},
        ),
        Figure(
            "sim turn ratio 1,000 / 100",
            f"{ratio:.1f}x",
            f"<= {TARGET_RATIO:g}x",
            ratio <= TARGET_RATIO,
            {"ratio": ratio},
        ),
    ]


if __name__ == "__main__":  # python -m game.bench.sim_scale VILLAGERS SIZE WARMUP TURNS [waiting]
    villagers, size, warmup, turns = map(int, sys.argv[1:5])
    waiting = sys.argv[5:6] == ["waiting"]
    print(json.dumps(turn_times(villagers, size=size, warmup=warmup, turns=turns, waiting=waiting)))
