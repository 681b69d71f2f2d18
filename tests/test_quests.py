"""The quest engine moves quests on from world events only, applies the story's own
actions, cascades, and its state goes to JSON and back exactly (a bad save is one clear
line)."""

from __future__ import annotations

import copy
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from game.content.loader import Content, load_content
from game.story.quests import (
    InventoryChanged,
    Notice,
    NpcMove,
    NpcSay,
    QuestChanged,
    QuestEngine,
    Refused,
    StoryState,
    StoryStateError,
    StoryWarning,
    Tracked,
)

STORY = ROOT / "tests" / "story_village"
KEY_LINES = ("My key! The old iron one, with a bell on it.", "Bjorn may have seen it.")


@pytest.fixture
def story() -> Content:
    return load_content(STORY / "maps" / "village.yaml", STORY / "npcs")


def village_with(tmp_path: Path, **quests: str) -> Content:
    """The story village with its quests replaced by ``quests`` (file stem -> YAML)."""
    root = tmp_path / "v"
    shutil.copytree(STORY, root)
    shutil.rmtree(root / "quests")
    (root / "quests").mkdir()
    for stem, text in quests.items():
        (root / "quests" / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return load_content(root / "maps" / "village.yaml", root / "npcs")


def test_lost_key_is_played_through_every_objective_and_action(story: Content) -> None:
    engine = QuestEngine(story)
    assert engine.active_objectives() == []
    assert engine.start() == [QuestChanged()]
    assert engine.start() == []  # started once
    assert engine.active_objectives() == [
        Tracked("lost_key", "Ada's Lost Key", "find_key", "ask_ada", "Ask Ada what she lost")
    ]
    assert engine.dialogue_override("Ada") == KEY_LINES
    assert engine.dialogue_override("Bjorn") is None
    assert [t.node for t in engine.objectives_involving("Ada")] == ["ask_ada"]
    assert engine.known_flags("Ada") == {"asked_ada": None, "frogs_sung": None}

    # talk_to: a talk with someone else does nothing; with Ada, the node completes.
    assert engine.talk_held("Bjorn") == []
    assert engine.talk_held("Ada") == [
        NpcSay("Bjorn", "Try the east fence!"),  # ask_ada's on_complete
        Notice("Ada's key is somewhere by the east fence."),  # find_it's on_enter
        QuestChanged(),
    ]
    assert engine.known_flags("Ada") == {"asked_ada": True, "frogs_sung": None}
    assert engine.dialogue_override("Ada") is None
    assert [t.node for t in engine.active_objectives()] == ["find_it", "see_pond"]

    # bring: not yet carried, so the hand-over is refused and nothing moves.
    refused = engine.item_handed("Player", "Ada", "iron_key")
    assert isinstance(refused, Refused) and not refused
    assert refused.reason == "Player has no old iron key"

    # has_item: walking onto the key picks it up.
    assert engine.state.items_at((10, 2)) == ["iron_key"]
    assert engine.pick_up_at("Player", (10, 2)) == [
        InventoryChanged(("Player",)),
        QuestChanged(),
    ]
    assert engine.state.items_at((10, 2)) == []
    assert engine.pick_up_at("Player", (10, 2)) == []
    assert engine.inventory("Player") == {"iron_key": 1}

    # reach: a landmark within a radius (the pond is x 7-8, y 4-5; radius 1).
    assert engine.player_at((1, 1)) == []
    assert engine.player_at((6, 3)) == [NpcMove("Cora", "the hut"), QuestChanged()]
    assert engine.active_objectives() == [
        Tracked("lost_key", "Ada's Lost Key", "return_key", "bring_key", "Bring the key to Ada")
    ]
    assert [t.node for t in engine.objectives_involving("Ada")] == ["bring_key"]

    # bring, then give_item, take_item, start_quest, notice, and the quest completes.
    effects = engine.item_handed("Player", "Ada", "iron_key")
    assert effects == [
        Notice("Ada beams."),
        Notice("Quest completed: Ada's Lost Key"),
        InventoryChanged(("Ada", "Cora", "Player")),
        QuestChanged(),
    ]
    assert engine.state.inventories == {
        "Player": {"honey_cake": 2},
        "Ada": {"iron_key": 1},
        "Bjorn": {},
        "Cora": {"honey_cake": 2},
    }
    assert engine.state.quests["lost_key"].status == "completed"
    assert engine.state.quests["frog_song"].status == "active"

    # flag: set by the world (a tree, a tool); then reach a tile.
    assert [t.node for t in engine.active_objectives()] == ["sung"]
    assert engine.flag_set("frogs_sung", "yes") == []  # not the value the node waits for
    assert engine.flag_set("frogs_sung", True) == [QuestChanged()]
    assert engine.player_at((10, 6)) == [Notice("Quest completed: The Frog Song"), QuestChanged()]
    assert engine.active_objectives() == []
    journal = engine.journal()
    assert [(q.id, q.status) for q in journal.quests] == [
        ("frog_song", "completed"),
        ("lost_key", "completed"),
    ]
    assert all(n.state == "completed" for q in journal.quests for s in q.stages for n in s.nodes)
    assert journal.history == (
        "Started: Ada's Lost Key",
        "Found the old iron key",
        "Gave the old iron key to Ada",
        "Received 2 × honey cake",
        "Started: The Frog Song",
        "Completed: Ada's Lost Key",
        "Completed: The Frog Song",
    )


def test_the_journal_and_stage_states_follow_the_quest(story: Content) -> None:
    engine = QuestEngine(story)
    journal = engine.journal()
    assert [(q.id, q.status) for q in journal.quests] == [
        ("frog_song", "inactive"),
        ("lost_key", "inactive"),
    ]
    engine.start()
    engine.talk_held("Ada")
    lost = engine.journal().quests[1]
    assert [(s.id, s.state) for s in lost.stages] == [
        ("find_key", "active"),
        ("return_key", "waiting"),
    ]
    assert [(n.id, n.state) for n in lost.stages[0].nodes] == [
        ("ask_ada", "completed"),
        ("find_it", "active"),
        ("see_pond", "active"),
    ]
    assert engine.stage_state("lost_key", "find_key") == "active"
    assert engine.stage_state("lost_key", "find_key", "ask_ada") == "completed"
    assert engine.stage_state("lost_key", "find_key", "see_pond") == "active"
    assert engine.stage_state("lost_key", "return_key") == "waiting"
    assert engine.stage_state("frog_song", "free_frog") == "waiting"
    assert engine.stage_state("no_such_quest", "x") == "waiting"


def test_items_handed_between_villagers_move_but_complete_no_bring(story: Content) -> None:
    engine = QuestEngine(story)
    engine.start()
    assert engine.item_handed("Cora", "Ada", "honey_cake", 2) == [InventoryChanged(("Ada", "Cora"))]
    assert engine.inventory("Ada") == {"honey_cake": 2} and engine.inventory("Cora") == {
        "frog_jar": 1
    }
    assert engine.item_handed("Cora", "Ada", "honey_cake") == Refused("Cora has no honey cake")
    assert engine.item_handed("Cora", "Zed", "frog_jar") == Refused("Zed is not in this village")
    assert engine.item_handed("Cora", "Ada", "gold") == Refused("there is no item 'gold'")
    assert engine.state.history == ["Started: Ada's Lost Key"]


CHAIN = """\
id: chain
title: The Chain
summary: One talk sets everything off.
starts: at_start
stages:
  - id: one
    title: One
    nodes:
      - id: talk
        objective: {talk_to: Ada}
        text: Talk to Ada
        on_complete: [{set_flag: {flag: lit, value: 1}}]
      - id: lit
        after: [talk]
        objective: {flag: {flag: lit, value: 1}}
        text: The lamp is lit
        on_complete: [{give_item: {to: Player, item: iron_key}}]
  - id: two
    title: Two
    nodes:
      - id: key
        objective: {has_item: {item: iron_key}}
        text: Hold the key
        on_complete: [{start_quest: second}, {say: {npc: Ada, text: Off you go}}]
"""

SECOND = """\
id: second
title: The Second
summary: Started by the chain.
starts: manual
stages:
  - id: only
    title: Only
    nodes:
      - id: lit_too
        objective: {flag: {flag: lit, value: 1}}
        text: Still lit
        on_complete: [{set_flag: {flag: done, value: true}}]
"""

THIRD = """\
id: third
title: The Third
summary: Starts on the flag the second sets.
starts: {on_flag: done}
stages:
  - id: only
    title: Only
    nodes:
      - id: here
        objective: {reach: {place: [1, 1]}}
        text: Stand in the corner
        on_enter: [{notice: "Stand in the corner."}]
"""


def test_one_event_cascades_through_nodes_stages_and_quests(tmp_path: Path) -> None:
    content = village_with(tmp_path, chain=CHAIN, second=SECOND, third=THIRD)
    engine = QuestEngine(content)
    engine.start()
    assert engine.player_at((1, 1)) == []  # the third is not started yet
    effects = engine.talk_held("Ada")
    assert effects == [
        NpcSay("Ada", "Off you go"),
        Notice("Quest completed: The Chain"),
        Notice("Quest completed: The Second"),
        Notice("Stand in the corner."),
        Notice("Quest completed: The Third"),  # the player already stands there
        InventoryChanged(("Player",)),
        QuestChanged(),
    ]
    assert {q: p.status for q, p in engine.state.quests.items()} == {
        "chain": "completed",
        "second": "completed",
        "third": "completed",
    }
    assert engine.state.flags == {"lit": 1, "done": True}


def test_a_cascade_past_its_limit_stops_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = village_with(tmp_path, chain=CHAIN, second=SECOND, third=THIRD)
    engine = QuestEngine(content, cascade_limit=1)
    engine.start()
    with caplog.at_level(logging.WARNING, logger="game.story.quests"):
        effects = engine.talk_held("Ada")
    warning = "the story stopped after 1 rounds set off by one event; it goes on at the next event"
    assert effects == [StoryWarning(warning), InventoryChanged(("Player",)), QuestChanged()]
    assert warning in caplog.text
    # The talk completed by the event, one more node by the cascade; the state is whole.
    assert engine.state.quests["chain"].done == ["talk", "lit"]
    assert engine.state.quests["chain"].stage == 1
    assert [t.node for t in engine.active_objectives()] == ["key"]
    # The next event goes on from there.
    engine.cascade_limit = 100
    engine.player_at((1, 1))
    assert {q: p.status for q, p in engine.state.quests.items()} == {
        "chain": "completed",
        "second": "completed",
        "third": "completed",
    }


LAMP = """\
id: lamp
title: The Lamp
summary: Light it.
starts: at_start
stages:
  - id: only
    title: Only
    nodes:
      - {id: lit, objective: {flag: {flag: lit, value: 1}}, text: Light the lamp}
"""


def test_a_flag_objective_wants_its_value_of_its_kind(tmp_path: Path) -> None:
    content = village_with(tmp_path, lamp=LAMP, third=THIRD)
    engine = QuestEngine(content)
    engine.start()
    assert engine.flag_set("lit", True) == []  # true is not 1
    assert engine.flag_set("lit", "1") == []  # nor is "1"
    assert engine.flag_set("lit", 1) == [Notice("Quest completed: The Lamp"), QuestChanged()]
    # A quest starting on a flag without a value wants it set to something true.
    assert engine.flag_set("done", False) == []
    assert engine.state.quests["third"].status == "inactive"
    assert engine.flag_set("done", "yes") == [Notice("Stand in the corner."), QuestChanged()]
    assert engine.state.quests["third"].status == "active"


BRING_TWO = """\
id: cakes
title: Cakes for Bjorn
summary: Bjorn is hungry.
starts: at_start
stages:
  - id: only
    title: Only
    nodes:
      - id: two_cakes
        objective: {bring: {item: honey_cake, to: Bjorn, count: 2}}
        text: Bring Bjorn two honey cakes
        on_complete: [{take_item: {from: Player, item: frog_jar, count: 1}}]
"""


def test_a_bring_of_two_counts_what_is_handed_over_across_hand_overs(tmp_path: Path) -> None:
    content = village_with(tmp_path, cakes=BRING_TWO)
    engine = QuestEngine(content)
    engine.start()
    engine.picked_up("Player", "honey_cake", 3)
    assert engine.item_handed("Player", "Ada", "honey_cake") == [
        InventoryChanged(("Ada", "Player")),
        QuestChanged(),  # the history line
    ]
    assert engine.item_handed("Player", "Bjorn", "honey_cake") == [
        InventoryChanged(("Bjorn", "Player")),
        QuestChanged(),
    ]
    assert engine.state.quests["cakes"].brought == {"two_cakes": 1}
    # The second completes it; its take_item finds no frog jar on the player: a warning.
    effects = engine.item_handed("Player", "Bjorn", "honey_cake")
    assert effects[0] == StoryWarning("take_item: Player has 0 jar with a frog, not 1: took 0")
    assert engine.state.quests["cakes"].status == "completed"
    assert engine.state.quests["cakes"].brought == {}
    assert engine.inventory("Bjorn") == {"honey_cake": 2}


# ---- saving -------------------------------------------------------------------------------


def half_played(story: Content) -> QuestEngine:
    engine = QuestEngine(story)
    engine.start()
    engine.talk_held("Ada")
    engine.pick_up_at("Player", (10, 2))
    engine.flag_set("weather", "rainy")
    engine.flag_set("coins", 3)
    return engine


def test_the_story_state_goes_to_json_and_back_exactly(story: Content) -> None:
    engine = half_played(story)
    data = engine.state.to_data()
    text = json.dumps(data, sort_keys=False)
    again = StoryState.from_data(json.loads(text), story)
    assert again == engine.state
    assert json.dumps(again.to_data()) == text
    # The loaded state plays on to the end.
    engine = QuestEngine(story, again)
    engine.player_at((7, 3))
    engine.item_handed("Player", "Ada", "iron_key")
    assert engine.state.quests["lost_key"].status == "completed"


def test_a_new_story_state_knows_every_quest_villager_and_placed_item(story: Content) -> None:
    state = StoryState.new(story)
    data = state.to_data()
    assert data == {
        "flags": {},
        "inventories": {
            "Player": {},
            "Ada": {},
            "Bjorn": {},
            "Cora": {"frog_jar": 1, "honey_cake": 2},
        },
        "quests": {
            qid: {"status": "inactive", "stage": 0, "entered": [], "done": [], "brought": {}}
            for qid in ("frog_song", "lost_key")
        },
        "ground": [{"item": "iron_key", "at": [10, 2]}, {"item": "honey_cake", "at": [1, 6]}],
        "history": [],
    }
    # A quest or villager the save does not mention (added since) starts afresh.
    del data["quests"]["frog_song"]
    del data["inventories"]["Bjorn"]
    assert StoryState.from_data(data, story) == state


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        for part in parents:
            data = data[part]
        data[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_set("extra", 1), "extra: not a field of the story's state"),
        (
            _set("flags/lit", 1.5),
            "flags.lit: expected true, false, a whole number or a word, got 1.5",
        ),
        (
            _set("flags/Bad Flag", 1),
            "flags.Bad Flag (a name): expected an id of lower-case letters, digits and _ "
            "(like iron_key) (got 'Bad Flag')",
        ),
        (_set("inventories/Zed", {}), "inventories.Zed: no villager 'Zed' in this village"),
        (
            _set("inventories/Player/gold_bar", 1),
            "inventories.Player.gold_bar: unknown item 'gold_bar' (known: frog_jar, honey_cake, iron_key)",
        ),
        (
            _set("inventories/Player/iron_key", 0),
            "inventories.Player.iron_key: expected greater than or equal to 1 (got 0)",
        ),
        (
            _set("inventories/Player/iron_key", "1"),
            "inventories.Player.iron_key: expected a whole number (got '1')",
        ),
        (
            _set("quests/lost_kye", {"status": "active", "stage": 0}),
            "quests.lost_kye: unknown quest 'lost_kye' (did you mean 'lost_key'?)",
        ),
        (
            _set("quests/lost_key/stage", 2),
            "quests.lost_key.stage: 2 is past the quest's last stage (it has 2, numbered from 0)",
        ),
        (
            _set("quests/lost_key/status", "won"),
            "quests.lost_key.status: expected 'inactive', 'active' or 'completed' (got 'won')",
        ),
        (
            _set("quests/lost_key/entered", ["bring_key"]),
            "quests.lost_key.entered: 'bring_key' is not a node of the current stage",
        ),
        (
            _set("quests/lost_key/done", ["nope"]),
            "quests.lost_key.done: 'nope' is not a node of the quest",
        ),
        (
            _set("quests/lost_key/stage", None),
            "quests.lost_key.stage: expected a whole number (got None)",
        ),
        (
            _set("ground", [{"item": "iron_key", "at": [7, 4]}]),
            "ground[0].at: tile (7, 4) is water, not walkable",
        ),
        (_set("history", "not a list"), "history: expected a list (got 'not a list')"),
    ],
)
def test_a_bad_story_state_is_one_clear_line(story: Content, change: Any, said: str) -> None:
    data = copy.deepcopy(half_played(story).state.to_data())
    change(data)
    with pytest.raises(StoryStateError) as caught:
        StoryState.from_data(data, story)
    assert str(caught.value) == said
    assert "\n" not in str(caught.value)


def test_story_state_that_is_not_a_mapping(story: Content) -> None:
    with pytest.raises(StoryStateError) as caught:
        StoryState.from_data([1, 2], story)
    assert str(caught.value) == "(top level): expected a mapping (got [1, 2])"
