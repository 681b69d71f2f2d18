"""The game's font: pygame's own, with Chinese, Japanese and Korean drawn from Noto Sans.

pygame's default font has Latin, Greek and Cyrillic letters and nothing else, so a model
answering in Chinese, or villagers whose lines a game-maker wrote in Japanese, came out
as rows of empty boxes.
pygame-gui, which the game already needs for the dialogue box, ships Noto Sans SC (Han
and kana) and Noto Sans KR (Hangul). A line the default font cannot draw whole is drawn
in the first of those that can, scaled to the default font's line height, so every
layout built on the default font's sizes (bubbles, names, the feed, the bar) still fits.

The default font (FreeSans Bold, 2002) carries a kerning table that an early font editor
made up: 1,291 of its 1,535 pairs push letters apart, by as much as a tenth of an em
("a" "t" +67/1000, "e" "n" +62, "n" "g" +57), so SDL_ttf, which always kerns, drew
"wa tch", "betwee n" and "runnin g". Its lines are drawn with FreeType instead, which
spaces each letter by its own advance and leaves the kerning table alone.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from collections.abc import Iterable
from pathlib import Path

import pygame
import pygame.freetype

log = logging.getLogger("hamlet.ui")

# In order of preference, with pygame-gui's names for them: Noto Sans SC has Han
# (simplified and traditional) and kana; Noto Sans KR has Hangul.
FALLBACKS = (("noto_sans_sc", "NotoSansSC-Regular.otf"), ("noto_sans_kr", "NotoSansKR-Regular.ttf"))
FALLBACK_FILES = tuple(file for _, file in FALLBACKS)
GUI_FONT_FILE = "NotoSans-Regular.ttf"  # pygame-gui's own font, the dialogue box's
# A fallback line may be this many pixels taller than the default font's before it is
# trimmed to fit: Noto's line height leaves room above and below its glyphs.
SLACK = 4


def _data_file(name: str) -> Path | None:
    """One of the font files pygame-gui ships, if it is there."""
    try:
        found = importlib.resources.files("pygame_gui.data") / name
    except ModuleNotFoundError:
        return None
    return Path(str(found)) if found.is_file() else None


def fallback_file(name: str) -> Path | None:
    """The file of the fallback pygame-gui knows as ``name`` ("noto_sans_sc")."""
    return next((_data_file(file) for n, file in FALLBACKS if n == name), None)


@functools.cache
def fallback_paths() -> tuple[Path, ...]:
    """The fallback fonts that are installed (pygame-gui's own copies)."""
    return tuple(path for path in map(_data_file, FALLBACK_FILES) if path is not None)


class _Coverage:
    """Which characters one font file has glyphs for, asked of FreeType once each.

    The answers outlive the FreeType font they came from: one opened before
    ``pygame.quit()`` is dead after it, so a new one is opened when needed. When FreeType
    cannot answer at all, every character counts as drawable (the default font's boxes).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._font: pygame.freetype.Font | None = None
        self._has: dict[str, bool] = {}

    def _ask(self, ch: str) -> bool | None:
        """Whether the font has ``ch``; None if FreeType cannot tell."""
        for _ in range(2):  # once more with a newly opened font, if the old one died
            try:
                if self._font is None:
                    if not pygame.freetype.get_init():
                        pygame.freetype.init()
                    self._font = pygame.freetype.Font(str(self.path) if self.path else None, 16)
                return self._font.get_metrics(ch)[0] is not None
            except (pygame.error, OSError, RuntimeError) as exc:
                log.debug("cannot read %s for its glyphs: %s", self.path or "pygame's font", exc)
                self._font = None
        return None

    def missing(self, text: str) -> int:
        """How many characters of ``text`` the font cannot draw."""
        has = self._has
        count = 0
        for ch in text:
            known = has.get(ch)
            if known is None:
                if ch.isspace():
                    known = True
                else:
                    asked = self._ask(ch)
                    if asked is None:
                        continue  # not remembered: FreeType may answer another time
                    known = has[ch] = asked
            count += not known
        return count


@functools.cache
def coverage(path: Path | None) -> _Coverage:
    """The one record of which characters the font file at ``path`` (None: pygame's own)
    has: every font of the game at every size, and the dialogue box, share it."""
    return _Coverage(path)


class UIFont(pygame.font.Font):
    """pygame's default font at ``size``, falling back to Noto Sans CJK for lines it
    cannot draw. ``render`` and ``size`` choose the font per line; heights are always the
    default font's."""

    def __init__(self, size: int) -> None:
        super().__init__(None, size)
        self._point_size = size
        self._fallbacks: list[tuple[Path, pygame.font.Font | None]] | None = None  # when needed
        if not pygame.freetype.get_init():
            pygame.freetype.init()
        # The same file at the size pygame.font chose for it (it shrinks the default font
        # by a third), unkerned: see the module's docstring.
        self._plain = pygame.freetype.Font(None, self.point_size)
        self._plain.kerning = False
        self._plain.origin = True  # positions are of the baseline, as the metrics are

    def _pick(self, text: str) -> pygame.font.Font | None:
        """The fallback to draw ``text`` in, or None for the default font."""
        if text.isascii():
            return None
        missing = coverage(None).missing(text)
        if not missing:
            return None
        if self._fallbacks is None:
            self._fallbacks = [(path, None) for path in fallback_paths()]
        best, best_missing = -1, missing
        for i, (path, _) in enumerate(self._fallbacks):
            left = coverage(path).missing(text)
            if left < best_missing:
                best, best_missing = i, left
            if not left:
                break
        if best < 0:
            return None  # nothing draws it better: the default font's boxes
        path, font = self._fallbacks[best]
        if font is None:
            font = self._fitting(path)
            self._fallbacks[best] = (path, font)
        return font

    def _fitting(self, path: Path) -> pygame.font.Font:
        """``path`` at the largest size whose lines are at most :data:`SLACK` pixels taller
        than the default font's (found from its height at our size: a large file to open)."""
        limit = self.get_linesize() + SLACK
        font = pygame.font.Font(str(path), self._point_size)
        size = self._point_size * limit // max(font.get_height(), 1)
        while size < self._point_size:
            font = pygame.font.Font(str(path), max(size, 1))
            if font.get_height() <= limit or size <= 1:
                break
            size -= 1
        return font

    def prepare(self, text: str) -> None:
        """Load now the fallbacks the characters of ``text`` need: opening one takes a
        tenth of a second, which in the middle of play is a stall of several frames."""
        for ch in set(text):
            self._pick(ch)

    def _plain_layout(self, text: str) -> tuple[int, int, int, int]:
        """Where the unkerned default font draws the line ``text`` on a surface of its own:
        the pen's start from the left edge, the baseline from the top, and the surface's
        width and height. As SDL_ttf lays out a line, so text sits where it always did: a
        line's height with the baseline at the ascent, pushed down by a glyph that rises
        above the ascent and made taller by one that hangs below the line; as wide as the
        advances, or the ink where it reaches further."""
        face = self._plain
        face.pad = True  # the advances (and the font's ascender and descender)
        box = face.get_rect(text)
        face.pad = False  # the ink alone: how far it rises and hangs
        ink = face.get_rect(text)
        ascent = self.get_ascent()
        baseline = ascent + max(0, ink.y - ascent)
        height = max(self.get_linesize(), baseline + ink.height - ink.y)
        return -box.x, baseline, box.width, height

    def size(self, text: str) -> tuple[int, int]:  # type: ignore[override]
        if "\n" in text or not text:
            return super().size(text)
        font = self._pick(text)
        if font is not None:
            return font.size(text)[0], super().size(text)[1]
        return self._plain_layout(text)[2], super().size(text)[1]

    def render(  # type: ignore[override]
        self,
        text: str,
        antialias: bool,
        color: pygame.typing.ColorLike,
        bgcolor: pygame.typing.ColorLike | None = None,
        wraplength: int = 0,
    ) -> pygame.Surface:
        # Text of several lines (which pygame lays out on its own) stays with pygame's
        # kerned default font: the game draws every line on its own.
        if wraplength or "\n" in text or not text:
            return super().render(text, antialias, color, bgcolor, wraplength)
        font = self._pick(text)
        if font is None:
            return self._render_plain(text, antialias, color, bgcolor)
        drawn = font.render(text, antialias, color, bgcolor, wraplength)
        height = self.get_linesize()  # as tall as the default font draws a line
        if drawn.get_height() <= height:
            return drawn
        trim = (drawn.get_height() - height) // 2  # Noto's room above and below its glyphs
        return drawn.subsurface((0, trim, drawn.get_width(), height)).copy()

    def _render_plain(
        self,
        text: str,
        antialias: bool,
        color: pygame.typing.ColorLike,
        bgcolor: pygame.typing.ColorLike | None,
    ) -> pygame.Surface:
        """``text`` in the unkerned default font, on a surface like pygame.font's: opaque
        on ``bgcolor``, else per-pixel alpha."""
        pen, baseline, width, height = self._plain_layout(text)
        fg = pygame.Color(color)
        if bgcolor is None:
            surface = pygame.Surface((width, height), pygame.SRCALPHA)
            surface.fill((fg.r, fg.g, fg.b, 0))  # FreeType blends onto it: edges keep fg
        else:
            surface = pygame.Surface((width, height))
            surface.fill(bgcolor)
        self._plain.antialiased = antialias
        self._plain.render_to(surface, (pen, baseline), text, fg)
        return surface


@functools.cache
def _gui_fonts() -> tuple[tuple[str | None, _Coverage], ...]:
    """pygame-gui's name and coverage of the dialogue box's font (None), then the fallbacks."""
    fallbacks = ((name, _data_file(file)) for name, file in FALLBACKS)
    return (
        (None, coverage(_data_file(GUI_FONT_FILE))),
        *((name, coverage(path)) for name, path in fallbacks if path is not None),
    )


def gui_runs(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut where the font to draw it in changes, for pygame-gui's HTML:
    (run, font name), the name None for the theme's own Noto Sans.

    A character no font has stays with the theme's font (drawn as a box); spaces go with
    the run they are in.
    """
    if text.isascii():
        return [(text, None)]
    fonts = _gui_fonts()
    runs: list[tuple[str, str | None]] = []
    run: list[str] = []
    current: str | None = None
    for ch in text:
        font = current
        if not ch.isspace():
            font = next((n for n, cov in fonts if not cov.missing(ch)), None)
        if font != current and run:
            runs.append(("".join(run), current))
            run = []
        current = font
        run.append(ch)
    if run:
        runs.append(("".join(run), current))
    return runs


def can_draw(ch: str) -> bool:
    """Whether the default font or one of the fallbacks has a glyph for ``ch``."""
    return any(not coverage(path).missing(ch) for path in (None, *fallback_paths()))


def unusual_characters(texts: Iterable[str]) -> str:
    """Each character of ``texts`` beyond ASCII, once: what fonts to load may depend on."""
    return "".join(sorted({ch for text in texts if not text.isascii() for ch in text}))
