"""Shared fixtures: headless pygame, small hand-made villages to test against."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.pop("OPENAI_API_KEY", None)
# Saves (F5, quitting) go to the per-user data folder: in tests, and in the games they
# start, a folder of their own, never the real one.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="hamlet-test-data-")
os.environ.pop("OPENAI_BASE_URL", None)

import pytest  # noqa: E402

from game.content.loader import Content, load_content  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

TINY_MAP = """\
name: Testwick
legend:
  ".": {kind: grass, walkable: true}
  "=": {kind: path, walkable: true}
  "~": {kind: water, walkable: false}
  "T": {kind: tree, walkable: false}
  "#": {kind: wall, walkable: false}
  "_": {kind: floor, walkable: true}
  "D": {kind: door, walkable: true}
grid: |
  TTTTTTTTTTTT
  T..........T
  T.###......T
  T.#_D==....T
  T.###..~~..T
  T......~~..T
  T..........T
  TTTTTTTTTTTT
landmarks:
  - {name: the hut, x: 2, y: 2, w: 3, h: 3}
  - {name: the pond, x: 7, y: 4, w: 2, h: 2}
player_spawn: [1, 1]
"""


def run_main(
    *args: str,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python main.py *args`` as a new user runs it: a process of its own, its output
    caught, with no model key from the environment (``env`` adds to it)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd,
        check=False,
    )


def npc_yaml(name: str, spawn: tuple[int, int], **overrides: str) -> str:
    body = {
        "name": name,
        "importance": "major",
        "spawn": f"[{spawn[0]}, {spawn[1]}]",
        "vision_range": "6",
    }
    body.update(overrides)
    head = "\n".join(f"{k}: {v}" for k, v in body.items())
    return (
        head
        + "\n"
        + textwrap.dedent(
            f"""\
        appearance: {{skin: "#f1c27d", hair: "#5a3825", shirt: "#3b6ea5", trousers: "#4a4a4a"}}
        description: {name} lives in Testwick and keeps an eye on the pond.
        traits: [curious, kind]
        goals: [find out who left the gate open]
        knowledge:
          - The pond is full of frogs this spring.
          - The hut by the path belongs to {name}'s aunt.
          - Bread from the hut is best on market day.
        lines:
          greetings: ["Hello there, {name} here."]
          farewells: ["Farewell for now."]
          small_talk: ["Lovely weather for frogs.", "Have you seen the pond?"]
        """
        )
    )


def write_village(
    root: Path,
    npcs: dict[str, tuple[int, int]] | None = None,
    map_text: str = TINY_MAP,
) -> tuple[Path, Path]:
    """Write a map and NPC files under ``root``; return (map path, npc folder)."""
    npcs = npcs if npcs is not None else {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (9, 6)}
    map_path = root / "maps" / "village.yaml"
    npc_dir = root / "npcs"
    map_path.parent.mkdir(parents=True, exist_ok=True)
    npc_dir.mkdir(parents=True, exist_ok=True)
    map_path.write_text(map_text, encoding="utf-8")
    for name, spawn in npcs.items():
        (npc_dir / f"{name.lower()}.yaml").write_text(npc_yaml(name, spawn), encoding="utf-8")
    return map_path, npc_dir


@pytest.fixture
def village(tmp_path: Path) -> tuple[Path, Path]:
    return write_village(tmp_path)


@pytest.fixture
def tiny_content(village: tuple[Path, Path]) -> Content:
    return load_content(*village)


@pytest.fixture
def real_content() -> Content:
    return load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")
