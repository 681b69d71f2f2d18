"""The one narrow boundary between the simulation and any model.

A brain does two things: ``decide`` (directive lines for a turn) and ``converse``
(one reply in a conversation). Requests are frozen specs of everything the NPC may
know; replies are plain text that the simulation parses and validates, so nothing
a model says is trusted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from game.content.models import NpcSpec
    from game.world import Perception, Pos


class Usage(NamedTuple):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class DecisionRequest(NamedTuple):
    """Everything an NPC gets to decide its turn.

    Requests and replies are named tuples: frozen, and quick to make, as every villager
    needs one or more a turn.
    """

    persona: NpcSpec
    turn: int
    perception: Perception
    places: tuple[tuple[str, Pos], ...]  # landmarks the villager knows, nearest first
    heard: tuple[str, ...]  # lines heard since its last turn, "Bjorn: Fine weather"
    memory: str  # recent memory, already cut to the prompt's budget
    directives_help: str  # the legal directives, one per line
    unavailable: tuple[str, ...] = ()  # people it may not start a conversation with now
    talk_rest: int = 0  # turns (this one included) before it may start a conversation again
    walking_to: Pos | None = None  # where it was heading when its last turn ran out
    max_directives: int = 5
    story: tuple[str, ...] = ()  # what it knows of the story: items, flags, quests
    # The village clock, minutes since day 1 began (game.story.clock); None: no clock.
    clock: int | None = None


class ConversationRequest(NamedTuple):
    """Everything an NPC gets to say its next line in a conversation."""

    persona: NpcSpec
    turn: int
    perception: Perception
    memory: str
    others: tuple[str, ...]  # everyone else in the conversation, in the order they joined
    with_player: bool  # the player is one of ``others``
    history: tuple[tuple[str, str], ...]  # (speaker, line), oldest first
    messages_left: int  # lines that may still be said before the cap closes it
    # Landmarks the speaker knows, nearest first, with where to go for each: what it
    # answers "where is the mill?" from, when the mill is out of sight.
    places: tuple[tuple[str, Pos], ...] = ()
    story: tuple[str, ...] = ()  # what it knows of the story: items, flags, quests
    clock: int | None = None  # the village clock (game.story.clock); None: no clock


def gift_line(receiver: str, item: str) -> str:
    """How a conversation's transcript (and a brain) is told that the player handed
    ``receiver`` an item: the player's line ``(gives Pip the empty jar)``."""
    return f"(gives {receiver} the {item})"


GIFT_LINE = re.compile(r"^\(gives (?P<receiver>\S+) the (?P<item>.+)\)$")
"""Reads a :func:`gift_line` back."""


#: How many landmarks a conversation request carries (nearest first): a village's all.
PLACES_IN_CONVERSATION = 16


NO_USAGE = Usage()

#: The kind of :class:`BrainError` for a call not made at all, because the model server
#: was found down earlier in the turn: the villager waits, and no call is counted.
SERVER_DOWN = "server down"


class Notice(NamedTuple):
    """Something the player should be told once a run (``kind`` says what): the brain
    learned the model's context, or moved its rules, and why."""

    kind: str
    text: str


class BrainReply(NamedTuple):
    text: str
    usage: Usage = NO_USAGE
    notices: tuple[Notice, ...] = ()


class BrainError(Exception):
    """A call that produced no usable text. ``kind`` is short: timeout, http 503, empty,
    bad response (a reply that cannot be read), context, connection, server down…"""

    def __init__(
        self,
        kind: str,
        detail: str = "",
        usage: Usage | None = None,
        notices: tuple[Notice, ...] = (),
    ) -> None:
        self.kind = kind
        self.detail = detail
        self.usage = usage or Usage()
        self.notices = notices
        super().__init__(f"{kind}: {detail}" if detail else kind)


class Brain(Protocol):
    """What the simulation needs from a model. Implementations must not raise anything
    but :class:`BrainError` (and ``asyncio.CancelledError``)."""

    @property
    def label(self) -> str:
        """Shown in the HUD: "offline" or "gpt-4o-mini @ localhost:11434"."""
        ...

    async def decide(self, request: DecisionRequest) -> BrainReply: ...

    async def converse(self, request: ConversationRequest) -> BrainReply: ...

    async def aclose(self) -> None: ...
