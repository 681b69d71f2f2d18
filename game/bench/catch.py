"""Catching a villager: does Enter next to one open the dialogue box? (issue 15)

The real game runs in real time: ``Game`` at 60 frames a second on the SDL driver it is
given, a ``SimWorker`` thread, the shipped village (maps/village.yaml, npcs/), the offline
brain and the pacing ``python main.py`` uses (1.5 s between turns, 0.22 s a step, gaps
after lines, villagers lingering after a talk). A scripted player plays it with posted key
presses only. Every 20 seconds it picks a villager it can reach (seeded), walks up beside
it with the arrow keys, re-planning as the villager walks, and, once the screen shows the
two side by side, faces it and presses Enter. The try opened the box if within 1.5 s the
box is open titled with that villager, talking or waiting for it to finish another talk.
The player then types a line, reads the answer and closes the box with Escape. A villager
the player could not get beside within 15 s is counted apart: that is walking, not Enter.

Beside it, for comparison: the share of the time the turns were paused, as the bar shows
it (``PauseChanged``), split into the player's box and villagers talking without the player.

``HAMLET_BENCH_CATCH_MINUTES`` (``python -m game.bench --catch-minutes N``) sets the
length of the full run; ``HAMLET_BENCH_CATCH_LOG=path`` writes every try there as a JSON
line (where each stood, what the screen said), to see why a try failed.
"""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter, deque  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import pygame  # noqa: E402

from game.bench.runtime import scratch_logs  # noqa: E402
from game.bench.stats import Figure  # noqa: E402
from game.heap import settle_after_startup, unsettle  # noqa: E402
from game.sim import messages as m  # noqa: E402
from game.sim.pause import CONVERSATION, DIALOGUE  # noqa: E402
from game.ui.app import Game, start_pygame  # noqa: E402
from game.ui.states import DialogueState  # noqa: E402
from game.world import PLAYER_NAME, Facing  # noqa: E402

if TYPE_CHECKING:
    from game.content.loader import Content
    from game.ui.actors import Actor
    from game.world import Grid

Pos = tuple[int, int]

SIZE = (1280, 720)  # the game's default window
FPS = 60
TARGET = 0.95
OPEN_WITHIN = 1.5  # seconds from Enter to the box, titled with the villager
MINUTES = 10.0
EVERY = 20.0  # seconds between tries
REACH_WITHIN = 15.0  # seconds to get beside the villager, else "could not reach"
QUICK_TRIES, QUICK_EVERY, QUICK_REACH = 3, 8.0, 6.0
STAY = (3.0, 5.0)  # seconds the box stays open before Escape
STEP_WAIT = 0.35  # seconds to wait for a step (or a turn) the player asked for
SEED = 15
MINUTES_ENV = "HAMLET_BENCH_CATCH_MINUTES"
LOG_ENV = "HAMLET_BENCH_CATCH_LOG"
ARROWS = {
    Facing.UP: pygame.K_UP,
    Facing.DOWN: pygame.K_DOWN,
    Facing.LEFT: pygame.K_LEFT,
    Facing.RIGHT: pygame.K_RIGHT,
}
STEPS: dict[Pos, Facing] = {f.delta: f for f in Facing}
LINES = ("Good day! What news?", "Have you seen anything odd?", "How is your work going?")


@dataclass
class Try:
    """One try, and what the screen showed when Enter was pressed."""

    number: int
    at: float  # seconds since the start of the run
    npc: str
    outcome: str = "unreached"  # opened | waiting | failed | unreached
    reason: str = ""  # why a try failed: the notice shown, else what the box showed
    walk_s: float = 0.0
    player: Pos | None = None
    npc_shown: Pos | None = None  # where the window drew the villager
    npc_heard: Pos | None = None  # where the window last heard the world has it
    npc_moving: bool = False
    facing_it: bool = False
    paused: tuple[str, ...] = ()
    talking: tuple[str, ...] | None = None  # the villagers' conversation the bar named
    notices: list[str] = field(default_factory=list)
    answered: bool = False  # the villager answered the line the player typed
    wait_ended: bool = False  # a waiting box turned into the talk before Escape


