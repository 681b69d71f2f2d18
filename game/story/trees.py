"""Behaviour trees at run time: a villager's tree compiled once, ticked every turn.

:func:`compile_tree` turns a :class:`~game.story.tree_models.TreeSpec` into closures, one
per node, that read the world through a :class:`TreeContext` and append the actions the
villager should take to a list: a tick walks no specs and builds no records but its result
(a thousand villagers' trees tick in a few milliseconds; ``python -m game.bench --only
trees``). The simulation carries the actions out; the tree never changes the world itself,
so conditions read the world as it was at the start of the turn.

How a tick goes (``tick``, the ``continuous`` mode):

- Every tick starts at the root; a node answers success, failure or running.
- **Reactive selectors.** A selector tries its children in order each tick, the ones
  above a running child included. When a higher child now succeeds or runs, it wins and
  the child that was running is *reset*: its waits and repetitions start from nothing the
  next time it runs.
- **Sequences remember.** A sequence resumes at the child that was running; the
  children before it that hold actions are not done again (a ``dialogue`` is said once),
  but those made only of conditions (guards such as ``time_of_day: [night]``) are checked
  again every tick, and when one fails the sequence fails and resets its running child.
  ``parallel`` remembers its finished children the same way.
- ``move_to`` is running (asking for a :class:`MoveTo` each tick) until the villager is
  there: on the tile, or inside the landmark or on its visiting spot, as the context's
  ``place_distance`` says. A villager that has not moved for ``STUCK_TURNS`` ticks gives
  up: success if it is next to the place (someone stands on it), else failure.
- ``wait: N`` is running for N ticks (asking for :class:`Wait`), then succeeds.
- ``repeater`` runs its child once a tick: running between runs, success after ``times``
  successes, failure when the child fails.
- Conditions and the other actions (``dialogue``, ``look_at``, ``set_flag``,
  ``emit_event``) finish in the tick they run.
- When the root succeeds or fails, nothing is carried over and the next tick starts
  afresh: a continuous tree loops.

Carried-over state lives in ``ctx.memory``, a plain dict of strings, numbers and lists
(JSON as it is) that the simulation keeps per villager and saves: a tree ticked with a
dict restored from JSON goes on exactly as it would have. A dict written for another
tree (the villager's file changed) is noticed and started afresh.

``interact`` (the ``on_interaction`` mode) evaluates the tree once, from the start, with
a scratch memory (a villager walking somewhere keeps walking), and returns the dialogue
it produced and its other actions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple, Protocol

from game.story.tree_models import (
    CONDITIONS,
    AtLocationSpec,
    DialogueSpec,
    EmitEventSpec,
    FlagValue,
    HasFlagSpec,
    HasItemSpec,
    InverterSpec,
    LookAtSpec,
    MoveToSpec,
    NodeSpec,
    ParallelSpec,
    Place,
    QuestStageSpec,
    RepeaterSpec,
    SelectorSpec,
    SequenceSpec,
    SetFlagSpec,
    SucceederSpec,
    TimeOfDaySpec,
    TreeSpec,
    WaitSpec,
    children,
)
from game.world import PLAYER_NAME

STUCK_TURNS = 5  # ticks a move_to waits without the villager moving before it gives up
RUNTIME_VERSION = 1  # bump when the memory layout changes: old saved memory is dropped
TREE_KEY = "#"  # the memory entry naming the tree the memory belongs to


class Status(str, Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    RUNNING = "running"


# ---- actions: what the simulation carries out ----------------------------------------


@dataclass(frozen=True, slots=True)
class MoveTo:
    """Walk towards a landmark (by name) or a tile; asked again every tick until there."""

    target: Place


@dataclass(frozen=True, slots=True)
class Say:
    """One line in the villager's own voice (a bubble, or the dialogue box's line)."""

    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a scripted exchange; ``who`` is a villager's name or ``Player``."""

    who: str
    text: str


