"""Letters are spaced as the font's own advances place them.

pygame's default font carries a made-up kerning table that pushes most pairs of letters
apart ("a" "t" by 67/1000 of an em), and SDL_ttf applies it, so the bar said "wa tch",
"betwee n" and "runnin g". These tests place each letter, drawn alone by pygame (where no
kerning can play a part), at the font's own advances, and ask the game's font to draw the
same ink: the same letters with the same gaps between them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pygame
import pytest

from game.ui.app import start_pygame
from game.ui.fonts import UIFont

INK = (40, 30, 26)
PAPER = (255, 255, 255)
WORDS = ("watch", "between", "offline", "running", "Turns running", "1s between turns")


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    start_pygame()
    yield pygame.display.set_mode((640, 480))


def ink_columns(surface: pygame.Surface, paper: tuple[int, int, int] | None) -> set[int]:
    """The columns of ``surface`` with ink: not transparent, or visibly not ``paper`` (on
    paper pygame draws into 256 shades, so its faintest edges may round to white)."""
    if paper is None:
        mask = pygame.mask.from_surface(surface, 0)
    else:
        mask = pygame.mask.from_threshold(surface.convert(32), paper, (16, 16, 16, 255))
        mask.invert()
    w, h = mask.get_size()
    return {x for x in range(w) if any(mask.get_at((x, y)) for y in range(h))}


def spaced_by_advances(size: int, text: str, paper: tuple[int, int, int] | None) -> set[int]:
    """The ink columns of ``text`` as the font's advances place its letters, each letter
    drawn alone by pygame's own font."""
    plain = pygame.font.Font(None, size)
    columns: set[int] = set()
    pen = 0
    for ch, metrics in zip(text, plain.metrics(text), strict=True):
        assert metrics is not None
        columns |= {pen + x for x in ink_columns(plain.render(ch, True, INK, paper), paper)}
        pen += metrics[4]  # the advance, as the font file gives it
    return columns


@pytest.mark.parametrize("size", [17, 20, 48])
@pytest.mark.parametrize("paper", [None, PAPER], ids=["hud", "bubble"])
def test_hud_and_bubble_words_are_not_pushed_apart_by_the_fonts_bogus_kerning(
    size: int, paper: tuple[int, int, int] | None
) -> None:
    font = UIFont(size)
    for text in WORDS:
        drawn = ink_columns(font.render(text, True, INK, paper), paper)
        assert drawn == spaced_by_advances(size, text, paper), text


@pytest.mark.parametrize("size", [17, 20, 48])
def test_a_line_is_as_wide_as_its_advances(size: int) -> None:
    """Wrapping, centring and the bar's fitting all measure with ``size``: it must say how
    wide the drawn line is, which is the sum of the letters' advances."""
    plain, font = pygame.font.Font(None, size), UIFont(size)
    for text in WORDS:
        advances = sum(m[4] for m in plain.metrics(text) if m is not None)
        assert font.size(text)[0] == advances == font.render(text, True, INK).get_width(), text


def test_the_gaps_inside_watch_are_even() -> None:
    """The symptom as the player saw it, large enough to measure: pygame's kerning made the
    a-t and c-h gaps of "watch" four pixels where w-a is one ("wa tc h")."""
    font = UIFont(48)
    columns = sorted(ink_columns(font.render("watch", True, INK), None))
    gaps = [b - a - 1 for a, b in zip(columns, columns[1:], strict=False) if b - a > 1]
    assert len(gaps) == 4 and max(gaps) - min(gaps) <= 1, gaps
