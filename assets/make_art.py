"""Draw Hamlet's pixel art in code and write it into ``assets/``.

Everything here is original art drawn pixel by pixel (no downloads, nothing copied).
The output is deterministic: every random choice comes from a seeded generator, so
running the script again writes byte-identical files.

    python assets/make_art.py            # regenerate assets/*.png and *.json

Files written
  tiles.png / tiles.json          a horizontal strip of 32x32 tiles, in ``TILE_KINDS`` order
  character.png / character.json  4 facings (rows) x 3 frames (columns) of 32x32, drawn in
                                  KEY colours that the game swaps for each villager's palette
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from game.ui.sprites import DEFAULT_KEYS  # noqa: E402

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

DEFAULT_OUT = Path(__file__).resolve().parent
TILE = 32
FRAME = 32
TILE_KINDS = ["grass", "path", "water", "tree", "wall", "floor", "door", "bridge", "flowers"]
FACINGS = ["down", "left", "right", "up"]
FRAMES = 3

# ---------------------------------------------------------------------------------------
# Character key colours: the game replaces these with each villager's own colours.
KEYS: dict[str, RGB] = DEFAULT_KEYS  # one definition, shared with the loader
OUTLINE: RGBA = (40, 30, 35, 255)
EYE: RGBA = (40, 30, 35, 255)
SHOE: RGBA = (96, 64, 50, 255)
SHOE_SHADE: RGBA = (72, 48, 40, 255)
BELT: RGBA = (84, 58, 46, 255)
SHADOW: RGBA = (0, 0, 0, 70)

# ---------------------------------------------------------------------------------------
# The world palette: soft, warm, a little desaturated.
GRASS = (118, 176, 92)
GRASS_DARK = (96, 152, 80)
GRASS_DEEP = (82, 136, 74)
GRASS_LIGHT = (138, 192, 104)
GRASS_PALE = (156, 204, 116)

DIRT = (214, 184, 138)
DIRT_DARK = (196, 164, 120)
DIRT_DEEP = (176, 144, 106)
DIRT_LIGHT = (228, 204, 160)
PEBBLE = (234, 220, 190)
PEBBLE_SHADE = (164, 138, 110)

WATER = (92, 156, 210)
WATER_DARK = (78, 140, 198)
WATER_DEEP = (70, 126, 186)
WATER_LIGHT = (150, 200, 232)
WATER_FOAM = (208, 234, 246)

LEAF_OUTLINE = (46, 78, 56)
LEAF_DARK = (60, 114, 68)
LEAF_MID = (84, 146, 76)
LEAF_LIGHT = (116, 176, 88)
LEAF_SHINE = (160, 206, 114)
BARK = (128, 88, 60)
BARK_DARK = (96, 64, 46)
BARK_OUTLINE = (64, 44, 36)
TREE_SHADOW = (74, 124, 70)

STONE = (176, 162, 148)
STONE_LIGHT = (198, 186, 170)
STONE_DARK = (152, 138, 126)
MORTAR = (118, 104, 98)
STONE_SPECK = (164, 150, 138)

PLANK = (190, 138, 88)
PLANK_LIGHT = (206, 156, 104)
PLANK_DARK = (168, 118, 74)
PLANK_GAP = (112, 74, 50)
PLANK_DARK_TINT = (182, 130, 82)
PLANK_LIGHT_TINT = (196, 144, 92)
PLANK_GRAIN = (176, 126, 80)
NAIL = (96, 70, 56)

DOOR_FRAME = (104, 70, 48)
DOOR_FRAME_LIGHT = (130, 92, 62)
DOOR_WOOD = (166, 108, 64)
DOOR_WOOD_LIGHT = (186, 128, 78)
DOOR_WOOD_DARK = (134, 86, 54)
DOOR_KNOB = (236, 200, 96)
DOOR_KNOB_SHADE = (180, 140, 60)
STEP = (150, 138, 128)

RAIL = (140, 96, 62)
RAIL_LIGHT = (172, 124, 80)
RAIL_DARK = (92, 62, 44)

PETALS: list[tuple[RGB, RGB]] = [  # (petal, petal shade)
    ((222, 84, 84), (184, 62, 70)),  # red
    ((246, 214, 92), (214, 176, 66)),  # yellow
    ((248, 246, 236), (212, 210, 204)),  # white
    ((240, 158, 194), (208, 120, 160)),  # pink
]
FLOWER_HEART = (250, 206, 84)
FLOWER_HEART_SHADE = (222, 168, 60)
FLOWER_HEART_WARM = (232, 136, 64)


# ---------------------------------------------------------------------------------------
class Canvas:
    """A small RGBA pixel grid with the few drawing operations the art needs."""

    def __init__(self, w: int, h: int, fill: RGBA = (0, 0, 0, 0)) -> None:
        self.w, self.h = w, h
        self.px: list[list[RGBA]] = [[fill] * w for _ in range(h)]

    def get(self, x: int, y: int) -> RGBA:
        return self.px[y][x]

    def put(self, x: int, y: int, colour: RGB | RGBA) -> None:
        """Set one pixel; ignores pixels outside the canvas."""
        if 0 <= x < self.w and 0 <= y < self.h:
            self.px[y][x] = _rgba(colour)

    def wput(self, x: int, y: int, colour: RGB | RGBA) -> None:
        """Set one pixel, wrapping around the edges (keeps a tile seamless)."""
        self.px[y % self.h][x % self.w] = _rgba(colour)

    def rect(self, x: int, y: int, w: int, h: int, colour: RGB | RGBA) -> None:
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                self.put(xx, yy, colour)

    def hline(self, x0: int, x1: int, y: int, colour: RGB | RGBA) -> None:
        for x in range(x0, x1 + 1):
            self.put(x, y, colour)

    def vline(self, x: int, y0: int, y1: int, colour: RGB | RGBA) -> None:
        for y in range(y0, y1 + 1):
            self.put(x, y, colour)

    def disc(self, cx: float, cy: float, r: float, colour: RGB | RGBA) -> None:
        """A filled circle centred on (cx, cy); half-pixel centres give even widths."""
        for y in range(int(cy - r) - 1, int(cy + r) + 2):
            for x in range(int(cx - r) - 1, int(cx + r) + 2):
                if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    self.put(x, y, colour)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, colour: RGB | RGBA) -> None:
        for y in range(int(cy - ry) - 1, int(cy + ry) + 2):
            for x in range(int(cx - rx) - 1, int(cx + rx) + 2):
                if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0:
                    self.put(x, y, colour)

    def template(self, rows: Iterable[str], x: int, y: int, colours: dict[str, RGB | RGBA]) -> None:
        """Stamp an ASCII picture: each character names a colour, '.' is left alone."""
        for dy, row in enumerate(rows):
            for dx, ch in enumerate(row):
                if ch != ".":
                    self.put(x + dx, y + dy, colours[ch])

    def blit(self, other: Canvas, x: int, y: int) -> None:
        """Copy the opaque pixels of ``other`` onto this canvas."""
        for yy in range(other.h):
            for xx in range(other.w):
                c = other.px[yy][xx]
                if c[3]:
                    self.put(x + xx, y + yy, c)

    def outline(self, colour: RGB | RGBA) -> None:
        """Ring every opaque shape with a 1 px line (4-neighbour, so corners stay soft)."""
        ring = []
        for y in range(self.h):
            for x in range(self.w):
                if self.px[y][x][3]:
                    continue
                for nx, ny in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)):
                    if 0 <= nx < self.w and 0 <= ny < self.h and self.px[ny][nx][3] == 255:
                        ring.append((x, y))
                        break
        for x, y in ring:
            self.put(x, y, colour)

    def flipped(self) -> Canvas:
        out = Canvas(self.w, self.h)
        out.px = [list(reversed(row)) for row in self.px]
        return out

    def to_surface(self) -> pygame.Surface:
        surface = pygame.Surface((self.w, self.h), pygame.SRCALPHA)
        for y, row in enumerate(self.px):
            for x, c in enumerate(row):
                surface.set_at((x, y), c)
        return surface


def _rgba(colour: RGB | RGBA) -> RGBA:
    """Any colour as an (r, g, b, a) tuple; plain RGB is opaque."""
    a = colour[3] if len(colour) == 4 else 255
    return (colour[0], colour[1], colour[2], a)


# ---------------------------------------------------------------------------------------
# Tiles


def _grass(c: Canvas, seed: int = 1) -> None:
    """Soft mottled grass with a few darker tufts; every mark wraps, so it tiles."""
    rng = random.Random(seed)
    c.rect(0, 0, TILE, TILE, GRASS)
    for _ in range(70):  # low-contrast mottling
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        c.wput(x, y, GRASS_LIGHT if rng.random() < 0.5 else GRASS_DARK)
        if rng.random() < 0.5:
            c.wput(x + 1, y, GRASS_LIGHT if rng.random() < 0.5 else GRASS_DARK)
    spots = _spread(rng, 7, min_gap=9)
    for x, y in spots:  # tufts: two or three little blades
        c.wput(x, y, GRASS_DEEP)
        c.wput(x, y - 1, GRASS_DEEP)
        c.wput(x + 2, y, GRASS_DEEP)
        c.wput(x + 2, y - 1, GRASS_DARK)
        c.wput(x + 1, y, GRASS_DARK)
        if rng.random() < 0.6:
            c.wput(x - 1, y - 1, GRASS_DARK)
            c.wput(x - 2, y, GRASS_DARK)
        c.wput(x + 1, y - 2, GRASS_PALE)


def _spread(rng: random.Random, n: int, min_gap: int, margin: int = 0) -> list[tuple[int, int]]:
    """Up to ``n`` points on the tile, at least ``min_gap`` apart (measured with wrap).

    ``margin`` keeps the points that far from the tile's edges.
    """
    points: list[tuple[int, int]] = []
    for _ in range(400):
        if len(points) == n:
            break
        x = rng.randrange(margin, TILE - margin)
        y = rng.randrange(margin, TILE - margin)
        ok = True
        for px, py in points:
            dx = min(abs(px - x), TILE - abs(px - x))
            dy = min(abs(py - y), TILE - abs(py - y))
            if dx * dx + dy * dy < min_gap * min_gap:
                ok = False
                break
        if ok:
            points.append((x, y))
    return points


def tile_grass() -> Canvas:
    c = Canvas(TILE, TILE)
    _grass(c)
    return c


def tile_path() -> Canvas:
    """Packed warm dirt with a few small pebbles."""
    rng = random.Random(2)
    c = Canvas(TILE, TILE)
    c.rect(0, 0, TILE, TILE, DIRT)
    for _ in range(90):
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        c.wput(x, y, DIRT_DARK if rng.random() < 0.6 else DIRT_LIGHT)
        if rng.random() < 0.4:
            c.wput(x + 1, y, DIRT_DARK)
    for x, y in _spread(rng, 6, min_gap=10):
        big = rng.random() < 0.5
        c.wput(x, y, PEBBLE)
        c.wput(x + 1, y, PEBBLE if big else DIRT_LIGHT)
        c.wput(x, y + 1, PEBBLE_SHADE)
        c.wput(x + 1, y + 1, PEBBLE_SHADE)
        if big:
            c.wput(x - 1, y + 1, PEBBLE_SHADE)
            c.wput(x + 2, y + 1, DIRT_DEEP)
    for x, y in _spread(rng, 5, min_gap=8):  # single grit
        c.wput(x, y, DIRT_DEEP)
    return c


def tile_water() -> Canvas:
    """Calm blue water with darker bands and a few light wave crests."""
    rng = random.Random(3)
    c = Canvas(TILE, TILE)
    c.rect(0, 0, TILE, TILE, WATER)
    for _ in range(6):  # long soft darker bands
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        for i in range(rng.randrange(6, 12)):
            c.wput(x + i, y, WATER_DARK)
    for _ in range(30):
        c.wput(rng.randrange(TILE), rng.randrange(TILE), WATER_DARK)
    for x, y in _spread(rng, 4, min_gap=13):
        n = rng.choice((3, 4, 5))
        for i in range(n):
            c.wput(x + i, y, WATER_LIGHT)
        c.wput(x - 1, y + 1, WATER_LIGHT)
        c.wput(x + n, y + 1, WATER_LIGHT)
        c.wput(x + 1, y, WATER_FOAM)
    return c


def tile_tree() -> Canvas:
    """A round, layered tree on grass: leaf clumps shaded from the top left, a short trunk."""
    c = Canvas(TILE, TILE)
    _grass(c, seed=11)
    c.ellipse(16, 27.5, 11.5, 3.6, TREE_SHADOW)  # shadow on the ground
    trunk = Canvas(TILE, TILE)
    trunk.rect(13, 20, 6, 8, BARK)
    trunk.vline(17, 20, 27, BARK_DARK)
    trunk.vline(18, 20, 27, BARK_DARK)
    trunk.hline(12, 19, 28, BARK)  # roots
    trunk.put(19, 28, BARK_DARK)
    trunk.put(15, 23, BARK_DARK)
    trunk.put(14, 25, BARK_DARK)
    trunk.outline(BARK_OUTLINE)
    c.blit(trunk, 0, 0)
    # leaf clumps, back (top) to front (bottom); each shaded dark -> mid -> light
    clumps = [
        (16, 7.5, 7.5),
        (9.5, 10, 6.2),
        (22.5, 10, 6.2),
        (16, 13, 8),
        (8.5, 16.5, 5.6),
        (23.5, 16.5, 5.6),
        (16, 18, 6.4),
    ]
    canopy = Canvas(TILE, TILE)
    for bx, by, r in clumps:
        canopy.disc(bx, by, r, LEAF_DARK)
        canopy.disc(bx - 0.6, by - 1.0, r - 1.3, LEAF_MID)
        canopy.disc(bx - 1.3, by - 2.2, r - 3.4, LEAF_LIGHT)
    for bx, by, r in [(13.5, 4.5, 1.5), (7.5, 7.5, 1.2), (13, 10.5, 1.3), (6, 13.8, 1.0)]:
        canopy_mask_disc(canopy, bx, by, r, LEAF_SHINE)
    canopy.outline(LEAF_OUTLINE)
    c.blit(canopy, 0, 0)
    return c


def canopy_mask_disc(c: Canvas, cx: float, cy: float, r: float, colour: RGB) -> None:
    """Paint a disc, but only over pixels that are already leaves."""
    for y in range(int(cy - r) - 1, int(cy + r) + 2):
        for x in range(int(cx - r) - 1, int(cx + r) + 2):
            if 0 <= x < c.w and 0 <= y < c.h and c.get(x, y)[3]:
                if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    c.put(x, y, colour)


def _bricks(c: Canvas, seed: int) -> None:
    """Warm grey stone courses: 4 rows of 8 px, joints staggered; tiles seamlessly."""
    rng = random.Random(seed)
    c.rect(0, 0, TILE, TILE, STONE)
    for row in range(4):
        top = row * 8
        offset = 0 if row % 2 == 0 else 8
        for i in range(2):
            x0 = (offset + i * 16) % TILE
            # each brick: x0 .. x0+15 (wrapping), top .. top+7; mortar on its last row/col
            for dx in range(16):
                for dy in range(8):
                    x, y = x0 + dx, top + dy
                    if dy == 7 or dx == 15:
                        col = MORTAR
                    elif dy == 0 or dx == 0:
                        col = STONE_LIGHT
                    elif dy == 6 or dx == 14:
                        col = STONE_DARK
                    else:
                        col = STONE
                    c.wput(x, y, col)
            for _ in range(3):  # speckles
                c.wput(x0 + rng.randrange(2, 13), top + rng.randrange(2, 5), STONE_SPECK)
            # a chipped corner now and then
            if rng.random() < 0.35:
                c.wput(x0 + 14, top + 6, MORTAR)


def tile_wall() -> Canvas:
    c = Canvas(TILE, TILE)
    _bricks(c, seed=5)
    return c


def _planks(c: Canvas, seed: int) -> None:
    """Long horizontal floorboards, 8 px wide, one staggered end joint per row (seamless)."""
    rng = random.Random(seed)
    joints = [6, 22, 14, 30]  # where a board ends along each row
    tints = [PLANK, PLANK_DARK_TINT, PLANK, PLANK_LIGHT_TINT]
    for row in range(4):
        top = row * 8
        c.rect(0, top, TILE, 7, tints[row])
        c.hline(0, TILE - 1, top + 7, PLANK_GAP)
        for _ in range(3):  # grain streaks
            gx, gy = rng.randrange(TILE), top + rng.randrange(1, 6)
            for i in range(rng.randrange(5, 13)):
                c.wput(gx + i, gy, PLANK_GRAIN)
        gx, gy = rng.randrange(TILE), top + rng.randrange(1, 5)
        for i in range(rng.randrange(4, 8)):
            c.wput(gx + i, gy, PLANK_LIGHT)
        j = joints[row]
        c.vline(j % TILE, top, top + 6, PLANK_GAP)
        c.put((j + 1) % TILE, top, PLANK_LIGHT)
        c.put((j + 2) % TILE, top + 3, NAIL)


def tile_floor() -> Canvas:
    c = Canvas(TILE, TILE)
    _planks(c, seed=6)
    return c


def tile_door() -> Canvas:
    """A wooden door with a frame and a round knob, set into the stone wall."""
    c = Canvas(TILE, TILE)
    _bricks(c, seed=7)
    # frame (lintel + posts)
    c.rect(5, 1, 22, 31, DOOR_FRAME)
    c.hline(5, 26, 1, DOOR_FRAME_LIGHT)
    c.vline(5, 1, 31, DOOR_FRAME_LIGHT)
    # door leaf with an arched top
    leaf = Canvas(TILE, TILE)
    leaf.rect(8, 6, 16, 26, DOOR_WOOD)
    leaf.disc(15.5, 11, 8, DOOR_WOOD)
    for y in range(0, TILE):  # clip the arch to the leaf's sides and top
        for x in range(0, TILE):
            if leaf.get(x, y)[3] and (x < 8 or x > 23 or y < 4):
                leaf.px[y][x] = (0, 0, 0, 0)
    for x in (11, 15, 19):  # plank seams
        for y in range(TILE):
            if leaf.get(x, y)[3]:
                leaf.put(x, y, DOOR_WOOD_DARK)
    for y in range(TILE):  # light left edges of each board
        for x in (8, 12, 16, 20):
            if leaf.get(x, y)[3]:
                leaf.put(x, y, DOOR_WOOD_LIGHT)
    for y in (12, 25):  # iron-ish cross braces
        leaf.hline(8, 23, y, DOOR_WOOD_DARK)
        leaf.hline(8, 23, y + 1, DOOR_FRAME)
    c.blit(leaf, 0, 0)
    c.rect(20, 18, 2, 2, DOOR_KNOB)
    c.put(21, 19, DOOR_KNOB_SHADE)
    c.put(20, 20, DOOR_FRAME)
    c.put(21, 20, DOOR_FRAME)
    # threshold step
    c.hline(6, 25, 31, STEP)
    return c


def tile_bridge() -> Canvas:
    """An east-west bridge: boards laid across it, rails along both sides, water beyond."""
    rng = random.Random(8)
    c = Canvas(TILE, TILE)
    c.rect(0, 0, TILE, TILE, WATER)
    for _ in range(10):
        c.wput(rng.randrange(TILE), rng.choice((0, 1, 30, 31)), WATER_DARK)
    c.hline(3, 7, 1, WATER_LIGHT)
    c.hline(19, 22, 0, WATER_LIGHT)
    c.hline(10, 13, 30, WATER_LIGHT)
    c.hline(25, 28, 31, WATER_LIGHT)
    # deck: boards 4 px wide running north-south, dark gaps between
    top, bottom = 4, 27
    for x in range(TILE):
        board = x // 4
        pos = x % 4
        col = [PLANK_LIGHT, PLANK, PLANK, PLANK_GAP][pos]
        if pos in (1, 2) and board % 2:
            col = PLANK_GRAIN
        c.vline(x, top, bottom, col)
    for board in range(8):
        x = board * 4 + 1
        c.put(x, top + 3, NAIL)
        c.put(x + 1, bottom - 3, NAIL)
        c.put(x + rng.randrange(0, 2), top + rng.randrange(7, 17), PLANK_DARK)
    c.hline(0, TILE - 1, bottom + 1, RAIL_DARK)  # deck edge shadow over the water
    c.hline(0, TILE - 1, bottom + 2, WATER_DEEP)
    # rails along the top and bottom edges, with posts
    for y0 in (2, 25):
        c.hline(0, TILE - 1, y0, RAIL_LIGHT)
        c.hline(0, TILE - 1, y0 + 1, RAIL)
        c.hline(0, TILE - 1, y0 + 2, RAIL_DARK)
        for px in (6, 22):
            c.rect(px, y0 - 1, 3, 5, RAIL)
            c.hline(px, px + 2, y0 - 1, RAIL_LIGHT)
            c.vline(px + 2, y0, y0 + 3, RAIL_DARK)
            c.hline(px, px + 2, y0 + 4, RAIL_DARK)
    return c


def tile_flowers() -> Canvas:
    """Grass dotted with small red, yellow, white and pink flowers."""
    rng = random.Random(9)
    c = Canvas(TILE, TILE)
    _grass(c, seed=12)
    spots = _spread(rng, 8, min_gap=9, margin=3)
    for i, (x, y) in enumerate(spots):
        petal, shade = PETALS[i % len(PETALS)]
        heart = FLOWER_HEART_WARM if i % len(PETALS) == 1 else FLOWER_HEART
        # a leaf and a stem shadow under each flower
        c.wput(x, y + 2, GRASS_DEEP)
        c.wput(x - 1, y + 3, GRASS_DEEP)
        c.wput(x + 1, y + 2, LEAF_MID)
        if i % 3 == 0:  # a bigger, rounder blossom
            for dx, dy in ((0, -1), (1, -1), (-1, 0), (-1, 1)):
                c.wput(x + dx, y + dy, petal)
            for dx, dy in ((2, 0), (2, 1), (0, 2), (1, 2)):
                c.wput(x + dx, y + dy, shade)
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                c.wput(x + dx, y + dy, heart)
            c.wput(x + 1, y + 1, FLOWER_HEART_SHADE)
        else:  # a small five-pixel flower
            c.wput(x, y - 1, petal)
            c.wput(x - 1, y, petal)
            c.wput(x + 1, y, shade)
            c.wput(x, y + 1, shade)
            c.wput(x, y, heart)
    for _ in range(6):  # loose petals / buds
        x, y = rng.randrange(TILE), rng.randrange(TILE)
        if c.get(x, y)[:3] in (GRASS, GRASS_DARK, GRASS_LIGHT):
            c.put(x, y, PETALS[rng.randrange(len(PETALS))][0])
    return c


TILE_DRAWERS: dict[str, Callable[[], Canvas]] = {
    "grass": tile_grass,
    "path": tile_path,
    "water": tile_water,
    "tree": tile_tree,
    "wall": tile_wall,
    "floor": tile_floor,
    "door": tile_door,
    "bridge": tile_bridge,
    "flowers": tile_flowers,
}


# ---------------------------------------------------------------------------------------
# The character
#
# Letters: h/H hair (+shade), s/S skin, c/C shirt, t/T trousers, e eye,
# b/B shoes, k belt. '.' is transparent. Shapes are drawn without an outline; the outline
# is added around the whole figure afterwards.

CHAR_COLOURS: dict[str, RGB | RGBA] = {
    "s": KEYS["skin"],
    "S": KEYS["skin_shade"],
    "h": KEYS["hair"],
    "H": KEYS["hair_shade"],
    "c": KEYS["shirt"],
    "C": KEYS["shirt_shade"],
    "t": KEYS["trousers"],
    "T": KEYS["trousers_shade"],
    "e": EYE,
    "b": SHOE,
    "B": SHOE_SHADE,
    "k": BELT,
    "o": OUTLINE,
}

HEAD_DOWN = [
    "...hhhhhh...",
    ".hhhhhhhhhh.",
    "hhhhhhhhhhhh",
    "hhhhhhhhhhhH",
    "hhhhhhhhhhhH",
    "hhhshhhhshHH",
    "hhssssssssHH",
    "hssessssesSH",
    "hssessssesSH",
    ".ssssssssssS",
    ".SsssSSsssS.",
    "..SSSSSSSS..",
]

HEAD_LEFT = [
    "...hhhhhh...",
    ".hhhhhhhhhh.",
    "hhhhhhhhhhhh",
    "hhhhhhhhhhhH",
    "hhhhhhhhhhhH",
    "shhhhhhhhhHH",
    "ssshhhhhhhHH",
    "sessshSShHHH",
    "sesssssShHHH",
    "ssssssSSHHHH",
    ".ssssssSHHH.",
    "..SSSSSSHH..",
]

HEAD_UP = [
    "...hhhhhh...",
    ".hhhhhhhhhh.",
    "hhhhhhhhhhhh",
    "hhhhhhhhhhhH",
    "hhhhhhhhhhhH",
    "hhhhhhhhhhHH",
    "hHhhhhhhhhHH",
    "hHhhhhhhhHHH",
    "hHHhhhhhhHHH",
    "HHHhhhhhHHHH",
    ".HHHHHHHHHH.",
    "..SSSSSSSS..",
]

HEAD_X, HEAD_Y = 10, 4  # top-left of the head's fill (the outline goes one pixel outside)
BODY_Y = 17  # the shoulders' row, just under the chin's outline
GROUND = 28  # the shoes' row when standing


def _limb(fig: Canvas, pixels: dict[tuple[int, int], RGB | RGBA]) -> None:
    """Draw a limb with its own outline, so it stands out against the body behind it."""
    limb = Canvas(fig.w, fig.h)
    for (x, y), colour in pixels.items():
        limb.put(x, y, colour)
    limb.outline(OUTLINE)
    fig.blit(limb, 0, 0)


def _column(
    x: int, y0: int, y1: int, colours: tuple[RGB | RGBA, ...]
) -> dict[tuple[int, int], RGB | RGBA]:
    """Pixels for a vertical strip: ``colours[i]`` fills column ``x + i`` from y0 to y1."""
    return {(x + i, y): colour for i, colour in enumerate(colours) for y in range(y0, y1 + 1)}


def _front_body(c: Canvas, dy: int, arm_l: int, arm_r: int, back: bool) -> None:
    """Torso and arms from the front (or back). ``arm_*`` > 0 lowers that hand (swung fore)."""
    y = BODY_Y + dy
    shirt, shade = KEYS["shirt"], KEYS["shirt_shade"]
    for ax, lift, colours, hand in (
        (10, arm_l, (shirt, shirt), KEYS["skin"]),
        (20, arm_r, (shade, shade), KEYS["skin_shade"]),
    ):
        bottom = y + 4 + lift
        pixels = _column(ax, y + 1, bottom, colours)
        pixels[(ax, bottom + 1)] = hand
        pixels[(ax + 1, bottom + 1)] = hand
        _limb(c, pixels)
    c.hline(11, 20, y, shirt)  # shoulders
    c.put(20, y, shade)
    for r in range(1, 6):
        c.hline(13, 17, y + r, shirt)
        c.put(18, y + r, shade)
    c.hline(13, 18, y + 5, shade)  # hem
    if not back:
        c.put(15, y, shade)  # collar
        c.put(16, y, shade)
        c.put(15, y + 1, shade)
    c.hline(13, 18, y + 6, BELT)


def _front_legs(c: Canvas, dy: int, lift_l: int, lift_r: int) -> None:
    """Two legs from the front; a lifted leg's shoe rises off the ground."""
    hip = BODY_Y + dy + 7
    trousers, shade = KEYS["trousers"], KEYS["trousers_shade"]
    c.hline(13, 18, hip, trousers)
    c.put(18, hip, shade)
    for x0, lift, colours, shoe_x in (
        (13, lift_l, (trousers, trousers), 12),
        (17, lift_r, (trousers, shade), 17),
    ):
        foot = GROUND - lift
        for yy in range(hip + 1, foot):
            c.put(x0, yy, colours[0])
            c.put(x0 + 1, yy, colours[1])
        c.hline(shoe_x, shoe_x + 2, foot, SHOE)
        c.put(shoe_x + 2, foot, SHOE_SHADE)


