"""A walk is seen step by step: steps the world takes faster than the screen glides them
(one standing in a door steps out of the way in two at once) are queued and glided in
turn, never shown as a jump or a slide across a corner."""

from __future__ import annotations

from collections.abc import Iterator

import pygame
import pytest

from game.ui.actors import Actors
from game.ui.app import start_pygame
from game.ui.fonts import UIFont
from game.ui.sprites import CharacterSprites, Palette
from game.world import Facing

TILE = 32
PALETTE = Palette((240, 200, 160), (60, 40, 30), (200, 70, 60), (70, 80, 120))


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    start_pygame()
    yield pygame.display.set_mode((320, 240))


def shown_path(actor, frames: int) -> list[tuple[float, float]]:
    path = []
    for _ in range(frames):
        actor.update(1 / 60, TILE)
        path.append((actor.x, actor.y))
    return path


def test_steps_arriving_at_once_are_glided_one_after_another() -> None:
    actors = Actors(TILE, UIFont(17))
    ada = actors.add("Ada", CharacterSprites.load(PALETTE), (4, 3))
    # The world moved her two tiles in one go: right, then up.
    ada.move_to((5, 3), Facing.RIGHT, 0.2, TILE)
    ada.move_to((5, 2), Facing.UP, 0.2, TILE)
    assert ada.tile == (5, 2)  # where the world has her
    path = shown_path(ada, 60)
    assert path[-1] == (5 * TILE, 2 * TILE)
    # Every point drawn lies on the two steps, through the corner tile (5, 3), never
    # across it: first along the row, then up the column.
    corner = path.index((5 * TILE, 3 * TILE))
    assert all(y == 3 * TILE for _, y in path[:corner])
    assert all(x == 5 * TILE for x, _ in path[corner:])
    assert not ada.moving and ada.facing == Facing.UP


def test_placing_snaps_and_forgets_the_steps_still_to_show() -> None:
    actors = Actors(TILE, UIFont(17))
    ada = actors.add("Ada", CharacterSprites.load(PALETTE), (4, 3))
    ada.move_to((5, 3), Facing.RIGHT, 0.2, TILE)
    ada.move_to((6, 3), Facing.RIGHT, 0.2, TILE)
    ada.move_to((1, 1), Facing.DOWN, 0.0, TILE)  # placed anew (a load, a start)
    assert (ada.x, ada.y) == (TILE, TILE) and not ada.moving
    assert shown_path(ada, 5)[-1] == (TILE, TILE)
