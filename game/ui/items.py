"""Items lying on the map: a small token in each item's colour, drawn under everyone, that
bobs and now and then glints so the eye finds it; and its name beside the player, so the
player knows E picks it up.

The tokens are drawn once per shape and colour. While no token moves (most frames: a bob
step lasts a third of a second) and the camera stands still, :meth:`GroundItems.layer`
gives the very lists it gave last frame, which the painter takes as unchanged.
"""

from __future__ import annotations

import functools
import zlib
from typing import TYPE_CHECKING

import pygame

from game.ui.glyphs import drawable
from game.ui.night import darkened
from game.ui.sprites import parse_colour

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.sim import messages as m
    from game.ui.camera import Camera
    from game.world.grid import Facing

Blit = tuple[pygame.Surface, tuple[int, int]]
RGB = tuple[int, int, int]

TOKEN = 32  # the token's surface: one tile
BOB = (0, -1, -2, -1)  # pixels the token moves down (up: negative), step by step
BOB_STEP = 0.32  # seconds a bob step lasts
GLINT_EVERY = 3.4  # seconds between two glints of one item
GLINT_FOR = 0.28  # seconds a glint shows
STACK_DX = 5  # pixels between two items lying on one tile
OUTLINE = (38, 28, 30)
FALLBACK = (200, 170, 60)  # an item whose colour cannot be read
PICK_HINT = " (E)"  # after the name of the item E would pick up

# Words in an item's id or name that choose its shape; anything else is a gem.
SHAPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("key", ("key",)),
    ("round", ("coin", "ring", "cake", "bread", "bun", "apple", "pie", "bell", "medal")),
    ("paper", ("letter", "note", "map", "page", "book", "scroll", "card", "paper")),
    ("bottle", ("bottle", "jar", "vial", "potion", "flask", "jug")),
    ("pouch", ("pouch", "bag", "sack", "purse", "seed")),
    ("tool", ("crank", "hammer", "tool", "handle", "lever", "spade")),
)


def shape_of(item: str, name: str) -> str:
    """The token's shape for an item: from a word of its id or name ("old iron key": a
    key), else a gem."""
    words = set(item.lower().replace("-", "_").split("_")) | set(name.lower().split())
    for shape, keys in SHAPES:
        if any(word.rstrip("s") in keys or word in keys for word in words):
            return shape
    return "gem"


def colour_of(value: str) -> RGB:
    try:
        return parse_colour(value)
    except ValueError:
        return FALLBACK


