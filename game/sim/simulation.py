"""The simulation: turns, acting on directives, hearing, memory. Runs on one event loop.

Only this code (and the conversation manager and walker it owns) changes the world. It
talks to the outside through its journal (``game.sim.journal``: events, notes, warnings,
notices, usage) and ``handle(command)``; walking and route planning are in
``game.sim.walking``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.brains.base import SERVER_DOWN, BrainError, DecisionRequest
from game.brains.offline import OfflineBrain
from game.sim import messages as m
from game.sim.concurrency import REMEMBER, AdaptiveLimit, CallGate
from game.sim.conversation import SHUTDOWN, ConversationManager
from game.sim.directives import as_shown, describe_directives, parse_directives
from game.sim.journal import Journal
from game.sim.memory import MemoryBook
from game.sim.pause import PLAYER, QUIT, PauseGate
from game.sim.saves import newest_save, save_name, write_save
from game.sim.state import SavedGame, SaveError, VillageState, read_save, story_of
from game.sim.storyteller import Storyteller
from game.sim.verbs import MoveTo
from game.sim.village import SimConfig, TurnScratch
from game.sim.walking import Walker
from game.story.clock import minutes_at_turn, parse_time, phase
from game.world import PLAYER_NAME, World, build_world, chebyshev

if TYPE_CHECKING:
    from game.brains.base import Brain, BrainReply
    from game.brains.usage import UsageMeter
    from game.content.loader import Content
    from game.sim.concurrency import Sent
    from game.sim.directives import Directive, ParseResult
    from game.sim.state import VillagerState
    from game.world import Pos

# SimConfig lives in game.sim.village, beside what the simulation's parts share.
__all__ = ["LOADING", "MAX_DIRECTIVES", "SimConfig", "Simulation"]

log = logging.getLogger("hamlet.sim")

MAX_DIRECTIVES = 5
SEEN_IN_LOG = 5  # people named in a turn's "Saw" line
LOADING = "the game being loaded"  # what ends a talk under way when a save is loaded


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
        self.world: World = build_world(content, with_player=config.with_player)
        # All that lasts of the village (what a save keeps) is in ``state``; the world
        # indexes its villagers' and the player's bodies by tile.
        seed = brain.seed if isinstance(brain, OfflineBrain) else config.seed
        self.state = VillageState.new(content, self.world, seed=seed, model=model)
        self.order = list(self.state.villagers)
        # What each villager notes inside one turn, never saved.
        self.scratch = {name: TurnScratch() for name in self.order}
        # What a model answered is kept (replies.jsonl); the offline brain's own script is not.
        keep_replies = not isinstance(brain, OfflineBrain)
        self.memory = MemoryBook(
            config.log_dir,
            {name: v.memory for name, v in self.state.villagers.items()},
            keep_replies=keep_replies,
        )
        self.journal = Journal(emit, self.state, brain_label=brain.label)
        self.emit = self.journal.emit  # what the window and the headless runner are told
        self.gate = PauseGate(self._pause_changed)
        self.turns_played = 0  # turns played to their end
        self.turn_interval = config.turn_interval
        start = config.start_minutes
        self.state.clock_start = parse_time(content.map.start_time) if start is None else start
        self.state.minutes_per_turn = config.minutes_per_turn
        self.walker = Walker(
            self.world,
            self.npcs,
            self.gate,
            config,
            self.journal,
            turn=lambda: self.turn,
            talking=lambda name: self.conversations.talk_of(name) is not None,
        )
        self.conversations: ConversationManager = ConversationManager(self, self.journal)
        self.storyteller: Storyteller = Storyteller(
            content, self.state, self.world, self.journal, say=self._story_line
        )
        self.storyteller.phase = lambda: phase(self.clock_minutes)  # what trees see of time
        self.directives_help = describe_directives()
        self._acting = 0  # villagers carrying out their turn now: a save waits for none
        self._save_pending = False  # F5 came while someone acted: save when none does
        self._turn_task: asyncio.Future[None] | None = None  # the turn under way
        self._load_pending: tuple[SavedGame, str] | None = None
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

    # ---- the state ---------------------------------------------------------------------

    @property
    def npcs(self) -> dict[str, VillagerState]:
        """Every villager's lasting state, in turn order."""
        return self.state.villagers

    @property
    def turn(self) -> int:
        """The turn under way, or the last one played."""
        return self.state.turn

    @turn.setter
    def turn(self, value: int) -> None:
        self.state.turn = value

    @property
    def usage(self) -> UsageMeter:
        return self.state.usage

    # ---- events and bookkeeping -----------------------------------------------------

    def _pause_changed(self, reasons: tuple[str, ...]) -> None:
        self.emit(m.PauseChanged(bool(reasons), reasons))

    @property
    def clock_minutes(self) -> int:
        """The village clock: minutes since day 1 began, worked out from the turn (so a
        save needs no clock of its own); see game.story.clock."""
        state = self.state
        return minutes_at_turn(state.clock_start, state.minutes_per_turn, state.turn)

    @property
    def warnings(self) -> deque[str]:
        """The latest warnings (see :class:`Journal`), for tests."""
        return self.journal.warnings

    @property
    def warning_count(self) -> int:
        return self.journal.warning_count

    # The verbs (game.sim.verbs) and tests speak through these.

    def note(self, name: str, text: str) -> None:
        """A line for ``name``'s current turn entry in its memory log."""
        self.journal.note(name, text)

    def act_line(self, name: str, text: str) -> None:
        self.journal.act_line(name, text)

    async def walk(self, name: str, target: Pos) -> None:
        """Walk towards ``target`` one tile at a time (see :meth:`Walker.walk`)."""
        await self.walker.walk(name, target)

    def start(self) -> None:
        self._place_everyone()
        self.storyteller.start()
        self.emit(m.PaceChanged(self.turn_interval))
        self.emit(m.ClockChanged(self.clock_minutes))
        self.emit(m.PauseChanged(self.gate.paused, self.gate.reasons))
        self.emit(m.CallsAtOnce(self.concurrency, self.calls_at_once is not None))

    def _place_everyone(self) -> None:
        """Tell the window where everyone stands (at the start, and after a load)."""
        for entity in self.world.entities.values():
            self.emit(m.EntityPlaced(entity.name, entity.pos, entity.facing))

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
            m.PickUp: self._pick_up,
            m.GiveItem: self._give_item,
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
            self.storyteller.player_moved(player.pos)
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

    def _pick_up(self, command: m.PickUp) -> None:
        self.storyteller.pick_up()

    def _give_item(self, command: m.GiveItem) -> None:
        self.conversations.player_gives(command.conversation_id, command.item)

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
        self.emit(m.ClockChanged(self.clock_minutes))
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
        self.scratch[name].why_idle = ""  # not left over from a turn cut short before it acted
        # The story's errand first, then the villager's routine (its tree), then its brain.
        scripted = self._errand(name) or self.storyteller.routine(name)
        if scripted:
            return scripted
        request = self.decision_request(name)
        self.emit(m.Thinking(name, True))
        started = time.monotonic()
        try:
            reply = await self.brain.decide(request)
        except BrainError as exc:
            if sent is not None:
                self._paced(sent, time.monotonic() - started, exc.kind)
            self.journal.brain_failed(name, exc, "waiting this turn")
            if exc.kind == SERVER_DOWN:
                self.note(name, "- The model server was down, so I waited.")
                self.scratch[name].why_idle = "the model server is down"
            else:
                self.note(name, f"- Lost my train of thought ({exc.kind}), so I waited.")
                self.scratch[name].why_idle = "the model call failed"
            return ()
        finally:
            self.emit(m.Thinking(name, False))
        if sent is not None:
            self._paced(sent, time.monotonic() - started, None)
        self.journal.brain_answered(name, reply)
        return self._parse(name, reply)

    def _errand(self, name: str) -> tuple[Directive, ...]:
        """Where the story sends ``name``, while it is not there yet: it walks, and its
        brain is not asked. Once there (or when there is no way), it is its own again."""
        villager = self.npcs[name]
        errand = villager.errand
        if errand is None:
            return ()
        if chebyshev(villager.body.pos, errand) <= 1 or self.world.find_path(
            villager.body.pos, errand
        ) is None:
            villager.errand = None
            return ()
        return (MoveTo(*errand),)

    def _story_line(self, npc: str, text: str) -> None:
        """A line the story gives ``npc``: in the player's box when it is talking with the
        player, else said aloud where it stands."""
        if npc not in self.npcs:
            return
        if not self.conversations.story_line(npc, text):
            self.say(npc, text)

    def opening_lines(self, npc: str) -> tuple[tuple[str, str], ...]:
        """What is said first when the player talks to ``npc``, (speaker, line) each, if
        the story has something said: an active quest objective's lines first, then its
        tree's (else it greets in its own words)."""
        return self.storyteller.interaction(npc)

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
                else "waited: " + (self.scratch[name].why_idle or "nothing to do")
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
            self.journal.warn(warning)
        if not result.directives:
            self.journal.warn(
                f"{name}: no usable directive in the answer {as_shown(reply.text)}; "
                "waiting this turn"
            )
            self.note(name, "- Could not make up my mind, so I waited.")
            self.scratch[name].why_idle = "its answer held no directive to act on"
            self.journal.notice_once(  # a model that ignores the format
                "no directive",
                f"{name}'s answer held no directive to act on, so villagers wait "
                "until answers use move_to(x, y), say(...), wait() and the rest, "
                f"one per line. It was: {as_shown(reply.text)}",
            )
        idle = result.directives[0].idle_alone if result.directives else None
        if idle is not None and all(d.idle_alone is not None for d in result.directives):
            # Verbs that do nothing here (end_conversation() outside a conversation) would
            # leave the villager standing with no word of why.
            self.journal.warn(f"{name}: {idle.warning}")
            self.note(name, idle.note)
            self.scratch[name].why_idle = idle.why
            return ()
        return result.directives

    def decision_request(self, name: str) -> DecisionRequest:
        state, scratch = self.npcs[name], self.scratch[name]
        places = self.world.grid.places_near(state.body.pos, 8)
        perception = self.world.perceive(name)
        scratch.seen = perception.seen[:SEEN_IN_LOG]
        unavailable = self.conversations.unavailable_for(
            name, (seen.name for seen in perception.seen)
        )
        talk_rest = self.conversations.resting(name)
        scratch.could_talk_to = (
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
            story=self.storyteller.prompt_lines(name),
            clock=self.clock_minutes,
        )

    async def _act_turn(self, name: str, directives: tuple[Directive, ...]) -> None:
        self._acting += 1
        try:
            await self._carry_out(name, directives)
        finally:
            self._acting -= 1
            self.quiet_point()

    async def _carry_out(self, name: str, directives: tuple[Directive, ...]) -> None:
        state, scratch = self.npcs[name], self.scratch[name]
        scratch.entry = (state.body.pos, list(state.heard))
        state.heard.clear()
        if scratch.why_idle:
            self.act_line(name, f"waits: {scratch.why_idle}")
            scratch.why_idle = ""
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
        scratch = self.scratch[name]
        if scratch.entry is not None:
            start, heard = scratch.entry
            scratch.entry = None
            self._write_turn_entry(name, start, heard)

    def _write_turn_entry(self, name: str, start: Pos, heard: list[str]) -> None:
        """The turn's entry in ``name``'s memory log: what it did, saw and heard.

        "Saw" is who it saw from ``start`` when it made up its mind, which is also what
        its brain was shown; nobody is looked for again.
        """
        state, scratch = self.npcs[name], self.scratch[name]
        lines = [f"## Turn {self.turn} at {start[0]},{start[1]}"]
        lines += state.notes
        if scratch.seen:
            seen = ", ".join(
                f"{s.name} ({s.pos[0]},{s.pos[1]}, {s.activity})" for s in scratch.seen
            )
            lines.append(f"- Saw: {seen}")
        for line in heard:
            lines.append(f"- Heard {line}")
        state.notes.clear()
        scratch.seen = ()
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

    # ---- saving and loading ---------------------------------------------------------

    def snapshot(self) -> SavedGame:
        """The village now, as a save keeps it (see :mod:`game.sim.state`)."""
        return self.state.saved(self.config.memory_budget)

    def restore(self, saved: SavedGame, source: str) -> None:
        """Make the village what ``saved`` holds (checked already by ``read_save``); the
        memory logs say the game was loaded from ``source`` at its turn."""
        self.world.relocate(self.state.places(saved))
        self.state.take(saved, story_of(saved, self.content))
        for name in self.order:
            self.scratch[name] = TurnScratch()
            self.memory[name].loaded(source, saved.turn)
        if isinstance(self.brain, OfflineBrain):  # its answers are drawn from the seed
            self.brain.seed = saved.seed
        self.turns_played = saved.turn
        self.walker.clear()
        log.info("loaded %s: turn %d", source, saved.turn)

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
        self._place_everyone()
        self.storyteller.start()
        self.emit(m.GameLoaded(self.turn, source))
        self.emit(m.ClockChanged(self.clock_minutes))
        self.journal.usage_changed()
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
                self._write_turn_entry(name, state.body.pos, [])
            if self.config.save_on_close:  # a talk under way is saved as ended by it
                self.save_game("autosave")
            await asyncio.wait_for(self.brain.aclose(), timeout=1.0)
        except (Exception, asyncio.CancelledError):  # noqa: BLE001
            log.debug("brain close failed after %.2f s", time.monotonic() - started)
        finally:
            self.memory.close()
