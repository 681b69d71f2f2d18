"""The quest tracker: a small translucent box at the top right of the view listing the
objectives open now, as the simulation last told them (``StoryShown.tracker``).

It is rendered only when its lines change; each frame it is one blit. It keeps out of
the way of what else shows up there: left of the conversation feed while that is open,
and hidden while the dialogue box would cover it.
"""

from __future__ import annotations

import pygame

from game.text import cut_to_width
from game.ui.bubbles import wrap_text
from game.ui.glyphs import drawable

MAX_LINES = 4  # objectives listed; past them, "+N more"
ROWS_EACH = 2  # an objective wraps onto two rows at most: where to go is at its end
WIDTH = 300  # at most, the box; less in a narrow view
PAD = 8
GAP = 8  # from the view's edges and the feed
TITLE = "Quest  (J: journal)"
BG = (46, 38, 44, 200)  # the bar's colour, see-through
TITLE_FG = (255, 206, 130)
LINE_FG = (246, 236, 214)
MORE_FG = (200, 186, 170)
BULLET = (255, 206, 130)


class QuestTracker:
    def __init__(self, font: pygame.font.Font) -> None:
        self.font = font
        self.lines: tuple[str, ...] = ()
        self._surface: pygame.Surface | None = None
        self._made_for: tuple[tuple[str, ...], int] | None = None

    def show(self, lines: tuple[str, ...]) -> None:
        """What it lists from now on (nothing: it hides)."""
        self.lines = lines

    def rows(self, width: int = WIDTH) -> list[str]:
        """The rows the box shows for the lines it has: each objective wrapped onto at
        most :data:`ROWS_EACH` rows of ``width``, the last cut with an ellipsis."""
        return [row for row, _ in self._rows(width)]

    def _rows(self, width: int) -> list[tuple[str, bool]]:
        """(row, whether it begins an objective), and the "+N more" row last if any."""
        room = width - 2 * PAD - 12  # the bullet's room
        lines = self.lines
        # Past MAX_LINES, the last row says how many more the journal has.
        listed = len(lines) if len(lines) <= MAX_LINES else MAX_LINES - 1
        rows: list[tuple[str, bool]] = []
        for line in lines[:listed]:
            text = drawable(line)
            wrapped = wrap_text(self.font, text, room, max_lines=ROWS_EACH)
            first, rest = wrapped[0], text[len(wrapped[0]) :].strip()
            if rest:  # the second row: all the rest, cut at its end if it does not fit
                rows += [(first, True), (cut_to_width(rest, room, self.font), False)]
            else:
                rows.append((cut_to_width(first, room, self.font), True))
        if listed < len(lines):
            rows.append((f"+{len(lines) - listed} more (J)", False))
        return rows

    def _render(self, width: int) -> pygame.Surface:
        font = self.font
        line_h = font.get_linesize()
        rows = self._rows(width)
        more = len(self.lines) > MAX_LINES
        title = font.render(TITLE, True, TITLE_FG)
        rendered = [
            font.render(row, True, MORE_FG if more and i == len(rows) - 1 else LINE_FG)
            for i, (row, _) in enumerate(rows)
        ]
        inner = max(title.get_width(), *(12 + r.get_width() for r in rendered))
        box = pygame.Surface(
            (inner + 2 * PAD, PAD + line_h * (len(rows) + 1) + PAD // 2 + 2), pygame.SRCALPHA
        )
        pygame.draw.rect(box, BG, box.get_rect(), border_radius=8)
        box.blit(title, (PAD, PAD - 2))
        for i, row in enumerate(rendered):
            y = PAD - 2 + line_h * (i + 1) + 2
            if rows[i][1]:  # the first row of an objective
                pygame.draw.circle(box, BULLET, (PAD + 4, y + line_h // 2), 2)
            box.blit(row, (PAD + 12, y))
        return box

    def surface(self, width: int) -> pygame.Surface | None:
        """The box for a view ``width`` px wide; None while there is nothing to list."""
        if not self.lines:
            return None
        width = min(WIDTH, max(120, width - 2 * GAP))
        key = (self.lines, width)
        if self._surface is None or key != self._made_for:
            self._surface, self._made_for = self._render(width), key
        return self._surface

    def jobs(
        self,
        view: pygame.Rect,
        feed_left: int | None = None,
        keep_clear: pygame.Rect | None = None,
    ) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The box at the top right of ``view``; left of ``feed_left`` (the feed's left
        edge, while it shows); nothing where it would meet ``keep_clear`` (the dialogue
        box, drawn over everything)."""
        box = self.surface(view.width)
        if box is None:
            return []
        right = view.right - GAP if feed_left is None else feed_left - GAP
        rect = box.get_rect(topright=(right, view.top + GAP))
        rect.left = max(rect.left, view.left + GAP)
        if keep_clear is not None and rect.colliderect(keep_clear):
            return []
        return [(box, rect.topleft)]