@dataclass(frozen=True, slots=True)
class Exchange:
    """A short scripted exchange, said in order."""

    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class LookAt:
    """Turn to face someone (a villager's name, ``player``), a landmark or a tile."""

    target: Place


@dataclass(frozen=True, slots=True)
class SetFlag:
    flag: str
    value: FlagValue


@dataclass(frozen=True, slots=True)
class EmitEvent:
    """A named event for the story (quests or other trees may listen for it)."""

    name: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Spend the turn standing still: the tree has the turn, the brain is not asked."""


Action = MoveTo | Say | Exchange | LookAt | SetFlag | EmitEvent | Wait
Dialogue = Say | Exchange
WAIT = Wait()


class TickResult(NamedTuple):  # a tuple: made a thousand times a turn, cheaply
    status: Status
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Interaction:
    """What the tree does when the player presses Enter at the villager: the dialogue
    (None if it produced none: the brain answers instead) and its other actions, in order."""

    dialogue: Dialogue | None
    actions: tuple[Action, ...]


# ---- what a tree sees ---------------------------------------------------------------


class TreeContext(Protocol):
    """The villager's world and the story, as its tree reads them. Attributes may be
    properties; a tick reads each at most a few times."""

    @property
    def name(self) -> str: ...

    @property
    def position(self) -> tuple[int, int]:
        """The tile the villager stands on (tile places are measured from it)."""
        ...

    @property
    def phase(self) -> str:
        """dawn, day, dusk or night."""
        ...

    @property
    def memory(self) -> dict[str, Any]:
        """This villager's carried-over tree state: saved and restored as it is."""
        ...

    def has_item(self, item: str) -> int:
        """How many of ``item`` the villager carries."""
        ...

    def flag(self, name: str) -> FlagValue | None:
        """The flag's value, None when it was never set."""
        ...

    def quest_state(self, quest: str, stage: str, node: str | None) -> str:
        """'inactive', 'active' or 'completed': of the stage, or of its node if named."""
        ...

    def place_distance(self, place: str) -> int | None:
        """Tiles (Chebyshev) from the villager to the landmark named ``place``: 0 inside it
        or on its visiting spot (where ``move_to`` stops); None if there is no such place."""
        ...


# ---- compiling ----------------------------------------------------------------------

SUCCESS, FAILURE, RUNNING = 0, 1, 2
_STATUS = (Status.SUCCESS, Status.FAILURE, Status.RUNNING)
Memory = dict[str, Any]
NodeFn = Callable[[TreeContext, Memory, list[Action]], int]


def _reset(mem: Memory, keys: Collection[str]) -> None:
    """Forget the carried-over state of a subtree (whose nodes use ``keys``)."""
    if len(mem) > 1:  # the tree's own entry is always there
        for key in [key for key in mem if key in keys]:
            del mem[key]


