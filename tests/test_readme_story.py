"""The README's "A story of your own" examples are a quest and a tree that work: dropped
into a small village (with an `oil` item), `--check` passes them; broken as a game-maker
might, they meet the README's kind of line."""

from __future__ import annotations

import re
import shutil

import yaml
from conftest import ROOT, run_main

VILLAGE = ROOT / "tests" / "story_village"


def readme_blocks() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### A story of your own", 1)[1].split("\n## ", 1)[0]
    quest, tree = re.findall(r"```yaml\n(.*?)```", section, re.S)
    return quest, tree


def village_with_readme_story(tmp_path, *, tree_text: str | None = None):
    root = tmp_path / "v"
    shutil.copytree(VILLAGE, root)
    quest, tree = readme_blocks()
    (root / "items" / "oil.yaml").write_text(
        '- {id: oil, name: jug of oil, description: Lamp oil., colour: "#c0a040"}\n',
        encoding="utf-8",
    )
    (root / "quests" / "lamp_oil.yaml").write_text(quest, encoding="utf-8")
    ada = root / "npcs" / "ada.yaml"
    ada.write_text(
        ada.read_text(encoding="utf-8") + "\n" + (tree_text or tree), encoding="utf-8"
    )
    return root


def check(root):
    return run_main(
        "--check", "--map", str(root / "maps" / "village.yaml"), "--npcs", str(root / "npcs")
    )


def test_the_readme_quest_and_tree_pass_the_check(tmp_path) -> None:
    root = village_with_readme_story(tmp_path)
    result = check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "quests" in result.stdout


def test_a_misspelt_tree_node_is_named_at_its_place(tmp_path) -> None:
    _, tree = readme_blocks()
    doc = yaml.safe_load(tree)
    doc["tree"]["root"]["selector"][0]["sequence"][2] = {"move_too": "the pond"}
    root = village_with_readme_story(tmp_path, tree_text=yaml.safe_dump(doc))
    result = check(root)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    line = next(x for x in result.stderr.splitlines() if "move_too" in x)
    assert line.startswith(
        f"{root / 'npcs' / 'ada.yaml'}: tree.root.selector[0].sequence[2]: unknown node kind "
        "'move_too'"
    ), line
