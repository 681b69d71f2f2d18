"""Prompt size: the decision prompt of villagers in a crowd, as the village grows.

Villagers are packed round one spot and play a few offline turns, so that memories,
lines heard and recent partners fill up as they would; then every villager's decision
prompt (all messages, in characters) is built exactly as the OpenAI brain sends it.
"""

from __future__ import annotations

import asyncio
import statistics
from typing import TYPE_CHECKING

from game.bench.runtime import scratch_logs
from game.bench.stats import Figure
from game.bench.worlds import generated_content, real_content, with_villagers

if TYPE_CHECKING:
    from game.content.loader import Content

TARGET_CHARS = 2400
FLAT = 1.15  # the biggest prompt with 1,000 villagers may be at most this much above 100's
WELL = (24, 17)  # by the well, in the middle of the village square


def prompt_sizes(content: Content, turns: int) -> list[int]:
    """Characters in every villager's decision prompt after ``turns`` offline turns."""
    from game.brains.offline import OfflineBrain
    from game.brains.prompts import decision_messages
    from game.sim.simulation import SimConfig, Simulation

    with scratch_logs() as log_dir:
        config = SimConfig.unpaced(log_dir, with_player=False)
        sim = Simulation(content, OfflineBrain(0), config, lambda event: None)

        async def play() -> list[int]:
            sim.start()
            try:
                for _ in range(turns):
                    await sim.run_turn()
                sim.turn += 1  # the prompts for the next turn, as it would start
                return [
                    sum(len(msg["content"]) for msg in decision_messages(sim.decision_request(n)))
                    for n in sim.order
                ]
            finally:
                await sim.aclose()

        return asyncio.run(play())


def run(quick: bool) -> list[Figure]:
    turns = 2 if quick else 6
    figures = []
    village = with_villagers(real_content(), 50, near=WELL)
    sizes = prompt_sizes(village, turns)
    worst = max(sizes)
    figures.append(
        Figure(
            "decision prompt, crowded village square",
            f"max {worst} chars (median {statistics.median(sizes):.0f})",
            f"<= {TARGET_CHARS}",
            worst <= TARGET_CHARS,
            {"max_chars": worst, "median_chars": statistics.median(sizes)},
        )
    )
    worst_by_size: dict[int, int] = {}
    for villagers in (10, 100, 1000):
        size = 60 if quick else 200
        content = generated_content(villagers, size=size, near=(size // 2, size // 2))
        sizes = prompt_sizes(content, turns)
        worst_by_size[villagers] = max(sizes)
        figures.append(
            Figure(
                f"decision prompt, {villagers:,} villagers in a crowd",
                f"max {max(sizes)} chars (median {statistics.median(sizes):.0f})",
                f"<= {TARGET_CHARS}",
                max(sizes) <= TARGET_CHARS,
                {"max_chars": max(sizes), "median_chars": statistics.median(sizes)},
            )
        )
    # Ten villagers cannot fill every listing (people seen, lines heard, who is busy), so
    # their prompts are shorter: flat means no growth once the spot is crowded.
    growth = worst_by_size[1000] / worst_by_size[100]
    figures.append(
        Figure(
            "decision prompt growth, 100 -> 1,000 villagers",
            f"{growth:.2f}x (10 -> 1,000: {worst_by_size[1000] / worst_by_size[10]:.2f}x)",
            f"<= {FLAT:g}x (flat)",
            growth <= FLAT,
            {"growth": growth, "growth_from_10": worst_by_size[1000] / worst_by_size[10]},
        )
    )
    return figures
