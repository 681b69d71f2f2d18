"""Frame time under LLM load: the busy scene while 25 decisions wait on a 2 s model.

The same scene as :mod:`game.bench.frame_busy`, but the worker thread runs turns through
the real ``OpenAIBrain`` against the loopback server, 25 calls at a time, each answered
after 2 seconds. Compared with the same scene idle.
"""

from __future__ import annotations

from typing import Any

from game.bench.frame_busy import seconds
from game.bench.runtime import llm_server, loopback_brain, scratch_logs
from game.bench.scene import BusyScene, busy_content, idle_frames
from game.bench.stats import Figure, median, ms, percentile

IN_FLIGHT = 25
LATENCY = 2.0
TARGET_RATIO = 1.5
FRAME_BUDGET = 1 / 60


def loaded_frames(duration: float) -> tuple[list[float], int]:
    """Frame times under load, and the most calls the server saw at once."""
    from game.sim.simulation import SimConfig

    server_module = llm_server()

    def answer(request: dict[str, Any]) -> Any:
        return server_module.Reply(content="wait()", delay=LATENCY)

    with server_module.LLMServer(answer) as server, scratch_logs() as log_dir:
        brain = loopback_brain(server.base_url, timeout=LATENCY * 3)
        # Turns follow one another at once, so the calls keep coming.
        config = SimConfig(log_dir=log_dir, concurrency=IN_FLIGHT, turn_interval=0.0)
        scene = BusyScene(busy_content(), brain, config, turns=None)
        try:
            scene.sample(min(duration, LATENCY + 0.5))  # until the first answers are in
            return scene.sample(duration), server.max_in_flight
        finally:
            scene.close()


def run(quick: bool) -> list[Figure]:
    duration = seconds(quick)
    idle = idle_frames(duration)
    loaded, in_flight = loaded_frames(duration)
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
