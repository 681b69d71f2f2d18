"""Typed models of the story's content: items, quests (stages of beat nodes), and what
content may name (:class:`Known`), with the checks a quest needs beyond its own fields.

Every model validates one file on its own, as :mod:`game.content.models` does. The checks
that need the whole village (does this NPC exist? is that tile walkable?) take a
:class:`Known` and return ``(field, expectation)`` pairs; :mod:`game.content.loader`
turns them into ``file: field: expectation`` lines, gathering every one in one run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    model_validator,
)

from game.content.models import (
    Colour,
    Id,
    ItemPlacement,
    ItemStack,
    MapSpec,
    NpcSpec,
    Text,
    quoted,
)

__all__ = [
    "Action",
    "DialogueOverride",
    "FlagValue",
    "ItemFile",
    "ItemPlacement",
    "ItemSpec",
    "ItemStack",
    "Known",
    "NodeSpec",
    "Objective",
    "OnFlag",
    "PLAYER",
    "QuestSpec",
    "StageSpec",
    "graph_problems",
    "reference_problems",
]

#: Who the player is, where a quest names a giver or receiver (``give_item: {to: Player}``).
PLAYER = "Player"  # the same name game.world calls the player by

FieldProblem = tuple[str, str]  # (field, what was expected)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _flag_value(value: object) -> str | int | bool:
    """true/false, a whole number or a word. Read by hand, not as a union, so a wrong value
    gets one line saying what a flag may hold rather than one per kind it is not."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, str) and value.strip() and len(value) <= 200:
        return value.strip()
    raise ValueError(f"expected true, false, a whole number or a word, got {quoted(value)}")


FlagValue = Annotated[str | int | bool, PlainValidator(_flag_value)]
Pos = tuple[int, int]


def _place(value: object) -> str | Pos:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return (value[0], value[1])
    raise ValueError(f"expected a landmark's name or a tile [x, y], got {quoted(value)}")


#: A landmark's name, or a tile [x, y].
Place = Annotated[str | Pos, PlainValidator(_place)]
Count = Annotated[StrictInt, Field(ge=1, le=999)]


# ---- items -------------------------------------------------------------------------------


class ItemSpec(_Model):
    """One kind of item: ``{id: iron_key, name: old iron key, description: ..., colour: ...}``."""

    id: Id
    name: Text
    description: Text
    colour: Colour
    light: bool = False  # a lantern or a torch: whoever carries it glows at night


class ItemFile(_Model):
    """An item file written as a mapping: ``items: [...]`` (a bare list is read as this)."""

    items: list[ItemSpec]


# ---- quests: one key naming the kind ----------------------------------------------------


class _OneOf(_Model):
    """A mapping of exactly one key, which names its kind: ``{talk_to: Agnes}``."""

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data  # pydantic's own "expected a mapping"
        kinds = [f.alias or name for name, f in cls.model_fields.items()]
        choice = ", ".join(kinds)
        keys = list(data)
        unknown = [k for k in keys if k not in kinds]
        if unknown:
            guess = difflib.get_close_matches(str(unknown[0]), kinds, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            raise ValueError(f"expected one of {choice}, got {quoted(unknown[0])}{hint}")
        if len(keys) != 1:
            got = " and ".join(keys) if keys else "nothing"
            raise ValueError(f"expected exactly one of {choice}, got {got}")
        if data[keys[0]] is None:
            raise ValueError(f"expected a value after {keys[0]}:")
        return data

    @property
    def kind(self) -> str:
        """The one key given: ``talk_to``, ``move_npc``..."""
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)


class Bring(_Model):
    item: Id
    to: Text
    count: Count = 1


class Reach(_Model):
    place: Place
    radius: int = Field(default=0, ge=0, le=50)


class FlagIs(_Model):
    flag: Id
    value: FlagValue = True


class Objective(_OneOf):
    """What completes a node; exactly one of these."""

    talk_to: Text | None = None
    bring: Bring | None = None
    reach: Reach | None = None
    flag: FlagIs | None = None
    has_item: ItemStack | None = None


