"""`--check` reports every problem it can find in one run: each file's own, then the spawns
and names between files, even when the map itself is wrong; and the game, asked to start
on the same files, refuses with the same lines."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import TINY_MAP, npc_yaml, run_main, write_village


def run(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    village = ("--map", "maps/village.yaml", "--npcs", "npcs", "--log-dir", "logs")
    return run_main(*options, *village, cwd=tmp_path, timeout=60)


def problems_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines, after checking the summary line under them counts them."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    *problems, summary = result.stderr.splitlines()
    assert summary == f"{len(problems)} problem(s) found; nothing was started.", result.stderr
    return problems


def test_a_bad_legend_entry_no_longer_hides_the_villagers_problems(tmp_path: Path) -> None:
    # Four problems of four kinds in four files: a bad legend entry in the map, a bad field
    # in Dora, Ada on water, Cora on Bjorn's tile. The legend entry used to stop the
    # spawns being checked at all, so Ada and Cora waited for a second round.
    broken_door = TINY_MAP.replace("walkable: true}\ngrid", "walkable: maybe}\ngrid")
    assert broken_door != TINY_MAP
    write_village(
        tmp_path, npcs={"Ada": (7, 4), "Bjorn": (6, 1), "Cora": (6, 1)}, map_text=broken_door
    )
    (tmp_path / "npcs" / "dora.yaml").write_text(npc_yaml("Dora", (3, 1), vision_range="lots"))
    problems = problems_of(run(tmp_path, "--check"))
    assert problems == [
        "maps/village.yaml: legend.D.walkable: expected true or false, got 'maybe'",
        "npcs/dora.yaml: vision_range: expected an integer, got 'lots'",
        "npcs/ada.yaml: spawn: tile (7, 4) is water, not walkable",
        "npcs/cora.yaml: spawn: tile (6, 1) is taken by Bjorn (npcs/bjorn.yaml)",
    ]


def test_every_problem_inside_the_map_shows_at_once(tmp_path: Path) -> None:
    # A wrong legend entry used to hide the grid's unknown symbol, the landmark off the
    # grid, the player's spawn in a tree, and the villager off the map.
    text = (
        TINY_MAP.replace('"T": {kind: tree, walkable: false}', '"T": {kind: tree}')
        .replace("T......~~..T", "T......~~..X")
        .replace("{name: the pond, x: 7", "{name: the pond, x: 11")
        .replace("player_spawn: [1, 1]", "player_spawn: [1, 0]")
    )
    write_village(tmp_path, npcs={"Ada": (5, 1), "Bjorn": (40, 3)}, map_text=text)
    problems = problems_of(run(tmp_path, "--check"))
    assert problems == [
        "maps/village.yaml: legend.T.walkable: required field is missing",
        "maps/village.yaml: grid: row 5, column 11: unknown symbol 'X' "
        "(the legend has: . = ~ T # _ D)",
        "maps/village.yaml: landmarks[1]: 'the pond' spans x 11..12, y 4..5, outside the "
        "12x8 grid",
        "npcs/bjorn.yaml: spawn: tile (40, 3) is outside the 12x8 map",
    ]
    # The player's spawn is on a T, whose entry is wrong: the map cannot say, and the
    # wrong entry is reported already. Mended, the tree shows.
    (tmp_path / "maps" / "village.yaml").write_text(
        text.replace('"T": {kind: tree}', '"T": {kind: tree, walkable: false}')
    )
    assert "maps/village.yaml: player_spawn: tile (1, 0) is tree, not walkable" in problems_of(
        run(tmp_path, "--check")
    )


def test_a_map_too_broken_to_read_says_once_which_spawns_went_unchecked(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (7, 4), "Bjorn": (3, 3), "Cora": (3, 3)})
    (tmp_path / "maps" / "village.yaml").write_text("name: [unclosed\n")
    problems = problems_of(run(tmp_path, "--check"))
    assert problems[0].startswith("maps/village.yaml: line 2: YAML syntax error:")
    # Two villagers on one tile is wrong whatever the map says.
    assert "npcs/cora.yaml: spawn: tile (3, 3) is taken by Bjorn (npcs/bjorn.yaml)" in problems
    unchecked = [line for line in problems if "could not be checked" in line]
    assert unchecked == [
        "maps/village.yaml: (spawns): 3 spawns could not be checked against this map's tiles "
        "(npcs/ada.yaml, npcs/bjorn.yaml, npcs/cora.yaml): fix its problems above, then "
        "check again"
    ]
    assert len(problems) == 3


def test_a_spawn_on_a_tile_whose_legend_entry_is_wrong_is_named_as_unchecked(
    tmp_path: Path,
) -> None:
    # Ada stands on "~", whose entry is wrong: whether it is water cannot be told. Bjorn's
    # grass is still checked (he is fine), and nothing is said of him.
    text = TINY_MAP.replace("{kind: water, walkable: false}", "{kind: water, walkable: 2}")
    write_village(tmp_path, npcs={"Ada": (7, 4), "Bjorn": (6, 1)}, map_text=text)
    problems = problems_of(run(tmp_path, "--check"))
    assert problems == [
        "maps/village.yaml: legend.~.walkable: expected true or false, got 2",
        "maps/village.yaml: (spawns): 1 spawn could not be checked against this map's tiles "
        "(npcs/ada.yaml): fix its problems above, then check again",
    ]


def test_the_game_refuses_to_start_with_the_same_lines_as_check(tmp_path: Path) -> None:
    broken_door = TINY_MAP.replace("walkable: true}\ngrid", "walkable: maybe}\ngrid")
    write_village(
        tmp_path, npcs={"Ada": (7, 4), "Bjorn": (6, 1), "Cora": (6, 1)}, map_text=broken_door
    )
    (tmp_path / "npcs" / "dora.yaml").write_text(npc_yaml("Dora", (3, 1), vision_range="lots"))
    checked = run(tmp_path, "--check")
    for start in (["--headless", "--turns", "1"], ["--offline"]):  # headless, and windowed
        started = run(tmp_path, *start)
        assert problems_of(started) == problems_of(checked)
        assert started.stderr == checked.stderr and started.stdout == ""
    assert not (tmp_path / "logs").exists()  # nothing was started
