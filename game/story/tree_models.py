"""Behaviour trees as a villager's file writes them: parsed, typed, and checked.

A tree is ``{modes: [...], root: <node>}`` and every node is a one-key mapping
``{kind: argument}`` (story.md has the shape). :func:`parse_tree` reads the YAML data into
frozen node specs and reports *every* wrong node at once, each under the path to it
(``tree.root.selector[0].sequence[1]``), as the content loader names fields.
:func:`tree_problems` then checks what one file cannot know alone: that items, quests,
landmarks and villagers exist, and that tiles lie on the map.

The runtime (:mod:`game.story.trees`) compiles a :class:`TreeSpec`; nothing here ticks.
This module imports nothing of the content package, so the loader may import it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from game.content.models import field_name, quoted

Loc = tuple[str | int, ...]
Tile = tuple[int, int]
Place = str | Tile  # a landmark's name or a tile [x, y]
FlagValue = str | int | bool  # as the quests' flags: true, false, a whole number or a word
T = TypeVar("T")

PHASES: tuple[str, ...] = ("dawn", "day", "dusk", "night")
MODES: tuple[str, ...] = ("continuous", "on_interaction")
POLICIES: tuple[str, ...] = ("all", "one")
STATES: tuple[str, ...] = ("inactive", "active", "completed")
MAX_DEPTH = 40  # nodes inside nodes; deeper is a mistake, and would strain the recursion


# ---- node specs ----------------------------------------------------------------------
# Each records ``at``: the path to it in the file, for the problems found later.


@dataclass(frozen=True)
class SelectorSpec:
    """Tries its children in order; the first that does not fail is its result."""

    children: tuple[NodeSpec, ...]
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class SequenceSpec:
    """Runs its children in order; fails at the first that fails."""

    children: tuple[NodeSpec, ...]
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class ParallelSpec:
    """Runs every child each turn. ``all``: succeeds when all have, fails when one does;
    ``one``: succeeds when one has, fails when all have failed."""

    policy: str
    children: tuple[NodeSpec, ...]
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class InverterSpec:
    child: NodeSpec
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class RepeaterSpec:
    """Runs its child ``times`` times, one run a turn; fails when the child fails."""

    times: int
    child: NodeSpec
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class SucceederSpec:
    child: NodeSpec
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class QuestStageSpec:
    quest: str
    stage: str
    node: str | None
    state: str
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class HasItemSpec:
    item: str
    count: int = 1
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class HasFlagSpec:
    """With a value: the flag holds exactly it. Without: the flag is set, and not false."""

    flag: str
    value: FlagValue | None = None
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class TimeOfDaySpec:
    phases: tuple[str, ...]
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class AtLocationSpec:
    place: Place
    radius: int = 0
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class LineSpec:
    """One line of scripted dialogue: ``who`` is ``self``, ``player`` or a villager's name."""

    who: str
    text: str


@dataclass(frozen=True)
class DialogueSpec:
    """A line (``exchange`` False, one line by ``self``) or a short scripted exchange."""

    lines: tuple[LineSpec, ...]
    exchange: bool = False
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class MoveToSpec:
    place: Place
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class WaitSpec:
    turns: int
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class LookAtSpec:
    target: Place  # a villager, ``player``, a landmark, or a tile
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class SetFlagSpec:
    flag: str
    value: FlagValue = True
    at: Loc = field(default=(), compare=False)


@dataclass(frozen=True)
class EmitEventSpec:
    name: str
    at: Loc = field(default=(), compare=False)


NodeSpec = (
    SelectorSpec
    | SequenceSpec
    | ParallelSpec
    | InverterSpec
    | RepeaterSpec
    | SucceederSpec
    | QuestStageSpec
    | HasItemSpec
    | HasFlagSpec
    | TimeOfDaySpec
    | AtLocationSpec
    | DialogueSpec
    | MoveToSpec
    | WaitSpec
    | LookAtSpec
    | SetFlagSpec
    | EmitEventSpec
)

