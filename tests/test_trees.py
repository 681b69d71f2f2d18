"""Behaviour trees: read from YAML, checked against the content, ticked turn by turn.

The trees run against a villager in a real world (the tiny Testwick village, its grid,
landmarks and paths): a small loop here carries out what a tree asks (a MoveTo is one step
along World.find_path, a SetFlag sets the flag), as the simulation will.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.content.loader import Content
from game.story.tree_models import (
    KINDS,
    DialogueSpec,
    HasItemSpec,
    LineSpec,
    MoveToSpec,
    QuestStageSpec,
    RepeaterSpec,
    SelectorSpec,
    SequenceSpec,
    SucceederSpec,
    TimeOfDaySpec,
    TreeError,
    TreeSpec,
    WaitSpec,
    parse_tree,
    tree_problems,
    walk,
)
from game.story.trees import (
    STUCK_TURNS,
    WAIT,
    BehaviourTree,
    EmitEvent,
    Exchange,
    Line,
    LookAt,
    MoveTo,
    Say,
    SetFlag,
    Status,
    TickResult,
    compile_tree,
)
from game.world import PLAYER_NAME, World, build_world

S, F, R = Status.SUCCESS, Status.FAILURE, Status.RUNNING


# ---- a villager in a real world --------------------------------------------------------


@dataclass
class Villager:
    """What a tree sees of one villager of a real World: plain story data beside it."""

    world: World
    name: str
    phase: str = "day"
    items: dict[str, int] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    quests: dict[tuple[str, str, str | None], str] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    @property
    def position(self) -> tuple[int, int]:
        entity = self.world.get(self.name)
        assert entity is not None
        return entity.pos

    def has_item(self, item: str) -> int:
        return self.items.get(item, 0)

    def flag(self, name: str) -> Any:
        return self.flags.get(name)

    def quest_state(self, quest: str, stage: str, node: str | None) -> str:
        return self.quests.get((quest, stage, node), "inactive")

    def place_distance(self, place: str) -> int | None:
        landmark = self.world.grid.landmark_named(place)
        if landmark is None:
            return None
        pos = self.position
        if landmark.contains(pos) or pos == landmark.spot:
            return 0
        return max(1, landmark.distance_to(pos))

    def carry_out(self, result: TickResult) -> None:
        """What the simulation does with a tick's actions: one step of a walk, a flag set."""
        for action in result.actions:
            if isinstance(action, MoveTo):
                target = action.target
                if isinstance(target, str):
                    landmark = self.world.grid.landmark_named(target)
                    assert landmark is not None
                    target = landmark.spot
                path = self.world.find_path(self.position, target)
                if path:
                    self.world.step_to(self.name, path[0])
            elif isinstance(action, SetFlag):
                self.flags[action.flag] = action.value


@pytest.fixture
def ada(tiny_content: Content) -> Villager:
    return Villager(build_world(tiny_content), "Ada")  # at (5, 1), north of the hut's door


def tree(text: str, owner: str = "Ada") -> BehaviourTree:
    """A tree from YAML: the root node, continuous and on_interaction."""
    root = yaml.safe_load(text)
    return compile_tree(
        parse_tree({"modes": ["continuous", "on_interaction"], "root": root}), owner
    )


def run(t: BehaviourTree, who: Villager, turns: int) -> list[TickResult]:
    results = []
    for _ in range(turns):
        result = t.tick(who)
        json.dumps(who.memory)  # what is carried over can be saved, every turn
        who.carry_out(result)
        results.append(result)
    return results


def statuses(results: list[TickResult]) -> list[Status]:
    return [r.status for r in results]


# ---- reading a tree ---------------------------------------------------------------------

STORY_TREE = """
modes: [continuous, on_interaction]
root:
  selector:
    - sequence:
        - time_of_day: [night]
        - move_to: the old bridge
        - wait: 2
    - sequence:
        - quest_stage: {quest: festival_bell, stage: the_key, node: get_key, state: active}
        - dialogue: "You want the key? Find me a jar first."
    - succeeder: {move_to: [12, 5]}
"""


