"""Content loads; every kind of broken content is reported as `file: field: expected`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TINY_MAP, npc_yaml, write_village

from game.content.loader import load_content, load_map


def test_every_map_file_loads() -> None:
    maps = sorted((ROOT / "maps").glob("*.yaml"))
    assert maps, "maps/ holds no map"
    for path in maps:
        spec = load_map(path)
        assert len(spec.rows) >= 30 and len(spec.rows[0]) >= 40


def test_every_npc_file_loads(real_content) -> None:
    files = sorted((ROOT / "npcs").glob("*.yaml"))
    assert len(files) >= 6
    assert len(real_content.npcs) == len(files)
    for npc in real_content.npcs:
        assert len(npc.knowledge) >= 5, npc.name
        assert npc.lines.greetings and npc.lines.farewells and npc.lines.small_talk


def test_village_has_the_required_tile_kinds(real_content) -> None:
    kinds = {entry.kind for entry in real_content.map.legend.values()}
    assert {"grass", "path", "water", "tree", "wall", "floor", "door", "bridge", "flowers"} <= kinds
    assert len(real_content.map.landmarks) >= 6


def check(map_path: Path, npc_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--check",
            "--map",
            str(map_path),
            "--npcs",
            str(npc_dir),
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def expect_problem(tmp_path: Path, expected: str) -> str:
    result = check(tmp_path / "maps" / "village.yaml", tmp_path / "npcs", tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr, result.stderr
    return result.stderr


def test_good_content_checks_ok(village, tmp_path: Path) -> None:
    result = check(*village, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    write_village(tmp_path)
    (tmp_path / "npcs" / "ada.yaml").write_text("name: Ada\nspawn: [1, 2\ntraits: x\n")
    err = expect_problem(tmp_path, "npcs/ada.yaml: line ")
    assert "YAML syntax error" in err


def test_a_line_indented_wrong_gets_a_hint(tmp_path: Path) -> None:
    """PyYAML's own words ("expected <block end>...") mean little to a game-maker."""
    write_village(tmp_path)
    path = tmp_path / "npcs" / "ada.yaml"
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  farewells:"))
    lines[at] = " " + lines[at]
    path.write_text("\n".join(lines) + "\n")
    expect_problem(
        tmp_path,
        f"npcs/ada.yaml: line {at + 1}: YAML syntax error: expected <block end>, but found "
        "'<block mapping start>' (check this line's indentation against the lines above it)",
    )


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    write_village(tmp_path)
    (tmp_path / "npcs" / "ada.yaml").write_text("- just\n- a list\n")
    expect_problem(tmp_path, "npcs/ada.yaml: (top level): expected a mapping of fields, got list")


def test_missing_field(tmp_path: Path) -> None:
    write_village(tmp_path)
    text = npc_yaml("Ada", (5, 1)).replace("vision_range: 6\n", "")
    (tmp_path / "npcs" / "ada.yaml").write_text(text)
    expect_problem(tmp_path, "npcs/ada.yaml: vision_range: required field is missing")


def test_mistyped_field(tmp_path: Path) -> None:
    write_village(tmp_path)
    text = npc_yaml("Ada", (5, 1), vision_range="far")
    (tmp_path / "npcs" / "ada.yaml").write_text(text)
    expect_problem(tmp_path, "npcs/ada.yaml: vision_range: expected an integer, got 'far'")


def test_bad_colour_and_unknown_field(tmp_path: Path) -> None:
    write_village(tmp_path)
    text = npc_yaml("Ada", (5, 1), vison="5").replace('"#3b6ea5"', '"blue"')
    (tmp_path / "npcs" / "ada.yaml").write_text(text)
    err = expect_problem(tmp_path, "npcs/ada.yaml: appearance.shirt: expected a colour like")
    assert "npcs/ada.yaml: vison: unknown field" in err


def test_unknown_legend_symbol(tmp_path: Path) -> None:
    write_village(tmp_path, map_text=TINY_MAP.replace("T.#_D==....T", "T.#_D==..X.T"))
    expect_problem(tmp_path, "maps/village.yaml: grid: row 3, column 9: unknown symbol 'X'")


