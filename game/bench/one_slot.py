"""A server that answers one request at a time: adaptive concurrency against fixed numbers.

The village's 8 villagers decide through the real ``OpenAIBrain`` against the loopback
server in its one-slot mode: requests queue and are worked on one after another, 0.3 s
each, and one the client gave up on still takes its turn (as on llama.cpp's server). The
client's timeout (1 s, no retries) lets three calls queue, not four. Five turns each with
the number of calls at once fixed at 1, 2 and 4, then adapting from where a local server
starts (2); each on a fresh server, so that what one left queued does not slow the next.
The adaptive turn time is compared with the best fixed number whose calls all succeeded.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple

from game.bench.runtime import llm_server, loopback_brain, scratch_logs
from game.bench.stats import Figure
from game.bench.worlds import real_content
from game.sim import messages as m

FIXED = (1, 2, 4)
TARGET_RATIO = 1.1


class Run(NamedTuple):
    label: str
    turn_s: float  # mean seconds a turn
    failed: int  # decisions that failed
    timeouts: int  # ...of which by timing out
    abandoned: int  # requests the server worked on for a client that had gone
    limits: tuple[int, ...]  # calls at once, as it was at the start and after each change


def one_run(concurrency: int | None, *, slot: float, timeout: float, turns: int) -> Run:
    """``turns`` turns at a fixed ``concurrency``, or adapting (None)."""
    from game.brains.providers import calls_at_once
    from game.sim.simulation import SimConfig, Simulation

    server_module = llm_server()
    content = real_content()
    limits: list[int] = []

    def emit(event: m.Event) -> None:
        if isinstance(event, m.CallsAtOnce):
            limits.append(event.limit)

    def answer(request: dict[str, Any]) -> Any:
        return server_module.Reply(content="wait()")

    with server_module.LLMServer(answer, one_slot=slot) as server, scratch_logs() as log_dir:
        brain = loopback_brain(server.base_url, timeout=timeout)
        if concurrency is None:
            start, most = calls_at_once(server.base_url)
            pacing: dict[str, Any] = {
                "concurrency": start,
                "adapt_concurrency": True,
                "max_concurrency": most,
            }
            label = f"adapting from {start}"
        else:
            pacing = {"concurrency": concurrency}
            label = f"fixed {concurrency}"
        config = SimConfig.unpaced(log_dir, with_player=False, **pacing)
        sim = Simulation(content, brain, config, emit, model="gpt-4o-mini")

        async def play() -> float:
            sim.start()
            try:
                started = time.perf_counter()
                for _ in range(turns):
                    await sim.run_turn()
                return time.perf_counter() - started
            finally:
                await sim.aclose()

        elapsed = asyncio.run(play())
        slot_state = server.slot
        abandoned = slot_state.abandoned if slot_state is not None else 0
    timeouts = sum("brain failed (timeout" in warning for warning in sim.warnings)
    return Run(label, elapsed / turns, sim.usage.failures, timeouts, abandoned, tuple(limits))


def run(quick: bool) -> list[Figure]:
    slot, timeout, turns = (0.1, 0.35, 2) if quick else (0.3, 1.0, 5)
    fixed = [one_run(n, slot=slot, timeout=timeout, turns=turns) for n in FIXED]
    adaptive = one_run(None, slot=slot, timeout=timeout, turns=turns)
    # A turn whose calls time out is over sooner, with its villagers standing about: the
    # best fixed number is the quickest whose every call was answered.
    answered = [r for r in fixed if not r.failed] or fixed
    best = min(answered, key=lambda r: r.turn_s)
    ratio = adaptive.turn_s / best.turn_s
    values: dict[str, float] = {
        "slot_s": slot,
        "timeout_s": timeout,
        "turns": turns,
        "adaptive_turn_s": adaptive.turn_s,
        "adaptive_failed": adaptive.failed,
        "adaptive_timeouts": adaptive.timeouts,
        "adaptive_final": adaptive.limits[-1],
        "ratio": ratio,
    }
    for r in fixed:
        values[f"{r.label.replace(' ', '_')}_turn_s"] = r.turn_s
        values[f"{r.label.replace(' ', '_')}_failed"] = r.failed
        values[f"{r.label.replace(' ', '_')}_timeouts"] = r.timeouts
        values[f"{r.label.replace(' ', '_')}_abandoned"] = r.abandoned
    calls = turns * len(real_content().npcs)
    others = "".join(f"; {r.label}: {r.timeouts} of {calls}" for r in fixed if r.timeouts)
    path = " -> ".join(map(str, adaptive.limits))
    return [
        Figure(
            "one-slot server, 8 villagers: adaptive turn time vs best fixed concurrency",
            f"{adaptive.turn_s:.2f} s = {ratio:.2f}x {best.label} ({best.turn_s:.2f} s)",
            f"<= {TARGET_RATIO:g}x",
            ratio <= TARGET_RATIO,
            values,
        ),
        Figure(
            "one-slot server, 8 villagers: timeouts with adaptive concurrency",
            f"{adaptive.timeouts} (calls at once {path}{others})",
            "0",
            adaptive.timeouts == 0 and adaptive.failed == 0,
            values,
        ),
    ]