# The torso from the left side with the near arm: hanging, swung forward, swung back.
# Columns are x = 11 .. 20; rows start at the shoulders.
SIDE_TORSO = {
    0: [
        "..cccccC..",
        "..cccccC..",
        "..cccocC..",
        "..cccocC..",
        "..cCCocC..",
        "..CsSoCC..",
        "..kkkkkk..",
    ],
    -1: [
        "..cccccC..",
        "..cccccC..",
        "..cccocC..",
        "..ccoccC..",
        "sScocccC..",
        "..CCCCCC..",
        "..kkkkkk..",
    ],
    1: [
        "..cccccC..",
        "..cccccC..",
        "..ccoccC..",
        "..cccocC..",
        "..ccccoCsS",
        "..CCCCCC..",
        "..kkkkkk..",
    ],
}


def _side_body(c: Canvas, dy: int, swing: int) -> None:
    """Torso from the left side; the near arm swings (-1 forward, 0 hanging, +1 back)."""
    c.template(SIDE_TORSO[swing], 11, BODY_Y + dy, CHAR_COLOURS)


def _side_legs(c: Canvas, dy: int, stride: int) -> None:
    """Legs from the left. stride 0: together; 1 / 2: apart, near leg forward / back."""
    hip = BODY_Y + dy + 7
    trousers, shade = KEYS["trousers"], KEYS["trousers_shade"]
    c.hline(13, 18, hip, trousers)
    c.put(18, hip, shade)
    if stride == 0:
        for yy in range(hip + 1, GROUND):
            c.hline(14, 16, yy, trousers)
            c.put(17, yy, shade)
        c.hline(13, 17, GROUND, SHOE)
        c.put(17, GROUND, SHOE_SHADE)
        return
    near_foot, far_foot = (12, 18) if stride == 1 else (18, 12)
    for foot_x, near in ((far_foot, False), (near_foot, True)):
        pixels: dict[tuple[int, int], RGB | RGBA] = {}
        rows = list(range(hip + 1, GROUND))
        for i, yy in enumerate(rows):
            x = round(15 + (foot_x - 15) * (i + 1) / len(rows))
            pixels[(x, yy)] = trousers if near else shade
            pixels[(x + 1, yy)] = trousers if near else shade
            pixels[(x + 2, yy)] = shade
        for x in range(foot_x - 1, foot_x + 3):
            pixels[(x, GROUND)] = SHOE if near else SHOE_SHADE
        if near:
            _limb(c, pixels)
        else:
            for (x, yy), colour in pixels.items():
                c.put(x, yy, colour)


