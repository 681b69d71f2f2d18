"""Every command the window sends has a handler in the simulation."""

from __future__ import annotations

import logging
from typing import get_args

import pytest
from simkit import make_sim

from game.brains.offline import OfflineBrain
from game.sim import messages as m
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
