"""Where names and bubbles go in a crowd: a name never on someone else's head, a bubble
not over other villagers' names when it has room elsewhere, and never hard against the
edge of the view. Real sprites, real fonts, the real actors' layout and bubbles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
from conftest import write_village
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.sim import messages as m
from game.ui.actors import Actors
from game.ui.app import start_pygame
from game.ui.bubbles import SpeechBubbles
from game.ui.camera import Camera
from game.ui.fonts import UIFont
from game.ui.sprites import CharacterSprites, Palette

T = 32
VIEW = pygame.Rect(0, 26, 1280, 694)  # the map area under the bar, 1280 x 720
MARGIN = 6  # at least this between a bubble and the edge of the view
PALETTE = Palette((241, 194, 125), (90, 56, 37), (59, 110, 165), (74, 74, 74))
LINE = "Stand still, all of you, I'm counting heads before supper."
# A column of four, one under another.
COLUMN = {"Ada": (10, 5), "Bartholomew": (10, 6), "Cora": (10, 7), "Dmitri": (10, 8)}


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    start_pygame()
    yield pygame.display.set_mode(VIEW.size)


def head_of(sprite: pygame.Surface, pos: tuple[int, int]) -> pygame.Rect:
    """The hair and face: the top twelve rows of what the sprite draws."""
    drawn = sprite.get_bounding_rect()
    return pygame.Rect(pos[0] + drawn.x, pos[1] + drawn.y, drawn.w, 12)


class Scene:
    """Villagers standing on tiles, laid out by the real Actors for a camera at the
    map's corner; speech bubbles placed among them."""

    def __init__(self, people: dict[str, tuple[int, int]]) -> None:
        self.actors = Actors(T, UIFont(17))
        sprites = CharacterSprites.load(PALETTE)
        for name, tile in people.items():
            self.actors.add(name, sprites, tile)
        self.camera = Camera(VIEW, (40 * T, 40 * T))
        self.bubbles = SpeechBubbles(UIFont(20))

    def layout(self) -> tuple[dict[str, pygame.Rect], dict[str, pygame.Rect]]:
        """Each name's label and each villager's head, where they are drawn."""
        jobs, _ = self.actors.layout(self.camera)
        labels, heads = {}, {}
        for name, actor in self.actors.by_name.items():
            for surface, pos in jobs:
                if surface is actor.label:
                    labels[name] = pygame.Rect(pos, surface.get_size())
                elif surface is actor.frame():
                    heads[name] = head_of(surface, pos)
        return labels, heads

    def say(self, said: dict[str, str]) -> dict[str, pygame.Rect]:
        """Each speaker's bubble box, placed among everyone."""
        for name, text in said.items():
            self.bubbles.say(name, text)
        _, anchors = self.actors.layout(self.camera)
        self.bubbles.jobs(anchors, VIEW)
        return self.bubbles.boxes()


def names_on_heads(labels: dict[str, pygame.Rect], heads: dict[str, pygame.Rect]) -> list:
    return [
        (name, other)
        for name, label in labels.items()
        for other, head in heads.items()
        if other != name and label.colliderect(head)
    ]


def test_a_name_is_not_drawn_on_the_head_of_the_villager_standing_below() -> None:
    """Four in a column: each name under its owner's feet used to sit on the next one's
    face; now each name shows, and on nobody's head."""
    labels, heads = Scene(COLUMN).layout()
    assert set(labels) == set(COLUMN)
    assert names_on_heads(labels, heads) == []


def test_in_a_crowd_no_name_sits_on_a_head_and_names_do_not_overlap() -> None:
    crowd = {
        **COLUMN,
        "Evangeline": (14, 10), "Finn": (15, 10), "Gwendolyn": (16, 10), "Hal": (17, 10),
        "Ivo": (20, 5), "Juniper": (21, 5), "Kit": (20, 6), "Lorenzo": (21, 6),
        "Mabel": (24, 10), "Ned": (25, 11),
    }  # fmt: skip
    labels, heads = Scene(crowd).layout()
    assert names_on_heads(labels, heads) == []
    rects = list(labels.values())
    assert all(a.collidelist(rects[i + 1 :]) < 0 for i, a in enumerate(rects))
    assert len(labels) >= len(crowd) - 1  # a packed row of four may lose a name


