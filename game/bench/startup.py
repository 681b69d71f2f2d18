"""Startup: from process start to the first frame drawn, and the peak memory on the way.

Runs the real game (``main.py``, default content, no model configured so the offline
brain) in a child process with SDL's dummy video driver and
``HAMLET_EXIT_AFTER_FIRST_FRAME=1``, which makes it print a timestamp right after its
first ``display.flip()`` and quit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from game.bench.stats import Figure, median

TARGET_SECONDS = 1.5
TARGET_MB = 200
MAIN = Path(__file__).resolve().parents[2] / "main.py"
MARK = "first frame at "

# The game is started by this small launcher rather than by the benchmark's own (by now
# large) process: on Linux a child's peak RSS counts its parent's pages from before exec.
LAUNCHER = """
import json, os, subprocess, sys, time
out_path, err_path, *command = sys.argv[1:]
with open(out_path, "w") as out, open(err_path, "w") as err:
    started = time.time()
    child = subprocess.Popen(command, stdout=out, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"started": started, "peak_kb": usage.ru_maxrss,
                  "code": os.waitstatus_to_exitcode(status)}))
"""


def launch(log_dir: Path) -> tuple[float, float]:
    """Seconds from spawning the game to its first frame, and its peak RSS in MB."""
    env = dict(
        os.environ,
        SDL_VIDEODRIVER="dummy",
        SDL_AUDIODRIVER="dummy",
        HAMLET_EXIT_AFTER_FIRST_FRAME="1",
    )
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    log_dir.mkdir(parents=True, exist_ok=True)
    out, err = log_dir / "stdout.txt", log_dir / "stderr.txt"
    game = [sys.executable, str(MAIN), "--log-dir", str(log_dir)]
    launcher = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(out), str(err), *game],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    result = json.loads(launcher.stdout)
    printed = out.read_text()
    if MARK not in printed:
        raise RuntimeError(
            f"the game exited ({result['code']}) without a first frame:\n{err.read_text()}"
        )
    first = float(printed.split(MARK, 1)[1].split()[0])
    return first - result["started"], result["peak_kb"] / 1024  # kilobytes on Linux


def run(quick: bool) -> list[Figure]:
    times, peaks = [], []
    with tempfile.TemporaryDirectory(prefix="hamlet-bench-") as tmp:
        for i in range(2 if quick else 7):
            seconds, peak = launch(Path(tmp) / f"run{i}")
            times.append(seconds)
            peaks.append(peak)
    return [
        Figure(
            "startup to first frame",
            f"{median(times):.2f} s (max {max(times):.2f} s)",
            f"<= {TARGET_SECONDS:g} s",
            median(times) <= TARGET_SECONDS,
            {"median_s": median(times), "max_s": max(times), "runs": len(times)},
        ),
        Figure(
            "peak memory (RSS)",
            f"{max(peaks):.0f} MB",
            f"<= {TARGET_MB} MB",
            max(peaks) <= TARGET_MB,
            {"max_mb": max(peaks)},
        ),
    ]
