"""The dialogue box: a pygame-gui window with the conversation and a line to type into.

Every message is its own small ``UITextBox`` inside a ``UIScrollingContainer``, placed below
the one before, so adding a message lays out and renders just that message. The villager's
lines sit on the left, the player's on the right, themed by object id (``#npc_message`` and
``#player_message``, both of class ``@message``; see ``assets/ui_theme.json``). Message text
is escaped before pygame-gui sees it, so model output is never taken as markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import (
    UIButton,
    UILabel,
    UIScrollingContainer,
    UITextBox,
    UITextEntryLine,
    UIWindow,
)

from game.text import ELLIPSIS, cut, for_screen
from game.ui.camera import Slack
from game.ui.fonts import gui_face, gui_runs

WINDOW_SIZE = (560, 400)
MIN_WINDOW_SIZE = (400, 300)  # the smallest it gets to keep out of the talkers' way
MARGIN = 10  # around the window's contents
CLEARANCE = 12  # between the window and the villagers it keeps clear of
EDGE = 10  # at least between the window and the view's edges (it draws a shadow round it)
SIDES = ("below", "right", "left", "above")  # of the talk, where the box may go; ties: first
GAP = 6  # between messages
ENTRY_H = 36
THINKING_H = 22
SCROLLBAR_W = 20  # pygame-gui's scroll bar; messages always leave room for it
MESSAGE_WIDTH = 0.78  # the widest a message gets, as a share of the message area
MESSAGE_CHROME = 2 * (8 + 1 + 2) + 4  # @message padding, border, corner inset; slack (px)
MAX_MESSAGE_CHARS = 2000
HINT = "Enter to send, Esc to leave"  # under the messages while the player may type
PLACEHOLDER = f"Say something... ({HINT})"
ENDED_PLACEHOLDER = "The conversation is over - Esc to close"
WAITING_PLACEHOLDER = "Waiting for them to finish - Esc to leave"
NEAR_LIMIT = 40  # characters left from which the hint counts them down
LINE_SCROLL = 40  # pixels Up / Down scroll the messages by (about a line and a half)
GIVE_KEY = pygame.K_F2  # in the box, hand the villager an item (letters are for typing)
GIVE_LABEL = "Give item (F2)"  # the button at the end of the hint line says the key
GIVE_W = 112


@dataclass(frozen=True)
class SendText:
    """The player pressed Enter on a non-empty line."""

    text: str


@dataclass(frozen=True)
class CloseDialogue:
    """The player closed the box (the title bar's x, or Escape)."""


@dataclass(frozen=True)
class OpenGive:
    """The player asked to hand the villager an item (F2, or the Give button)."""


DialogueAction = SendText | CloseDialogue | OpenGive


@dataclass(frozen=True)
class TalkArea:
    """Where the player and the villager are on screen as the box opens."""

    people: pygame.Rect  # their sprites and names: never under the box
    bubbles: pygame.Rect  # those, and room over them for their bubbles


@dataclass(frozen=True)
class Placement:
    """Where the box goes, and how the map moves so that the talk is clear of it."""

    rect: pygame.Rect  # the window
    shift: tuple[int, int]  # screen pixels to move the map (and everyone on it) by
    free: pygame.Rect  # the part of the view left to the talk: speech bubbles stay in it


def _box_beside(view: pygame.Rect, area: pygame.Rect, side: str) -> tuple[pygame.Rect, pygame.Rect]:
    """The box on ``side`` of the view, with the part of the view it leaves free. As large
    as fits beside ``area`` where it stands now, up to :data:`WINDOW_SIZE`; where nothing as
    large as :data:`MIN_WINDOW_SIZE` fits, that size (the talk will have to move)."""
    full_w, full_h = min(WINDOW_SIZE[0], view.w - 2 * EDGE), min(WINDOW_SIZE[1], view.h - 2 * EDGE)
    min_w, min_h = min(MIN_WINDOW_SIZE[0], full_w), min(MIN_WINDOW_SIZE[1], full_h)
    room = {
        "below": view.bottom - EDGE - (area.bottom + CLEARANCE),
        "above": area.top - CLEARANCE - (view.top + EDGE),
        "right": view.right - EDGE - (area.right + CLEARANCE),
        "left": area.left - CLEARANCE - (view.left + EDGE),
    }[side]
    if side in ("below", "above"):
        h = min(full_h, room) if room >= min_h else min_h
        rect = pygame.Rect(0, 0, full_w, h)
        if side == "below":
            rect.midbottom = (view.centerx, view.bottom - EDGE)
            free = pygame.Rect(view.left, view.top, view.w, rect.top - CLEARANCE - view.top)
        else:
            rect.midtop = (view.centerx, view.top + EDGE)
            top = rect.bottom + CLEARANCE
            free = pygame.Rect(view.left, top, view.w, view.bottom - top)
    else:
        w = min(full_w, room) if room >= min_w else min_w
        rect = pygame.Rect(0, 0, w, full_h)
        if side == "right":
            rect.bottomright = (view.right - EDGE, view.bottom - EDGE)
            free = pygame.Rect(view.left, view.top, rect.left - CLEARANCE - view.left, view.h)
        else:
            rect.bottomleft = (view.left + EDGE, view.bottom - EDGE)
            left = rect.right + CLEARANCE
            free = pygame.Rect(left, view.top, view.right - left, view.h)
    return rect, free


def _shift_into(talk: TalkArea, free: pygame.Rect, slack: Slack | None) -> tuple[int, int]:
    """How far to move the talk so that it stands in ``free``: its bubbles' room too if
    that fits, its people in any case; no further than ``slack`` allows, if given."""
    moved = talk.bubbles.clamp(free)
    dx, dy = moved.x - talk.bubbles.x, moved.y - talk.bubbles.y
    people = talk.people.move(dx, dy)
    kept = people.clamp(free)
    dx, dy = dx + kept.x - people.x, dy + kept.y - people.y
    if slack is not None:
        dx = min(max(dx, -slack.left), slack.right)
        dy = min(max(dy, -slack.up), slack.down)
    return dx, dy


def _overlap(a: pygame.Rect, b: pygame.Rect) -> int:
    cut = a.clip(b)
    return cut.w * cut.h


def place_window(
    view: pygame.Rect, talk: TalkArea | None = None, slack: Slack | None = None
) -> Placement:
    """Where the box goes for a talk at ``talk``: on the side of the view away from the two
    talking, and if no side has room, with the map moved (by the camera) so that they stand
    clear of it, within ``slack`` if that will do (no void beyond the map shows).

    Of the places tried, the best covers no one of the two (nor pushes them off the view),
    shows no void, keeps their bubbles' room clear, moves the map least, and is the largest.
    """
    if talk is None:
        rect, free = _box_beside(view, pygame.Rect(view.centerx, view.top, 0, 0), "below")
        return Placement(rect, (0, 0), free)
    best: tuple[tuple[int, ...], Placement] | None = None
    for side in SIDES:
        rect, free = _box_beside(view, talk.bubbles, side)
        for limit in (slack, None):  # within the map first; past its edge if need be
            dx, dy = _shift_into(talk, free, limit)
            void = 0
            if limit is None and slack is not None:
                void = max(0, -dx - slack.left, dx - slack.right)
                void += max(0, -dy - slack.up, dy - slack.down)
            people = talk.people.move(dx, dy)
            hidden = _overlap(people, rect) + people.w * people.h - _overlap(people, view)
            cost = (
                hidden,
                void,
                _overlap(talk.bubbles.move(dx, dy), rect),
                abs(dx) + abs(dy),
                -rect.w * rect.h,
            )
            if best is None or cost < best[0]:
                best = (cost, Placement(rect, (dx, dy), free))
            if limit is None:
                break
    assert best is not None
    return best[1]


def message_text(text: str) -> str:
    """The text a message shows: cleaned, at most a blank line between paragraphs, capped."""
    text = re.sub(r"\n{3,}", "\n\n", for_screen(text, keep_newlines=True))
    return cut(text, MAX_MESSAGE_CHARS)


def message_html(text: str) -> str:
    """``text`` (already cleaned) as pygame-gui HTML that shows exactly that text, each
    script in a Noto Sans that has it (the theme's has Latin, Greek and Cyrillic)."""
    # The empty <b></b> keeps the string from ever matching one of pygame-gui's translation keys.
    parts = ["<b></b>"]
    for run, font in gui_runs(text):
        shown = html.escape(run).replace("\n", "<br>")
        parts.append(f'<font face="{font}">{shown}</font>' if font else shown)
    return "".join(parts)


class GameUIManager(pygame_gui.UIManager):
    """pygame-gui's manager, minus the hover test of every element on the frames when the
    mouse is over none of them and none is hovered or held (the test would change nothing).
    """

    HOVER_SLACK = 8  # px round each element: a resizable window's edges reach 4 beyond it

    def _handle_hovering(self, time_delta: float) -> None:
        root = self.root_container
        x, y = self.get_mouse_position()
        slack = self.HOVER_SLACK
        for element in self.ui_group.sprites():
            if element is root or not element.visible:
                continue
            if getattr(element, "hovered", False) or getattr(element, "held", False):
                return super()._handle_hovering(time_delta)
            rect = element.rect
            if (
                rect.left - slack <= x < rect.right + slack
                and rect.top - slack <= y < rect.bottom + slack
            ):
                return super()._handle_hovering(time_delta)
        # Only the root container can be hovered: exactly what the full test would find.
        if root is not None and root.visible and root.check_hover(time_delta, False):
            self.hovering_any_ui_element = False


class MessageBox(UITextBox):
    """One message. Scrolled out of sight, it is hidden and leaves the manager's sprite
    group, which updates, hover-tests and draws every member on every frame: a long
    conversation then costs no more per frame than the few messages on show.
    """

    area: MessageArea | None = None  # the scrolling view it is shown in

    def update(self, time_delta: float) -> None:
        if self.visible:
            super().update(time_delta)

    def check_hover(self, time_delta: float, hovered_higher_element: bool) -> bool:
        # Away from the message area nothing in it can be hovered, and a message that was
        # not hovered has nothing to undo: skip pygame-gui's full test, run every frame.
        area = self.area
        if not self.hovered and area is not None:
            if not area.rect.collidepoint(self.ui_manager.get_mouse_position()):
                return False
        return super().check_hover(time_delta, hovered_higher_element)

    def set_shown(self, shown: bool) -> None:
        group = self.ui_group
        if shown:
            if not group.has_internal(self):
                group.add(self)  # back on its own layer (self._layer)
            if not self.visible:
                self.show()
        else:
            if self.visible:
                self.hide()
            if group.has_internal(self):
                self.remove(group)

    def change_layer(self, new_layer: int) -> None:
        if self.ui_group.has_internal(self):
            super().change_layer(new_layer)
        else:  # out of the group: remember the layer for when it comes back
            self._layer = new_layer


class MessageArea(UIScrollingContainer):
    """The scrolling list of messages. Hides the messages outside its view, so that a long
    history costs little per frame (hidden elements skip hover tests and drawing).
    """

    def __init__(
        self,
        relative_rect: pygame.Rect,
        manager: pygame_gui.UIManager,
        *,
        container: UIWindow,
        object_id: ObjectID,
    ) -> None:
        super().__init__(
            relative_rect, manager, container=container, object_id=object_id, allow_scroll_x=False
        )
        self.messages: list[MessageBox] = []
        self._culled_for: tuple[int, int, int] | None = None

    def update(self, time_delta: float) -> None:
        super().update(time_delta)
        key = (self.rect.top, self.scrollable_container.rect.top, len(self.messages))
        if key != self._culled_for:
            self._culled_for = key
            view = self.rect
            for message in self.messages:
                in_view = message.rect.colliderect(view)
                if in_view != bool(message.visible):
                    message.set_shown(in_view)


class DialogueBox:
    """The conversation window with one villager; the game feeds it events and messages."""

    def __init__(
        self, manager: pygame_gui.UIManager, view_rect: pygame.Rect, *, max_input: int = 300
    ) -> None:
        self.manager = manager
        self.view_rect = pygame.Rect(view_rect)
        self.max_input = max_input
        self._npc_name = ""
        self._conversation_id: int | None = None
        self.window: UIWindow | None = None
        self.area: MessageArea | None = None
        self.entry: UITextEntryLine | None = None
        self.thinking: UILabel | None = None
        self.hint: UILabel | None = None  # in the thinking line's place while it is hidden
        self.give: UIButton | None = None  # at the end of that line: hand over an item
        self._content_h = 0
        # While open: the part of the view the box leaves to the talk (bubbles stay in it).
        self.free_area: pygame.Rect | None = None
        self._fonts_loaded: set[str] = set()  # pygame-gui fonts loaded beyond the theme's
        self._cursor: int | None = None  # where the line's cursor was when it last had keys

    @property
    def is_open(self) -> bool:
        return self.window is not None

    @property
    def npc_name(self) -> str:
        return self._npc_name

    @property
    def conversation_id(self) -> int | None:
        return self._conversation_id

    @property
    def messages(self) -> list[MessageBox]:
        """The message elements, oldest first."""
        return self.area.messages if self.area is not None else []

    # ---- opening and closing -----------------------------------------------------------

    def open(
        self,
        npc_name: str,
        conversation_id: int | None,
        talk: TalkArea | None = None,
        slack: Slack | None = None,
    ) -> Placement:
        """Open an empty box for talking to ``npc_name``; the entry line gets the keyboard.

        ``talk`` is where the two talking stand on screen, ``slack`` how far the map may
        move without showing what is beyond it: the box goes where it covers neither them
        nor their bubbles (see :func:`place_window`). Returns where it went and how far the
        caller should move the map.
        """
        self.close()
        self._npc_name = npc_name
        self._conversation_id = conversation_id
        placement = place_window(self.view_rect, talk, slack)
        window = UIWindow(
            placement.rect,
            self.manager,
            window_display_title=npc_name,
            object_id=ObjectID("#dialogue_window", "@dialogue"),
            draggable=False,
        )
        cw, ch = window.get_container().get_size()
        entry_y = ch - MARGIN - ENTRY_H
        thinking_y = entry_y - THINKING_H - 2
        width = cw - 2 * MARGIN
        line_w = width - GIVE_W - 6  # the thinking line and the hint, left of the button
        self.area = MessageArea(
            pygame.Rect(MARGIN, MARGIN, width, thinking_y - MARGIN),
            self.manager,
            container=window,
            object_id=ObjectID("#dialogue_messages", "@dialogue"),
        )
        self.thinking = UILabel(
            pygame.Rect(MARGIN, thinking_y, line_w, THINKING_H),
            f"{npc_name} is thinking{ELLIPSIS}",
            self.manager,
            container=window,
            object_id=ObjectID("#dialogue_thinking", "@dialogue"),
            visible=0,
        )
        self.hint = UILabel(
            pygame.Rect(MARGIN, thinking_y, line_w, THINKING_H),
            HINT,
            self.manager,
            container=window,
            object_id=ObjectID("#dialogue_thinking", "@dialogue"),
        )
        self.give = UIButton(
            pygame.Rect(MARGIN + width - GIVE_W, thinking_y, GIVE_W, THINKING_H),
            GIVE_LABEL,
            self.manager,
            container=window,
            object_id=ObjectID("#give_button", "@dialogue"),
            tool_tip_text="Hand the villager something you carry",
        )
        self.entry = UITextEntryLine(
            pygame.Rect(MARGIN, entry_y, width, ENTRY_H),
            self.manager,
            container=window,
            object_id=ObjectID("#dialogue_entry", "@dialogue"),
            placeholder_text=PLACEHOLDER,
        )
        self.entry.set_text_length_limit(self.max_input)
        self.window = window
        self.free_area = placement.free
        self._content_h = 0
        self._cursor = None
        if conversation_id is None:  # nobody to give to until the villager turns to the player
            self.give.disable()
        self.focus()
        return placement

    def focus(self) -> None:
        """Give the keyboard to the entry line, its cursor back where it was when the
        line last had the keyboard (pygame-gui puts it at the start of a line that loses
        it: a click on the Give button, a card over the box)."""
        entry = self.entry
        if entry is not None and entry.is_enabled and not entry.is_focused:
            self.manager.set_focus_set(entry)
            if self._cursor is not None:
                entry.edit_position = min(self._cursor, len(entry.get_text()))
                entry.cursor_has_moved_recently = True

    def release_keys(self) -> None:
        """Take the keyboard from the entry line (a card over the box wants the keys;
        :meth:`focus` gives it back)."""
        self._note_cursor()
        self.manager.set_focus_set(None)

    def _note_cursor(self) -> None:
        entry = self.entry
        if entry is not None and entry.is_focused:
            self._cursor = entry.edit_position

    @property
    def can_give(self) -> bool:
        """Whether the player may hand the villager something now: the box is on a talk
        (not waiting for the villager) that the villager has not ended."""
        entry = self.entry
        return self._conversation_id is not None and entry is not None and entry.is_enabled

    def close(self) -> None:
        """Kill the window, if any; safe to call twice."""
        window = self.window
        self._forget()
        if window is not None and window.alive():
            window.kill()

    def _forget(self) -> None:
        self.window = self.area = self.entry = self.thinking = self.hint = self.give = None
        self.free_area = None
        self._content_h = 0

    # ---- contents ----------------------------------------------------------------------

    def add_message(self, speaker: str, text: str, from_player: bool) -> None:
        """Append one message at the bottom (villager left, player right) and scroll to it.

        ``speaker`` is not shown: the window's title names the villager, and the side says who
        spoke.
        """
        area = self.area
        if area is None:
            return
        shown = message_text(text) or "..."
        inner_w = int(area.relative_rect.width) - SCROLLBAR_W  # room once a scroll bar shows
        max_w = int(inner_w * MESSAGE_WIDTH)
        y = self._content_h + (GAP if area.messages else 0)
        kind = "#player_message" if from_player else "#npc_message"
        self._load_fonts_for(shown)
        box = MessageBox(
            message_html(shown),
            pygame.Rect(0, y, self._message_width(shown, max_w), -1),  # height: fit the text
            self.manager,
            container=area,
            object_id=ObjectID(kind, "@message"),
            pre_parsing_enabled=False,
        )
        box.area = area
        if from_player:
            box.set_relative_position((inner_w - box.relative_rect.width, y))
        area.messages.append(box)
        self._content_h = y + int(box.relative_rect.height)
        self._grow_area(area, inner_w)
        self.scroll_to_bottom()

    def prepare(self, text: str) -> None:
        """Load now the fonts messages like ``text`` will need (see :meth:`_load_fonts_for`)."""
        self._load_fonts_for(text)

    def _load_fonts_for(self, text: str) -> None:
        """Load the fonts ``text`` needs beyond the theme's, before a box asks for them:
        asked for unloaded, pygame-gui loads them anyway but warns on stderr."""
        fonts = self.manager.get_theme().get_font_dictionary()
        size = self.manager.get_theme().get_font_info(["@message"])["size"]
        for name in {font for _, font in gui_runs(text) if font}:
            face = gui_face(name)
            path = face.path if face is not None else None
            if name not in self._fonts_loaded and face is not None and path is not None:
                self.manager.add_font_paths(name, str(path))
                # pygame-gui keys a loaded font by name and size, and its HTML asks for every
                # font as Latin: the script and direction given here are what it shapes with.
                fonts.preload_font(
                    int(size),
                    name,
                    force_immediate_load=True,
                    script=face.script,
                    direction=face.direction,
                )
                self._fonts_loaded.add(name)

    def _text_width(self, line: str) -> int:
        """How wide ``line`` is drawn in a message, in the fonts it is drawn in."""
        theme = self.manager.get_theme()
        font = theme.get_font(["@message"])
        if line.isascii():
            return int(font.size(line)[0])
        size = int(theme.get_font_info(["@message"])["size"])
        fonts = theme.get_font_dictionary()
        return sum(
            int((fonts.find_font(size, name) if name else font).size(run)[0])
            for run, name in gui_runs(line)
        )

    def _message_width(self, text: str, max_w: int) -> int:
        """-1 (fit the text) for one short line, else wide enough for its widest line."""
        widest = max(self._text_width(line) for line in text.split("\n")) + MESSAGE_CHROME
        if widest > max_w:
            return max_w
        # pygame-gui sizes a one-line box exactly; a sized-to-fit box lays out <br> badly.
        return widest if "\n" in text else -1

    def _grow_area(self, area: MessageArea, inner_w: int) -> None:
        """Make the scrollable area as tall as the messages.

        Once the scroll bar shows, only the inner container is resized (one pass over the
        messages) and the scrolling container catches up on its next update;
        ``set_scrollable_area_dimensions`` would move every message several times over.
        """
        if area.vert_scroll_bar is not None and area.vert_scroll_bar_active:
            inner = area.scrollable_container
            inner.set_dimensions((inner.relative_rect.width, self._content_h))
        else:
            area.set_scrollable_area_dimensions((inner_w, max(self._content_h, 1)))

    def scroll_to_bottom(self) -> None:
        """Show the newest message (the view moves on the manager's next update)."""
        area = self.area
        if area is None or area.vert_scroll_bar is None or not area.vert_scroll_bar_active:
            return
        bar = area.vert_scroll_bar
        # Size the slider for the new height first: the view follows the slider, and the
        # slider can only go as far down as its current size allows.
        bar.set_visible_percentage(area.rect.height / max(self._content_h, 1))
        bar.set_scroll_from_start_percentage(1.0)

    def scroll_by(self, pixels: int) -> None:
        """Scroll the messages ``pixels`` down (negative: up, to older ones), within them."""
        area = self.area
        if area is None or area.vert_scroll_bar is None or not area.vert_scroll_bar_active:
            return  # all of them in sight
        bar = area.vert_scroll_bar
        bar.set_scroll_from_start_percentage(
            bar.start_percentage + pixels / max(self._content_h, 1)
        )

    def page(self) -> int:
        """Pixels PageUp / PageDown scroll: the message area's height, less a line kept."""
        area = self.area
        return max(area.rect.height - LINE_SCROLL, LINE_SCROLL) if area is not None else 0

    def set_thinking(self, on: bool) -> None:
        """Show or hide "<npc> is thinking..." under the messages."""
        label = self.thinking
        if label is None or bool(label.visible) == on:
            return
        if on:
            label.show()
        else:
            label.hide()
        self._update_hint()

    def _update_hint(self) -> None:
        """The line under the messages, while nobody is thinking: how to send and leave, or,
        near the length limit, how many characters are left (typing stops at the limit)."""
        hint, entry = self.hint, self.entry
        if hint is None or entry is None:
            return
        thinking = self.thinking is not None and bool(self.thinking.visible)
        if thinking or not entry.is_enabled:
            if hint.visible:
                hint.hide()
            return
        left = self.max_input - len(entry.get_text())
        text = f"{left} characters left - {HINT}" if left <= NEAR_LIMIT else HINT
        if hint.text != text:
            hint.set_text(text)
        if not hint.visible:
            hint.show()

    def wait_for(self, npc_name: str, talking_with: tuple[str, ...]) -> None:
        """The box is open on ``npc_name``, who is talking with someone else: say so, and
        that it will turn to the player when done. Typing waits until then."""
        others = " and ".join(talking_with) or "someone"
        self.add_message(
            npc_name,
            f"({npc_name} is talking with {others}. Stay, and {npc_name} will turn to you "
            "when they are done - or Escape to leave.)",
            False,
        )
        self.set_input_enabled(False, WAITING_PLACEHOLDER)

    def attach(self, conversation_id: int) -> None:
        """The villager waited for is free: this box is now on ``conversation_id``."""
        self._conversation_id = conversation_id
        self.set_input_enabled(True)

    def set_input_enabled(self, enabled: bool, placeholder: str = ENDED_PLACEHOLDER) -> None:
        """Allow or stop typing (e.g. once the villager has ended the conversation)."""
        entry = self.entry
        if entry is None or entry.is_enabled == enabled:
            return
        entry.placeholder_text = PLACEHOLDER if enabled else placeholder
        if enabled:
            entry.enable()
            self.focus()
        else:
            entry.set_text("")
            entry.disable()
        give = self.give
        if give is not None:
            if self.can_give:
                give.enable()
            else:
                give.disable()
        self._update_hint()

    # ---- events ------------------------------------------------------------------------

    def handle_event(self, event: pygame.event.Event) -> DialogueAction | None:
        """Turn one pygame event (already given to the manager) into what the player did."""
        if self.window is None:
            return None
        self._note_cursor()
        element: object = getattr(event, "ui_element", None)
        if event.type == pygame_gui.UI_WINDOW_CLOSE:
            if element is not self.window:
                return None  # e.g. the window of an earlier conversation, dying
            self._forget()  # the x button: the window has already killed itself
            return CloseDialogue()
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return CloseDialogue()
        if event.type == pygame.KEYDOWN and event.key == GIVE_KEY and self.can_give:
            return OpenGive()
        if event.type == pygame_gui.UI_BUTTON_PRESSED and element is self.give:
            self.focus()  # the click took the keyboard; the picker releases it again
            return OpenGive() if self.can_give else None
        entry = self.entry
        if event.type == pygame.KEYDOWN:
            self._scroll_key(event.key)
        if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED and entry is not None:
            if element is entry:
                action = self._submit(entry)
                self._update_hint()
                return action
        elif event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED and element is entry:
            self._update_hint()
        elif event.type == pygame.MOUSEBUTTONUP:
            self._refocus_after_click()
        return None

    def _scroll_key(self, key: int) -> None:
        """PageUp / PageDown scroll the messages; Up / Down too while nothing is typed (the
        line is one line: they have nothing to do there)."""
        if key in (pygame.K_PAGEUP, pygame.K_PAGEDOWN):
            self.scroll_by(-self.page() if key == pygame.K_PAGEUP else self.page())
        elif key in (pygame.K_UP, pygame.K_DOWN):
            entry = self.entry
            if entry is None or not entry.get_text():
                self.scroll_by(-LINE_SCROLL if key == pygame.K_UP else LINE_SCROLL)

    def _refocus_after_click(self) -> None:
        """A click elsewhere (the map, the title bar) takes the keyboard back to the entry,
        unless the player is selecting text in a message to copy it."""
        entry = self.entry
        if entry is None or entry.is_focused or not entry.is_enabled:
            return
        focused = self.manager.get_focus_set() or set()
        if not any(isinstance(element, MessageBox) for element in focused):
            self.focus()

    def _submit(self, entry: UITextEntryLine) -> SendText | None:
        text = for_screen(entry.get_text())[: self.max_input].strip()
        entry.set_text("")
        self.focus()
        return SendText(text) if text else None
