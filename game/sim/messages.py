"""Commands (render thread -> worker) and events (worker -> render thread).

Small, immutable, typed: the only things that cross between the two threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from game.world.grid import Facing, Pos

# ---- commands: what the player asked for ----------------------------------------


@dataclass(frozen=True)
class MovePlayer:
    facing: Facing


@dataclass(frozen=True)
class TalkToNeighbour:
    """Enter pressed: talk to the villager faced, else the nearest adjacent one."""


@dataclass(frozen=True)
class PlayerSays:
    conversation_id: int
    text: str


@dataclass(frozen=True)
class CloseDialogue:
    conversation_id: int


@dataclass(frozen=True)
class TogglePause:
    """Space: hold or release the player's own pause."""


@dataclass(frozen=True)
class ChangePace:
    """``+`` / ``-``: multiply the time between turns by ``factor``."""

    factor: float


Command = MovePlayer | TalkToNeighbour | PlayerSays | CloseDialogue | TogglePause | ChangePace

# ---- events: what happened ------------------------------------------------------


@dataclass(frozen=True)
class EntityPlaced:
    """Where an entity is at start-up."""

    name: str
    pos: Pos
    facing: Facing


@dataclass(frozen=True)
class EntityMoved:
    name: str
    pos: Pos
    facing: Facing
    duration: float  # seconds the sprite should take to glide there


@dataclass(frozen=True)
class EntityTurned:
    name: str
    facing: Facing


@dataclass(frozen=True)
class Spoke:
    """A line said aloud: a bubble over ``name`` and a line in the feed."""

    name: str
    text: str
    turn: int
    conversation_id: int | None = None


@dataclass(frozen=True)
class TurnStarted:
    turn: int


@dataclass(frozen=True)
class PauseChanged:
    paused: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PaceChanged:
    turn_interval: float


@dataclass(frozen=True)
class Thinking:
    """An NPC is waiting on its brain (``on``) or has its answer."""

    name: str
    on: bool


@dataclass(frozen=True)
class ConversationStarted:
    conversation_id: int
    initiator: str
    partner: str
    with_player: bool


@dataclass(frozen=True)
class ConversationEnded:
    conversation_id: int
    ended_by: str


@dataclass(frozen=True)
class DialogueOpened:
    conversation_id: int
    npc: str


@dataclass(frozen=True)
class DialogueMessage:
    conversation_id: int
    speaker: str
    text: str
    from_player: bool


@dataclass(frozen=True)
class DialogueEnded:
    """The villager ended the talk; the box stays open until the player closes it."""

    conversation_id: int
    npc: str


@dataclass(frozen=True)
class UsageUpdated:
    prompt_tokens: int
    completion_tokens: int
    calls: int
    failures: int
    cost_usd: float | None


@dataclass(frozen=True)
class Notice:
    """A short hint for the player, such as "Nobody to talk to"."""

    text: str


@dataclass(frozen=True)
class Acted:
    """One line of the headless transcript: ``[T3] Ada moves to the well``."""

    turn: int
    name: str
    text: str


Event = (
    EntityPlaced
    | EntityMoved
    | EntityTurned
    | Spoke
    | TurnStarted
    | PauseChanged
    | PaceChanged
    | Thinking
    | ConversationStarted
    | ConversationEnded
    | DialogueOpened
    | DialogueMessage
    | DialogueEnded
    | UsageUpdated
    | Notice
    | Acted
)
