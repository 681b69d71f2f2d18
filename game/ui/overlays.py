"""Overlays drawn over the map: the help card, the quit question, the conversation feed."""

from __future__ import annotations

from collections import deque

import pygame

PANEL_BG = (250, 242, 222)
PANEL_EDGE = (110, 78, 58)
INK = (58, 42, 36)
FAINT = (128, 104, 90)

KEYS: tuple[tuple[str, str], ...] = (
    ("Arrows / WASD", "walk (hold to keep walking)"),
    ("Enter", "talk to the villager next to you"),
    ("Escape", "close the dialogue or this card; quit"),
    ("Space", "pause or resume the turns"),
    ("+ / -", "faster or slower turns"),
    ("L", "show or hide the conversation feed"),
    ("Tab", "follow the running conversation / the player"),
    ("F1", "show or hide this help"),
    ("F3", "show or hide FPS and frame time"),
)


def _panel(size: tuple[int, int]) -> pygame.Surface:
    panel = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(panel, (*PANEL_BG, 245), panel.get_rect(), border_radius=10)
    pygame.draw.rect(panel, PANEL_EDGE, panel.get_rect(), width=2, border_radius=10)
    return panel


def fit_within(card: pygame.Surface, room: tuple[int, int]) -> pygame.Surface:
    """``card``, scaled down (never up) to fit ``room``: a small window shows all of it."""
    w, h = card.get_size()
    factor = min(room[0] / w, room[1] / h, 1.0)
    if factor >= 1.0:
        return card
    return pygame.transform.smoothscale(card, (max(1, int(w * factor)), max(1, int(h * factor))))


def help_card(
    title_font: pygame.font.Font, font: pygame.font.Font, footer: tuple[str, ...] = ()
) -> pygame.Surface:
    rows = [(font.render(k, True, INK), font.render(v, True, FAINT)) for k, v in KEYS]
    notes = [font.render(line, True, FAINT) for line in footer]
    key_w = max(k.get_width() for k, _ in rows)
    text_w = max(v.get_width() for _, v in rows)
    line_h = max(k.get_height() for k, _ in rows) + 8
    title = title_font.render("Hamlet - keys", True, INK)
    width = max(key_w + text_w + 80, *(n.get_width() + 56 for n in notes))
    panel = _panel((width, 70 + line_h * (len(rows) + len(notes) + (1 if notes else 0))))
    panel.blit(title, ((panel.get_width() - title.get_width()) // 2, 16))
    for i, (k, v) in enumerate(rows):
        y = 56 + i * line_h
        panel.blit(k, (28, y))
        panel.blit(v, (52 + key_w, y))
    for i, note in enumerate(notes):
        panel.blit(note, (28, 56 + (len(rows) + 1 + i) * line_h - line_h // 2))
    return panel


def quit_card(title_font: pygame.font.Font, font: pygame.font.Font) -> pygame.Surface:
    title = title_font.render("Leave the village?", True, INK)
    hint = font.render("Enter or Y to quit   -   Escape or N to stay", True, FAINT)
    panel = _panel((max(title.get_width(), hint.get_width()) + 60, 104))
    panel.blit(title, ((panel.get_width() - title.get_width()) // 2, 22))
    panel.blit(hint, ((panel.get_width() - hint.get_width()) // 2, 64))
    return panel


MAX_FEED_ROWS = 30


class Feed:
    """The last lines said anywhere in the village (L). Rebuilt only when a line arrives."""

    WIDTH = 360  # at most; in a narrow window, two fifths of the view

    def __init__(self, font: pygame.font.Font, size: int = 20) -> None:
        self.font = font
        self.lines: deque[str] = deque(maxlen=size)
        self.visible = False
        self.width = self.WIDTH
        self.max_rows = MAX_FEED_ROWS
        self._panel: pygame.Surface | None = None

    def add(self, turn: int, speaker: str, text: str) -> None:
        shown = f"T{turn} {speaker}: {text}"
        self.lines.append(shown if len(shown) <= 160 else shown[:159] + "…")
        self._panel = None

    def _fit(self, text: str) -> list[str]:
        """Word-wrap ``text`` to the panel, at most two rows."""
        rows: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if self.font.size(trial)[0] <= self.width - 24 or not current:
                current = trial
            else:
                rows.append(current)
                current = "  " + word  # a second row is indented under the first
        rows.append(current)
        if len(rows) > 2:
            rows = [rows[0], rows[1].rstrip() + " …"]
        return rows

    def rows(self) -> list[str]:
        """The rows the panel shows: the newest lines that fit, each one whole."""
        rows: list[str] = []
        for line in reversed(self.lines):
            fitted = self._fit(line)
            if len(rows) + len(fitted) > self.max_rows:
                if not rows:  # room for less than the newest line: its start, not nothing
                    rows = fitted[: self.max_rows]
                break
            rows[:0] = fitted
        return rows

    def _build(self) -> pygame.Surface:
        line_h = self.font.get_linesize()
        rows = self.rows()
        panel = _panel((self.width, 40 + line_h * max(len(rows), 1)))
        panel.blit(self.font.render("Conversation feed (L)", True, FAINT), (12, 10))
        if not rows:
            panel.blit(self.font.render("Nothing said yet.", True, FAINT), (12, 32))
        for i, row in enumerate(rows):
            panel.blit(self.font.render(row, True, INK), (12, 32 + i * line_h))
        return panel

    def jobs(self, view: pygame.Rect) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        if not self.visible:
            return []
        width = min(self.WIDTH, max(160, view.width * 2 // 5))
        rows = max(1, min(MAX_FEED_ROWS, (view.height - 56) // self.font.get_linesize()))
        if self._panel is None or (width, rows) != (self.width, self.max_rows):
            self.width, self.max_rows = width, rows
            self._panel = self._build()
        return [(self._panel, (view.right - self.width - 8, view.top + 8))]