def test_the_tree_in_story_md_reads_as_written() -> None:
    spec = parse_tree(yaml.safe_load(STORY_TREE))
    assert spec == TreeSpec(
        ("continuous", "on_interaction"),
        SelectorSpec(
            (
                SequenceSpec(
                    (TimeOfDaySpec(("night",)), MoveToSpec("the old bridge"), WaitSpec(2))
                ),
                SequenceSpec(
                    (
                        QuestStageSpec("festival_bell", "the_key", "get_key", "active"),
                        DialogueSpec((LineSpec("self", "You want the key? Find me a jar first."),)),
                    )
                ),
                SucceederSpec(MoveToSpec((12, 5))),
            )
        ),
    )
    # Each node knows where it was written, for the problems found later.
    wait = spec.root.children[0].children[2]  # type: ignore[union-attr]
    assert wait.at == ("tree", "root", "selector", 0, "sequence", 2, "wait")


EVERY_KIND = """
modes: continuous
root:
  parallel:
    policy: one
    children:
      - selector: [{has_item: iron_key}, {has_item: {item: jar, count: 2}}]
      - sequence: [{has_flag: lit}, {has_flag: {flag: crank, value: found}}]
      - inverter: {time_of_day: night}
      - repeater: {times: 2, child: {at_location: {place: the pond, radius: 1}}}
      - succeeder: {at_location: [3, 3]}
      - quest_stage: {quest: q, stage: s, state: completed}
      - dialogue: {lines: [One., Two.]}
      - dialogue: {exchange: [{who: Player, text: Hi.}, {who: SELF, text: Hello.}]}
      - move_to: [1, 1]
      - wait: 1
      - look_at: player
      - set_flag: {flag: lit}
      - emit_event: bell_rung
"""


def test_every_kind_of_node_reads() -> None:
    spec = parse_tree(yaml.safe_load(EVERY_KIND))
    kinds = {node.at[-1] for node in walk(spec.root)}
    assert kinds == set(KINDS)
    assert spec.modes == ("continuous",)
    exchange = next(
        n for n in walk(spec.root) if isinstance(n, DialogueSpec) and n.lines[0].who != "self"
    )
    assert exchange.lines == (LineSpec("player", "Hi."), LineSpec("self", "Hello."))
    counted = [n for n in walk(spec.root) if isinstance(n, HasItemSpec)]
    assert [(n.item, n.count) for n in counted] == [("iron_key", 1), ("jar", 2)]


def problems_of(data: object) -> list[tuple[str, str]]:
    with pytest.raises(TreeError) as caught:
        parse_tree(data)
    assert str(caught.value) == "\n".join(f"{f}: {m}" for f, m in caught.value.problems)
    return list(caught.value.problems)


def test_a_misspelt_kind_is_named_by_its_path_with_the_kinds_there_are() -> None:
    problems = problems_of(
        yaml.safe_load("""
        modes: [continuous]
        root:
          selector:
            - sequence: [{wait: 1}, {wlak: 2}]
        """)
    )
    assert problems == [
        (
            "tree.root.selector[0].sequence[1]",
            "unknown node kind 'wlak'; expected one of " + ", ".join(KINDS),
        )
    ]
    near = problems_of({"modes": ["continuous"], "root": {"sequense": [{"wait": 1}]}})
    assert near[0][1].startswith("unknown node kind 'sequense' (did you mean sequence?)")


