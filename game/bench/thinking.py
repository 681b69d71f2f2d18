"""Turn thinking: how long a turn's decisions take against a model with a set latency.

25 villagers decide through the real ``OpenAIBrain`` (the ``openai`` client) against the
loopback chat-completions server, which answers every call after 500 ms. The think phase
of a turn runs from ``TurnStarted`` to the last ``Thinking(off)`` event.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from game.bench.runtime import llm_server, loopback_brain, scratch_logs
from game.bench.stats import Figure, median
from game.bench.worlds import real_content, with_villagers
from game.sim import messages as m

VILLAGERS = 25
CONCURRENCY = 8
SLACK = 1.2


def think_phases(latency: float, concurrency: int, warmup: int, turns: int) -> list[float]:
    """Seconds of thinking in each of ``turns`` turns, after ``warmup`` turns."""
    from game.sim.simulation import SimConfig, Simulation

    server_module = llm_server()
    village = real_content()
    content = with_villagers(village, VILLAGERS - len(village.npcs))
    phases: list[float] = []
    turn_started = last_thought = 0.0

    def emit(event: m.Event) -> None:
        nonlocal turn_started, last_thought
        if isinstance(event, m.TurnStarted):
            turn_started = last_thought = time.perf_counter()
        elif isinstance(event, m.Thinking) and not event.on:
            last_thought = time.perf_counter()

    def answer(request: dict[str, Any]) -> Any:
        return server_module.Reply(content="wait()", delay=latency)

    with server_module.LLMServer(answer) as server, scratch_logs() as log_dir:
        brain = loopback_brain(server.base_url, timeout=latency * 4 + 5)
        config = SimConfig.unpaced(log_dir, concurrency=concurrency, with_player=False)
        sim = Simulation(content, brain, config, emit, model="gpt-4o-mini")

        async def play() -> None:
            sim.start()
            try:
                for i in range(warmup + turns):
                    await sim.run_turn()
                    if i >= warmup:
                        phases.append(last_thought - turn_started)
            finally:
                await sim.aclose()

        asyncio.run(play())
        if sim.usage.failures:
            raise RuntimeError(f"{sim.usage.failures} decisions failed against the loopback server")
    return phases


def run(quick: bool) -> list[Figure]:
    latency = 0.1 if quick else 0.5
    parallel = think_phases(latency, CONCURRENCY, warmup=1, turns=1 if quick else 5)
    serial = think_phases(latency, 1, warmup=0, turns=1)
    target = SLACK * math.ceil(VILLAGERS / CONCURRENCY) * latency
    think = median(parallel)
    return [
        Figure(
            f"turn thinking, {VILLAGERS} villagers, concurrency {CONCURRENCY}",
            f"{think:.2f} s (max {max(parallel):.2f} s)",
            f"<= {target:.2f} s",
            think <= target,
            {"median_s": think, "max_s": max(parallel), "latency_s": latency},
        ),
        Figure(
            f"turn thinking, {VILLAGERS} villagers, one at a time",
            f"{median(serial):.2f} s",
            f"(for comparison: {VILLAGERS} x {latency:g} s)",
            None,
            {"median_s": median(serial), "latency_s": latency},
        ),
    ]
