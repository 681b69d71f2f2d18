"""Keys do what the README and the help card say: Escape closes what is open before it asks
to quit, the quit question holds the turns and loses no key, PageUp / PageDown (and Up / Down)
scroll the dialogue's messages, Tab says when there is nothing to follow, and the feed (L)
shows whole lines and scrolls. Driven as a player does, through the real game loop."""

from __future__ import annotations

import pygame
import pytest
from conftest import write_village
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.ui.overlays import KEYS, QUIT_NOTE, Feed
from game.ui.states import NO_CONVERSATION, DialogueState, HelpState, PlayingState, QuitState

QUIT_REASON = "asking whether to quit"


@pytest.fixture
def harness(tiny_content, tmp_path):
    h = Harness(tiny_content, OfflineBrain(0), tmp_path)
    try:
        yield h
    finally:
        h.close()


def post_key(key: int, kind: int = pygame.KEYDOWN) -> None:
    pygame.event.post(pygame.event.Event(kind, key=key, mod=0, unicode="", scancode=0))


# ---- Escape: what is open closes first ----------------------------------------------


def test_escape_closes_the_help_card_then_the_feed_and_only_then_asks_to_quit(harness) -> None:
    game = harness.game
    harness.key(pygame.K_l)
    harness.key(pygame.K_F1)
    assert isinstance(game.states[-1], HelpState) and game.feed.visible
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], PlayingState)
    assert game.feed.visible  # one Escape, one thing closed
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], PlayingState)
    assert not game.feed.visible
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], QuitState) and game.running


def test_escape_in_the_dialogue_closes_it_and_does_not_ask_to_quit(tmp_path) -> None:
    content = load_content(*write_village(tmp_path / "v", {"Ada": (2, 1)}))
    h = Harness(content, OfflineBrain(0), tmp_path, turns=0)
    try:
        game = h.game
        h.key(pygame.K_l)  # the feed is open under the box: the box closes first
        h.key(pygame.K_RETURN)
        assert h.until(lambda: isinstance(game.states[-1], DialogueState))
        h.key(pygame.K_ESCAPE)
        assert h.until(lambda: isinstance(game.states[-1], PlayingState))
        assert game.feed.visible and not game.dialogue.is_open
    finally:
        h.close()


# ---- the quit question --------------------------------------------------------------


def test_the_quit_question_holds_the_turns_and_the_bar_says_so(harness) -> None:
    game = harness.game
    assert harness.until(lambda: game.hud_state.turn >= 1)
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], QuitState)
    assert harness.until(lambda: game.hud_state.paused_reasons == (QUIT_REASON,))
    assert "Paused: asking whether to quit" in game.hud_state.text()[0]
    turn = game.hud_state.turn
    harness.frames(30)  # turns 0.05 s apart would have gone on by several
    assert game.hud_state.turn <= turn + 1
    harness.key(pygame.K_n)
    assert isinstance(game.states[-1], PlayingState) and game.running
    assert harness.until(lambda: game.hud_state.paused_reasons == ())
    assert harness.until(lambda: game.hud_state.turn > turn + 1)


def test_the_quit_question_keeps_the_players_own_pause(harness) -> None:
    game = harness.game
    harness.key(pygame.K_SPACE)
    assert harness.until(lambda: game.hud_state.paused_reasons == ("paused by the player",))
    harness.key(pygame.K_ESCAPE)
    assert harness.until(lambda: QUIT_REASON in game.hud_state.paused_reasons)
    harness.key(pygame.K_ESCAPE)  # stay
    assert harness.until(lambda: game.hud_state.paused_reasons == ("paused by the player",))


def test_a_walking_key_pressed_under_the_quit_question_closes_it_and_walks(harness) -> None:
    game = harness.game
    assert harness.tile() == (1, 1)
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], QuitState)
    harness.key(pygame.K_RIGHT)
    assert isinstance(game.states[-1], PlayingState) and game.running
    assert harness.until(lambda: harness.tile() == (2, 1))
    assert harness.until(lambda: QUIT_REASON not in game.hud_state.paused_reasons)


def test_space_under_the_quit_question_closes_it_and_pauses(harness) -> None:
    game = harness.game
    harness.key(pygame.K_ESCAPE)
    assert harness.until(lambda: QUIT_REASON in game.hud_state.paused_reasons)
    harness.key(pygame.K_SPACE)
    assert isinstance(game.states[-1], PlayingState)
    assert harness.until(lambda: game.hud_state.paused_reasons == ("paused by the player",))


def test_under_the_quit_question_f1_opens_the_help_and_shift_or_f3_leave_it_up(harness) -> None:
    game = harness.game
    harness.key(pygame.K_ESCAPE)
    harness.key(pygame.K_LSHIFT)
    assert isinstance(game.states[-1], QuitState)
    harness.key(pygame.K_F3)
    assert isinstance(game.states[-1], QuitState) and game.show_meter
    harness.key(pygame.K_F1)
    assert isinstance(game.states[-1], HelpState)
    assert [type(s) for s in game.states] == [PlayingState, HelpState]


