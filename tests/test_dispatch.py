"""Every command the window sends has a handler in the simulation, and every event the
simulation emits has one in the window, or is named as one the window does not show."""

from __future__ import annotations

import logging
from dataclasses import astuple
from typing import get_args

import pytest
from simkit import make_sim
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.sim import messages as m
from game.ui.app import Game
from game.world import Facing


def test_every_command_has_a_handler(tiny_content, tmp_path) -> None:
    sim, _ = make_sim(tiny_content, OfflineBrain(0), tmp_path, with_player=True)
    assert set(sim.on_command) == set(get_args(m.Command))


def test_a_command_of_no_known_kind_is_logged_and_the_worker_goes_on(
    tiny_content, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    sim, rec = make_sim(tiny_content, OfflineBrain(0), tmp_path, with_player=True)
    with caplog.at_level(logging.WARNING, logger="hamlet.sim"):
        sim.handle(Facing.UP)  # type: ignore[arg-type]  # not a command
    assert "no handler for command" in caplog.text
    sim.handle(m.MovePlayer(Facing.RIGHT))
    assert rec.of(m.EntityMoved) or rec.of(m.EntityTurned)


def test_every_event_is_shown_or_named_as_not_shown(tiny_content, tmp_path) -> None:
    h = Harness(tiny_content, OfflineBrain(0), tmp_path, turns=0)
    try:
        shown = set(h.game.on_event)
        assert not shown & Game.NOT_SHOWN
        assert shown | Game.NOT_SHOWN == set(get_args(m.Event))
        # What the window is told reaches it through the table; an event it does not show
        # changes nothing it shows.
        game = h.game
        game.apply(m.TurnStarted(41))
        game.apply(m.Notice("The well is dry."))
        game.apply(m.Spoke("Ada", "Morning!", 41))
        shown_before = (astuple(game.hud_state), list(game.feed.lines), game.notices.text)
        game.apply(m.Acted(41, "Ada", "waits"))
        assert (astuple(game.hud_state), list(game.feed.lines), game.notices.text) == shown_before
        assert game.hud_state.turn == 41
        assert game.notices.text == "The well is dry."
        assert list(game.feed.lines) == ["T41 Ada: Morning!"]
        assert "Ada" in game.bubbles.live()
    finally:
        h.close()
