"""Commands (render thread -> worker) and events (worker -> render thread).

Small, immutable, typed: the only things that cross between the two threads. Events
are named tuples, which are quicker to make than frozen dataclasses: a big village
makes thousands a turn (a step each is one), whether or not anyone draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from game.world.grid import Facing, Pos

# ---- commands: what the player asked for ----------------------------------------


@dataclass(frozen=True)
class MovePlayer:
    facing: Facing


@dataclass(frozen=True)
class TalkToNeighbour:
    """Enter pressed: talk to the villager faced, else the nearest adjacent one.

    ``seen`` is the villager the window shows there: it draws walkers a step behind the
    world, and the player means the one on the screen.
    """

    seen: str | None = None


@dataclass(frozen=True)
class PlayerSays:
    conversation_id: int
    text: str


@dataclass(frozen=True)
class CloseDialogue:
    """The box closed: on a conversation, or (None) while waiting for a villager."""

    conversation_id: int | None


@dataclass(frozen=True)
class TogglePause:
    """Space: hold or release the player's own pause."""


@dataclass(frozen=True)
class QuitQuestion:
    """The "Leave the village?" card is up (``shown``) or gone: the turns wait for the answer."""

    shown: bool


@dataclass(frozen=True)
class ChangePace:
    """``+`` / ``-``: multiply the time between turns by ``factor``."""

    factor: float


@dataclass(frozen=True)
class SaveGame:
    """F5: save the village (between villager actions, never in the middle of one)."""


@dataclass(frozen=True)
class LoadGame:
    """F9, confirmed: load ``path``, or the newest save when None."""

    path: str | None = None


@dataclass(frozen=True)
class PickUp:
    """E: pick up what lies on the player's tile, or on the tile it faces."""


@dataclass(frozen=True)
class GiveItem:
    """Hand one ``item`` (an item id) to the villager in the player's dialogue box."""

    conversation_id: int
    item: str


Command = (
    MovePlayer
    | TalkToNeighbour
    | PlayerSays
    | CloseDialogue
    | TogglePause
    | QuitQuestion
    | ChangePace
    | SaveGame
    | LoadGame
    | PickUp
    | GiveItem
)

# ---- events: what happened ------------------------------------------------------


class EntityPlaced(NamedTuple):
    """Where an entity is at start-up."""

    name: str
    pos: Pos
    facing: Facing


class EntityMoved(NamedTuple):
    name: str
    pos: Pos
    facing: Facing
    duration: float  # seconds the sprite should take to glide there


class EntityTurned(NamedTuple):
    name: str
    facing: Facing


class Spoke(NamedTuple):
    """A line said aloud: a bubble over ``name`` and a line in the feed."""

    name: str
    text: str
    turn: int
    conversation_id: int | None = None


class TurnStarted(NamedTuple):
    turn: int


class ClockChanged(NamedTuple):
    """The village clock reads ``minutes`` since day 1 began (see game.story.clock): at
    the start, as each turn starts, and after a load."""

    minutes: int


class PauseChanged(NamedTuple):
    paused: bool
    reasons: tuple[str, ...]


class PaceChanged(NamedTuple):
    turn_interval: float


class Thinking(NamedTuple):
    """An NPC is waiting on its brain (``on``) or has its answer."""

    name: str
    on: bool


class ConversationStarted(NamedTuple):
    conversation_id: int
    participants: tuple[str, ...]  # who started it first; the player may be one of them
    with_player: bool


class ConversationEnded(NamedTuple):
    conversation_id: int
    ended_by: str


class DialogueOpened(NamedTuple):
    conversation_id: int
    npc: str
    # The villager the player waited for has finished its other talk: the box open on the
    # wait takes this conversation (or, closed meanwhile, closes it at once).
    after_wait: bool = False


class DialogueWaiting(NamedTuple):
    """Enter at a villager who is talking with ``talking_with``: the box opens, waiting
    for it; a DialogueOpened with ``after_wait`` follows when its talk ends."""

    npc: str
    talking_with: tuple[str, ...]


class DialogueMessage(NamedTuple):
    conversation_id: int
    speaker: str
    text: str
    from_player: bool


class DialogueEnded(NamedTuple):
    """The villager ended the talk; the box stays open until the player closes it."""

    conversation_id: int
    npc: str


class UsageUpdated(NamedTuple):
    prompt_tokens: int
    completion_tokens: int
    calls: int
    failures: int
    cost_usd: float | None


class CallsAtOnce(NamedTuple):
    """How many decisions are asked of the model at once now; ``adapting`` when the number
    follows what the server can take, rather than fixed (``--concurrency``, offline)."""

    limit: int
    adapting: bool

    def text(self) -> str:
        return f"calls at once: {self.limit}{' (adapting)' if self.adapting else ''}"


class Notice(NamedTuple):
    """A short hint for the player, such as "Nobody to talk to"."""

    text: str


class Acted(NamedTuple):
    """One line of the headless transcript: ``[T3] Ada moves to the well``."""

    turn: int
    name: str
    text: str


class Saved(NamedTuple):
    """The village was saved in ``path`` after ``turn``."""

    path: str
    turn: int


class GameLoaded(NamedTuple):
    """A save was loaded: the village stands as it did at ``turn`` (positions follow as
    EntityPlaced events)."""

    turn: int
    source: str


class GroundItem(NamedTuple):
    """An item lying on the map."""

    pos: Pos
    item: str  # its id
    name: str
    colour: str  # "#rrggbb"


class ItemsOnGround(NamedTuple):
    """Every item lying on the map now (sent at the start and whenever one changes)."""

    items: tuple[GroundItem, ...]


class Carried(NamedTuple):
    """Some of one item the player carries."""

    item: str
    name: str
    description: str
    colour: str
    amount: int  # how many


class QuestShown(NamedTuple):
    """A quest as the journal card lists it."""

    title: str
    summary: str
    status: str  # "active" or "completed"
    done: tuple[str, ...]  # what the player has done of it, oldest first
    active: tuple[str, ...]  # the objectives open now


class StoryShown(NamedTuple):
    """What the player carries and where its quests stand (sent whenever one changes)."""

    inventory: tuple[Carried, ...]
    tracker: tuple[str, ...]  # the open objectives, as the HUD's quest tracker shows them
    quests: tuple[QuestShown, ...]  # started quests, newest first


class LightsCarried(NamedTuple):
    """Who carries a light (an item with ``light: true``): they glow at night."""

    names: tuple[str, ...]


Event = (
    EntityPlaced
    | EntityMoved
    | EntityTurned
    | Spoke
    | TurnStarted
    | ClockChanged
    | PauseChanged
    | PaceChanged
    | Thinking
    | ConversationStarted
    | ConversationEnded
    | DialogueOpened
    | DialogueWaiting
    | DialogueMessage
    | DialogueEnded
    | UsageUpdated
    | CallsAtOnce
    | Notice
    | Acted
    | Saved
    | GameLoaded
    | ItemsOnGround
    | StoryShown
    | LightsCarried
)