def _character_frame(facing: str, index: int) -> Canvas:
    """One 32x32 frame: a soft shadow, then the outlined figure on top."""
    bob = -1 if index else 0  # walking frames lift the body by a pixel
    fig = Canvas(FRAME, FRAME)
    if facing in ("down", "up"):
        # Frame 1 has the left foot forward, frame 2 the right. Seen from the front (or
        # back) the foot further from the viewer shows higher on screen: from the front
        # that is the trailing right foot (viewer's left); from behind, the leading left
        # foot (again the viewer's left). The other arm swings with the forward foot.
        lifts, arms = [((0, 0), (0, 0)), ((2, 0), (1, -1)), ((0, 2), (-1, 1))][index]
        _front_legs(fig, bob, *lifts)
        _front_body(fig, bob, *arms, back=facing == "up")
        head = HEAD_UP if facing == "up" else HEAD_DOWN
        fig.template(head, HEAD_X, HEAD_Y + bob, CHAR_COLOURS)
    else:
        # Drawn facing left, where the near leg is the left one; "right" is the mirror
        # image, where the near leg is the right one, so its frames 1 and 2 swap over.
        stride = index if facing == "left" else (0, 2, 1)[index]
        _side_legs(fig, bob, stride)
        _side_body(fig, bob, (0, 1, -1)[stride])  # the arm swings against the near leg
        fig.template(HEAD_LEFT, HEAD_X, HEAD_Y + bob, CHAR_COLOURS)
    fig.outline(OUTLINE)
    if facing == "right":
        fig = fig.flipped()
    frame = Canvas(FRAME, FRAME)
    frame.ellipse(15.5, 28.5, 6.5, 2.2, SHADOW)
    frame.blit(fig, 0, 0)
    return frame


