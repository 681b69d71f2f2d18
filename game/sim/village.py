"""What the simulation's parts share: how it runs, its per-turn scratch, what they see of it.

The simulation, its conversations and its walker each take these; none of them needs
the others' modules for it. ``Village`` is what the conversations use of the simulation,
so that ``game.sim.conversation`` never imports ``game.sim.simulation``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from game.brains.base import Brain, BrainReply
    from game.sim.memory import MemoryBook
    from game.sim.pause import PauseGate
    from game.sim.state import VillagerState, VillageState
    from game.sim.storyteller import Storyteller
    from game.world import Pos, Seen, World


@dataclass(frozen=True)
class SimConfig:
    """How the simulation runs. Pacing values are seconds; all zero in tests."""

    log_dir: Path
    seed: int = 0
    concurrency: int = 4  # decisions asked of the brain at once; where adapting starts
    # Let the number follow what the model server can take (game/sim/concurrency.py), up
    # to ``max_concurrency``; else it stays fixed (the offline brain's, and --concurrency).
    adapt_concurrency: bool = False
    max_concurrency: int = 8
    turn_interval: float = 1.5
    step_time: float = 0.22  # per tile walked
    line_gap: float = 1.2  # minimum pause after a conversation line...
    line_gap_per_char: float = 0.04  # ...growing with its length, so people can read it
    max_exchanges: int = 6
    cooldown_turns: int = 4  # before the same two villagers talk again
    rest_turns: int = 2  # after any conversation, before a villager starts or joins another
    hearing_range: int = 5
    # A handful of tiles a turn reads as walking, and lets the player catch up with a walker.
    max_steps_per_turn: int = 5
    linger: float = 2.5  # seconds a villager stands after a conversation before walking off
    memory_budget: int = 700
    with_player: bool = True
    save_dir: Path | None = None  # where F5, --save-at and quitting save; None: no saving
    save_at: int | None = None  # save once this turn is played (scriptable saves)
    save_on_close: bool = False  # quitting saves (the window)
    # The village clock (game.story.clock): each turn is this many minutes after the one
    # before; the first is played at ``start_minutes`` after midnight (None: the map's
    # start_time, --start-time overriding it).
    minutes_per_turn: int = 10
    start_minutes: int | None = None

    @classmethod
    def unpaced(cls, log_dir: Path, **kwargs: object) -> SimConfig:
        """No waiting anywhere: for tests, benchmarks and fast headless runs."""
        base = cls(
            log_dir=log_dir,
            turn_interval=0,
            step_time=0,
            line_gap=0,
            line_gap_per_char=0,
            linger=0,
        )
        return replace(base, **kwargs)  # type: ignore[arg-type]


@dataclass(slots=True)
class TurnScratch:
    """What the simulation notes of a villager inside one turn, and never saves: what
    lasts is its :class:`~game.sim.state.VillagerState`."""

    seen: tuple[Seen, ...] = ()  # who it saw when it made up its mind this turn
    # While it acts: where it started the turn and what it had heard, for the turn's entry.
    entry: tuple[Pos, list[str]] | None = None
    why_idle: str = ""  # why it has nothing to do this turn, when its brain gave it nothing
    # Whom it could start a conversation with when it made up its mind this turn: a talk
    # refused later is then the world moving on (they walked off, or talked with someone
    # else first), not its brain asking for what it was never offered.
    could_talk_to: tuple[str, ...] = ()


class Walks(Protocol):
    """What the conversations ask of the walker (``game.sim.walking.Walker`` is one)."""

    def stop_walking(self, name: str) -> None: ...

    def linger(self, names: Iterable[str]) -> None: ...


class Village(Protocol):
    """What the conversations use of the simulation (which is one)."""

    @property
    def turn(self) -> int: ...

    @property
    def config(self) -> SimConfig: ...

    @property
    def world(self) -> World: ...

    @property
    def state(self) -> VillageState: ...

    @property
    def npcs(self) -> Mapping[str, VillagerState]: ...

    @property
    def scratch(self) -> Mapping[str, TurnScratch]: ...

    @property
    def memory(self) -> MemoryBook: ...

    @property
    def gate(self) -> PauseGate: ...

    @property
    def brain(self) -> Brain: ...

    @property
    def walker(self) -> Walks: ...

    @property
    def storyteller(self) -> Storyteller: ...

    @property
    def clock_minutes(self) -> int: ...

    def opening_lines(self, npc: str) -> tuple[tuple[str, str], ...]:
        """What the story has said first when the player talks to ``npc``, (speaker, line)
        each, if anything."""

    def end_turn_entry(self, name: str) -> None:
        """Write the entry of the turn ``name`` is acting in, if not written yet."""

    def keep_reply(
        self,
        name: str,
        kind: str,
        reply: BrainReply,
        *,
        outcome: str,
        taken: list[str],
        warnings: list[str],
        partner: str | None = None,
    ) -> None:
        """Keep a model's reply in replies.jsonl with what was made of it."""
