"""The render thread's own view of everyone on the map: where to draw them, how they walk.

Fed by events from the simulation; advanced in ``update(dt)``; ``draw`` changes nothing.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pygame

from game.ui.night import darkened
from game.world.grid import Facing

if TYPE_CHECKING:
    from game.ui.camera import Camera
    from game.ui.sprites import CharacterSprites

WALK_FRAME_TIME = 0.12  # seconds per walking frame
LABEL_GAP = 2  # pixels kept between two names on one line
# Where a villager is drawn in its 32-pixel frame (assets/make_art.py), from the frame's
# corner: its head, and all of it.
HEAD = pygame.Rect(9, 3, 14, 13)
BODY = pygame.Rect(8, 3, 16, 28)
_depth = operator.attrgetter("y", "x")  # lower on screen is drawn later
Blit = tuple[pygame.Surface, tuple[int, int]]


class Anchors(dict[str, tuple[int, int]]):
    """Each shown actor's bubble anchor (the top centre of its head), by name; and what a
    speech bubble should leave uncovered: where every name label went and every head."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[pygame.Rect] = []
        self.heads: list[pygame.Rect] = []


Layout = tuple[list[Blit], Anchors]  # blits in order, bubble anchors
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
    # The tile the glide under way ends on (``tile`` is where the world has it now), and
    # the steps the world took meanwhile, each glided in turn: a walk is seen step by step,
    # never as a jump or a slide across the corner of a tile.
    to: tuple[int, int] | None = None
    queued: deque[tuple[tuple[int, int], Facing, float]] = field(default_factory=deque)
    _shown: tuple[Facing, int, int] | None = field(default=None, repr=False, compare=False)
    _image: pygame.Surface | None = field(default=None, repr=False, compare=False)

    @property
    def moving(self) -> bool:
        return self.elapsed < self.glide or bool(self.queued)

    def move_to(self, tile: tuple[int, int], facing: Facing, duration: float, size: int) -> None:
        """The world has it on ``tile`` now: glide there in ``duration`` seconds, after the
        steps still to be shown (0: at once, as when it is first placed)."""
        self.tile = tile
        if duration > 0 and self.moving:
            self.queued.append((tile, facing, duration))
            return
        self.queued.clear()
        self._glide(tile, facing, duration, size)

    def _glide(self, tile: tuple[int, int], facing: Facing, duration: float, size: int) -> None:
        self.start_x, self.start_y = self.x, self.y
        self.to = tile
        self.facing = facing
        self.glide = max(duration, 0.0)
        self.elapsed = 0.0
        self.resting = False
        if self.glide == 0:
            self.x, self.y = tile[0] * size, tile[1] * size

    def update(self, dt: float, size: int) -> None:
        if self.elapsed >= self.glide and self.queued:
            tile, facing, duration = self.queued.popleft()
            # Further behind the world than a step: the steps left go quicker, to catch up.
            self._glide(tile, facing, duration / (1 + len(self.queued)), size)
        to = self.to or self.tile
        tx, ty = to[0] * size, to[1] * size
        if self.elapsed < self.glide:
            self.elapsed = min(self.elapsed + dt, self.glide)
            f = self.elapsed / self.glide
            self.x = self.start_x + (tx - self.start_x) * f
            self.y = self.start_y + (ty - self.start_y) * f
            self.walk_clock += dt
        else:
            self.x, self.y = tx, ty
            if not self.queued:
                self.walk_clock = 0.0
                self.resting = True

    def frame(self, night: int = 0) -> pygame.Surface:
        """The walk frame to draw now, darkened to darkness step ``night`` (game.ui.night)."""
        index = 0
        if self.moving:
            index = 1 + int(self.walk_clock / WALK_FRAME_TIME) % 2
        shown = (self.facing, index, night)
        if shown != self._shown or self._image is None:  # looked up again only on a change
            self._shown = shown
            # A copy, not the sheet's subsurface: blitting a subsurface locks the whole
            # sheet every time, which costs more than the copy once.
            image = self.sprites.frame(self.facing.value, index)
            self._image = darkened(image, night) if night else image.copy()
        return self._image


