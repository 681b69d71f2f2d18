"""Overlays drawn over the map: the help card, the quit question, the card saying the
village stopped, the conversation feed."""

from __future__ import annotations

from collections import deque

import pygame

from game.text import cut
from game.ui.bubbles import wrap_text

PANEL_BG = (250, 242, 222)
PANEL_EDGE = (110, 78, 58)
INK = (58, 42, 36)
FAINT = (128, 104, 90)

KEYS: tuple[tuple[str, str], ...] = (
    ("Arrows / WASD", "walk (hold to keep walking)"),
    ("Enter", "talk to the villager next to you"),
    ("E", "pick up the item you stand on or face"),
    ("I", "what you carry"),
    ("J", "the journal: your quests and what is done"),
    ("F2", "in a talk: give the villager something you carry"),
    ("Escape", "close the feed, the dialogue or a card; then quit"),
    ("Space", "pause or resume the turns"),
    ("+ / -", "faster or slower turns"),
    ("L", "show or hide the conversation feed"),
    ("PgUp / PgDn", "scroll the feed, or the dialogue's messages"),
    ("Tab", "follow the running conversation / the player"),
    ("F5 / F9", "save the village / load the last save (asks first)"),
    ("F1", "show or hide this help"),
    ("F3", "show or hide FPS, frame time and model calls at once"),
)


