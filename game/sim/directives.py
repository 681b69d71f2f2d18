"""Directives: what an NPC's brain answers, one per line, parsed into typed values.

The verbs themselves -- their arguments, their line of help and what they do -- are
declared in :mod:`game.sim.verbs`; this module reads the lines around them.

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
from typing import TypeAlias

from game.sim.verbs import (
    MAX_MESSAGE_CHARS,
    MAX_TARGET_CHARS,
    REGISTRY,
    SHOWN_LINE_CHARS,
    BaseDirective,
    Directive,
    DirectiveError,
    EndConversation,
    MoveTo,
    Say,
    StartConversation,
    Wait,
    as_shown,
    clean_text,
    describe_directives,
    read_message,
    register,
)
from game.text import cut

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
    "clean_text",
    "describe_directives",
    "parse_directives",
    "parse_reply",
    "says_then_ends",
    "register",
]

MAX_WARNINGS = 20
"""Line warnings kept per answer; any more are summarised in one extra warning."""

_truncate = cut
_show = as_shown  # a line as quoted in a warning: one line, at most ~80 characters
_message = read_message


@dataclass(frozen=True)
class ParseResult:
    """What :func:`parse_directives` found: directives to carry out, and warnings to log."""

    directives: tuple[Directive, ...]
    warnings: tuple[str, ...]


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


_read_with: tuple[type[BaseDirective], ...] = ()  # the verbs the cached outcomes were read with


def _lines(text: object) -> list[str]:
    global _read_with
    verbs = tuple(REGISTRY.values())
    if verbs != _read_with:  # a verb came or went (a test's own): what lines meant has changed
        _read_with = verbs
        _parse_line.cache_clear()
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
        return _truncate(clean_text(str(who)), 40) or "NPC"
    except Exception:  # noqa: BLE001 - a broken name must not break parsing
        return "NPC"


@lru_cache(maxsize=4096)  # every answer is parsed for a villager whose name was seen before
def _speaker_name(who: str) -> str:
    return _truncate(clean_text(who), 40) or "NPC"


def _listing(directives: Iterable[Directive]) -> str:
    return _truncate(", ".join(d.render() for d in directives), SHOWN_LINE_CHARS)


# ---- public parsers -----------------------------------------------------------------


def parse_directives(text: str | None, *, who: str = "NPC", limit: int = 5) -> ParseResult:
    """Parse a turn's answer into at most ``limit`` directives, plus warnings. Never raises.

    Lines are read in order (see the module docstring for the rules). A directive whose
    verb ends the turn (:class:`StartConversation`) always ends the list: valid
    directives after it are dropped with one warning. Beyond ``limit`` (a negative limit
    counts as 0), extra directives are dropped with one warning saying how many.
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
            warnings.append(f"{who}: skipped {_show(line)}: {reason}")
    warnings = _cap_warnings(who, warnings)

    cut = next((i for i, d in enumerate(found) if d.ends_turn), None)
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
                warnings.append(f"{speaker}: skipped {_show(line)}: {reason}")
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
        said = clean_text(" ".join(lines))
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
