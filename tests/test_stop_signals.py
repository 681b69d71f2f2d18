"""Stopping a real game process mid-conversation: by kill (SIGTERM), by its terminal
closing (SIGHUP), by Ctrl+C (SIGINT), headless and in the window.

Headless, SIGTERM and SIGHUP ended the run at once (status -15, -1): the talk under way
and the turn's notes were lost. In the window Ctrl+C printed a KeyboardInterrupt traceback
from clock.tick and no "Logs:" line. Now each ends as Ctrl+C headless (or Escape in the
window) does: the talk written as ended by the game closing, "Logs:" printed, no
traceback, exit status 128 + the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_village
from logcheck import check_log_dir, split_entries
from test_killed_mid_talk import SAID, SAID_BY_BJORN, mid_talk, talker
from test_shutdown import start_headless, wait_for


def stop(proc: subprocess.Popen[str], signum: int) -> tuple[str, str]:
    proc.send_signal(signum)
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"still running 15 s after {signum}:\n{out}\n{err}") from None


def ended_by_closing(log_dir: Path) -> None:
    """Each villager's log holds the talk once, whole, ended by the game closing."""
    for file, said in (("ada.md", SAID), ("bjorn.md", SAID_BY_BJORN)):
        entries = split_entries((log_dir / file).read_text(encoding="utf-8"), file)
        assert entries.count(said + "\nEnded by: the game closing") == 1, (file, entries)
    check_log_dir(log_dir)


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGTERM", "SIGHUP"],
)
def test_headless_sigterm_and_sighup_end_like_ctrl_c(tmp_path, signum, status) -> None:
    map_path, npc_dir = write_village(tmp_path / "village")
    log_dir = tmp_path / "logs"
    with talker() as server:
        proc = start_headless(
            log_dir, server.base_url, "--map", str(map_path), "--npcs", str(npc_dir)
        )
        mid_talk(server, log_dir, proc)
        out, err = stop(proc, signum)
        wait_for(lambda: server.in_flight == 0, 5, "the server to see the connection dropped")
    assert proc.returncode == status, (out, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    name = signal.Signals(signum).name
    assert f"Interrupted ({name}) during turn 1; 0 whole turns played." in out
    assert out.rstrip().endswith(f"Logs: {log_dir}")
    assert "(conversation ended by the game closing)" in out
    ended_by_closing(log_dir)


def start_window(log_dir: Path, base_url: str, map_path: Path, npc_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--window", "640x480", "--turn-interval", "0"]
        + ["--base-url", base_url, "--llm-timeout", "30", "--log-dir", str(log_dir)]
        + ["--map", str(map_path), "--npcs", str(npc_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["ctrl-c", "SIGTERM"],
)
def test_ctrl_c_in_the_window_ends_as_cleanly_as_escape(tmp_path, signum, status) -> None:
    """Ctrl+C in the window printed a KeyboardInterrupt traceback from clock.tick, and no
    "Logs:" line."""
    map_path, npc_dir = write_village(tmp_path / "village")
    log_dir = tmp_path / "logs"
    with talker() as server:
        proc = start_window(log_dir, server.base_url, map_path, npc_dir)
        mid_talk(server, log_dir, proc)
        out, err = stop(proc, signum)
        wait_for(lambda: server.in_flight == 0, 5, "the server to see the connection dropped")
    assert proc.returncode == status, (out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    name = signal.Signals(signum).name
    assert out.splitlines()[-2:] == [f"Interrupted ({name}).", f"Logs: {log_dir}"], out
    ended_by_closing(log_dir)
