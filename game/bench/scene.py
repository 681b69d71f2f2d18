"""The busy scene for the frame-time benchmarks, run through the real render loop.

1280 x 720; the real village plus 50 more villagers; 20 speech bubbles kept alive (each
speaker speaks again, through the event queue, when its bubble is gone); the dialogue
box open with 100 messages; 8 items lying in sight and the quest tracker showing; at
23:00, full night, so the map, the items and the villagers are drawn darkened, with lit
rooms and doorways (game.ui.night). The simulation runs on the real worker thread, either
idle or turning against the loopback model server. Frames are paced at 60 per second like
the game's loop, and each sample is ``Game.frame`` (input, events, update, draw) without
``display.flip``.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pygame  # noqa: E402

from game.bench.runtime import scratch_logs  # noqa: E402
from game.bench.worlds import real_content, with_villagers  # noqa: E402
from game.heap import settle_after_startup, unsettle  # noqa: E402
from game.sim import messages as m  # noqa: E402
from game.ui.night import STEPS  # noqa: E402
from game.world import PLAYER_NAME, Facing  # noqa: E402

if TYPE_CHECKING:
    from game.brains.base import Brain
    from game.content.loader import Content
    from game.sim.simulation import SimConfig
    from game.ui.app import Game

SIZE = (1280, 720)
EXTRA_VILLAGERS = 50
BUBBLES = 20
MESSAGES = 100
ITEMS = 8  # lying on the map in sight
FRAME = 1 / 60
WALK_STEP_TIME = 0.25  # seconds the walking player takes a tile, as a held arrow key
NIGHT = 23 * 60  # the village clock the scene is shown at: full night, every light lit
DUSK, NIGHT_FALLEN = 18 * 60, 21 * 60  # the dusk_frames scene's clock runs between these

LINES = (
    "Have you seen the green lights over the eastern pond?",
    "Bread's in the oven. Come back in an hour and it's yours.",
    "The old bridge sags in the middle; mind your step, and mind the water under it.",
    "Fifty years I've rung that bell. Now I can't find the key. Pah.",
    "Marsh-fire. Gas from rotting reeds. There's no mystery in it.",
)


def busy_content() -> Content:
    return with_villagers(real_content(), EXTRA_VILLAGERS, seed=5)


class BusyScene:
    """A running ``Game`` showing the busy scene; ``sample`` times its frames."""

    def __init__(self, content: Content, brain: Brain, config: SimConfig, turns: int | None):
        from game.sim.simulation import Simulation
        from game.sim.worker import SimWorker
        from game.ui.app import Game, start_pygame

        self.worker = SimWorker(
            lambda emit: Simulation(content, brain, config, emit, model="gpt-4o-mini"), turns
        )
        start_pygame()  # as run_game does
        pygame.display.set_mode(SIZE)
        self.worker.start()
        self.game: Game = Game(content, self.worker, brain.label, SIZE)
        settle_after_startup()  # as run_game does
        self.clock = pygame.time.Clock()
        for _ in range(10):  # the placement events, the first chunks of the map
            self._tick(lambda: None)
        if config.start_minutes == NIGHT and self.game.night != STEPS:
            raise RuntimeError(f"the busy scene is not drawn at night (step {self.game.night})")
        self.speakers = self._nearest_villagers(BUBBLES)
        self._steps = 0
        self._open_dialogue(content.npcs[0].name)
        self._tell_story()
        # Bubbles start a few frames apart, so they age and fade at different times.
        for i, speaker in enumerate(self.speakers):
            self.worker.events.put(m.Spoke(speaker, LINES[i % len(LINES)], 1))
            for _ in range(9):
                self._tick(self._keep_talking)

    def _nearest_villagers(self, count: int) -> list[str]:
        actors = self.game.actors.by_name
        px, py = actors[PLAYER_NAME].tile
        others = [a for name, a in actors.items() if name != PLAYER_NAME]
        others.sort(key=lambda a: (abs(a.tile[0] - px) + abs(a.tile[1] - py), a.name))
        return [a.name for a in others[:count]]

    def _open_dialogue(self, npc: str) -> None:
        game = self.game
        game.apply(m.DialogueOpened(10_000, npc))
        for i in range(MESSAGES):
            from_player = i % 2 == 1
            text = "And then what happened?" if from_player else LINES[i % len(LINES)]
            game.dialogue.add_message(PLAYER_NAME if from_player else npc, text, from_player)

    def _tell_story(self) -> None:
        """Items lying round the player (bobbing, glinting) and the quest tracker on show."""
        px, py = self.game.actors.by_name[PLAYER_NAME].tile
        grid = self.game.grid
        spots = [
            (px + dx, py + dy)
            for dy in range(-4, 5)
            for dx in range(-6, 7)
            if (dx or dy) and grid.walkable((px + dx, py + dy))
        ]
        colours = ("#8a8f98", "#e0a040", "#3cb4e6", "#f2e6c8", "#b5543c", "#9ad0a0")
        items = tuple(
            m.GroundItem(pos, f"item_{i}", f"thing {i}", colours[i % len(colours)])
            for i, pos in enumerate(spots[:: max(1, len(spots) // ITEMS)][:ITEMS])
        )
        tracker = (
            "Ask Agnes about the bell",
            "Find the old iron key",
            "Meet the man on the old bridge at midnight",
        )
        self.worker.events.put(m.ItemsOnGround(items))
        self.worker.events.put(m.StoryShown((), tracker, ()))

    def _keep_talking(self) -> None:
        """A speaker whose bubble has gone says something again (applied next frame)."""
        live = self.game.bubbles.live()
        for i, speaker in enumerate(self.speakers):
            if speaker not in live:
                self.worker.events.put(m.Spoke(speaker, LINES[i % len(LINES)], 1))

    def _tick(self, between: Callable[[], None]) -> float:
        """One paced frame, as in ``run_game``; returns the seconds ``Game.frame`` took."""
        dt = min(self.clock.get_time() / 1000.0, 0.1) or FRAME
        started = time.perf_counter()
        self.game.frame(dt)
        took = time.perf_counter() - started
        pygame.display.flip()
        between()
        self.clock.tick(60)
        return took

    def sample(self, seconds: float, *, walking: bool = False) -> list[float]:
        """Frame times over ``seconds`` of play; ``walking``: the player (and so the
        camera) keeps gliding between two tiles, so no frame can reuse the last one's
        picture of the map."""
        between = self._keep_walking if walking else self._keep_talking
        samples = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            samples.append(self._tick(between))
        return samples

    def _keep_walking(self) -> None:
        """Keep talking, and send the player a step left or right whenever it stands still
        (only the render thread hears of it: this measures drawing, not the world)."""
        self._keep_talking()
        player = self.game.actors.get(PLAYER_NAME)
        if player is not None and not player.moving:
            x, y = player.tile
            step = Facing.LEFT if self._steps % 2 else Facing.RIGHT
            self._steps += 1
            to = (x + step.delta[0], y)
            self.worker.events.put(m.EntityMoved(PLAYER_NAME, to, step, WALK_STEP_TIME))

    def close(self) -> None:
        self.worker.stop(timeout=3.0)
        pygame.quit()
        unsettle()


def idle_config(log_dir: Path) -> SimConfig:
    from game.sim.simulation import SimConfig

    return SimConfig(log_dir=log_dir, start_minutes=NIGHT)


def walking_frames(seconds: float) -> tuple[float, ...]:
    """Frame times of the busy scene while the player walks to and fro (the camera moves)."""
    from game.brains.offline import OfflineBrain

    with scratch_logs() as log_dir:
        scene = BusyScene(busy_content(), OfflineBrain(0), idle_config(log_dir), turns=0)
        try:
            scene.sample(min(seconds, 2.0), walking=True)
            return tuple(scene.sample(seconds, walking=True))
        finally:
            scene.close()


def dusk_frames() -> tuple[float, ...]:
    """Frame times of the busy scene on each frame where dusk darkens the view a step
    (the clock told, as each turn tells it, every ten minutes from 18:00 to 21:00): the
    map's chunks in view and every villager's frame are shaded again then."""
    from game.brains.offline import OfflineBrain
    from game.sim.simulation import SimConfig

    with scratch_logs() as log_dir:
        config = SimConfig(log_dir=log_dir, start_minutes=DUSK - 60)
        scene = BusyScene(busy_content(), OfflineBrain(0), config, turns=0)
        try:
            scene.sample(1.0)  # warm up
            changed = []
            for minute in range(DUSK, NIGHT_FALLEN + 1, 10):
                scene.worker.events.put(m.ClockChanged(minute))  # drawn next frame
                before = scene.game.night
                took = scene._tick(scene._keep_talking)
                if scene.game.night != before:
                    changed.append(took)
                scene.sample(0.1)
            return tuple(changed)
        finally:
            scene.close()


def idle_frames(seconds: float) -> tuple[float, ...]:
    """Frame times of the busy scene with the simulation idle."""
    from game.brains.offline import OfflineBrain

    with scratch_logs() as log_dir:
        scene = BusyScene(busy_content(), OfflineBrain(0), idle_config(log_dir), turns=0)
        try:
            scene.sample(min(seconds, 2.0))  # warm up: every chunk and glyph drawn once
            return tuple(scene.sample(seconds))
        finally:
            scene.close()