class Actors:
    """All actors, drawn in depth order (lower on screen drawn later)."""

    def __init__(self, tile_size: int, font: pygame.font.Font) -> None:
        self.tile = tile_size
        self.font = font
        self.by_name: dict[str, Actor] = {}
        self._thinking_dot = self._make_dot()
        self.night = 0  # the darkness step sprites are drawn at (names stay bright)
        self._layout_key: object = None  # what the last layout was made for
        self._layout: Layout = ([], Anchors())

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
        looks = tuple(map(_looks, actors))
        key = (camera.x, camera.y, tuple(view), self.night, actors, looks)
        if key != self._layout_key:
            self._layout_key = key
            self._layout = self._make_layout(camera)
        return self._layout

    def _make_layout(self, camera: Camera) -> Layout:
        anchors = Anchors()
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
            jobs.append((actor.frame(self.night), (sx, sy)))
            if actor.thinking:
                jobs.append((dot, (sx + t - 12, sy - 4)))
            anchors[actor.name] = (sx + t // 2, sy + 2)
        # The names go on top of every sprite, so that a villager standing below hides none.
        tops = [sy for _, _, sy in shown]  # in order: sorted by depth
        heads = _Rows(tops, [HEAD.move(sx, sy) for _, sx, sy in shown])
        bodies = _Rows(tops, [BODY.move(sx, sy) for _, sx, sy in shown])
        placed = _Rows([], [])  # where the names went, so that none covers another
        for i, (actor, sx, sy) in enumerate(shown):
            rect = _place_label(actor.label.get_rect(), sx, sy, t, i, placed, heads, bodies)
            if rect is not None:
                placed.add(sy, rect)
                jobs.append((actor.label, (rect.x + LABEL_GAP, rect.y)))
        anchors.labels = [rect.inflate(-2 * LABEL_GAP, 0) for rect in placed.rects]
        anchors.heads = heads.rects
        return jobs, anchors


class _Rows:
    """Rects of actors in depth order, each with its actor's top on screen: a label can
    only meet the heads, bodies and labels of actors a row or two above or below its own,
    so it is checked against those alone (not everyone on screen, in a crowd of fifty)."""

    NEAR = 64  # no label or head lies further than this from its actor's top

    def __init__(self, tops: list[int], rects: list[pygame.Rect]) -> None:
        self.tops = tops
        self.rects = rects

    def add(self, top: int, rect: pygame.Rect) -> None:
        """Add the rect of an actor no higher up than any added before."""
        self.tops.append(top)
        self.rects.append(rect)

    def hits(self, rect: pygame.Rect, skip: int = -1) -> bool:
        """Whether ``rect`` overlaps any of these but the ``skip``-th."""
        lo = bisect_left(self.tops, rect.top - self.NEAR)
        hi = bisect_right(self.tops, rect.bottom + self.NEAR)
        if lo <= skip < hi:
            near = self.rects[lo:skip] + self.rects[skip + 1 : hi]
        else:
            near = self.rects[lo:hi]
        return rect.collidelist(near) >= 0


def _place_label(
    label: pygame.Rect,
    sx: int,
    sy: int,
    t: int,
    me: int,
    placed: _Rows,
    heads: _Rows,
    bodies: _Rows,
) -> pygame.Rect | None:
    """Where the name of the ``me``-th actor, drawn at (sx, sy), goes (with a gap either
    side): under its feet, where it covers no other name and nobody's head; else (two
    villagers side by side) a line lower, else (one standing right below) beside its
    body, right or left, as long as it covers nobody there; else nowhere: in a packed
    crowd names would only pile up into something nobody can read."""
    w, h = label.width + 2 * LABEL_GAP, label.height
    under = pygame.Rect(sx + (t - label.width) // 2 - LABEL_GAP, sy + t - 2, w, h)
    if not placed.hits(under) and not heads.hits(under, me):
        return under
    body = BODY.move(sx, sy)
    middle = body.centery - h // 2
    for spot in (
        under.move(0, h),
        pygame.Rect(body.right + 1 - LABEL_GAP, middle, w, h),
        pygame.Rect(body.left - 1 + LABEL_GAP - w, middle, w, h),
    ):
        if not (placed.hits(spot) or bodies.hits(spot, me)):
            return spot
    return None
