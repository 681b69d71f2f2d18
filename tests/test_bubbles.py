"""Speech bubbles: wrapping, timing, replacing, clamping and drawing (headless)."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.text import ELLIPSIS, for_screen  # noqa: E402
from game.ui import bubbles as bub  # noqa: E402
from game.ui.bubbles import SpeechBubbles, wrap_text  # noqa: E402

GREEN = (40, 120, 50)
VIEW = pygame.Rect(0, 26, 1280, 694)
CHROME_W = 2 * (bub.PAD + bub.BORDER) + 1  # padding and outline on both sides, odd-width pad
LONG = (
    "Have you seen the pond this morning? The frogs are singing louder than ever, "
    "and old Cora swears one of them winked at her while she was fetching water."
)


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    pygame.init()
    yield pygame.display.set_mode((1280, 720))


@pytest.fixture
def font() -> pygame.font.Font:
    return pygame.font.Font(None, 20)


@pytest.fixture
def bubbles(font: pygame.font.Font) -> SpeechBubbles:
    return SpeechBubbles(font)


def canvas() -> pygame.Surface:
    surface = pygame.Surface((1280, 720))
    surface.fill(GREEN)
    return surface


def drawn_rect(surface: pygame.Surface) -> pygame.Rect:
    """The bounding box of everything that is not background."""
    probe = surface.copy()
    probe.set_colorkey(GREEN)
    rects = pygame.mask.from_surface(probe).get_bounding_rects()
    assert rects, "nothing was drawn"
    return rects[0].unionall(rects[1:])


def test_wrap_text_respects_the_width(font: pygame.font.Font) -> None:
    lines = wrap_text(font, LONG, 200)
    assert len(lines) > 1
    assert all(font.size(line)[0] <= 200 for line in lines)
    assert " ".join(lines) == LONG


def test_wrap_text_breaks_long_words(font: pygame.font.Font) -> None:
    word = "Supercalifragilisticexpialidocious" * 3
    lines = wrap_text(font, f"a {word} b", 120)
    assert all(font.size(line)[0] <= 120 for line in lines)
    assert lines[0] == "a"
    assert "".join(lines).replace(" ", "") == f"a{word}b"


def test_wrap_text_with_max_lines_stops_early(font: pygame.font.Font) -> None:
    lines = wrap_text(font, "word " * 5000, 200, max_lines=6)
    assert len(lines) == 7


def test_text_for_the_screen_has_no_controls() -> None:
    assert for_screen("hi\x00\x07\tthere\r\nfriend\x1b[31m \u202e!") == "hi there friend[31m !"
    assert for_screen("one\n\ntwo", keep_newlines=True) == "one\n\ntwo"


def test_long_text_wraps_within_the_limit(bubbles: SpeechBubbles, font: pygame.font.Font) -> None:
    assert bubbles.text_width_limit == 200
    bubbles.say("Ada", LONG)
    info = bubbles.live()["Ada"]
    assert len(info.lines) > 1
    assert all(font.size(line)[0] <= 200 for line in info.lines)
    assert info.size[0] - CHROME_W <= 200


def test_giant_reply_is_capped_with_an_ellipsis(
    bubbles: SpeechBubbles, font: pygame.font.Font
) -> None:
    started = time.perf_counter()
    bubbles.say("Ada", ("blah " * 2000) + "x" * 500)
    took = time.perf_counter() - started
    info = bubbles.live()["Ada"]
    assert len(info.lines) == bub.MAX_LINES
    assert info.lines[-1].endswith(ELLIPSIS)
    assert info.size[1] <= bub.MAX_LINES * font.get_linesize() + 2 * (bub.PAD + bub.BORDER) + 10
    assert took < 0.05


def test_control_characters_are_stripped(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello\x00\x07\tthere\nfriend")
    assert bubbles.live()["Ada"].text == "Hello there friend"


def test_empty_text_makes_no_bubble(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", " \n\t\x00")
    assert bubbles.live() == {}


def test_visible_then_fading_then_gone(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello!")
    for _ in range(29):
        bubbles.update(0.1)
    assert bubbles.live()["Ada"].alpha == 255  # 2.9 s
    bubbles.update(0.2)  # 3.1 s
    alpha = bubbles.live()["Ada"].alpha
    assert 0 < alpha < 255
    bubbles.update(0.2)  # 3.3 s
    assert bubbles.live()["Ada"].alpha < alpha
    bubbles.update(0.31)  # 3.61 s > 3.0 + 0.6
    assert "Ada" not in bubbles.live()


def test_same_speaker_replaces(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "First")
    bubbles.update(2.0)
    bubbles.say("Ada", "Second, rather longer line")
    live = bubbles.live()
    assert list(live) == ["Ada"]
    assert live["Ada"].text == "Second, rather longer line"
    assert live["Ada"].age == 0.0


def test_two_speakers_coexist(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello")
    bubbles.update(1.0)
    bubbles.say("Bjorn", "Morning")
    live = bubbles.live()
    assert set(live) == {"Ada", "Bjorn"}
    assert live["Ada"].age == pytest.approx(1.0)
    assert live["Bjorn"].age == 0.0
    bubbles.clear()
    assert bubbles.live() == {}


def test_tail_tip_sits_on_the_anchor_and_the_bubble_is_white(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Lovely weather for frogs!")
    surface = canvas()
    anchor = (640, 400)
    bubbles.draw(surface, {"Ada": anchor}, VIEW)
    rect = drawn_rect(surface)
    assert rect.bottom - 1 == anchor[1]  # the tip is the lowest drawn pixel
    assert abs(rect.centerx - anchor[0]) <= 1
    assert rect.size == bubbles.live()["Ada"].size
    white = [
        (x, y)
        for x in range(anchor[0] - 20, anchor[0] + 21)
        for y in range(anchor[1] - 30, anchor[1])
        if surface.get_at((x, y))[:3] == bub.BG
    ]
    assert len(white) > 100


def test_missing_anchor_is_not_drawn(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello")
    surface = canvas()
    bubbles.draw(surface, {"Bjorn": (300, 300)}, VIEW)
    assert pygame.mask.from_threshold(surface, GREEN, (1, 1, 1, 255)).count() == 1280 * 720


@pytest.mark.parametrize(
    "anchor", [(1278, 300), (2, 300), (640, 30), (1279, 27), (0, 719), (5000, -5000)]
)
def test_clamped_inside_the_view(bubbles: SpeechBubbles, anchor: tuple[int, int]) -> None:
    bubbles.say("Ada", LONG)
    surface = canvas()
    bubbles.draw(surface, {"Ada": anchor}, VIEW)
    assert VIEW.contains(drawn_rect(surface))


def test_draw_changes_nothing(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello")
    bubbles.say("Bjorn", LONG)
    bubbles.update(3.2)  # mid-fade
    anchors = {"Ada": (300, 300), "Bjorn": (700, 400)}
    before = bubbles.live()
    first, second = canvas(), canvas()
    bubbles.draw(first, anchors, VIEW)
    bubbles.draw(second, anchors, VIEW)
    assert bubbles.live() == before
    assert pygame.image.tobytes(first, "RGB") == pygame.image.tobytes(second, "RGB")


def test_fading_blends_with_the_background(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", "Hello there")
    bubbles.update(3.3)  # half way through the fade
    surface = canvas()
    anchor = (640, 400)
    bubbles.draw(surface, {"Ada": anchor}, VIEW)
    rect = drawn_rect(surface)
    r, g, b, _ = surface.get_at((rect.left + 4, rect.centery))
    assert GREEN[0] < r < 255 and GREEN[2] < b < 255


def test_twenty_bubbles_draw_quickly(font: pygame.font.Font) -> None:
    bubbles = SpeechBubbles(font)
    anchors = {}
    for i in range(20):
        name = f"npc{i}"
        bubbles.say(name, LONG[: 20 + 6 * i])
        anchors[name] = (60 + (i % 10) * 120, 200 + (i // 10) * 250)
    bubbles.update(0.1)
    surface = pygame.display.get_surface()
    assert surface is not None
    times = []
    for _ in range(50):
        started = time.perf_counter()
        bubbles.update(0.016)
        bubbles.draw(surface, anchors, VIEW)
        times.append(time.perf_counter() - started)
    times.sort()
    print(f"20 bubbles update+draw: median {times[len(times) // 2] * 1000:.3f} ms")


def tip_of(surface: pygame.Surface, anchor: tuple[int, int]) -> bool:
    """Whether a tail ends on ``anchor``: its outline drawn there, the map showing just past."""
    return surface.get_at(anchor)[:3] == bub.OUTLINE


@pytest.mark.parametrize("anchor", [(4, 300), (1276, 300), (640, 400)])
def test_a_bubble_pushed_inside_the_view_still_points_at_its_speaker(
    bubbles: SpeechBubbles, anchor: tuple[int, int]
) -> None:
    bubbles.say("Ada", LONG)
    surface = canvas()
    bubbles.draw(surface, {"Ada": anchor}, VIEW)
    assert VIEW.contains(drawn_rect(surface))
    assert tip_of(surface, anchor)
    assert surface.get_at((anchor[0], anchor[1] + 1))[:3] == GREEN  # nothing over the head


def test_neighbours_talking_get_bubbles_side_by_side_each_pointing_home(
    bubbles: SpeechBubbles,
) -> None:
    bubbles.say("Ada", "Have you seen the pond this morning?")
    bubbles.say("Bjorn", "Frogs everywhere, and louder than ever.")
    anchors = {"Ada": (608, 400), "Bjorn": (640, 400)}  # two tiles side by side
    surface = canvas()
    jobs = bubbles.jobs(anchors, VIEW)
    surface.blits(jobs)
    rects = [pygame.Rect(pos, image.get_size()) for image, pos in jobs]
    boxes = [r.inflate(0, -2 * bub.TAIL_H) for r in rects]  # the boxes, not the tails' rows
    assert not boxes[0].colliderect(boxes[1])
    assert all(tip_of(surface, anchor) for anchor in anchors.values())


def test_with_no_room_above_the_bubble_goes_under_its_speaker(bubbles: SpeechBubbles) -> None:
    bubbles.say("Ada", LONG)
    anchor = (640, VIEW.top + 10)
    surface = canvas()
    (image, pos), = bubbles.jobs({"Ada": anchor}, VIEW)
    surface.blit(image, pos)
    rect = pygame.Rect(pos, image.get_size())
    assert rect.top > anchor[1] and VIEW.contains(rect)  # the head is not covered
    assert tip_of(surface, (anchor[0], anchor[1] + bubbles.below))  # pointing up at it


def test_a_bubble_does_not_cover_the_neighbour_standing_above(bubbles: SpeechBubbles) -> None:
    """Pip stands right above Odile: Odile's bubble goes under her, not over Pip's face."""
    anchors = {"Pip": (640, 368), "Odile": (640, 400)}
    bubbles.say("Pip", "Odile, did you know? There's a wobbly plank in the old bridge.")
    bubbles.say("Odile", "Bram eats supper at the inn every night.")
    surface = canvas()
    jobs = bubbles.jobs(anchors, VIEW)
    surface.blits(jobs)
    pip_head = pygame.Rect(630, 368, 20, 40)
    pip_rect, odile_rect = (pygame.Rect(pos, image.get_size()) for image, pos in jobs)
    assert not odile_rect.colliderect(pip_head) and not pip_rect.colliderect(odile_rect)
    assert tip_of(surface, anchors["Pip"])
    assert tip_of(surface, (640, 400 + bubbles.below))


def test_a_lone_speaker_under_a_neighbour_gets_its_bubble_under_it(
    bubbles: SpeechBubbles,
) -> None:
    anchors = {"Pip": (640, 368), "Odile": (640, 400)}  # Pip silent, right above Odile
    bubbles.say("Odile", "Bram eats supper at the inn every night.")
    (image, pos), = bubbles.jobs(anchors, VIEW)
    assert not pygame.Rect(pos, image.get_size()).colliderect(pygame.Rect(630, 368, 20, 40))


def test_a_bubble_keeps_its_place_beside_its_speaker_as_people_come_and_go(
    bubbles: SpeechBubbles,
) -> None:
    bubbles.say("Odile", "Bram eats supper at the inn every night.")
    (_, first), = bubbles.jobs({"Pip": (640, 368), "Odile": (640, 400)}, VIEW)
    assert first[1] > 400  # under her: Pip stood above
    # Pip walks off and Odile glides a little: the bubble follows her, not hopping above.
    (image, pos), = bubbles.jobs({"Pip": (900, 368), "Odile": (644, 400)}, VIEW)
    assert pos == (first[0] + 4, first[1])
    surface = canvas()
    surface.blit(image, pos)
    assert tip_of(surface, (644, 400 + bubbles.below))
