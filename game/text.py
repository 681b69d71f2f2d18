"""What text from a model or the player may contain, and how it is cut: one place for both.

Models and players write anything: control characters, terminal escapes, lone
surrogates, right-to-left overrides, HTML. Each place that keeps or shows such text
asks here for the form it needs:

- :func:`one_line` - a line for the village (a message, a target's name): control
  characters gone, whitespace collapsed;
- :func:`player_line` - what the player typed, made one line and capped;
- :func:`for_screen` - what pygame may draw (format, private and unassigned characters
  dropped too);
- :func:`for_markdown` - text in a memory log a reader opens in a markdown viewer: bidi
  controls dropped (they reorder what is shown, so a log could read other than it was
  said), and ``<``, ``>`` and ``&`` escaped so no viewer runs or draws it as HTML;
- :func:`for_record` - a model's raw reply as ``replies.jsonl`` keeps it: its lines, with
  nothing a terminal or a viewer would act on;
- :func:`cut` - text longer than a limit ends in an ellipsis (at a sentence's end, if
  asked); :func:`brief` - one line, cut so (what a server or an error said, quoted);
  :func:`cut_to_width` - the same cut, measured in a font's pixels;
- :func:`as_sentence` - text that ends a sentence, for a message built around it.

Every other character is kept as it was said: accents, CJK, emoji.

Nothing else in the game strips control characters, collapses whitespace or cuts with an
ellipsis on its own (``tests/test_text.py`` looks for copies). This module imports
nothing of the game, so content, ui, sim and brains may all use it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

__all__ = [
    "BIDI_CONTROLS",
    "ELLIPSIS",
    "TextMeasurer",
    "as_sentence",
    "brief",
    "cut",
    "cut_to_width",
    "for_markdown",
    "for_record",
    "for_screen",
    "one_line",
    "player_line",
    "strip_bidi",
]

ELLIPSIS = "…"

#: The explicit bidi formatting characters: embeddings and overrides (U+202A-U+202E),
#: isolates (U+2066-U+2069) and the marks (LRM, RLM, the Arabic letter mark). Joiners
#: (U+200C, U+200D) are not among them: emoji and many scripts need those.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")

# Control characters that are not whitespace (whitespace ones become spaces), and lone
# surrogates, which cannot even be written to a UTF-8 log. U+0085 (next line) is
# whitespace to str.split.
_LINE_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
# Every C0 and C1 control, for what the player types (each becomes a space).
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A raw reply keeps its lines and tabs; every other control goes, bidi controls too.
_RECORD_DROP = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{BIDI_CONTROLS}]")
_SCREEN_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def cut(text: str, limit: int, *, at_sentence: bool = False) -> str:
    """``text``, or its start and an ellipsis: at most ``limit`` characters in all.

    With ``at_sentence``, the start ends where a sentence does (". ", "! ", "? ") if one
    ends in its second half: a server's advice is not cut in the middle.
    """
    if len(text) <= limit:
        return text
    start = text[: max(limit - 1, 0)]
    if at_sentence:
        end = max(start.rfind(". "), start.rfind("! "), start.rfind("? "))
        if end > limit // 2:
            start = start[: end + 1]
    return start.rstrip() + ELLIPSIS


def brief(text: str, limit: int = 400) -> str:
    """``text`` on one line (:func:`one_line`), cut at a sentence's end where there is one
    (:func:`cut`): what a server or an error said, quoted in a line of the game's own."""
    return cut(one_line(text), limit, at_sentence=True)


class TextMeasurer(Protocol):
    """Anything with a ``size(text) -> (w, h)``: a pygame font or a pygame-gui font."""

    def size(self, text: str) -> tuple[int, int]: ...


def cut_to_width(text: str, width: int, font: TextMeasurer, *, more: bool = False) -> str:
    """:func:`cut` in pixels: ``text``, or its start and an ellipsis, at most ``width``
    wide in ``font`` (the ellipsis alone where not one character fits). With ``more``
    the ellipsis comes even when ``text`` fits: more follows that is not shown (the
    lines after a bubble's last)."""
    if not more and font.size(text)[0] <= width:
        return text
    text = text.rstrip()
    while text and font.size(text + ELLIPSIS)[0] > width:
        text = text[:-1].rstrip()
    return text + ELLIPSIS


def as_sentence(text: str) -> str:
    """``text`` ending as a sentence does: a full stop is added unless it ends in one, or
    in ``!``, ``?`` or an ellipsis."""
    return text if text.endswith((".", "!", "?", ELLIPSIS)) else text + "."


def strip_bidi(text: str) -> str:
    """``text`` without bidi controls (see :data:`BIDI_CONTROLS`)."""
    return _BIDI.sub("", text)


def one_line(text: str) -> str:
    """Drop control characters and collapse every run of whitespace to one space."""
    return " ".join(_LINE_CONTROL.sub("", text).split())


def player_line(text: str, limit: int) -> str:
    """What the player typed: control characters become spaces, lone surrogates go,
    whitespace collapses, and at most ``limit`` characters are kept."""
    text = " ".join(_ANY_CONTROL.sub(" ", _SURROGATE.sub("", text)).split())
    return text[:limit]


def for_screen(text: str, *, keep_newlines: bool = False) -> str:
    """Make text safe to draw.

    Tabs, carriage returns and (unless ``keep_newlines``) newlines become spaces; every other
    control, format, surrogate or unassigned character is dropped. Runs of spaces collapse.
    """
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append("\n")
        elif ch in "\t\r\n\v\f":
            out.append(" ")
        elif unicodedata.category(ch) not in _SCREEN_DROP:
            out.append(ch)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(lines).strip()


def for_markdown(text: str) -> str:
    """Text as a markdown log writes it: bidi controls dropped, ``&``, ``<`` and ``>``
    written as ``&amp;``, ``&lt;`` and ``&gt;`` (a viewer shows them as the characters;
    ``<script>`` or ``<img onerror=...>`` is never taken for HTML). All else is kept."""
    return _BIDI.sub("", text).translate(_HTML)


def for_record(text: str) -> str:
    """A model's raw reply as kept for reading later: its lines (``\\r\\n`` read as one
    break) and tabs, nothing else of the control characters, no bidi controls and no
    lone surrogates."""
    return _RECORD_DROP.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