def card_panel(size: tuple[int, int]) -> pygame.Surface:
    """A card's background: parchment with a brown edge and round corners."""
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
    panel = card_panel((width, 70 + line_h * (len(rows) + len(notes) + (1 if notes else 0))))
    panel.blit(title, ((panel.get_width() - title.get_width()) // 2, 16))
    for i, (k, v) in enumerate(rows):
        y = 56 + i * line_h
        panel.blit(k, (28, y))
        panel.blit(v, (52 + key_w, y))
    for i, note in enumerate(notes):
        panel.blit(note, (28, 56 + (len(rows) + 1 + i) * line_h - line_h // 2))
    return panel


QUIT_HINT = "Enter or Y to quit   -   Escape or N to stay"
QUIT_NOTE = "The turns wait for your answer; any other key plays on."


def quit_card(title_font: pygame.font.Font, font: pygame.font.Font) -> pygame.Surface:
    return question_card(title_font, font, "Leave the village?", QUIT_HINT, QUIT_NOTE)


LOAD_HINT = "Enter or Y to load   -   Escape or N to play on"


def load_card(
    title_font: pygame.font.Font, font: pygame.font.Font, turn: int | None, name: str
) -> pygame.Surface:
    """F9: which save would be loaded; what happened since is lost."""
    which = f"the save of turn {turn}" if turn is not None else "the last save"
    note = f"{name} - what happened since it was made is lost"
    return question_card(title_font, font, f"Load {which}?", LOAD_HINT, note)


def question_card(
    title_font: pygame.font.Font, font: pygame.font.Font, asked: str, answers: str, aside: str
) -> pygame.Surface:
    """A card asking ``asked``, with how to answer and a fainter line beside."""
    title = title_font.render(asked, True, INK)
    hint = font.render(answers, True, INK)
    note = font.render(aside, True, FAINT)
    width = max(title.get_width(), hint.get_width(), note.get_width()) + 60
    panel = card_panel((width, 64 + 2 * font.get_linesize() + 36))
    panel.blit(title, ((width - title.get_width()) // 2, 22))
    panel.blit(hint, ((width - hint.get_width()) // 2, 64))
    panel.blit(note, ((width - note.get_width()) // 2, 64 + font.get_linesize() + 8))
    return panel


STOPPED_TITLE = "The village stopped"
STOPPED_HINT = "Escape to quit."


def stopped_card(
    title_font: pygame.font.Font,
    font: pygame.font.Font,
    paragraphs: tuple[str, ...],
    width: int,
) -> pygame.Surface:
    """``paragraphs`` (what went wrong, where the log is) wrapped to ``width``, under a
    title, over the way out."""
    title = title_font.render(STOPPED_TITLE, True, INK)
    room = max(width - 56, 80)
    rows = [row for text in paragraphs for row in wrap_text(font, text, room)]
    shown = [font.render(row, True, INK) for row in rows]
    hint = font.render(STOPPED_HINT, True, FAINT)
    line_h = font.get_linesize()
    inner = max(title.get_width(), hint.get_width(), *(row.get_width() for row in shown))
    panel = card_panel((inner + 56, 64 + line_h * (len(shown) + 1) + 36))
    panel.blit(title, ((panel.get_width() - title.get_width()) // 2, 18))
    for i, row in enumerate(shown):
        panel.blit(row, (28, 62 + i * line_h))
    hint_y = 62 + (len(shown) + 1) * line_h
    panel.blit(hint, ((panel.get_width() - hint.get_width()) // 2, hint_y))
    return panel


MAX_FEED_ROWS = 30
FEED_LINES = 200  # lines kept to scroll back through
MAX_FEED_CHARS = 2000  # a line longer than any a villager says; past it, an ellipsis
WHEEL_LINES = 1  # lines a notch of the mouse wheel scrolls


class Feed:
    """The last lines said anywhere in the village (L), newest at the bottom, each whole,
    wrapped to the panel's width, scrolled a line at a time (the mouse wheel) or a panel at
    a time (PageUp / PageDown). The top row always starts a line.

    A line is wrapped once, when it arrives (again only when the panel's width changes),
    and the panel is drawn again only when a line arrives or it scrolls.
    """

    WIDTH = 360  # at most; in a narrow window, two fifths of the view

    def __init__(self, font: pygame.font.Font, size: int = FEED_LINES) -> None:
        self.font = font
        self.lines: deque[str] = deque(maxlen=size)
        self._wrapped: deque[list[str]] = deque(maxlen=size)  # each line's rows, as shown
        self.visible = False
        self.width = self.WIDTH
        self.max_rows = MAX_FEED_ROWS
        self.scroll = 0  # lines the view is scrolled back from the newest
        self._panel: pygame.Surface | None = None

    def add(self, turn: int, speaker: str, text: str) -> None:
        shown = f"T{turn} {speaker}: {text}"
        shown = cut(shown, MAX_FEED_CHARS)
        self.lines.append(shown)
        self._wrapped.append(self._fit(shown))
        if self.scroll:  # scrolled back: the lines being read stay in place
            self.scroll += 1
        self._clamp_scroll()
        self._panel = None

    def _fit(self, text: str) -> list[str]:
        """Word-wrap ``text`` to the panel: all of it, its second and later rows indented
        under the first; a word too long for a row is broken."""
        room = self.width - 24
        rows: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if self.font.size(trial)[0] <= room:
                current = trial
                continue
            if current.strip():
                rows.append(current)
                current = "  " + word
            else:
                current = trial
            while self.font.size(current)[0] > room and len(current) > 3:
                lo, hi = 3, len(current) - 1  # the longest start that fits: a binary search
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self.font.size(current[:mid])[0] <= room:
                        lo = mid
                    else:
                        hi = mid - 1
                rows.append(current[:lo])
                current = "  " + current[lo:]
        rows.append(current)
        return rows

    def _shown_from(self, end: int) -> int:
        """Where the lines shown end at ``end`` (exclusive) start: as many whole lines as
        fit, at least one."""
        start, used = end, 0
        while start > 0 and used + len(self._wrapped[start - 1]) <= self.max_rows:
            start -= 1
            used += len(self._wrapped[start])
        return min(start, end - 1) if end else 0

    def _clamp_scroll(self) -> None:
        """No further back than the view that starts with the oldest line kept."""
        fit, used = 0, 0
        while fit < len(self._wrapped) and used + len(self._wrapped[fit]) <= self.max_rows:
            used += len(self._wrapped[fit])
            fit += 1
        self.scroll = max(0, min(self.scroll, len(self._wrapped) - max(fit, 1)))

    def scroll_by(self, lines: int) -> None:
        """Scroll ``lines`` back to older lines (negative: on towards the newest)."""
        before = self.scroll
        self.scroll += lines
        self._clamp_scroll()
        if self.scroll != before:
            self._panel = None

    def page(self) -> int:
        """Lines a PageUp or PageDown scrolls: those on show, less one kept in sight."""
        end = len(self._wrapped) - self.scroll
        return max(1, end - self._shown_from(end) - 1)

    def rows(self) -> list[str]:
        """The rows the panel shows: the whole lines that fit, ending ``scroll`` lines
        before the newest (a line taller than the panel: its start)."""
        end = len(self._wrapped) - self.scroll
        rows = [row for i in range(self._shown_from(end), end) for row in self._wrapped[i]]
        return rows[: self.max_rows]

    def _title(self) -> str:
        """The panel's heading, with which way there is more to read, if the room allows."""
        title = "Conversation feed (L)"
        if self.scroll:
            more = f"{title}  -  PgDn: newer"
        elif self._shown_from(len(self._wrapped)) > 0:
            more = f"{title}  -  PgUp: older"
        else:
            return title
        return more if self.font.size(more)[0] <= self.width - 24 else title

    def _build(self) -> pygame.Surface:
        line_h = self.font.get_linesize()
        rows = self.rows()
        panel = card_panel((self.width, 40 + line_h * max(len(rows), 1)))
        panel.blit(self.font.render(self._title(), True, FAINT), (12, 10))
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
            if width != self.width:  # wrapped again for the new width
                self.width = width
                self._wrapped = deque(map(self._fit, self.lines), maxlen=self._wrapped.maxlen)
            self.max_rows = rows
            self._clamp_scroll()
            self._panel = self._build()
        return [(self._panel, (view.right - self.width - 8, view.top + 8))]