def test_ragged_rows(tmp_path: Path) -> None:
    write_village(tmp_path, map_text=TINY_MAP.replace("T......~~..T", "T......~~...T"))
    expect_problem(tmp_path, "maps/village.yaml: grid: row 5 has 13 tiles, expected 12")


def test_duplicate_names(tmp_path: Path) -> None:
    write_village(tmp_path)
    (tmp_path / "npcs" / "ada2.yaml").write_text(npc_yaml("Ada", (8, 2)))
    expect_problem(tmp_path, "npcs/ada2.yaml: name: 'Ada' is already used by npcs/ada.yaml")


def test_two_entities_on_one_tile(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1), "Bjorn": (5, 1)})
    expect_problem(tmp_path, "npcs/bjorn.yaml: spawn: tile (5, 1) is taken by Ada")


def test_npc_on_the_players_spawn(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (1, 1)})
    expect_problem(tmp_path, "npcs/ada.yaml: spawn: tile (1, 1) is taken by the player's spawn")


def test_spawn_out_of_bounds(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (40, 3)})
    expect_problem(tmp_path, "npcs/ada.yaml: spawn: tile (40, 3) is outside the 12x8 map")


def test_spawn_on_water(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (7, 4)})
    expect_problem(tmp_path, "npcs/ada.yaml: spawn: tile (7, 4) is water, not walkable")


def test_landmark_out_of_bounds(tmp_path: Path) -> None:
    bad = TINY_MAP.replace(
        "{name: the pond, x: 7, y: 4, w: 2, h: 2}", "{name: the pond, x: 7, y: 4, w: 9, h: 2}"
    )
    write_village(tmp_path, map_text=bad)
    expect_problem(tmp_path, "maps/village.yaml: landmarks[1]: 'the pond' spans x 7..15")


def test_player_spawn_in_a_wall(tmp_path: Path) -> None:
    write_village(
        tmp_path, map_text=TINY_MAP.replace("player_spawn: [1, 1]", "player_spawn: [2, 2]")
    )
    expect_problem(tmp_path, "maps/village.yaml: player_spawn: tile (2, 2) is wall, not walkable")


def test_missing_map_file(tmp_path: Path) -> None:
    write_village(tmp_path)
    (tmp_path / "maps" / "village.yaml").unlink()
    expect_problem(tmp_path, "maps/village.yaml: (file): file not found")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (7, 4), "Bjorn": (40, 3)})
    err = expect_problem(tmp_path, "npcs/ada.yaml: spawn:")
    assert "npcs/bjorn.yaml: spawn:" in err


def test_bad_content_on_a_normal_start_exits_2_without_traceback(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (7, 4)})
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--headless",
            "--turns",
            "1",
            "--map",
            "maps/village.yaml",
            "--npcs",
            "npcs",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "npcs/ada.yaml: spawn: tile (7, 4) is water, not walkable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["Player", "two words", "x(1)"])
def test_unspeakable_names_are_refused(tmp_path: Path, name: str) -> None:
    write_village(tmp_path, npcs={})
    (tmp_path / "npcs" / "odd.yaml").write_text(
        npc_yaml("Ada", (5, 1)).replace("name: Ada", f"name: {name}")
    )
    with pytest.raises(Exception) as info:
        load_content(tmp_path / "maps" / "village.yaml", tmp_path / "npcs")
    assert "npcs/odd.yaml: name:" in str(info.value) or "odd.yaml: name:" in str(info.value)


def test_a_folder_with_no_npc_files_is_refused_and_any_case_of_yaml_is_read(
    tmp_path: Path,
) -> None:
    write_village(tmp_path, npcs={})
    with pytest.raises(Exception) as info:
        load_content(tmp_path / "maps" / "village.yaml", tmp_path / "npcs")
    assert "npcs: (folder): no NPC files (*.yaml) in it" in str(info.value)
    (tmp_path / "npcs" / "bo.YAML").write_text(npc_yaml("Bo", (5, 1)))
    (tmp_path / "npcs" / "cy.Yml").write_text(npc_yaml("Cy", (6, 1)))
    (tmp_path / "npcs" / "notes.txt").write_text("not a villager")
    content = load_content(tmp_path / "maps" / "village.yaml", tmp_path / "npcs")
    assert [npc.name for npc in content.npcs] == ["Bo", "Cy"]


