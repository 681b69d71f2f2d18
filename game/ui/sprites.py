"""Loading the game's art: the tile strip and the recolourable villager sprite sheet.

The PNGs and their JSON descriptions are drawn by ``assets/make_art.py``. Villagers share
one sprite sheet drawn in *key* colours; :class:`CharacterSprites` swaps those for each
villager's own :class:`Palette` (once per palette, however many villagers wear it).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pygame

from game.ui.assets import ASSETS_DIR, tiles_meta

RGB = tuple[int, int, int]

FALLBACK_COLOURS: tuple[RGB, RGB] = ((220, 60, 200), (120, 30, 110))
SHADE_FACTOR = 0.75  # shade keys become the palette colour darkened to this fraction
FACINGS: tuple[str, ...] = ("down", "left", "right", "up")

# The key colours make_art.py draws with; also used when character.json is missing.
DEFAULT_KEYS: dict[str, RGB] = {
    "skin": (255, 0, 255),
    "skin_shade": (192, 0, 192),
    "hair": (0, 255, 0),
    "hair_shade": (0, 192, 0),
    "shirt": (0, 0, 255),
    "shirt_shade": (0, 0, 192),
    "trousers": (255, 255, 0),
    "trousers_shade": (192, 192, 0),
}


def _display_ready() -> bool:
    return pygame.display.get_surface() is not None


def _prepared(surface: pygame.Surface) -> pygame.Surface:
    """``convert_alpha`` the surface if a display mode is set, else return it unchanged."""
    return surface.convert_alpha() if _display_ready() else surface


def fallback_tile(size: int) -> pygame.Surface:
    """A magenta checker tile: what an unknown tile kind is drawn with."""
    surface = pygame.Surface((size, size), pygame.SRCALPHA)
    light, dark = FALLBACK_COLOURS
    surface.fill(light)
    half = max(size // 2, 1)
    surface.fill(dark, pygame.Rect(0, 0, half, half))
    surface.fill(dark, pygame.Rect(half, half, size - half, size - half))
    return surface


class Tileset:
    """The map tiles, one ``tile_size`` square surface per tile kind."""

    def __init__(self, tiles: dict[str, pygame.Surface], tile_size: int) -> None:
        self.tile_size = tile_size
        self._tiles = dict(tiles)
        self._fallback: pygame.Surface | None = None

    @classmethod
    def load(cls, assets_dir: Path = ASSETS_DIR) -> Tileset:
        """Cut ``tiles.png`` into tiles named by ``tiles.json``."""
        assets_dir = Path(assets_dir)
        meta = tiles_meta(assets_dir)
        size = int(meta["tile_size"])
        strip = pygame.image.load(str(assets_dir / "tiles.png"))
        tiles: dict[str, pygame.Surface] = {}
        for i, kind in enumerate(meta["kinds"]):
            rect = pygame.Rect(i * size, 0, size, size)
            if strip.get_rect().contains(rect):
                tiles[kind] = _prepared(strip.subsurface(rect).copy())
        return cls(tiles, size)

    @property
    def kinds(self) -> list[str]:
        """The tile kinds this tileset has art for, in strip order."""
        return list(self._tiles)

    def surface_for(self, kind: str) -> pygame.Surface:
        """The tile for ``kind``; an unknown kind gets a checker fallback tile (never raises)."""
        tile = self._tiles.get(kind)
        if tile is not None:
            return tile
        if self._fallback is None:
            self._fallback = _prepared(fallback_tile(self.tile_size))
        return self._fallback


def parse_colour(value: str | tuple[int, ...] | list[int]) -> RGB:
    """``"#rrggbb"`` (or ``"rrggbb"``, or ``"#rgb"``) or an ``(r, g, b)`` sequence -> RGB.

    Raises ``ValueError`` for anything else.
    """
    if isinstance(value, str):
        text = value.strip().lstrip("#")
        if len(text) == 3:
            text = "".join(ch * 2 for ch in text)
        if len(text) != 6:
            raise ValueError(f"not a #rrggbb colour: {value!r}")
        try:
            return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
        except ValueError:
            raise ValueError(f"not a #rrggbb colour: {value!r}") from None
    parts = tuple(value)
    if len(parts) < 3:
        raise ValueError(f"not an (r, g, b) colour: {value!r}")
    r, g, b = (int(p) for p in parts[:3])
    if not all(0 <= v <= 255 for v in (r, g, b)):
        raise ValueError(f"colour channel out of range: {value!r}")
    return (r, g, b)


def darken(colour: RGB, factor: float = SHADE_FACTOR) -> RGB:
    """``colour`` with each channel scaled by ``factor``."""
    r, g, b = colour
    return (round(r * factor), round(g * factor), round(b * factor))


@dataclass(frozen=True)
class Palette:
    """One villager's colours (RGB tuples); hashable, so sheets are cached per palette."""

    skin: RGB
    hair: RGB
    shirt: RGB
    trousers: RGB

    def replacements(self) -> dict[str, RGB]:
        """Key name (as in character.json) -> the colour it becomes."""
        out: dict[str, RGB] = {}
        for part in ("skin", "hair", "shirt", "trousers"):
            colour = parse_colour(getattr(self, part))
            out[part] = colour
            out[f"{part}_shade"] = darken(colour)
        return out