def test_every_wrong_node_is_reported_in_one_run() -> None:
    problems = problems_of(
        yaml.safe_load("""
        modes: [continuous, sometimes]
        root:
          selector:
            - sequence: [{wait: 0}, wait]
            - {has_item: {item: 3, cnt: 2}}
            - repeater: {times: x, child: {move_to: [1]}}
            - dialogue: {exchange: [{who: self}, {who: 3, text: hi}]}
            - {quest_stage: {quest: q, stage: s, state: active}, wait: 2}
            - parallel: {policy: some, children: []}
            - time_of_day: [noon, night]
            - inverter: {set_flag: {value: 2}}
        """)
    )
    fields = [f for f, _ in problems]
    assert fields == [
        "tree.modes[1]",
        "tree.root.selector[0].sequence[0].wait",
        "tree.root.selector[0].sequence[1]",
        "tree.root.selector[1].has_item.cnt",
        "tree.root.selector[1].has_item.item",
        "tree.root.selector[2].repeater.times",
        "tree.root.selector[2].repeater.child.move_to",
        "tree.root.selector[3].dialogue.exchange[0].text",
        "tree.root.selector[3].dialogue.exchange[1].who",
        "tree.root.selector[4]",
        "tree.root.selector[5].parallel.policy",
        "tree.root.selector[5].parallel.children",
        "tree.root.selector[6].time_of_day[0]",
        "tree.root.selector[7].inverter.set_flag.flag",
    ]
    said = dict(problems)
    assert said["tree.modes[1]"] == "expected one of continuous, on_interaction, got 'sometimes'"
    assert said["tree.root.selector[0].sequence[0].wait"] == (
        "expected a whole number of at least 1, got 0"
    )
    assert said["tree.root.selector[0].sequence[1]"].startswith("expected a node: a mapping")
    assert said["tree.root.selector[1].has_item.cnt"] == "unknown field (check the spelling)"
    assert said["tree.root.selector[2].repeater.child.move_to"] == (
        "expected a pair [x, y], got [1]"
    )
    assert said["tree.root.selector[3].dialogue.exchange[0].text"] == "required field is missing"
    assert said["tree.root.selector[4]"].startswith(
        "expected one kind per node, got 2 ('quest_stage', 'wait')"
    )
    assert said["tree.root.selector[6].time_of_day[0]"] == (
        "expected one of dawn, day, dusk, night, got 'noon'"
    )


def test_a_tree_that_is_not_a_tree_is_told_so() -> None:
    assert problems_of(None) == [("tree", "expected a mapping {modes, root}, got None")]
    assert problems_of({"modes": "continuous"}) == [("tree.root", "required field is missing")]
    assert problems_of({"modes": [], "root": {"wait": 1}}) == [
        ("tree.modes", "expected a list of continuous, on_interaction, got []")
    ]
    odd = problems_of(
        {"modes": ["continuous"], "root": {"wait": 1}, "a: b": 1},
    )
    assert odd == [('tree."a\\u003a b"', "unknown field (check the spelling)")]
    (long,) = problems_of({"modes": ["continuous"], "root": {"wait": 1}, "k" * 10_000: 1})
    assert long[0] == 'tree."' + "k" * 39 + '…"'
    # Nested past any sensible depth: one problem, not a RecursionError.
    deep: dict[str, Any] = {"wait": 1}
    for _ in range(500):
        deep = {"inverter": deep}
    (problem,) = problems_of({"modes": ["continuous"], "root": deep})
    assert problem[1] == "nodes are nested more than 40 deep"


# ---- checking a tree against the content ------------------------------------------------


@dataclass(frozen=True)
class Known:
    items: frozenset[str] = frozenset({"iron_key", "jar"})
    quests: Mapping[str, Mapping[str, frozenset[str]]] = field(
        default_factory=lambda: {"festival_bell": {"the_key": frozenset({"ask", "get_key"})}}
    )
    npcs: frozenset[str] = frozenset({"Ada", "Bjorn"})
    landmarks: frozenset[str] = frozenset({"the hut", "The Pond"})
    size: tuple[int, int] = (12, 8)


def test_references_the_content_has_are_no_problem() -> None:
    spec = parse_tree(
        yaml.safe_load("""
        modes: [continuous]
        root:
          sequence:
            - has_item: {item: jar, count: 2}
            - quest_stage: {quest: festival_bell, stage: the_key, node: get_key, state: active}
            - quest_stage: {quest: festival_bell, stage: the_key, state: completed}
            - at_location: {place: the pond, radius: 2}
            - move_to: The Hut
            - move_to: [11, 7]
            - look_at: bjorn
            - look_at: player
            - look_at: the hut
            - look_at: [0, 0]
            - dialogue: {exchange: [{who: Bjorn, text: Hm.}, {who: player, text: Yes.}]}
        """)
    )
    assert tree_problems(spec, Known()) == []