class MoveNpc(_Model):
    npc: Text
    to: Place


class GiveItem(_Model):
    to: Text
    item: Id
    count: Count = 1


class TakeItem(_Model):
    from_: Text = Field(alias="from")
    item: Id
    count: Count = 1


class Say(_Model):
    npc: Text
    text: Text


class Action(_OneOf):
    """What a node does when it becomes active (on_enter) or completes (on_complete)."""

    move_npc: MoveNpc | None = None
    give_item: GiveItem | None = None
    take_item: TakeItem | None = None
    set_flag: FlagIs | None = None
    start_quest: Id | None = None
    say: Say | None = None
    notice: Text | None = None


class DialogueOverride(_Model):
    """What ``npc`` says, instead of anything else, when the player talks to it while the
    node is active."""

    npc: Text
    lines: list[Text] = Field(min_length=1)


class NodeSpec(_Model):
    """A beat: one objective, the nodes of its stage it waits for, what it does."""

    id: Id
    objective: Objective
    text: Text
    after: list[Id] = Field(default_factory=list)
    dialogue: DialogueOverride | None = None
    on_enter: list[Action] = Field(default_factory=list)
    on_complete: list[Action] = Field(default_factory=list)


class StageSpec(_Model):
    id: Id
    title: Text
    nodes: list[NodeSpec] = Field(min_length=1)


class OnFlag(_Model):
    """``starts: {on_flag: bell_found}``: the quest starts when the flag is set (to
    ``value`` if given, else to anything but false, 0 or empty)."""

    on_flag: Id
    value: FlagValue | None = None


def _starts(value: object) -> str | OnFlag:
    if value in ("at_start", "manual"):
        return str(value)
    if isinstance(value, dict) and "on_flag" in value and set(value) <= {"on_flag", "value"}:
        try:
            return OnFlag.model_validate(value)
        except Exception:  # noqa: BLE001 - told as one line below
            pass
    raise ValueError(
        f"expected at_start, manual or {{on_flag: <flag>}} (a flag id, and optionally a "
        f"value), got {quoted(value)}"
    )


Starts = Annotated[Literal["at_start", "manual"] | OnFlag, PlainValidator(_starts)]


class QuestSpec(_Model):
    """One quest file: stages of beat nodes, played in order."""

    id: Id
    title: Text
    summary: Text
    starts: Starts
    stages: list[StageSpec] = Field(min_length=1)

    def node(self, node_id: str) -> tuple[int, NodeSpec] | None:
        """The stage index and node of ``node_id`` (node ids are unique in a quest)."""
        for i, stage in enumerate(self.stages):
            for node in stage.nodes:
                if node.id == node_id:
                    return i, node
        return None


# ---- what content may name -----------------------------------------------------------------


SHOWN_NAMES = 8  # names an "unknown X" line lists when none is close


def _unknown(what: str, name: str, choices: Iterable[str], where: str, within: str = "") -> str:
    """``unknown NPC 'Agns' (did you mean 'Agnes'?)``, else the names there are;
    ``within`` follows the name (``unknown node 'x' in stage the_key``)."""
    options = sorted(choices)
    what = f"{what} {quoted(name)}{within}"
    guess = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not guess:  # a different case reads as a typo too: "agnes"
        guess = [o for o in options if o.lower() == name.lower()][:1]
    if guess:
        return f"unknown {what} (did you mean {quoted(guess[0])}?)"
    if not options:
        return f"unknown {what} ({where} declares none)"
    listed = ", ".join(options[:SHOWN_NAMES])
    if len(options) > SHOWN_NAMES:
        listed += f" and {len(options) - SHOWN_NAMES} more"
    return f"unknown {what} (known: {listed})"


