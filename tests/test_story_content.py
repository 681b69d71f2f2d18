"""Story content (items, quests, what maps and villagers hold of them) loads, and every
kind of mistake in it is one `file: field: expectation` line from `main.py --check`,
exit 2, all of them in one run, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, run_main

from game.content.loader import ContentError, load_content
from game.story.models import PLAYER, Known
from game.world import PLAYER_NAME

STORY = ROOT / "tests" / "story_village"


def story_copy(tmp_path: Path) -> Path:
    root = tmp_path / "v"
    shutil.copytree(STORY, root)
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(root: Path, name: str, text: str) -> None:
    path = root / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def check(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_main(
        "--check",
        "--map",
        str(root / "maps" / "village.yaml"),
        "--npcs",
        str(root / "npcs"),
        *extra,
        cwd=root,
    )


def problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines of a refused check (which must be refused, without a traceback)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1].endswith("problem(s) found; nothing was started."), result.stderr
    return lines[:-1]


def assert_lines(found: list[str], expected: list[str]) -> None:
    missing = [line for line in expected if line not in found]
    assert not missing, "missing:\n" + "\n".join(missing) + "\n\ngot:\n" + "\n".join(found)


def test_the_story_village_checks_ok_with_its_items_and_quests_counted(tmp_path: Path) -> None:
    result = check(story_copy(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "OK: maps/village.yaml (12x8, 2 landmarks), 3 NPC files, 3 items and 2 quests."
    ), result.stdout


def test_the_story_loads_into_content_from_beside_the_npc_folder() -> None:
    content = load_content(STORY / "maps" / "village.yaml", STORY / "npcs")
    # A list file and an `items:` file both read; each item knows its file.
    assert [item.id for item in content.items] == ["frog_jar", "iron_key", "honey_cake"]
    assert [Path(f).name for f in content.item_files] == ["jars.yaml", "things.yaml", "things.yaml"]
    assert [quest.id for quest in content.quests] == ["frog_song", "lost_key"]
    assert [Path(f).name for f in content.quest_files] == ["frog_song.yaml", "lost_key.yaml"]
    assert [(p.item, p.at) for p in content.map.items] == [
        ("iron_key", (10, 2)),
        ("honey_cake", (1, 6)),
    ]
    cora = next(npc for npc in content.npcs if npc.name == "Cora")
    assert [(s.item, s.count) for s in cora.carries] == [("frog_jar", 1), ("honey_cake", 2)]
    ada = next(npc for npc in content.npcs if npc.name == "Ada")
    assert ada.knows_flags == ["asked_ada", "frogs_sung"] and ada.tree is None


def test_a_village_without_story_folders_has_no_story(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    shutil.rmtree(root / "items")
    shutil.rmtree(root / "quests")
    # Without items, nothing may lie on the map or be carried.
    for name, cut_at in (("maps/village.yaml", "items:\n"), ("npcs/cora.yaml", "carries:\n")):
        path = root / name
        path.write_text(path.read_text(encoding="utf-8").split(cut_at)[0], encoding="utf-8")
    content = load_content(root / "maps" / "village.yaml", root / "npcs")
    assert content.items == () and content.quests == ()
    result = check(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: maps/village.yaml (12x8, 2 landmarks) and 3 NPC files.")


def test_story_folders_named_on_the_command_line_are_read_and_must_exist(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    (root / "items").rename(root / "my_items")
    (root / "quests").rename(root / "my_quests")
    ok = check(root, "--items", str(root / "my_items"), "--quests", str(root / "my_quests"))
    assert ok.returncode == 0, ok.stderr
    assert "3 items and 2 quests" in ok.stdout
    found = problems(check(root, "--items", "my_itms", "--quests", "my_quests"))
    assert "my_itms: (folder): item folder not found" in found


def test_every_unknown_name_and_bad_tile_is_named_in_one_run(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    edit(
        root, "maps/village.yaml", "{item: iron_key, at: [10, 2]}", "{item: iron_kye, at: [10, 2]}"
    )
    edit(
        root,
        "maps/village.yaml",
        "{item: honey_cake, at: [1, 6]}",
        "{item: honey_cake, at: [8, 4]}",
    )
    append(root, "maps/village.yaml", "  - {item: frog_jar, at: [30, 1]}\n")
    edit(root, "npcs/cora.yaml", "{item: frog_jar, count: 1}", "{item: frog_jam, count: 1}")
    quest = "quests/lost_key.yaml"
    edit(root, quest, "objective: {talk_to: Ada}", "objective: {talk_to: Adda}")
    edit(root, quest, "npc: Ada\n", "npc: Zed\n")
    edit(root, quest, "say: {npc: Bjorn,", "say: {npc: bjorn,")
    edit(root, quest, "{has_item: {item: iron_key}}", "{has_item: {item: gold_key}}")
    edit(root, quest, "place: the pond,", "place: The Pnod,")
    edit(root, quest, "{npc: Cora, to: the hut}", "{npc: Cara, to: [3, 2]}")
    edit(root, quest, "{item: iron_key, to: Ada}", "{item: iron_key, to: Ava}")
    edit(root, quest, "{to: Player, item: honey_cake,", "{to: Plyer, item: honey_cakes,")
    edit(root, quest, "{from: Cora, item: frog_jar}", "{from: Nobody, item: frog_jar}")
    edit(root, quest, "start_quest: frog_song", "start_quest: frog_sang")
    edit(root, "quests/frog_song.yaml", "place: [10, 6]", "place: [12, 6]")
    found = problems(check(root))
    assert_lines(
        found,
        [
            "maps/village.yaml: items[0].item: unknown item 'iron_kye' (did you mean 'iron_key'?)",
            "maps/village.yaml: items[1].at: tile (8, 4) is water, not walkable",
            "maps/village.yaml: items[2].at: tile (30, 1) is outside the 12x8 map",
            "npcs/cora.yaml: carries[0].item: unknown item 'frog_jam' (did you mean 'frog_jar'?)",
            "quests/lost_key.yaml: stages[0].nodes[0].objective.talk_to: unknown NPC 'Adda' "
            "(did you mean 'Ada'?)",
            "quests/lost_key.yaml: stages[0].nodes[0].dialogue.npc: unknown NPC 'Zed' "
            "(known: Ada, Bjorn, Cora)",
            "quests/lost_key.yaml: stages[0].nodes[0].on_complete[1].say.npc: unknown NPC "
            "'bjorn' (did you mean 'Bjorn'?)",
            "quests/lost_key.yaml: stages[0].nodes[1].objective.has_item.item: unknown item "
            "'gold_key' (did you mean 'iron_key'?)",
            "quests/lost_key.yaml: stages[0].nodes[2].objective.reach.place: unknown landmark "
            "'The Pnod' (did you mean 'the pond'?)",
            "quests/lost_key.yaml: stages[0].nodes[2].on_complete[0].move_npc.npc: unknown NPC "
            "'Cara' (did you mean 'Cora'?)",
            "quests/lost_key.yaml: stages[0].nodes[2].on_complete[0].move_npc.to: tile (3, 2) "
            "is wall, not walkable",
            "quests/lost_key.yaml: stages[1].nodes[0].objective.bring.to: unknown NPC 'Ava' "
            "(did you mean 'Ada'?)",
            "quests/lost_key.yaml: stages[1].nodes[0].on_complete[0].give_item.to: unknown NPC "
            "or Player 'Plyer' (did you mean 'Player'?)",
            "quests/lost_key.yaml: stages[1].nodes[0].on_complete[0].give_item.item: unknown "
            "item 'honey_cakes' (did you mean 'honey_cake'?)",
            "quests/lost_key.yaml: stages[1].nodes[0].on_complete[1].take_item.from: unknown "
            "NPC or Player 'Nobody' (known: Ada, Bjorn, Cora, Player)",
            "quests/lost_key.yaml: stages[1].nodes[0].on_complete[2].start_quest: unknown quest "
            "'frog_sang' (did you mean 'frog_song'?)",
            "quests/frog_song.yaml: stages[0].nodes[1].objective.reach.place: tile (12, 6) is "
            "outside the 12x8 map",
            # With frog_sang misspelt, nothing starts frog_song.
            "quests/frog_song.yaml: starts: manual, but no quest has a start_quest: frog_song "
            "action, so it can never start: expected at_start, {on_flag: <flag>}, or such an "
            "action",
        ],
    )
    assert len(found) == 18, "\n".join(found)


def test_a_landmark_is_found_ignoring_case_as_the_world_finds_it(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    edit(root, "quests/lost_key.yaml", "place: the pond,", "place: The Pond,")
    assert check(root).returncode == 0


def test_a_circle_in_after_names_its_nodes_and_what_waits_on_it(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    quest = "quests/frog_song.yaml"
    edit(
        root,
        quest,
        "        text: Wait for the frogs to sing\n",
        "        text: Wait for the frogs to sing\n        after: [corner]\n",
    )
    append(
        root,
        quest,
        "      - id: encore\n"
        "        objective: {talk_to: Cora}\n"
        "        text: Ask Cora for an encore\n"
        "        after: [corner]\n"
        "  - id: bow\n"
        "    title: Take a bow\n"
        "    nodes:\n"
        "      - id: bow\n"
        "        objective: {talk_to: Ada}\n"
        "        text: Bow to Ada\n",
    )
    found = problems(check(root))
    assert found == [
        "quests/frog_song.yaml: stages[0].nodes[0].after: nodes 'sung', 'corner' wait for "
        "each other in a circle (sung -> corner -> sung): none of them can ever become active",
        "quests/frog_song.yaml: stages[0].nodes[2]: node 'encore' can never become active: "
        "it waits for 'corner', which never can",
        "quests/frog_song.yaml: stages[1]: stage 'bow' can never start: stage 'free_frog' "
        "never completes, as its node 'sung' never becomes active",
    ]


def test_a_node_waiting_for_itself_is_a_circle_of_one(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    edit(root, "quests/frog_song.yaml", "after: [sung]", "after: [corner]")
    found = problems(check(root))
    assert found == [
        "quests/frog_song.yaml: stages[0].nodes[1].after: nodes 'corner' wait for each other "
        "in a circle (corner -> corner): none of them can ever become active",
    ]


def test_after_naming_no_node_of_its_stage(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    quest = "quests/lost_key.yaml"
    edit(
        root,
        quest,
        "        objective: {bring:",
        "        after: [ask_ada, nowhere]\n        objective: {bring:",
    )
    found = problems(check(root))
    assert found == [
        "quests/lost_key.yaml: stages[1].nodes[0].after[0]: 'ask_ada' is a node of stage "
        "'find_key': after names nodes of its own stage (a stage starts once the one before "
        "completes)",
        "quests/lost_key.yaml: stages[1].nodes[0].after[1]: unknown node 'nowhere' in stage "
        "return_key (known: bring_key)",
    ]


def test_ids_given_twice(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    (root / "items" / "more.yaml").write_text(
        "- {id: iron_key, name: another key, description: Shiny., colour: '#ffffff'}\n",
        encoding="utf-8",
    )
    shutil.copy(root / "quests" / "frog_song.yaml", root / "quests" / "frogs_again.yaml")
    edit(root, "quests/lost_key.yaml", "- id: see_pond", "- id: find_it")
    edit(root, "quests/lost_key.yaml", "- id: return_key", "- id: find_key")
    found = problems(check(root))
    assert_lines(
        found,
        [
            "items/things.yaml: [0].id: 'iron_key' is also the id of an item in "
            "items/more.yaml ([0])",
            "quests/frogs_again.yaml: id: 'frog_song' is also the id of the quest in "
            "quests/frog_song.yaml",
            "quests/lost_key.yaml: stages[1].id: 'find_key' is also the id of stages[0]",
            "quests/lost_key.yaml: stages[0].nodes[2].id: 'find_it' is also the id of "
            "stages[0].nodes[1]: a node id must be unique in its quest",
        ],
    )


def test_each_file_own_mistakes(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    (root / "items" / "bad.yaml").write_text(
        "items:\n  - {id: Brass Key, name: brass key, description: Bent., colour: gold}\n"
        "  - {id: nail, name: nail}\nextra: 1\n",
        encoding="utf-8",
    )
    (root / "items" / "scalar.yaml").write_text("just a word\n", encoding="utf-8")
    quest = "quests/lost_key.yaml"
    edit(root, quest, "starts: at_start", "starts: at_once")
    edit(root, quest, "objective: {talk_to: Ada}", "objective: {talk: Ada}")
    edit(root, quest, "{has_item: {item: iron_key}}", "{has_item: {item: iron_key}, talk_to: Ada}")
    edit(
        root,
        quest,
        "set_flag: {flag: asked_ada, value: true}",
        "set_flag: {flag: asked_ada, value: 1.5}",
    )
    edit(root, quest, "say: {npc: Bjorn,", "shout: {npc: Bjorn,")
    edit(root, quest, "{reach: {place: the pond, radius: 1}}", "{reach: {place: [1], radius: -1}}")
    edit(root, "quests/frog_song.yaml", "id: frog_song", "id: FrogSong")
    found = problems(check(root))
    assert_lines(
        found,
        [
            "items/bad.yaml: items[0].id: expected an id of lower-case letters, digits and _, "
            "starting with a letter, at most 40 long (like iron_key), got 'Brass Key'",
            "items/bad.yaml: items[0].colour: expected a colour like \"#a0b1c2\", got 'gold'",
            "items/bad.yaml: items[1].description: required field is missing",
            "items/bad.yaml: extra: unknown field (check the spelling)",
            "items/scalar.yaml: (top level): expected a list of items, or items: and a list of "
            "them, got 'just a word'",
            "quests/lost_key.yaml: starts: expected at_start, manual or {on_flag: <flag>} (a flag "
            "id, and optionally a value), got 'at_once'",
            "quests/lost_key.yaml: stages[0].nodes[0].objective: expected one of talk_to, bring, "
            "reach, flag, has_item, got 'talk' (did you mean talk_to?)",
            "quests/lost_key.yaml: stages[0].nodes[0].on_complete[0].set_flag.value: expected "
            "true, false, a whole number or a word, got 1.5",
            "quests/lost_key.yaml: stages[0].nodes[0].on_complete[1]: expected one of move_npc, "
            "give_item, take_item, set_flag, start_quest, say, notice, got 'shout'",
            "quests/lost_key.yaml: stages[0].nodes[1].objective: expected exactly one of talk_to, "
            "bring, reach, flag, has_item, got has_item and talk_to",
            "quests/lost_key.yaml: stages[0].nodes[2].objective.reach.place: expected a "
            "landmark's name or a tile [x, y], got [1]",
            "quests/lost_key.yaml: stages[0].nodes[2].objective.reach.radius: expected greater "
            "than or equal to 0, got -1",
            "quests/frog_song.yaml: id: expected an id of lower-case letters, digits and _, "
            "starting with a letter, at most 40 long (like iron_key), got 'FrogSong'",
        ],
    )


def test_a_file_that_did_not_load_is_not_blamed_on_those_naming_it(tmp_path: Path) -> None:
    """Cora's, the frog song's and the honey cake's files are wrong: the quests, map and
    villagers naming them get no "unknown" lines, only the broken files their own."""
    root = story_copy(tmp_path)
    edit(root, "npcs/cora.yaml", "description:", "descripton:")
    edit(root, "quests/frog_song.yaml", "title: The Frog Song\n", "")
    edit(root, "items/things.yaml", "  colour: \"#e0a040\"\n", "")
    found = problems(check(root))
    assert found == [
        "npcs/cora.yaml: description: required field is missing",
        "npcs/cora.yaml: descripton: unknown field (check the spelling)",
        "items/things.yaml: [1].colour: required field is missing",
        "quests/frog_song.yaml: title: required field is missing",
    ]


def test_on_flag_starts_are_read(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    edit(
        root, "quests/frog_song.yaml", "starts: manual", "starts: {on_flag: frogs_free, value: yes}"
    )
    content = load_content(root / "maps" / "village.yaml", root / "npcs")
    starts = next(q for q in content.quests if q.id == "frog_song").starts
    assert not isinstance(starts, str) and (starts.on_flag, starts.value) == ("frogs_free", True)


def test_bad_story_content_stops_a_normal_start_too(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    edit(root, "quests/lost_key.yaml", "objective: {talk_to: Ada}", "objective: {talk_to: Adda}")
    result = run_main(
        "--headless",
        "--turns",
        "1",
        "--map",
        str(root / "maps" / "village.yaml"),
        "--npcs",
        str(root / "npcs"),
        cwd=root,
    )
    found = problems(result)
    assert found == [
        "quests/lost_key.yaml: stages[0].nodes[0].objective.talk_to: unknown NPC 'Adda' "
        "(did you mean 'Ada'?)"
    ]


def test_a_story_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    (root / "quests" / "huge.yaml").write_text("#" * 3000 + "\n", encoding="utf-8")
    found = problems(check(root, "--max-content-bytes", "2000"))
    assert (
        "quests/huge.yaml: (file): the file is 3,001 bytes; an item or quest file may be at most 2,000 bytes (--max-content-bytes N allows more)"
        in found
    )


def test_known_tells_what_story_content_may_name() -> None:
    content = load_content(STORY / "maps" / "village.yaml", STORY / "npcs")
    known = content.known()
    assert known == Known.of(content.map, content.npcs, content.items, content.quests)
    assert known.items == {"iron_key", "honey_cake", "frog_jar"}
    assert known.npcs == {"Ada", "Bjorn", "Cora"}
    assert known.quests["lost_key"] == {
        "find_key": ("ask_ada", "find_it", "see_pond"),
        "return_key": ("bring_key",),
    }
    assert known.size == (12, 8)
    assert known.walkable((1, 1)) and not known.walkable((7, 4)) and not known.walkable((40, 1))
    assert known.landmark("THE POND") == "the pond"
    assert known.place_problem("the pond") is None and known.place_problem((1, 1)) is None
    assert known.place_problem((0, 0)) == "tile (0, 0) is tree, not walkable"
    assert known.npc_problem(PLAYER) is not None and known.npc_problem(PLAYER, player=True) is None
    assert known.item_problem("iron_key") is None
    assert known.node_problem("lost_key", "find_key", "see_pond") is None
    assert known.node_problem("lost_key", "find_key", "bring_key") == (
        "unknown node 'bring_key' in stage find_key (known: ask_ada, find_it, see_pond)"
    )
    assert known.node_problem("lost_key", "lost") == (
        "unknown stage 'lost' in quest lost_key (known: find_key, return_key)"
    )
    assert known.node_problem("lost_kye", "x") == (
        "unknown quest 'lost_kye' (did you mean 'lost_key'?)"
    )


def test_the_story_calls_the_player_as_the_world_does() -> None:
    assert PLAYER == PLAYER_NAME


def test_loading_raises_content_error_not_anything_else(tmp_path: Path) -> None:
    root = story_copy(tmp_path)
    (root / "quests" / "odd.yaml").write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(root / "maps" / "village.yaml", root / "npcs")
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "(top level): expected a mapping of fields, got list"
    ]
