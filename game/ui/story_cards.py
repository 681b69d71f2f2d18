"""The story's cards: what the player carries (I), the list to give from in a talk (F2),
and the journal of quests (J). Drawn like the other cards (see :mod:`game.ui.overlays`):
a title, the entries one under another, a line saying which keys do what.

An entry is rendered once, when the card is made (again only when the story changes);
scrolling and moving the selection only compose the card again from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import pygame

from game.text import cut_to_width
from game.ui.bubbles import wrap_text
from game.ui.glyphs import drawable
from game.ui.items import icon
from game.ui.overlays import FAINT, INK, PANEL_EDGE, card_panel

if TYPE_CHECKING:
    from game.sim import messages as m

SIDE = 24  # between the card's edge and its contents
TOP = 16
ENTRY_PAD = 6  # above and below an entry's contents
SEPARATOR = (222, 204, 172)
SELECTED_BG = (236, 218, 178)
ACTIVE_FG = (156, 98, 36)
DONE_FG = (72, 124, 62)
CARD_WIDTH = 560  # at most
NUMBER_W = 22  # the number column of the list to give from
ICON = 32

INVENTORY_TITLE = "What you carry"
INVENTORY_EMPTY = "You carry nothing yet. Walk onto an item or press E beside it to pick it up."
INVENTORY_KEYS = "I or Escape to close"
GIVE_EMPTY = "You carry nothing to give."
GIVE_KEYS = "1-9, or Up / Down and Enter: give   -   Escape: back"
GIVE_KEYS_EMPTY = "Escape: back"
JOURNAL_TITLE = "Journal"
JOURNAL_EMPTY = "No quests yet. Talk to the villagers."
JOURNAL_KEYS = "J or Escape to close"
SCROLL_KEYS = "Up / Down, PgUp / PgDn: scroll"


@dataclass
class ListCard:
    """A card: a title, entries one under another (scrolled when they are taller than
    the room it has), a footer of keys. ``selected`` entry (if any) is highlighted."""

    title: pygame.Surface
    entries: list[Entry]
    footer: pygame.Surface
    width: int
    max_height: int
    scroll: int = 0  # pixels of the entries scrolled past
    selected: int | None = None
    tops: list[int] = field(default_factory=list)  # each entry's top in the entry list
    _surface: pygame.Surface | None = field(default=None, repr=False)
    _made_for: tuple[int, int | None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        y = 0
        for entry in self.entries:
            self.tops.append(y)
            y += entry.surface.get_height() + 1  # a separator line under each but the last
        self.list_h = max(y - 1, 0)
        chrome = self._body_top + 10 + self.footer.get_height() + 14
        self.room = max(min(self.list_h, self.max_height - chrome), 1)

    @property
    def _body_top(self) -> int:
        return TOP + self.title.get_height() + 12

    @property
    def scrollable(self) -> bool:
        return self.list_h > self.room

    def scroll_by(self, pixels: int) -> None:
        self.scroll = max(0, min(self.scroll + pixels, self.list_h - self.room))

    def page(self) -> int:
        return max(self.room - 24, 24)

    def show(self, index: int) -> None:
        """Scroll so that entry ``index`` is in sight."""
        top = self.tops[index]
        bottom = top + self.entries[index].surface.get_height()
        if top < self.scroll:
            self.scroll_by(top - self.scroll)
        elif bottom > self.scroll + self.room:
            self.scroll_by(bottom - self.scroll - self.room)

    def entry_at(self, pos: tuple[int, int]) -> int | None:
        """The entry drawn at ``pos`` (relative to the card's top left), if any."""
        x, y = pos
        y -= self._body_top
        if not (SIDE // 2 <= x < self.width - SIDE // 2 and 0 <= y < self.room):
            return None
        y += self.scroll
        for i, top in enumerate(self.tops):
            if top <= y < top + self.entries[i].surface.get_height():
                return i
        return None

    def surface(self) -> pygame.Surface:
        key = (self.scroll, self.selected)
        if self._surface is None or key != self._made_for:
            self._surface, self._made_for = self._compose(), key
        return self._surface

    def _compose(self) -> pygame.Surface:
        body_top = self._body_top
        footer = self.footer
        height = body_top + self.room + 10 + footer.get_height() + 14
        card = card_panel((self.width, height))
        card.blit(self.title, ((self.width - self.title.get_width()) // 2, TOP))
        body = pygame.Rect(SIDE // 2, body_top, self.width - SIDE, self.room)
        card.set_clip(body)
        for i, (entry, _) in enumerate(self.entries):
            y = body_top + self.tops[i] - self.scroll
            if y + entry.get_height() < body.top or y > body.bottom:
                continue
            if i == self.selected:
                band = pygame.Rect(body.left, y, body.width, entry.get_height())
                pygame.draw.rect(card, SELECTED_BG, band, border_radius=6)
            card.blit(entry, (SIDE, y))
            if i < len(self.entries) - 1:
                line_y = y + entry.get_height()
                pygame.draw.line(card, SEPARATOR, (SIDE, line_y), (self.width - SIDE, line_y))
        card.set_clip(None)
        if self.scrollable:  # which way there is more: a small arrow at the list's corner
            x = self.width - SIDE // 2 - 6
            if self.scroll > 0:
                _arrow(card, (x, body.top + 2), up=True)
            if self.scroll < self.list_h - self.room:
                _arrow(card, (x, body.bottom - 8), up=False)
        footer_y = body.bottom + 10
        card.blit(footer, ((self.width - footer.get_width()) // 2, footer_y))
        return card


def _arrow(surface: pygame.Surface, at: tuple[int, int], *, up: bool) -> None:
    x, y = at
    points = (
        [(x - 5, y + 6), (x + 5, y + 6), (x, y)] if up else [(x - 5, y), (x + 5, y), (x, y + 6)]
    )
    pygame.draw.polygon(surface, PANEL_EDGE, points)


def card_width(view_width: int) -> int:
    return max(min(CARD_WIDTH, view_width - 32), 200)


class Entry(NamedTuple):
    """One entry of a list card, and the words it shows (row by row, one per line)."""

    surface: pygame.Surface
    text: str


class _Layout:
    """An entry being laid out: rows one under another, each at its own indent."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: list[tuple[int, pygame.Surface]] = []
        self.words: list[str] = []

    def text(self, font: pygame.font.Font, text: str, x: int, colour: tuple[int, int, int]) -> int:
        """``text`` wrapped to the room right of ``x``; the index of its first row."""
        first = len(self.rows)
        for row in wrap_text(font, drawable(text), self.width - x):
            self.rows.append((x, font.render(row, True, colour)))
            self.words.append(row)
        return first

    def space(self, height: int) -> None:
        self.rows.append((0, pygame.Surface((1, height), pygame.SRCALPHA)))

    def tops(self, pad: int = ENTRY_PAD) -> list[int]:
        """Where each row starts."""
        out, y = [], pad
        for _, s in self.rows:
            out.append(y)
            y += s.get_height()
        return out

    def done(self, pad: int = ENTRY_PAD, min_height: int = 0) -> Entry:
        height = max(sum(s.get_height() for _, s in self.rows) + 2 * pad, min_height)
        out = pygame.Surface((self.width, height), pygame.SRCALPHA)
        for (x, s), y in zip(self.rows, self.tops(pad), strict=True):
            out.blit(s, (x, y))
        return Entry(out, "\n".join(self.words))


def message_entry(font: pygame.font.Font, text: str, width: int) -> Entry:
    """An entry that is only a line of text, centred (what an empty list says)."""
    layout = _Layout(width - 2 * SIDE)
    layout.text(font, text, 0, FAINT)
    layout.rows = [((layout.width - s.get_width()) // 2, s) for _, s in layout.rows]
    return layout.done(pad=14)


def item_entry(
    font: pygame.font.Font,
    small: pygame.font.Font,
    carried: m.Carried,
    width: int,
    number: int | None = None,
) -> Entry:
    """One thing the player carries: its token (in its colour), its name and how many,
    what it is; with ``number`` (the list to give from), the key that gives it."""
    layout = _Layout(width - 2 * SIDE)
    left = NUMBER_W if number is not None else 0
    text_x = left + ICON + 10
    name = drawable(carried.name)
    head = font.render(name, True, INK)
    if carried.amount > 1:
        count = font.render(f"  x{carried.amount}", True, FAINT)
        joined = pygame.Surface(
            (head.get_width() + count.get_width(), head.get_height()), pygame.SRCALPHA
        )
        joined.blit(head, (0, 0))
        joined.blit(count, (head.get_width(), 0))
        head, name = joined, f"{name}  x{carried.amount}"
    layout.rows.append((text_x, head))
    layout.words.append(name)
    if carried.description:
        layout.text(small, carried.description, text_x, FAINT)
    entry = layout.done(min_height=ICON + 2 * ENTRY_PAD)
    surface = entry.surface
    surface.blit(icon(carried.item, carried.name, carried.colour), (left, ENTRY_PAD - 2))
    if number is None:
        return entry
    digit = font.render(str(number), True, INK)
    y = ENTRY_PAD + (ICON - digit.get_height()) // 2
    surface.blit(digit, ((NUMBER_W - digit.get_width()) // 2, y))
    return Entry(surface, f"{number}\n{entry.text}")


def _tick(surface: pygame.Surface, at: tuple[int, int], colour: tuple[int, int, int]) -> None:
    x, y = at
    pygame.draw.lines(surface, colour, False, [(x, y + 5), (x + 3, y + 8), (x + 9, y + 1)], 2)


def quest_entry(
    font: pygame.font.Font, small: pygame.font.Font, quest: m.QuestShown, width: int
) -> Entry:
    """One quest: its title and where it stands, its summary, what is done (ticked, in
    faint ink) and what is open now (a ring, in ink)."""
    layout = _Layout(width - 2 * SIDE)
    completed = quest.status == "completed"
    status = small.render(quest.status, True, DONE_FG if completed else ACTIVE_FG)
    layout.width -= status.get_width() + 12  # the title keeps clear of the status
    layout.text(font, quest.title, 0, INK)
    layout.width += status.get_width() + 12
    layout.words.append(quest.status)
    layout.space(4)
    if quest.summary:
        layout.text(small, quest.summary, 0, FAINT)
        layout.space(3)
    marks: list[tuple[int, bool]] = []  # each objective's first row, and whether it is done
    for text, done in [(t, True) for t in quest.done] + [(t, False) for t in quest.active]:
        first = layout.text(small if done else font, text, 18, FAINT if done else INK)
        marks.append((first, done))
    entry = layout.done()
    surface = entry.surface
    title_h = layout.rows[0][1].get_height()  # the status beside the title's first row
    y = ENTRY_PAD + (title_h - status.get_height()) // 2 + 1
    surface.blit(status, (layout.width - status.get_width(), y))
    tops = layout.tops()
    for i, done in marks:
        middle = tops[i] + layout.rows[i][1].get_height() // 2
        if done:
            _tick(surface, (2, middle - 5), DONE_FG)
        else:
            pygame.draw.circle(surface, ACTIVE_FG, (7, middle), 5, 2)
    return entry


def _title(font: pygame.font.Font, text: str) -> pygame.Surface:
    return font.render(drawable(text), True, INK)


def inventory_card(
    title_font: pygame.font.Font,
    font: pygame.font.Font,
    small: pygame.font.Font,
    inventory: tuple[m.Carried, ...],
    view: pygame.Rect,
) -> ListCard:
    """I: what the player carries."""
    width = card_width(view.width)
    if inventory:
        entries = [item_entry(font, small, c, width) for c in inventory]
    else:
        entries = [message_entry(font, INVENTORY_EMPTY, width)]
    return _card(title_font, small, INVENTORY_TITLE, entries, INVENTORY_KEYS, width, view)


def give_card(
    title_font: pygame.font.Font,
    font: pygame.font.Font,
    small: pygame.font.Font,
    npc: str,
    inventory: tuple[m.Carried, ...],
    view: pygame.Rect,
    over: pygame.Rect | None = None,
) -> ListCard:
    """F2 in a talk: what the player can give ``npc``, numbered; as wide as fits inside
    ``over`` (the dialogue box), if given."""
    width = card_width(view.width if over is None else min(view.width, over.width - 4))
    if inventory:
        entries = [
            item_entry(font, small, c, width, number=i + 1 if i < 9 else None)
            for i, c in enumerate(inventory)
        ]
        keys = GIVE_KEYS
    else:
        entries = [message_entry(font, GIVE_EMPTY, width)]
        keys = GIVE_KEYS_EMPTY
    card = _card(title_font, small, f"Give to {npc}", entries, keys, width, view)
    card.selected = 0 if inventory else None
    return card


def journal_card(
    title_font: pygame.font.Font,
    font: pygame.font.Font,
    small: pygame.font.Font,
    quests: tuple[m.QuestShown, ...],
    view: pygame.Rect,
) -> ListCard:
    """J: the quests the player has, newest first; what is done of each and what is open."""
    width = card_width(view.width)
    if quests:
        entries = [quest_entry(font, small, q, width) for q in quests]
    else:
        entries = [message_entry(font, JOURNAL_EMPTY, width)]
    return _card(title_font, small, JOURNAL_TITLE, entries, JOURNAL_KEYS, width, view)


def _card(
    title_font: pygame.font.Font,
    small: pygame.font.Font,
    title: str,
    entries: list[Entry],
    keys: str,
    width: int,
    view: pygame.Rect,
) -> ListCard:
    max_height = view.height - 16
    room = width - 2 * SIDE
    heading = _title(title_font, cut_to_width(title, room, title_font))
    footer = small.render(cut_to_width(keys, room, small), True, FAINT)
    card = ListCard(heading, entries, footer, width, max_height)
    if card.scrollable:  # the footer says how to see the rest
        more = cut_to_width(f"{keys}   -   {SCROLL_KEYS}", room, small)
        card = ListCard(heading, entries, small.render(more, True, FAINT), width, max_height)
    return card
