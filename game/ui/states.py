"""Input states: playing, dialogue, help card, quit question, the village stopped.

A state's ``handle`` returns what should happen next (push, pop, quit, or nothing);
:func:`apply_transition` carries it out. Modal states draw over the one below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pygame
import pygame_gui

from game.sim import messages as m
from game.sim.saves import newest_save
from game.ui import dialogue as dlg
from game.ui.glyphs import drawable
from game.ui.overlays import (
    WHEEL_LINES,
    fit_within,
    help_card,
    load_card,
    quit_card,
    stopped_card,
)
from game.ui.story_cards import ListCard, give_card, inventory_card, journal_card
from game.world import PLAYER_NAME, Facing

if TYPE_CHECKING:
    from pathlib import Path

    from game.ui.camera import Camera
    from game.ui.dialogue import DialogueBox
    from game.ui.fonts import UIFont
    from game.ui.hud import HudState, Notices
    from game.ui.overlays import Feed


class Host(Protocol):
    """What the states use of the game window (``game.ui.app.Game`` is one): the window
    imports the states, so they know it only by this."""

    states: list[State]
    running: bool
    held: list[Facing]  # direction keys held, most recent last
    tap: Facing | None  # a press not yet turned into a step
    follow: str
    show_meter: bool
    save_dir: Path | None
    font: UIFont
    small_font: UIFont
    title_font: UIFont
    view: pygame.Rect
    camera: Camera
    dialogue: DialogueBox
    feed: Feed
    notices: Notices
    hud_state: HudState
    story: m.StoryShown  # what the player carries and its quests, as last told

    @property
    def talking(self) -> tuple[str, ...] | None: ...

    def send(self, command: m.Command) -> None: ...

    def push(self, state: State) -> None: ...

    def seen_neighbour(self) -> str | None: ...

MOVE_KEYS: dict[int, Facing] = {
    pygame.K_UP: Facing.UP,
    pygame.K_w: Facing.UP,
    pygame.K_DOWN: Facing.DOWN,
    pygame.K_s: Facing.DOWN,
    pygame.K_LEFT: Facing.LEFT,
    pygame.K_a: Facing.LEFT,
    pygame.K_RIGHT: Facing.RIGHT,
    pygame.K_d: Facing.RIGHT,
}
FASTER_KEYS = {pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS}
SLOWER_KEYS = {pygame.K_MINUS, pygame.K_KP_MINUS}
# Keys that are only ever held with another: pressed under the quit question, they do nothing.
MODIFIER_KEYS = frozenset(
    {
        pygame.K_LSHIFT,
        pygame.K_RSHIFT,
        pygame.K_LCTRL,
        pygame.K_RCTRL,
        pygame.K_LALT,
        pygame.K_RALT,
        pygame.K_LMETA,
        pygame.K_RMETA,
        pygame.K_LGUI,
        pygame.K_RGUI,
        pygame.K_MODE,
        pygame.K_CAPSLOCK,
        pygame.K_NUMLOCK,
        pygame.K_SCROLLOCK,
    }
)
NO_CONVERSATION = "No conversation to follow"


@dataclass(frozen=True)
class Push:
    state: State


@dataclass(frozen=True)
class Pop:
    """Close the state on top; ``forward``: then hand this event to the state under it (a
    key that closed a card without being its answer still does what it does there)."""

    forward: pygame.event.Event | None = None


@dataclass(frozen=True)
class Quit:
    pass


Transition = Push | Pop | Quit | None


def apply_transition(game: Host, transition: Transition) -> None:
    if isinstance(transition, Push):
        game.push(transition.state)
        transition.state.enter(game)
    elif isinstance(transition, Pop):
        if len(game.states) > 1:
            game.states.pop().leave(game)
            if transition.forward is not None:
                apply_transition(game, game.states[-1].handle(game, transition.forward))
    elif isinstance(transition, Quit):
        game.running = False


class State:
    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        return None

    def enter(self, game: Host) -> None:
        """Pushed by a transition (see :func:`apply_transition`)."""

    def leave(self, game: Host) -> None:
        """Popped by a transition."""

    def jobs(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """What the state draws over the map, as blits in order."""
        return []

    def over_gui(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """What the state draws over the GUI too (the dialogue box), as blits in order."""
        return []

    def shields_gui(self, event: pygame.event.Event) -> bool:
        """Whether ``event`` is the state's alone, not the GUI's (a click on a card drawn
        over the dialogue box is not a click on what is under it)."""
        return False


def _global_key(game: Host, event: pygame.event.Event) -> bool:
    """Keys that work whatever is open: F3 (frame meter)."""
    if event.type == pygame.KEYDOWN and event.key == pygame.K_F3:
        game.show_meter = not game.show_meter
        return True
    return False


class PlayingState(State):
    """Walking about: movement, talking, pausing, pace, feed, camera."""

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        if event.type == pygame.KEYUP and event.key in MOVE_KEYS:
            facing = MOVE_KEYS[event.key]
            if facing in game.held:
                game.held.remove(facing)
            return None
        if event.type == pygame.MOUSEWHEEL:
            if game.feed.visible:
                game.feed.scroll_by(event.y * WHEEL_LINES)  # up (positive): older lines
            return None
        if event.type != pygame.KEYDOWN:
            return None
        key = event.key
        if key in MOVE_KEYS:
            facing = MOVE_KEYS[key]
            if facing in game.held:
                game.held.remove(facing)
            game.held.append(facing)
            game.tap = facing
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            game.send(m.TalkToNeighbour(game.seen_neighbour()))
        elif key == pygame.K_e:
            game.send(m.PickUp())
        elif key == pygame.K_i:
            return Push(InventoryState())
        elif key == pygame.K_j:
            return Push(JournalState())
        elif key == pygame.K_SPACE:
            game.send(m.TogglePause())
        elif key in FASTER_KEYS:
            game.send(m.ChangePace(0.8))
        elif key in SLOWER_KEYS:
            game.send(m.ChangePace(1.25))
        elif key == pygame.K_l:
            game.feed.visible = not game.feed.visible
        elif key in (pygame.K_PAGEUP, pygame.K_PAGEDOWN):
            if game.feed.visible:
                page = game.feed.page()
                game.feed.scroll_by(page if key == pygame.K_PAGEUP else -page)
        elif key == pygame.K_TAB:
            if game.follow != PLAYER_NAME:
                game.follow = PLAYER_NAME
            elif game.talking is not None:
                game.follow = game.talking[0]
            else:
                game.notices.show(NO_CONVERSATION)
        elif key == pygame.K_F1:
            return Push(HelpState())
        elif key == pygame.K_F5:
            game.send(m.SaveGame())
        elif key == pygame.K_F9:
            newest = newest_save(game.save_dir) if game.save_dir is not None else None
            if newest is None:
                game.notices.show("No save to load yet: F5 saves")
            else:
                return Push(LoadState(newest))
        elif key == pygame.K_ESCAPE:
            if game.feed.visible:  # what is open closes first; quitting is asked last
                game.feed.visible = False
            else:
                return Push(QuitState())
        return None


class _CardState(State):
    card: pygame.Surface | None = None

    def _card(self, game: Host) -> pygame.Surface:
        raise NotImplementedError

    def jobs(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        if self.card is None:
            self.card = fit_within(self._card(game), game.view.inflate(-16, -16).size)
            self.shade = pygame.Surface(game.view.size, pygame.SRCALPHA)
            self.shade.fill((20, 16, 24, 110))
        return [
            (self.shade, game.view.topleft),
            (self.card, self.card.get_rect(center=game.view.center).topleft),
        ]


class HelpState(_CardState):
    """F1: the list of keys. F1 or Escape closes it."""

    def _card(self, game: Host) -> pygame.Surface:
        brain = game.hud_state.brain
        footer = [f"Brain: {brain}."]
        if brain == "offline":
            footer.append("To use a model: set OPENAI_API_KEY, or start with --base-url URL")
            footer.append("or --provider ollama|lmstudio (see python main.py --help).")
        return help_card(game.title_font, game.font, tuple(footer))

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_F1, pygame.K_ESCAPE):
            return Pop()
        return None


class QuitState(_CardState):
    """Escape with nothing open: ask before quitting. The turns wait while it asks.

    Y or Enter quits; N or Escape stays. Any other key closes the question and does what
    it does in the game (an arrow walks, Space pauses): a key pressed while the card was
    up is not lost.
    """

    def _card(self, game: Host) -> pygame.Surface:
        return quit_card(game.title_font, game.font)

    def enter(self, game: Host) -> None:
        game.send(m.QuitQuestion(True))

    def leave(self, game: Host) -> None:
        game.send(m.QuitQuestion(False))

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        if event.type != pygame.KEYDOWN:
            return None
        if event.key in (pygame.K_y, pygame.K_RETURN, pygame.K_KP_ENTER):
            return Quit()
        if event.key in (pygame.K_n, pygame.K_ESCAPE):
            return Pop()
        if event.key in MODIFIER_KEYS:
            return None
        return Pop(forward=event)


class LoadState(_CardState):
    """F9: ask before loading the last save over the game being played. Y or Enter loads,
    N or Escape plays on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        found = _TURN.search(path.name)
        self.turn = int(found[1]) if found else None

    def _card(self, game: Host) -> pygame.Surface:
        return load_card(game.title_font, game.font, self.turn, self.path.name)

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        if event.type != pygame.KEYDOWN:
            return None
        if event.key in (pygame.K_y, pygame.K_RETURN, pygame.K_KP_ENTER):
            game.send(m.LoadGame(str(self.path)))
            return Pop()
        if event.key in (pygame.K_n, pygame.K_ESCAPE):
            return Pop()
        return None


