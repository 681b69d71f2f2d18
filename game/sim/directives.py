"""Directives: what an NPC's brain answers, one per line, parsed into typed values.

A brain (an LLM or the offline scripted brain) answers each turn with lines like::

    move_to(3, 4)
    say("Good morning!")
    start_conversation_with(Bjorn, "Have you seen my goat?")

The parser is **tolerant in form, strict in meaning, and never raises**.

A reasoning model's thinking is not part of its answer: everything up to the last
``</think>`` is dropped, and so is an unclosed ``<think>`` and all after it (also
``<thinking>``). A model thinking "move_to(0, 0) is too far" must not be walked there.

Form tolerance (per line):

* code fence lines (```` ``` ```` or ``~~~``, with or without a language tag) are skipped;
* leading bullets (``-``, ``*``, ``•``, ``+``), numbering (``1.``, ``2)``, ``(3)``),
  ``>`` quote markers, backticks and bold markers (``**``, ``__``) are stripped, as are
  trailing backticks/bold markers, whitespace and a trailing ``;`` or ``.``;
* verb names are case-insensitive and may be followed by spaces before ``(``;
  ``wait`` and ``end_conversation`` may be written without parentheses;
* the arguments are everything between the first ``(`` after the verb and the LAST
  ``)`` on the line (a missing final ``)`` is tolerated; text after the last ``)`` is
  ignored). One pair of matching surrounding quotes (``"…"``, ``'…'``, ``“…”``,
  ``‘…’``) is stripped from a message, so messages may contain commas, parentheses,
  colons and quotes of another kind, or be written bare. Messages are cleaned: control
  characters removed, whitespace collapsed, capped at :data:`MAX_MESSAGE_CHARS`.

Strict meaning:

* a line starting with ``word(`` (no space before the parenthesis) where ``word`` is
  not a known verb is skipped with a warning (``Hmm (thinking)``, with a space, is prose);
* a known verb (followed by ``(``, or alone) with bad arguments is skipped with a warning;
* two calls on one line (``move_to(3, 4); say("hi")``, i.e. a ``)`` followed by a
  known verb and ``(``) are skipped with a warning rather than read as one long call;
* any other line is prose and is ignored silently.

**Prose with a call in it.** A known directive written after a short label ending in
``:`` is accepted: ``Action: move_to(3, 4)``, ``Ada: say("Hi")``, ``**Next:** wait``
(the label is at most 40 characters and 5 words, without parentheses or quotes). A
call buried later in a sentence (``I think I will say(hello)``) is NOT carried out --
the model may be thinking aloud -- but the line is reported with a warning, because
usually it means the model forgot the format. A label that is itself a verb
(``say: hello``) is reported as a malformed directive.

Every warning is one line naming the NPC and quoting the offending line (cut to about
80 characters), e.g. ``Ada: skipped "fly_to(3, 4)": unknown directive 'fly_to'``. At
most :data:`MAX_WARNINGS` line warnings are kept per answer, followed by one summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, TypeAlias, TypeVar

from game.text import cut, one_line

__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_TARGET_CHARS",
    "MAX_WARNINGS",
    "REGISTRY",
    "BaseDirective",
    "Directive",
    "DirectiveError",
    "EndConversation",
    "MoveTo",
    "ParseResult",
    "Say",
    "StartConversation",
    "Wait",
    "describe_directives",
    "parse_directives",
    "parse_reply",
    "says_then_ends",
    "register",
]

MAX_MESSAGE_CHARS = 300
"""Longest message kept; longer ones are cut and end with an ellipsis."""

MAX_TARGET_CHARS = 40
"""Longest conversation target name accepted."""

MAX_WARNINGS = 20
"""Line warnings kept per answer; any more are summarised in one extra warning."""

_SHOWN_LINE_CHARS = 80

# ---- text helpers -------------------------------------------------------------------

# What a message may contain and how it is cut are decided in game.text, for all who
# keep or show such text: one_line drops control characters (whitespace ones become
# spaces) and lone surrogates, which cannot even be written to a UTF-8 log.

_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’"}


def as_shown(text: str) -> str:
    """A model's answer as a warning quotes it: one line, cut to a readable length."""
    return '"' + cut(one_line(text), _SHOWN_LINE_CHARS) + '"'


