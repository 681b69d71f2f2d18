"""The dialogue box never hides the talk: at every supported window size, wherever the player
and the villager stand in the view, the box leaves both of them and the villager's bubble in
sight, moving the map aside (the camera) when no side of the view has room."""

from __future__ import annotations

import pygame
import pytest
from conftest import write_village
from hypothesis import given, settings
from hypothesis import strategies as st
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.ui.camera import Slack
from game.ui.dialogue import MIN_WINDOW_SIZE, TalkArea, place_window
from game.ui.map_render import BACKGROUND
from game.ui.states import DialogueState, PlayingState

SIZES = [(800, 600), (1280, 720)]
W, H = 60, 40  # tiles: a map larger than the view at both sizes


def field_map(player: tuple[int, int], w: int = W, h: int = H) -> str:
    """Grass inside a ring of trees, the player at ``player``."""
    rows = ["T" * w] + ["T" + "." * (w - 2) + "T" for _ in range(h - 2)] + ["T" * w]
    grid = "\n".join("  " + row for row in rows)
    return (
        "name: Fieldwick\n"
        "legend:\n"
        '  ".": {kind: grass, walkable: true}\n'
        '  "T": {kind: tree, walkable: false}\n'
        f"grid: |\n{grid}\n"
        f"player_spawn: [{player[0]}, {player[1]}]\n"
    )


# (where in the view, the villager's tile, the player's tile): the camera follows the player
# and stops at the map's edges, so a talk by an edge of the map is by that edge of the view.
PLACES = [
    ("left", (1, 20), (2, 20)),
    ("right", (58, 20), (57, 20)),
    ("centre", (30, 20), (31, 20)),
    ("centre, player diagonally above", (30, 20), (31, 19)),
    ("centre, player below", (30, 20), (30, 21)),
    ("centre, player right above", (30, 20), (30, 19)),
    ("right, player diagonally above", (58, 20), (57, 19)),
    ("left, player diagonally below", (1, 20), (2, 21)),
    ("top", (30, 1), (30, 2)),
    ("bottom", (30, 38), (30, 37)),
    ("top left corner", (1, 1), (2, 1)),
    ("bottom right corner", (58, 38), (57, 37)),
]


