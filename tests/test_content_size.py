"""Content files of any size are answered at once, in short lines.

A 50 MB NPC file kept `--check` reading for 16 to 53 s and was then accepted; a 7,000 x
7,100 grid was refused for its size only after 12 to 17 s and 227 MB; and a 1 MB name was
quoted whole, in a problem line of 1,000,145 characters. Files over the limit are now
refused unread, and every value a problem quotes is cut short.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import TINY_MAP, npc_yaml, run_main, write_village

from game.content.loader import MAX_CONTENT_BYTES

SHORT = 200  # a problem line is read at a glance


def check(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run_main("--check", *options, "--map", "maps/village.yaml", "--npcs", "npcs", cwd=tmp_path)


def problems_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 2, result.stdout + result.stderr[:2000]
    assert "Traceback" not in result.stdout + result.stderr
    *problems, summary = result.stderr.splitlines()
    assert summary == f"{len(problems)} problem(s) found; nothing was started.", summary[:500]
    assert all(len(line) < SHORT for line in problems), [line[:300] for line in problems]
    return problems


def knowledge(count: int) -> str:
    return "".join(
        f"  - Fact {i}, the frogs in the pond sing at dusk in spring.\n" for i in range(count)
    )


def big_npc(name: str, spawn: tuple[int, int], size: int) -> str:
    """An NPC file of at least ``size`` bytes, right in every other way."""
    text = npc_yaml(name, spawn)
    lines = size // 60 + 1
    return text.replace("knowledge:\n", "knowledge:\n" + knowledge(lines))


def test_a_5_mb_npc_file_is_refused_unread_in_one_line_naming_it_and_its_size(
    tmp_path: Path,
) -> None:
    map_file, npc_dir = write_village(tmp_path)
    (npc_dir / "ada.yaml").write_text(big_npc("Ada", (5, 1), 5_000_000), encoding="utf-8")
    size = (npc_dir / "ada.yaml").stat().st_size
    assert size > 5_000_000
    problems = problems_of(check(tmp_path))
    assert problems == [
        f"npcs/ada.yaml: (file): the file is {size / 1e6:.1f} MB; a map or NPC file may be at "
        "most 1.0 MB (--max-content-bytes N allows more)"
    ]


def test_a_map_over_the_limit_is_refused_and_the_villagers_are_still_checked(
    tmp_path: Path,
) -> None:
    """A 2,000-wide grid of 1,500 rows (3 MB), and Bjorn's file missing its name."""
    rows = "\n".join("  " + "." * 2000 for _ in range(1500))
    huge = TINY_MAP.split("grid: |\n")[0] + "grid: |\n" + rows + "\nplayer_spawn: [1, 1]\n"
    map_file, npc_dir = write_village(tmp_path, map_text=huge)
    bjorn = npc_dir / "bjorn.yaml"
    bjorn.write_text(bjorn.read_text(encoding="utf-8").replace("name: Bjorn\n", ""))
    problems = problems_of(check(tmp_path))
    assert problems[0].startswith("maps/village.yaml: (file): the file is 3.0 MB; ")
    assert "npcs/bjorn.yaml: name: required field is missing" in problems
    assert len([p for p in problems if "maps/village.yaml" in p and "(file)" in p]) == 1


def test_the_limit_is_set_with_max_content_bytes(tmp_path: Path) -> None:
    write_village(tmp_path)
    npc_dir = tmp_path / "npcs"
    (npc_dir / "ada.yaml").write_text(big_npc("Ada", (5, 1), 1_200_000), encoding="utf-8")
    assert (npc_dir / "ada.yaml").stat().st_size > MAX_CONTENT_BYTES
    assert "npcs/ada.yaml: (file): the file is 1.2 MB" in problems_of(check(tmp_path))[0]
    allowed = check(tmp_path, "--max-content-bytes", "2000000")
    assert allowed.returncode == 0, allowed.stderr[:2000]
    assert allowed.stdout.startswith("OK: maps/village.yaml")
    tight = problems_of(check(tmp_path, "--max-content-bytes", "500"))
    assert len(tight) == 4  # the map and all three villagers
    assert all("a map or NPC file may be at most 500 bytes" in line for line in tight)
    refused = check(tmp_path, "--max-content-bytes", "0")
    assert refused.returncode == 2 and "--max-content-bytes: expected more than zero" in (
        refused.stderr
    )


