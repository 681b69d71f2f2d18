"""Text as the game's fonts can draw it.

Models like to end a line with an emoji ("Lovely morning! 😊"), and a villager's lines may
be written in a script none of the game's fonts has (Malayalam, Thai, Ethiopic...). Each
such character would be drawn as an empty box, or, since the fonts leave them out, as a
gap. What is shown drops them, with the spaces before them; the memory logs keep every
character. A symbol one of the fonts does have (★ ♪ ♥ ☀) is kept.
"""

from __future__ import annotations

from game.text import ELLIPSIS
from game.ui.fonts import can_draw

# What builds emoji out of others: the joiner, variation selectors, keycap, tags. Alone
# they draw nothing, or (the keycap) a frame round whatever is before them.
_BUILDERS = frozenset("\u200d\ufe0e\ufe0f\u20e3") | {chr(c) for c in range(0xE0020, 0xE0080)}


def _shown(ch: str) -> bool:
    return ch not in _BUILDERS and can_draw(ch)


def drawable(text: str) -> str:
    """``text`` without the emoji and characters no font of the game can draw, each run
    of them going with the spaces before it.

    A line with nothing left to show is an ellipsis: the bubble still shows that the
    villager said something, and no box is drawn.
    """
    if text.isascii():
        return text
    kept: list[str] = []
    dropped = False
    for ch in text:
        if _shown(ch):
            kept.append(ch)
            continue
        dropped = True
        while kept and kept[-1] in " \t":
            kept.pop()
    if not dropped:
        return text
    return "".join(kept).strip() or ELLIPSIS