def test_unknown_ids_and_tiles_off_the_map_are_problems() -> None:
    spec = parse_tree(
        yaml.safe_load("""
        modes: [continuous]
        root:
          selector:
            - has_item: {item: golden_key}
            - quest_stage: {quest: lost_cat, stage: s, state: active}
            - quest_stage: {quest: festival_bell, stage: the_bell, state: active}
            - quest_stage: {quest: festival_bell, stage: the_key, node: ring, state: active}
            - at_location: {place: the mill}
            - move_to: [12, 0]
            - move_to: the mill
            - look_at: [0, -1]
            - look_at: Zed
            - dialogue: {exchange: [{who: Zed, text: Boo.}]}
        """)
    )
    problems = tree_problems(spec, Known())
    assert problems == [
        (
            "tree.root.selector[0].has_item.item",
            "unknown item 'golden_key'; expected one of iron_key, jar",
        ),
        (
            "tree.root.selector[1].quest_stage.quest",
            "unknown quest 'lost_cat'; expected one of festival_bell",
        ),
        (
            "tree.root.selector[2].quest_stage.stage",
            "quest festival_bell has no stage 'the_bell'; expected one of the_key",
        ),
        (
            "tree.root.selector[3].quest_stage.node",
            "stage the_key of quest festival_bell has no node 'ring'; expected one of ask, get_key",
        ),
        (
            "tree.root.selector[4].at_location.place",
            "unknown landmark 'the mill'; expected one of The Pond, the hut",
        ),
        ("tree.root.selector[5].move_to", "tile (12, 0) is outside the 12x8 map"),
        (
            "tree.root.selector[6].move_to",
            "unknown landmark 'the mill'; expected one of The Pond, the hut",
        ),
        ("tree.root.selector[7].look_at", "tile (0, -1) is outside the 12x8 map"),
        (
            "tree.root.selector[8].look_at",
            "unknown villager or landmark 'Zed': expected player, a villager's name or a landmark's",
        ),
        (
            "tree.root.selector[9].dialogue.exchange[0].who",
            "unknown speaker 'Zed': expected self, player or a villager's name",
        ),
    ]


def test_counts_and_phases_out_of_range_in_a_tree_built_in_code_are_problems() -> None:
    spec = TreeSpec(
        ("continuous",),
        SequenceSpec(
            (
                RepeaterSpec(
                    0,
                    WaitSpec(0, at=("tree", "root", "sequence", 0, "repeater", "child", "wait")),
                    at=("tree", "root", "sequence", 0, "repeater"),
                ),
                TimeOfDaySpec(("noon",), at=("tree", "root", "sequence", 1, "time_of_day")),
            ),
            at=("tree", "root", "sequence"),
        ),
    )
    assert tree_problems(spec, Known()) == [
        ("tree.root.sequence[0].repeater.times", "expected a whole number of at least 1, got 0"),
        (
            "tree.root.sequence[0].repeater.child.wait",
            "expected a whole number of at least 1, got 0",
        ),
        (
            "tree.root.sequence[1].time_of_day",
            "unknown phase 'noon'; expected one of dawn, day, dusk, night",
        ),
    ]


# ---- each kind of node, each status -------------------------------------------------------


def once(text: str, who: Villager) -> TickResult:
    return tree(text).tick(who)


def test_conditions_read_the_villager_and_the_story(ada: Villager) -> None:
    ada.items = {"jar": 2}
    ada.flags = {"lit": True, "crank": "found", "count": 1, "shut": False}
    ada.quests = {("bell", "key", None): "active", ("bell", "key", "ask"): "completed"}
    ada.phase = "dusk"
    cases = {
        "has_item: jar": S,
        "has_item: {item: jar, count: 2}": S,
        "has_item: {item: jar, count: 3}": F,
        "has_item: iron_key": F,
        "has_flag: lit": S,
        "has_flag: shut": F,  # set to false is not "has"
        "has_flag: never": F,
        "has_flag: {flag: crank, value: found}": S,
        "has_flag: {flag: crank, value: lost}": F,
        "has_flag: {flag: count, value: 1}": S,
        "has_flag: {flag: count, value: true}": F,  # true is not 1
        "has_flag: {flag: lit, value: 1}": F,  # nor 1 true
        "has_flag: {flag: shut, value: false}": S,
        "quest_stage: {quest: bell, stage: key, state: active}": S,
        "quest_stage: {quest: bell, stage: key, state: completed}": F,
        "quest_stage: {quest: bell, stage: key, node: ask, state: completed}": S,
        "quest_stage: {quest: bell, stage: key, node: get, state: inactive}": S,
        "time_of_day: dusk": S,
        "time_of_day: [night, dawn]": F,
        # Ada stands at (5, 1); the hut is x 2..4, y 2..4.
        "at_location: the hut": F,
        "at_location: {place: the hut, radius: 1}": S,
        "at_location: {place: the mill, radius: 9}": F,  # no such place
        "at_location: [5, 1]": S,
        "at_location: {place: [7, 3], radius: 1}": F,
        "at_location: {place: [7, 3], radius: 2}": S,
    }
    for text, wanted in cases.items():
        result = once(text, ada)
        assert (result.status, result.actions) == (wanted, ()), text


