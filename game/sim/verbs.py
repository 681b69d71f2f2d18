"""Directive verbs, each declared once: how it is read, the line of help the prompt shows,
and what it does to the village, side by side.

A verb is one small frozen dataclass registered with :func:`register`:

* ``name`` and typed fields: ``move_to`` with ``x`` and ``y``;
* ``usage`` and ``help``: its line in every decision prompt (``move_to(x, y) - walk ...``);
* ``from_args``: its arguments read from the text between the parentheses (the line
  around it -- bullets, labels, quotes, thinking -- is read by :mod:`game.sim.directives`);
* ``render``: the canonical text it parses back from;
* ``perform``: what it does when its villager acts on it, checked against the world as
  it is then.

Adding a verb is one new class here and nothing else: the parser, the prompt and
``Simulation.act`` find it in :data:`REGISTRY`. :func:`register` refuses a verb the
parser or the prompt could not use; ``tests/test_verbs.py`` fails if a registered verb
has no ``perform``.

Verbs act through the simulation's own methods (``walk``, ``say``, ``note``,
``act_line``, the conversations), never on its bookkeeping directly, so what a turn
records stays in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias, TypeVar

from game.text import cut, one_line

if TYPE_CHECKING:
    from game.world import Pos, World

__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_TARGET_CHARS",
    "REGISTRY",
    "SHOWN_LINE_CHARS",
    "BaseDirective",
    "Directive",
    "DirectiveError",
    "EndConversation",
    "Idle",
    "MoveTo",
    "Say",
    "StartConversation",
    "Wait",
    "as_shown",
    "clean_text",
    "describe_directives",
    "lacks",
    "read_message",
    "register",
    "unquote",
]

MAX_MESSAGE_CHARS = 300
"""Longest message kept; longer ones are cut and end with an ellipsis."""

MAX_TARGET_CHARS = 40
"""Longest conversation target name accepted."""

SHOWN_LINE_CHARS = 80
"""How much of a model's line a warning quotes."""

# ---- reading arguments ----------------------------------------------------------------

# What a message may contain and how it is cut are decided in game.text, for all who
# keep or show such text. clean_text drops control characters (whitespace ones become
# spaces) and lone surrogates, which cannot even be written to a UTF-8 log.
clean_text = one_line

_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’"}



def as_shown(text: str) -> str:
    """A model's answer as a warning quotes it: one line, cut to a readable length."""
    return '"' + cut(clean_text(text), SHOWN_LINE_CHARS) + '"'


def unquote(text: str) -> str:
    """Strip one pair of matching surrounding quotes.

    A lone opening double quote with no other double quote after it (``"Hello`` from a
    reply cut short) is stripped too; a lone single quote is kept (``'tis``).
    """
    if len(text) >= 2 and text[0] in _QUOTE_PAIRS and text[-1] == _QUOTE_PAIRS[text[0]]:
        return text[1:-1]
    if text[:1] in ('"', "“") and _QUOTE_PAIRS[text[0]] not in text[1:]:
        return text[1:]
    return text


def read_message(raw: str, what: str = "message") -> str:
    """A message argument: unquoted, cleaned and capped; :class:`DirectiveError` if empty."""
    text = clean_text(unquote(clean_text(raw)))
    if not text:
        raise DirectiveError(f"empty {what}")
    return cut(text, MAX_MESSAGE_CHARS)


def _no_arguments(cls: type[BaseDirective], raw: str) -> None:
    if raw.strip():
        raise DirectiveError(f"{cls.name} takes no arguments, got {as_shown(raw)}")


# ---- what every verb provides -------------------------------------------------------