_TURN = re.compile(r"-turn(\d+)")


class StoppedState(_CardState):
    """The simulation died: a card says why and where the log is, over a village that no
    longer moves. Nothing under it answers any more (the dialogue box closes); the window
    still draws, F3 still works, and Escape (or closing the window) quits."""

    def __init__(self, paragraphs: tuple[str, ...]) -> None:
        self.paragraphs = paragraphs  # what went wrong; where the log is

    def _card(self, game: Host) -> pygame.Surface:
        width = min(640, game.view.width - 48)
        return stopped_card(game.title_font, game.font, self.paragraphs, width)

    def enter(self, game: Host) -> None:
        if game.dialogue.is_open:
            game.dialogue.close()
            game.camera.shift = (0, 0)
        del game.states[1:-1]  # a card or the dialogue under it: nothing to go back to

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return Quit()
        return None


class DialogueState(State):
    """The dialogue box is open: keys go to it, game keys do nothing."""

    def __init__(self, conversation_id: int | None) -> None:
        # None while the box waits for a villager talking with someone else.
        self.conversation_id = conversation_id

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        action = game.dialogue.handle_event(event)
        conversation_id = self.conversation_id
        if isinstance(action, dlg.SendText):
            shown = drawable(action.text)
            game.dialogue.add_message(PLAYER_NAME, shown, True)
            game.feed.add(game.hud_state.turn, PLAYER_NAME, shown)  # both sides of it
            if conversation_id is not None:
                game.send(m.PlayerSays(conversation_id, action.text))
        elif isinstance(action, dlg.OpenGive) and conversation_id is not None:
            return Push(GiveState(conversation_id, game.dialogue.npc_name))
        elif isinstance(action, dlg.CloseDialogue):
            game.send(m.CloseDialogue(conversation_id))
            if game.dialogue.is_open:
                game.dialogue.close()
            game.camera.shift = (0, 0)  # the view moved aside for the box: back to the player
            game.hud_state.waiting = False
            game.held.clear()
            game.tap = None
            return Pop()
        return None