def test_a_bubble_leaves_the_name_of_a_villager_up_and_aside_readable() -> None:
    """Above its speaker, a wide bubble reached over Bartholomew's name two rows up and
    four across (his head was clear of it); now it leans the other way."""
    scene = Scene({"Ada": (20, 10), "Bartholomew": (24, 8)})
    box = scene.say({"Ada": LINE})["Ada"]
    labels, heads = scene.layout()
    assert not box.colliderect(labels["Bartholomew"])
    assert box.bottom <= heads["Ada"].top  # still above her
    assert box.left < heads["Ada"].left < box.right  # and over her


def test_the_bubble_of_one_in_a_column_covers_no_name_and_no_head() -> None:
    """Bartholomew speaks with Ada right above him and Cora and Dmitri below: above, the
    bubble covered Ada; under, it would cover Dmitri; beside Ada it covers nobody."""
    scene = Scene(COLUMN)
    box = scene.say({"Bartholomew": LINE})["Bartholomew"]
    labels, heads = scene.layout()
    assert box.collidelist(list(labels.values())) < 0
    assert box.collidelist(list(heads.values())) < 0
    assert box.bottom <= heads["Bartholomew"].top  # above him, his head in sight


@pytest.mark.parametrize("tile", [(0, 0), (39, 0), (0, 20), (39, 20), (19, 0)])
def test_a_bubble_keeps_a_margin_from_the_edge_of_the_view(tile: tuple[int, int]) -> None:
    scene = Scene({"Ada": tile, "Bartholomew": (tile[0], tile[1] + 1)})
    box = scene.say({"Ada": LINE})["Ada"]
    assert VIEW.inflate(-2 * MARGIN, -2 * MARGIN).contains(box), box


def test_a_bubble_steps_aside_for_one_in_the_corner_with_nowhere_else_to_go() -> None:
    """Odile, in the corner, can only have her bubble under her; Sam's, said first, was
    there. Sam's moves to another of his places, rather than the two being drawn over
    each other."""
    scene = Scene({"Sam": (3, 3), "Odile": (0, 0)})
    boxes = scene.say({"Sam": LINE, "Odile": LINE})
    assert not boxes["Sam"].colliderect(boxes["Odile"])
    inside = VIEW.inflate(-2 * MARGIN, -2 * MARGIN)
    assert inside.contains(boxes["Sam"]) and inside.contains(boxes["Odile"])


def crowd_village(root: Path) -> tuple[Path, Path]:
    rows = ["T" * 40] + ["T" + "." * 38 + "T" for _ in range(20)] + ["T" * 40]
    village_map = (
        "name: Crowdwick\nlegend:\n"
        '  ".": {kind: grass, walkable: true}\n  "T": {kind: tree, walkable: false}\n'
        "grid: |\n" + "".join(f"  {row}\n" for row in rows)
        + "landmarks: []\nplayer_spawn: [20, 12]\n"
    )
    column = {name: (x + 4, y) for name, (x, y) in COLUMN.items()}
    people = {**column, "Odile": (1, 1), "Pip": (38, 19), "Ned": (25, 8), "Evangeline": (28, 6)}
    return write_village(root, people, village_map)


def test_in_the_game_bubbles_and_names_keep_clear_of_each_other_and_the_edges(
    tmp_path: Path,
) -> None:
    """The real game, everyone standing still (no turns): three speak at once, one in a
    column, two by the edges of the view, one under a long name. No bubble covers a name,
    every bubble keeps its margin, and no name sits on a head."""
    content = load_content(*crowd_village(tmp_path))
    h = Harness(content, OfflineBrain(5), tmp_path / "logs", turns=0)
    try:
        game = h.game
        h.frames(3)
        for name in ("Bartholomew", "Odile", "Pip", "Ned"):
            game.apply(m.Spoke(name, LINE, 1))
        h.frames(3)
        boxes = game.bubbles.boxes()
        assert set(boxes) == {"Bartholomew", "Odile", "Pip", "Ned"}
        jobs, _ = game.actors.layout(game.camera)
        labels, heads = {}, {}
        for name, actor in game.actors.by_name.items():
            for surface, pos in jobs:
                if surface is actor.label:
                    labels[name] = pygame.Rect(pos, surface.get_size())
                elif surface is actor.frame():
                    heads[name] = head_of(surface, pos)
        assert names_on_heads(labels, heads) == []
        inside = game.view.inflate(-2 * MARGIN, -2 * MARGIN)
        for speaker, box in boxes.items():
            assert inside.contains(box), speaker
            assert box.collidelist(list(labels.values())) < 0, speaker
            others = [b for s, b in boxes.items() if s != speaker]
            assert box.collidelist(others) < 0, speaker
    finally:
        h.close()
