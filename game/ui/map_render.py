"""The static map layer, pre-rendered in chunks and blitted only where visible; at night,
each chunk darkened and lit (game.ui.night) once per darkness step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.ui.night import darkened, light_chunk, shaded_colour

if TYPE_CHECKING:
    from game.ui.camera import Camera
    from game.ui.sprites import Tileset
    from game.world.grid import Grid

CHUNK = 16  # tiles per chunk side
BACKGROUND = (28, 40, 30)  # what shows beyond the map


class MapLayer:
    """Tiles drawn once per chunk (on first sight), then blitted each frame."""

    def __init__(self, grid: Grid, tileset: Tileset) -> None:
        self.grid = grid
        self.tileset = tileset
        self.tile = tileset.tile_size
        self._chunks: dict[tuple[int, int], pygame.Surface] = {}
        self.night = 0  # the darkness step the view is drawn at (0: day)
        self._shaded: dict[tuple[int, int], pygame.Surface] = {}  # chunks at that step
        self._view: pygame.Surface | None = None  # the map as the camera last saw it
        self._view_key: tuple[float, ...] | None = None

    @property
    def size_px(self) -> tuple[int, int]:
        return (self.grid.width * self.tile, self.grid.height * self.tile)

    def set_night(self, step: int) -> None:
        """Draw the map at darkness ``step`` (game.ui.night) from now on."""
        if step != self.night:
            self.night = step
            self._shaded.clear()  # a dusk passes through every step once: keep one
            self._view_key = None

    def _kind_at(self, pos: tuple[int, int]) -> str | None:
        return self.grid.tile(pos).name if self.grid.in_bounds(pos) else None

    def _night_chunk(self, cx: int, cy: int) -> pygame.Surface:
        """The chunk as it looks at the current darkness step."""
        if self.night == 0:
            return self._chunk(cx, cy)
        surface = self._shaded.get((cx, cy))
        if surface is None:
            surface = darkened(self._chunk(cx, cy), self.night)
            origin = (cx * CHUNK, cy * CHUNK)
            light_chunk(surface, origin, self._kind_at, self.tile, self.night)
            self._shaded[(cx, cy)] = surface
        return surface

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

    def view_surface(self, camera: Camera) -> pygame.Surface:
        """The visible part of the map, the size of the camera's view.

        The view is composed from chunks only when the camera has moved; while it stands
        still (most frames), one blit of the composed view does: a dozen clipped chunk
        blits cost several times more.
        """
        view = camera.view
        key = (camera.x, camera.y, view.x, view.y, view.w, view.h, self.night)
        if self._view is None or self._view.get_size() != view.size:
            self._view = pygame.Surface(view.size)
            if pygame.display.get_surface() is not None:
                self._view = self._view.convert()
            self._view_key = None
        if key != self._view_key:
            self._view_key = key
            span = CHUNK * self.tile
            rect = camera.visible_world_rect()
            cx0, cy0 = max(rect.left // span, 0), max(rect.top // span, 0)
            cx1 = min(rect.right // span, (self.grid.width - 1) // CHUNK)
            cy1 = min(rect.bottom // span, (self.grid.height - 1) // CHUNK)
            jobs = []
            w, h = self.size_px
            if camera.x < 0 or camera.y < 0 or camera.x + view.w > w or camera.y + view.h > h:
                # Round a map smaller than the view, or past an edge the camera was moved
                # beyond (to keep the talk clear of the dialogue box).
                self._view.fill(shaded_colour(BACKGROUND, self.night))
            for cy in range(cy0, cy1 + 1):
                for cx in range(cx0, cx1 + 1):
                    x, y = camera.to_screen(cx * span, cy * span)
                    jobs.append((self._night_chunk(cx, cy), (x - view.x, y - view.y)))
            self._view.blits(jobs, doreturn=False)
        return self._view