def test_the_quit_card_and_the_help_say_what_the_keys_do() -> None:
    assert "any other key plays on" in QUIT_NOTE
    said = dict(KEYS)
    assert "feed" in said["Escape"] and said["Escape"].endswith("quit")
    assert "dialogue" in said["PgUp / PgDn"]


# ---- Tab -------------------------------------------------------------------------------


def test_tab_with_no_conversation_to_follow_says_so(harness) -> None:
    game = harness.game
    assert game.talking is None
    harness.key(pygame.K_TAB)
    assert game.notices.text == NO_CONVERSATION
    assert game.follow == "Player"


# ---- the dialogue's messages scroll --------------------------------------------------


def in_sight(game, message) -> bool:
    return message.rect.colliderect(game.dialogue.area.rect)


def test_pageup_pagedown_and_up_down_scroll_the_dialogues_messages(tmp_path) -> None:
    content = load_content(*write_village(tmp_path / "v", {"Ada": (2, 1)}))
    h = Harness(content, OfflineBrain(0), tmp_path, size=(800, 600), turns=0)
    try:
        game = h.game
        h.key(pygame.K_RETURN)
        assert h.until(lambda: isinstance(game.states[-1], DialogueState))
        for i in range(6):
            h.type(f"Tell me more, please ({i})")
            h.key(pygame.K_RETURN)
            assert h.until(lambda i=i: len(game.dialogue.messages) >= 3 + 2 * i)
        h.frames(5)
        messages = game.dialogue.messages
        first, last = messages[0], messages[-1]
        assert in_sight(game, last) and not in_sight(game, first)
        for _ in range(len(messages)):
            h.key(pygame.K_PAGEUP)
        h.frames(5)
        assert in_sight(game, first) and not in_sight(game, last)
        for _ in range(len(messages)):
            h.key(pygame.K_PAGEDOWN)
        h.frames(5)
        assert in_sight(game, last) and not in_sight(game, first)
        # Up and Down scroll too while nothing is typed...
        top = last.rect.top
        h.key(pygame.K_UP)
        h.frames(5)
        assert last.rect.top > top
        h.key(pygame.K_DOWN)
        h.key(pygame.K_DOWN)  # the second stops at the bottom
        h.frames(5)
        assert last.rect.top == top
        # ...and not while something is (the line keeps them)
        h.type("so")
        h.key(pygame.K_UP)
        h.frames(5)
        assert last.rect.top == top
        assert game.dialogue.entry.get_text() == "so"
    finally:
        h.close()


# ---- the feed -------------------------------------------------------------------------


def test_the_feed_wraps_every_line_whole_with_the_newest_at_the_bottom() -> None:
    pygame.font.init()
    feed = Feed(pygame.font.Font(None, 17))
    long = "the bell tower key was lost at the well by the miller's youngest " * 6
    feed.add(3, "Agnes", long.strip())
    feed.add(4, "Bram", "Short one.")
    feed.visible = True
    feed.jobs(pygame.Rect(0, 26, 1280, 694))
    rows = feed.rows()
    assert rows[-1] == "T4 Bram: Short one."
    agnes = rows[:-1]
    assert len(agnes) > 2  # not cut at two rows any more
    assert " ".join(row.strip() for row in agnes) == "T3 Agnes: " + long.strip()
    assert all(feed.font.size(row)[0] <= feed.width - 24 for row in rows)


def test_the_feed_scrolls_with_page_keys_and_the_wheel_and_draws_only_on_a_change(
    tiny_content, tmp_path
) -> None:
    harness = Harness(tiny_content, OfflineBrain(0), tmp_path, turns=0)  # only these lines
    try:
        feed_scrolls(harness)
    finally:
        harness.close()


def feed_scrolls(harness: Harness) -> None:
    game = harness.game
    feed = game.feed
    for i in range(60):
        feed.add(i, "Ada", f"Line {i}: frogs everywhere this spring, and louder than ever.")
    harness.key(pygame.K_PAGEUP)  # hidden: the feed does not scroll
    assert feed.scroll == 0
    harness.key(pygame.K_l)
    (panel, _), = feed.jobs(game.view)
    assert feed.jobs(game.view)[0][0] is panel  # nothing changed: not drawn again
    assert feed.rows()[-2].startswith("T59 Ada: Line 59")  # newest at the bottom
    harness.key(pygame.K_PAGEUP)
    assert feed.scroll > 0
    rows = feed.rows()
    assert not any(row.startswith("T59 ") for row in rows)
    assert rows[0].startswith("T")  # the top row starts a line
    harness.frames(1)
    assert feed.jobs(game.view)[0][0] is not panel  # drawn again, scrolled
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1, flipped=False))
    harness.frames(1)
    scrolled = feed.scroll
    pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-1, flipped=False))
    harness.frames(1)
    assert feed.scroll == scrolled - 1
    for _ in range(40):  # far back: it stops at the oldest line
        harness.key(pygame.K_PAGEUP)
    assert feed.rows()[0].startswith("T0 Ada: Line 0")
    feed.add(60, "Bjorn", "A new line while reading old ones.")
    assert feed.rows()[0].startswith("T0 Ada: Line 0")  # what is being read stays put
    for _ in range(40):
        harness.key(pygame.K_PAGEDOWN)
    assert feed.scroll == 0 and feed.rows()[-1].startswith("T60 Bjorn")
