"""The dialogue box, driven headless through real pygame events and pygame-gui."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pygame_gui  # noqa: E402
import pytest  # noqa: E402

from game.ui.dialogue import CloseDialogue, DialogueBox, SendText  # noqa: E402

THEME = Path(__file__).resolve().parents[1] / "assets" / "ui_theme.json"
VIEW = pygame.Rect(0, 26, 1280, 694)


@pytest.fixture(scope="module", autouse=True)
def display() -> Iterator[pygame.Surface]:
    pygame.init()
    yield pygame.display.set_mode((1280, 720))


@pytest.fixture
def manager() -> pygame_gui.UIManager:
    pygame.event.clear()
    return pygame_gui.UIManager((1280, 720), str(THEME))


@pytest.fixture
def box(manager: pygame_gui.UIManager) -> DialogueBox:
    dialogue = DialogueBox(manager, VIEW)
    dialogue.open("Ada", 7)
    manager.update(0.016)
    return dialogue


def pump(
    manager: pygame_gui.UIManager, box: DialogueBox, *events: pygame.event.Event
) -> list[object]:
    """Post ``events`` and run the game's event loop until the queue is quiet."""
    for event in events:
        pygame.event.post(event)
    actions: list[object] = []
    for _ in range(5):  # pygame-gui answers events with more events
        for event in pygame.event.get():
            manager.process_events(event)
            action = box.handle_event(event)
            if action is not None:
                actions.append(action)
        manager.update(0.016)
    return actions


def typing(text: str) -> list[pygame.event.Event]:
    return [pygame.event.Event(pygame.TEXTINPUT, text=ch) for ch in text]


def key(k: int, kind: int = pygame.KEYDOWN) -> pygame.event.Event:
    return pygame.event.Event(kind, key=k, mod=0, unicode="", scancode=0)


def enter() -> list[pygame.event.Event]:
    return [key(pygame.K_RETURN), key(pygame.K_RETURN, pygame.KEYUP)]


def test_open_shows_a_titled_window_with_focus_on_the_entry(
    manager: pygame_gui.UIManager, box: DialogueBox
) -> None:
    assert box.is_open and box.npc_name == "Ada" and box.conversation_id == 7
    assert box.window is not None and box.window.window_display_title == "Ada"
    assert box.window.close_window_button is not None
    assert VIEW.contains(box.window.rect)
    assert box.entry is not None and box.entry.is_focused
    assert box.entry in manager.get_focus_set()


