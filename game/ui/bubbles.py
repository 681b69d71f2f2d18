"""Speech bubbles over the speakers' heads.

Each bubble is rendered once, when its line is said, into a small surface: a white rounded
box with a dark outline, the word-wrapped text and a tail at the bottom centre pointing down
at the speaker. ``update`` ages the bubbles and, once one starts to fade, sets the alpha of a
cached per-pixel-alpha copy of it; ``draw`` only blits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pygame

PAD = 6  # between the outline and the text
BORDER = 2  # outline thickness
RADIUS = 7
TAIL_H = 8  # how far the tail reaches below the box
TAIL_HALF = 6  # half the width of the tail where it meets the box
MAX_LINES = 6
ELLIPSIS = "\u2026"
MAX_CHARS = 2000  # nobody reads more than this in a bubble; spares wrapping 10 KB replies

BG = (255, 255, 255)
OUTLINE = (52, 38, 32)
TEXT = (40, 30, 26)
KEY = (255, 0, 255)  # colour key: the transparent corners and the sides of the tail

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


class TextMeasurer(Protocol):
    """Anything with a ``size(text) -> (w, h)``: a pygame font or a pygame-gui font."""

    def size(self, text: str) -> tuple[int, int]: ...


def clean_text(text: str, *, keep_newlines: bool = False) -> str:
    """Make model output safe to draw.

    Tabs, carriage returns and (unless ``keep_newlines``) newlines become spaces; every other
    control, format, surrogate or unassigned character is dropped. Runs of spaces collapse.
    """
    out: list[str] = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append("\n")
        elif ch in "\t\r\n\v\f":
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP_CATEGORIES:
            out.append(ch)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(lines).strip()


def _break_word(font: TextMeasurer, word: str, max_width: int) -> list[str]:
    """Split one word that is too wide into pieces that each fit (at least one char each)."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        lo, hi = start + 1, len(word)  # find the longest prefix word[start:end] that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.size(word[start:mid])[0] <= max_width:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(word[start:lo])
        start = lo
    return pieces


def wrap_text(
    font: TextMeasurer, text: str, max_width: int, max_lines: int | None = None
) -> list[str]:
    """Greedy word wrap: every returned line is at most ``max_width`` px wide in ``font``.

    Words wider than the limit are broken between characters. Whitespace separates words
    (newlines included). With ``max_lines`` it stops early once it has ``max_lines + 1``
    lines, so callers can tell that the text was cut short.
    """
    max_width = max(1, int(max_width))
    lines: list[str] = []
    line = ""
    for word in text.split():
        if max_lines is not None and len(lines) > max_lines:
            break
        if line:
            joined = line + " " + word
            if font.size(joined)[0] <= max_width:
                line = joined
                continue
            lines.append(line)
        if font.size(word)[0] <= max_width:
            line = word
        else:
            *full, line = _break_word(font, word, max_width)
            lines.extend(full)
    if line:
        lines.append(line)
    if max_lines is not None:
        return lines[: max_lines + 1]
    return lines


def ellipsize(font: TextMeasurer, line: str, max_width: int) -> str:
    """``line`` with an ellipsis on the end, trimmed until it fits."""
    line = line.rstrip()
    while line and font.size(line + ELLIPSIS)[0] > max_width:
        line = line[:-1].rstrip()
    return line + ELLIPSIS


def render_bubble(font: pygame.font.Font, lines: list[str]) -> pygame.Surface:
    """The bubble surface for already-wrapped ``lines``; the tail tip is its bottom centre."""
    rendered = [font.render(line, True, TEXT, BG) for line in lines]
    line_h = font.get_linesize()
    text_w = max((s.get_width() for s in rendered), default=0)
    inset = PAD + BORDER
    box_w = max(text_w + 2 * inset, 2 * (TAIL_HALF + RADIUS) + 1)
    box_w += (box_w + 1) % 2  # odd width, so the tail tip sits on an exact centre pixel
    box_h = len(rendered) * line_h + 2 * inset
    surface = pygame.Surface((box_w, box_h + TAIL_H))
    surface.fill(KEY)
    pygame.draw.rect(surface, OUTLINE, (0, 0, box_w, box_h), border_radius=RADIUS)
    inner = pygame.Rect(BORDER, BORDER, box_w - 2 * BORDER, box_h - 2 * BORDER)
    pygame.draw.rect(surface, BG, inner, border_radius=max(1, RADIUS - BORDER))
    cx = box_w // 2
    tip_y = box_h + TAIL_H - 1
    base_y = box_h - BORDER
    pygame.draw.polygon(
        surface, OUTLINE, [(cx - TAIL_HALF - 1, base_y), (cx + TAIL_HALF + 1, base_y), (cx, tip_y)]
    )
    pygame.draw.polygon(
        surface,
        BG,
        [(cx - TAIL_HALF + 1, base_y - 1), (cx + TAIL_HALF - 1, base_y - 1), (cx, tip_y - 3)],
    )
    x0 = inset + (box_w - 2 * inset - text_w) // 2
    for i, line_surface in enumerate(rendered):
        surface.blit(line_surface, (x0, inset + i * line_h))
    if pygame.display.get_surface() is not None:
        surface = surface.convert()
    surface.set_colorkey(KEY, pygame.RLEACCEL)  # run-length encoded: the fastest opaque blit
    return surface