def _mix(a: RGB, b: RGB, f: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def _draw_shape(surface: pygame.Surface, shape: str, colour: RGB) -> None:
    """The token's body in ``colour`` with a lighter face and a darker side, about 16 px
    across round the middle of ``surface`` (32 x 32), no outline (added round it after)."""
    light, dark = _mix(colour, (255, 255, 255), 0.45), _mix(colour, (0, 0, 0), 0.35)
    draw = pygame.draw
    if shape == "key":
        draw.circle(surface, colour, (11, 16), 5)
        draw.circle(surface, (0, 0, 0, 0), (11, 16), 2)
        draw.rect(surface, colour, (15, 14, 10, 4))
        draw.rect(surface, colour, (20, 18, 2, 3))
        draw.rect(surface, colour, (23, 18, 2, 4))
        draw.line(surface, light, (9, 12), (12, 11))
        draw.line(surface, light, (16, 14), (24, 14))
    elif shape == "round":
        draw.circle(surface, colour, (16, 16), 7)
        draw.circle(surface, dark, (16, 16), 7, 1)
        draw.circle(surface, light, (14, 14), 3)
        draw.circle(surface, colour, (15, 15), 2)
    elif shape == "paper":
        draw.rect(surface, light, (9, 11, 15, 11), border_radius=1)
        draw.rect(surface, colour, (9, 11, 15, 3))
        for y in (16, 19):
            draw.line(surface, dark, (11, y), (21, y))
    elif shape == "bottle":
        draw.rect(surface, colour, (11, 13, 10, 11), border_radius=3)
        draw.rect(surface, colour, (14, 8, 4, 6))
        draw.rect(surface, dark, (13, 7, 6, 2))
        draw.line(surface, light, (13, 15), (13, 21))
    elif shape == "pouch":
        draw.ellipse(surface, colour, (9, 13, 14, 11))
        draw.polygon(surface, colour, [(12, 9), (20, 9), (18, 14), (14, 14)])
        draw.line(surface, dark, (13, 14), (19, 14), 2)
        draw.circle(surface, light, (13, 17), 2)
    elif shape == "tool":
        draw.line(surface, colour, (10, 22), (21, 11), 3)
        draw.rect(surface, colour, (18, 8, 7, 7), border_radius=2)
        draw.line(surface, light, (11, 20), (19, 12))
    else:  # a gem
        top, right, bottom, left = (16, 8), (24, 15), (16, 25), (8, 15)
        draw.polygon(surface, colour, [top, right, bottom, left])
        draw.polygon(surface, light, [top, right, (16, 15), left])
        draw.polygon(surface, dark, [right, bottom, (16, 15)])
        draw.line(surface, (255, 255, 255), (12, 13), (15, 10))


@functools.lru_cache(maxsize=512)  # a village has a few dozen kinds of item at most
def token(shape: str, colour: RGB, lift: int = 0) -> pygame.Surface:
    """An item's token on a tile-sized surface: a soft shadow on the ground and the shape,
    outlined in dark, moved ``lift`` pixels down (negative: up; the shadow stays)."""
    body = pygame.Surface((TOKEN, TOKEN), pygame.SRCALPHA)
    _draw_shape(body, shape, colour)
    silhouette = pygame.mask.from_surface(body, 1).to_surface(
        setcolor=(*OUTLINE, 255), unsetcolor=(0, 0, 0, 0)
    )
    out = pygame.Surface((TOKEN, TOKEN), pygame.SRCALPHA)
    shadow = pygame.Rect(0, 0, 18 - abs(lift), 5)  # lifted: narrower and fainter
    shadow.midbottom = (TOKEN // 2, 29)
    pygame.draw.ellipse(out, (0, 0, 0, 80 - 12 * abs(lift)), shadow)
    y = 1 + lift  # the body sits a pixel low, its shadow just under it
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)):
        out.blit(silhouette, (dx, y + dy))
    out.blit(body, (0, y))
    if pygame.display.get_surface() is not None:
        out = out.convert_alpha()
    return out


@functools.lru_cache(maxsize=512)
def shaded_token(shape: str, colour: RGB, lift: int, night: int) -> pygame.Surface:
    """:func:`token` as the night of darkness step ``night`` shows it, like the map and
    the villagers (game.ui.night); its glint stays bright, so it is still found."""
    return darkened(token(shape, colour, lift), night)


@functools.cache
def glint() -> pygame.Surface:
    """A small four-pointed sparkle, drawn over a token's top now and then."""
    star = pygame.Surface((9, 9), pygame.SRCALPHA)
    pygame.draw.line(star, (255, 255, 240, 230), (4, 0), (4, 8))
    pygame.draw.line(star, (255, 255, 240, 230), (0, 4), (8, 4))
    pygame.draw.line(star, (255, 255, 255, 140), (2, 2), (6, 6))
    pygame.draw.line(star, (255, 255, 255, 140), (2, 6), (6, 2))
    star.set_at((4, 4), (255, 255, 255, 255))
    return star


def icon(item: str, name: str, colour: str) -> pygame.Surface:
    """The item's token as the inventory shows it (as on the map, standing still)."""
    return token(shape_of(item, name), colour_of(colour))


