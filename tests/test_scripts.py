"""Every script the bundled fonts have is drawn as letters; what none has draws nothing.

A villager called Ṭara (U+1E6C), and lines in Georgian or Malayalam, came out as empty
boxes: pygame's font has neither, and only the CJK fonts were tried after it. The game's
text now goes letter by letter through the fonts pygame and pygame-gui ship, whose
character maps are read from the files.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pygame
import pygame.freetype
import pytest
from llm_server import LLMServer, Reply
from pygame_gui.core.text.text_line_chunk import TextLineChunkFTFont
from simkit import is_conversation, loopback_brain
from test_game_ui import walk_next_to_ada
from uikit import Harness

from game.ui.app import start_pygame
from game.ui.cmap import read_charset
from game.ui.fonts import GUI_CHAIN, UI_CHAIN, UIFont, coverage, gui_runs
from game.ui.glyphs import drawable
from game.ui.states import DialogueState

INK = (0, 0, 0)
# Two letters of each script the bundled fonts cover (a box draws both the same).
COVERED = {
    "latin-extended": "Ṭṭ",
    "vietnamese": "ệố",
    "georgian": "ქა",
    "greek": "Ωἄ",
    "cyrillic": "жѢ",
    "han": "你桥",
    "kana": "こカ",
    "hangul": "한글",
    "hebrew": "שב",
    "arabic": "بع",
    "devanagari": "कन",
}
# No bundled font has these: Malayalam, Thai, Phoenician, an emoji (nazar amulet),
# private use.
UNCOVERED = "മลก\U00010900\U0001f9ff\ue000"
NOTDEF = "\U00010900"  # what asks each font for its .notdef box


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    start_pygame()
    yield pygame.display.set_mode((640, 480))


def ink(surface: pygame.Surface) -> tuple[tuple[int, int], bytes]:
    """The shape of what is drawn on a transparent ``surface``: its inked rectangle's size
    and the alpha inside it (empty when nothing is drawn)."""
    box = surface.get_bounding_rect(min_alpha=1)
    return box.size, pygame.image.tobytes(surface.subsurface(box), "RGBA")[3::4]


def boxes(font: UIFont, size: int) -> set[tuple[tuple[int, int], bytes]]:
    """Each bundled font's .notdef box, drawn as the game's font would draw that font."""
    drawn = {ink(pygame.font.Font(None, size).render(NOTDEF, True, INK))}
    drawn.add(ink(pygame.freetype.Font(None, font.point_size).render(NOTDEF, INK)[0]))
    for i in range(1, len(UI_CHAIN.faces)):
        drawn.add(ink(font._face(i).render(NOTDEF, True, INK)))
    return drawn


def test_each_fonts_character_map_agrees_with_freetype() -> None:
    """The coverage read from the files' cmap tables is what FreeType draws from."""
    paths = {face.path for chain in (UI_CHAIN, GUI_CHAIN) for face in chain.faces}
    codes = [*range(0x20, 0x3000), *range(0x3000, 0x10000, 5), *range(0x10000, 0x30000, 97)]
    for path in paths:
        assert path is not None
        charset = read_charset(path)
        assert charset is coverage(path) or charset.ranges() == coverage(path).ranges()
        face = pygame.freetype.Font(str(path), 16)
        for code in codes:
            if 0xD800 <= code < 0xE000:
                continue
            assert (code in charset) == (face.get_metrics(chr(code))[0] is not None), (
                path.name,
                hex(code),
            )


def test_no_bundled_font_has_the_uncovered_characters() -> None:
    paths = {face.path for chain in (UI_CHAIN, GUI_CHAIN) for face in chain.faces}
    for ch in UNCOVERED + NOTDEF:
        assert not UI_CHAIN.can_draw(ch) and not GUI_CHAIN.can_draw(ch), ch
        if ch != "\ue000":  # pygame's own font and Fira Code draw a few private-use codes
            assert all(ord(ch) not in coverage(path) for path in paths), ch


def test_the_game_and_the_dialogue_box_draw_the_same_characters() -> None:
    for code in range(0x20, 0x30000):
        if not 0xD800 <= code < 0xE000:
            ch = chr(code)
            assert UI_CHAIN.can_draw(ch) == GUI_CHAIN.can_draw(ch), hex(code)


@pytest.mark.parametrize("size", [17, 20])
@pytest.mark.parametrize("script", sorted(COVERED))
def test_u1e6c_georgian_and_every_covered_script_are_drawn_as_letters_not_boxes(
    script: str, size: int
) -> None:
    font = UIFont(size)
    notdef = boxes(font, size)
    first, second = (font.render(ch, True, INK) for ch in COVERED[script])
    assert ink(first) not in notdef and ink(second) not in notdef
    assert ink(first)[0] != (0, 0) and ink(second)[0] != (0, 0)  # there is ink
    assert ink(first) != ink(second)
    line = font.render(COVERED[script] * 3, True, INK)
    assert line.get_height() == font.get_linesize()
    assert font.size(COVERED[script] * 3)[0] == line.get_width()


def test_the_box_measure_sees_the_box_pygames_font_drew_for_u1e6c() -> None:
    """What the player saw: pygame's own font draws Ṭ as its .notdef box."""
    font = UIFont(20)
    assert ink(pygame.font.Font(None, 20).render("Ṭ", True, INK)) in boxes(font, 20)


