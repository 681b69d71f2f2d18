"""The player is never locked out of talking: a busy villager is waited for in the box,
and a walker is caught. Driven as a player does: keys posted to the real game loop, a
real worker thread, the real openai client on the loopback server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pygame
from conftest import write_village
from llm_server import LLMServer, Reply
from simkit import ada_talks_with_bjorn, is_conversation, loopback_brain, npc_of
from uikit import Harness

from game.content.loader import load_content
from game.ui.states import DialogueState, PlayingState


def texts(game) -> list[str]:
    return [box.html_text for box in game.dialogue.messages]


def walk_right(h: Harness, to_x: int) -> None:
    x = h.tile()[0]
    while x < to_x:
        x += 1
        h.key(pygame.K_RIGHT)
        assert h.until(lambda x=x: h.tile() == (x, 1), 5)
        assert h.until(lambda: not h.game.actors.get("Player").moving, 5)


@contextmanager
def enter_while_ada_talks(tmp_path, bjorn_thinks: float) -> Iterator[Harness]:
    """Ada starts talking with Bjorn on turn 1 (he takes ``bjorn_thinks`` seconds over his
    one line, then she ends it; any later talk, the player's, gets a line). Meanwhile the
    player walks up beside her and presses Enter; the box is open when this yields."""
    content = load_content(*write_village(tmp_path / "v", {"Ada": (5, 1), "Bjorn": (6, 1)}))
    respond = ada_talks_with_bjorn(
        bjorn_thinks=bjorn_thinks, later='say("Frogs everywhere this spring.")'
    )

    with LLMServer(respond) as server:
        h = Harness(content, loopback_brain(server.base_url, timeout=10), tmp_path / "logs")
        try:
            assert h.until(lambda: h.game.hud_state.talking == ("Ada", "Bjorn"), 5)
            walk_right(h, 4)  # the player may walk while others talk
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(h.game.states[-1], DialogueState), 3)
            yield h
        finally:
            h.close()


def test_enter_at_a_villager_who_is_talking_waits_in_the_box(tmp_path) -> None:
    """Ada talks with Bjorn; the player walks up to her and presses Enter. The box opens
    at once saying she is talking with Bjorn, with typing held; when their talk ends she
    greets the player in the same box, and the two talk. (It used to refuse: "Ada and
    Bjorn are talking - wait a moment".)"""
    with enter_while_ada_talks(tmp_path, bjorn_thinks=2.0) as h:
        game = h.game
        assert game.dialogue.npc_name == "Ada"
        assert any("Ada is talking with Bjorn" in t for t in texts(game))
        assert not game.dialogue.entry.is_enabled  # typing waits for her
        assert h.until(
            lambda: (
                set(game.hud_state.paused_reasons) == {"conversation", "talking with the player"}
            )
        )
        assert "you are waiting for Ada" in game.hud_state.text()[0]
        # Their talk ends; she turns to the player, in the same box.
        assert h.until(lambda: game.dialogue.entry.is_enabled, 10)
        assert game.hud_state.talking is None
        assert h.until(lambda: any("Hello there, Ada here." in t for t in texts(game)))
        assert "you are talking with Ada" in game.hud_state.text()[0]
        h.type("Any news?")
        h.key(pygame.K_RETURN)
        assert h.until(lambda: any("Frogs everywhere" in t for t in texts(game)), 5)
        h.key(pygame.K_ESCAPE)
        assert h.until(lambda: isinstance(game.states[-1], PlayingState))
        assert h.until(lambda: game.hud_state.paused_reasons == ())
    log = (tmp_path / "logs" / "ada.md").read_text(encoding="utf-8")
    assert log.index("### Conversation with Bjorn") < log.index("### Conversation with Player")
    assert "- Player: Any news?\n- Ada: Frogs everywhere this spring.\n" in log


def test_escape_while_waiting_leaves_and_the_villager_is_not_brought_over(tmp_path) -> None:
    with enter_while_ada_talks(tmp_path, bjorn_thinks=1.0) as h:
        game = h.game
        h.key(pygame.K_ESCAPE)
        assert h.until(lambda: isinstance(game.states[-1], PlayingState))
        assert h.until(lambda: game.hud_state.talking is None, 10)
        h.frames(30)
        assert isinstance(game.states[-1], PlayingState) and not game.dialogue.is_open
        assert h.until(lambda: game.hud_state.paused_reasons == ())
    assert "Conversation with Player" not in (tmp_path / "logs" / "ada.md").read_text("utf-8")


def test_enter_catches_a_villager_walking_off(tmp_path) -> None:
    """Ada, next to the player, sets off along the row. Enter while the screen still
    shows her beside the player (the world has her a step on) stops her walk and brings
    her back beside the player; the box opens. She stands a moment after the talk, then
    goes on her way."""
    content = load_content(*write_village(tmp_path / "v", {"Ada": (2, 1), "Cora": (9, 6)}))

    def respond(request):
        if is_conversation(request):
            return Reply(content='say("Off to the pond.")')
        return Reply(content="move_to(10, 1)" if npc_of(request) == "Ada" else "wait()")

    with LLMServer(respond) as server:
        h = Harness(
            content,
            loopback_brain(server.base_url),
            tmp_path / "logs",
            step_time=0.5,  # a slow walker: the test sees each step, however busy the machine
            linger=1.5,
        )
        game = h.game
        try:
            ada = game.actors.get("Ada")
            assert h.until(lambda: ada.tile == (3, 1), 5)  # the world has her a step on
            assert game.seen_neighbour() == "Ada"  # the screen still shows her beside
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState), 3)
            assert game.dialogue.npc_name == "Ada"
            assert h.until(lambda: ada.tile == (2, 1), 3)  # stepped back beside the player
            h.frames(30)
            assert ada.tile == (2, 1)  # and stays while they talk
            h.key(pygame.K_ESCAPE)
            assert h.until(lambda: game.hud_state.paused_reasons == ())
            closed = time.monotonic()
            h.until(lambda: ada.tile != (2, 1), 0.8)
            assert ada.tile == (2, 1) or time.monotonic() - closed >= 0.8  # a moment's stand
            assert h.until(lambda: ada.tile[0] > 3, 10)  # then on her way
        finally:
            h.close()
    log = (tmp_path / "logs" / "ada.md").read_text(encoding="utf-8")
    assert "when the player wanted a word" in log or "then stopped: the player wanted a word" in log