def test_typing_and_enter_sends_the_text(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    actions = pump(manager, box, *typing("Hello, Ada!"), *enter())
    assert actions == [SendText("Hello, Ada!")]
    assert box.entry is not None and box.entry.get_text() == ""
    assert box.entry.is_focused
    assert pump(manager, box, *typing("again"), *enter()) == [SendText("again")]


def test_empty_input_is_ignored(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    assert pump(manager, box, *enter()) == []
    assert pump(manager, box, *typing("   "), *enter()) == []
    assert box.is_open and box.entry is not None and box.entry.is_focused


def test_input_is_capped(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    actions = pump(manager, box, *typing("x" * 400), *enter())
    assert actions == [SendText("x" * 300)]


def test_control_characters_are_stripped(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    assert box.entry is not None
    box.entry.set_text("  hi\x07 the\x7fre\tfriend\x1b\u202e  ")
    actions = pump(manager, box, *enter())
    assert actions == [SendText("hi there friend")]


def test_escape_closes(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    assert pump(manager, box, key(pygame.K_ESCAPE)) == [CloseDialogue()]
    box.close()
    assert not box.is_open
    box.close()  # twice is fine
    assert pump(manager, box, key(pygame.K_ESCAPE)) == []


def test_close_button_click_closes(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    assert box.window is not None and box.window.close_window_button is not None
    window = box.window
    pos = box.window.close_window_button.rect.center
    click = [
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1),
    ]
    actions = pump(manager, box, *click)
    assert actions == [CloseDialogue()]
    assert not box.is_open
    assert not window.alive()


def test_clicking_elsewhere_gives_the_keyboard_back(
    manager: pygame_gui.UIManager, box: DialogueBox
) -> None:
    pos = (100, 100)  # on the map, outside the window
    pump(
        manager,
        box,
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1),
    )
    assert box.entry is not None and box.entry.is_focused
    assert pump(manager, box, *typing("still here"), *enter()) == [SendText("still here")]


def test_stale_close_event_does_not_close_a_new_box(
    manager: pygame_gui.UIManager, box: DialogueBox
) -> None:
    box.close()  # the old window posts UI_WINDOW_CLOSE as it dies
    box.open("Bjorn", 8)
    assert pump(manager, box) == []
    assert box.is_open and box.npc_name == "Bjorn"


def test_npc_left_player_right(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    box.add_message("Ada", "Hello there, traveller!", False)
    box.add_message("You", "Hi!", True)
    manager.update(0.016)
    npc, player = box.messages
    assert box.area is not None
    area = box.area.rect
    assert npc.rect.left == area.left
    assert player.rect.left > npc.rect.left
    assert player.rect.right > npc.rect.right
    assert area.right - 25 <= player.rect.right <= area.right
    assert npc.rect.bottom <= player.rect.top  # newest below
    assert npc.most_specific_combined_id.endswith("#npc_message")
    assert player.most_specific_combined_id.endswith("#player_message")


def test_markup_is_shown_literally(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    raw = "<b>hi</b> <font color=red>red</font> &amp; <br> 5 < 6"
    box.add_message("Ada", raw, False)
    manager.update(0.016)
    message = box.messages[-1]
    assert "&lt;b&gt;hi&lt;/b&gt;" in message.html_text
    assert message.text_box_layout is not None
    assert message.text_box_layout.plain_text == raw


def test_long_lines_wrap_and_newlines_are_kept(
    manager: pygame_gui.UIManager, box: DialogueBox
) -> None:
    box.add_message("Ada", "word " * 80, False)
    box.add_message("Ada", "one\ntwo", False)
    manager.update(0.016)
    long, two = box.messages
    assert box.area is not None
    assert long.rect.width < box.area.rect.width * 0.8
    assert long.rect.height > 4 * two.rect.height / 2
    assert two.text_box_layout is not None and len(two.text_box_layout.layout_rows) == 2


def test_thinking_line(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    assert box.thinking is not None
    assert not box.thinking.visible
    box.set_thinking(True)
    assert box.thinking.visible and box.thinking.text == "Ada is thinking\u2026"
    box.set_thinking(False)
    assert not box.thinking.visible


def test_input_can_be_disabled(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    box.set_input_enabled(False)
    assert box.entry is not None and not box.entry.is_enabled
    assert pump(manager, box, *typing("hello"), *enter()) == []
    box.set_input_enabled(True)
    assert box.entry.is_focused
    assert pump(manager, box, *typing("hello"), *enter()) == [SendText("hello")]


def test_hundred_messages(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    screen = pygame.display.get_surface()
    assert screen is not None
    appends = []
    for i in range(100):
        text = f"Message {i}: " + "the frogs are singing again " * (1 + i % 4)
        started = time.perf_counter()
        box.add_message("Ada" if i % 2 else "You", text, i % 2 == 0)
        appends.append(time.perf_counter() - started)
    frames = []
    for _ in range(60):
        started = time.perf_counter()
        manager.update(0.016)
        manager.draw_ui(screen)
        frames.append(time.perf_counter() - started)
    appends.sort()
    frames.sort()
    print(
        f"\n100 messages: append median {appends[50] * 1000:.2f} ms, "
        f"max {appends[-1] * 1000:.2f} ms; manager update+draw median {frames[30] * 1000:.3f} ms"
    )
    messages = box.messages
    assert len(messages) == 100
    assert [m.text_box_layout.plain_text.split(":")[0] for m in messages if m.text_box_layout] == [
        f"Message {i}" for i in range(100)
    ]
    assert box.area is not None
    area = box.area.rect
    last = messages[-1]
    assert last.visible
    assert area.top <= last.rect.top and last.rect.bottom <= area.bottom + 2
    assert not messages[0].visible  # scrolled far out of sight


def test_messages_after_close_are_ignored(manager: pygame_gui.UIManager, box: DialogueBox) -> None:
    box.close()
    box.add_message("Ada", "Anyone there?", False)
    box.set_thinking(True)
    box.set_input_enabled(False)
    assert box.messages == []