@pytest.mark.parametrize("size", [17, 20])
def test_characters_no_bundled_font_has_draw_nothing(size: int) -> None:
    font = UIFont(size)
    for ch in UNCOVERED:
        drawn = font.render(ch, True, INK)
        assert ink(drawn)[0] == (0, 0), hex(ord(ch))
        assert font.size(ch)[0] == drawn.get_width() == 0
        with_it = font.render(f"ab{ch}cd", True, INK)
        assert ink(with_it) == ink(font.render("abcd", True, INK))
    mixed = f"Ṭara {UNCOVERED} ქართული"
    assert font.size(mixed)[0] == font.render(mixed, True, INK).get_width()


def test_shown_text_drops_what_no_font_has_with_the_space_before_it() -> None:
    assert drawable("Hello മലയാളം friend") == "Hello friend"
    assert drawable("Ṭara says ქართული, 你好 \U00010900\U00010901!") == "Ṭara says ქართული, 你好!"
    assert drawable("private \ue000 use") == "private use"
    assert drawable("മലയാളം") == "…"  # nothing left: the bubble still shows a line was said
    kept = "Ṭhe ṭree: Ωμέγα, Привет, 你好, 안녕, שלום, مرحبا, नमस्ते"
    assert drawable(kept) == kept


def test_hebrew_and_arabic_read_from_the_right() -> None:
    font = UIFont(48)
    for word in ("שב", "اب"):  # neither first letter joins the next: drawn as when alone
        whole = font.render(word, True, INK)
        first = font.render(word[0], True, INK)
        w, h = first.get_size()
        right = whole.subsurface((whole.get_width() - w, 0, w, h))
        left = whole.subsurface((0, 0, w, h))
        assert ink(right) == ink(first) and ink(left) != ink(first), word
    # Arabic letters join: shaped, "بع" is narrower than its letters alone.
    assert font.size("بع")[0] < font.size("ب")[0] + font.size("ع")[0]
    # A line that starts in Hebrew lays its runs out from the right: the Latin word ends
    # up on the left.
    line, latin = font.render("שב cd", True, INK), font.render("cd", True, INK)
    w = latin.get_width()
    assert ink(line.subsurface((0, 0, w, latin.get_height()))) == ink(latin)


def test_hebrew_in_an_english_line_leaves_its_comma_and_number_to_the_english() -> None:
    """The feed showed "T1 Bjorn:  ,שלום עולםfriend": the comma and space after the Hebrew
    were drawn inside it, right to left. Between the two directions they go the line's
    way, and digits never join a right-to-left run (it would draw 12 as 21)."""

    def runs(text: str) -> list[tuple[str, bool]]:
        return [(run, UI_CHAIN.faces[face].rtl) for run, face in UI_CHAIN.runs(text)]

    assert runs("T1 Bjorn: שלום עולם, friend") == [
        ("T1 Bjorn: ", False),
        ("שלום עולם", True),
        (", friend", False),
    ]
    assert runs("שלום עולם, friend") == [("שלום עולם, ", True), ("friend", False)]
    assert runs("יש לי 12 תפוחים") == [("יש לי ", True), ("12", False), (" תפוחים", True)]
    font = UIFont(48)
    line, number = font.render("שב 12", True, INK), font.render("12", True, INK)
    w, h = number.get_size()
    assert ink(line.subsurface((0, 0, w, h))) == ink(number)  # on the left, and 12 not 21


def test_runs_keep_punctuation_with_their_script_and_letters_find_their_font() -> None:
    assert gui_runs("Ṭara: ქართული, 你好！ ok") == [
        ("Ṭara: ", None),
        ("ქართული, ", "noto_sans_ge"),
        ("你好！ ", "noto_sans_sc"),
        ("ok", None),
    ]
    # "T" and a combining dot below are the one letter Ṭ.
    assert gui_runs("T\u0323ara") == [("Ṭara", None)]
    assert gui_runs("മലയാളം ok") == [(" ok", None)]


def test_a_villager_answering_in_many_scripts_reads_in_the_dialogue_box(
    tiny_content, tmp_path
) -> None:
    """Typed to as a player does: each run of the answer is drawn in a pygame-gui font that
    has every one of its characters (no .notdef), the Hebrew one shaped right to left,
    and what no font has is not in the box at all."""
    line = "Ṭara: ქართული, Ωμέγα, Привет, 你好, 한글, שלום, नमस्ते, മലയാളം 𐤀 🧿 end"

    def respond(request):
        return Reply(content=f'say("{line}")' if is_conversation(request) else "wait()")

    with LLMServer(respond) as server, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path)
        try:
            game = h.game
            walk_next_to_ada(h)
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState))
            h.type("Any news?")
            h.key(pygame.K_RETURN)
            assert h.until(lambda: any("end" in box.html_text for box in game.dialogue.messages))
            (box,) = [box for box in game.dialogue.messages if "end" in box.html_text]
            for gone in ("മ", "𐤀", "🧿"):
                assert gone not in box.html_text
            chunks = [
                item
                for row in box.text_box_layout.layout_rows
                for item in row.items
                if isinstance(item, TextLineChunkFTFont) and item.text.strip()
            ]
            drawn = "".join(chunk.text for chunk in chunks)
            for ch in "Ṭქ你한ש":
                assert ch in drawn
            for chunk in chunks:
                assert None not in chunk.font.get_metrics(chunk.text), chunk.text
            hebrew = [chunk for chunk in chunks if "ש" in chunk.text]
            assert hebrew and all(c.font.get_direction() == pygame.DIRECTION_RTL for c in hebrew)
        finally:
            h.close()
    assert [str(w.message) for w in caught if "font" in str(w.message).lower()] == []