@dataclass(frozen=True)
class _SheetInfo:
    frame_size: int
    facings: tuple[str, ...]
    frames: int
    keys: tuple[tuple[str, RGB], ...]


@functools.lru_cache(maxsize=8)
def _load_sheet(path: Path) -> tuple[pygame.Surface, _SheetInfo]:
    """The key-coloured sheet at ``path`` and its description; loaded once per process."""
    sheet = pygame.image.load(str(path))
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    keys = {name: parse_colour(rgb) for name, rgb in meta.get("keys", DEFAULT_KEYS).items()}
    info = _SheetInfo(
        frame_size=int(meta.get("frame_size", 32)),
        facings=tuple(meta.get("facings", FACINGS)),
        frames=int(meta.get("frames", 3)),
        keys=tuple(keys.items()),
    )
    return sheet, info


def recolour(sheet: pygame.Surface, mapping: dict[RGB, RGB]) -> pygame.Surface:
    """A copy of ``sheet`` with every pixel of each key colour set to its new colour.

    Masks are taken from the untouched sheet, so a new colour that happens to equal
    another key is never recoloured twice. Alpha is kept as it was.
    """
    out = sheet.copy()
    for key, new in mapping.items():
        mask = pygame.mask.from_threshold(sheet, (*key, 255), (1, 1, 1, 255))
        if mask.count():
            mask.to_surface(out, setcolor=(*new, 255), unsetcolor=None)
    return out


_RECOLOURED: dict[tuple[Path, Palette], pygame.Surface] = {}


class CharacterSprites:
    """A villager's walk-cycle frames, recoloured to their palette."""

    def __init__(
        self, sheet: pygame.Surface, frame_size: int, facings: tuple[str, ...], frames: int
    ) -> None:
        self.sheet = sheet
        self.frame_size = frame_size
        self.facings = facings
        self.frames_per_facing = frames
        self._frames: dict[tuple[str, int], pygame.Surface] = {}
        for row, facing in enumerate(facings):
            for col in range(frames):
                rect = pygame.Rect(col * frame_size, row * frame_size, frame_size, frame_size)
                self._frames[(facing, col)] = sheet.subsurface(rect)

    @classmethod
    def load(cls, palette: Palette, assets_dir: Path = ASSETS_DIR) -> CharacterSprites:
        """The sprites for ``palette``; the sheet is recoloured once per palette per process."""
        path = (Path(assets_dir) / "character.png").resolve()
        base, info = _load_sheet(path)
        sheet = _RECOLOURED.get((path, palette))
        if sheet is None:
            wanted = palette.replacements()
            mapping = {rgb: wanted[name] for name, rgb in info.keys if name in wanted}
            sheet = _prepared(recolour(base, mapping))
            _RECOLOURED[(path, palette)] = sheet
        return cls(sheet, info.frame_size, info.facings, info.frames)

    def frame(self, facing: str, index: int) -> pygame.Surface:
        """Frame ``index`` (0 standing, 1-2 walking) for ``facing`` ("down", "left", ...).

        An unknown facing falls back to the first one; the index wraps around.
        """
        if facing not in self.facings:
            facing = self.facings[0]
        return self._frames[(facing, index % self.frames_per_facing)]