def _chebyshev(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


_COMBINING = (SelectorSpec, SequenceSpec, ParallelSpec, InverterSpec, SucceederSpec)


@dataclass(frozen=True)
class _Compiled:
    fn: NodeFn
    keys: frozenset[str]  # the memory entries the subtree may hold
    guard: bool


class _Compiler:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.count = 0
        self.guards: dict[int, bool] = {}  # id of a spec compiled -> whether it is a guard

    def key(self) -> str:
        self.count += 1
        return str(self.count)

    def who(self, speaker: str) -> str:
        return {"self": self.owner, "player": PLAYER_NAME}.get(speaker, speaker)

    def node(self, spec: NodeSpec) -> _Compiled:
        build = getattr(self, f"_{type(spec).__name__}")
        fn, keys = build(spec)
        # A guard only looks at the world (conditions, inverted, combined): it finishes in
        # the tick it runs and does nothing, so it is safe to check again every tick. Its
        # children were compiled just now, so their answers are known.
        if isinstance(spec, CONDITIONS):
            guard = True
        elif isinstance(spec, _COMBINING):
            guard = all(self.guards[id(child)] for child in children(spec))
        else:
            guard = False  # actions; a repeater runs across ticks
        self.guards[id(spec)] = guard
        return _Compiled(fn, keys, guard)

    # -- control

    def _SelectorSpec(self, spec: SelectorSpec) -> tuple[NodeFn, frozenset[str]]:
        key = self.key()
        parts = [self.node(child) for child in spec.children]
        fns = tuple(part.fn for part in parts)
        keysets = tuple(part.keys for part in parts)

        def selector(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            prev = mem.get(key)
            i = 0
            for fn in fns:
                status = fn(ctx, mem, out)
                if status != FAILURE:
                    if prev is not None and prev != i:
                        _reset(mem, keysets[prev])  # a higher branch won: forget the lower
                    if status == RUNNING:
                        mem[key] = i
                    elif prev is not None:
                        del mem[key]
                    return status
                i += 1
            if prev is not None:
                del mem[key]
            return FAILURE

        return selector, frozenset({key}).union(*keysets)

    def _SequenceSpec(self, spec: SequenceSpec) -> tuple[NodeFn, frozenset[str]]:
        key = self.key()
        parts = [self.node(child) for child in spec.children]
        steps = tuple((part.fn, part.guard) for part in parts)
        keysets = tuple(part.keys for part in parts)

        def sequence(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            start = mem.get(key, 0)
            i = 0
            for fn, guard in steps:
                if i < start and not guard:  # done before this tick: not done again
                    i += 1
                    continue
                status = fn(ctx, mem, out)
                if status == SUCCESS:
                    i += 1
                    continue
                if status == RUNNING:
                    if i != start:
                        mem[key] = i
                    return RUNNING
                if start > i:  # a guard failed: abandon the running child
                    _reset(mem, keysets[start])
                if start:
                    del mem[key]
                return FAILURE
            if start:
                del mem[key]
            return SUCCESS

        return sequence, frozenset({key}).union(*keysets)

    def _ParallelSpec(self, spec: ParallelSpec) -> tuple[NodeFn, frozenset[str]]:
        key = self.key()
        parts = [self.node(child) for child in spec.children]
        steps = tuple((part.fn, part.guard, 1 << i) for i, part in enumerate(parts))
        everything = frozenset({key}).union(*(part.keys for part in parts))
        stop_on = SUCCESS if spec.policy == "one" else FAILURE
        last = len(steps)

        # ``settled``: a bit for each child that has finished for good (succeeded under
        # "all", failed under "one"); guards never settle, they are checked every tick.
        def parallel(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            settled = mem.get(key, 0)
            now = settled
            finished = 0
            for fn, guard, bit in steps:
                if settled & bit:
                    finished += 1
                    continue
                status = fn(ctx, mem, out)
                if status == stop_on:
                    _reset(mem, everything)
                    return status
                if status != RUNNING:
                    finished += 1
                    if not guard:
                        now |= bit
            if finished == last:
                if settled:
                    del mem[key]
                return FAILURE if stop_on == SUCCESS else SUCCESS
            if now != settled:
                mem[key] = now
            return RUNNING

        return parallel, everything

    # -- decorators

    def _InverterSpec(self, spec: InverterSpec) -> tuple[NodeFn, frozenset[str]]:
        part = self.node(spec.child)
        child = part.fn
        flip = (FAILURE, SUCCESS, RUNNING)

        def inverter(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            return flip[child(ctx, mem, out)]

        return inverter, part.keys

    def _SucceederSpec(self, spec: SucceederSpec) -> tuple[NodeFn, frozenset[str]]:
        part = self.node(spec.child)
        child = part.fn

        def succeeder(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            return RUNNING if child(ctx, mem, out) == RUNNING else SUCCESS

        return succeeder, part.keys

    def _RepeaterSpec(self, spec: RepeaterSpec) -> tuple[NodeFn, frozenset[str]]:
        key = self.key()
        part = self.node(spec.child)
        child, times = part.fn, spec.times

        def repeater(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            status = child(ctx, mem, out)
            if status == RUNNING:
                return RUNNING
            if status == FAILURE:
                mem.pop(key, None)
                return FAILURE
            done = mem.get(key, 0) + 1
            if done >= times:
                mem.pop(key, None)
                return SUCCESS
            mem[key] = done
            return RUNNING  # the next run is next tick's

        return repeater, part.keys | {key}

    # -- conditions

    def _QuestStageSpec(self, spec: QuestStageSpec) -> tuple[NodeFn, frozenset[str]]:
        quest, stage, node, state = spec.quest, spec.stage, spec.node, spec.state

        def quest_stage(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            return SUCCESS if ctx.quest_state(quest, stage, node) == state else FAILURE

        return quest_stage, frozenset()

    def _HasItemSpec(self, spec: HasItemSpec) -> tuple[NodeFn, frozenset[str]]:
        item, count = spec.item, spec.count

        def has_item(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            return SUCCESS if ctx.has_item(item) >= count else FAILURE

        return has_item, frozenset()

    def _HasFlagSpec(self, spec: HasFlagSpec) -> tuple[NodeFn, frozenset[str]]:
        flag, wanted = spec.flag, spec.value
        if wanted is None:

            def has_flag(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
                value = ctx.flag(flag)
                return FAILURE if value is None or value is False else SUCCESS

        elif isinstance(wanted, bool):  # true is not 1, false is not 0

            def has_flag(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
                return SUCCESS if ctx.flag(flag) is wanted else FAILURE

        else:

            def has_flag(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
                value = ctx.flag(flag)
                return SUCCESS if value == wanted and not isinstance(value, bool) else FAILURE

        return has_flag, frozenset()

    def _TimeOfDaySpec(self, spec: TimeOfDaySpec) -> tuple[NodeFn, frozenset[str]]:
        phases = frozenset(spec.phases)

        def time_of_day(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            return SUCCESS if ctx.phase in phases else FAILURE

        return time_of_day, frozenset()

    def _AtLocationSpec(self, spec: AtLocationSpec) -> tuple[NodeFn, frozenset[str]]:
        distance, radius = _distance(spec.place), spec.radius

        def at_location(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            d = distance(ctx)
            return SUCCESS if d is not None and d <= radius else FAILURE

        return at_location, frozenset()

    # -- actions

    def _DialogueSpec(self, spec: DialogueSpec) -> tuple[NodeFn, frozenset[str]]:
        said: Dialogue
        if spec.exchange:
            said = Exchange(tuple(Line(self.who(line.who), line.text) for line in spec.lines))
        else:
            said = Say(spec.lines[0].text)
        return _emit(said), frozenset()

    def _MoveToSpec(self, spec: MoveToSpec) -> tuple[NodeFn, frozenset[str]]:
        key, action = self.key(), MoveTo(spec.place)
        # A tile is measured here; a landmark is asked of the context.
        name, (tx, ty) = (
            (None, spec.place) if isinstance(spec.place, tuple) else (spec.place, (0, 0))
        )

        def move_to(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            x, y = ctx.position
            d = max(abs(x - tx), abs(y - ty)) if name is None else ctx.place_distance(name)
            if not d:  # there (0), or nowhere to go (None)
                if key in mem:
                    del mem[key]
                return FAILURE if d is None else SUCCESS
            seen = mem.get(key)  # [x, y, ticks without moving]
            if seen is None:
                mem[key] = [x, y, 0]
            elif seen[0] == x and seen[1] == y:
                seen[2] += 1
                if seen[2] >= STUCK_TURNS:  # as near as it gets
                    del mem[key]
                    return SUCCESS if d <= 1 else FAILURE
            else:
                seen[0], seen[1], seen[2] = x, y, 0
            out.append(action)
            return RUNNING

        return move_to, frozenset({key})

    def _WaitSpec(self, spec: WaitSpec) -> tuple[NodeFn, frozenset[str]]:
        key, turns = self.key(), spec.turns

        def wait(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
            waited = mem.get(key, 0)
            if waited >= turns:
                mem.pop(key, None)
                return SUCCESS
            mem[key] = waited + 1
            out.append(WAIT)
            return RUNNING

        return wait, frozenset({key})

    def _LookAtSpec(self, spec: LookAtSpec) -> tuple[NodeFn, frozenset[str]]:
        target = spec.target
        if isinstance(target, str) and target.lower() == "player":
            target = PLAYER_NAME
        return _emit(LookAt(target)), frozenset()

    def _SetFlagSpec(self, spec: SetFlagSpec) -> tuple[NodeFn, frozenset[str]]:
        return _emit(SetFlag(spec.flag, spec.value)), frozenset()

    def _EmitEventSpec(self, spec: EmitEventSpec) -> tuple[NodeFn, frozenset[str]]:
        return _emit(EmitEvent(spec.name)), frozenset()


def _emit(action: Action) -> NodeFn:
    """An action that is done in the tick it runs: ask for it, succeed."""

    def act(ctx: TreeContext, mem: Memory, out: list[Action]) -> int:
        out.append(action)
        return SUCCESS

    return act


def _distance(place: Place) -> Callable[[TreeContext], int | None]:
    """How far the villager is from ``place``: a tile measured here, a landmark asked of
    the context."""
    if isinstance(place, tuple):
        tile = place
        return lambda ctx: _chebyshev(ctx.position, tile)
    name = place
    return lambda ctx: ctx.place_distance(name)


class BehaviourTree:
    """One villager's compiled tree. Build with :func:`compile_tree`."""

    def __init__(self, spec: TreeSpec, owner: str) -> None:
        self.spec = spec
        self.owner = owner
        self.continuous = "continuous" in spec.modes
        self.on_interaction = "on_interaction" in spec.modes
        self.digest = hashlib.sha1(
            f"{RUNTIME_VERSION} {spec!r}".encode(), usedforsecurity=False
        ).hexdigest()[:12]
        self._root = _Compiler(owner).node(spec.root).fn

    def tick(self, ctx: TreeContext) -> TickResult:
        """One turn of the continuous mode: the tree's status and the actions it asks for,
        in the order its nodes asked. Carried-over state is read from and left in
        ``ctx.memory``."""
        mem = ctx.memory
        if mem.get(TREE_KEY) != self.digest:  # new, or written for another tree
            mem.clear()
            mem[TREE_KEY] = self.digest
        out: list[Action] = []
        status = self._root(ctx, mem, out)
        return TickResult(_STATUS[status], tuple(out) if out else ())

    def interact(self, ctx: TreeContext) -> Interaction:
        """The player pressed Enter at the villager: the tree evaluated once, from the
        start, with a scratch memory (``ctx.memory`` is not read or changed). Every line
        it says is the dialogue: one line alone, several as one exchange. ``Wait`` is
        dropped; the other actions are returned in order."""
        out: list[Action] = []
        self._root(ctx, {}, out)
        said: list[Dialogue] = []
        actions: list[Action] = []
        for action in out:
            if isinstance(action, (Say, Exchange)):
                said.append(action)
            elif not isinstance(action, Wait):
                actions.append(action)
        dialogue: Dialogue | None = None
        if len(said) == 1:
            dialogue = said[0]
        elif said:
            lines: list[Line] = []
            for part in said:
                lines += part.lines if isinstance(part, Exchange) else [Line(self.owner, part.text)]
            dialogue = Exchange(tuple(lines))
        return Interaction(dialogue, tuple(actions))


def compile_tree(spec: TreeSpec, owner: str) -> BehaviourTree:
    """``spec`` compiled for the villager named ``owner`` (who ``self`` is in exchanges)."""
    return BehaviourTree(spec, owner)