def _unquote(text: str) -> str:
    """Strip one pair of matching surrounding quotes.

    A lone opening double quote with no other double quote after it (``"Hello`` from a
    reply cut short) is stripped too; a lone single quote is kept (``'tis``).
    """
    if len(text) >= 2 and text[0] in _QUOTE_PAIRS and text[-1] == _QUOTE_PAIRS[text[0]]:
        return text[1:-1]
    if text[:1] in ('"', "“") and _QUOTE_PAIRS[text[0]] not in text[1:]:
        return text[1:]
    return text


def _message(raw: str, what: str = "message") -> str:
    text = one_line(_unquote(one_line(raw)))
    if not text:
        raise DirectiveError(f"empty {what}")
    return cut(text, MAX_MESSAGE_CHARS)


# ---- directive classes ----------------------------------------------------------------


class DirectiveError(ValueError):
    """Bad arguments for a known verb; raised by ``from_args``, caught by the parsers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BaseDirective:
    """What every directive class provides: its verb, usage, help, parsing and rendering."""

    name: ClassVar[str]
    """The verb, lower case, as written by the brain."""
    usage: ClassVar[str]
    """How the call is written, for prompts: ``move_to(x, y)``."""
    help: ClassVar[str]
    """One line describing the directive, for prompts."""

    @classmethod
    def from_args(cls, raw: str) -> Directive:
        """Build the directive from the text between its parentheses ("" when bare).

        Raises :class:`DirectiveError` when the arguments are wrong.
        """
        raise NotImplementedError

    def render(self) -> str:
        """The canonical one-line text of this directive; it parses back to an equal one."""
        raise NotImplementedError


REGISTRY: dict[str, type[BaseDirective]] = {}
"""Every directive class by verb, in registration order."""

_D = TypeVar("_D", bound="type[BaseDirective]")


def register(cls: _D) -> _D:
    """Class decorator: make a directive class known to the parsers and prompts."""
    verb = cls.name
    if verb != verb.lower() or not re.fullmatch(r"[a-z][a-z0-9_]*", verb):
        raise ValueError(f"directive verbs are lower-case identifiers, got {verb!r}")
    if verb in REGISTRY:
        raise ValueError(f"directive {verb!r} is already registered")
    REGISTRY[verb] = cls
    return cls


def _no_arguments(cls: type[BaseDirective], raw: str) -> None:
    if raw.strip():
        raise DirectiveError(f"{cls.name} takes no arguments, got {as_shown(raw)}")


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
        return cls(_message(raw))

    def render(self) -> str:
        """``say("Hello")`` (the message cleaned and capped like a parsed one)."""
        return f'say("{cut(one_line(self.message), MAX_MESSAGE_CHARS)}")'


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


_TARGET = re.compile(r"[^\W\d_][\w' .-]*")


@register
@dataclass(frozen=True)
class StartConversation(BaseDirective):
    """Open a conversation with someone next to you; it ends the turn's directives."""

    name = "start_conversation_with"
    usage = "start_conversation_with(Name, message)"
    help = "start talking with Name (who must be next to you) by saying message; ends your turn"

    target: str
    message: str

    @classmethod
    def from_args(cls, raw: str) -> StartConversation:
        """The target is the text before the first comma, the message the rest."""
        head, comma, rest = raw.partition(",")
        target = one_line(_unquote(one_line(head)))
        if not target:
            raise DirectiveError("missing the name of who to talk to")
        if len(target) > MAX_TARGET_CHARS or not _TARGET.fullmatch(target):
            raise DirectiveError(f"not a name: {as_shown(target)}")
        if not comma:
            raise DirectiveError("missing the opening message")
        return cls(target, _message(rest, "opening message"))

    def render(self) -> str:
        """``start_conversation_with(Bjorn, "Hello")``."""
        message = cut(one_line(self.message), MAX_MESSAGE_CHARS)
        return f'start_conversation_with({one_line(self.target)}, "{message}")'