CONTROLS = (SelectorSpec, SequenceSpec, ParallelSpec)
DECORATORS = (InverterSpec, RepeaterSpec, SucceederSpec)
CONDITIONS = (QuestStageSpec, HasItemSpec, HasFlagSpec, TimeOfDaySpec, AtLocationSpec)
ACTIONS = (DialogueSpec, MoveToSpec, WaitSpec, LookAtSpec, SetFlagSpec, EmitEventSpec)


@dataclass(frozen=True)
class TreeSpec:
    """A villager's behaviour tree: when it is evaluated (``modes``) and what it does."""

    modes: tuple[str, ...]
    root: NodeSpec
    at: Loc = field(default=("tree",), compare=False)


def children(node: NodeSpec) -> tuple[NodeSpec, ...]:
    """The nodes directly under ``node`` (none under a condition or an action)."""
    if isinstance(node, CONTROLS):
        return node.children
    if isinstance(node, DECORATORS):
        return (node.child,)
    return ()


def walk(node: NodeSpec) -> Iterator[NodeSpec]:
    """``node`` and every node under it, parents before children, in file order."""
    yield node
    for child in children(node):
        yield from walk(child)


# ---- problems, as the loader words them -------------------------------------------



class TreeError(ValueError):
    """Every problem with a tree's shape: ``problems`` holds (field, expectation) pairs,
    such as ``("tree.root.sequence[1]", "unknown node kind 'wlak'; expected one of ...")``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{where}: {what}" for where, what in self.problems))


class _Invalid(Exception):
    """One argument is wrong; the parser records it and goes on with the next node."""


# ---- parsing ------------------------------------------------------------------------


class _Fields:
    """A node's argument mapping, read one field at a time: a wrong field is recorded and
    the rest are still read, so one run of --check reports them all."""

    def __init__(
        self,
        parser: _Parser,
        data: Mapping[Any, object],
        loc: Loc,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> None:
        self.data = data
        self.loc = loc
        self.wrong = False
        for name in data:
            if name not in required and name not in optional:
                parser.fail((*loc, str(name)), "unknown field (check the spelling)")
                self.wrong = True
        for name in required:
            if name not in data:
                parser.fail((*loc, name), "required field is missing")
                self.wrong = True

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str, read: Callable[[object, Loc], T], default: T) -> T:
        """The field read by ``read``; ``default`` if it is absent or wrong (and then
        :meth:`done` raises, so a stand-in never reaches a spec)."""
        if name not in self.data:
            return default
        try:
            return read(self.data[name], (*self.loc, name))
        except _Invalid:
            self.wrong = True
            return default

    def done(self) -> None:
        if self.wrong:
            raise _Invalid


class _Parser:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, loc: Loc, message: str) -> None:
        self.problems.append((field_name(loc), message))

    # -- values

    def text(self, value: object, loc: Loc) -> str:
        if not isinstance(value, str):
            self.fail(loc, f"expected text, got {quoted(value)}")
            raise _Invalid
        text = value.strip()
        if not text:
            self.fail(loc, "expected text, got an empty string")
            raise _Invalid
        return text

    def count(self, value: object, loc: Loc, least: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(loc, f"expected a whole number, got {quoted(value)}")
            raise _Invalid
        if value < least:
            self.fail(loc, f"expected a whole number of at least {least}, got {value}")
            raise _Invalid
        return value

    def tile(self, value: object, loc: Loc) -> Tile:
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            return (value[0], value[1])
        self.fail(loc, f"expected a pair [x, y], got {quoted(value)}")
        raise _Invalid

    def place(self, value: object, loc: Loc) -> Place:
        if isinstance(value, list):
            return self.tile(value, loc)
        if isinstance(value, str):
            return self.text(value, loc)
        self.fail(loc, f"expected a landmark's name or a tile [x, y], got {quoted(value)}")
        raise _Invalid

    def flag_value(self, value: object, loc: Loc) -> FlagValue:
        if isinstance(value, bool | int) or (isinstance(value, str) and value.strip()):
            return value.strip() if isinstance(value, str) else value
        self.fail(loc, f"expected true, false, a whole number or a word, got {quoted(value)}")
        raise _Invalid

    def choice(self, value: object, loc: Loc, allowed: tuple[str, ...]) -> str:
        if isinstance(value, str) and value.strip() in allowed:
            return value.strip()
        self.fail(loc, f"expected one of {', '.join(allowed)}, got {quoted(value)}")
        raise _Invalid

    def fields(
        self, value: object, loc: Loc, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> _Fields:
        """``value`` as a mapping with these fields, each missing or unknown one recorded."""
        if not isinstance(value, Mapping):
            shape = ", ".join((*required, *(f"{name}?" for name in optional)))
            self.fail(loc, f"expected a mapping {{{shape}}}, got {quoted(value)}")
            raise _Invalid
        return _Fields(self, value, loc, required, optional)

    def modes(self, value: object, loc: Loc) -> tuple[str, ...]:
        """One mode, or a list of them (each once)."""
        if isinstance(value, str):
            return (self.choice(value, loc, MODES),)
        if not isinstance(value, list) or not value:
            self.fail(loc, f"expected a list of {', '.join(MODES)}, got {quoted(value)}")
            raise _Invalid
        found = []
        for i, mode in enumerate(value):
            try:
                found.append(self.choice(mode, (*loc, i), MODES))
            except _Invalid:
                pass
        if len(found) < len(value):
            raise _Invalid
        return tuple(dict.fromkeys(found))

    # -- nodes

    def node(self, value: object, loc: Loc, depth: int = 0) -> NodeSpec:
        """One node; on a problem, records it (and those under it) and raises _Invalid."""
        if depth > MAX_DEPTH:
            self.fail(loc, f"nodes are nested more than {MAX_DEPTH} deep")
            raise _Invalid
        if not isinstance(value, Mapping) or len(value) != 1:
            if isinstance(value, Mapping) and value:
                kinds = ", ".join(quoted(str(k)) for k in value)
                self.fail(
                    loc,
                    f"expected one kind per node, got {len(value)} ({kinds}): give each its "
                    "own list item, under a sequence or selector",
                )
            else:
                self.fail(
                    loc,
                    "expected a node: a mapping of one kind to its argument, like "
                    f"{{wait: 2}} or {{move_to: the well}}, got {quoted(value)}",
                )
            raise _Invalid
        ((kind, arg),) = value.items()
        reader = _READERS.get(kind) if isinstance(kind, str) else None
        if reader is None:
            near = difflib.get_close_matches(str(kind), KINDS, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            self.fail(
                loc, f"unknown node kind {quoted(kind)}{hint}; expected one of {', '.join(KINDS)}"
            )
            raise _Invalid
        return reader(self, arg, (*loc, kind), depth)

    def nodes(self, value: object, loc: Loc, depth: int) -> tuple[NodeSpec, ...]:
        """A non-empty list of nodes: every item read, every problem among them recorded."""
        if not isinstance(value, list) or not value:
            self.fail(loc, f"expected a list of one or more nodes, got {quoted(value)}")
            raise _Invalid
        found: list[NodeSpec] = []
        wrong = False
        for i, item in enumerate(value):
            try:
                found.append(self.node(item, (*loc, i), depth + 1))
            except _Invalid:
                wrong = True
        if wrong:
            raise _Invalid
        return tuple(found)


# Stand-ins for wrong fields while the rest are read (never in a spec: done() raises).
_STAND_IN: NodeSpec = WaitSpec(1)
_NO_NODES: tuple[NodeSpec, ...] = ()
_NOWHERE: Place = ""
_TRUE: FlagValue = True


def _selector(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return SelectorSpec(p.nodes(arg, loc, depth), loc)


def _sequence(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return SequenceSpec(p.nodes(arg, loc, depth), loc)


def _parallel(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    f = p.fields(arg, loc, ("children",), ("policy",))
    policy = f.get("policy", lambda v, at: p.choice(v, at, POLICIES), "all")
    nodes = f.get("children", lambda v, at: p.nodes(v, at, depth), _NO_NODES)
    f.done()
    return ParallelSpec(policy, nodes, loc)


def _inverter(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return InverterSpec(p.node(arg, loc, depth + 1), loc)


def _succeeder(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return SucceederSpec(p.node(arg, loc, depth + 1), loc)


def _repeater(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    f = p.fields(arg, loc, ("times", "child"))
    times = f.get("times", lambda v, at: p.count(v, at, 1), 1)
    child = f.get("child", lambda v, at: p.node(v, at, depth + 1), _STAND_IN)
    f.done()
    return RepeaterSpec(times, child, loc)


def _quest_stage(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    f = p.fields(arg, loc, ("quest", "stage", "state"), ("node",))
    quest = f.get("quest", p.text, "")
    stage = f.get("stage", p.text, "")
    node = f.get("node", p.text, None)
    state = f.get("state", lambda v, at: p.choice(v, at, STATES), "")
    f.done()
    return QuestStageSpec(quest, stage, node, state, loc)


def _has_item(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    if isinstance(arg, str):  # has_item: iron_key
        return HasItemSpec(p.text(arg, loc), 1, loc)
    f = p.fields(arg, loc, ("item",), ("count",))
    item = f.get("item", p.text, "")
    count = f.get("count", lambda v, at: p.count(v, at, 1), 1)
    f.done()
    return HasItemSpec(item, count, loc)


def _has_flag(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    if isinstance(arg, str):  # has_flag: festival_started
        return HasFlagSpec(p.text(arg, loc), None, loc)
    f = p.fields(arg, loc, ("flag",), ("value",))
    flag = f.get("flag", p.text, "")
    value = f.get("value", p.flag_value, None)
    f.done()
    return HasFlagSpec(flag, value, loc)


def _time_of_day(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    if isinstance(arg, str):
        return TimeOfDaySpec((p.choice(arg, loc, PHASES),), loc)
    if not isinstance(arg, list) or not arg:
        p.fail(loc, f"expected a phase or a list of them ({', '.join(PHASES)}), got {quoted(arg)}")
        raise _Invalid
    phases = []
    for i, phase in enumerate(arg):
        try:
            phases.append(p.choice(phase, (*loc, i), PHASES))
        except _Invalid:
            pass
    if len(phases) < len(arg):
        raise _Invalid
    return TimeOfDaySpec(tuple(phases), loc)


def _at_location(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    if isinstance(arg, (str, list)):  # at_location: the old bridge
        return AtLocationSpec(p.place(arg, loc), 0, loc)
    f = p.fields(arg, loc, ("place",), ("radius",))
    place = f.get("place", p.place, _NOWHERE)
    radius = f.get("radius", lambda v, at: p.count(v, at, 0), 0)
    f.done()
    return AtLocationSpec(place, radius, loc)


def _speaker(p: _Parser, value: object, loc: Loc) -> str:
    who = p.text(value, loc)
    return who.lower() if who.lower() in ("self", "player") else who


def _dialogue(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    if isinstance(arg, str):
        return DialogueSpec((LineSpec("self", p.text(arg, loc)),), False, loc)
    if not (isinstance(arg, Mapping) and len(arg) == 1 and ("lines" in arg or "exchange" in arg)):
        p.fail(
            loc,
            "expected a line in quotes, {lines: [...]} or {exchange: [{who, text}, ...]}, "
            f"got {quoted(arg)}",
        )
        raise _Invalid
    ((form, lines),) = arg.items()
    at = (*loc, form)
    if not isinstance(lines, list) or not lines:
        shape = "lines" if form == "lines" else "{who, text}"
        p.fail(at, f"expected a list of {shape}, got {quoted(lines)}")
        raise _Invalid
    said: list[LineSpec] = []
    wrong = False
    for i, line in enumerate(lines):
        try:
            if form == "lines":
                said.append(LineSpec("self", p.text(line, (*at, i))))
                continue
            f = p.fields(line, (*at, i), ("who", "text"))
            who = f.get("who", lambda v, where: _speaker(p, v, where), "")
            text = f.get("text", p.text, "")
            f.done()
            said.append(LineSpec(who, text))
        except _Invalid:
            wrong = True
    if wrong:
        raise _Invalid
    return DialogueSpec(tuple(said), True, loc)


def _move_to(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return MoveToSpec(p.place(arg, loc), loc)


def _wait(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return WaitSpec(p.count(arg, loc, 1), loc)


def _look_at(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return LookAtSpec(p.place(arg, loc), loc)


def _set_flag(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    f = p.fields(arg, loc, ("flag",), ("value",))
    flag = f.get("flag", p.text, "")
    value = f.get("value", p.flag_value, _TRUE)
    f.done()
    return SetFlagSpec(flag, value, loc)


def _emit_event(p: _Parser, arg: object, loc: Loc, depth: int) -> NodeSpec:
    return EmitEventSpec(p.text(arg, loc), loc)


_READERS = {
    "selector": _selector,
    "sequence": _sequence,
    "parallel": _parallel,
    "inverter": _inverter,
    "repeater": _repeater,
    "succeeder": _succeeder,
    "quest_stage": _quest_stage,
    "has_item": _has_item,
    "has_flag": _has_flag,
    "time_of_day": _time_of_day,
    "at_location": _at_location,
    "dialogue": _dialogue,
    "move_to": _move_to,
    "wait": _wait,
    "look_at": _look_at,
    "set_flag": _set_flag,
    "emit_event": _emit_event,
}
#: Every node kind, in the order the problems list them: control, decorators,
#: conditions, actions.
KINDS = tuple(_READERS)


def parse_tree(data: object, at: Loc = ("tree",)) -> TreeSpec:
    """The ``tree:`` mapping of a villager's file as a :class:`TreeSpec`.

    Raises :class:`TreeError` (a ValueError) listing every problem, each under its path
    from ``at`` (``tree.root.selector[0]...``), so the loader can make each a Problem.
    """
    p = _Parser()
    try:
        f = p.fields(data, at, ("modes", "root"))
    except _Invalid:
        raise TreeError(p.problems) from None
    modes = f.get("modes", p.modes, MODES)
    root = f.get("root", p.node, _STAND_IN)
    if p.problems:
        raise TreeError(p.problems)
    return TreeSpec(modes, root, at)


# ---- problems between files ----------------------------------------------------------


class StoryKnowledge(Protocol):
    """What the rest of the content tells a tree's checks: the ids it may name."""

    @property
    def items(self) -> frozenset[str]: ...

    @property
    def quests(self) -> Mapping[str, Mapping[str, Collection[str]]]:
        """Quest id -> stage id -> the ids of that stage's nodes."""
        ...

    @property
    def npcs(self) -> frozenset[str]: ...

    @property
    def landmarks(self) -> Collection[str]: ...

    @property
    def size(self) -> tuple[int, int]:
        """The map's width and height in tiles."""
        ...