def test_actions_that_finish_at_once(ada: Villager) -> None:
    assert once("dialogue: Morning.", ada) == TickResult(S, (Say("Morning."),))
    assert once("dialogue: {lines: [One., Two.]}", ada) == TickResult(
        S, (Exchange((Line("Ada", "One."), Line("Ada", "Two."))),)
    )
    exchange = "dialogue: {exchange: [{who: player, text: Hi.}, {who: self, text: Hm.}, {who: Bjorn, text: Ho.}]}"
    assert once(exchange, ada).actions == (
        Exchange((Line(PLAYER_NAME, "Hi."), Line("Ada", "Hm."), Line("Bjorn", "Ho."))),
    )
    assert once("look_at: Player", ada) == TickResult(S, (LookAt(PLAYER_NAME),))
    assert once("look_at: [3, 4]", ada) == TickResult(S, (LookAt((3, 4)),))
    assert once("set_flag: {flag: lit}", ada) == TickResult(S, (SetFlag("lit", True),))
    assert once("set_flag: {flag: crank, value: found}", ada) == TickResult(
        S, (SetFlag("crank", "found"),)
    )
    assert once("emit_event: bell_rung", ada) == TickResult(S, (EmitEvent("bell_rung"),))


def test_selector_takes_the_first_child_that_does_not_fail(ada: Villager) -> None:
    text = "selector: [{has_item: jar}, {dialogue: A.}, {dialogue: B.}]"
    assert once(text, ada) == TickResult(S, (Say("A."),))
    assert once("selector: [{has_item: jar}, {wait: 1}, {dialogue: B.}]", ada) == TickResult(
        R, (WAIT,)
    )
    assert once("selector: [{has_item: jar}, {has_flag: x}]", ada) == TickResult(F, ())


def test_sequence_stops_at_the_first_failure(ada: Villager) -> None:
    assert once("sequence: [{dialogue: A.}, {dialogue: B.}]", ada) == TickResult(
        S, (Say("A."), Say("B."))
    )
    assert once("sequence: [{dialogue: A.}, {has_item: jar}, {dialogue: B.}]", ada) == TickResult(
        F, (Say("A."),)
    )
    assert once("sequence: [{dialogue: A.}, {wait: 1}, {dialogue: B.}]", ada) == TickResult(
        R, (Say("A."), WAIT)
    )


def test_decorators(ada: Villager) -> None:
    assert once("inverter: {has_item: jar}", ada).status == S
    assert once("inverter: {dialogue: A.}", ada) == TickResult(F, (Say("A."),))
    assert once("inverter: {wait: 1}", ada).status == R
    assert once("succeeder: {has_item: jar}", ada).status == S
    assert once("succeeder: {wait: 1}", ada).status == R
    # A repeater runs its child once a turn, and succeeds after the last run.
    bell = tree("repeater: {times: 3, child: {dialogue: Bong.}}")
    assert run(bell, ada, 4) == [
        TickResult(R, (Say("Bong."),)),
        TickResult(R, (Say("Bong."),)),
        TickResult(S, (Say("Bong."),)),
        TickResult(R, (Say("Bong."),)),  # the tree starts over
    ]
    failing = tree("repeater: {times: 3, child: {sequence: [{dialogue: Bong.}, {has_flag: go}]}}")
    assert statuses(run(failing, ada, 1)) == [F]


