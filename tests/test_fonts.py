"""Chinese, Japanese and Korean on screen: drawn in Noto Sans (shipped with pygame-gui)
where the game's own font has only empty boxes, and sized to fit the same layouts."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pygame
import pytest
from llm_server import LLMServer, Reply
from simkit import is_conversation, loopback_brain
from test_game_ui import walk_next_to_ada
from uikit import Harness

from game.ui.app import start_pygame
from game.ui.bubbles import SpeechBubbles, wrap_text
from game.ui.fonts import GUI_CHAIN, UI_CHAIN, UIFont, gui_runs
from game.ui.glyphs import drawable
from game.ui.states import DialogueState

INK = (0, 0, 0)
LINES = {
    "zh": "你好！桥下有一条大梭鱼，他叫船长。",
    "ja": "こんにちは！橋の下に大きな魚がいるよ。",
    "ko": "안녕하세요! 다리 밑에 큰 물고기가 있어요.",
}


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    start_pygame()
    yield pygame.display.set_mode((640, 480))


def pixels(surface: pygame.Surface) -> bytes:
    return pygame.image.tobytes(surface, "RGBA")


def test_the_fallback_fonts_are_installed_with_pygame_gui() -> None:
    for chain in (UI_CHAIN, GUI_CHAIN):
        assert all(face.path is not None and face.path.is_file() for face in chain.faces)


@pytest.mark.parametrize("lang", sorted(LINES))
def test_each_character_is_drawn_as_itself_not_as_a_box(lang: str) -> None:
    """pygame's own font draws every one of these as the same empty box; the game's font
    draws two different characters differently, at the default font's line height."""
    plain, font = pygame.font.Font(None, 20), UIFont(20)
    first, second = LINES[lang][0], LINES[lang][1]
    assert pixels(plain.render(first, True, INK)) == pixels(plain.render(second, True, INK))
    a, b = font.render(first, True, INK), font.render(second, True, INK)
    assert pixels(a) != pixels(b)
    line = font.render(LINES[lang], True, INK, (255, 255, 255))
    assert line.get_height() == plain.get_linesize()
    assert font.size(LINES[lang]) == (line.get_width(), plain.size("x")[1])


def test_latin_text_is_drawn_in_pygames_own_glyphs() -> None:
    """Letters the default font has stay in it, at its line height: each is the very glyph
    pygame draws (only their spacing differs: see test_text_spacing.py)."""
    plain, font = pygame.font.Font(None, 17), UIFont(17)
    for text in ("Morning, Ada!", "Café au lait, naïve Zoë", "Ωμέγα, Привет"):
        assert font.size(text)[1] == plain.size(text)[1]
        assert font.render(text, True, INK).get_height() == plain.get_linesize()
        for ch in text:
            assert pixels(font.render(ch, True, INK)) == pixels(plain.render(ch, True, INK))


def test_a_chinese_line_wraps_between_characters_in_a_bubble() -> None:
    font = UIFont(20)
    lines = wrap_text(font, LINES["zh"] * 3, 200)
    assert len(lines) > 1 and "".join(lines) == LINES["zh"] * 3
    assert all(font.size(line)[0] <= 200 for line in lines)
    bubbles = SpeechBubbles(font)
    bubbles.say("Ada", LINES["zh"] * 3)
    assert bubbles.live()["Ada"].text == LINES["zh"] * 3


def test_emoji_are_dropped_from_what_is_shown_but_symbols_a_font_has_are_kept() -> None:
    assert drawable("Morning! 😊") == "Morning!"
    assert drawable("Hi 😊 there, 🐸🐸!") == "Hi there,!"
    assert drawable("Quoi ? 😊") == "Quoi ?"  # the model's own spacing is left alone
    assert drawable("Keycap 1️⃣ and a family 👨‍👩‍👧 here") == "Keycap 1 and a family here"
    assert drawable("I ★ the bell ♪, sun ☀️ up") == "I ★ the bell ♪, sun ☀ up"
    assert drawable("👍") == "…"  # nothing else to show: still, something was said
    assert drawable("Plain, café — naïve «quotes»") == "Plain, café — naïve «quotes»"


def test_fonts_answer_again_after_pygame_is_stopped_and_started() -> None:
    """The coverage answers outlive a FreeType font closed by pygame.quit()."""
    assert gui_runs("世界") == [("世界", "noto_sans_sc")]
    pygame.quit()
    start_pygame()
    pygame.display.set_mode((640, 480))
    assert gui_runs("和平 ok") == [("和平 ", "noto_sans_sc"), ("ok", None)]
    font = UIFont(20)
    assert pixels(font.render("和", True, INK)) != pixels(font.render("平", True, INK))


def test_the_dialogue_box_cuts_a_line_into_runs_of_one_font() -> None:
    assert gui_runs("Plain words") == [("Plain words", None)]
    assert gui_runs("Mixed: 你好 friend, 안녕 ok") == [
        ("Mixed: ", None),
        ("你好 ", "noto_sans_sc"),
        ("friend, ", None),
        ("안녕 ", "noto_sans_kr"),
        ("ok", None),
    ]
    assert gui_runs(LINES["ja"]) == [(LINES["ja"], "noto_sans_sc")]


def test_a_villager_answering_in_chinese_reads_in_the_dialogue_box(tiny_content, tmp_path) -> None:
    """Typed to as a player does; the answer's box names a font that has the characters,
    is as wide as they are drawn, and pygame-gui is never left to load a font on the fly
    (which it does with a warning on stderr)."""
    line = "Mixed: 你好 friend, " + LINES["zh"]

    def respond(request):
        return Reply(content=f'say("{line}")' if is_conversation(request) else "wait()")

    with LLMServer(respond) as server, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path)
        try:
            game = h.game
            assert all(isinstance(f, UIFont) for f in (game.font, game.small_font, game.title_font))
            walk_next_to_ada(h)
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState))
            h.type("Any news?")
            h.key(pygame.K_RETURN)
            assert h.until(lambda: any("桥下" in box.html_text for box in game.dialogue.messages))
            (box,) = [box for box in game.dialogue.messages if "桥下" in box.html_text]
            assert '<font face="noto_sans_sc">你好 </font>friend, ' in box.html_text
            tofu_width = game.manager.get_theme().get_font(["@message"]).size(line)[0]
            assert box.relative_rect.width > tofu_width  # measured in the font it is drawn in
        finally:
            h.close()
    assert [str(w.message) for w in caught if "font" in str(w.message).lower()] == []


def test_a_village_written_in_chinese_loads_its_fonts_before_the_first_frame(tmp_path) -> None:
    """Lines written in Chinese and Korean in the NPC files: the fallbacks are open when the
    game starts, not loaded (a tenth of a second) when the first such line shows."""
    from conftest import write_village

    from game.content.loader import load_content

    map_file, npc_dir = write_village(tmp_path / "v", {"Ada": (5, 1), "Bjorn": (6, 1)})
    ada = npc_dir / "ada.yaml"
    text = ada.read_text(encoding="utf-8")
    ada.write_text(text.replace("Lovely weather for frogs.", "今天天气很好。 안녕하세요"))
    content = load_content(map_file, npc_dir)
    with LLMServer(lambda r: Reply(content="wait()")) as server:
        h = Harness(content, loopback_brain(server.base_url), tmp_path / "logs")
        try:
            game = h.game
            # Noto Sans SC for the Chinese, KR for the Korean
            assert game.font.loaded_files() == ["NotoSansSC-Regular.otf", "NotoSansKR-Regular.ttf"]
            assert game.dialogue._fonts_loaded == {"noto_sans_sc", "noto_sans_kr"}
        finally:
            h.close()