@dataclass(frozen=True)
class Known:
    """Everything story content may name, gathered from the loaded content: for checking
    quests here, and the behaviour trees' conditions and actions in their own module.

    The ``*_problem`` methods return what is wrong with a name as a check's expectation
    ("unknown item 'iron_kye' (did you mean 'iron_key'?)"), or None when it is fine.
    """

    items: frozenset[str] = frozenset()
    quests: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    npcs: frozenset[str] = frozenset()
    landmarks: Mapping[str, str] = field(default_factory=dict)  # lower case -> as written
    # The map's rows of symbols and what each symbol is (kind, walkable); rows None when the
    # map is too broken to say, and then no tile is judged (the map's own problems are).
    rows: tuple[str, ...] | None = None
    legend: Mapping[str, tuple[str, bool]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        map_spec: MapSpec | None,
        npcs: Iterable[NpcSpec | str],
        items: Iterable[ItemSpec | str],
        quests: Iterable[QuestSpec],
    ) -> Known:
        """What the loaded pieces declare (a name alone stands for a file that did not load,
        so that its mistakes are not blamed on every file naming it)."""
        rows: tuple[str, ...] | None = None
        legend: dict[str, tuple[str, bool]] = {}
        landmarks: dict[str, str] = {}
        if map_spec is not None:
            rows = tuple(map_spec.rows)
            legend = {s: (e.kind, e.walkable) for s, e in map_spec.legend.items()}
            landmarks = {lm.name.lower(): lm.name for lm in map_spec.landmarks}
        return cls(
            items=frozenset(i if isinstance(i, str) else i.id for i in items),
            quests={q.id: {s.id: tuple(n.id for n in s.nodes) for s in q.stages} for q in quests},
            npcs=frozenset(n if isinstance(n, str) else n.name for n in npcs),
            landmarks=landmarks,
            rows=rows,
            legend=legend,
        )

    @property
    def size(self) -> Pos:
        """(width, height) of the map: the width most rows have."""
        if not self.rows:
            return (0, 0)
        widths = [len(r) for r in self.rows]
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        return width, len(self.rows)

    def walkable(self, pos: Pos) -> bool:
        x, y = pos
        if not self.rows or not (0 <= y < len(self.rows)) or not (0 <= x < len(self.rows[y])):
            return False
        entry = self.legend.get(self.rows[y][x])
        return entry is not None and entry[1]

    def landmark(self, name: str) -> str | None:
        """The landmark's name as written in the map, matched ignoring case (as the world
        finds landmarks), or None."""
        return self.landmarks.get(name.strip().lower())

    def tile_problem(self, pos: Pos) -> str | None:
        if self.rows is None:
            return None
        x, y = pos
        width, height = self.size
        row = self.rows[y] if 0 <= y < height else ""
        if not (0 <= y < height and 0 <= x < max(width, len(row))):
            return f"tile ({x}, {y}) is outside the {width}x{height} map"
        entry = self.legend.get(row[x]) if x < len(row) else None
        if entry is not None and not entry[1]:
            return f"tile ({x}, {y}) is {entry[0]}, not walkable"
        return None

    def place_problem(self, place: str | Pos) -> str | None:
        if isinstance(place, tuple):
            return self.tile_problem(place)
        if self.landmark(place) is None:
            return _unknown("landmark", place, self.landmarks.values(), "the map")
        return None

    def npc_problem(self, name: str, *, player: bool = False) -> str | None:
        """``player``: the player may be meant too (``give_item: {to: Player}``)."""
        if name in self.npcs or (player and name == PLAYER):
            return None
        who = "NPC or Player" if player else "NPC"
        return _unknown(who, name, self.npcs | ({PLAYER} if player else set()), "npcs/")

    def item_problem(self, item: str) -> str | None:
        return None if item in self.items else _unknown("item", item, self.items, "items/")

    def quest_problem(self, quest: str) -> str | None:
        return None if quest in self.quests else _unknown("quest", quest, self.quests, "quests/")

    def node_problem(self, quest: str, stage: str, node: str | None = None) -> str | None:
        """What is wrong with naming ``quest``'s ``stage`` (and ``node`` in it)."""
        if (problem := self.quest_problem(quest)) is not None:
            return problem
        stages = self.quests[quest]
        if stage not in stages:
            return _unknown("stage", stage, stages, quest, f" in quest {quest}")
        if node is not None and node not in stages[stage]:
            return _unknown("node", node, stages[stage], stage, f" in stage {stage}")
        return None