def test_parallel_all_and_one(ada: Villager) -> None:
    both = tree("parallel: {policy: all, children: [{wait: 1}, {wait: 2}, {dialogue: Go.}]}")
    assert run(both, ada, 3) == [
        TickResult(R, (WAIT, WAIT, Say("Go."))),
        TickResult(R, (WAIT,)),  # the first wait is over; "Go." is not said again
        TickResult(S, ()),
    ]
    assert once("parallel: {children: [{wait: 1}, {has_item: jar}]}", ada) == TickResult(F, (WAIT,))
    first = tree("parallel: {policy: one, children: [{wait: 1}, {wait: 3}]}")
    assert statuses(run(first, ada, 2)) == [R, S]
    assert ada.memory == {"#": first.digest}  # the slower wait was reset
    assert (
        once("parallel: {policy: one, children: [{has_item: a}, {has_item: b}]}", ada).status == F
    )
    none_yet = tree(
        "parallel: {policy: one, children: [{sequence: [{wait: 1}, {has_item: a}]}, {wait: 3}]}"
    )
    assert statuses(run(none_yet, ada, 4)) == [R, R, R, S]


# ---- across turns -------------------------------------------------------------------------


def test_move_to_runs_until_there_then_the_sequence_goes_on(ada: Villager) -> None:
    walk_in = tree("sequence: [{move_to: the hut}, {dialogue: Home.}]")
    results = run(walk_in, ada, 4)
    # (5, 1) -> (5, 2) -> (5, 3) -> the door (4, 3), inside the hut: three steps.
    assert results == [
        TickResult(R, (MoveTo("the hut"),)),
        TickResult(R, (MoveTo("the hut"),)),
        TickResult(R, (MoveTo("the hut"),)),
        TickResult(S, (Say("Home."),)),
    ]
    assert ada.position == (4, 3)
    to_tile = tree("move_to: [10, 6]")
    results = run(to_tile, ada, 20)
    assert results[-1] == TickResult(S, ()) and ada.position == (10, 6)
    assert statuses(results).count(R) == 9  # the shortest way round the pond


def test_move_to_a_landmark_no_one_can_stand_in_stops_at_its_spot(ada: Villager) -> None:
    results = run(tree("move_to: the pond"), ada, 12)
    spot = ada.world.grid.landmark_named("the pond").spot  # type: ignore[union-attr]
    assert ada.position == spot and S in statuses(results)


def test_move_to_gives_up_when_the_villager_cannot_move(ada: Villager) -> None:
    # Bjorn stands on (6, 1), next to Ada: she cannot stand there, but she is beside it.
    beside = tree("move_to: [6, 1]")
    assert statuses(run(beside, ada, STUCK_TURNS + 1)) == [R] * STUCK_TURNS + [S]
    # Nobody can walk into the pond's water: she never moves, and fails.
    ada.memory.clear()
    water = tree("move_to: [7, 4]")
    assert statuses(run(water, ada, STUCK_TURNS + 1)) == [R] * STUCK_TURNS + [F]
    assert ada.position == (5, 1)
    assert once("move_to: the mill", ada) == TickResult(F, ())  # no such place


def test_wait_runs_for_its_turns_then_succeeds(ada: Villager) -> None:
    results = run(tree("sequence: [{wait: 3}, {dialogue: Done.}]"), ada, 5)
    assert results == [
        TickResult(R, (WAIT,)),
        TickResult(R, (WAIT,)),
        TickResult(R, (WAIT,)),
        TickResult(S, (Say("Done."),)),
        TickResult(R, (WAIT,)),
    ]


def test_a_sequence_does_not_repeat_what_it_did_but_checks_its_guards_each_turn(
    ada: Villager,
) -> None:
    ada.phase = "night"
    vigil = tree("""
    sequence:
      - time_of_day: night
      - dialogue: To the pond.
      - wait: 3
      - dialogue: Nothing tonight.
    """)
    results = run(vigil, ada, 2)
    assert results == [TickResult(R, (Say("To the pond."), WAIT)), TickResult(R, (WAIT,))]
    ada.phase = "dawn"  # the guard fails: the sequence fails, and its wait is reset
    assert run(vigil, ada, 1) == [TickResult(F, ())]
    assert ada.memory == {"#": vigil.digest}
    ada.phase = "night"
    assert statuses(run(vigil, ada, 4)) == [R, R, R, S]


