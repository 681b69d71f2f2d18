"""The simulation: turns, acting on directives, hearing, memory. Runs on one event loop.

Only this code (and the conversation manager it owns) changes the world. It talks
to the outside through ``emit(event)`` and ``handle(command)``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.brains.base import SERVER_DOWN, BrainError, DecisionRequest, Usage
from game.brains.offline import OfflineBrain
from game.brains.usage import UsageMeter
from game.sim import messages as m
from game.sim.concurrency import REMEMBER, AdaptiveLimit, CallGate
from game.sim.conversation import SHUTDOWN, ConversationManager
from game.sim.directives import as_shown, describe_directives, parse_directives
from game.sim.memory import MemoryBook
from game.sim.pause import PLAYER, QUIT, PauseGate
from game.sim.saves import newest_save, save_name, write_save
from game.sim.state import (
    SaveError,
    VillageState,
    build_state,
    ledger_of,
    map_ref,
    new_player,
    new_talks,
    new_usage,
    new_villager,
    read_save,
)
from game.words import counted
from game.world import PLAYER_NAME, Pos, Seen, World, build_world, manhattan

if TYPE_CHECKING:
    from game.brains.base import Brain, BrainReply
    from game.content.loader import Content
    from game.content.models import NpcSpec
    from game.sim.concurrency import Sent
    from game.sim.directives import Directive, ParseResult

log = logging.getLogger("hamlet.sim")

MAX_DIRECTIVES = 5
KEEP_WARNINGS = 1000
SEEN_IN_LOG = 5  # people named in a turn's "Saw" line
CLOSE_ENOUGH = 6  # tiles from its goal at which a walker stopped by people has arrived
# Tiles a last search may look at for the long way round people blocking a walker's
# first step (the other end of a bridge, say): enough to round a pond.
LONG_WAY_NODES = 3000
LOADING = "the game being loaded"  # what ends a talk under way when a save is loaded
GIVE_WAY_STEPS = 3  # how far one standing in a doorway goes to let a walker by
#: Failed calls in a row (of a server away: refused, timed out, 5xx, 429) after which a
#: call that works is told as the server coming back; one found down is always told.
OUTAGE_TOLD_AFTER = 3
_DOWN_KINDS = frozenset({"connection", SERVER_DOWN})


def _outage_kind(kind: str) -> bool:
    """Whether a failure of ``kind`` is the server being away, not a bad answer."""
    return kind in _DOWN_KINDS or kind in ("timeout", "http 429") or kind.startswith("http 5")


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
class NpcState:
    """What the simulation tracks per villager beyond the world's entity."""

    spec: NpcSpec
    heard: list[str] = field(default_factory=list)
    destination: Pos | None = None
    notes: list[str] = field(default_factory=list)  # this turn's log lines
    route: list[Pos] = field(default_factory=list)  # the rest of the way to ``destination``
    seen: tuple[Seen, ...] = ()  # who it saw when it made up its mind this turn
    # While it acts: where it started the turn and what it had heard, for the turn's entry.
    entry: tuple[Pos, list[str]] | None = None
    why_idle: str = ""  # why it has nothing to do this turn, when its brain gave it nothing
    wrote: int = -1  # the turn whose entry it last wrote to its memory log (-1: none yet)
    # Whom it could start a conversation with when it made up its mind this turn: a talk
    # refused later is then the world moving on (they walked off, or talked with someone
    # else first), not its brain asking for what it was never offered.
    could_talk_to: tuple[str, ...] = ()


