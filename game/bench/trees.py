"""Behaviour trees: every continuous tree of 1,000 villagers ticked once, per turn.

Each villager has a tree of 12 nodes, 4 deep, in one of four shapes a game-maker would
write (a night walker, a quest giver, a worker, a patrol), each with its own landmarks,
items, flags and quests, read from the same mapping a villager's file holds and compiled
as the game compiles it. They live on the generated 200 x 200 map with its real landmarks;
the day goes round at 10 minutes a turn from 16:00, so dusk and night come, and each turn
some villagers' items, flags and quests change.

Only the ticks are timed. Between turns the actions are carried out cheaply (a MoveTo
is one step straight at the target, walls ignored; a SetFlag sets the flag): paths cost
what they cost in ``sim_scale``, not here.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from game.bench.stats import Figure, median, ms, percentile
from game.bench.worlds import generated_map, walkable_tiles
from game.story.tree_models import NodeSpec, children, parse_tree, walk
from game.story.trees import BehaviourTree, MoveTo, SetFlag, Status, compile_tree
from game.world import Grid, Landmark

TARGET = 0.010  # seconds per turn, 1,000 villagers
VILLAGERS = 1000
MINUTES_PER_TURN = 10
START_MINUTES = 16 * 60
ITEMS = ("jar", "iron_key", "bread", "lantern", "crank")
QUESTS = ("festival_bell", "sluice", "lost_cat")


def phase_at(minutes: int) -> str:
    """As story.md has it: dawn 05-08, day 08-18, dusk 18-21, night 21-05."""
    hour = minutes // 60 % 24
    if 5 <= hour < 8:
        return "dawn"
    if 8 <= hour < 18:
        return "day"
    if 18 <= hour < 21:
        return "dusk"
    return "night"


@dataclass(slots=True)
class Villager:
    """A tree's view of one villager, as plain data (what the simulation would hand it)."""

    name: str
    position: tuple[int, int]
    places: dict[str, Landmark]
    phase: str = "day"
    items: dict[str, int] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)
    quests: dict[tuple[str, str, str | None], str] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    def has_item(self, item: str) -> int:
        return self.items.get(item, 0)

    def flag(self, name: str) -> Any:
        return self.flags.get(name)

    def quest_state(self, quest: str, stage: str, node: str | None) -> str:
        return self.quests.get((quest, stage, node), "inactive")

    def place_distance(self, place: str) -> int | None:
        landmark = self.places.get(place)
        if landmark is None:
            return None
        pos = self.position
        if landmark.contains(pos) or pos == landmark.spot:
            return 0
        return max(1, landmark.distance_to(pos))


def shapes(
    rng: random.Random, landmarks: list[str], tiles: list[tuple[int, int]]
) -> list[dict[str, Any]]:
    """The four trees, with this villager's own places, items, flags and quests in them."""
    a, b, c = rng.sample(landmarks, 3)
    item = rng.choice(ITEMS)
    quest = rng.choice(QUESTS)
    flag = f"{item}_{rng.randrange(50)}"
    tile = list(rng.choice(tiles))
    night_walker = {
        "selector": [
            {"sequence": [{"time_of_day": ["dusk", "night"]}, {"move_to": a}, {"wait": 2}]},
            {
                "sequence": [
                    {"has_item": {"item": item, "count": 1}},
                    {"inverter": {"has_flag": {"flag": flag, "value": "done"}}},
                    {"dialogue": "I have just the thing."},
                    {"set_flag": {"flag": flag, "value": "done"}},
                ]
            },
            {"move_to": tile},
        ]
    }
    quest_giver = {
        "selector": [
            {
                "sequence": [
                    {
                        "quest_stage": {
                            "quest": quest,
                            "stage": "start",
                            "node": "ask",
                            "state": "active",
                        }
                    },
                    {"at_location": {"place": b, "radius": 2}},
                    {
                        "dialogue": {
                            "exchange": [
                                {"who": "self", "text": "Have you found it?"},
                                {"who": "player", "text": "Not yet."},
                            ]
                        }
                    },
                ]
            },
            {
                "sequence": [
                    {"inverter": {"time_of_day": "day"}},
                    {"move_to": b},
                    {"look_at": "player"},
                ]
            },
            {"repeater": {"times": 3, "child": {"wait": 1}}},
        ]
    }
    worker = {
        "sequence": [
            {"has_item": {"item": item, "count": 1}},
            {
                "selector": [
                    {"sequence": [{"has_flag": flag}, {"move_to": c}]},
                    {"move_to": tile},
                ]
            },
            {
                "parallel": {
                    "policy": "all",
                    "children": [{"wait": 2}, {"emit_event": f"{item}_used"}],
                }
            },
            {"set_flag": {"flag": flag, "value": False}},
            {"look_at": c},
        ]
    }
    patrol = {
        "selector": [
            {"sequence": [{"has_flag": "alarm"}, {"dialogue": "Fire! Fire!"}, {"move_to": a}]},
            {
                "sequence": [
                    {"move_to": b},
                    {"wait": 2},
                    {"inverter": {"has_flag": {"flag": flag, "value": True}}},
                    {"move_to": c},
                ]
            },
            {"wait": 1},
        ]
    }
    return [night_walker, quest_giver, worker, patrol]


