"""The static map layer, pre-rendered in chunks and blitted only where visible."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:
    from game.ui.camera import Camera
    from game.ui.sprites import Tileset
    from game.world.grid import Grid

CHUNK = 16  # tiles per chunk side


class MapLayer:
    """Tiles drawn once per chunk (on first sight), then blitted each frame."""

    def __init__(self, grid: Grid, tileset: Tileset) -> None:
        self.grid = grid
        self.tileset = tileset
        self.tile = tileset.tile_size
        self._chunks: dict[tuple[int, int], pygame.Surface] = {}

    @property
    def size_px(self) -> tuple[int, int]:
        return (self.grid.width * self.tile, self.grid.height * self.tile)

    def _chunk(self, cx: int, cy: int) -> pygame.Surface:
        surface = self._chunks.get((cx, cy))
        if surface is None:
            t = self.tile
            w = min(CHUNK, self.grid.width - cx * CHUNK)
            h = min(CHUNK, self.grid.height - cy * CHUNK)
            surface = pygame.Surface((w * t, h * t))
            for y in range(h):
                for x in range(w):
                    kind = self.grid.tile((cx * CHUNK + x, cy * CHUNK + y)).name
                    surface.blit(self.tileset.surface_for(kind), (x * t, y * t))
            if pygame.display.get_surface() is not None:
                surface = surface.convert()
            self._chunks[(cx, cy)] = surface
        return surface

    def draw(self, target: pygame.Surface, camera: Camera) -> None:
        span = CHUNK * self.tile
        rect = camera.visible_world_rect()
        cx0, cy0 = max(rect.left // span, 0), max(rect.top // span, 0)
        cx1 = min(rect.right // span, (self.grid.width - 1) // CHUNK)
        cy1 = min(rect.bottom // span, (self.grid.height - 1) // CHUNK)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                target.blit(self._chunk(cx, cy), camera.to_screen(cx * span, cy * span))