def test_a_key_given_twice_is_named_not_silently_overwritten(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1)})
    path = tmp_path / "npcs" / "ada.yaml"
    path.write_text(path.read_text().replace("name: Ada", "name: Bo\nname: Ada", 1))
    err = expect_problem(tmp_path, "npcs/ada.yaml: line 2: YAML syntax error: the key 'name'")
    assert "is given twice (lines 1 and 2)" in err


def test_an_unquoted_hash_gets_a_hint(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1)})
    path = tmp_path / "npcs" / "ada.yaml"
    flow = '{skin: "#f1c27d", hair: "#5a3825", shirt: "#3b6ea5", trousers: "#4a4a4a"}'
    block = '\n  skin: #f1c27d\n  hair: "#5a3825"\n  shirt: "#3b6ea5"\n  trousers: "#4a4a4a"'
    assert flow in path.read_text()
    path.write_text(path.read_text().replace(flow, block))
    expect_problem(tmp_path, 'npcs/ada.yaml: appearance.skin: expected a colour in quotes, like')
    write_village(tmp_path / "m", npcs={"Ada": (5, 1)})
    map_path = tmp_path / "m" / "maps" / "village.yaml"
    map_path.write_text(map_path.read_text().replace('"#": {kind: wall', "#: {kind: wall"))
    expect_problem(tmp_path / "m", 'in the legend, quote it: "#": ...')


def test_the_name_rule_is_spelled_out() -> None:
    from game.content.models import NpcSpec

    with pytest.raises(Exception) as info:
        NpcSpec.model_validate({"name": "Zoë"})
    assert "up to 24 of the letters A-Z and a-z, ' and -" in str(info.value)


def test_check_notes_a_tile_kind_with_no_art(tmp_path: Path) -> None:
    write_village(tmp_path)
    map_path = tmp_path / "maps" / "village.yaml"
    map_path.write_text(map_path.read_text().replace("{kind: path,", "{kind: lava,"))
    result = check(map_path, tmp_path / "npcs", tmp_path)
    assert result.returncode == 0, result.stderr  # it still runs: only the art is missing
    assert "legend: tile kind 'lava' has no art; it is drawn as a magenta checker" in result.stderr
    assert "kinds with art: grass, path," in result.stderr


def test_check_notes_a_villager_the_player_can_never_reach(tmp_path: Path) -> None:
    """The hut's door bricked up with Hana inside; Cora on one tile ringed by water."""
    ringed = (
        TINY_MAP.replace("T.###..~~..T", "T.###~.~~..T")
        .replace("T......~~..T", "T...~.~~~..T")
        .replace("T..........T\n  TTTTTTTTTTTT", "T....~.....T\n  TTTTTTTTTTTT")
    )
    walled = ringed.replace("T.#_D==....T", "T.#_#==....T")
    assert walled.count("\n") == TINY_MAP.count("\n")
    write_village(tmp_path, npcs={"Ada": (9, 1), "Hana": (3, 3), "Cora": (5, 5)}, map_text=walled)
    result = check(tmp_path / "maps" / "village.yaml", tmp_path / "npcs", tmp_path)
    assert result.returncode == 0, result.stderr  # it may be meant: a note, not a problem
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 2, result.stderr
    assert any(
        line.startswith("note: npcs/hana.yaml: spawn: Hana at (3, 3) is walled in: no walk leads")
        and "to the player's spawn (1, 1), so the player can never talk with Hana" in line
        and line.endswith("it cannot take a single step")
        for line in notes
    ), notes
    assert any("cora.yaml: spawn: Cora at (5, 5) is walled in" in line for line in notes), notes
    write_village(tmp_path / "ok")  # the door open again: nothing to note
    result = check(tmp_path / "ok" / "maps" / "village.yaml", tmp_path / "ok" / "npcs", tmp_path)
    assert result.returncode == 0 and "note:" not in result.stderr, result.stderr