@register
@dataclass(frozen=True)
class EndConversation(BaseDirective):
    """Leave the conversation you are in."""

    name = "end_conversation"
    usage = "end_conversation()"
    help = "leave the conversation you are in"

    @classmethod
    def from_args(cls, raw: str) -> EndConversation:
        """No arguments allowed."""
        _no_arguments(cls, raw)
        return cls()

    def render(self) -> str:
        """``end_conversation()``."""
        return "end_conversation()"


Directive: TypeAlias = MoveTo | Say | Wait | StartConversation | EndConversation
"""Any parsed directive."""


@dataclass(frozen=True)
class ParseResult:
    """What :func:`parse_directives` found: directives to carry out, and warnings to log."""

    directives: tuple[Directive, ...]
    warnings: tuple[str, ...]


def describe_directives() -> str:
    """The help block for prompts: every registered verb's usage and help, one per line."""
    return "\n".join(f"{cls.usage} - {cls.help}" for cls in REGISTRY.values())


# ---- line parsing -------------------------------------------------------------------

_FENCE = re.compile(r"\s*(?:```|~~~)[\w+#.-]*\s*")
# Any run of bullets, numbering, quote markers, backticks, bold markers and whitespace.
# Every alternative consumes a character, and the match can always stop, so this is linear.
_PREFIX = re.compile(r"(?:\s|[\ufeff\u200b>*•+-]|\(\d{1,3}\)|\d{1,3}[.)]|`|__)*")
_TRAILING = frozenset(" ;.*`_")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\s*)\(", re.ASCII)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# move_to as MoveTo.render writes it, which most turn answers are (the offline brain's
# always): read at once, with the same result as the general rules below.
_PLAIN_MOVE = re.compile(r"move_to\((-?\d{1,9}), (-?\d{1,9})\)", re.ASCII)
_LABEL = re.compile(r"([^:()\"“”]{1,40}):")


@lru_cache(maxsize=4)
def _known_call_pattern(verbs: tuple[str, ...]) -> re.Pattern[str]:
    """Finds a known verb followed by ``(`` anywhere in a line."""
    alternatives = "|".join(sorted((re.escape(v) for v in verbs), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\(", re.IGNORECASE)


@lru_cache(maxsize=4)
def _second_call_pattern(verbs: tuple[str, ...]) -> re.Pattern[str]:
    """Finds a call closed and followed by another known call: ``say(hi); wait(``."""
    alternatives = "|".join(sorted((re.escape(v) for v in verbs), key=len, reverse=True))
    return re.compile(rf"\)[\s;,]*(?:{alternatives})\(", re.IGNORECASE)


def _strip_form(line: str) -> str:
    """Remove the decoration around a directive: prefixes and trailing junk."""
    body = line[_PREFIX.match(line).end() :]  # type: ignore[union-attr]  # always matches
    end = len(body)
    while end and (body[end - 1] in _TRAILING or body[end - 1].isspace()):
        end -= 1
    return body[:end]


# A line's outcome: a directive, a reason it was rejected, or (None, None) for prose.
_Outcome: TypeAlias = "tuple[Directive | None, str | None]"
_PROSE: tuple[None, None] = (None, None)


def _build(cls: type[BaseDirective], raw: str) -> _Outcome:
    try:
        return cls.from_args(raw), None
    except DirectiveError as exc:
        return None, exc.reason


def _parse_call(body: str) -> _Outcome | None:
    """Parse ``body`` if it starts with a call; None when it does not look like one."""
    match = _CALL.match(body)
    if match is not None:
        verb, spaced = match.group(1), bool(match.group(2))
        cls = REGISTRY.get(verb.lower())
        if cls is None:
            # "Hmm (thinking)" is prose; "fly_to(3, 4)" is an attempt at a directive.
            return None if spaced else (None, f"unknown directive {verb!r}")
        rest = body[match.end() :]
        if _second_call_pattern(tuple(REGISTRY)).search(rest):
            return None, "one directive per line"
        close = rest.rfind(")")
        return _build(cls, rest if close < 0 else rest[:close])
    if _WORD.fullmatch(body):
        cls = REGISTRY.get(body.lower())
        if cls is not None:
            return _build(cls, "")
    return None


@lru_cache(maxsize=8192)  # villagers say the same lines again and again; outcomes are frozen
def _parse_line(line: str) -> _Outcome:
    """One line of an answer: a directive, a rejection reason, or prose."""
    plain = _PLAIN_MOVE.fullmatch(line)
    if plain is not None:
        return MoveTo(int(plain.group(1)), int(plain.group(2))), None
    if _FENCE.fullmatch(line):
        return _PROSE
    body = _strip_form(line)
    if not body:
        return _PROSE
    outcome = _parse_call(body)
    if outcome is not None:
        return outcome
    label = _LABEL.match(body)
    if label is not None and len(label.group(1).split()) <= 5:
        verb = _strip_form(label.group(1)).lower()
        if verb in REGISTRY:
            return None, f"expected {REGISTRY[verb].usage}"
        outcome = _parse_call(_strip_form(body[label.end() :]))
        if outcome is not None:
            return outcome
    if _known_call_pattern(tuple(REGISTRY)).search(body):
        return None, "not carried out: a directive must start its line"
    return _PROSE


_THINK_END = re.compile(r"</think(?:ing)?>", re.IGNORECASE)
_THINK_START = re.compile(r"<think(?:ing)?>", re.IGNORECASE)


def without_thinking(text: str) -> str:
    """``text`` without a reasoning model's thinking (see the module docstring)."""
    if "<" not in text:  # no tag of any case: the usual answer
        return text
    ends = list(_THINK_END.finditer(text))
    if ends:
        text = text[ends[-1].end() :]
    start = _THINK_START.search(text)
    return text[: start.start()] if start else text


def _lines(text: object) -> list[str]:
    if text is None:
        return []
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return without_thinking(str(text)).splitlines()


def _cap_warnings(who: str, warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    extra = len(warnings) - MAX_WARNINGS
    return [*warnings[:MAX_WARNINGS], f"{who}: {extra} more warning(s) not shown"]


def _speaker(who: object) -> str:
    """The NPC name as shown in warnings: one clean line, never empty."""
    if type(who) is str:
        return _speaker_name(who)
    try:
        return cut(one_line(str(who)), 40) or "NPC"
    except Exception:  # noqa: BLE001 - a broken name must not break parsing
        return "NPC"


@lru_cache(maxsize=4096)  # every answer is parsed for a villager whose name was seen before
def _speaker_name(who: str) -> str:
    return cut(one_line(who), 40) or "NPC"


def _listing(directives: Iterable[Directive]) -> str:
    return cut(", ".join(d.render() for d in directives), _SHOWN_LINE_CHARS)


# ---- public parsers -----------------------------------------------------------------


def parse_directives(text: str | None, *, who: str = "NPC", limit: int = 5) -> ParseResult:
    """Parse a turn's answer into at most ``limit`` directives, plus warnings. Never raises.

    Lines are read in order (see the module docstring for the rules). A
    :class:`StartConversation` always ends the list: valid directives after it are
    dropped with one warning. Beyond ``limit`` (a negative limit counts as 0), extra
    directives are dropped with one warning saying how many.
    """
    speaker = _speaker(who)
    try:
        return _parse_directives(text, who=speaker, limit=limit)
    except Exception as exc:  # noqa: BLE001 - the contract is to never raise
        return ParseResult((), (f"{speaker}: could not read the answer ({type(exc).__name__})",))


def _parse_directives(text: str | None, *, who: str, limit: int) -> ParseResult:
    limit = max(int(limit), 0)
    found: list[Directive] = []
    warnings: list[str] = []
    for line in _lines(text):
        directive, reason = _parse_line(line)
        if directive is not None:
            found.append(directive)
        elif reason is not None:
            warnings.append(f"{who}: skipped {as_shown(line)}: {reason}")
    warnings = _cap_warnings(who, warnings)

    cut = next((i for i, d in enumerate(found) if isinstance(d, StartConversation)), None)
    if cut is not None and cut < limit:
        kept, dropped = found[: cut + 1], found[cut + 1 :]
        if dropped:
            warnings.append(
                f"{who}: dropped {len(dropped)} directive(s) after "
                f"{found[cut].name}, which ends the turn: {_listing(dropped)}"
            )
    else:
        kept, dropped = found[:limit], found[limit:]
        if dropped:
            warnings.append(
                f"{who}: dropped {len(dropped)} directive(s) over the limit of {limit}: "
                f"{_listing(dropped)}"
            )
    return ParseResult(tuple(kept), tuple(warnings))


def parse_reply(
    text: str | None, *, who: str = "NPC"
) -> tuple[Say | EndConversation | None, tuple[str, ...]]:
    """Parse a conversation reply: the FIRST ``say`` or ``end_conversation``. Never raises.

    Other directives before it are ignored with a warning; malformed lines are warned
    about as in :func:`parse_directives`. A reply with no such directive -- including a
    plain sentence such as ``Hello there!`` or ``Bjorn: "Hello there!"`` where the model
    forgot the syntax -- gives ``None`` (the caller decides what to do, see
    :func:`prose_line`; no warning is added for that here).
    """
    speaker = _speaker(who)
    try:
        warnings: list[str] = []
        answer: Say | EndConversation | None = None
        for line in _lines(text):
            directive, reason = _parse_line(line)
            if isinstance(directive, (Say, EndConversation)):
                answer = directive
                break
            if directive is not None:
                reason = f"{directive.name} is not allowed in a conversation reply"
            if reason is not None:
                warnings.append(f"{speaker}: skipped {as_shown(line)}: {reason}")
        return answer, tuple(_cap_warnings(speaker, warnings))
    except Exception as exc:  # noqa: BLE001 - the contract is to never raise
        return None, (f"{speaker}: could not read the reply ({type(exc).__name__})",)


_PROSE_LINES = 3  # a spoken reply in prose is a sentence or two, maybe broken over lines
_NOT_SPEECH = re.compile(r"^\s*([{\[<`~]|```)|\w\s*\(")  # JSON, markup, code, calls
_SPEAKER_LABEL = re.compile(r"^\s*[\w' -]{1,24}(?: says| said)?\s*:\s*", re.IGNORECASE)


def prose_line(text: str | None, *, speaker: str = "") -> str | None:
    """A conversation reply written as plain words, as the line it says; else None.

    Small models often answer a conversation in prose (``Aye, the river's high today.``)
    instead of ``say(...)``. Up to three short lines of words with no call, JSON, markup
    or code in them are taken as the line said: quotes and a leading ``Bram:`` or
    ``Bram said:`` are dropped, and it is cleaned and capped like any message. Never raises.
    """
    try:
        lines = [line for line in _lines(text) if line.strip()]
        if not lines or len(lines) > _PROSE_LINES or any(_NOT_SPEECH.search(x) for x in lines):
            return None
        said = one_line(" ".join(lines))
        label = _SPEAKER_LABEL.match(said)
        if label and (not speaker or speaker.lower() in label.group().lower()):
            said = said[label.end() :]
        said = _message(said)  # unquoted, cleaned and capped as say(...)'s message is
        return said if any(ch.isalpha() for ch in said) else None
    except DirectiveError:  # nothing left to say
        return None
    except Exception:  # noqa: BLE001 - as parse_reply, never raises
        return None


def says_then_ends(text: str | None) -> bool:
    """Whether a conversation reply says its line and then ends the talk: a ``say`` read
    by :func:`parse_reply`, with an ``end_conversation`` on a line after it. Never raises."""
    try:
        said = False
        for line in _lines(text):
            directive, _ = _parse_line(line)
            if isinstance(directive, Say) and not said:
                said = True
            elif isinstance(directive, EndConversation):
                return said
        return False
    except Exception:  # noqa: BLE001 - as parse_reply, never raises
        return False