def test_a_higher_branch_that_comes_true_wins_and_resets_the_running_one(
    ada: Villager,
) -> None:
    patrol = tree("""
    selector:
      - sequence: [{has_flag: fire}, {dialogue: Fire!}]
      - sequence: [{wait: 3}, {dialogue: All quiet.}]
    """)
    assert statuses(run(patrol, ada, 2)) == [R, R]
    ada.flags["fire"] = True
    assert run(patrol, ada, 1) == [TickResult(S, (Say("Fire!"),))]
    del ada.flags["fire"]
    # The wait starts again from nothing: three more turns, not one.
    assert statuses(run(patrol, ada, 4)) == [R, R, R, S]


def test_a_flag_set_by_the_tree_is_seen_from_the_next_turn(ada: Villager) -> None:
    once_only = tree("""
    selector:
      - has_flag: greeted
      - sequence: [{dialogue: Welcome!}, {set_flag: {flag: greeted}}]
    """)
    results = run(once_only, ada, 3)
    assert results == [
        TickResult(S, (Say("Welcome!"), SetFlag("greeted", True))),
        TickResult(S, ()),
        TickResult(S, ()),
    ]


# ---- saving what is carried over ----------------------------------------------------------

ROUNDS = """
selector:
  - sequence:
      - time_of_day: night
      - move_to: the pond
      - repeater: {times: 2, child: {sequence: [{dialogue: Hm.}, {wait: 2}]}}
  - sequence:
      - move_to: [10, 6]
      - parallel: {policy: all, children: [{wait: 2}, {dialogue: Quiet.}]}
      - move_to: the hut
      - wait: 1
"""


def test_a_tree_restored_mid_walk_goes_on_as_if_never_saved(tiny_content: Content) -> None:
    def village() -> Villager:
        return Villager(build_world(tiny_content), "Ada")

    def night_at(turn: int) -> str:
        return "night" if 14 <= turn < 24 else "day"

    straight, saved = village(), village()
    rounds = tree(ROUNDS)
    expected = []
    for turn in range(40):
        straight.phase = night_at(turn)
        result = rounds.tick(straight)
        straight.carry_out(result)
        expected.append(result)
    assert {R, S} <= set(statuses(expected))
    got = []
    for turn in range(40):
        if turn % 3 == 1:  # saved and loaded, as a file and by a new tree object
            saved.memory = json.loads(json.dumps(saved.memory))
            rounds = tree(ROUNDS)
        saved.phase = night_at(turn)
        result = rounds.tick(saved)
        saved.carry_out(result)
        got.append(result)
    assert got == expected
    assert saved.position == straight.position


def test_memory_written_for_another_tree_is_dropped(ada: Villager) -> None:
    waiting = tree("wait: 5")
    run(waiting, ada, 2)
    other = tree("sequence: [{wait: 5}, {dialogue: Changed.}]")
    # Whatever it says about the old tree's nodes, the new tree starts afresh.
    assert statuses(run(other, ada, 6)) == [R] * 5 + [S]


# ---- the player presses Enter ------------------------------------------------------------


def test_interaction_gives_the_dialogue_and_leaves_the_walk_alone(ada: Villager) -> None:
    ada.items["jar"] = 1
    both = tree("""
    selector:
      - sequence:
          - has_item: jar
          - dialogue: A jar! Just what I needed.
          - set_flag: {flag: jar_given}
          - look_at: player
      - move_to: [10, 6]
    """)
    del ada.items["jar"]
    run(both, ada, 2)  # walking
    walking = json.loads(json.dumps(ada.memory))
    assert both.interact(ada).dialogue is None  # nothing to say: the brain answers
    ada.items["jar"] = 1
    answer = both.interact(ada)
    assert answer.dialogue == Say("A jar! Just what I needed.")
    assert answer.actions == (SetFlag("jar_given", True), LookAt(PLAYER_NAME))
    assert ada.memory == walking  # the walk goes on where it was


def test_interaction_joins_several_lines_into_one_exchange(ada: Villager) -> None:
    chat = tree("""
    sequence:
      - dialogue: Oh, hello.
      - wait: 2
      - dialogue: {exchange: [{who: player, text: Hello!}, {who: self, text: Bye.}]}
    """)
    answer = chat.interact(ada)
    assert answer.dialogue == Say("Oh, hello.")  # the wait is running: the rest waits
    assert answer.actions == ()
    talk = tree("""
    sequence:
      - dialogue: Oh, hello.
      - dialogue: {exchange: [{who: player, text: Hello!}, {who: self, text: Bye.}]}
      - emit_event: greeted
    """)
    answer = talk.interact(ada)
    assert answer.dialogue == Exchange(
        (Line("Ada", "Oh, hello."), Line(PLAYER_NAME, "Hello!"), Line("Ada", "Bye."))
    )
    assert answer.actions == (EmitEvent("greeted"),)