def test_a_megabyte_name_is_quoted_by_its_start(tmp_path: Path) -> None:
    """The 1,000,145-character line: a name of nearly a megabyte (inside the limit)."""
    map_file, npc_dir = write_village(tmp_path)
    ada = npc_dir / "ada.yaml"
    ada.write_text(
        ada.read_text(encoding="utf-8").replace("name: Ada", "name: " + "A" * 900_000),
        encoding="utf-8",
    )
    problems = problems_of(check(tmp_path))
    (name,) = [line for line in problems if line.startswith("npcs/ada.yaml: name:")]
    assert "'AAAAAAAA" in name and "...AAAA" in name


def test_every_value_a_problem_quotes_is_cut_short(tmp_path: Path) -> None:
    """Huge values in each place a problem quotes one: a legend key, a tile kind, a
    landmark's name (twice, and outside the grid), an unknown field's name, a key given
    twice, a colour, a grid row of unknown symbols, and a grid line of 900,000 tiles."""
    long = "x" * 300_000
    # YAML takes a key of more than 1,024 characters only written out with "? key".
    legend = TINY_MAP.replace(
        '  "D": {kind: door, walkable: true}\n',
        '  "D": {kind: door, walkable: true}\n'
        f"  ? {long[:50_000]}\n  : {{kind: odd, walkable: true}}\n"
        f'  "W": {{kind: {long[:50_000]}, walkable: false}}\n',
    )
    landmarks = legend.replace(
        "landmarks:\n",
        "landmarks:\n"
        f"  - {{name: {long[:50_000]}, x: 1, y: 1, w: 90, h: 1}}\n"
        f"  - {{name: {long[:50_000]}, x: 1, y: 1, w: 1, h: 1}}\n",
    )
    spawn_on_wall = landmarks.replace("T..........T\n  T.###", "TW.........T\n  T.###", 1)
    assert spawn_on_wall != landmarks
    map_file, npc_dir = write_village(tmp_path, {"Ada": (1, 1), "Bjorn": (6, 1)})
    map_file.write_text(spawn_on_wall, encoding="utf-8")
    ada = npc_dir / "ada.yaml"
    text = ada.read_text(encoding="utf-8")
    text = text.replace('skin: "#f1c27d"', f'skin: "{long[:100_000]}"')
    text += f"? {long[:100_000]}\n: an unknown field\n"
    twice = f"? farewell_{long[:100_000]}\n: twice\n"
    ada.write_text(text + twice + twice, encoding="utf-8")
    problems = problems_of(check(tmp_path))
    assert any("key" in line and "given twice" in line for line in problems), problems
    # The key given twice is a YAML error: the file's other problems need a second round.
    ada.write_text(text, encoding="utf-8")
    problems = problems_of(check(tmp_path))
    joined = "\n".join(problems)
    for said in (
        "legend keys must be single visible characters",
        "is also the name of landmarks[0]",
        "outside the 12x8 grid",
        "unknown field",
        'expected a colour like "#a0b1c2"',
        "not walkable",
    ):
        assert said in joined, said
    wide = TINY_MAP.replace("  TTTTTTTTTTTT\n", "  " + "?" * 900_000 + "\n", 1)
    write_village(tmp_path, map_text=wide)
    problems = problems_of(check(tmp_path))
    assert any("the map is 900000 x 8 tiles" in line for line in problems), problems


def test_unknown_symbols_list_at_most_thirty_of_a_big_legend(tmp_path: Path) -> None:
    symbols = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    entries = "".join(f'  "{s}": {{kind: grass, walkable: true}}\n' for s in symbols)
    with_legend = TINY_MAP.replace("legend:\n", "legend:\n" + entries)
    write_village(tmp_path, map_text=with_legend.replace("T..........T", "T....?.....T", 1))
    problems = problems_of(check(tmp_path))
    (unknown,) = [line for line in problems if "unknown symbol '?'" in line]
    assert unknown.endswith("and 2977 more)")
