"""A simulation that dies is seen: the window says why and where the log is, and keeps
drawing until the player quits; headless, one line on stderr and a failing status.

The faults are real ones: a log file on a disk with no space left (``/dev/full``), which
fails the village as it is built, and a simulation whose loop raises outside the guard
each turn has (a subclass: the bug a future change could bring)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pygame
import pytest
from conftest import ROOT, run_main
from uikit import Harness

from game.brains import OfflineBrain
from game.cli import build_parser, settle_concurrency
from game.headless import run_headless
from game.sim import messages as m
from game.sim.memory import log_file_name
from game.sim.simulation import Simulation
from game.ui.overlays import PANEL_BG
from game.ui.states import DialogueState, StoppedState

FULL = Path("/dev/full")  # every write to it fails as on a disk with no space left
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")
NO_SPACE = f"OSError: [Errno 28] {os.strerror(28)}."


class BreaksAfterTwoTurns(Simulation):
    """After two turns its loop raises, outside the guard each turn has."""

    async def run(self, turns=None, *, until=None) -> None:
        await super().run(2)
        raise RuntimeError("the well\x1b[31m ran\n dry")


class BreaksWhenThePlayerSpeaks(Simulation):
    """Stands still; its loop raises once the player has said something."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.spoke = asyncio.Event()

    def handle(self, command: m.Command) -> None:
        super().handle(command)
        if isinstance(command, m.PlayerSays):
            self.spoke.set()

    async def run(self, turns=None, *, until=None) -> None:
        await self.spoke.wait()
        raise RuntimeError("the well ran dry")


def card_of(h: Harness) -> StoppedState | None:
    top = h.game.states[-1]
    return top if isinstance(top, StoppedState) else None


def disk_full_for(log_dir: Path, name: str) -> None:
    """``name``'s memory log on a disk with no space left."""
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / log_file_name(name)).symlink_to(FULL)


def assert_card_shown(h: Harness) -> None:
    """The card is on the screen, not only on the stack: its paper shows in the middle of
    the view (left of its text), and the bar says the village stopped."""
    card = card_of(h).card
    assert card is not None
    box = card.get_rect(center=h.game.view.center)
    r, g, b, _ = h.game.screen.get_at((box.left + 14, box.centery))
    assert max(abs(r - PANEL_BG[0]), abs(g - PANEL_BG[1]), abs(b - PANEL_BG[2])) <= 12
    assert "Stopped: the simulation failed" in h.game.hud_state.text()[0]


def test_a_simulation_that_dies_mid_game_shows_a_card_and_escape_quits(
    tiny_content, tmp_path
) -> None:
    logs = tmp_path / "logs"
    h = Harness(tiny_content, OfflineBrain(0), logs, simulation=BreaksAfterTwoTurns)
    try:
        assert h.until(lambda: card_of(h) is not None, timeout=10)
        card = card_of(h)
        assert card.paragraphs == (
            "RuntimeError: the well[31m ran dry.",
            f"Details in {logs / 'hamlet.log'}.",
        )
        assert h.game.hud_state.turn == 2
        assert "between turns" not in h.game.hud_state.text()[0]
        assert_card_shown(h)
        # The window goes on: it draws frames (a screen wiped, as a window uncovered is,
        # shows the card again) and reads keys (F3 works under any card).
        h.game.screen.fill((0, 0, 0))
        h.game.invalidate()
        h.frames(1)
        assert_card_shown(h)
        h.key(pygame.K_F3)
        assert h.game.show_meter
        h.key(pygame.K_SPACE)  # nothing under the card answers
        h.key(pygame.K_RIGHT)
        h.frames(10)
        assert h.tile() == (1, 1) and card_of(h) is card and h.game.running
        h.key(pygame.K_ESCAPE)
        assert not h.game.running
    finally:
        h.close()


@needs_dev_full
def test_a_village_that_cannot_be_built_shows_the_card_from_the_first_frame(
    tiny_content, tmp_path
) -> None:
    logs = tmp_path / "logs"
    disk_full_for(logs, "Bjorn")
    h = Harness(tiny_content, OfflineBrain(0), logs, dying=True)
    try:
        assert h.worker.failure is not None
        card = card_of(h)
        assert card is not None
        assert card.paragraphs == (NO_SPACE, f"Details in {logs / 'hamlet.log'}.")
        assert_card_shown(h)
        h.frames(5)
        assert h.game.running
        h.key(pygame.K_ESCAPE)
        assert not h.game.running
    finally:
        h.close()


def test_a_simulation_that_dies_during_a_dialogue_closes_the_box_under_the_card(
    tiny_content, tmp_path
) -> None:
    h = Harness(tiny_content, OfflineBrain(0), tmp_path, simulation=BreaksWhenThePlayerSpeaks)
    game = h.game
    try:
        for x in (2, 3, 4):
            h.key(pygame.K_RIGHT)
            assert h.until(lambda x=x: h.tile() == (x, 1), 5)
            assert h.until(lambda: not game.actors.get("Player").moving, 5)
        h.key(pygame.K_RETURN)
        assert h.until(lambda: isinstance(game.states[-1], DialogueState))
        h.type("Is the well dry?")
        h.key(pygame.K_RETURN)
        assert h.until(lambda: card_of(h) is not None, timeout=10)
        assert not game.dialogue.is_open
        assert [type(state).__name__ for state in game.states] == ["PlayingState", "StoppedState"]
        assert_card_shown(h)
        pygame.event.post(pygame.event.Event(pygame.QUIT))  # closing the window quits too
        h.frames(1)
        assert not game.running
    finally:
        h.close()


def headless(*args: str) -> subprocess.CompletedProcess[str]:
    return run_main("--headless", *args, cwd=ROOT)


@needs_dev_full
def test_headless_on_a_full_disk_says_so_in_one_line_and_exits_1(tmp_path) -> None:
    logs = tmp_path / "logs"
    disk_full_for(logs, "Marta")
    result = headless("--turns", "3", "--log-dir", str(logs))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"hamlet: The village stopped: {NO_SPACE} Details in {logs / 'hamlet.log'}."
    ]
    assert result.stdout.splitlines()[-1] == f"Logs: {logs}"
    kept = (logs / "hamlet.log").read_text()
    assert "the village stopped before the first turn" in kept and "Traceback" in kept


def test_headless_whose_simulation_dies_mid_run_says_so_and_exits_1(
    tiny_content, tmp_path, capsys
) -> None:
    logs = tmp_path / "logs"
    args = build_parser().parse_args(["--headless", "--turns", "5", "--log-dir", str(logs)])
    brain = OfflineBrain(0)
    settle_concurrency(args, brain)  # as the command line does before it runs
    code = run_headless(
        tiny_content, brain, args, logs, None, sys.stdout, simulation=BreaksAfterTwoTurns
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [
        "hamlet: The village stopped: RuntimeError: the well[31m ran dry. "
        f"Details in {logs / 'hamlet.log'}."
    ]
    lines = out.splitlines()
    assert lines[-1] == f"Logs: {logs}"
    assert {line.split()[0] for line in lines if line.startswith("[T")} == {"[T1]", "[T2]"}
    assert not any(line.startswith("Ran ") for line in lines)  # no summary of a run cut short
    assert "## Turn 2 at " in (logs / "ada.md").read_text()  # the logs were closed whole
