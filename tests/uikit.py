"""Drive the real game loop headless: a real worker thread, real pygame, posted input."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pygame

from game.brains.base import Brain
from game.sim.simulation import SimConfig, Simulation
from game.sim.worker import SimWorker, WorkerDied
from game.ui.app import Game, start_pygame

FRAME = 1 / 60


class Harness:
    def __init__(
        self,
        content,
        brain: Brain,
        log_dir: Path,
        size=(1280, 720),
        turns: int | None = None,
        simulation: type[Simulation] = Simulation,
        dying: bool = False,
        **config,
    ) -> None:
        config.setdefault("turn_interval", 0.05)
        config.setdefault("step_time", 0.0)
        config.setdefault("line_gap", 0.0)
        config.setdefault("line_gap_per_char", 0.0)
        config.setdefault("linger", 0.0)
        self.config = SimConfig(log_dir=log_dir, **config)
        # ``turns`` stops the turns after that many (0: the village stands still while the
        # player still walks and talks), for tests that must know where everyone stands.
        # ``simulation``: a subclass, for a test of a village whose simulation dies;
        # ``dying``: one that may die before it begins, which the window then shows, as
        # run_game's does (else the harness raises, as a test wants).
        self.worker = SimWorker(
            lambda emit: simulation(content, brain, self.config, emit), turns=turns
        )
        start_pygame()  # as the game does
        pygame.display.set_mode(size)
        try:
            self.worker.start()
        except WorkerDied:
            if not dying:
                raise
        self.game = Game(content, self.worker, brain.label, size, log_dir)
        self.frames(3)

    def frames(self, n: int = 1) -> None:
        for _ in range(n):
            started = time.perf_counter()
            self.game.frame(FRAME)
            self.game.meter.record(FRAME, time.perf_counter() - started)  # as run_game does
            time.sleep(0.002)

    def until(self, check: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.frames(1)
            if check():
                return True
        return False

    def key(self, key: int, *, hold_frames: int = 1, unicode: str = "") -> None:
        pygame.event.post(
            pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=unicode, scancode=0)
        )
        self.frames(hold_frames)
        pygame.event.post(
            pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode=unicode, scancode=0)
        )
        self.frames(1)

    def type(self, text: str) -> None:
        for ch in text:
            pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
            self.frames(1)

    def tile(self, name: str = "Player") -> tuple[int, int]:
        return self.game.actors.get(name).tile

    def close(self) -> None:
        self.worker.stop(timeout=2.0)
        pygame.quit()