def depth(node: NodeSpec) -> int:
    return 1 + max((depth(child) for child in children(node)), default=0)


def village(count: int, seed: int = 0) -> tuple[list[Villager], list[BehaviourTree], float]:
    """``count`` villagers on the generated map with their compiled trees, and the seconds
    compiling took (parsing not counted)."""
    rng = random.Random(seed)
    spec = generated_map(200, 200, seed=seed)
    grid = Grid.from_spec(spec)
    places = {lm.name: lm for lm in grid.landmarks}
    names = sorted(places)
    tiles = walkable_tiles(spec)
    spawns = rng.sample(tiles, count)
    people: list[Villager] = []
    specs = []
    for i in range(count):
        root = shapes(rng, names, tiles)[i % 4]
        tree = parse_tree({"modes": ["continuous"], "root": root})
        assert sum(1 for _ in walk(tree.root)) == 12 and depth(tree.root) == 4
        specs.append(tree)
        people.append(Villager(f"V{i}", spawns[i], places))
    started = time.perf_counter()
    trees = [compile_tree(tree, person.name) for tree, person in zip(specs, people, strict=True)]
    return people, trees, time.perf_counter() - started


def change_the_world(people: list[Villager], rng: random.Random, turn: int) -> None:
    """A new turn: the clock moves; a few villagers gain or lose things, flags flip,
    quests move on."""
    phase = phase_at(START_MINUTES + turn * MINUTES_PER_TURN)
    for person in people:
        person.phase = phase
    for person in rng.sample(people, len(people) // 20):
        item = rng.choice(ITEMS)
        person.items[item] = rng.choice((0, 1, 2))
        person.flags["alarm"] = rng.random() < 0.1
        quest = rng.choice(QUESTS)
        person.quests[(quest, "start", "ask")] = rng.choice(("inactive", "active", "completed"))


def carry_out(person: Villager, actions: tuple[Any, ...]) -> None:
    for action in actions:
        if isinstance(action, MoveTo):
            target = action.target
            goal = person.places[target].spot if isinstance(target, str) else target
            x, y = person.position
            x += (goal[0] > x) - (goal[0] < x)
            y += (goal[1] > y) - (goal[1] < y) if x == person.position[0] else 0
            person.position = (x, y)
        elif isinstance(action, SetFlag):
            person.flags[action.flag] = action.value


def turn_times(
    count: int, warmup: int, turns: int, seed: int = 0
) -> tuple[list[float], dict[str, float], float]:
    """Seconds to tick every tree, for each of ``turns`` turns after ``warmup``; what the
    trees asked for; the seconds compiling took."""
    from game.heap import settle_after_startup, unsettle

    people, trees, compiling = village(count, seed)
    settle_after_startup()  # as the game does once the village is built
    rng = random.Random(seed + 1)
    pairs = list(zip(trees, people, strict=True))
    times: list[float] = []
    asked: Counter[str] = Counter()
    running = 0
    clock = time.perf_counter
    for turn in range(warmup + turns):
        change_the_world(people, rng, turn)
        started = clock()
        results = [tree.tick(person) for tree, person in pairs]
        elapsed = clock() - started
        if turn >= warmup:
            times.append(elapsed)
            running += sum(1 for r in results if r.status is Status.RUNNING)
            for result in results:
                asked.update(type(action).__name__ for action in result.actions)
        for (_, person), result in zip(pairs, results, strict=True):
            carry_out(person, result.actions)
    unsettle()
    ticks = count * turns
    mix = {f"{name}_per_tick": n / ticks for name, n in sorted(asked.items())}
    mix["running_share"] = running / ticks
    return times, mix, compiling


def run(quick: bool) -> list[Figure]:
    warmup, turns = (2, 10) if quick else (10, 150)
    times, mix, compiling = turn_times(VILLAGERS, warmup, turns)
    mid, p95 = median(times), percentile(times, 95)
    return [
        Figure(
            "behaviour trees, 1,000 villagers (12 nodes, 4 deep): median / p95 a turn",
            f"{ms(mid)} / {ms(p95)}",
            f"<= {ms(TARGET)}",
            p95 <= TARGET,
            {"median_s": mid, "p95_s": p95, "max_s": max(times), "turns": len(times), **mix},
        ),
        Figure(
            "behaviour trees: compiling 1,000 villagers' trees",
            ms(compiling),
            "(for comparison: once, at the start)",
            None,
            {"seconds": compiling},
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick=False):
        print(f"{figure.name}: {figure.measured} (target {figure.target})")
        print({k: round(v, 4) for k, v in figure.values.items()})
