"""The camera: which part of the map is on screen. Follows a target, stops at the edges."""

from __future__ import annotations

import pygame


class Camera:
    """Maps world pixels to screen pixels for a view rectangle of the window."""

    def __init__(self, view: pygame.Rect, world_px: tuple[int, int]) -> None:
        self.view = view
        self.world_w, self.world_h = world_px
        self.x = 0.0  # world pixel at the view's left edge
        self.y = 0.0

    def follow(self, cx: float, cy: float) -> None:
        """Centre on world pixel (cx, cy), clamped so no space beyond the map shows.

        A map smaller than the view is centred instead.
        """
        vw, vh = self.view.size
        if self.world_w <= vw:
            self.x = -(vw - self.world_w) / 2
        else:
            self.x = min(max(cx - vw / 2, 0), self.world_w - vw)
        if self.world_h <= vh:
            self.y = -(vh - self.world_h) / 2
        else:
            self.y = min(max(cy - vh / 2, 0), self.world_h - vh)

    def to_screen(self, wx: float, wy: float) -> tuple[int, int]:
        return (round(wx - self.x) + self.view.x, round(wy - self.y) + self.view.y)

    def visible_world_rect(self) -> pygame.Rect:
        return pygame.Rect(int(self.x), int(self.y), self.view.w + 1, self.view.h + 1)
