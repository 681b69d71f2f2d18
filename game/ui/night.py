"""Night in the window: the map and everyone on it darkened as the village clock says,
with lit rooms and doorways, at no cost per frame.

The tint is baked into what a frame blits anyway (the map's chunks, each villager's walk
frame), once per darkness step, rather than laid over the view every frame: the painter
(:mod:`game.ui.painter`) repaints only what changed, and an overlay would add a blit of
every repainted region, and of the whole view on every frame the camera moves.

What must stay readable at night is never darkened: names, speech bubbles, the thinking
dot, notices, the feed, the bar and the dialogue box. Whatever is drawn *on the map* (a
villager, an item lying there) should go through :func:`darkened` with the current step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pygame

RGB = tuple[int, int, int]

STEPS = 12  # darkness steps from day to full night: over a dusk of 18 turns, one at a time
NIGHT_COLOUR: RGB = (14, 20, 54)  # what the village fades towards: a deep blue
MOST = 0.68  # the night colour's share of every pixel at full night
# Tile kinds lit from within at night: a room's floor, and the doorway's light spilling out.
ROOM_KINDS = frozenset({"floor"})
DOOR_KINDS = frozenset({"door"})
ROOM_LIGHT: RGB = (56, 38, 8)  # added to a lit floor at full night
DOOR_LIGHT: RGB = (150, 100, 30)  # added at a doorway's middle at full night, fading out
DOOR_REACH = 1.6  # tiles from a doorway's middle to where its light ends


def step_of(darkness: float) -> int:
    """The darkness step (0 to :data:`STEPS`) for a darkness from 0 to 1."""
    return round(min(max(darkness, 0.0), 1.0) * STEPS)


def _share(step: int) -> float:
    return MOST * min(max(step, 0), STEPS) / STEPS


def shaded_colour(colour: RGB, step: int) -> RGB:
    """``colour`` as it looks at darkness ``step``."""
    a = _share(step)
    return tuple(round(c * (1 - a) + n * a) for c, n in zip(colour, NIGHT_COLOUR, strict=True))  # type: ignore[return-value]


def darkened(surface: pygame.Surface, step: int) -> pygame.Surface:
    """A copy of ``surface`` faded towards the night colour for ``step`` (its alpha kept);
    ``surface`` itself by day (step 0)."""
    if step <= 0:
        return surface
    a = _share(step)
    keep = round(255 * (1 - a))
    out = surface.copy()
    # pixel * (1 - a) + night * a, in two fills: quicker than any per-pixel blend.
    out.fill((keep, keep, keep), special_flags=pygame.BLEND_RGB_MULT)
    out.fill(tuple(round(n * a) for n in NIGHT_COLOUR), special_flags=pygame.BLEND_RGB_ADD)
    return out


def _scaled(colour: RGB, f: float) -> RGB:
    return (round(colour[0] * f), round(colour[1] * f), round(colour[2] * f))


@functools.lru_cache(maxsize=4 * (STEPS + 1))
def room_light(tile: int, step: int) -> pygame.Surface:
    """What a lit floor tile adds (``BLEND_RGB_ADD``) at ``step``."""
    light = pygame.Surface((tile, tile))
    light.fill(_scaled(ROOM_LIGHT, step / STEPS))
    return light


@functools.lru_cache(maxsize=4 * (STEPS + 1))
def door_light(tile: int, step: int) -> pygame.Surface:
    """What a doorway adds (``BLEND_RGB_ADD``) around it at ``step``: a warm pool three
    tiles across, brightest in the doorway, drawn centred on the door's tile."""
    size = 3 * tile
    light = pygame.Surface((size, size))
    light.fill((0, 0, 0))
    reach = DOOR_REACH * tile
    f = step / STEPS
    # Rings from the outside in: each a little brighter, the last one the doorway.
    rings = 12
    for i in range(rings):
        r = reach * (1 - i / rings)
        glow = (i + 1) / rings
        pygame.draw.circle(light, _scaled(DOOR_LIGHT, f * glow * glow), (size // 2,) * 2, r)
    return light


def light_chunk(
    chunk: pygame.Surface,
    origin: tuple[int, int],
    kind_at: Callable[[tuple[int, int]], str | None],
    tile: int,
    step: int,
) -> None:
    """Light the rooms and doorways on ``chunk`` (whose top-left tile is ``origin``) for
    ``step``. ``kind_at`` names the tile kind at a map tile, None off the map. A doorway
    just outside the chunk lights its edge too, so light is not cut at a chunk's side."""
    if step <= 0:
        return
    w, h = chunk.get_width() // tile, chunk.get_height() // tile
    ox, oy = origin
    room = room_light(tile, step)
    door = door_light(tile, step)
    rooms, doors = [], []
    for y in range(-1, h + 1):
        for x in range(-1, w + 1):
            kind = kind_at((ox + x, oy + y))
            if kind in DOOR_KINDS:
                doors.append((door, ((x - 1) * tile, (y - 1) * tile)))
            elif kind in ROOM_KINDS and 0 <= x < w and 0 <= y < h:
                rooms.append((room, (x * tile, y * tile)))
    for light, pos in rooms + doors:
        chunk.blit(light, pos, special_flags=pygame.BLEND_RGB_ADD)


LANTERN = (255, 196, 110)  # a lantern's warm light
LANTERN_REACH = 3  # tiles from its carrier that the light reaches


@functools.lru_cache(maxsize=STEPS + 1)
def carried_light(tile: int, step: int) -> pygame.Surface:
    """The glow round someone carrying a light at darkness ``step``: a see-through warm
    pool, strongest on the carrier, blitted over them and the map; nothing by day."""
    reach = int(LANTERN_REACH * tile)
    light = pygame.Surface((2 * reach, 2 * reach), pygame.SRCALPHA)
    strongest = 105 * step / STEPS  # on the carrier: warm, not washed out
    rings = 16
    for i in range(rings):
        r = reach * (1 - i / rings)
        alpha = round(strongest * ((i + 1) / rings) ** 1.7)
        pygame.draw.circle(light, (*LANTERN, alpha), (reach, reach), int(r))
    return light