def test_modes_say_when_a_tree_runs() -> None:
    spec = parse_tree({"modes": ["on_interaction"], "root": {"dialogue": "Hi."}})
    only_talk = compile_tree(spec, "Ada")
    assert (only_talk.continuous, only_talk.on_interaction) == (False, True)


# ---- any tree, any turns: what is carried over is all there is ----------------------------

LEAVES = [
    {"has_item": "jar"},
    {"has_flag": "lit"},
    {"time_of_day": "night"},
    {"at_location": {"place": "the hut", "radius": 1}},
    {"quest_stage": {"quest": "q", "stage": "s", "state": "active"}},
    {"dialogue": "Hm."},
    {"move_to": "the hut"},
    {"move_to": [10, 6]},
    {"move_to": [7, 4]},  # water: the walk gives up
    {"wait": 1},
    {"wait": 2},
    {"set_flag": {"flag": "lit"}},
    {"set_flag": {"flag": "lit", "value": False}},
    {"emit_event": "e"},
]


def _nodes() -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        many = st.lists(inner, min_size=1, max_size=4)
        return st.one_of(
            many.map(lambda c: {"selector": c}),
            many.map(lambda c: {"sequence": c}),
            st.tuples(st.sampled_from(["all", "one"]), many).map(
                lambda p: {"parallel": {"policy": p[0], "children": p[1]}}
            ),
            inner.map(lambda c: {"inverter": c}),
            inner.map(lambda c: {"succeeder": c}),
            st.tuples(st.integers(1, 3), inner).map(
                lambda p: {"repeater": {"times": p[0], "child": p[1]}}
            ),
        )

    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=12)


WORLD_CHANGES = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=30
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(root=_nodes(), changes=WORLD_CHANGES, data=st.data())
def test_any_tree_saved_at_any_turn_goes_on_the_same(
    tiny_content: Content,
    root: dict[str, Any],
    changes: list[tuple[bool, ...]],
    data: st.DataObject,
) -> None:
    spec = parse_tree({"modes": ["continuous"], "root": root})
    saves = data.draw(st.sets(st.integers(0, len(changes) - 1)))
    straight = Villager(build_world(tiny_content), "Ada")
    saved = Villager(build_world(tiny_content), "Ada")
    plain, restored = compile_tree(spec, "Ada"), compile_tree(spec, "Ada")
    for turn, (jar, night, active, lit) in enumerate(changes):
        for who in (straight, saved):
            who.items = {"jar": 1} if jar else {}
            who.phase = "night" if night else "day"
            who.quests = {("q", "s", None): "active" if active else "completed"}
            if lit:
                who.flags["lit"] = "yes"
        if turn in saves:
            saved.memory = json.loads(json.dumps(saved.memory))
            restored = compile_tree(spec, "Ada")
        a, b = plain.tick(straight), restored.tick(saved)
        assert a == b
        straight.carry_out(a)
        saved.carry_out(b)
        if a.status != R:  # a finished tree carries nothing over
            assert straight.memory == {"#": plain.digest}


# ---- whatever a file holds -----------------------------------------------------------------

YAML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 60)
    | st.floats(allow_nan=False)
    | st.sampled_from(list(KINDS) + ["children", "policy", "times", "child", "item", "flag"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(list(KINDS)) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(root=YAML_VALUES, modes=YAML_VALUES)
def test_anything_in_a_file_is_a_tree_or_problems_on_one_line_each(root: Any, modes: Any) -> None:
    try:
        spec = parse_tree({"modes": modes, "root": root})
    except TreeError as error:
        assert error.problems
        for where, what in error.problems:
            assert where.startswith("tree") and what
            assert "\n" not in where + what
        return
    tree = compile_tree(spec, "Ada")  # what parses, compiles
    assert tree.spec is spec
