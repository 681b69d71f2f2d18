"""The game's fonts: pygame's own first, then the fonts pygame-gui ships, letter by letter.

pygame's default font has Latin, Greek and Cyrillic letters and little else, so a model
answering in Chinese, a villager called Ṭara or a line in Georgian came out with empty
boxes. pygame-gui, which the game already needs for the dialogue box, ships Noto Sans (the
rest of Latin, Greek and Cyrillic, IPA and Devanagari), Noto Sans Georgian, Hebrew and
Arabic, Noto Sans SC, JP and KR (Han, kana, Hangul) and Fira Code (some symbols). A line is
cut into runs, each in the first font of a chain that has its characters (see
:class:`FontChain`), and the runs are drawn side by side on one baseline at the default
font's line height, so every layout built on the default font's sizes (bubbles, names, the
feed, the bar) still fits. What no font has is left out: nothing is drawn rather than a box.

Which characters a font has is read once from its file's character map (:mod:`cmap`), one
record per file, shared by every size and by the dialogue box.

Hebrew and Arabic runs are shaped right to left by HarfBuzz (inside SDL_ttf), Devanagari
with its conjuncts; a line whose first strong letter is Hebrew or Arabic lays its runs out
from the right. This is not the whole Unicode bidirectional algorithm: numbers inside an
Arabic run are drawn with the run.

The default font (FreeSans Bold, 2002) carries a kerning table that an early font editor
made up: 1,291 of its 1,535 pairs push letters apart, by as much as a tenth of an em
("a" "t" +67/1000, "e" "n" +62, "n" "g" +57), so SDL_ttf, which always kerns, drew
"wa tch", "betwee n" and "runnin g". Its runs are drawn with FreeType instead, which
spaces each letter by its own advance and leaves the kerning table alone.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pygame
import pygame.freetype

from game.ui.cmap import Charset, CmapError, read_charset

log = logging.getLogger("hamlet.ui")

Ranges = tuple[tuple[int, int], ...]
ARABIC: Ranges = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
HEBREW: Ranges = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
DEVANAGARI: Ranges = ((0x0900, 0x097F), (0x1CD0, 0x1CFF), (0xA8E0, 0xA8FF))
GEORGIAN: Ranges = ((0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x2D00, 0x2D2F))


@dataclass(frozen=True)
class Face:
    """One font of a chain.

    ``file`` is one of pygame-gui's font files (None: pygame's own font); ``gui_name`` the
    name the dialogue box's HTML calls it by (None: the theme's font). ``script`` (ISO 15924)
    and ``rtl`` are how HarfBuzz shapes its runs. ``claims``: characters this face draws
    even where a font earlier in the chain has them, so a word of that script stays in one
    font (pygame's font has a dozen Arabic letters, Noto Sans has Devanagari unshaped).
    """

    file: str | None
    gui_name: str | None = None
    script: str = "Latn"
    rtl: bool = False
    claims: Ranges = ()

    @property
    def path(self) -> Path | None:
        return _default_font_file() if self.file is None else _data_file(self.file)

    @property
    def direction(self) -> int:
        return pygame.DIRECTION_RTL if self.rtl else pygame.DIRECTION_LTR


def _data_file(name: str) -> Path | None:
    """One of the font files pygame-gui ships, if it is there."""
    try:
        found = importlib.resources.files("pygame_gui.data") / name
    except ModuleNotFoundError:
        return None
    return Path(str(found)) if found.is_file() else None


def _default_font_file() -> Path | None:
    """The file of pygame's own font (FreeSans Bold, inside the pygame package)."""
    found = importlib.resources.files("pygame") / pygame.font.get_default_font()
    return Path(str(found)) if found.is_file() else None


@functools.cache
def coverage(path: Path | None) -> Charset:
    """The one record of which characters the font file at ``path`` has: every font of the
    game at every size, and the dialogue box, share it. A file that is missing or cannot
    be read has none (it is never chosen)."""
    if path is None:
        return Charset(())
    try:
        return read_charset(path)
    except (OSError, CmapError) as exc:
        log.warning("cannot read which characters %s has: %s", path.name, exc)
        return Charset(())


def _in(code: int, ranges: Ranges) -> bool:
    return any(start <= code <= end for start, end in ranges)


class FontChain:
    """Faces in order of preference, and which of them draws each character.

    A letter goes to the first face that claims it and has it, else to the first face
    that has it. Anything else (spaces, digits, punctuation, combining marks) stays with
    the run it follows when that run's face has it, so "你好！" is one run and "Ṭara, 2" does
    not change font for its comma (but see :meth:`runs` for right-to-left runs). A
    private-use character is never drawn: it means what its own font says, and ours would
    draw something unrelated.
    """

    def __init__(self, faces: tuple[Face, ...]) -> None:
        self.faces = faces
        self._first: dict[str, int] = {}
        self._charsets: list[Charset] | None = None  # read when first asked

    def charset(self, index: int) -> Charset:
        if self._charsets is None:
            self._charsets = [coverage(face.path) for face in self.faces]
        return self._charsets[index]

    def first(self, ch: str) -> int:
        """The index of the face that draws ``ch`` on its own; -1 if none can."""
        found = self._first.get(ch)
        if found is None:
            found = self._first[ch] = self._find(ch)
        return found

    def _find(self, ch: str) -> int:
        code = ord(ch)
        if unicodedata.category(ch) == "Co":
            return -1
        claimed = (i for i, face in enumerate(self.faces) if face.claims and _in(code, face.claims))
        for i in claimed:
            if code in self.charset(i):
                return i
        return next((i for i in range(len(self.faces)) if code in self.charset(i)), -1)

    def can_draw(self, ch: str) -> bool:
        return ch.isspace() or self.first(ch) >= 0

    def _has(self, index: int, ch: str) -> bool:
        return ch.isspace() or ord(ch) in self.charset(index)

    def _facing(self, ch: str, rtl: bool, last_rtl: int) -> int:
        """A face of direction ``rtl`` for the neutral ``ch`` (the last right-to-left face
        used, for one); -1 if none has it."""
        if rtl and last_rtl >= 0 and self._has(last_rtl, ch):
            return last_rtl
        faces = self.faces
        return next((i for i in range(len(faces)) if faces[i].rtl == rtl and self._has(i, ch)), -1)

    def runs(self, text: str) -> list[tuple[str, int]]:
        """``text`` cut where the face to draw it in changes: (run, face index), in the
        order written; what no face has is left out.

        Between a right-to-left run and a left-to-right one, spaces and punctuation go the
        way the line reads (as Unicode's bidirectional rules put them), and digits are
        never part of a right-to-left run, which would draw them backwards.
        """
        text = unicodedata.normalize("NFC", text)  # "T" + combining dot below is "Ṭ"
        line_rtl = right_to_left(text)
        ahead = _strong_ahead(text)
        faces = self.faces
        runs: list[tuple[str, int]] = []
        run: list[str] = []
        current = last_rtl = -1
        for i, ch in enumerate(text):
            kind = unicodedata.category(ch)
            face = -1
            if kind[0] != "L" and current >= 0 and self._has(current, ch):
                run_rtl = faces[current].rtl
                if kind[0] == "M":
                    face = current  # a combining mark stays on its letter
                elif not (run_rtl and kind == "Nd"):
                    goes = ahead[i] if ahead[i] is not None else line_rtl
                    # A number stays whole: its digits, and a point or comma between them.
                    number = not run_rtl and (
                        kind == "Nd" or (ch in ".,:/" and text[i + 1 : i + 2].isdigit())
                    )
                    if number or run_rtl == line_rtl or goes == run_rtl:
                        face = current
                    else:  # between the two directions: the line's
                        face = self._facing(ch, line_rtl, last_rtl)
                        face = current if face < 0 else face
            elif kind[0] != "L" and current < 0 and line_rtl and kind != "Nd":
                face = self._facing(ch, True, last_rtl)
            if face < 0:
                face = self.first(ch)
                if face >= 0 and kind == "Nd" and faces[face].rtl:
                    ltr = self._facing(ch, False, -1)
                    face = ltr if ltr >= 0 else face
            if face < 0:
                if not ch.isspace():
                    continue  # nothing has it: nothing is drawn
                face = 0
            if face != current and run:
                runs.append(("".join(run), current))
                run = []
            current = face
            if faces[face].rtl:
                last_rtl = face
            run.append(ch)
        if run:
            runs.append(("".join(run), current))
        return runs


def _strong_ahead(text: str) -> list[bool | None]:
    """For each character of ``text``, whether the next strong letter after it reads from
    the right (None: no strong letter follows)."""
    ahead: list[bool | None] = [None] * len(text)
    following: bool | None = None
    for i in range(len(text) - 1, -1, -1):
        ahead[i] = following
        kind = unicodedata.bidirectional(text[i])
        if kind in ("R", "AL"):
            following = True
        elif kind == "L":
            following = False
    return ahead


def right_to_left(text: str) -> bool:
    """Whether ``text`` reads from the right: its first strong letter is Hebrew or Arabic."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


# The bar, bubbles, names and feed: pygame's font, then the bold Noto Sans faces, to match
# its weight. Han, kana and Hangul come in the regular weight: the bold files are another
# 8 to 15 MB to open for strokes already dense at these sizes.
UI_CHAIN = FontChain(
    (
        Face(None),
        Face("NotoSans-Bold.ttf"),  # Latin, Greek, Cyrillic beyond pygame's font; IPA
        Face("NotoSans-Bold.ttf", script="Deva", claims=DEVANAGARI),
        Face("NotoSansGeorgian-Bold.ttf", script="Geor", claims=GEORGIAN),
        Face("NotoSansHebrew-Bold.ttf", script="Hebr", rtl=True, claims=HEBREW),
        Face("NotoSansArabic-Bold.ttf", script="Arab", rtl=True, claims=ARABIC),
        Face("NotoSansSC-Regular.otf"),  # Han (simplified and traditional), kana
        Face("NotoSansJP-Regular.otf"),  # the kanji Noto Sans SC has not
        Face("NotoSansKR-Regular.ttf"),  # Hangul
        Face("FiraCode-Regular.ttf"),  # a few more symbols
    )
)

# The dialogue box: the theme's Noto Sans, then the same files in the weight of its
# messages, by pygame-gui's names for them where it has one.
GUI_CHAIN = FontChain(
    (
        Face("NotoSans-Regular.ttf"),
        Face("NotoSans-Regular.ttf", "noto_sans_deva", script="Deva", claims=DEVANAGARI),
        Face("NotoSansGeorgian-Regular.ttf", "noto_sans_ge", script="Geor", claims=GEORGIAN),
        Face("NotoSansHebrew-Regular.ttf", "noto_sans_he", script="Hebr", rtl=True, claims=HEBREW),
        Face("NotoSansArabic-Regular.ttf", "noto_sans_ar", script="Arab", rtl=True, claims=ARABIC),
        Face("NotoSansSC-Regular.otf", "noto_sans_sc"),
        Face("NotoSansJP-Regular.otf", "noto_sans_jp"),
        Face("NotoSansKR-Regular.ttf", "noto_sans_kr"),
        Face("FiraCode-Regular.ttf", "fira_code_symbols"),
    )
)


class UIFont(pygame.font.Font):
    """pygame's default font at ``size``, with the faces of :data:`UI_CHAIN` for what it
    cannot draw. ``render`` and ``size`` cut each line into runs; heights are always the
    default font's."""

    def __init__(self, size: int) -> None:
        super().__init__(None, size)
        self._point_size = size
        self._faces: dict[int, pygame.font.Font] = {}  # by index in the chain, when needed
        if not pygame.freetype.get_init():
            pygame.freetype.init()
        # The same file at the size pygame.font chose for it (it shrinks the default font
        # by a third), unkerned: see the module's docstring.
        self._plain = pygame.freetype.Font(None, self.point_size)
        self._plain.kerning = False
        self._plain.origin = True  # positions are of the baseline, as the metrics are

    def _face(self, index: int) -> pygame.font.Font:
        """The chain's face ``index`` at the size that fits our lines, opened once."""
        font = self._faces.get(index)
        if font is None:
            face = UI_CHAIN.faces[index]
            assert face.path is not None  # only a face that has characters is asked for
            font = self._fitting(face.path)
            font.set_script(face.script)
            font.set_direction(face.direction)
            self._faces[index] = font
        return font

    def loaded_files(self) -> list[str]:
        """The names of the fallback files opened so far."""
        return [UI_CHAIN.faces[i].file or "" for i in sorted(self._faces)]

    def _fitting(self, path: Path) -> pygame.font.Font:
        """``path`` at the default font's own size (the one pygame.font chose for it), so a
        letter of it beside the default font's is as large as they are. Its lines may be
        taller than ours (Noto leaves room for stacked marks): what passes the line is cut.
        """
        return pygame.font.Font(str(path), self.point_size)

    def prepare(self, text: str) -> None:
        """Open now the faces the characters of ``text`` need: opening one takes a tenth
        of a second, which in the middle of play is a stall of several frames."""
        for ch in set(text):
            face = UI_CHAIN.first(ch)
            if face > 0:
                self._face(face)

    def _runs(self, text: str) -> list[tuple[str, int]]:
        """The runs of ``text`` as drawn from left to right."""
        if text.isascii():
            return [(text, 0)]
        runs = UI_CHAIN.runs(text)
        return runs[::-1] if len(runs) > 1 and right_to_left(text) else runs

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

    def _width(self, run: str, face: int) -> int:
        return self._plain_layout(run)[2] if face == 0 else self._face(face).size(run)[0]

    def size(self, text: str) -> tuple[int, int]:  # type: ignore[override]
        if "\n" in text or not text:
            return super().size(text)
        width = sum(self._width(run, face) for run, face in self._runs(text))
        return width, super().size(text)[1]

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
        runs = self._runs(text)
        if all(face == 0 for _, face in runs):
            return self._render_plain("".join(run for run, _ in runs), antialias, color, bgcolor)
        # Each run drawn on its own, then all on one baseline: the default font's, pushed
        # down only as its own glyphs push it. A fallback's room above and below its glyphs
        # is cut off where it passes the line.
        pieces: list[tuple[pygame.Surface, int, bool]] = []
        for run, face in runs:
            if face == 0:
                baseline = self._plain_layout(run)[1]
                pieces.append((self._render_plain(run, antialias, color, None), baseline, True))
            else:
                font = self._face(face)
                pieces.append((font.render(run, antialias, color), font.get_ascent(), False))
        baseline = max([self.get_ascent(), *(b for _, b, own in pieces if own)])
        height = max(
            [self.get_linesize(), *(baseline - b + p.get_height() for p, b, own in pieces if own)]
        )
        width = sum(piece.get_width() for piece, _, _ in pieces)
        fg = pygame.Color(color)
        if bgcolor is None:
            surface = pygame.Surface((width, height), pygame.SRCALPHA)
            surface.fill((fg.r, fg.g, fg.b, 0))
        else:
            surface = pygame.Surface((width, height))
            surface.fill(bgcolor)
        x = 0
        for piece, b, _ in pieces:
            surface.blit(piece, (x, baseline - b))
            x += piece.get_width()
        return surface

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


def gui_runs(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut where the font to draw it in changes, for pygame-gui's HTML:
    (run, font name), the name None for the theme's own Noto Sans.

    A character no font has is left out; spaces go with the run they are in.
    """
    if text.isascii():
        return [(text, None)]
    return [(run, GUI_CHAIN.faces[face].gui_name) for run, face in GUI_CHAIN.runs(text)]


def gui_face(name: str) -> Face | None:
    """The face the dialogue box's HTML calls ``name`` ("noto_sans_sc")."""
    return next((face for face in GUI_CHAIN.faces if face.gui_name == name), None)


def can_draw(ch: str) -> bool:
    """Whether one of the game's fonts has a glyph for ``ch`` (a space always draws)."""
    return UI_CHAIN.can_draw(ch)


def unusual_characters(texts: Iterable[str]) -> str:
    """Each character of ``texts`` beyond ASCII, once: what fonts to load may depend on."""
    return "".join(sorted({ch for text in texts if not text.isascii() for ch in text}))