class DirectiveError(ValueError):
    """Bad arguments for a known verb; raised by ``from_args``, caught by the parsers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Idle:
    """Why a turn holding nothing but this verb leaves its villager idle, told three ways.

    ``end_conversation()`` outside a conversation is accepted and does nothing; a turn of
    nothing else would leave the villager standing with no word of why.
    """

    warning: str  # in hamlet.log, after the villager's name
    note: str  # the line in its memory log
    why: str  # the turn's activity line: "waits: <why>"


class _Talks(Protocol):
    async def start_from_directive(
        self, initiator: str, target_name: str, opening: str
    ) -> None: ...


class Actor(Protocol):
    """What a verb acts on: the simulation is one. Declared here, so that the verbs (and
    the directives and conversations that read them) never import the simulation."""

    @property
    def world(self) -> World: ...

    @property
    def conversations(self) -> _Talks: ...

    async def walk(self, name: str, target: Pos) -> None: ...

    def say(self, name: str, text: str, conversation_id: int | None = None) -> None: ...

    def note(self, name: str, text: str) -> None: ...

    def act_line(self, name: str, text: str) -> None: ...


class BaseDirective:
    """What every directive verb provides: its name, help, parsing, rendering and action."""

    name: ClassVar[str]
    """The verb, lower case, as written by the brain."""
    usage: ClassVar[str]
    """How the call is written, for prompts: ``move_to(x, y)``."""
    help: ClassVar[str]
    """One line describing the directive, for prompts."""
    ends_turn: ClassVar[bool] = False
    """Whether the villager's turn ends with it: directives after it are dropped when the
    answer is read, and never acted on."""
    idle_alone: ClassVar[Idle | None] = None
    """Set when the verb does nothing on a turn of its own (see :class:`Idle`)."""

    @classmethod
    def from_args(cls, raw: str) -> BaseDirective:
        """Build the directive from the text between its parentheses ("" when bare).

        Raises :class:`DirectiveError` when the arguments are wrong.
        """
        raise NotImplementedError

    def render(self) -> str:
        """The canonical one-line text of this directive; it parses back to an equal one."""
        raise NotImplementedError

    async def perform(self, sim: Actor, name: str) -> None:
        """Carry it out for villager ``name``, checked against the world as it is now."""
        raise NotImplementedError

    @classmethod
    def help_line(cls) -> str:
        """The verb's line in the prompt's list of directives."""
        return f"{cls.usage} - {cls.help}"


Directive: TypeAlias = BaseDirective
"""Any parsed directive: an instance of a registered verb."""

REGISTRY: dict[str, type[BaseDirective]] = {}
"""Every directive class by verb, in registration order (the order the prompt lists them)."""

_D = TypeVar("_D", bound="type[BaseDirective]")


def _defines(cls: type[BaseDirective], attr: str) -> bool:
    """Whether ``cls`` has its own ``attr``, not only BaseDirective's placeholder."""
    for klass in cls.__mro__:
        if attr in vars(klass):
            return klass is not BaseDirective
    return False


def lacks(cls: type[BaseDirective]) -> tuple[str, ...]:
    """What of its three parts a verb class is missing: "parse", "help", "handler"."""
    missing: list[str] = []
    if not (_defines(cls, "from_args") and _defines(cls, "render")):
        missing.append("parse")
    verb, usage, text = (getattr(cls, attr, None) for attr in ("name", "usage", "help"))
    if not (
        isinstance(verb, str)
        and isinstance(usage, str)
        and isinstance(text, str)
        and usage.startswith(f"{verb}(")
        and text.strip()
        and "\n" not in usage + text
    ):
        missing.append("help")
    if not _defines(cls, "perform"):
        missing.append("handler")
    return tuple(missing)