# ---- a quest's checks ----------------------------------------------------------------------


def graph_problems(quest: QuestSpec) -> list[FieldProblem]:
    """Within one quest: ids given twice, ``after`` naming what is not a node of its stage,
    nodes that wait for each other in a circle, and nodes (and stages) no path reaches."""
    problems: list[FieldProblem] = []
    first_stage: dict[str, int] = {}
    first_node: dict[str, str] = {}
    stage_of: dict[str, str] = {}
    for i, stage in enumerate(quest.stages):
        if stage.id in first_stage:
            also = f"stages[{first_stage[stage.id]}]"
            problems.append((f"stages[{i}].id", f"{quoted(stage.id)} is also the id of {also}"))
        first_stage.setdefault(stage.id, i)
        for j, node in enumerate(stage.nodes):
            here = f"stages[{i}].nodes[{j}]"
            if node.id in first_node:
                problems.append(
                    (
                        f"{here}.id",
                        f"{quoted(node.id)} is also the id of {first_node[node.id]}: a node "
                        "id must be unique in its quest",
                    )
                )
            else:
                first_node[node.id] = here
                stage_of[node.id] = stage.id
    never: str | None = None  # why the first stage that cannot complete cannot
    for i, stage in enumerate(quest.stages):
        stage_problems, stuck = _stage_graph(stage, i, stage_of)
        problems += stage_problems
        if never is not None:
            later = [s.id for s in quest.stages[i:]]
            problems.append(
                (
                    f"stages[{i}]",
                    f"{'stages' if len(later) > 1 else 'stage'} "
                    f"{', '.join(quoted(s) for s in later)} can never start: {never}",
                )
            )
            break
        if stuck:
            never = (
                f"stage {quoted(stage.id)} never completes, as its node {quoted(stuck)} "
                "never becomes active"
            )
    return problems


def _stage_graph(
    stage: StageSpec, index: int, stage_of: Mapping[str, str]
) -> tuple[list[FieldProblem], str | None]:
    """One stage's ``after`` problems, and a node of it that can never become active."""
    problems: list[FieldProblem] = []
    ids = [n.id for n in stage.nodes]
    at = {node_id: j for j, node_id in reversed(list(enumerate(ids)))}  # first of a twice-given id
    waits: dict[str, list[str]] = {node_id: [] for node_id in ids}
    broken: set[str] = set()  # nodes that wait for something that is not a node here
    for j, node in enumerate(stage.nodes):
        for k, name in enumerate(node.after):
            where = f"stages[{index}].nodes[{j}].after[{k}]"
            if name in at:
                waits[node.id].append(name)
                continue
            broken.add(node.id)
            if name in stage_of:
                said = (
                    f"{quoted(name)} is a node of stage {quoted(stage_of[name])}: after names "
                    "nodes of its own stage (a stage starts once the one before completes)"
                )
            else:
                said = _unknown("node", name, ids, "this stage", f" in stage {stage.id}")
            problems.append((where, said))
    in_cycle: set[str] = set()
    for cycle in _cycles(ids, waits):
        in_cycle.update(cycle)
        path = " -> ".join([*cycle, cycle[0]])
        names = ", ".join(quoted(n) for n in cycle)
        problems.append(
            (
                f"stages[{index}].nodes[{at[cycle[0]]}].after",
                f"nodes {names} wait for each other in a circle ({path}): none of them can "
                "ever become active",
            )
        )
    # A node can become active when every node it waits for can complete: spread "never"
    # from the circles and the broken nodes to everything that waits for them.
    waited_by: dict[str, list[str]] = {node_id: [] for node_id in ids}
    for node_id, needs in waits.items():
        for m in needs:
            waited_by[m].append(node_id)
    blocker: dict[str, str | None] = dict.fromkeys(sorted(in_cycle | broken, key=at.__getitem__))
    queue = list(blocker)
    while queue:
        m = queue.pop()
        for node_id in waited_by[m]:
            if node_id not in blocker:
                blocker[node_id] = m
                queue.append(node_id)
    stuck = min(blocker, key=at.__getitem__) if blocker else None
    for j, node_id in enumerate(ids):
        waited_for = blocker.get(node_id)
        if waited_for is None or at[node_id] != j:
            continue  # fine, or said above (a circle, a wrong after, an id given twice)
        problems.append(
            (
                f"stages[{index}].nodes[{j}]",
                f"node {quoted(node_id)} can never become active: it waits for "
                f"{quoted(waited_for)}, which never can",
            )
        )
    return problems, stuck


