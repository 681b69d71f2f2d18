"""Text as the game's fonts can draw it.

Models like to end a line with an emoji ("Lovely morning! 😊"). No font the game has
(pygame's own, and pygame-gui's Noto Sans) holds emoji or pictographs, so each would be
drawn as an empty box. What is shown drops them; the memory logs keep every character.
Chinese, Japanese and Korean are left as they are: boxes there at least say that
something was said.
"""

from __future__ import annotations

import re

# Emoji and pictographs; dingbats and miscellaneous symbols (the sun, the check mark);
# and what builds emoji out of others: joiners, variation selectors, the keycap, tags.
_UNDRAWABLE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u200d\ufe0e\ufe0f\u20e3"
    "\U000e0020-\U000e007f]+"
)
_SPACES = re.compile(r"[ \t]{2,}")


def drawable(text: str) -> str:
    """``text`` without emoji and pictographs, and without the spaces they leave doubled.

    A line that is nothing but emoji is kept whole: boxes at least show that a villager
    said something.
    """
    if _UNDRAWABLE.search(text) is None:
        return text
    shown = _SPACES.sub(" ", _UNDRAWABLE.sub("", text)).strip()
    shown = re.sub(r" +([,.!?;:])", r"\1", shown)
    return shown or text
