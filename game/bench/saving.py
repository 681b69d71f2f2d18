"""Saving and loading: Willowmere after 50 turns, and 1,000 villagers.

Save: the snapshot of the running simulation, its JSON and the whole-or-nothing write
(temporary file, fsync, rename), timed together. Load to first frame: reading and
checking the file, a new simulation on a real worker thread restored from it, the real
window (SDL dummy driver) built and its first frame drawn with everyone in place.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from game.bench.runtime import scratch_logs
from game.bench.stats import Figure, median, ms
from game.bench.worlds import generated_content, real_content

if TYPE_CHECKING:
    from game.sim.messages import Event

TARGET_SAVE_VILLAGE = 0.030
TARGET_LOAD_VILLAGE = 0.300
TARGET_SAVE_1000 = 0.300
TARGET_FILE_1000 = 2_000_000  # bytes


def _played(content, turns: int, log_dir: Path, save_dir: Path, *, with_player: bool):
    from game.brains.offline import OfflineBrain
    from game.sim.simulation import SimConfig, Simulation

    config = SimConfig.unpaced(log_dir, with_player=with_player, save_dir=save_dir)
    sim = Simulation(content, OfflineBrain(0), config, lambda event: None)

    async def play() -> None:
        sim.start()
        await sim.run(turns)

    asyncio.run(play())
    return sim


def _save_times(sim, repeats: int) -> tuple[list[float], Path]:
    times, path = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        path = sim.save_game()
        times.append(time.perf_counter() - started)
    assert path is not None
    return times, path


def _load_to_first_frame(content, path: Path, log_dir: Path) -> float:
    """Seconds from reading the save to the first frame drawn of the loaded village."""
    import pygame

    from game.brains.offline import OfflineBrain
    from game.sim.simulation import SimConfig, Simulation
    from game.sim.state import read_save
    from game.sim.worker import SimWorker
    from game.ui.app import Game, start_pygame
    from game.world import Grid

    start_pygame()
    pygame.display.set_mode((1280, 720))
    config = SimConfig(log_dir=log_dir, turn_interval=3600)  # it stands still meanwhile
    started = time.perf_counter()
    saved = read_save(path, content, Grid.from_spec(content.map), with_player=True)

    def make_sim(emit: Callable[[Event], None]) -> Simulation:
        sim = Simulation(content, OfflineBrain(0), config, emit)
        sim.restore(saved, path.name)
        return sim

    worker = SimWorker(make_sim, turns=0)
    try:
        worker.start()
        game = Game(content, worker, "offline", (1280, 720))
        game.frame(1 / 60)
        pygame.display.flip()
        took = time.perf_counter() - started
    finally:
        worker.stop()
        pygame.quit()
    return took


def run(quick: bool) -> list[Figure]:
    turns = 10 if quick else 50
    repeats = 3 if quick else 15
    figures: list[Figure] = []
    with scratch_logs() as logs, scratch_logs() as saves:
        village = real_content()
        # No player: a villager who turns to talk with one would wait for ever for an answer.
        sim = _played(village, turns, logs / "village", saves / "village", with_player=False)
        times, path = _save_times(sim, repeats)
        asyncio.run(sim.aclose())
        save = median(times)
        figures.append(
            Figure(
                "save, Willowmere after 50 turns (10 when quick): median; file size",
                f"{ms(save)} ({repeats} saves); {path.stat().st_size / 1000:.1f} kB",
                f"<= {ms(TARGET_SAVE_VILLAGE)}",
                save <= TARGET_SAVE_VILLAGE,
                {"save_s": save, "bytes": path.stat().st_size},
            )
        )
        loads = [
            _load_to_first_frame(village, path, logs / f"load{i}")
            for i in range(2 if quick else 5)
        ]
        load = median(loads)
        figures.append(
            Figure(
                "load to first frame, Willowmere after 50 turns (10 when quick): median",
                f"{ms(load)} ({len(loads)} loads)",
                f"<= {ms(TARGET_LOAD_VILLAGE)}",
                load <= TARGET_LOAD_VILLAGE,
                {"load_s": load},
            )
        )
        crowd = generated_content(100 if quick else 1000, size=200)
        many = len(crowd.npcs)
        sim = _played(crowd, 3 if quick else 10, logs / "crowd", saves / "crowd", with_player=False)
        times, path = _save_times(sim, 3 if quick else 5)
        asyncio.run(sim.aclose())
        save, size = median(times), path.stat().st_size
        figures.append(
            Figure(
                "save, 1,000 villagers (100 when quick): median; file size",
                f"{ms(save)} ({many:,} villagers); {size / 1e6:.2f} MB",
                f"<= {ms(TARGET_SAVE_1000)}; <= {TARGET_FILE_1000 / 1e6:.0f} MB",
                None if quick else (save <= TARGET_SAVE_1000 and size <= TARGET_FILE_1000),
                {"save_s": save, "bytes": size},
            )
        )
    return figures
