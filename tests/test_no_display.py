"""With no screen to open a window on (over ssh, in a container), the game says so in one
line and exits 2, instead of running on unseen; a video driver asked for on purpose
(SDL_VIDEODRIVER=dummy, as tests and benchmarks do) still runs as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_village

# macOS and Windows always have a screen to find; DISPLAY and Wayland are Linux's.
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")

HEADLESS_HINT = (
    "Run with --headless to watch the village without a window, e.g. "
    "python main.py --headless --turns 20"
)


def no_screen_env(**extra: str) -> dict[str, str]:
    """The environment with no way to a screen: no X display, no Wayland compositor (with
    no XDG_RUNTIME_DIR, libwayland cannot find the default one), no driver asked for."""
    gone = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_RUNTIME_DIR", "SDL_VIDEODRIVER")
    env = {k: v for k, v in os.environ.items() if k not in gone and not k.startswith("OPENAI_")}
    # Were the game to open its window unseen after all, it stops at the first frame
    # (exit 0) rather than running on until the test times out.
    env["HAMLET_EXIT_AFTER_FIRST_FRAME"] = "1"
    env.update(extra)
    return env


def play(tmp_path: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    write_village(tmp_path)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--offline", *options]
        + ["--map", "maps/village.yaml", "--npcs", "npcs", "--log-dir", "logs"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


def test_with_no_display_the_game_says_so_in_one_line_instead_of_running_unseen(
    tmp_path: Path,
) -> None:
    game = play(tmp_path, no_screen_env())
    assert game.returncode == 2, game.stdout + game.stderr
    # One line: not even libwayland's "XDG_RUNTIME_DIR is invalid or not set" before it.
    assert game.stderr.splitlines() == [
        f"hamlet: no display to open a window on (DISPLAY is not set). {HEADLESS_HINT}"
    ]
    assert game.stdout == ""
    assert not (tmp_path / "logs").exists()  # refused before anything started


def test_a_display_that_does_not_answer_is_named(tmp_path: Path) -> None:
    number = next(n for n in range(4000, 5000) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    game = play(tmp_path, no_screen_env(DISPLAY=f":{number}"))
    assert game.returncode == 2, game.stdout + game.stderr
    assert game.stderr.splitlines() == [
        f"hamlet: no display to open a window on (nothing answers on DISPLAY=:{number}). "
        + HEADLESS_HINT
    ]


def test_a_video_driver_asked_for_that_cannot_start_is_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    game = play(tmp_path, no_screen_env(SDL_VIDEODRIVER="x11"))
    assert game.returncode == 2, game.stdout + game.stderr
    [line] = game.stderr.splitlines()
    assert line.startswith("hamlet: cannot open a window with SDL_VIDEODRIVER=x11: "), line
    assert line.endswith(HEADLESS_HINT)


@pytest.mark.parametrize("driver", ["dummy", "offscreen"])
def test_a_driver_with_no_screen_asked_for_on_purpose_still_runs(
    tmp_path: Path, driver: str
) -> None:
    game = play(tmp_path, no_screen_env(SDL_VIDEODRIVER=driver, SDL_AUDIODRIVER="dummy"))
    assert game.returncode == 0, game.stderr
    assert "first frame at" in game.stdout
    assert game.stderr == ""


def test_headless_and_check_need_no_display(tmp_path: Path) -> None:
    env = no_screen_env()
    assert play(tmp_path, env, "--headless", "--turns", "1").returncode == 0
    assert play(tmp_path, env, "--check").returncode == 0