class Simulation:
    """Turns, directives, hearing and memory for one village."""

    def __init__(
        self,
        content: Content,
        brain: Brain,
        config: SimConfig,
        emit: Callable[[m.Event], None],
        *,
        model: str | None = None,
    ) -> None:
        self.content = content
        self.brain = brain
        self.config = config
        self.emit = emit
        self.world: World = build_world(content, with_player=config.with_player)
        self.npcs = {spec.name: NpcState(spec) for spec in content.npcs}
        self.order = [spec.name for spec in content.npcs]
        # What a model answered is kept (replies.jsonl); the offline brain's own script is not.
        keep_replies = not isinstance(brain, OfflineBrain)
        self.memory = MemoryBook(config.log_dir, self.order, keep_replies=keep_replies)
        self.usage = UsageMeter(model)
        self.gate = PauseGate(self._pause_changed)
        self.turn = 0  # the turn under way, or the last one played
        self.turns_played = 0  # turns played to their end
        self.turn_interval = config.turn_interval
        self.conversations = ConversationManager(self)
        self.warnings: deque[str] = deque(maxlen=KEEP_WARNINGS)  # the latest, for tests
        self.warning_count = 0
        self._told: set[str] = set()  # kinds of trouble told the player (notice_once)
        self._outage: list[str] = []  # kinds of the failed calls since the last that worked
        self.directives_help = describe_directives()
        self._walking: set[str] = set()  # villagers in the middle of a walk
        self._halted: set[str] = set()  # ...of whom these stop at their next step
        self._linger_until: dict[str, float] = {}  # monotonic time each may walk off again
        self._acting = 0  # villagers carrying out their turn now: a save waits for none
        self._save_pending = False  # F5 came while someone acted: save when none does
        self._turn_task: asyncio.Future[None] | None = None  # the turn under way
        self._load_pending: tuple[VillageState, str] | None = None
        # A turn's first calls are what the limit measures a server by, and it remembers
        # them for some turns: so for as many answers as some turns of a big village have.
        # More calls at once than villagers would never be sent.
        self.calls_at_once: AdaptiveLimit | None = (
            AdaptiveLimit(
                config.concurrency,
                max(1, min(config.max_concurrency, len(self.order))),
                remember=max(REMEMBER, 8 * len(self.order)),
            )
            if config.adapt_concurrency
            else None
        )

    # ---- events and bookkeeping -----------------------------------------------------

    def _pause_changed(self, reasons: tuple[str, ...]) -> None:
        self.emit(m.PauseChanged(bool(reasons), reasons))

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self.warning_count += 1
        log.warning("turn %d: %s", self.turn, text)

    def brain_failed(self, name: str, exc: BrainError, outcome: str) -> None:
        """Count and log a failed model call. The first failure of each kind is also told
        to the player (a notice, or a line on stderr headless): why the villagers stand
        about is not to be found only in hamlet.log."""
        for notice in exc.notices:
            self.notice_once(notice.kind, notice.text)
        if _outage_kind(exc.kind):
            self._outage.append(exc.kind)
        why = f"{exc.kind}: {exc.detail}" if exc.detail else exc.kind
        if exc.kind == SERVER_DOWN:  # not a call: one earlier found the server down
            self.warn(f"{name}: not asked, the model server is down ({exc.detail}); {outcome}")
            return
        self.record_usage(name, exc.usage, failed=True)
        self.warn(f"{name}: brain failed ({why}); {outcome}")
        hint = ""
        if exc.kind == "connection":
            hint = f" Is the model server for {self.brain.label} running?"
        elif exc.kind == "http 404":
            hint = " Check the model name, and that the base URL ends in /v1."
        elif exc.kind in ("http 401", "http 403"):
            hint = " Check the API key."
        self.notice_once(exc.kind, f"Model call failed ({why}).{hint}")

    def brain_answered(self, name: str, reply: BrainReply) -> None:
        """Count a model call that worked, and tell what its brain had to tell; after a run
        of failures, that the server is back."""
        self.record_usage(name, reply.usage)
        for notice in reply.notices:
            self.notice_once(notice.kind, notice.text)
        outage, self._outage = self._outage, []
        if len(outage) >= OUTAGE_TOLD_AFTER or _DOWN_KINDS & set(outage):
            self._told -= set(outage)  # the next time it goes away is told again
            self.emit(m.Notice(
                f"The model server is back: calls work again, after "
                f"{counted(len(outage), 'failed call')} (calls not made included)."
            ))

    def notice_once(self, kind: str, text: str) -> None:
        """Tell the player ``text`` (a notice; a ``note:`` line headless), the first time
        something of this ``kind`` happens in the run."""
        if kind not in self._told:
            self._told.add(kind)
            self.emit(m.Notice(text))

    def act_line(self, name: str, text: str) -> None:
        self.emit(m.Acted(self.turn, name, text))

    def note(self, name: str, text: str) -> None:
        """A line for ``name``'s current turn entry in its memory log."""
        self.npcs[name].notes.append(text)

    def record_usage(self, name: str, usage: Usage, *, failed: bool = False) -> None:
        self.usage.record(name, usage, failed=failed)
        if not (failed or usage.prompt_tokens or usage.completion_tokens):
            return  # nothing the HUD shows has changed (the offline brain's answers)
        t = self.usage.totals()
        self.emit(
            m.UsageUpdated(t.prompt_tokens, t.completion_tokens, t.calls, t.failures, t.cost_usd)
        )

    def place_name(self, pos: Pos) -> str:
        return self.world.describe_place(pos)

    def start(self) -> None:
        for entity in self.world.entities.values():
            self.emit(m.EntityPlaced(entity.name, entity.pos, entity.facing))
        self.emit(m.PaceChanged(self.turn_interval))
        self.emit(m.PauseChanged(self.gate.paused, self.gate.reasons))
        self.emit(m.CallsAtOnce(self.concurrency, self.calls_at_once is not None))

    @property
    def concurrency(self) -> int:
        """Decisions asked of the brain at once, now."""
        limit = self.calls_at_once
        return limit.limit if limit is not None else max(1, self.config.concurrency)

    # ---- commands from the player -----------------------------------------------------

    def handle(self, command: m.Command) -> None:
        """Apply one command from the render thread. Never raises."""
        try:
            self._handle(command)
        except Exception:  # noqa: BLE001 - a bad command must not kill the worker
            log.exception("command %r failed", command)

    def _handle(self, command: m.Command) -> None:
        handler = self.on_command.get(type(command))
        if handler is None:
            log.warning("no handler for command %r", command)
            return
        handler(command)

    @cached_property
    def on_command(self) -> dict[type[m.Command], Callable[[Any], None]]:
        """What each kind of command does; every kind in ``m.Command`` has one (tested)."""
        return {
            m.MovePlayer: self._move_player,
            m.TalkToNeighbour: self._talk_to_neighbour,
            m.PlayerSays: self._player_says,
            m.CloseDialogue: self._close_dialogue,
            m.TogglePause: self._toggle_pause,
            m.QuitQuestion: self._quit_question,
            m.ChangePace: self._change_pace,
            m.SaveGame: self._save_game,
            m.LoadGame: self._load_game,
        }

    def _move_player(self, command: m.MovePlayer) -> None:
        player = self.world.get(PLAYER_NAME)
        if player is None:
            return
        if self.conversations.player_busy():
            return
        result = self.world.step(PLAYER_NAME, command.facing)
        if result:
            self.emit(m.EntityMoved(PLAYER_NAME, player.pos, player.facing, 0.0))
        else:
            self.emit(m.EntityTurned(PLAYER_NAME, player.facing))

    def _talk_to_neighbour(self, command: m.TalkToNeighbour) -> None:
        self.conversations.player_talks(command.seen)

    def _player_says(self, command: m.PlayerSays) -> None:
        self.conversations.player_says(command.conversation_id, command.text)

    def _close_dialogue(self, command: m.CloseDialogue) -> None:
        self.conversations.player_closes(command.conversation_id)

    def _toggle_pause(self, command: m.TogglePause) -> None:
        self.gate.toggle(PLAYER)

    def _quit_question(self, command: m.QuitQuestion) -> None:
        (self.gate.hold if command.shown else self.gate.release)(QUIT)

    def _save_game(self, command: m.SaveGame) -> None:
        self._ask_save()

    def _load_game(self, command: m.LoadGame) -> None:
        self._ask_load(command.path)

    def _change_pace(self, command: m.ChangePace) -> None:
        interval = self.turn_interval * command.factor
        self.turn_interval = round(min(max(interval, 0.1), 10.0), 2)
        self.emit(m.PaceChanged(self.turn_interval))

    # ---- turns ------------------------------------------------------------------------

    async def run(
        self, turns: int | None = None, *, until: Callable[[], bool] | None = None
    ) -> None:
        """Run turns until ``turns`` have been played (forever when None), or until
        ``until()`` says to stop (asked before each turn)."""
        while (turns is None or self.turn < turns) and not (until and until()):
            await self.gate.wait()
            self._turn_task = asyncio.ensure_future(self.run_turn())
            try:
                await self._turn_task
            except asyncio.CancelledError:
                if self._load_pending is None or not self._turn_task.cancelled():
                    raise  # the simulation is stopping, not a game being loaded
            except Exception:  # noqa: BLE001 - a bug in one turn must not stop the village
                log.exception("turn %d failed; going on", self.turn)
            finally:
                self._turn_task = None
            if self._load_pending is not None:
                self._apply_load()
                continue
            if self.config.save_at == self.turn:
                self.save_game(told=True)
            self.quiet_point()
            if self.turn_interval > 0:
                await asyncio.sleep(self.turn_interval)

    async def run_turn(self) -> None:
        """One turn: every NPC thinks (concurrently, bounded) and acts (in order)."""
        self.turn += 1
        self.emit(m.TurnStarted(self.turn))
        loop = asyncio.get_running_loop()
        thoughts: dict[str, asyncio.Future[tuple[Directive, ...]]] = {
            name: loop.create_future() for name in self.order
        }
        # Thinkers share one queue of villagers, in turn order: ``concurrency`` of them, or
        # as many as the limit may rise to, held back by a gate to the limit of the moment.
        queue = iter(self.order)
        limit = self.calls_at_once
        gate = CallGate(limit) if limit is not None else None
        most = limit.maximum if limit is not None else self.concurrency
        thinkers = [
            asyncio.ensure_future(self._thinker(queue, thoughts, gate))
            for _ in range(min(most, len(self.order)))
        ]
        # Villagers start acting strictly in turn order, but one need not finish its walk
        # before the next begins: walks overlap, so the village moves together. Tasks start
        # in the order they are made. Every step and action is still checked against the
        # world (and the pause gate) as it happens. Unpaced, a walk takes no time, so there
        # is nothing to overlap: each villager acts in turn without a task of its own.
        overlap = self.config.step_time > 0
        acting: list[asyncio.Future[None]] = []
        try:
            for name in self.order:
                directives = await thoughts[name]
                if overlap:
                    acting.append(asyncio.ensure_future(self._act_turn(name, directives)))
                else:
                    await self._act_turn(name, directives)
            await asyncio.gather(*acting)
            self.turns_played = self.turn
        finally:
            pending: list[asyncio.Future[Any]] = [*thinkers, *acting]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _thinker(
        self,
        queue: Iterator[str],
        thoughts: dict[str, asyncio.Future[tuple[Directive, ...]]],
        gate: CallGate | None,
    ) -> None:
        """Think for the next villager in ``queue`` until it is empty; with a ``gate``,
        only while it lets another call through."""
        while True:
            sent = await gate.enter() if gate is not None else None
            try:
                name = next(queue, None)  # taken once through the gate: in turn order
                if name is None:
                    return
                thought = thoughts[name]
                try:
                    directives = await self._think(name, sent)
                except Exception as exc:  # noqa: BLE001 - a bug: run() reports the failed turn
                    thought.set_exception(exc)
                    return
                thought.set_result(directives)
            finally:
                if gate is not None:
                    gate.leave()

    async def _think(self, name: str, sent: Sent | None = None) -> tuple[Directive, ...]:
        self.npcs[name].why_idle = ""  # not left over from a turn cut short before it acted
        request = self.decision_request(name)
        self.emit(m.Thinking(name, True))
        started = time.monotonic()
        try:
            reply = await self.brain.decide(request)
        except BrainError as exc:
            if sent is not None:
                self._paced(sent, time.monotonic() - started, exc.kind)
            self.brain_failed(name, exc, "waiting this turn")
            if exc.kind == SERVER_DOWN:
                self.note(name, "- The model server was down, so I waited.")
                self.npcs[name].why_idle = "the model server is down"
            else:
                self.note(name, f"- Lost my train of thought ({exc.kind}), so I waited.")
                self.npcs[name].why_idle = "the model call failed"
            return ()
        finally:
            self.emit(m.Thinking(name, False))
        if sent is not None:
            self._paced(sent, time.monotonic() - started, None)
        self.brain_answered(name, reply)
        return self._parse(name, reply)

    def _paced(self, sent: Sent, seconds: float, trouble: str | None) -> None:
        """Tell the adaptive limit how a decision went; say so if the limit moved."""
        assert self.calls_at_once is not None  # only calls through its gate are sent
        change = self.calls_at_once.done(sent, seconds, trouble)
        if change is not None:
            log.info("turn %d: calls at once %d -> %d: %s", self.turn, *change)
            self.emit(m.CallsAtOnce(change.new, True))

    def _parse(self, name: str, reply: BrainReply) -> tuple[Directive, ...]:
        result = parse_directives(reply.text, who=name, limit=MAX_DIRECTIVES)
        directives = self._read_decision(name, reply, result)
        self.keep_reply(
            name,
            "decision",
            reply,
            outcome=(
                "acted" if directives
                else "waited: " + (self.npcs[name].why_idle or "nothing to do")
            ),
            taken=[d.render() for d in directives],
            warnings=list(result.warnings),
        )
        return directives

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
        replies = self.memory.replies
        if replies is None:
            return
        try:
            replies.record(
                turn=self.turn,
                villager=name,
                kind=kind,
                reply=reply.text,
                outcome=outcome,
                taken=taken,
                warnings=warnings,
                partner=partner,
                tokens=(reply.usage.prompt_tokens, reply.usage.completion_tokens),
            )
        except (OSError, TypeError, ValueError) as exc:  # a full disk must not stop a turn
            log.warning("could not keep %s's reply in replies.jsonl: %s", name, exc)

    def _read_decision(
        self, name: str, reply: BrainReply, result: ParseResult
    ) -> tuple[Directive, ...]:
        """The directives to act on from ``result``, warning about what is wrong."""
        for warning in result.warnings:
            self.warn(warning)
        if not result.directives:
            self.warn(
                f"{name}: no usable directive in the answer {as_shown(reply.text)}; "
                "waiting this turn"
            )
            self.note(name, "- Could not make up my mind, so I waited.")
            self.npcs[name].why_idle = "its answer held no directive to act on"
            self.notice_once(  # a model that ignores the format
                "no directive",
                f"{name}'s answer held no directive to act on, so villagers wait "
                "until answers use move_to(x, y), say(...), wait() and the rest, "
                f"one per line. It was: {as_shown(reply.text)}",
            )
        idle = result.directives[0].idle_alone if result.directives else None
        if idle is not None and all(d.idle_alone is not None for d in result.directives):
            # Verbs that do nothing here (end_conversation() outside a conversation) would
            # leave the villager standing with no word of why.
            self.warn(f"{name}: {idle.warning}")
            self.note(name, idle.note)
            self.npcs[name].why_idle = idle.why
            return ()
        return result.directives

    def decision_request(self, name: str) -> DecisionRequest:
        state = self.npcs[name]
        me = self.world.entities[name]
        places = self.world.grid.places_near(me.pos, 8)
        perception = self.world.perceive(name)
        state.seen = perception.seen[:SEEN_IN_LOG]
        unavailable = self.conversations.unavailable_for(
            name, (seen.name for seen in perception.seen)
        )
        talk_rest = self.conversations.resting(name)
        state.could_talk_to = (
            tuple([n for n in perception.adjacent if n not in unavailable])
            if perception.adjacent and not talk_rest
            else ()
        )
        return DecisionRequest(
            persona=state.spec,
            turn=self.turn,
            perception=perception,
            places=places,
            heard=tuple(state.heard[-6:]),
            memory=self.memory[name].recent(self.config.memory_budget),
            directives_help=self.directives_help,
            unavailable=unavailable,
            talk_rest=talk_rest,
            walking_to=state.destination,
            max_directives=MAX_DIRECTIVES,
        )

    async def _act_turn(self, name: str, directives: tuple[Directive, ...]) -> None:
        self._acting += 1
        try:
            await self._carry_out(name, directives)
        finally:
            self._acting -= 1
            self.quiet_point()

    async def _carry_out(self, name: str, directives: tuple[Directive, ...]) -> None:
        state = self.npcs[name]
        state.entry = (self.world.entities[name].pos, list(state.heard))
        state.heard.clear()
        if state.why_idle:
            self.act_line(name, f"waits: {state.why_idle}")
            state.why_idle = ""
        try:
            for directive in directives:
                if self.gate.paused:
                    await self.gate.wait()
                ends_turn = await self.act(name, directive)
                if ends_turn:
                    break
        finally:
            self.end_turn_entry(name)

    def end_turn_entry(self, name: str) -> None:
        """Write the entry of the turn ``name`` is acting in, if not written yet.

        A villager who starts a conversation has it written before the talk, so that the
        transcript follows the entry of the turn it belongs to.
        """
        state = self.npcs[name]
        if state.entry is not None:
            start, heard = state.entry
            state.entry = None
            self._write_turn_entry(name, start, heard)

    def _write_turn_entry(self, name: str, start: Pos, heard: list[str]) -> None:
        """The turn's entry in ``name``'s memory log: what it did, saw and heard.

        "Saw" is who it saw from ``start`` when it made up its mind, which is also what
        its brain was shown; nobody is looked for again.
        """
        state = self.npcs[name]
        lines = [f"## Turn {self.turn} at {start[0]},{start[1]}"]
        lines += state.notes
        if state.seen:
            seen = ", ".join(f"{s.name} ({s.pos[0]},{s.pos[1]}, {s.activity})" for s in state.seen)
            lines.append(f"- Saw: {seen}")
        for line in heard:
            lines.append(f"- Heard {line}")
        state.notes = []
        state.seen = ()
        state.wrote = self.turn
        self.memory[name].append("\n".join(lines))

    # ---- acting -----------------------------------------------------------------------

    async def act(self, name: str, directive: Directive) -> bool:
        """Carry out one directive, checked against the world now. True ends the turn.

        What each verb does is declared with the verb, in game.sim.verbs.
        """
        await directive.perform(self, name)
        return directive.ends_turn

    def say(self, name: str, text: str, conversation_id: int | None = None) -> None:
        """Say a line aloud: a bubble, and everyone within hearing range remembers it."""
        self.emit(m.Spoke(name, text, self.turn, conversation_id))
        if conversation_id is None:
            # Not "chatting", which reads as in a conversation: this is a remark aloud.
            self.world.entities[name].activity = "remarking aloud"
            self.note(name, f'- Said: "{text}"')
            self.act_line(name, f'"{text}"')
            speaker = self.world.entities[name]
            for other in self.world.near(speaker.pos, self.config.hearing_range):
                if other.name != name and other.name in self.npcs:
                    self.npcs[other.name].heard.append(f'{name}: "{text}"')

    def stop_walking(self, name: str) -> None:
        """Stop ``name``'s walk at its next step (the player has caught it to talk); it goes
        on towards where it was going next turn."""
        if name in self._walking:
            self._halted.add(name)

    def linger(self, names: Iterable[str]) -> None:
        """``names`` have just finished talking: they stand a moment before walking off."""
        if self.config.linger > 0:
            until = time.monotonic() + self.config.linger
            for name in names:
                self._linger_until[name] = until

    async def _stand_a_moment(self, name: str) -> None:
        """Wait out what is left of ``name``'s moment after a conversation, if any."""
        until = self._linger_until.get(name)
        if until is None:
            return
        left = until - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)
        if self._linger_until.get(name) == until:  # not a newer talk's, set meanwhile
            del self._linger_until[name]

    def _give_way(self, walker: str, tile: Pos, path: list[Pos]) -> bool:
        """If a villager standing still in a doorway (or on a plank bridge) is in
        ``walker``'s way on ``tile``, it steps aside, off the walker's way; True if it did.

        Without this, one who stopped in a door (people stood about the room it made for)
        blocked everyone else's way in or out for turns on end.
        """
        world = self.world
        other = world.occupant(tile)
        if (
            other is None
            or other not in self.npcs
            or other in self._walking  # it is on its way: it will clear the door itself
            or self.conversations.talk_of(other) is not None
            or not world.grid.narrow(tile)
        ):
            return False
        # The nearest free tile off the narrow way and off the walker's next tiles, a few
        # steps at most (from a door, into the room and to one side).
        ahead = set(path[:CLOSE_ENOUGH])
        me = world.entities[walker].pos
        came_from: dict[Pos, Pos | None] = {tile: None}
        frontier = [tile]
        spot: Pos | None = None
        for _ in range(GIVE_WAY_STEPS):
            reached: list[Pos] = []
            for x, y in frontier:
                for nxt in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
                    if nxt in came_from or nxt == me or not world.can_enter(nxt):
                        continue
                    came_from[nxt] = (x, y)
                    reached.append(nxt)
                    if spot is None and nxt not in ahead and not world.grid.narrow(nxt):
                        spot = nxt
            if spot is not None or not reached:
                break
            frontier = reached
        if spot is None:
            return False
        steps: list[Pos] = []
        at: Pos | None = spot
        while at is not None and at != tile:
            steps.append(at)
            at = came_from[at]
        entity = world.entities[other]
        for step in reversed(steps):
            world.step_to(other, step)
            self.emit(m.EntityMoved(other, entity.pos, entity.facing, self.config.step_time))
        if self.npcs[other].wrote == self.turn:  # its turn's entry is written: the next has it
            self.note(other, f"- After my turn {self.turn}, stepped out of the way to let "
                      f"{walker} by.")
        else:
            self.note(other, f"- Stepped out of the way to let {walker} by.")
        self.act_line(other, f"steps out of the way to let {walker} by")
        return True

    def _near_enough_to_block(self) -> int:
        """How far from a walker people stand in its way: those within a turn's walk (and a
        little more); the ones further off will have moved on by the time it gets there."""
        return self.config.max_steps_per_turn + 2

    def _plan(self, state: NpcState, start: Pos, goal: Pos) -> list[Pos] | None:
        """The tiles to step on from ``start`` to ``goal``; None if no walk leads there.

        The route round walls and water is planned once per destination (through people)
        and kept from turn to turn. People matter only on the next few tiles, as those
        further off will have moved on: the walk goes round them with a small search and
        rejoins the route just past them. If nobody lets it by, it walks up to them.
        """
        world = self.world
        route = state.route
        if not (route and route[-1] == goal and manhattan(route[0], start) == 1):
            found = world.find_path(start, goal, through_entities=True)
            if found is None:
                return None
            route = found
        avoid = self._near_enough_to_block()
        # People standing about the goal itself are a crowd to stop at, not to go round.
        short_of_goal = len(route) - CLOSE_ENOUGH
        blocked = [
            i for i, pos in enumerate(route[: min(avoid, short_of_goal)]) if world.occupant(pos)
        ]
        if not blocked:
            return list(route)
        rejoin = blocked[-1] + 1
        waypoint = route[rejoin]
        budget = 4 * manhattan(start, waypoint) + 64  # 19 in 20 detours need less
        detour = world.find_path(start, waypoint, block_within=avoid, max_nodes=budget)
        if detour is None:
            return list(route)
        return detour + route[rejoin + 1 :]

    async def walk(self, name: str, target: Pos) -> None:
        """Walk towards ``target`` one tile at a time, at most ``max_steps_per_turn``."""
        world = self.world
        entity = world.entities[name]
        state = self.npcs[name]
        if not world.grid.in_bounds(target):
            self.warn(f"{name}: move_to({target[0]}, {target[1]}) is off the map; skipped")
            self.note(name, f"- Wanted to go to ({target[0]},{target[1]}), off the map.")
            self.act_line(name, f"cannot go to ({target[0]}, {target[1]}): off the map")
            state.destination = None
            return
        goal: Pos | None = target
        if not world.can_enter(target) and target != entity.pos:
            goal = world.nearest_free(target, radius=1, mine=entity.pos)
        if goal is None:
            reason = world.can_enter(target).reason
            self.warn(f"{name}: move_to({target[0]}, {target[1]}) unreachable ({reason}); skipped")
            self.note(name, f"- Could not go to ({target[0]},{target[1]}): {reason}.")
            self.act_line(name, f"cannot go there: {reason}")
            state.destination = None
            return
        path = self._plan(state, entity.pos, goal)
        if path is None:
            self.warn(f"{name}: no path to ({goal[0]}, {goal[1]}); skipped")
            self.note(name, f"- Found no way to ({goal[0]},{goal[1]}).")
            self.act_line(name, f"finds no way to ({goal[0]}, {goal[1]})")
            state.destination = None
            return
        if not path:  # already there
            self.note(name, f"- Stayed where I was, {self._at(self.place_name(goal))}.")
            self.act_line(name, "stays where it is")
            state.destination = None
            return
        place = self.place_name(goal)
        to_place = place if place.startswith("near ") else f"to {place}"
        towards = place.removeprefix("near ")
        inside = world.grid.landmark_at(entity.pos)
        if inside is not None and place == f"near {inside.name}":
            # From inside a place to just outside it: not "near the hut", which it is.
            to_place, towards = f"out of {inside.name}", f"the way out of {inside.name}"
        entity.activity = f"walking {to_place}"
        steps = 0
        replanned = stuck = long_way = False
        stopped_by = ""  # who stood in the way when it stopped short
        crowded = 0  # tiles short of the goal at which people standing about it stopped it
        caught = False  # stopped by the player, to talk
        planned_at = world.moves
        # Looked up once: a walk of ten steps in each of a thousand villagers' turns.
        gate, emit, moved = self.gate, self.emit, m.EntityMoved
        step_time, most = self.config.step_time, self.config.max_steps_per_turn
        self._walking.add(name)
        self._halted.discard(name)
        halted = self._halted
        try:
            while path and steps < most:
                if gate.paused:
                    await gate.wait()
                if self._linger_until:  # rarely anyone: looked at only then
                    await self._stand_a_moment(name)
                if name in halted:  # caught by the player: no further this turn
                    caught = True
                    break
                nxt = path[0]
                result = world.step_to(name, nxt)
                if not result and self._give_way(name, nxt, path):
                    result = world.step_to(name, nxt)
                if not result:
                    if steps and len(path) <= CLOSE_ENOUGH and world.occupant(nxt):
                        # It came most of the way and people stand about the goal: near enough.
                        # Stopped before a single step, it has not been anywhere.
                        crowded = len(path)
                        path = []
                        break
                    # Plan again once, if anyone else has moved since: else it would meet
                    # the same people in the way.
                    if not replanned and world.moves > planned_at + steps:
                        replanned = True
                        state.route = path
                        new_path = self._plan(state, entity.pos, goal)
                        if new_path is not None:
                            path = new_path
                            continue
                    if not steps and not long_way:
                        # Not one step taken: the short detours round the people in the way
                        # found nothing. Look further for the long way round them, as two
                        # villagers meeting on a bridge would otherwise block each other.
                        long_way = True
                        around = world.find_path(
                            entity.pos,
                            goal,
                            block_within=self._near_enough_to_block(),
                            max_nodes=LONG_WAY_NODES,
                        )
                        if around:
                            path = around
                            continue
                    if steps:
                        stopped_by = result.reason
                    else:  # not one step: somewhere else may do better next turn
                        self.note(name, f"- Could not get {to_place}: {result.reason}.")
                        self.act_line(name, f"cannot get {to_place}: {result.reason}")
                        path = []
                        stuck = True
                    break
                path.pop(0)
                steps += 1
                if steps == 1:  # told once on its way: a walk refused at once says only why
                    self.act_line(name, f"moves {to_place}")
                emit(moved(name, entity.pos, entity.facing, step_time))
                if step_time > 0:
                    await asyncio.sleep(step_time)
        finally:
            self._walking.discard(name)
            halted.discard(name)
        state.route = path
        if stuck:
            state.destination = None
            entity.activity = "standing about"
        elif not path:
            state.destination = None
            if crowded:
                short = counted(crowded, "tile")
                if to_place.startswith("out of "):  # people round the door it makes for
                    self.note(name, f"- Set off {to_place}; people stood in the way, so I "
                              f"stopped {short} short.")
                else:
                    self.note(
                        name, f"- Walked towards {towards}; people stood about it, so I stopped "
                        f"{short} short."
                    )
                near = place.removeprefix("near ")
                entity.activity = "standing about" if "(" in place else f"standing near {near}"
            else:
                shown = "" if place.startswith("(") else f" ({goal[0]},{goal[1]})"
                self.note(name, f"- Walked {to_place}{shown}.")
                at = self._at(place)
                entity.activity = "standing about" if "(" in place else f"standing {at}"
        elif steps or caught:
            state.destination = goal
            walked = counted(steps, "step")
            if caught:
                stopped_by = "the player wanted a word"
            why = f", then stopped: {stopped_by}" if stopped_by else ""
            if steps:
                self.note(name, f"- Walked {walked} towards {towards}{why}; {len(path)} to go.")
            else:
                self.note(name, f"- Was setting off towards {towards} when the player wanted "
                          "a word.")

    @staticmethod
    def _at(place: str) -> str:
        """"at the well", "near the well", "at (3, 8)"."""
        return place if place.startswith("near ") else f"at {place}"

    # ---- saving and loading ---------------------------------------------------------

    def snapshot(self) -> VillageState:
        """The village now, as a save keeps it (see :mod:`game.sim.state`)."""
        world, ledger = self.world, self.conversations.ledger
        npcs = {}
        for name, state in self.npcs.items():
            entity = world.entities[name]
            npcs[name] = new_villager(
                position=entity.pos,
                facing=entity.facing,
                activity=entity.activity,
                destination=state.destination,
                route=state.route,
                heard=state.heard,
                notes=state.notes,
                wrote=state.wrote,
                last_talk=ledger.last_conversation.get(name),
                memory=self.memory[name].kept(self.config.memory_budget),
            )
        player = world.get(PLAYER_NAME)
        usage = self.usage
        return build_state(
            map=map_ref(world.grid),
            seed=self.brain.seed if isinstance(self.brain, OfflineBrain) else self.config.seed,
            turn=self.turn,
            npcs=npcs,
            player=None if player is None else new_player(player.pos, player.facing),
            talks=new_talks(ledger),
            usage=new_usage(
                usage.calls,
                usage.failures,
                {n: (u.prompt_tokens, u.completion_tokens) for n, u in usage.per_npc.items()},
            ),
            told=sorted(self._told),
        )

    def restore(self, saved: VillageState, source: str) -> None:
        """Make the village what ``saved`` holds (checked already by ``read_save``); the
        memory logs say the game was loaded from ``source`` at its turn."""
        data = saved.data
        places = {
            name: (tuple(v.position), v.facing, v.activity) for name, v in data.npcs.items()
        }
        if data.player is not None and self.world.get(PLAYER_NAME) is not None:
            places[PLAYER_NAME] = (tuple(data.player.position), data.player.facing, "")
        self.world.relocate(places)  # type: ignore[arg-type]
        for name, v in data.npcs.items():
            state = self.npcs[name]
            state.destination = None if v.destination is None else tuple(v.destination)  # type: ignore[assignment]
            state.route = [tuple(p) for p in v.route]  # type: ignore[misc]
            state.heard = list(v.heard)
            state.notes = list(v.notes)
            state.wrote = v.wrote
            state.entry, state.seen, state.why_idle, state.could_talk_to = None, (), "", ()
            self.memory[name].loaded(v.memory, source, data.turn)
        if isinstance(self.brain, OfflineBrain):  # its answers are drawn from the seed
            self.brain.seed = data.seed
        self.conversations.ledger = ledger_of(data.talks, data.npcs)
        self.usage.restore(data.usage.calls, data.usage.failures, data.usage.per_npc)
        self._told = set(data.told)
        self.turn = self.turns_played = data.turn
        self._walking.clear()
        self._halted.clear()
        self._linger_until.clear()
        log.info("loaded %s: turn %d", source, data.turn)

    def save_game(self, kind: str = "", *, told: bool = False) -> Path | None:
        """Save the village now, whole or not at all; the path, or None if it failed (a
        notice says why). ``told``: a notice says where it went."""
        folder = self.config.save_dir
        if folder is None:
            return None
        self._save_pending = False
        started = time.perf_counter()
        try:
            path = write_save(folder, save_name(self.turn, kind), self.snapshot().to_json())
        except OSError as exc:
            self.emit(m.Notice(f"Could not save in {folder}: {exc.strerror or exc}"))
            log.warning("turn %d: could not save in %s: %s", self.turn, folder, exc)
            return None
        took = 1000 * (time.perf_counter() - started)
        log.info("turn %d: saved %s (%.0f ms)", self.turn, path, took)
        if told:
            self.emit(m.Notice(f"Saved (turn {self.turn}): {path.name}"))
        self.emit(m.Saved(str(path), self.turn))
        return path

    def quiet_point(self) -> None:
        """Nobody may be carrying out its turn now: take a save asked for meanwhile."""
        if self._save_pending and not self._acting and not self.conversations.open:
            self.save_game(told=True)

    def _ask_save(self) -> None:
        """F5: save between villager actions, never in the middle of one."""
        if self.config.save_dir is None:
            self.emit(m.Notice("Saving is off in this game"))
            return
        if self._acting or self.conversations.open:
            self._save_pending = True
            self.emit(m.Notice("Saving when the villagers are done with what they are doing..."))
            return
        self.save_game(told=True)

    def _ask_load(self, path: str | None) -> None:
        """F9 (confirmed): load ``path``, or the newest save. A bad save leaves the game
        as it is, with a notice saying what is wrong."""
        folder = self.config.save_dir
        target = Path(path) if path else (newest_save(folder) if folder else None)
        if target is None:
            self.emit(m.Notice("No save to load yet: F5 saves"))
            return
        try:
            saved = read_save(
                target, self.content, self.world.grid, with_player=self.config.with_player
            )
        except SaveError as exc:
            self.emit(m.Notice(str(exc)))
            log.warning("could not load %s", exc)
            return
        # A talk under way ends here, and says why, before the turn it is in is wound up.
        self.conversations.abort(LOADING)
        self._load_pending = (saved, target.name)
        task = self._turn_task
        if task is not None and not task.done():
            task.cancel()  # the run loop loads it once the turn is wound up
        else:
            self._apply_load()

    def _apply_load(self) -> None:
        assert self._load_pending is not None
        saved, source = self._load_pending
        self._load_pending = None
        self._save_pending = False
        self.conversations.abort(LOADING)
        self.restore(saved, source)
        for entity in self.world.entities.values():
            self.emit(m.EntityPlaced(entity.name, entity.pos, entity.facing))
        self.emit(m.GameLoaded(self.turn, source))
        t = self.usage.totals()
        self.emit(
            m.UsageUpdated(t.prompt_tokens, t.completion_tokens, t.calls, t.failures, t.cost_usd)
        )
        self.emit(m.Notice(f"Loaded turn {self.turn} from {source}"))

    # ---- shutdown ---------------------------------------------------------------------

    async def aclose(self) -> None:
        """End any conversation (writing its transcript), close the brain, flush the logs."""
        started = time.monotonic()
        try:
            self.conversations.abort(SHUTDOWN)
            for name, state in self.npcs.items():
                if not state.notes:
                    continue
                if state.wrote == self.turn:
                    # Notes after its own entry of the last turn (it stepped aside for a
                    # later walker), kept for the next entry, which will not come: a second
                    # entry for one turn would read as two turns. hamlet.log keeps them.
                    log.info("turn %d: %s, after its entry: %s", self.turn, name, state.notes)
                    continue  # (a save keeps them, for that next entry)
                # A turn cut short: what happened since its last entry is not lost.
                self._write_turn_entry(name, self.world.entities[name].pos, [])
            if self.config.save_on_close:  # a talk under way is saved as ended by it
                self.save_game("autosave")
            await asyncio.wait_for(self.brain.aclose(), timeout=1.0)
        except (Exception, asyncio.CancelledError):  # noqa: BLE001
            log.debug("brain close failed after %.2f s", time.monotonic() - started)
        finally:
            self.memory.close()