LISTED = 12  # known names a problem lists before "and N more"


def _one_of(names: Collection[str]) -> str:
    ordered = sorted(names)
    if not ordered:
        return "there are none"
    shown = ", ".join(ordered[:LISTED])
    if len(ordered) > LISTED:
        shown += f" and {len(ordered) - LISTED} more"
    return f"expected one of {shown}"


def _place_problem(place: Place, known: StoryKnowledge, landmarks: set[str]) -> str | None:
    if isinstance(place, tuple):
        width, height = known.size
        x, y = place
        if not (0 <= x < width and 0 <= y < height):
            return f"tile ({x}, {y}) is outside the {width}x{height} map"
        return None
    if place.lower() not in landmarks:
        written = known.landmarks  # names as the map writes them (a map: lower -> written)
        shown = written.values() if isinstance(written, Mapping) else written
        return f"unknown landmark {quoted(place)}; {_one_of(list(shown))}"
    return None


def tree_problems(spec: TreeSpec, known: StoryKnowledge) -> list[tuple[str, str]]:
    """(field, expectation) for every reference in ``spec`` that the content does not have:
    an unknown item, quest, stage, quest node, landmark or villager, a tile off the map;
    and (for a spec built in code rather than parsed) a count or phase out of range."""
    problems: list[tuple[str, str]] = []
    landmarks = {name.lower() for name in known.landmarks}
    npcs = {name.lower() for name in known.npcs}

    def add(node: NodeSpec, part: Loc, message: str) -> None:
        problems.append((field_name((*node.at, *part)), message))

    if not spec.modes or any(mode not in MODES for mode in spec.modes):
        problems.append((field_name((*spec.at, "modes")), f"expected some of {', '.join(MODES)}"))
    for node in walk(spec.root):
        if isinstance(node, HasItemSpec):
            if node.item not in known.items:
                add(node, ("item",), f"unknown item {quoted(node.item)}; {_one_of(known.items)}")
            if node.count < 1:
                add(node, ("count",), f"expected a count of at least 1, got {node.count}")
        elif isinstance(node, QuestStageSpec):
            stages = known.quests.get(node.quest)
            if stages is None:
                add(
                    node, ("quest",), f"unknown quest {quoted(node.quest)}; {_one_of(known.quests)}"
                )
            elif node.stage not in stages:
                add(
                    node,
                    ("stage",),
                    f"quest {node.quest} has no stage {quoted(node.stage)}; {_one_of(stages)}",
                )
            elif node.node is not None and node.node not in stages[node.stage]:
                add(
                    node,
                    ("node",),
                    f"stage {node.stage} of quest {node.quest} has no node "
                    f"{quoted(node.node)}; {_one_of(stages[node.stage])}",
                )
            if node.state not in STATES:
                add(node, ("state",), f"expected one of {', '.join(STATES)}")
        elif isinstance(node, (AtLocationSpec, MoveToSpec)):
            where = _place_problem(node.place, known, landmarks)
            if where:
                add(node, ("place",) if isinstance(node, AtLocationSpec) else (), where)
            if isinstance(node, AtLocationSpec) and node.radius < 0:
                add(node, ("radius",), f"expected a radius of 0 or more, got {node.radius}")
        elif isinstance(node, LookAtSpec):
            target = node.target
            if isinstance(target, tuple):
                where = _place_problem(target, known, landmarks)
                if where:
                    add(node, (), where)
            elif target.lower() not in npcs | landmarks | {"player"}:
                add(
                    node,
                    (),
                    f"unknown villager or landmark {quoted(target)}: expected "
                    "player, a villager's name or a landmark's",
                )
        elif isinstance(node, DialogueSpec):
            for i, line in enumerate(node.lines):
                if line.who not in ("self", "player") and line.who.lower() not in npcs:
                    add(
                        node,
                        ("exchange", i, "who"),
                        f"unknown speaker {quoted(line.who)}: "
                        "expected self, player or a villager's name",
                    )
        elif isinstance(node, RepeaterSpec) and node.times < 1:
            add(node, ("times",), f"expected a whole number of at least 1, got {node.times}")
        elif isinstance(node, WaitSpec) and node.turns < 1:
            add(node, (), f"expected a whole number of at least 1, got {node.turns}")
        elif isinstance(node, TimeOfDaySpec):
            for phase in node.phases:
                if phase not in PHASES:
                    add(
                        node,
                        (),
                        f"unknown phase {quoted(phase)}; expected one of {', '.join(PHASES)}",
                    )
        elif isinstance(node, ParallelSpec) and node.policy not in POLICIES:
            add(node, ("policy",), f"expected one of {', '.join(POLICIES)}")
    return problems