def drawn_rects(game, name: str) -> tuple[pygame.Rect, pygame.Rect | None]:
    """Where ``name``'s sprite is on screen, and their bubble if it is drawn, as the last
    frame drew them (the bubble checked against the screen's pixels)."""
    _, anchors = game.actors.layout(game.camera)
    x, y = anchors[name]
    sprite = pygame.Rect(x - game.tile // 2, y - 2, game.tile, game.tile)
    if name not in game.bubbles.live():
        return sprite, None
    room = game.dialogue.free_area or game.view
    speakers = [s for s in game.bubbles.live() if s in anchors]
    jobs = game.bubbles.jobs(anchors, room)
    surface, pos = jobs[speakers.index(name)]
    assert shows(game.screen, surface, pos), f"{name}'s bubble is not on screen where placed"
    return sprite, pygame.Rect(pos, surface.get_size())


def shows(screen: pygame.Surface, surface: pygame.Surface, pos: tuple[int, int]) -> bool:
    """Whether ``surface``'s opaque pixels are what ``screen`` shows at ``pos`` (sampled)."""
    key = surface.get_colorkey()
    w, h = surface.get_size()
    same = total = 0
    for y in range(2, h - 2, 3):
        for x in range(2, w - 2, 5):
            colour = surface.get_at((x, y))
            if (key is not None and colour[:3] == key[:3]) or colour.a < 255:
                continue
            total += 1
            same += screen.get_at((pos[0] + x, pos[1] + y))[:3] == colour[:3]
    return total > 20 and same >= 0.95 * total


def assert_talk_in_sight(game, npc: str) -> None:
    box = game.dialogue.window.rect
    view = game.view
    assert view.contains(box)
    assert box.w >= MIN_WINDOW_SIZE[0] and box.h >= MIN_WINDOW_SIZE[1]  # still usable
    for name in (npc, "Player"):
        sprite, bubble = drawn_rects(game, name)
        assert view.contains(sprite), name
        assert not box.colliderect(sprite), f"the box covers {name}"
        if bubble is not None:
            assert not box.colliderect(bubble), f"the box covers {name}'s bubble"
    assert npc in game.bubbles.live()  # the villager's bubble was checked


def open_dialogue(h: Harness, npc: str) -> None:
    game = h.game
    h.key(pygame.K_RETURN)
    assert h.until(lambda: isinstance(game.states[-1], DialogueState))
    assert h.until(lambda: npc in game.bubbles.live())
    h.frames(3)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("place", PLACES, ids=lambda p: p[0])
def test_the_box_leaves_the_player_the_villager_and_the_bubble_in_sight(
    tmp_path, size, place
) -> None:
    _, npc_tile, player_tile = place
    root = tmp_path / "village"
    content = load_content(*write_village(root, {"Ada": npc_tile}, field_map(player_tile)))
    h = Harness(content, OfflineBrain(0), tmp_path, size=size, turns=0)
    try:
        game = h.game
        open_dialogue(h, "Ada")
        assert_talk_in_sight(game, "Ada")
        # A reply is a new bubble, of another size: it too keeps clear of the box.
        h.type("Have you seen the pond?")
        h.key(pygame.K_RETURN)
        assert h.until(lambda: len(game.dialogue.messages) >= 3)
        h.frames(3)
        assert_talk_in_sight(game, "Ada")
        # Closed, the map goes back to following the player.
        h.key(pygame.K_ESCAPE)
        assert h.until(lambda: isinstance(game.states[-1], PlayingState))
        h.frames(1)
        assert game.camera.shift == (0, 0)
        x, y = game.camera.x, game.camera.y
        game.camera.follow(*game.actors.centre_of("Player"))
        assert (game.camera.x, game.camera.y) == (x, y)
    finally:
        h.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_bubble_pushed_where_the_box_did_not_expect_it_still_keeps_out_from_under_it(
    tmp_path, size
) -> None:
    """Bo stands right over Ada, so her bubble cannot go above her (it would cover his head)
    and goes under her, where the box, placed for a bubble above her, may be: it is kept
    to the part of the view the box leaves free."""
    spawns = {"Ada": (30, 20), "Bo": (30, 19)}
    content = load_content(*write_village(tmp_path / "v", spawns, field_map((31, 20))))
    h = Harness(content, OfflineBrain(0), tmp_path, size=size, turns=0)
    try:
        open_dialogue(h, "Ada")
        assert_talk_in_sight(h.game, "Ada")
    finally:
        h.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_village_smaller_than_the_view_moves_aside_for_the_box(tmp_path, size) -> None:
    """The test village (12 x 8 tiles) sits in the middle of the view, under where the box
    used to open."""
    content = load_content(*write_village(tmp_path / "v", {"Ada": (2, 1), "Cora": (9, 6)}))
    h = Harness(content, OfflineBrain(0), tmp_path, size=size, turns=0)
    try:
        open_dialogue(h, "Ada")
        assert_talk_in_sight(h.game, "Ada")
    finally:
        h.close()


def test_a_map_just_the_size_of_the_view_moves_past_its_edge_and_shows_plain_ground_there(
    tmp_path,
) -> None:
    """25 x 18 tiles fill an 800 x 600 view: to clear the talk in its middle the map must
    move past its edge, and what shows there is the plain background, not the map's edge
    left over from before the move."""
    spawns = {"Ada": (12, 9)}
    content = load_content(*write_village(tmp_path / "v", spawns, field_map((13, 9), 25, 18)))
    h = Harness(content, OfflineBrain(0), tmp_path, size=(800, 600), turns=0)
    try:
        game = h.game
        open_dialogue(h, "Ada")
        assert_talk_in_sight(game, "Ada")
        assert game.camera.shift != (0, 0)
        box = game.dialogue.window.rect
        _, bottom = game.camera.to_screen(0, game.map_layer.size_px[1])
        _, top = game.camera.to_screen(0, 0)
        past = [y for y in range(game.view.top, game.view.bottom) if not top <= y < bottom]
        assert past  # some of the view is beyond the map
        for y in past[::4]:
            for x in (game.view.left + 4, box.left - 8, box.right + 8):
                if game.view.collidepoint(x, y) and not box.collidepoint(x, y):
                    assert game.screen.get_at((x, y))[:3] == BACKGROUND, (x, y)
    finally:
        h.close()


def test_the_dialogue_box_at_800x600_keeps_the_usual_meeting_at_the_well_in_sight(
    real_content, tmp_path
) -> None:
    """At 800 x 600 the box had no side with room beside the two and opened over them both
    and over the villager's bubble."""
    h = Harness(real_content, OfflineBrain(0), tmp_path, size=(800, 600), turns=0)
    try:
        open_dialogue(h, "Pip")  # Pip stands at the well, diagonally next to the player
        assert_talk_in_sight(h.game, "Pip")
    finally:
        h.close()


# ---- the placement on its own, over every window size between the supported ones --------

sizes = st.tuples(st.integers(800, 1280), st.integers(600, 720))


@settings(max_examples=300, deadline=None)
@given(size=sizes, fx=st.floats(0, 1), fy=st.floats(0, 1), dx=st.sampled_from([-1, 0, 1]),
       dy=st.sampled_from([-1, 0, 1]))
def test_wherever_the_two_stand_the_box_covers_neither_nor_the_bubbles(
    size, fx, fy, dx, dy
) -> None:
    """A map with room to move every way: the box covers neither talker, nor the room for
    their bubbles, and moves the map only as far as the map allows."""
    view = pygame.Rect(0, 26, size[0], size[1] - 26)
    t = 32
    x = view.left + int(fx * (view.w - 2 * t)) + t // 2
    y = view.top + int(fy * (view.h - 2 * t)) + t // 2
    sprites = [pygame.Rect(x, y, t, t), pygame.Rect(x + dx * t, y + dy * t, t, t)]
    people = sprites[0].union(sprites[1]).inflate(16, 0)
    people.h += 34  # the names
    bubbles = people.union(pygame.Rect(x + t // 2 - 110, y - 114, 220, 114))
    slack = Slack(2000, 2000, 2000, 2000)
    placed = place_window(view, TalkArea(people, bubbles), slack)
    box = placed.rect
    assert view.contains(box)
    assert box.w >= MIN_WINDOW_SIZE[0] and box.h >= MIN_WINDOW_SIZE[1]
    moved_people, moved_bubbles = people.move(placed.shift), bubbles.move(placed.shift)
    assert not box.colliderect(moved_people)
    assert view.contains(moved_people)
    assert not box.colliderect(moved_bubbles)
    assert placed.free.contains(moved_people)
    assert not placed.free.colliderect(box)


@settings(max_examples=100, deadline=None)
@given(size=sizes, fx=st.floats(0, 1), fy=st.floats(0, 1))
def test_a_map_that_cannot_move_is_moved_past_its_edge_rather_than_hide_the_two(
    size, fx, fy
) -> None:
    """No slack (the map exactly fills the view): the talk still ends up clear of the box."""
    view = pygame.Rect(0, 26, size[0], size[1] - 26)
    x = view.left + int(fx * (view.w - 64))
    y = view.top + int(fy * (view.h - 100))
    people = pygame.Rect(x, y, 64, 100)
    placed = place_window(view, TalkArea(people, people.inflate(0, 0)), Slack(0, 0, 0, 0))
    assert not placed.rect.colliderect(people.move(placed.shift))
    assert view.contains(people.move(placed.shift))


def test_with_room_beside_the_two_the_map_does_not_move() -> None:
    view = pygame.Rect(0, 26, 1280, 694)
    people = pygame.Rect(600, 350, 64, 70)
    bubbles = people.union(pygame.Rect(520, 230, 230, 120))
    placed = place_window(view, TalkArea(people, bubbles), Slack(500, 500, 500, 500))
    assert placed.shift == (0, 0)
    assert not placed.rect.colliderect(bubbles)