def shown_tile(actor: Actor, size: int) -> Pos:
    """The tile the window draws ``actor`` on (a walker glides a step behind the world)."""
    return (round(actor.x / size), round(actor.y / size))


def beside(a: Pos, b: Pos) -> bool:
    """One step apart, up, down, left or right: where the player can face the villager."""
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1


def near(a: Pos, b: Pos) -> bool:
    """Next to each other, diagonals included, as the game reckons it."""
    return a != b and max(abs(a[0] - b[0]), abs(a[1] - b[1])) <= 1


def path_beside(grid: Grid, start: Pos, target: Pos, blocked: set[Pos]) -> list[Pos] | None:
    """The shortest walk (tiles after ``start``) to a free tile beside ``target``, over
    walkable tiles not in ``blocked``; [] if already there, None if there is none."""
    goals = {(target[0] + dx, target[1] + dy) for dx, dy in STEPS}
    if start in goals:
        return []
    came: dict[Pos, Pos] = {start: start}
    frontier = deque([start])
    while frontier:
        here = frontier.popleft()
        for dx, dy in STEPS:
            nxt = (here[0] + dx, here[1] + dy)
            if nxt in came or nxt in blocked or not grid.walkable(nxt):
                continue
            came[nxt] = here
            if nxt in goals:
                path = [nxt]
                while came[path[-1]] != start:
                    path.append(came[path[-1]])
                return path[::-1]
            frontier.append(nxt)
    return None