# ---- the story's cards: I, J, and the list to give from ---------------------------------

CARD_SCROLL = 40  # pixels Up / Down or a notch of the mouse wheel scroll a card
SCROLL_KEYS = {pygame.K_UP: -CARD_SCROLL, pygame.K_DOWN: CARD_SCROLL}
MOUSE_EVENTS = frozenset(
    {pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEWHEEL}
)
MODIFIERS = pygame.KMOD_SHIFT | pygame.KMOD_CTRL | pygame.KMOD_ALT | pygame.KMOD_META
NUMBER_KEYS = {
    **{getattr(pygame, f"K_{n}"): n for n in range(1, 10)},
    **{getattr(pygame, f"K_KP{n}"): n for n in range(1, 10)},
}


class _StoryCardState(State):
    """A card over the game listing part of the story, made again when the story
    changes while it is up (a villager hands the player something), keeping its place.
    Up / Down, PageUp / PageDown and the mouse wheel scroll a long one."""

    close_keys: frozenset[int] = frozenset({pygame.K_ESCAPE})
    # The key of the other story card: it closes this one and opens that (I <-> J).
    other_card_key: int | None = None

    def __init__(self) -> None:
        self.card: ListCard | None = None
        self._made_for: tuple[object, ...] | None = None
        self._shade: pygame.Surface | None = None

    def _make(self, game: Host) -> ListCard:
        raise NotImplementedError

    def list_card(self, game: Host) -> ListCard:
        key = (game.story, tuple(game.view))
        if self.card is None or key != self._made_for:
            old = self.card
            self.card = self._make(game)
            self._made_for = key
            if old is not None:  # the same place in the list as before
                self.card.scroll_by(old.scroll)
                if old.selected is not None and self.card.selected is not None:
                    self.card.selected = min(old.selected, len(self.card.entries) - 1)
        return self.card

    def place(self, game: Host, card: pygame.Surface) -> pygame.Rect:
        return card.get_rect(center=game.view.center)

    def jobs(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        surface = self.list_card(game).surface()
        if self._shade is None or self._shade.get_size() != game.view.size:
            self._shade = pygame.Surface(game.view.size, pygame.SRCALPHA)
            self._shade.fill((20, 16, 24, 110))
        return [(self._shade, game.view.topleft), (surface, self.place(game, surface).topleft)]

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if _global_key(game, event):
            return None
        card = self.list_card(game)
        if event.type == pygame.MOUSEWHEEL:
            card.scroll_by(-event.y * CARD_SCROLL)  # up (positive): towards the top
            return None
        if event.type != pygame.KEYDOWN:
            return None
        key = event.key
        if key in self.close_keys:
            return Pop()
        if key == self.other_card_key:
            return Pop(forward=event)
        if key in SCROLL_KEYS:
            card.scroll_by(SCROLL_KEYS[key])
        elif key in (pygame.K_PAGEUP, pygame.K_PAGEDOWN):
            card.scroll_by(-card.page() if key == pygame.K_PAGEUP else card.page())
        elif key == pygame.K_HOME:
            card.scroll_by(-card.scroll)
        elif key == pygame.K_END:
            card.scroll_by(card.list_h)
        return None


class InventoryState(_StoryCardState):
    """I: what the player carries. I or Escape closes it; J goes to the journal."""

    close_keys = frozenset({pygame.K_i, pygame.K_ESCAPE})
    other_card_key = pygame.K_j

    def _make(self, game: Host) -> ListCard:
        return inventory_card(
            game.title_font, game.font, game.small_font, game.story.inventory, game.view
        )


class JournalState(_StoryCardState):
    """J: the quests, what is done and what is open. J or Escape closes it; I goes to
    what the player carries."""

    close_keys = frozenset({pygame.K_j, pygame.K_ESCAPE})
    other_card_key = pygame.K_i

    def _make(self, game: Host) -> ListCard:
        return journal_card(
            game.title_font, game.font, game.small_font, game.story.quests, game.view
        )


class GiveState(_StoryCardState):
    """F2 (or the Give button) in a talk: the list of what the player carries over the
    dialogue box, to hand one to the villager. A number key gives that one; Up / Down
    choose and Enter gives; a click gives the one clicked. Escape, F2 or a click beside
    the list goes back to the talk. The villager's answer comes as the talk's next line.

    The entry line lets go of the keyboard while the list is up, so the number typed to
    choose is not typed into the line as well; it gets it back once that key is let go
    (the letter a key types comes after the key is pressed).
    """

    close_keys = frozenset({pygame.K_ESCAPE, pygame.K_F2})

    def __init__(self, conversation_id: int, npc: str) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.npc = npc
        self.given_by: int | None = None  # the number key that gave, until it is let go

    def _make(self, game: Host) -> ListCard:
        window = game.dialogue.window
        return give_card(
            game.title_font,
            game.font,
            game.small_font,
            self.npc,
            game.story.inventory,
            game.view,
            window.rect if window is not None else None,
        )

    def enter(self, game: Host) -> None:
        game.dialogue.release_keys()

    def leave(self, game: Host) -> None:
        game.dialogue.focus()

    def place(self, game: Host, card: pygame.Surface) -> pygame.Rect:
        """Over the dialogue box, whose talk it belongs to; in the view in any case."""
        window = game.dialogue.window
        centre = window.rect.center if window is not None else game.view.center
        return card.get_rect(center=centre).clamp(game.view)

    def jobs(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        return []  # drawn over the box instead

    def shields_gui(self, event: pygame.event.Event) -> bool:
        return event.type in MOUSE_EVENTS and self.given_by is None

    def over_gui(self, game: Host) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        if self.given_by is not None:
            return []
        surface = self.list_card(game).surface()
        return [(surface, self.place(game, surface).topleft)]

    def give(self, game: Host, index: int, key: int | None = None) -> Transition:
        """Hand the villager the ``index``-th thing carried, and go back to the talk: at
        once, or (given by ``key``, which types a letter) once the key is let go."""
        inventory = game.story.inventory
        if not 0 <= index < len(inventory):
            return None
        if game.dialogue.conversation_id == self.conversation_id and game.dialogue.can_give:
            game.send(m.GiveItem(self.conversation_id, inventory[index].item))
        if key is not None:
            self.given_by = key
            return None
        return Pop()

    def handle(self, game: Host, event: pygame.event.Event) -> Transition:
        if event.type == pygame_gui.UI_WINDOW_CLOSE:  # the box's x: the talk ends
            return Pop(forward=event)
        if self.given_by is not None:  # given: the list is gone, the key not yet let go
            if event.type == pygame.KEYUP and event.key == self.given_by:
                return Pop()
            if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):  # typing on
                return Pop(forward=event)
            return None
        card = self.list_card(game)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            surface = card.surface()
            rect = self.place(game, surface)
            if not rect.collidepoint(event.pos):
                return Pop()
            index = card.entry_at((event.pos[0] - rect.x, event.pos[1] - rect.y))
            return self.give(game, index) if index is not None else None
        if event.type == pygame.KEYDOWN and card.selected is not None:
            key = event.key
            if key in NUMBER_KEYS and not event.mod & MODIFIERS:  # shift+1 is "!", not 1
                return self.give(game, NUMBER_KEYS[key] - 1, key)
            if key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                return self.give(game, card.selected)
            if key in (pygame.K_UP, pygame.K_DOWN):
                step = -1 if key == pygame.K_UP else 1
                card.selected = (card.selected + step) % len(card.entries)
                card.show(card.selected)
                return None
        return super().handle(game, event)
