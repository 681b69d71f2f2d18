"""The game's font: pygame's own, with Chinese, Japanese and Korean drawn from Noto Sans.

pygame's default font has Latin, Greek and Cyrillic letters and nothing else, so a
villager called 小明, or a model answering in Japanese, came out as a row of empty boxes.
pygame-gui, which the game already needs for the dialogue box, ships Noto Sans SC (Han
and kana) and Noto Sans KR (Hangul). A line the default font cannot draw whole is drawn
in the first of those that can, scaled to the default font's line height, so every
layout built on the default font's sizes (bubbles, names, the feed, the bar) still fits.
"""

from __future__ import annotations

import importlib.resources
import logging
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


def fallback_paths() -> list[Path]:
    """The fallback fonts that are installed (pygame-gui's own copies)."""
    return [path for path in map(_data_file, FALLBACK_FILES) if path is not None]


class _Coverage:
    """Which characters one font file has glyphs for, asked of FreeType once each."""

    def __init__(self, path: Path | None) -> None:
        self._font: pygame.freetype.Font | None
        try:
            self._font = pygame.freetype.Font(str(path) if path else None, 16)
        except (pygame.error, OSError) as exc:
            log.debug("cannot read %s for its glyphs: %s", path or "the default font", exc)
            self._font = None
        self._has: dict[str, bool] = {}

    def missing(self, text: str) -> int:
        """How many characters of ``text`` the font cannot draw."""
        font, has = self._font, self._has
        if font is None:
            return 0
        count = 0
        for ch in text:
            known = has.get(ch)
            if known is None:
                known = has[ch] = ch.isspace() or font.get_metrics(ch)[0] is not None
            count += not known
        return count


class UIFont(pygame.font.Font):
    """pygame's default font at ``size``, falling back to Noto Sans CJK for lines it
    cannot draw. ``render`` and ``size`` choose the font per line; heights are always the
    default font's."""

    def __init__(self, size: int) -> None:
        super().__init__(None, size)
        self._point_size = size
        self._coverage: _Coverage | None = None  # made on the first line not plain ASCII
        self._fallbacks: list[tuple[_Coverage, Path, pygame.font.Font | None]] = []

    def _pick(self, text: str) -> pygame.font.Font | None:
        """The fallback to draw ``text`` in, or None for the default font."""
        if text.isascii():
            return None
        if self._coverage is None:
            self._coverage = _Coverage(None)
            self._fallbacks = [(_Coverage(path), path, None) for path in fallback_paths()]
        missing = self._coverage.missing(text)
        if not missing:
            return None
        best, best_missing = -1, missing
        for i, (coverage, _, _) in enumerate(self._fallbacks):
            left = coverage.missing(text)
            if left < best_missing:
                best, best_missing = i, left
            if not left:
                break
        if best < 0:
            return None  # nothing draws it better: the default font's boxes
        coverage, path, font = self._fallbacks[best]
        if font is None:
            font = self._fitting(path)
            self._fallbacks[best] = (coverage, path, font)
        return font

    def _fitting(self, path: Path) -> pygame.font.Font:
        """``path`` at the largest size whose lines are at most :data:`SLACK` pixels taller
        than the default font's."""
        limit = self.get_linesize() + SLACK
        for size in range(self._point_size, 5, -1):
            font = pygame.font.Font(str(path), size)
            if font.get_height() <= limit:
                return font
        return font

    def size(self, text: str) -> tuple[int, int]:  # type: ignore[override]
        font = self._pick(text)
        if font is None:
            return super().size(text)
        return font.size(text)[0], super().size(text)[1]

    def render(  # type: ignore[override]
        self,
        text: str,
        antialias: bool,
        color: pygame.typing.ColorLike,
        bgcolor: pygame.typing.ColorLike | None = None,
        wraplength: int = 0,
    ) -> pygame.Surface:
        font = self._pick(text)
        if font is None:
            return super().render(text, antialias, color, bgcolor, wraplength)
        drawn = font.render(text, antialias, color, bgcolor, wraplength)
        height = self.get_linesize()  # as tall as the default font draws a line
        if drawn.get_height() <= height:
            return drawn
        trim = (drawn.get_height() - height) // 2  # Noto's room above and below its glyphs
        return drawn.subsurface((0, trim, drawn.get_width(), height)).copy()


_gui_fonts: list[tuple[str | None, _Coverage]] = []  # the dialogue box's, then fallbacks


def gui_runs(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut where the font to draw it in changes, for pygame-gui's HTML:
    (run, font name), the name None for the theme's own Noto Sans.

    A character no font has stays with the theme's font (drawn as a box); spaces go with
    the run they are in.
    """
    if text.isascii():
        return [(text, None)]
    if not _gui_fonts:
        gui = _data_file(GUI_FONT_FILE)
        _gui_fonts.append((None, _Coverage(gui) if gui else _Coverage(None)))
        for name, file in FALLBACKS:
            path = _data_file(file)
            if path is not None:
                _gui_fonts.append((name, _Coverage(path)))
    runs: list[tuple[str, str | None]] = []
    run: list[str] = []
    current: str | None = None
    for ch in text:
        font = current
        if not ch.isspace():
            font = next((n for n, cov in _gui_fonts if not cov.missing(ch)), None)
        if font != current and run:
            runs.append(("".join(run), current))
            run = []
        current = font
        run.append(ch)
    if run:
        runs.append(("".join(run), current))
    return runs