class SeenGame(Game):
    """The real game, keeping every event it applies: the notices it showed, the lines
    the villager said."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.seen: list[m.Event] = []
        super().__init__(*args, **kwargs)

    def apply(self, event: m.Event) -> None:
        self.seen.append(event)
        super().apply(event)


class WatchedGame:
    """The running game as the scripted player sees it, and the clock it plays by.

    It only reads the game's state and posts key events; ``frame`` runs one paced frame
    as ``run_game`` does and counts how long the turns were paused, and why.
    """

    def __init__(self, content: Content, log_dir: Path) -> None:
        from game.brains.offline import OfflineBrain
        from game.sim.simulation import SimConfig, Simulation
        from game.sim.worker import SimWorker

        brain = OfflineBrain(0)
        # As run_game builds it for `python main.py`: every other pacing value its default.
        config = SimConfig(
            log_dir=log_dir, seed=0, concurrency=4, turn_interval=1.5, max_exchanges=6
        )
        self.worker = SimWorker(
            lambda emit: Simulation(content, brain, config, emit, model=None), None
        )
        start_pygame()
        pygame.display.set_mode(SIZE)
        self.worker.start()
        self.game = SeenGame(content, self.worker, brain.label, SIZE)
        self.seen = self.game.seen  # every event the game applied, in order
        settle_after_startup()
        self.clock = pygame.time.Clock()
        self.dt = 0.0
        self.started = self.last = time.perf_counter()
        self.reasons: tuple[str, ...] = ()
        self.seconds = 0.0
        self.paused = {"total": 0.0, "villagers": 0.0, "box": 0.0}  # seconds

    @property
    def now(self) -> float:
        """Seconds since the game started."""
        return time.perf_counter() - self.started

    def frame(self) -> None:
        self.game.frame(self.dt)
        pygame.display.flip()
        # The reasons the bar shows until the next frame: their time counts from here.
        stamp = time.perf_counter()
        spent, self.last = stamp - self.last, stamp
        self.seconds += spent
        if self.reasons:
            self.paused["total"] += spent
            if DIALOGUE in self.reasons:
                self.paused["box"] += spent
            elif CONVERSATION in self.reasons:
                self.paused["villagers"] += spent
        self.reasons = tuple(self.game.hud_state.paused_reasons)
        self.dt = min(self.clock.tick(FPS) / 1000.0, 0.1)

    def until(self, done: Callable[[], bool], limit: float) -> bool:
        deadline = self.now + limit
        while self.now < deadline:
            self.frame()
            if done():
                return True
        return False

    def post(self, kind: int, key: int, text: str = "") -> None:
        event = pygame.event.Event(kind, key=key, mod=0, unicode=text, scancode=0)
        pygame.event.post(event)

    def press(self, key: int, text: str = "") -> None:
        """Down for a frame, then up, as a quick press of a key."""
        self.post(pygame.KEYDOWN, key, text)
        self.frame()
        self.post(pygame.KEYUP, key, text)
        self.frame()

    def tap(self, facing: Facing) -> None:
        """An arrow pressed and let go between two frames: one step (or a turn)."""
        self.post(pygame.KEYDOWN, ARROWS[facing])
        self.post(pygame.KEYUP, ARROWS[facing])
        self.frame()

    def type(self, text: str) -> None:
        for ch in text:
            pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
            self.frame()
        self.press(pygame.K_RETURN, "\r")

    def actor(self, name: str) -> Actor:
        actor = self.game.actors.get(name)
        assert actor is not None, name
        return actor

    def shown(self, name: str) -> Pos:
        return shown_tile(self.actor(name), self.game.tile)

    def box_state(self) -> tuple[bool, bool]:
        """Whether the dialogue is on top, and whether it waits for a busy villager."""
        top = self.game.states[-1]
        if not isinstance(top, DialogueState):
            return False, False
        return True, top.conversation_id is None

    def close_box(self) -> None:
        if self.box_state()[0]:
            self.press(pygame.K_ESCAPE)
            self.until(lambda: not self.box_state()[0], 1.0)

    def close(self) -> None:
        self.worker.stop(timeout=3.0)
        pygame.quit()
        unsettle()


class Player:
    """The scripted player: walks up to villagers and presses Enter beside them."""

    def __init__(self, run: WatchedGame, seed: int) -> None:
        self.run = run
        self.game = run.game
        self.rng = random.Random(seed)
        self.unasked = 0  # boxes a villager opened on the player, closed to walk on
        self.mark = 0  # how many events the game had applied when Enter was last pressed

    def others(self) -> list[str]:
        return [name for name in self.game.actors.by_name if name != PLAYER_NAME]

    def blocked(self) -> set[Pos]:
        """Tiles the player cannot walk onto now: where each villager is drawn, and where
        the world has it (ahead of the drawing while it walks)."""
        tiles: set[Pos] = set()
        for name in self.others():
            tiles.update((self.run.shown(name), self.run.actor(name).tile))
        return tiles

    def reachable(self) -> list[str]:
        here = self.run.actor(PLAYER_NAME).tile
        blocked = self.blocked()
        found = []
        for name in sorted(self.others()):
            if path_beside(self.game.grid, here, self.run.shown(name), blocked) is not None:
                found.append(name)
        return found

    def idle_until(self, when: float) -> None:
        """Stand about until ``when``; a box a villager opens on the player is closed."""
        while self.run.now < when:
            self.run.frame()
            if self.box_state_open():
                self.unasked += 1
                self.run.close_box()

    def box_state_open(self) -> bool:
        return self.run.box_state()[0]

    def attempt(self, number: int, reach_within: float) -> Try | None:
        """One try at a random reachable villager; None if nobody was reachable."""
        names = self.reachable()
        if not names:
            return None
        npc = self.rng.choice(names)
        attempt = Try(number, round(self.run.now, 2), npc)
        started = self.run.now
        deadline = started + reach_within
        while self.run.now < deadline:
            if not self.walk_beside(npc, deadline):
                break
            if self.face_and_enter(npc, attempt):
                attempt.walk_s = round(self.run.now - started, 2)
                self.check_box(attempt)
                return attempt
        attempt.walk_s = round(self.run.now - started, 2)
        attempt.player = self.run.actor(PLAYER_NAME).tile
        attempt.npc_shown = self.run.shown(npc)
        return attempt

    def walk_beside(self, npc: str, deadline: float) -> bool:
        """Walk until the screen shows the player beside ``npc``; False if time ran out."""
        run = self.run
        while run.now < deadline:
            run.frame()
            if self.box_state_open():  # a villager turned to talk to the player
                self.unasked += 1
                run.close_box()
                continue
            player = run.actor(PLAYER_NAME)
            if player.moving:
                continue
            here, there = player.tile, run.shown(npc)
            if beside(here, there):
                return True
            path = path_beside(self.game.grid, here, there, self.blocked())
            if not path:  # someone stands in the way: wait for them to move
                continue
            step = path[0]
            run.tap(STEPS[(step[0] - here[0], step[1] - here[1])])
            run.until(self.moved_from(here), STEP_WAIT)
        return False

    def moved_from(self, tile: Pos) -> Callable[[], bool]:
        return lambda: self.run.actor(PLAYER_NAME).tile != tile

    def face_and_enter(self, npc: str, attempt: Try) -> bool:
        """Face ``npc`` (if it stands still) and press Enter while the screen shows it next
        to the player; False if it walked off first."""
        run = self.run
        player, target = run.actor(PLAYER_NAME), run.actor(npc)
        here, there = player.tile, run.shown(npc)
        want = STEPS[(there[0] - here[0], there[1] - here[1])]
        # A walker may be a step ahead of its sprite: an arrow at its old tile would walk
        # the player there. One standing still is where it is drawn: turning is safe.
        standing = not target.moving and target.tile == there
        if standing and player.facing != want:
            run.tap(want)
            run.until(lambda: player.facing == want or player.tile != here, STEP_WAIT)
            if player.tile != here:
                return False
        there = run.shown(npc)
        if not near(player.tile, there):
            return False
        attempt.player = player.tile
        attempt.npc_shown = there
        attempt.npc_heard = target.tile
        attempt.npc_moving = target.moving
        at = player.tile
        attempt.facing_it = player.facing == STEPS.get((there[0] - at[0], there[1] - at[1]))
        attempt.paused = tuple(self.game.hud_state.paused_reasons)
        attempt.talking = self.game.hud_state.talking
        self.mark = len(run.seen)  # what the game shows from here on answers this Enter
        run.press(pygame.K_RETURN, "\r")
        return True

    def check_box(self, attempt: Try) -> None:
        """Did the box open on the villager? Then talk a little and close it."""
        run, dialogue = self.run, self.game.dialogue
        run.until(lambda: self.box_state_open() and dialogue.is_open, OPEN_WITHIN)
        attempt.notices = [e.text for e in run.seen[self.mark :] if isinstance(e, m.Notice)]
        is_open, waiting = run.box_state()
        if is_open and dialogue.is_open and dialogue.npc_name == attempt.npc:
            attempt.outcome = "waiting" if waiting else "opened"
            self.talk(attempt)
        else:
            attempt.outcome = "failed"
            if attempt.notices:
                attempt.reason = attempt.notices[-1]
            elif is_open:
                attempt.reason = f"the box opened with {dialogue.npc_name}"
            else:
                attempt.reason = "nothing shown"
        run.close_box()

    def talk(self, attempt: Try) -> None:
        run = self.run
        stay = run.now + self.rng.uniform(*STAY)
        said = False
        mark = len(run.seen)
        while run.now < stay:
            is_open, waiting = run.box_state()
            if not is_open:
                return
            if waiting:
                run.frame()
                continue
            if attempt.outcome == "waiting":
                attempt.wait_ended = True
            if not said:
                mark = len(run.seen)
                run.type(self.rng.choice(LINES))
                said = True
                continue
            run.frame()
            attempt.answered = attempt.answered or any(
                isinstance(e, m.DialogueMessage) and e.speaker == attempt.npc
                for e in run.seen[mark:]
            )


@dataclass(frozen=True)
class Plan:
    tries: int
    every: float  # seconds from one try's start to the next
    reach_within: float


@dataclass
class Played:
    """What a run gave: its tries, and how long the turns were paused in it."""

    tries: list[Try]
    seconds: float
    paused: dict[str, float]  # seconds: total / villagers / box
    nobody: int  # tries skipped: no villager could be reached at all
    unasked: int  # boxes villagers opened on the player, closed to walk on
    villagers: tuple[str, ...]


def plan(quick: bool) -> Plan:
    if quick:
        return Plan(QUICK_TRIES, QUICK_EVERY, QUICK_REACH)
    minutes = float(os.environ.get(MINUTES_ENV) or MINUTES)
    return Plan(max(1, round(minutes * 60 / EVERY)), EVERY, REACH_WITHIN)


def play(the_plan: Plan, content: Content | None = None) -> Played:
    from game.bench.worlds import real_content

    tries: list[Try] = []
    nobody = 0
    content = content or real_content()
    with scratch_logs() as log_dir:
        run = WatchedGame(content, log_dir)
        try:
            player = Player(run, SEED)
            for number in range(1, the_plan.tries + 1):
                player.idle_until(number * the_plan.every)
                attempt = player.attempt(number, the_plan.reach_within)
                if attempt is None:
                    nobody += 1
                else:
                    tries.append(attempt)
        finally:
            run.close()
    villagers = tuple(npc.name for npc in content.npcs)
    return Played(tries, run.seconds, run.paused, nobody, player.unasked, villagers)


def _kind(reason: str, villagers: tuple[str, ...]) -> str:
    """A failure's reason with the villagers' names taken out, so that one cause is
    counted once ("X and Y are talking"), whoever it befell; the log keeps the names."""
    for name in villagers:
        reason = re.sub(rf"\b{re.escape(name)}\b", "<villager>", reason)
    return reason


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else math.nan


def figures(played: Played) -> list[Figure]:
    tries = played.tries
    reached = [t for t in tries if t.outcome != "unreached"]
    opened = [t for t in reached if t.outcome in ("opened", "waiting")]
    waits = [t for t in opened if t.outcome == "waiting"]
    failed = [t for t in reached if t.outcome == "failed"]
    why = Counter(_kind(t.reason, played.villagers) for t in failed)
    share = len(opened) / len(reached) if reached else math.nan
    measured = f"{len(opened)}/{len(reached)} = {_percent(len(opened), len(reached)):.0f}%"
    measured += f", {len(waits)} of them waiting"
    if why:
        measured += "; failed: " + ", ".join(f"{n} x {text!r}" for text, n in why.most_common())
    values = {
        "tries": float(len(reached)),
        "opened": float(len(opened)),
        "waiting": float(len(waits)),
        "waits_that_turned_to_talk": float(sum(t.wait_ended for t in waits)),
        "answered": float(sum(t.answered for t in opened)),
        "failed": float(len(failed)),
        "share": share,
        **{f"failed: {text}": float(n) for text, n in why.items()},
    }
    unreached = sum(t.outcome == "unreached" for t in tries)
    nobody = played.nobody
    seconds, paused = played.seconds, played.paused
    total, npc, box = (_percent(paused[k], seconds) for k in ("total", "villagers", "box"))
    return [
        Figure(
            f"Enter next to a villager opens the box ({len(reached)} tries)",
            measured,
            f">= {TARGET:.0%}",
            bool(reached) and share >= TARGET,
            values,
        ),
        Figure(
            "tries where the player could not reach the villager",
            f"{unreached} of {len(tries) + nobody}"
            + (f" (and {nobody} with nobody reachable)" if nobody else ""),
            "(none: walking, not Enter)",
            None,
            {"unreached": float(unreached), "nobody_reachable": float(nobody)},
        ),
        Figure(
            "share of time turns paused: total / villagers talking / player's box",
            f"{total:.0f}% / {npc:.0f}% / {box:.0f}% of {seconds / 60:.1f} min",
            "(for comparison)",
            None,
            {
                "seconds": seconds,
                "paused_s": paused["total"],
                "villagers_talking_s": paused["villagers"],
                "players_box_s": paused["box"],
                "boxes_villagers_opened": float(played.unasked),
            },
        ),
    ]


def run(quick: bool) -> list[Figure]:
    played = play(plan(quick))
    log = os.environ.get(LOG_ENV)
    if log:
        with Path(log).open("w", encoding="utf-8") as out:
            for attempt in played.tries:
                out.write(json.dumps(asdict(attempt)) + "\n")
    return figures(played)
