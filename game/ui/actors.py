"""The render thread's own view of everyone on the map: where to draw them, how they walk.

Fed by events from the simulation; advanced in ``update(dt)``; ``draw`` changes nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pygame

from game.world.grid import Facing

if TYPE_CHECKING:
    from game.ui.camera import Camera
    from game.ui.sprites import CharacterSprites

WALK_FRAME_TIME = 0.12  # seconds per walking frame
LABEL_GAP = 2  # pixels kept between two names on one line
_depth = operator.attrgetter("y", "x")  # lower on screen is drawn later
Blit = tuple[pygame.Surface, tuple[int, int]]
Layout = tuple[list[Blit], dict[str, tuple[int, int]]]  # blits in order, bubble anchors
# Everything about an actor that decides how it is drawn (its sprites and label never change).
_looks = operator.attrgetter("x", "y", "facing", "thinking", "walk_clock", "elapsed", "glide")


@dataclass
class Actor:
    """One sprite on the map, gliding from tile to tile."""

    name: str
    sprites: CharacterSprites
    label: pygame.Surface
    tile: tuple[int, int]
    facing: Facing = Facing.DOWN
    x: float = 0.0  # world pixels, top-left of the tile it is drawn on
    y: float = 0.0
    start_x: float = 0.0
    start_y: float = 0.0
    glide: float = 0.0  # seconds the current glide takes
    elapsed: float = 0.0
    walk_clock: float = 0.0
    thinking: bool = False
    label_dx: int = 0  # where the label goes, from the tile's left edge (centred)
    resting: bool = False  # standing on its tile, walk clock at 0: update has nothing to do
    _shown: tuple[Facing, int] | None = field(default=None, repr=False, compare=False)
    _image: pygame.Surface | None = field(default=None, repr=False, compare=False)

    @property
    def moving(self) -> bool:
        return self.elapsed < self.glide

    def move_to(self, tile: tuple[int, int], facing: Facing, duration: float, size: int) -> None:
        self.start_x, self.start_y = self.x, self.y
        self.tile = tile
        self.facing = facing
        self.glide = max(duration, 0.0)
        self.elapsed = 0.0
        self.resting = False
        if self.glide == 0:
            self.x, self.y = tile[0] * size, tile[1] * size

    def update(self, dt: float, size: int) -> None:
        tx, ty = self.tile[0] * size, self.tile[1] * size
        if self.elapsed < self.glide:
            self.elapsed = min(self.elapsed + dt, self.glide)
            f = self.elapsed / self.glide
            self.x = self.start_x + (tx - self.start_x) * f
            self.y = self.start_y + (ty - self.start_y) * f
            self.walk_clock += dt
        else:
            self.x, self.y = tx, ty
            self.walk_clock = 0.0
            self.resting = True

    def frame(self) -> pygame.Surface:
        index = 0
        if self.moving:
            index = 1 + int(self.walk_clock / WALK_FRAME_TIME) % 2
        shown = (self.facing, index)
        if shown != self._shown or self._image is None:  # looked up again only on a change
            self._shown = shown
            # A copy, not the sheet's subsurface: blitting a subsurface locks the whole
            # sheet every time, which costs more than the copy once.
            self._image = self.sprites.frame(self.facing.value, index).copy()
        return self._image


class Actors:
    """All actors, drawn in depth order (lower on screen drawn later)."""

    def __init__(self, tile_size: int, font: pygame.font.Font) -> None:
        self.tile = tile_size
        self.font = font
        self.by_name: dict[str, Actor] = {}
        self._thinking_dot = self._make_dot()
        self._layout_key: object = None  # what the last layout was made for
        self._layout: Layout = ([], {})

    def _make_dot(self) -> pygame.Surface:
        dot = pygame.Surface((18, 10), pygame.SRCALPHA)
        pygame.draw.rect(dot, (255, 255, 255, 230), dot.get_rect(), border_radius=5)
        for i in range(3):
            pygame.draw.circle(dot, (70, 60, 60), (4 + i * 5, 5), 1)
        return dot

    def make_label(self, text: str) -> pygame.Surface:
        """A name label with a soft dark outline, rendered once."""
        fg = self.font.render(text, True, (255, 250, 235))
        shadow = self.font.render(text, True, (30, 25, 30))
        label = pygame.Surface((fg.get_width() + 2, fg.get_height() + 2), pygame.SRCALPHA)
        for dx, dy in ((0, 1), (2, 1), (1, 0), (1, 2)):
            label.blit(shadow, (dx, dy))
        label.blit(fg, (1, 1))
        return label

    def add(self, name: str, sprites: CharacterSprites, tile: tuple[int, int]) -> Actor:
        label = self.make_label(name)
        actor = Actor(name, sprites, label, tile, label_dx=(self.tile - label.get_width()) // 2)
        actor.x, actor.y = tile[0] * self.tile, tile[1] * self.tile
        self.by_name[name] = actor
        return actor

    def get(self, name: str) -> Actor | None:
        return self.by_name.get(name)

    def update(self, dt: float) -> None:
        for actor in self.by_name.values():
            if not actor.resting:  # only a move_to ends the rest
                actor.update(dt, self.tile)

    def centre_of(self, name: str) -> tuple[float, float] | None:
        actor = self.by_name.get(name)
        if actor is None:
            return None
        return (actor.x + self.tile / 2, actor.y + self.tile / 2)

    def layout(self, camera: Camera) -> Layout:
        """The blits that draw every visible actor, in depth order, and each one's bubble
        anchor (top centre of its head). Made again only when an actor or the camera has
        moved or changed since the last call, else the same list and dict again: do not
        change them."""
        view = camera.view
        actors = tuple(self.by_name.values())
        key = (camera.x, camera.y, tuple(view), actors, tuple(map(_looks, actors)))
        if key != self._layout_key:
            self._layout_key = key
            self._layout = self._make_layout(camera)
        return self._layout

    def _make_layout(self, camera: Camera) -> Layout:
        anchors: dict[str, tuple[int, int]] = {}
        view = camera.view
        t = self.tile
        cam_x, cam_y, vx, vy = camera.x, camera.y, view.x, view.y  # as in camera.to_screen
        left, right, top, bottom = view.left - t, view.right, view.top - t - 16, view.bottom
        dot = self._thinking_dot
        shown: list[tuple[Actor, int, int]] = []
        for actor in sorted(self.by_name.values(), key=_depth):
            sx = round(actor.x - cam_x) + vx
            if sx < left or sx > right:
                continue
            sy = round(actor.y - cam_y) + vy
            if sy < top or sy > bottom:
                continue
            shown.append((actor, sx, sy))
        # One blits() call for the lot, in the same order: far less overhead per sprite.
        jobs: list[Blit] = []
        for actor, sx, sy in shown:
            jobs.append((actor.frame(), (sx, sy)))
            if actor.thinking:
                jobs.append((dot, (sx + t - 12, sy - 4)))
            anchors[actor.name] = (sx + t // 2, sy + 2)
        # The names go on top of every sprite, so that a villager standing below hides none.
        bodies = [pygame.Rect(sx + 6, sy + 6, t - 12, t - 6) for _, sx, sy in shown]
        placed: list[pygame.Rect] = []  # where the names went, so that none covers another
        for actor, sx, sy in shown:
            spot = _place_label(actor.label, sx + actor.label_dx, sy + t - 2, placed, bodies)
            if spot is not None:
                jobs.append((actor.label, spot))
        return jobs, anchors


def _place_label(
    label: pygame.Surface,
    x: int,
    y: int,
    placed: list[pygame.Rect],
    bodies: list[pygame.Rect],
) -> tuple[int, int] | None:
    """Where a name label goes: under its sprite; else, if a name already placed is there
    (two villagers side by side), a line lower, unless that would cover someone standing
    below; else nowhere: in a packed crowd names would only pile up into something nobody
    can read."""
    rect = label.get_rect(topleft=(x, y)).inflate(LABEL_GAP * 2, 0)  # a gap between names
    if rect.collidelist(placed) >= 0:
        rect.y += rect.height
        if rect.collidelist(placed) >= 0 or rect.collidelist(bodies) >= 0:
            return None
    placed.append(rect)
    return rect.x + LABEL_GAP, rect.y
