"""The camera: which part of the map is on screen. Follows a target, stops at the edges."""

from __future__ import annotations

from typing import NamedTuple

import pygame


class Slack(NamedTuple):
    """How far (screen pixels) the map may be moved on screen each way from where the
    camera puts it, with no more of the void beyond the map showing than shows now."""

    left: int
    right: int
    up: int
    down: int


class Camera:
    """Maps world pixels to screen pixels for a view rectangle of the window."""

    def __init__(self, view: pygame.Rect, world_px: tuple[int, int]) -> None:
        self.view = view
        self.world_w, self.world_h = world_px
        self.x = 0.0  # world pixel at the view's left edge
        self.y = 0.0
        # Screen pixels the map is moved by, from where following puts it: the dialogue box
        # moves the talk aside so that it does not cover it.
        self.shift: tuple[int, int] = (0, 0)

    def _base(self, cx: float, cy: float) -> tuple[float, float]:
        vw, vh = self.view.size
        if self.world_w <= vw:
            x = -(vw - self.world_w) / 2
        else:
            x = min(max(cx - vw / 2, 0), self.world_w - vw)
        if self.world_h <= vh:
            y = -(vh - self.world_h) / 2
        else:
            y = min(max(cy - vh / 2, 0), self.world_h - vh)
        return x, y

    def follow(self, cx: float, cy: float) -> None:
        """Centre on world pixel (cx, cy), clamped so no space beyond the map shows, then
        moved by :attr:`shift`.

        A map smaller than the view is centred instead.
        """
        x, y = self._base(cx, cy)
        self.x, self.y = x - self.shift[0], y - self.shift[1]

    def slack(self) -> Slack:
        """How far :attr:`shift` may move the map from where following puts it now without
        showing what lies beyond the map (a map smaller than the view: without leaving it)."""
        x, y = self.x + self.shift[0], self.y + self.shift[1]  # where following put it
        vw, vh = self.view.size
        # A big map: the camera may go from 0 to world - view. A small one sits centred
        # (x < 0) and may move as far as its margin either way.
        left = (self.world_w - vw) - x if self.world_w > vw else -x
        right = x if self.world_w > vw else -x
        up = (self.world_h - vh) - y if self.world_h > vh else -y
        down = y if self.world_h > vh else -y
        return Slack(int(max(left, 0)), int(max(right, 0)), int(max(up, 0)), int(max(down, 0)))

    def to_screen(self, wx: float, wy: float) -> tuple[int, int]:
        return (round(wx - self.x) + self.view.x, round(wy - self.y) + self.view.y)

    def visible_world_rect(self) -> pygame.Rect:
        return pygame.Rect(int(self.x), int(self.y), self.view.w + 1, self.view.h + 1)