class GroundItems:
    """What lies on the map, as the worker last said, and how to draw it."""

    def __init__(self, tile: int, make_label: Callable[[str], pygame.Surface]) -> None:
        self.tile = tile
        self.make_label = make_label  # a name label like the villagers' (Actors.make_label)
        self.items: tuple[m.GroundItem, ...] = ()
        self.clock = 0.0
        self.night = 0  # the darkness step items are drawn at, as the map (game.ui.night)
        # Each item's shape, colour, offset on its tile (x) and bob phase (0..1).
        self._looks: list[tuple[str, RGB, int, float]] = []
        self._key: object = None
        self._layer: tuple[list[Blit], list[pygame.Rect]] = ([], [])
        self._labels: dict[str, pygame.Surface] = {}
        self._label_key: object = None
        self._label_jobs: list[Blit] = []

    def set(self, items: tuple[m.GroundItem, ...]) -> None:
        self.items = items
        self._looks = []
        seen: dict[tuple[int, int], int] = {}
        for ground in items:
            pos = (ground.pos[0], ground.pos[1])
            nth = seen[pos] = seen.get(pos, -1) + 1
            shape = shape_of(ground.item, ground.name)
            # Each item bobs and glints in its own time, not all in step.
            phase = (zlib.crc32(f"{ground.item}@{pos}".encode()) % 1000) / 1000
            self._looks.append((shape, colour_of(ground.colour), nth * STACK_DX, phase))

    def update(self, dt: float) -> None:
        if self.items:
            self.clock += dt

    def _frame(self, phase: float) -> tuple[int, bool]:
        """An item's lift and whether it glints now."""
        t = self.clock + phase * GLINT_EVERY
        lift = BOB[int(t / BOB_STEP) % len(BOB)]
        return lift, (t % GLINT_EVERY) < GLINT_FOR

    def layer(self, camera: Camera) -> tuple[list[Blit], list[pygame.Rect]]:
        """The blits that draw the items in view, with their screen rects: the same two
        lists as last time while nothing has changed (do not change them)."""
        if not self.items:
            if self._layer[0]:
                self._layer = ([], [])
            return self._layer
        frames = tuple(self._frame(phase) for *_, phase in self._looks)
        view = camera.view
        key = (camera.x, camera.y, tuple(view), self.items, frames, self.night)
        if key == self._key:
            return self._layer
        self._key = key
        t = self.tile
        jobs: list[Blit] = []
        rects: list[pygame.Rect] = []
        shown = view.inflate(t, t)
        for ground, (shape, colour, dx, _), (lift, glints) in zip(
            self.items, self._looks, frames, strict=True
        ):
            x, y = camera.to_screen(ground.pos[0] * t, ground.pos[1] * t)
            x += dx + (t - TOKEN) // 2
            y += t - TOKEN
            if not shown.collidepoint(x, y):
                continue
            image = shaded_token(shape, colour, lift, self.night)
            jobs.append((image, (x, y)))
            rects.append(pygame.Rect((x, y), image.get_size()))
            if glints:
                star = glint()
                at = (x + 18, y + 6 + lift)
                jobs.append((star, at))
                rects.append(pygame.Rect(at, star.get_size()))
        self._layer = (jobs, rects)
        return self._layer

    def _label(self, text: str) -> pygame.Surface:
        label = self._labels.get(text)
        if label is None:
            if len(self._labels) > 64:  # names come and go with the items: keep a few
                self._labels.clear()
            label = self._labels[text] = self.make_label(text)
        return label

    def near(self, here: tuple[int, int], facing: Facing) -> list[tuple[m.GroundItem, bool]]:
        """The items on the player's tile and on the four next to it, each with whether E
        takes it (it lies on the player's tile or on the one faced)."""
        dx, dy = facing.delta
        faced = (here[0] + dx, here[1] + dy)
        out = []
        for ground in self.items:
            pos = (ground.pos[0], ground.pos[1])
            if abs(pos[0] - here[0]) + abs(pos[1] - here[1]) <= 1:
                out.append((ground, pos in (here, faced)))
        return out

    def labels(self, camera: Camera, here: tuple[int, int], facing: Facing) -> list[Blit]:
        """The names of the items beside the player (see :meth:`near`), each on the far
        side of its token from the player, clear of the player's sprite and name; the one
        E would pick up says so."""
        if not self.items:
            return []
        key = (camera.x, camera.y, here, facing, self.items)
        if key == self._label_key:
            return self._label_jobs
        self._label_key = key
        t = self.tile
        jobs: list[Blit] = []
        taken: list[pygame.Rect] = []
        for ground, takes in self.near(here, facing):
            label = self._label(drawable(ground.name) + (PICK_HINT if takes else ""))
            x, y = camera.to_screen(ground.pos[0] * t, ground.pos[1] * t)
            rect = label.get_rect()
            dx, dy = ground.pos[0] - here[0], ground.pos[1] - here[1]
            if dx < 0:  # left of the player: the label further left
                rect.midright = (x + 6, y + t // 2 + 2)
            elif dy < 0:  # above: over the token
                rect.midbottom = (x + t // 2, y + 8)
            elif dy > 0:  # below: under the token (the player's name is above it)
                rect.midtop = (x + t // 2, y + t - 2)
            else:  # right of the player, or under its feet: to the right
                rect.midleft = (x + t - 6 if dx else x + t, y + t // 2 + 2)
            while rect.collidelist(taken) >= 0:  # two on one tile
                rect.move_ip(0, rect.height)
            taken.append(rect)
            jobs.append((label, rect.topleft))
        self._label_jobs = jobs
        return jobs