# ---------------------------------------------------------------------------------------


def build_tiles() -> pygame.Surface:
    """The tile strip: one TILE x TILE tile per kind, left to right in TILE_KINDS order."""
    strip = Canvas(TILE * len(TILE_KINDS), TILE)
    for i, kind in enumerate(TILE_KINDS):
        strip.blit(TILE_DRAWERS[kind](), i * TILE, 0)
    return strip.to_surface()


def build_character() -> pygame.Surface:
    """The key-coloured sheet: a row per facing (FACINGS order), a column per frame."""
    sheet = Canvas(FRAME * FRAMES, FRAME * len(FACINGS))
    for row, facing in enumerate(FACINGS):
        for col in range(FRAMES):
            frame = _character_frame(facing, col)
            for y in range(FRAME):  # copy exactly, translucent shadow pixels included
                sheet.px[row * FRAME + y][col * FRAME : (col + 1) * FRAME] = frame.px[y]
    return sheet.to_surface()


def main(out_dir: Path = DEFAULT_OUT) -> None:
    """Draw everything and write the PNG and JSON files into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pygame.image.save(build_tiles(), str(out_dir / "tiles.png"))
    (out_dir / "tiles.json").write_text(
        json.dumps({"tile_size": TILE, "kinds": TILE_KINDS}, indent=2) + "\n"
    )
    pygame.image.save(build_character(), str(out_dir / "character.png"))
    meta = {
        "frame_size": FRAME,
        "facings": FACINGS,
        "frames": FRAMES,
        "keys": {name: list(rgb) for name, rgb in KEYS.items()},
    }
    (out_dir / "character.json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()