def fading_copy(surface: pygame.Surface) -> pygame.Surface:
    """A per-pixel-alpha copy of a bubble, to fade with ``set_alpha``.

    Changing the alpha of the colour-keyed, run-length-encoded original would re-encode it
    on every blit (and colour key plus alpha blits slowly); this copy blends quickly.
    """
    copy = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    copy.blit(surface, (0, 0))
    return copy.convert_alpha() if pygame.display.get_surface() is not None else copy


@dataclass(frozen=True)
class BubbleInfo:
    """What tests may inspect about a live bubble."""

    text: str
    age: float
    alpha: int
    size: tuple[int, int]
    lines: tuple[str, ...] = ()


@dataclass
class _Bubble:
    text: str
    lines: tuple[str, ...]
    surface: pygame.Surface  # opaque, colour-keyed
    age: float = 0.0
    alpha: int = 255
    faded: pygame.Surface | None = None  # made when the fade starts

    def image(self) -> pygame.Surface:
        return self.faded if self.faded is not None else self.surface


class SpeechBubbles:
    """One bubble per speaker; opaque for ``duration`` seconds, then fading out over ``fade``."""

    def __init__(
        self,
        font: pygame.font.Font,
        *,
        max_text_width: int = 200,
        duration: float = 3.0,
        fade: float = 0.6,
    ) -> None:
        self.font = font
        self.max_text_width = max_text_width
        self.duration = duration
        self.fade = fade
        self._bubbles: dict[str, _Bubble] = {}
        self._layout_key: object = None  # what the bubbles were last placed for
        self._layout: list[tuple[int, int]] = []

    @property
    def text_width_limit(self) -> int:
        """The widest a line of bubble text may be, in pixels."""
        return self.max_text_width

    def say(self, speaker: str, text: str) -> None:
        """Show ``text`` over ``speaker``, replacing whatever they were saying."""
        shown = clean_text(text[: MAX_CHARS * 2])[:MAX_CHARS]
        if not shown:
            return
        lines = wrap_text(self.font, shown, self.max_text_width, MAX_LINES)
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES]
            lines[-1] = ellipsize(self.font, lines[-1], self.max_text_width)
        self._bubbles.pop(speaker, None)  # re-insert so the newest bubble draws on top
        self._bubbles[speaker] = _Bubble(shown, tuple(lines), render_bubble(self.font, lines))

    def update(self, dt: float) -> None:
        """Age every bubble, fade the old ones and drop the finished ones."""
        gone: list[str] = []
        duration = self.duration
        for speaker, bubble in self._bubbles.items():
            bubble.age += dt
            if bubble.age < duration:
                continue  # still fully opaque, as it was made
            alpha = self._alpha_at(bubble.age)
            if alpha <= 0:
                gone.append(speaker)
            elif alpha != bubble.alpha:
                bubble.alpha = alpha
                if bubble.faded is None:
                    bubble.faded = fading_copy(bubble.surface)
                bubble.faded.set_alpha(alpha)
        for speaker in gone:
            del self._bubbles[speaker]

    def _alpha_at(self, age: float) -> int:
        if age < self.duration:
            return 255
        if self.fade <= 0:
            return 0
        left = 1.0 - (age - self.duration) / self.fade
        return max(0, min(255, round(255 * left)))

    def draw(
        self,
        surface: pygame.Surface,
        anchors: Mapping[str, tuple[int, int]],
        view: pygame.Rect,
    ) -> None:
        """Blit each live bubble with its tail tip on its speaker's anchor, kept inside ``view``."""
        surface.blits(self.jobs(anchors, view), doreturn=False)

    def jobs(
        self, anchors: Mapping[str, tuple[int, int]], view: pygame.Rect
    ) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The blits that :meth:`draw` does, in order."""
        shown = [
            (speaker, anchors[speaker], bubble)
            for speaker, bubble in self._bubbles.items()
            if speaker in anchors
        ]
        # The layout depends only on who speaks where with which bubble size: when nobody
        # has moved or spoken since the last frame, reuse it.
        key = (tuple(view), tuple((s, a, b.surface.get_size()) for s, a, b in shown))
        if key != self._layout_key:
            self._layout_key = key
            self._layout = self._place(shown, view)
        images = [bubble.image() for _, _, bubble in shown]
        return list(zip(images, self._layout, strict=True))

    def _place(
        self, shown: list[tuple[str, tuple[int, int], _Bubble]], view: pygame.Rect
    ) -> list[tuple[int, int]]:
        placed: list[pygame.Rect] = []
        for _, anchor, bubble in shown:
            w, h = bubble.surface.get_size()
            x = min(anchor[0] - w // 2, view.right - w)
            y = min(anchor[1] - h + 1, view.bottom - h)
            rect = pygame.Rect(max(x, view.left), max(y, view.top), w, h)
            # Neighbours talking side by side: stack the newer bubble above the older one
            # rather than over it, as long as it stays in view.
            for _ in range(len(placed)):
                hit = rect.collidelist(placed)
                if hit < 0 or placed[hit].top - h - 2 < view.top:
                    break
                rect.bottom = placed[hit].top - 2
            placed.append(rect)
        return [rect.topleft for rect in placed]

    def live(self) -> dict[str, BubbleInfo]:
        """Speaker -> what their bubble currently shows (for tests)."""
        return {
            speaker: BubbleInfo(b.text, b.age, b.alpha, b.surface.get_size(), b.lines)
            for speaker, b in self._bubbles.items()
        }

    def clear(self) -> None:
        """Remove every bubble at once."""
        self._bubbles.clear()