def register(cls: _D) -> _D:
    """Class decorator: make a directive class known to the parsers, prompts and turns.

    Refuses a verb that is not a lower-case identifier, is taken, or lacks its parsing or
    its help line. One without a handler is let in (the parser's own tests register verbs
    to read, never to act on) and caught by ``tests/test_verbs.py`` among the game's verbs.
    """
    verb = getattr(cls, "name", None)
    if not isinstance(verb, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", verb):
        raise ValueError(f"directive verbs are lower-case identifiers, got {verb!r}")
    if verb in REGISTRY:
        raise ValueError(f"directive {verb!r} is already registered")
    missing = [part for part in lacks(cls) if part != "handler"]
    if missing:
        raise ValueError(f"directive {verb!r} lacks its {' and '.join(missing)}")
    REGISTRY[verb] = cls
    return cls


def describe_directives() -> str:
    """The help block for prompts: every registered verb's usage and help, one per line."""
    return "\n".join(cls.help_line() for cls in REGISTRY.values())


# ---- the verbs ------------------------------------------------------------------------

_COORD = re.compile(r"(?:([A-Za-z])\s*[=:]\s*)?([+-]?[0-9]{1,9})", re.ASCII)
_BRACKETS = {"(": ")", "[": "]"}


@register
@dataclass(frozen=True)
class MoveTo(BaseDirective):
    """Walk towards the tile at column ``x``, row ``y``."""

    name = "move_to"
    usage = "move_to(x, y)"
    help = "walk towards the tile at column x, row y (whole numbers)"

    x: int
    y: int

    @classmethod
    def from_args(cls, raw: str) -> MoveTo:
        """Accept ``3, 4``, ``-3, +4``, ``x=3, y=4`` (or ``y=4, x=3``) and ``(3, 4)``."""
        text = raw.strip()
        if len(text) >= 2 and text[0] in _BRACKETS and text[-1] == _BRACKETS[text[0]]:
            text = text[1:-1]
        parts = [part.strip() for part in text.split(",")]
        matches = [m for m in map(_COORD.fullmatch, parts) if m is not None]
        if len(parts) != 2 or len(matches) != 2:
            raise DirectiveError(f"move_to expects two whole numbers x, y, got {as_shown(raw)}")
        labels = tuple((m.group(1) or "").lower() for m in matches)
        x, y = (int(m.group(2)) for m in matches)
        if labels == ("y", "x"):
            x, y = y, x
        elif labels[0] not in ("", "x") or labels[1] not in ("", "y"):
            raise DirectiveError(f"move_to expects x and y, got {as_shown(raw)}")
        return cls(x, y)

    def render(self) -> str:
        """``move_to(3, 4)``."""
        return f"move_to({self.x}, {self.y})"

    async def perform(self, sim: Actor, name: str) -> None:
        """A few steps of the way; the rest next turn (see ``Simulation.walk``)."""
        await sim.walk(name, (self.x, self.y))


@register
@dataclass(frozen=True)
class Say(BaseDirective):
    """Say something aloud to whoever is in earshot."""

    name = "say"
    usage = "say(message)"
    help = "say the message out loud; everyone nearby hears it"

    message: str

    @classmethod
    def from_args(cls, raw: str) -> Say:
        """The whole argument text is the message (quoted or bare)."""
        return cls(read_message(raw))

    def render(self) -> str:
        """``say("Hello")`` (the message cleaned and capped like a parsed one)."""
        return f'say("{cut(clean_text(self.message), MAX_MESSAGE_CHARS)}")'

    async def perform(self, sim: Actor, name: str) -> None:
        """A remark aloud; in a conversation, a reply is read by the conversation instead."""
        sim.say(name, self.message)


@register
@dataclass(frozen=True)
class Wait(BaseDirective):
    """Do nothing this turn."""

    name = "wait"
    usage = "wait()"
    help = "do nothing this turn"

    @classmethod
    def from_args(cls, raw: str) -> Wait:
        """No arguments allowed."""
        _no_arguments(cls, raw)
        return cls()

    def render(self) -> str:
        """``wait()``."""
        return "wait()"

    async def perform(self, sim: Actor, name: str) -> None:
        sim.world.entities[name].activity = "waiting"
        sim.note(name, "- Waited.")
        sim.act_line(name, "waits")


_TARGET = re.compile(r"[^\W\d_][\w' .-]*")


@register
@dataclass(frozen=True)
class StartConversation(BaseDirective):
    """Open a conversation with someone next to you; it ends the turn's directives."""

    name = "start_conversation_with"
    usage = "start_conversation_with(Name, message)"
    help = "start talking with Name (who must be next to you) by saying message; ends your turn"
    ends_turn = True

    target: str
    message: str

    @classmethod
    def from_args(cls, raw: str) -> StartConversation:
        """The target is the text before the first comma, the message the rest."""
        head, comma, rest = raw.partition(",")
        target = clean_text(unquote(clean_text(head)))
        if not target:
            raise DirectiveError("missing the name of who to talk to")
        if len(target) > MAX_TARGET_CHARS or not _TARGET.fullmatch(target):
            raise DirectiveError(f"not a name: {as_shown(target)}")
        if not comma:
            raise DirectiveError("missing the opening message")
        return cls(target, read_message(rest, "opening message"))

    def render(self) -> str:
        """``start_conversation_with(Bjorn, "Hello")``."""
        message = cut(clean_text(self.message), MAX_MESSAGE_CHARS)
        return f'start_conversation_with({clean_text(self.target)}, "{message}")'

    async def perform(self, sim: Actor, name: str) -> None:
        """The whole talk, when the conversations allow it; a refusal is warned of there."""
        await sim.conversations.start_from_directive(name, self.target, self.message)


@register
@dataclass(frozen=True)
class EndConversation(BaseDirective):
    """Leave the conversation you are in."""

    name = "end_conversation"
    usage = "end_conversation()"
    help = "leave the conversation you are in"
    idle_alone = Idle(
        warning="only end_conversation() outside a conversation; waiting",
        note="- Had no conversation to end, so I waited.",
        why="its one directive, end_conversation(), had no talk to end",
    )

    @classmethod
    def from_args(cls, raw: str) -> EndConversation:
        """No arguments allowed."""
        _no_arguments(cls, raw)
        return cls()

    def render(self) -> str:
        """``end_conversation()``."""
        return "end_conversation()"

    async def perform(self, sim: Actor, name: str) -> None:
        """Accepted and ignored outside a conversation: in one, the conversation reads it
        as the reply that ends the talk (``parse_reply``)."""
