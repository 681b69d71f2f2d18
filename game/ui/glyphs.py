"""Text as the game's fonts can draw it.

Models like to end a line with an emoji ("Lovely morning! 😊"). None of the game's fonts
(pygame's own, and the Noto Sans fonts that come with pygame-gui) has emoji, so each
would be drawn as an empty box. What is shown drops them; the memory logs keep every
character. A symbol one of the fonts does have (★ ♪ ♥ ☀) is kept.
"""

from __future__ import annotations

import re

from game.ui.fonts import can_draw

# Emoji and pictographs, and the blocks of symbols emoji are also drawn from (technical,
# geometric shapes, miscellaneous symbols, dingbats, arrows), with any spaces before them;
# and what builds emoji out of others: the joiner, variation selectors, keycap, tags.
_SYMBOLS = re.compile(
    "([ \t]*)([\U0001f000-\U0001faff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff"
    "\u200d\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]+)"
)
_BUILDERS = frozenset("\u200d\ufe0e\ufe0f\u20e3") | {chr(c) for c in range(0xE0020, 0xE0080)}


def _shown(ch: str) -> bool:
    return ch not in _BUILDERS and ord(ch) < 0x1F000 and can_draw(ch)


def _keep(match: re.Match[str]) -> str:
    spaces, symbols = match.groups()
    kept = "".join(filter(_shown, symbols))
    return spaces + kept if kept else ""  # an emoji goes with the space before it


def drawable(text: str) -> str:
    """``text`` without the emoji and symbols no font of the game can draw.

    A line that is nothing but emoji is kept whole: boxes at least show that a villager
    said something.
    """
    if _SYMBOLS.search(text) is None:
        return text
    return _SYMBOLS.sub(_keep, text).strip() or text
