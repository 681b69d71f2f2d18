"""Frame time under LLM load: the busy scene while 25 decisions wait on a 2 s model.

The same scene as :mod:`game.bench.frame_busy`, but the worker thread runs turns through
the real ``OpenAIBrain`` against the loopback server, 25 calls at a time, each answered
after 2 seconds. Compared with the same scene idle: the turns paused (Space) and every
call answered. Loaded and idle stretches alternate in one scene, so a burst of the
machine's own noise falls on both alike rather than on one of two separate runs.
"""

from __future__ import annotations

import time
from typing import Any

from game.bench.frame_busy import seconds
from game.bench.runtime import llm_server, loopback_brain, scratch_logs
from game.bench.scene import NIGHT, BusyScene, busy_content
from game.bench.stats import Figure, median, ms, percentile
from game.sim import messages as m

IN_FLIGHT = 25
LATENCY = 2.0
TARGET_RATIO = 1.5
FRAME_BUDGET = 1 / 60
ROUNDS = 4  # loaded and idle stretches, each a quarter of the time


def _sample_until(scene: BusyScene, done: Any, limit: float) -> None:
    """Play (untimed) until ``done()`` holds, or ``limit`` seconds have gone."""
    deadline = time.perf_counter() + limit
    while not done() and time.perf_counter() < deadline:
        scene.sample(0.1)


def alternating_frames(duration: float, rounds: int) -> tuple[list[float], list[float], int]:
    """Frame times loaded and idle, ``duration`` seconds of each in ``rounds`` stretches,
    and the most calls the server saw at once."""
    from game.sim.simulation import SimConfig

    server_module = llm_server()

    def answer(request: dict[str, Any]) -> Any:
        return server_module.Reply(content="wait()", delay=LATENCY)

    loaded: list[float] = []
    idle: list[float] = []
    with server_module.LLMServer(answer) as server, scratch_logs() as log_dir:
        brain = loopback_brain(server.base_url, timeout=LATENCY * 3)
        # Turns follow one another at once, so the calls keep coming.
        config = SimConfig(
            log_dir=log_dir, concurrency=IN_FLIGHT, turn_interval=0.0, start_minutes=NIGHT
        )
        scene = BusyScene(busy_content(), brain, config, turns=None)
        busy = lambda: server.in_flight >= IN_FLIGHT * 4 // 5  # noqa: E731
        quiet = lambda: server.in_flight == 0  # noqa: E731
        try:
            _sample_until(scene, busy, LATENCY + 3)  # until the calls are coming
            scene.sample(LATENCY + 0.5)  # and the first answers are in
            for _ in range(rounds):
                loaded += scene.sample(duration / rounds)
                scene.game.send(m.TogglePause())  # the turn's thinkers finish; no new turn
                _sample_until(scene, quiet, 4 * LATENCY + 5)
                scene.sample(0.5)
                idle += scene.sample(duration / rounds)
                scene.game.send(m.TogglePause())
                _sample_until(scene, busy, LATENCY + 3)
            return loaded, idle, server.max_in_flight
        finally:
            scene.close()


def run(quick: bool) -> list[Figure]:
    loaded, idle, in_flight = alternating_frames(seconds(quick), 1 if quick else ROUNDS)
    idle_p99, p99, worst = percentile(idle, 99), percentile(loaded, 99), max(loaded)
    ratio = p99 / idle_p99 if idle_p99 > 0 else float("inf")
    values = {
        "median_s": median(loaded),
        "p99_s": p99,
        "max_s": worst,
        "idle_p99_s": idle_p99,
        "ratio": ratio,
        "frames": len(loaded),
        "max_in_flight": in_flight,
    }
    return [
        Figure(
            f"frame time, {in_flight} LLM calls in flight: p99 vs idle",
            f"{ms(p99)} = {ratio:.2f}x idle ({ms(idle_p99)})",
            f"<= {TARGET_RATIO:g}x",
            ratio <= TARGET_RATIO,
            values,
        ),
        Figure(
            "frame time under LLM load: slowest frame",
            f"{ms(worst)} ({len(loaded)} frames)",
            f"<= {ms(FRAME_BUDGET)}",
            worst <= FRAME_BUDGET,
            values,
        ),
    ]
