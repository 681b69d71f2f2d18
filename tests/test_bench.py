"""The benchmark suite runs end to end (quickly) and reports every figure. No timings are
asserted: CI machines are too noisy for that; ``python -m game.bench`` is for people."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIGURES = (
    "machine yardstick: plain-Python walk of 40,000 tiles",
    "frame time, busy scene: median",
    "frame time, busy scene: p99",
    "frame time, busy scene, camera moving: median / p99",
    "frame time, busy scene, dusk darkening a step: median / slowest",
    "frame time, 25 LLM calls in flight: p99 vs idle",
    "frame time under LLM load: slowest frame",
    "turn thinking, 25 villagers, concurrency 8",
    "turn thinking, 25 villagers, one at a time",
    "one-slot server, 8 villagers: adaptive turn time vs best fixed concurrency",
    "one-slot server, 8 villagers: timeouts with adaptive concurrency",
    "decision prompt, crowded village square",
    "decision prompt, 10 villagers in a crowd",
    "decision prompt, 100 villagers in a crowd",
    "decision prompt, 1,000 villagers in a crowd",
    "decision prompt growth, 100 -> 1,000 villagers",
    "sim turn, 100 villagers (200x200)",
    "sim turn, 1,000 villagers (200x200)",
    "sim turn, 1,000 villagers who only wait",
    "sim turn ratio 1,000 / 100",
    "behaviour trees, 1,000 villagers (12 nodes, 4 deep): median / p95 a turn",
    "behaviour trees: compiling 1,000 villagers' trees",
    "context errors after turn 1, 1,024-token server that says n_ctx in /props",
    "context errors after turn 1, 1,024-token server that says it nowhere",
    "startup to first frame",
    "peak memory (RSS)",
    "save, Willowmere after 50 turns (10 when quick): median; file size",
    "load to first frame, Willowmere after 50 turns (10 when quick): median",
    "save, 1,000 villagers (100 when quick): median; file size",
    "Enter next to a villager opens the box (N tries)",
    "tries where the player could not reach the villager",
    "share of time turns paused: total / villagers talking / player's box",
)
CATCH_TRIES = 3  # the catch benchmark's quick run: three tries at walking up and pressing Enter


def _named(name: str) -> str:
    """A figure's name without the count it carries ("(3 tries)" reads "(N tries)")."""
    return re.sub(r"\(\d+ tries\)", "(N tries)", name)


def test_quick_benchmark_run_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    result = subprocess.run(
        [sys.executable, "-m", "game.bench", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == {}
    names = [_named(figure["name"]) for figure in report["figures"]]
    assert sorted(names) == sorted(FIGURES)
    for figure in report["figures"]:
        assert figure["ok"] in (True, False, None)
        assert figure["measured"] and figure["target"] and figure["values"]
    for name in FIGURES:  # the table on stdout lists them all too
        assert name in _named(result.stdout)
    # The catch run played every try: it walked up to a villager and pressed Enter, or
    # says it could not get there.
    by_name = {_named(figure["name"]): figure["values"] for figure in report["figures"]}
    opened = by_name["Enter next to a villager opens the box (N tries)"]
    reach = by_name["tries where the player could not reach the villager"]
    assert opened["opened"] + opened["failed"] == opened["tries"]
    assert opened["tries"] + reach["unreached"] + reach["nobody_reachable"] == CATCH_TRIES
    paused = by_name["share of time turns paused: total / villagers talking / player's box"]
    assert 0 <= paused["paused_s"] <= paused["seconds"]
    if opened["opened"]:  # an open box holds the turns until Escape closes it
        assert paused["players_box_s"] > 0
