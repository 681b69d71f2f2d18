"""Conversations: NPC to NPC, NPC to player, player to NPC - one manager for all three.

At most one villagers' conversation runs at a time, and beside it the player's own: the
player is never refused because others talk elsewhere. Only someone already talking is
unavailable; the player may then wait in the box for that villager, who turns to the
player when its talk ends. Turns pause while either conversation lasts (each holds a
reason of its own) and resume when the last ends, on every path (normal end, the cap, a
failing brain, the player closing the box mid-reply, shutdown): the pause is released in
``finally`` blocks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from game.brains.base import (
    PLACES_IN_CONVERSATION,
    BrainError,
    ConversationRequest,
    gift_line,
)
from game.sim import messages as m
from game.sim.directives import (
    EndConversation,
    Say,
    as_shown,
    parse_reply,
    prose_line,
    says_then_ends,
)
from game.sim.pause import CONVERSATION, DIALOGUE
from game.text import one_line, player_line
from game.words import counted, names
from game.world import PLAYER_NAME, Pos, chebyshev, manhattan

if TYPE_CHECKING:
    from collections.abc import Iterable

    from game.sim.journal import Journal
    from game.sim.state import TalkLedger
    from game.sim.village import Village
    from game.world import Perception

log = logging.getLogger("hamlet.sim")

MAX_INPUT = 300
KEEP_FINISHED = 200
FALLBACK_LINE = "Forgive me, I've lost my thread. Let's talk another time."
# What "Ended by:" names when no one in the talk ended it. Names are one word, so a
# phrase of several can never be taken for a villager (one may be called Limit).
SHUTDOWN = "the game closing"
INTERRUPTED = "an interruption"
# How far (in tiles, diagonals included) a villager the window shows beside the player may
# be in the world when Enter is pressed: the window draws a walker a step behind.
REACH = 2


def clean_player_text(text: str) -> str:
    """Strip control characters and lone surrogates (half a UTF-16 pair cannot be encoded
    for the model's request or written to a log), collapse whitespace, cap at
    :data:`MAX_INPUT` characters."""
    return player_line(text, MAX_INPUT)


@dataclass
class Conversation:
    id: int
    participants: tuple[str, ...]  # who started it first; the player may be one of them
    with_player: bool
    turn: int
    places: dict[str, Pos]  # where each participant stood when it began
    history: list[tuple[str, str]] = field(default_factory=list)
    ended_by: str | None = None
    leaving: str | None = None  # who said a last line and ended the talk in one reply
    reply_task: asyncio.Task[None] | None = None
    # What each speaker sees, kept while nobody moves: turns are paused meanwhile.
    views: dict[tuple[str, int], Perception] = field(default_factory=dict, repr=False)

    @property
    def initiator(self) -> str:
        """Who started it: "Initiated by:" in every transcript."""
        return self.participants[0]

    @property
    def npcs(self) -> list[str]:
        return [n for n in self.participants if n != PLAYER_NAME]

    def others(self, name: str) -> tuple[str, ...]:
        """Everyone in it but ``name``, in the order they joined."""
        return tuple(n for n in self.participants if n != name)


class ConversationManager:
    """Starts, runs and ends conversations; writes each transcript once to each NPC's log,
    a line at a time as it is said."""

    def __init__(self, sim: Village, journal: Journal) -> None:
        self.sim = sim  # what the conversations use of the simulation: see ``Village``
        self.journal = journal
        self.open: dict[int, Conversation] = {}  # every conversation under way, by id
        self.dialogue_id: int | None = None  # the player's box is open on this conversation
        # The villager the player waits for in the box, while it talks with someone else.
        self.waiting_for: str | None = None
        # The latest conversations, for watching and tests; a long game keeps only these.
        self.finished: deque[Conversation] = deque(maxlen=KEEP_FINISHED)

    @property
    def ledger(self) -> TalkLedger:
        """Who talked with whom and when, and the next id: the village state's."""
        return self.sim.state.talks

    @property
    def finished_count(self) -> int:
        return self.ledger.finished_count

    # ---- checks -------------------------------------------------------------------

    def player_busy(self) -> bool:
        """Whether the player's box is open: talking, or waiting for a villager."""
        return self.dialogue_id is not None or self.waiting_for is not None

    @property
    def npc_talk(self) -> Conversation | None:
        """The villagers' conversation under way, if any (at most one at a time)."""
        for conv in self.open.values():
            if not conv.with_player:
                return conv
        return None

    def talk_of(self, name: str) -> Conversation | None:
        """The conversation ``name`` is in now, if any."""
        for conv in self.open.values():
            if name in conv.participants:
                return conv
        return None

    def _talking(self) -> set[str]:
        """Everyone in a conversation now, the player too while its box is open."""
        busy = {n for conv in self.open.values() for n in conv.participants}
        if self.player_busy():
            busy.add(PLAYER_NAME)
        return busy

    def resting(self, name: str) -> int:
        """Turns, this one included, before ``name`` may start or join another conversation.

        A villager who has talked rests for the rest of that turn and ``rest_turns`` more,
        so one chatty crowd cannot fill every turn with conversations (each pauses the
        village and costs model calls). The player never rests, and may always talk.
        """
        last = self.ledger.last_conversation.get(name)
        return 0 if last is None else max(last - self._rested_since(), 0)

    def _rested_since(self) -> int:
        """Whoever last talked in this turn or before has rested: ``resting`` is 0."""
        return self.sim.turn - self.sim.config.rest_turns - 1

    def unavailable_for(self, name: str, nearby: Iterable[str] = ()) -> tuple[str, ...]:
        """People ``name`` may not start a conversation with right now: those talking,
        those it talked with lately, and any of ``nearby`` who are resting."""
        busy = self._talking()
        lately = self.ledger.talked_with.get(name)
        if lately:
            cutoff = self.sim.turn - self.sim.config.cooldown_turns  # talked after it: busy
            busy.update([other for other, turn in lately.items() if turn > cutoff])
        # resting(other) > 0, for everyone nearby at once
        talked, since = self.ledger.last_conversation, self._rested_since()
        busy.update([other for other in nearby if talked.get(other, since) > since])
        busy.discard(name)
        return tuple(sorted(busy)) if busy else ()

    def check_start(self, initiator: str, target: str) -> str | None:
        """Why ``initiator`` cannot start talking with ``target`` now, or None if it can."""
        world = self.sim.world
        if world.get(target) is None:
            return f"there is nobody called {target!r}"
        if target == initiator:
            return "cannot talk to itself"
        if self.open or self.player_busy():
            # Turns are paused meanwhile, so a villager rarely gets to ask: one who does
            # waits for the next, as only the player's talk runs beside another.
            if target in self._talking():
                return f"{target} is already in a conversation"
            return "another conversation is going on"
        if not world.adjacent(initiator, target):
            a, b = world.entities[initiator].pos, world.entities[target].pos
            return f"{target} is not adjacent ({chebyshev(a, b)} tiles away)"
        pair = frozenset({initiator, target})
        if pair in self.ledger.last_talked:
            since = self.sim.turn - self.ledger.last_talked[pair]
            if since < self.sim.config.cooldown_turns:
                when = "this turn" if since == 0 else f"{counted(since, 'turn')} ago"
                return f"they spoke {when}"
        for name in (initiator, target):
            left = self.resting(name)
            if left:
                free = self.sim.turn + left
                return f"{name} has just talked with someone (free to talk again on turn {free})"
        return None

    # ---- starting -----------------------------------------------------------------

    def _open(self, *participants: str) -> Conversation:
        """Open a conversation of ``participants`` (who starts it first): each turns to the
        one before it, the first to the second; each villager's transcript begins."""
        world = self.sim.world
        conv = Conversation(
            id=self.ledger.next_id,
            participants=participants,
            with_player=PLAYER_NAME in participants,
            turn=self.sim.turn,
            places={n: world.entities[n].pos for n in participants},
        )
        self.ledger.next_id += 1
        self.open[conv.id] = conv
        for i, name in enumerate(participants):
            faced = participants[1] if i == 0 else participants[i - 1]
            world.face(name, world.entities[faced].pos)
        for name in participants:
            self.journal.emit(m.EntityTurned(name, world.entities[name].facing))
        for name in conv.npcs:
            others = names(conv.others(name))
            world.entities[name].activity = f"talking with {others}"
            x, y = conv.places[name]
            self.sim.memory[name].begin(
                f"### Conversation with {others} (Turn {conv.turn} at {x},{y})\n"
                f"Initiated by: {conv.initiator}"
            )
        self.journal.emit(m.ConversationStarted(conv.id, participants, conv.with_player))
        return conv

    def _said(self, conv: Conversation, speaker: str, text: str) -> None:
        """``speaker`` said ``text`` in ``conv``: into its history, and at once into the
        log of each villager in it, so a run killed mid-talk keeps what was said."""
        conv.history.append((speaker, text))
        for name in conv.npcs:
            self.sim.memory[name].add(f"- {speaker}: {text}")

    async def start_from_directive(self, initiator: str, target_name: str, opening: str) -> None:
        """``start_conversation_with(target, opening)``: checked, then run (or skipped)."""
        target = self.sim.world.find(target_name)
        name = target.name if target else target_name.strip()
        problem = self.check_start(initiator, name)
        if problem:
            self._refused(initiator, name, problem)
            return
        who = "the player" if name == PLAYER_NAME else name
        self.journal.note(initiator, f"- Started talking with {who}.")
        self.sim.end_turn_entry(initiator)  # talking ends its turn: the transcript follows
        if name == PLAYER_NAME:
            await self._npc_to_player(initiator, opening)
        else:
            await self.run_npc_conversation(initiator, name, opening)

    def _refused(self, initiator: str, name: str, problem: str) -> None:
        """Tell why ``initiator`` does not start talking with ``name``.

        Villagers make up their minds together and then act one by one, so a talk that was
        open to one when it decided may be gone when it acts: the other walked off, or
        began talking with someone else. That is the village moving on, noted in its log
        and in hamlet.log as information; a warning is kept for a brain that asked for a
        talk it was never offered. When the two have talked this turn, the other having
        spoken first, what it wanted has happened.
        """
        sim = self.sim
        who = "the player" if name == PLAYER_NAME else name
        scratch = sim.scratch[initiator]
        # Offered when it decided, and it has not walked off since (a reply that walks
        # away and then asks to talk is the brain's own doing).
        offered = name in scratch.could_talk_to and (
            scratch.entry is None or scratch.entry[0] == sim.world.entities[initiator].pos
        )
        asked = f"{initiator}: start_conversation_with({name})"
        if offered and self.ledger.last_talked.get(frozenset({initiator, name})) == sim.turn:
            self.journal.note(initiator, f"- Had already talked with {who} this turn.")
            self.journal.act_line(initiator, f"has already talked with {who} this turn")
            log.info("turn %d: %s not needed: they talked this turn", sim.turn, asked)
            return
        self.journal.note(initiator, f"- Wanted to talk with {who}, but {problem}.")
        self.journal.act_line(initiator, f"cannot talk with {who}: {problem}")
        if offered:
            moved_on = "turn %d: %s no longer possible when it came to act: %s"
            log.info(moved_on, sim.turn, asked, problem)
        else:
            self.journal.warn(f"{asked} skipped: {problem}")

    # ---- NPC to NPC ---------------------------------------------------------------

    async def run_npc_conversation(self, a: str, b: str, opening: str) -> Conversation:
        """A says ``opening``; B, A, B... reply until one ends it or the cap is reached."""
        sim = self.sim
        sim.gate.hold(CONVERSATION)
        conv = self._open(a, b)
        self.journal.act_line(a, f"starts talking with {b}")
        cap = max(1, sim.config.max_exchanges)
        try:
            await self._line(conv, a, opening)
            speaker = b
            while True:
                if len(conv.history) >= cap:
                    conv.ended_by = f"the limit of {counted(cap, 'line')}"
                    break
                reply = await self._reply(conv, speaker)
                if isinstance(reply, Say):
                    await self._line(conv, speaker, reply.message)
                    if conv.leaving == speaker:  # said its last word and ended it
                        conv.ended_by = speaker
                        break
                    speaker = conv.others(speaker)[0]
                    continue
                if reply is None and len(conv.history) < cap:
                    await self._line(conv, speaker, FALLBACK_LINE)
                conv.ended_by = speaker
                break
        except asyncio.CancelledError:
            # Only stopping the simulation cancels a talk: say so in the transcript.
            conv.ended_by = conv.ended_by or SHUTDOWN
            raise
        finally:
            if conv.ended_by is None:
                conv.ended_by = INTERRUPTED
            self._finish(conv)
            sim.gate.release(CONVERSATION)
        return conv

    async def _line(self, conv: Conversation, speaker: str, text: str) -> None:
        """Say one line of a conversation, then give people time to read it."""
        self._said(conv, speaker, text)
        self.journal.emit(m.Spoke(speaker, text, self.sim.turn, conv.id))
        self.journal.act_line(speaker, f'"{text}"')
        if conv.with_player and speaker != PLAYER_NAME and self.dialogue_id == conv.id:
            self.journal.emit(m.DialogueMessage(conv.id, speaker, text, False))
        gap = self.sim.config.line_gap + self.sim.config.line_gap_per_char * len(text)
        if gap > 0 and not conv.with_player:
            await asyncio.sleep(gap)

    async def _reply(self, conv: Conversation, speaker: str) -> Say | EndConversation | None:
        """Ask ``speaker``'s brain for its next line; None when it failed or made no sense."""
        sim = self.sim
        others = conv.others(speaker)
        view = (speaker, sim.world.moves)
        if view not in conv.views:
            conv.views[view] = sim.world.perceive(speaker)
        request = ConversationRequest(
            persona=sim.npcs[speaker].spec,
            turn=sim.turn,
            perception=conv.views[view],
            memory=sim.memory[speaker].recent(sim.config.memory_budget),
            others=others,
            with_player=conv.with_player,
            history=tuple(conv.history),
            messages_left=max(sim.config.max_exchanges - len(conv.history), 1)
            if not conv.with_player
            else 99,
            places=sim.world.grid.places_near(conv.views[view].pos, PLACES_IN_CONVERSATION),
            story=sim.storyteller.prompt_lines(speaker),
            clock=sim.clock_minutes,
        )
        self.journal.emit(m.Thinking(speaker, True))
        started = time.monotonic()
        try:
            reply = await sim.brain.converse(request)
        except BrainError as exc:
            self.journal.brain_failed(speaker, exc, "ending the conversation")
            return None
        finally:
            self.journal.emit(m.Thinking(speaker, False))
        self.journal.brain_answered(speaker, reply)
        answer, warnings = parse_reply(reply.text, who=speaker)
        if isinstance(answer, Say) and says_then_ends(reply.text):
            conv.leaving = speaker
        for warning in warnings:
            self.journal.warn(warning)
        spoken = prose_line(reply.text, speaker=speaker) if answer is None else None
        if spoken:
            # Words without say(...): small models often answer so. They are what it said.
            answer = Say(spoken)
            log.info("turn %d: %s answered in plain words, taken as said", sim.turn, speaker)
            self.journal.notice_once(
                "prose reply",
                f"{speaker} answered in plain words rather than say(...); what it wrote is "
                "taken as what it said.",
            )
        elif answer is None:
            self.journal.warn(
                f"{speaker}: no say() or end_conversation() in the reply "
                f"{as_shown(reply.text)}; ending it"
            )
        log.debug("%s replied in %.2f s", speaker, time.monotonic() - started)
        if answer is None:
            outcome, taken = "no say() or end_conversation(): the talk ends", []
        else:
            taken = [answer.render()]
            if spoken:
                outcome = "plain words, taken as said"
            elif conv.leaving == speaker:
                outcome = "said a last line and ended the talk"
                taken.append("end_conversation()")
            else:
                outcome = "said" if isinstance(answer, Say) else "ended the talk"
        sim.keep_reply(
            speaker,
            "conversation",
            reply,
            outcome=outcome,
            taken=taken,
            warnings=list(warnings),
            partner=names(others),
        )
        return answer

    # ---- the player ---------------------------------------------------------------

    def whom_player_means(self, seen: str | None = None) -> str | None:
        """The villager Enter is meant for, or None.

        ``seen`` is the one the window shows the player facing, or next to: it draws a
        walker a step behind the world, so the villager may have just stepped on. It is
        taken while it is still within ``REACH``; else the villager faced, else the
        nearest one next to the player.
        """
        world = self.sim.world
        player = world.get(PLAYER_NAME)
        if player is None:
            return None
        if seen is not None and seen in self.sim.npcs:
            if chebyshev(world.entities[seen].pos, player.pos) <= REACH:
                return seen
        dx, dy = player.facing.delta
        faced = world.occupant((player.pos[0] + dx, player.pos[1] + dy))
        if faced in self.sim.npcs:
            return faced
        near = [e for e in world.near(player.pos, 1) if e.name in self.sim.npcs]
        near.sort(key=lambda e: (manhattan(e.pos, player.pos), e.name))
        return near[0].name if near else None

    def player_talks(self, seen: str | None = None) -> None:
        """Enter: open the box with the villager meant (see :meth:`whom_player_means`).

        Whatever goes on elsewhere, the player may talk. A villager walking off is stopped
        (and steps back, if it had just stepped out of reach); one talking with someone
        else is waited for in the box, and turns to the player when its talk ends.
        """
        if self.player_busy():
            return
        npc = self.whom_player_means(seen)
        if npc is None:  # whatever goes on elsewhere: this is what the player can mend
            self.journal.emit(m.Notice("Nobody to talk to - walk up to a villager first"))
            return
        self.sim.gate.hold(DIALOGUE)
        talk = self.talk_of(npc)
        if talk is not None:
            self.waiting_for = npc
            others = talk.others(npc)
            self.journal.emit(m.DialogueWaiting(npc, others))
            return
        self.sim.walker.stop_walking(npc)
        self._within_reach(npc)
        self._open_dialogue(npc)

    def _within_reach(self, npc: str) -> None:
        """Bring ``npc`` back next to the player if it has just stepped away: one step onto
        a free tile beside both. If there is none, the two talk from where they stand."""
        world = self.sim.world
        me, player = world.entities[npc], world.entities[PLAYER_NAME]
        if chebyshev(me.pos, player.pos) <= 1:
            return
        x, y = me.pos
        for tile in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
            if chebyshev(tile, player.pos) == 1 and world.can_enter(tile):
                world.step_to(npc, tile)
                self.journal.emit(m.EntityMoved(npc, me.pos, me.facing, self.sim.config.step_time))
                return

    def _open_dialogue(self, npc: str, *, after_wait: bool = False) -> None:
        """Open the player's conversation with ``npc``; it greets in its own words."""
        conv = self._open(PLAYER_NAME, npc)
        self.dialogue_id = conv.id
        self.journal.emit(m.DialogueOpened(conv.id, npc, after_wait))
        # What the story has it say, when it has it say something (a quest's lines, its
        # tree's); else it greets in its own words from its file. Instant, no model call.
        opening = self.sim.opening_lines(npc)
        if not opening:
            greetings = self.sim.npcs[npc].spec.lines.greetings
            opening = ((npc, greetings[(self.sim.turn + conv.id) % len(greetings)]),)
        self._opening(conv, opening)
        self.sim.storyteller.talk_held(npc)

    def story_line(self, npc: str, text: str) -> bool:
        """The story has ``npc`` say ``text``: in the player's box, if it is in it (then
        True; else the caller has it said aloud)."""
        conv = self.open.get(self.dialogue_id) if self.dialogue_id is not None else None
        if conv is None or npc not in conv.npcs:
            return False
        text = one_line(text) or "..."
        self._said(conv, npc, text)
        self.journal.emit(m.Spoke(npc, text, self.sim.turn, conv.id))
        self.journal.emit(m.DialogueMessage(conv.id, npc, text, False))
        return True

    def player_gives(self, conversation_id: int, item: str) -> None:
        """The player hands ``item`` to the villager in its box: it moves between their
        inventories, the transcript says so, and the villager answers (the story's
        words, if the hand-over completes a quest's step; else its brain's)."""
        conv = self.open.get(conversation_id)
        if conv is None or not conv.with_player or self.dialogue_id != conversation_id:
            return  # a stale box: the conversation is over
        npc = conv.others(PLAYER_NAME)[0]
        story = self.sim.storyteller
        name = story.item_name(item)
        if story.state.story.count(PLAYER_NAME, item) < 1:
            self.journal.emit(m.Notice(f"You carry no {name}"))
            return
        line = gift_line(npc, name)
        self._said(conv, PLAYER_NAME, line)
        self.journal.emit(m.DialogueMessage(conv.id, PLAYER_NAME, line, True))
        said = len(conv.history)
        refused = story.give(PLAYER_NAME, npc, item)
        if refused is not None:
            self.journal.emit(m.Notice(refused.reason))
            return
        if len(conv.history) == said and self.open.get(conv.id) is conv:
            if conv.reply_task is not None and not conv.reply_task.done():
                conv.reply_task.cancel()
            conv.reply_task = asyncio.ensure_future(self._answer_player(conv, npc))

    async def _npc_to_player(self, npc: str, opening: str) -> None:
        self.sim.gate.hold(DIALOGUE)
        conv = self._open(npc, PLAYER_NAME)
        self.dialogue_id = conv.id
        self.journal.act_line(npc, "turns to talk with the player")
        self.journal.emit(m.DialogueOpened(conv.id, npc))
        # What the story has said first (a quest's lines, its tree's), as when the player
        # walks up; else what its brain opened with.
        self._opening(conv, self.sim.opening_lines(npc) or ((npc, opening),))
        self.sim.storyteller.talk_held(npc)

    def _opening(self, conv: Conversation, lines: tuple[tuple[str, str], ...]) -> None:
        """The first lines of a talk with the player, each (speaker, line)."""
        for speaker, line in lines:
            # One line, like every other line said: a line break would split the transcript.
            text = one_line(line) or "Hello."
            self._said(conv, speaker, text)
            if speaker != PLAYER_NAME:
                self.journal.emit(m.Spoke(speaker, text, self.sim.turn, conv.id))
            self.journal.emit(m.DialogueMessage(conv.id, speaker, text, speaker == PLAYER_NAME))

    def player_says(self, conversation_id: int, text: str) -> None:
        conv = self.open.get(conversation_id)
        if conv is None or not conv.with_player:
            return  # a stale box: the conversation is over
        text = clean_player_text(text)
        if not text:
            return
        self._said(conv, PLAYER_NAME, text)
        npc = conv.others(PLAYER_NAME)[0]
        if conv.reply_task is not None and not conv.reply_task.done():
            conv.reply_task.cancel()
        conv.reply_task = asyncio.ensure_future(self._answer_player(conv, npc))

    async def _answer_player(self, conv: Conversation, npc: str) -> None:
        try:
            reply = await self._reply(conv, npc)
        except asyncio.CancelledError:
            return
        if self.open.get(conv.id) is not conv:
            return  # the player closed the box while we were thinking
        if isinstance(reply, Say):
            await self._line(conv, npc, reply.message)
            if conv.leaving != npc:
                return
        elif reply is None:
            await self._line(conv, npc, FALLBACK_LINE)
        conv.ended_by = npc
        self._finish(conv)
        self.journal.emit(m.DialogueEnded(conv.id, npc))

    def player_closes(self, conversation_id: int | None) -> None:
        """The player closed the box: on ``conversation_id``, or (None) while it waited
        for a villager to finish talking with someone else."""
        if conversation_id is None:
            if self.waiting_for is not None:
                self.waiting_for = None
                self.sim.gate.release(DIALOGUE)
            return
        if self.dialogue_id != conversation_id:
            return
        conv = self.open.get(conversation_id)
        if conv is not None:
            if conv.reply_task is not None and not conv.reply_task.done():
                conv.reply_task.cancel()
            conv.ended_by = PLAYER_NAME
            self._finish(conv)
        self.dialogue_id = None
        self.sim.gate.release(DIALOGUE)

    # ---- ending -------------------------------------------------------------------

    def _finish(self, conv: Conversation) -> None:
        """End the transcript in each NPC's log (its lines are there already, written as
        they were said); set the cooldown; announce the end. A villager the player waits
        for then turns to the player."""
        if self.open.get(conv.id) is not conv:
            return
        del self.open[conv.id]
        ended_by = conv.ended_by or INTERRUPTED
        for name in conv.npcs:
            self.sim.memory[name].end(f"Ended by: {ended_by}")
        ledger = self.ledger
        ledger.record(conv.participants, self.sim.turn)
        for name in conv.npcs:
            ledger.last_conversation[name] = self.sim.turn
        for name in conv.npcs:
            self.sim.world.entities[name].activity = "standing about"
        self.sim.walker.linger(conv.npcs)  # a moment before walking off, so it can be caught
        conv.views.clear()  # what the speakers saw is not needed any more
        self.finished.append(conv)
        ledger.finished_count += 1
        self.journal.emit(m.ConversationEnded(conv.id, ended_by))
        if conv.with_player:
            npc = conv.others(PLAYER_NAME)[0]
            self.journal.act_line(npc, f"ends the conversation with the player ({ended_by})")
        waited = self.waiting_for
        if waited is not None and waited in conv.npcs:
            self.waiting_for = None
            self._within_reach(waited)
            self._open_dialogue(waited, after_wait=True)

    def abort(self, reason: str) -> None:
        """Shutdown: end whatever is going on, writing its transcript."""
        self.waiting_for = None
        for conv in list(self.open.values()):
            if conv.reply_task is not None and not conv.reply_task.done():
                conv.reply_task.cancel()
            conv.ended_by = conv.ended_by or reason
            self._finish(conv)
        if self.dialogue_id is not None:
            self.dialogue_id = None
        self.sim.gate.release(DIALOGUE)