def _cycles(ids: list[str], waits: Mapping[str, list[str]]) -> list[list[str]]:
    """Each circle of waiting (a strongly connected part of more than one node, or a node
    waiting for itself), as one path round it, in the nodes' order in the file."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan's, iteratively: a stage may be long
        work = [(start, iter(waits[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(waits[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    part = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == node:
                            break
                    if len(part) > 1 or node in waits[node]:
                        parts.append(part)

    for node_id in ids:
        if node_id not in index:
            visit(node_id)
    order = {node_id: i for i, node_id in reversed(list(enumerate(ids)))}
    cycles = []
    for part in parts:
        members = set(part)
        start = min(part, key=order.__getitem__)
        path = [start]
        while True:  # follow the first edge that stays inside the part, round to a repeat
            nxt = next(m for m in waits[path[-1]] if m in members)
            if nxt in path:
                path = path[path.index(nxt) :]
                break
            path.append(nxt)
        cycles.append(path)
    return sorted(cycles, key=lambda c: order[c[0]])


def reference_problems(quest: QuestSpec, known: Known) -> list[FieldProblem]:
    """Everything ``quest`` names that the village does not have: NPCs, items, landmarks,
    tiles, quests."""
    problems: list[FieldProblem] = []

    def check(where: str, problem: str | None) -> None:
        if problem is not None:
            problems.append((where, problem))

    for i, stage in enumerate(quest.stages):
        for j, node in enumerate(stage.nodes):
            here = f"stages[{i}].nodes[{j}]"
            goal = node.objective
            if goal.talk_to is not None:
                check(f"{here}.objective.talk_to", known.npc_problem(goal.talk_to))
            if goal.bring is not None:
                check(f"{here}.objective.bring.item", known.item_problem(goal.bring.item))
                check(f"{here}.objective.bring.to", known.npc_problem(goal.bring.to))
            if goal.reach is not None:
                check(f"{here}.objective.reach.place", known.place_problem(goal.reach.place))
            if goal.has_item is not None:
                check(f"{here}.objective.has_item.item", known.item_problem(goal.has_item.item))
            if node.dialogue is not None:
                check(f"{here}.dialogue.npc", known.npc_problem(node.dialogue.npc))
            for kind in ("on_enter", "on_complete"):
                for k, action in enumerate(getattr(node, kind)):
                    for sub, problem in _action_problems(action, known):
                        check(f"{here}.{kind}[{k}].{sub}", problem)
    return problems


def _action_problems(action: Action, known: Known) -> list[tuple[str, str | None]]:
    kind = action.kind
    if action.move_npc is not None:
        move = action.move_npc
        return [
            ("move_npc.npc", known.npc_problem(move.npc)),
            ("move_npc.to", known.place_problem(move.to)),
        ]
    if action.give_item is not None:
        give = action.give_item
        return [
            ("give_item.to", known.npc_problem(give.to, player=True)),
            ("give_item.item", known.item_problem(give.item)),
        ]
    if action.take_item is not None:
        take = action.take_item
        return [
            ("take_item.from", known.npc_problem(take.from_, player=True)),
            ("take_item.item", known.item_problem(take.item)),
        ]
    if action.start_quest is not None:
        return [("start_quest", known.quest_problem(action.start_quest))]
    if action.say is not None:
        return [("say.npc", known.npc_problem(action.say.npc))]
    assert kind in ("set_flag", "notice")  # noqa: S101 - names nothing of the village
    return []