def test_a_misspelt_map_field_does_not_hide_the_villagers_problems(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (7, 4), "Bjorn": (6, 1)})  # Ada's spawn is water
    map_path = tmp_path / "maps" / "village.yaml"
    map_path.write_text(map_path.read_text().replace("name: Testwick", "nmae: Testwick"))
    err = expect_problem(tmp_path, "maps/village.yaml: nmae: unknown field")
    assert "maps/village.yaml: name: required field is missing" in err
    assert "npcs/ada.yaml: spawn: tile (7, 4) is water, not walkable" in err  # same round
    assert "bjorn" not in err


def test_a_blank_line_inside_the_grid_is_named(tmp_path: Path) -> None:
    write_village(tmp_path)
    map_path = tmp_path / "maps" / "village.yaml"
    map_path.write_text(map_path.read_text().replace("  T.###..~~..T\n", "  T.###..~~..T\n\n"))
    expect_problem(tmp_path, "maps/village.yaml: grid: line 6 of the grid is blank")


def test_a_map_too_large_to_start_is_refused_with_its_size(tmp_path: Path) -> None:
    """A 3,000 x 3,000 map took half a minute and 2 GB before anything showed."""
    write_village(tmp_path)
    map_path = tmp_path / "maps" / "village.yaml"
    text = map_path.read_text()
    wide = "  T" + "." * 598 + "T\n"
    map_path.write_text(text.replace("  T..........T\n", wide))
    err = expect_problem(
        tmp_path, "maps/village.yaml: grid: the map is 600 x 8 tiles; at most 500 x 500 is allowed"
    )
    assert err.count("problem") == 1 and "row " not in err  # not a complaint per ragged row


def test_check_notes_fields_longer_than_a_prompt_carries(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1)})
    path = tmp_path / "npcs" / "ada.yaml"
    long = "Ada keeps the pond and counts its frogs every morning. " * 12
    text = path.read_text()
    path.write_text(text.replace("description: Ada lives", f"description: {long}Ada lives"))
    result = check(tmp_path / "maps" / "village.yaml", tmp_path / "npcs", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")
    said = "description: 711 characters; a model's prompt carries only the first 300"
    assert f"note: npcs/ada.yaml: {said}" in result.stderr


def test_a_long_first_row_is_the_one_reported(tmp_path: Path) -> None:
    write_village(tmp_path, map_text=TINY_MAP.replace("  TTTTTTTTTTTT\n", "  TTTTTTTTTTTTT\n", 1))
    err = expect_problem(tmp_path, "grid: row 0 has 13 tiles, expected 12 like the rest")
    assert err.count(": grid: row ") == 1


@pytest.mark.parametrize(
    ("spawn", "said"),
    [("[true, 6]", "spawn[0]: expected an integer"), ("[1, 2, 3]", "spawn: expected a pair [x, y]")],
)
def test_a_spawn_must_be_two_whole_numbers(tmp_path: Path, spawn: str, said: str) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1)})
    path = tmp_path / "npcs" / "ada.yaml"
    path.write_text(path.read_text().replace("spawn: [5, 1]", f"spawn: {spawn}"))
    expect_problem(tmp_path, f"npcs/ada.yaml: {said}")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1)})
    path = tmp_path / "npcs" / "ada.yaml"
    path.write_bytes(path.read_bytes().replace(b"lives in Testwick", b"lives in Testw\xe9ck"))
    line = path.read_bytes().split(b"\n").index(
        next(row for row in path.read_bytes().split(b"\n") if b"\xe9" in row)
    ) + 1
    expect_problem(tmp_path, f"npcs/ada.yaml: line {line}: cannot be read as UTF-8 text")


def test_two_landmarks_with_one_name_are_refused(tmp_path: Path) -> None:
    """Villagers are told of places by name and sent to them by it: two would be one."""
    twice = TINY_MAP.replace("{name: the pond,", "{name: The Hut,")
    write_village(tmp_path, map_text=twice)
    expect_problem(
        tmp_path,
        "maps/village.yaml: landmarks[1].name: 'The Hut' is also the name of landmarks[0]: "
        "expected a name of its own",
    )
