"""The story's state (flags, inventories, items on the ground, quest progress, what
happened) and the quest engine that moves it on as the world tells it what happened.

The simulation calls the engine on world events (a talk held, an item handed over, the
player standing somewhere, a flag set, an item picked up). The engine applies what is the
story's own (items given and taken, flags, quests started, nodes completed, each
completion possibly completing more) and returns the effects only the world can carry
out: a villager to move, a bubble, a notice, and markers that the quests or inventories
changed so the window redraws them. Completion is decided by these events alone, never
by what a model says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from game.content.models import Id, ItemPlacement, quoted
from game.story.models import PLAYER, Action, FlagValue, NodeSpec, QuestSpec
from game.world.grid import Landmark, chebyshev

if TYPE_CHECKING:
    from game.content.loader import Content

log = logging.getLogger(__name__)

Pos = tuple[int, int]
Flag = str | int | bool
QuestStatus = Literal["inactive", "active", "completed"]
NodeState = Literal["completed", "active", "waiting"]

#: Rounds of "start the quests whose flag is set, complete a node whose objective is met"
#: one event may set off. Content cannot loop (a node completes once, a quest runs once),
#: so this guards against a mistake in the engine turning one hand-over into a hang. The
#: state is whole when it stops: the next event goes on from there.
CASCADE_LIMIT = 1000
HISTORY_LIMIT = 500  # journal lines kept: a save stays small however long the game
MAX_COUNT = 999_999  # of one item in one inventory


# ---- effects for the world -----------------------------------------------------------


@dataclass(frozen=True)
class NpcMove:
    """Walk ``npc`` to ``to``: a landmark's name as the map writes it, or a tile."""

    npc: str
    to: str | Pos


@dataclass(frozen=True)
class NpcSay:
    """``npc`` says ``text`` in a bubble."""

    npc: str
    text: str


@dataclass(frozen=True)
class Notice:
    """A line for the player: the window's notice, the headless run's output."""

    text: str


@dataclass(frozen=True)
class QuestChanged:
    """Quests moved on: the tracker and the journal must be drawn again."""


@dataclass(frozen=True)
class InventoryChanged:
    """These people's inventories changed (``Player`` for the inventory panel)."""

    who: tuple[str, ...]


@dataclass(frozen=True)
class StoryWarning:
    """Something in the story could not be done as written (for the warnings log)."""

    text: str


Effect = NpcMove | NpcSay | Notice | QuestChanged | InventoryChanged | StoryWarning


@dataclass(frozen=True)
class Refused:
    """An event the story does not accept, and why (``Player has no old iron key``).
    False in a condition, as a hand-over that did not happen."""

    reason: str

    def __bool__(self) -> bool:
        return False


# ---- what the window shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Tracked:
    """An active objective: for the HUD's tracker and a villager's prompt."""

    quest: str
    quest_title: str
    stage: str
    node: str
    text: str


@dataclass(frozen=True)
class NodeEntry:
    id: str
    text: str
    state: NodeState  # waiting: its stage is not reached, or it waits for other nodes


@dataclass(frozen=True)
class StageEntry:
    id: str
    title: str
    state: NodeState
    nodes: tuple[NodeEntry, ...]


@dataclass(frozen=True)
class QuestEntry:
    id: str
    title: str
    summary: str
    status: QuestStatus
    stages: tuple[StageEntry, ...]


@dataclass(frozen=True)
class Journal:
    """Every quest with the state of each stage and node (the card shows what it likes:
    a quest not started may be a secret), and what happened, oldest first."""

    quests: tuple[QuestEntry, ...]
    history: tuple[str, ...]


# ---- the state ------------------------------------------------------------------------------


@dataclass
class QuestProgress:
    """How far one quest has got."""

    status: QuestStatus = "inactive"
    stage: int = 0  # the current stage (the last one, once completed)
    entered: list[str] = field(default_factory=list)  # current stage's nodes made active
    done: list[str] = field(default_factory=list)  # every node completed, in order
    brought: dict[str, int] = field(default_factory=dict)  # bring node -> handed so far


@dataclass
class StoryState:
    """Everything of the story a save keeps. Plain data; :class:`QuestEngine` changes it."""

    flags: dict[str, Flag] = field(default_factory=dict)
    inventories: dict[str, dict[str, int]] = field(default_factory=dict)
    quests: dict[str, QuestProgress] = field(default_factory=dict)
    ground: list[tuple[str, Pos]] = field(default_factory=list)  # (item, tile) on the map
    history: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, content: Content) -> StoryState:
        """The story at the start: what each villager carries, the items on the map, every
        quest not yet started."""
        inventories: dict[str, dict[str, int]] = {PLAYER: {}}
        for npc in content.npcs:
            carried: dict[str, int] = {}
            for stack in npc.carries:
                carried[stack.item] = carried.get(stack.item, 0) + stack.count
            inventories[npc.name] = carried
        return cls(
            inventories=inventories,
            quests={quest.id: QuestProgress() for quest in content.quests},
            ground=[(placed.item, placed.at) for placed in content.map.items],
        )

    def count(self, who: str, item: str) -> int:
        return self.inventories.get(who, {}).get(item, 0)

    def items_at(self, pos: Pos) -> list[str]:
        """The items lying on tile ``pos``."""
        return [item for item, at in self.ground if at == pos]

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data, read back by :meth:`from_data` to an equal state."""
        return {
            "flags": dict(self.flags),
            "inventories": {who: dict(items) for who, items in self.inventories.items()},
            "quests": {
                qid: {
                    "status": p.status,
                    "stage": p.stage,
                    "entered": list(p.entered),
                    "done": list(p.done),
                    "brought": dict(p.brought),
                }
                for qid, p in self.quests.items()
            },
            "ground": [{"item": item, "at": [at[0], at[1]]} for item, at in self.ground],
            "history": list(self.history),
        }

    @classmethod
    def from_data(cls, data: object, content: Content) -> StoryState:
        """The state in ``data`` (as :meth:`to_data` wrote it, perhaps edited by hand),
        checked against ``content``; raises :class:`StoryStateError` naming the first
        field that is wrong. Quests and villagers the data does not mention (added to the
        content since) start afresh."""
        try:
            doc = _StoryData.model_validate(data)
        except ValidationError as exc:
            raise StoryStateError(_first_problem(exc)) from None
        return _checked(doc, content)


def _first_problem(exc: ValidationError) -> str:
    """The first thing wrong, as ``field: what was expected (got ...)``."""
    error = exc.errors(include_url=False)[0]
    where, key = "", False
    for part in error["loc"]:
        if part == "[key]":  # the error is in a mapping's key, not its value
            key = True
        elif isinstance(part, int):
            where += f"[{part}]"
        else:
            where += f".{part}" if where else str(part)
    if error["type"] == "missing":
        said = "required field is missing"
    elif error["type"] == "extra_forbidden":
        said = "not a field of the story's state"
    elif error["type"] == "value_error":  # ours: says what it got
        said = str(error["msg"]).removeprefix("Value error, ")
    else:
        said = _WORDS.get(error["type"]) or str(error["msg"]).replace("Input should be", "expected")
        said = f"{said} (got {quoted(error.get('input'))})"
    return f"{where or '(top level)'}{' (a name)' if key else ''}: {said}"


_WORDS = {
    "string_pattern_mismatch": "expected an id of lower-case letters, digits and _ (like iron_key)",
    "model_type": "expected a mapping",
    "dict_type": "expected a mapping",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "list_type": "expected a list",
}


class StoryStateError(ValueError):
    """A saved story that does not fit this village: one line, ``field: what is wrong``."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


_Count = Annotated[StrictInt, Field(ge=1, le=MAX_COUNT)]


class _ProgressData(_Data):
    status: QuestStatus
    stage: StrictInt = Field(ge=0)
    entered: list[Id] = []
    done: list[Id] = []
    brought: dict[Id, _Count] = {}


class _StoryData(_Data):
    flags: dict[Id, FlagValue]
    inventories: dict[str, dict[Id, _Count]]
    quests: dict[Id, _ProgressData]
    ground: list[ItemPlacement]
    history: list[Annotated[str, Field(max_length=400)]] = Field(max_length=HISTORY_LIMIT)


def _checked(doc: _StoryData, content: Content) -> StoryState:
    known = content.known()
    fresh = StoryState.new(content)
    for who, items in doc.inventories.items():
        if who not in fresh.inventories:
            raise StoryStateError(f"inventories.{who}: no villager {quoted(who)} in this village")
        for item in items:
            if (said := known.item_problem(item)) is not None:
                raise StoryStateError(f"inventories.{who}.{item}: {said}")
    for i, placed in enumerate(doc.ground):
        if (said := known.item_problem(placed.item)) is not None:
            raise StoryStateError(f"ground[{i}].item: {said}")
        if (said := known.tile_problem(placed.at)) is not None:
            raise StoryStateError(f"ground[{i}].at: {said}")
    quests = {quest.id: quest for quest in content.quests}
    for qid, progress in doc.quests.items():
        quest = quests.get(qid)
        if quest is None:
            raise StoryStateError(f"quests.{qid}: {known.quest_problem(qid)}")
        if progress.stage >= len(quest.stages):
            raise StoryStateError(
                f"quests.{qid}.stage: {progress.stage} is past the quest's last stage "
                f"(it has {len(quest.stages)}, numbered from 0)"
            )
        current = {node.id for node in quest.stages[progress.stage].nodes}
        every = {node.id for stage in quest.stages for node in stage.nodes}
        for name, ids, allowed in (
            ("entered", progress.entered, current),
            ("done", progress.done, every),
            ("brought", list(progress.brought), current),
        ):
            for node_id in ids:
                if node_id not in allowed:
                    where = "the current stage" if allowed is current else "the quest"
                    raise StoryStateError(
                        f"quests.{qid}.{name}: {quoted(node_id)} is not a node of {where}"
                    )
    return StoryState(
        flags=dict(doc.flags),
        inventories={
            **fresh.inventories,
            **{who: dict(items) for who, items in doc.inventories.items()},
        },
        quests={
            **fresh.quests,
            **{
                qid: QuestProgress(
                    p.status, p.stage, list(p.entered), list(p.done), dict(p.brought)
                )
                for qid, p in doc.quests.items()
            },
        },
        ground=[(placed.item, placed.at) for placed in doc.ground],
        history=list(doc.history),
    )


# ---- the engine ---------------------------------------------------------------------------


def same_value(a: object, b: object) -> bool:
    """Flag values are equal only of one kind: ``true`` is not ``1``, nor ``"true"``."""
    return type(a) is type(b) and a == b


def _started_by(value: Flag | None, wanted: Flag | None) -> bool:
    if value is None:
        return False
    return bool(value) if wanted is None else same_value(value, wanted)


class QuestEngine:
    """The quests over a :class:`StoryState`. One writer: the simulation's thread.

    Every event method applies what the event changes of the story, lets completions
    cascade, and returns the effects the world must carry out, in order, ending with
    :class:`InventoryChanged` and :class:`QuestChanged` when those changed.
    """

    def __init__(
        self,
        content: Content,
        state: StoryState | None = None,
        *,
        cascade_limit: int = CASCADE_LIMIT,
    ) -> None:
        self.content = content
        self.state = state if state is not None else StoryState.new(content)
        self.cascade_limit = cascade_limit
        self._quests: dict[str, QuestSpec] = {quest.id: quest for quest in content.quests}
        self._items = {item.id: item for item in content.items}
        self._npcs = {npc.name: npc for npc in content.npcs}
        self._landmarks = {
            lm.name.lower(): Landmark(lm.name, lm.x, lm.y, lm.w, lm.h)
            for lm in content.map.landmarks
        }
        # Where the player stands, as last told: not saved (the world keeps it), so the
        # simulation tells it again after a load.
        self.player_pos: Pos | None = None
        self._effects: list[Effect] = []
        self._quests_changed = False
        self._inventories_changed: set[str] = set()

    # ---- events --------------------------------------------------------------------------

    def start(self) -> list[Effect]:
        """Start the quests that start at the start (and any whose flag is already set),
        running the on_enter of their first nodes. Starts only quests not yet started, so
        it may be called again after a load."""

        def begin() -> None:
            for quest in self.content.quests:
                if quest.starts == "at_start":
                    self._start_quest(quest.id)

        return self._event(begin)

    def talk_held(self, npc: str) -> list[Effect]:
        """The player held a talk with ``npc``. Ask :meth:`dialogue_override` first: the
        talk may complete the node whose lines it is."""
        return self._event(
            lambda: self._complete_where(
                lambda node: node.objective.talk_to is not None and node.objective.talk_to == npc
            )
        )

    def item_handed(
        self, giver: str, receiver: str, item: str, count: int = 1
    ) -> list[Effect] | Refused:
        """``giver`` hands ``count`` of ``item`` to ``receiver`` (either may be the
        Player). :class:`Refused` if the giver has not that many, or either is unknown;
        else the item moves and a ``bring`` objective of the player's may complete."""
        problem = self._hand_problem(giver, receiver, item, count)
        if problem is not None:
            return Refused(problem)

        def hand() -> None:
            self._move_item(giver, receiver, item, count)
            if giver == PLAYER:
                self._history(f"Gave {self._amount(item, count)} to {receiver}")
            elif receiver == PLAYER:
                self._history(f"Received {self._amount(item, count)} from {giver}")
            if giver != PLAYER:
                return
            for qid, node in self._active_nodes():
                goal = node.objective.bring
                if goal is None or goal.item != item or goal.to != receiver:
                    continue
                progress = self.state.quests[qid]
                progress.brought[node.id] = progress.brought.get(node.id, 0) + count
                if progress.brought[node.id] >= goal.count:
                    self._complete(qid, node)

        return self._event(hand)

    def player_at(self, pos: Pos) -> list[Effect]:
        """The player stands on ``pos``: call it after every step (and once after a load)."""

        def arrive() -> None:
            self.player_pos = (pos[0], pos[1])

        return self._event(arrive)

    def flag_set(self, name: str, value: Flag) -> list[Effect]:
        """A flag was set (by a tree, a tool, the simulation)."""

        def set_it() -> None:
            self.state.flags[name] = value

        return self._event(set_it)

    def picked_up(self, who: str, item: str, count: int = 1) -> list[Effect]:
        """``who`` picked up ``count`` of ``item`` (from wherever the world had it)."""

        def pick() -> None:
            self._add(who, item, count)
            if who == PLAYER:
                self._history(f"Found {self._amount(item, count)}")

        return self._event(pick)

    def pick_up_at(self, who: str, pos: Pos) -> list[Effect]:
        """``who`` picks up every item lying on ``pos`` (nothing there: no effects)."""
        here = self.state.items_at((pos[0], pos[1]))
        if not here:
            return []

        def pick() -> None:
            self.state.ground = [(i, at) for i, at in self.state.ground if at != pos]
            for item in here:
                self._add(who, item, 1)
                if who == PLAYER:
                    self._history(f"Found {self._amount(item, 1)}")

        return self._event(pick)

    # ---- queries ---------------------------------------------------------------------------

    def active_objectives(self) -> list[Tracked]:
        """The active nodes of every active quest, quests in content order."""
        return [self._tracked(qid, node) for qid, node in self._active_nodes()]

    def objectives_involving(self, npc: str) -> list[Tracked]:
        """Active nodes that ask the player to talk to ``npc``, bring it something, or give
        it lines to say."""

        def involves(node: NodeSpec) -> bool:
            goal = node.objective
            return (
                goal.talk_to == npc
                or (goal.bring is not None and goal.bring.to == npc)
                or (node.dialogue is not None and node.dialogue.npc == npc)
            )

        return [self._tracked(qid, node) for qid, node in self._active_nodes() if involves(node)]

    def dialogue_override(self, npc: str) -> tuple[str, ...] | None:
        """The lines an active node gives ``npc`` for a talk with the player, or None."""
        for _, node in self._active_nodes():
            if node.dialogue is not None and node.dialogue.npc == npc:
                return tuple(node.dialogue.lines)
        return None

    def known_flags(self, npc: str) -> dict[str, Flag | None]:
        """The flags ``npc`` may know, with their values (None: not set)."""
        spec = self._npcs.get(npc)
        names = spec.knows_flags if spec is not None else []
        return {name: self.state.flags.get(name) for name in names}

    def inventory(self, who: str) -> dict[str, int]:
        return dict(self.state.inventories.get(who, {}))

    def stage_state(self, quest: str, stage: str, node: str | None = None) -> NodeState:
        """``completed``, ``active`` or ``waiting``: of a stage, or of a node in it (for the
        behaviour trees' ``quest_stage`` condition)."""
        spec, progress = self._quests.get(quest), self.state.quests.get(quest)
        if spec is None or progress is None:
            return "waiting"
        index = next((i for i, s in enumerate(spec.stages) if s.id == stage), None)
        if index is None:
            return "waiting"
        if node is not None:
            return self._node_state(spec, progress, index, node)
        if progress.status == "completed" or (
            progress.status == "active" and index < progress.stage
        ):
            return "completed"
        if progress.status == "active" and index == progress.stage:
            return "active"
        return "waiting"

    def journal(self) -> Journal:
        entries = []
        for spec in self.content.quests:
            progress = self.state.quests[spec.id]
            stages = tuple(
                StageEntry(
                    stage.id,
                    stage.title,
                    self.stage_state(spec.id, stage.id),
                    tuple(
                        NodeEntry(n.id, n.text, self._node_state(spec, progress, i, n.id))
                        for n in stage.nodes
                    ),
                )
                for i, stage in enumerate(spec.stages)
            )
            entries.append(QuestEntry(spec.id, spec.title, spec.summary, progress.status, stages))
        return Journal(tuple(entries), tuple(self.state.history))

    # ---- the cascade -------------------------------------------------------------------------

    def _event(self, apply: Callable[[], None]) -> list[Effect]:
        self._effects, self._quests_changed, self._inventories_changed = [], False, set()
        apply()
        self._settle()
        effects = self._effects
        if self._inventories_changed:
            effects.append(InventoryChanged(tuple(sorted(self._inventories_changed))))
        if self._quests_changed:
            effects.append(QuestChanged())
        self._effects = []
        return effects

    def _settle(self) -> None:
        """Until nothing more happens: start the quests whose flag is set, and complete
        a node whose objective the state already meets (a flag, an item carried, the
        player standing there), one a round, as each may change what the next finds."""
        for _ in range(self.cascade_limit):
            started = False
            for quest in self.content.quests:
                progress = self.state.quests[quest.id]
                if progress.status == "inactive" and not isinstance(quest.starts, str):
                    wanted = quest.starts
                    if _started_by(self.state.flags.get(wanted.on_flag), wanted.value):
                        self._start_quest(quest.id)
                        started = True
            met = next(((q, n) for q, n in self._active_nodes() if self._met(n)), None)
            if met is not None:
                self._complete(*met)
            elif not started:
                return
        self._warn(
            f"the story stopped after {self.cascade_limit} rounds set off by one event; "
            "it goes on at the next event"
        )

    def _met(self, node: NodeSpec) -> bool:
        goal = node.objective
        if goal.flag is not None:
            return same_value(self.state.flags.get(goal.flag.flag), goal.flag.value)
        if goal.has_item is not None:
            return self.state.count(PLAYER, goal.has_item.item) >= goal.has_item.count
        if goal.reach is not None and self.player_pos is not None:
            place, radius = goal.reach.place, goal.reach.radius
            if isinstance(place, tuple):
                return chebyshev(self.player_pos, place) <= radius
            landmark = self._landmarks.get(place.lower())
            return landmark is not None and landmark.distance_to(self.player_pos) <= radius
        return False  # talk_to, bring: only their events complete them

    def _start_quest(self, qid: str) -> None:
        progress = self.state.quests[qid]
        if progress.status != "inactive":
            return  # a quest runs once: starting it again would let content loop
        self._quests_changed = True
        progress.status, progress.stage = "active", 0
        progress.entered, progress.done, progress.brought = [], [], {}
        self._history(f"Started: {self._quests[qid].title}")
        self._enter_ready(qid)

    def _enter_ready(self, qid: str) -> None:
        """Make active the current stage's nodes whose ``after`` nodes are all done."""
        spec, progress = self._quests[qid], self.state.quests[qid]
        entered_one = True
        while entered_one and progress.status == "active":
            entered_one = False
            for node in spec.stages[progress.stage].nodes:
                if node.id in progress.entered or not set(node.after) <= set(progress.done):
                    continue
                progress.entered.append(node.id)
                self._run(node.on_enter)
                entered_one = True
                break  # on_enter may have changed the stage: look again

    def _complete_where(self, chosen: Callable[[NodeSpec], bool]) -> None:
        for qid, node in [(q, n) for q, n in self._active_nodes() if chosen(n)]:
            if self._is_active(qid, node.id):  # an earlier one may have moved the quest on
                self._complete(qid, node)

    def _complete(self, qid: str, node: NodeSpec) -> None:
        self._quests_changed = True
        spec, progress = self._quests[qid], self.state.quests[qid]
        progress.done.append(node.id)
        progress.brought.pop(node.id, None)
        self._run(node.on_complete)
        if progress.status != "active":
            return
        stage = spec.stages[progress.stage]
        if any(n.id not in progress.done for n in stage.nodes):
            self._enter_ready(qid)
            return
        if progress.stage + 1 < len(spec.stages):
            progress.stage += 1
            progress.entered = []
            self._enter_ready(qid)
        else:
            progress.status = "completed"
            progress.entered = []
            self._history(f"Completed: {spec.title}")
            self._effects.append(Notice(f"Quest completed: {spec.title}"))

    def _run(self, actions: list[Action]) -> None:
        for action in actions:
            if action.move_npc is not None:
                move = action.move_npc
                to = move.to
                if isinstance(to, str):
                    landmark = self._landmarks.get(to.lower())
                    to = landmark.name if landmark is not None else to
                self._effects.append(NpcMove(move.npc, to))
            elif action.give_item is not None:
                give = action.give_item
                self._add(give.to, give.item, give.count)
                if give.to == PLAYER:
                    self._history(f"Received {self._amount(give.item, give.count)}")
            elif action.take_item is not None:
                take = action.take_item
                had = self.state.count(take.from_, take.item)
                if had < take.count:
                    self._warn(
                        f"take_item: {take.from_} has {had} {self._name(take.item)}, "
                        f"not {take.count}: took {had}"
                    )
                if had:
                    self._remove(take.from_, take.item, min(had, take.count))
                    if take.from_ == PLAYER:
                        self._history(
                            f"Handed over {self._amount(take.item, min(had, take.count))}"
                        )
            elif action.set_flag is not None:
                self.state.flags[action.set_flag.flag] = action.set_flag.value
            elif action.start_quest is not None:
                self._start_quest(action.start_quest)
            elif action.say is not None:
                self._effects.append(NpcSay(action.say.npc, action.say.text))
            elif action.notice is not None:
                self._effects.append(Notice(action.notice))

    # ---- little helpers -------------------------------------------------------------------

    def _active_nodes(self) -> list[tuple[str, NodeSpec]]:
        """(quest id, node) of every active node, quests and nodes in content order."""
        found = []
        for spec in self.content.quests:
            progress = self.state.quests[spec.id]
            if progress.status != "active":
                continue
            for node in spec.stages[progress.stage].nodes:
                if node.id in progress.entered and node.id not in progress.done:
                    found.append((spec.id, node))
        return found

    def _is_active(self, qid: str, node_id: str) -> bool:
        return any(q == qid and n.id == node_id for q, n in self._active_nodes())

    def _node_state(
        self, spec: QuestSpec, progress: QuestProgress, index: int, node_id: str
    ) -> NodeState:
        if node_id in progress.done:
            return "completed"
        if progress.status == "active" and index == progress.stage and node_id in progress.entered:
            return "active"
        return "waiting"

    def _tracked(self, qid: str, node: NodeSpec) -> Tracked:
        spec = self._quests[qid]
        stage = spec.stages[self.state.quests[qid].stage]
        return Tracked(qid, spec.title, stage.id, node.id, node.text)

    def _hand_problem(self, giver: str, receiver: str, item: str, count: int) -> str | None:
        for who in (giver, receiver):
            if who not in self.state.inventories:
                return f"{who} is not in this village"
        if item not in self._items:
            return f"there is no item {item!r}"
        if count < 1:
            return f"cannot hand over {count} of anything"
        if self.state.count(giver, item) < count:
            return f"{giver} has no {self._amount(item, count, article=False)}"
        return None

    def _add(self, who: str, item: str, count: int) -> None:
        items = self.state.inventories.setdefault(who, {})
        items[item] = min(items.get(item, 0) + count, MAX_COUNT)
        self._inventories_changed.add(who)

    def _remove(self, who: str, item: str, count: int) -> None:
        items = self.state.inventories.setdefault(who, {})
        left = items.get(item, 0) - count
        if left > 0:
            items[item] = left
        else:
            items.pop(item, None)
        self._inventories_changed.add(who)

    def _move_item(self, giver: str, receiver: str, item: str, count: int) -> None:
        self._remove(giver, item, count)
        self._add(receiver, item, count)

    def _name(self, item: str) -> str:
        spec = self._items.get(item)
        return spec.name if spec is not None else item

    def _amount(self, item: str, count: int, *, article: bool = True) -> str:
        """``the old iron key``, ``3 × honey cake``: an item as the journal tells it."""
        if count == 1:
            return f"the {self._name(item)}" if article else self._name(item)
        return f"{count} × {self._name(item)}"

    def _history(self, line: str) -> None:
        self.state.history.append(line)
        del self.state.history[:-HISTORY_LIMIT]
        self._quests_changed = True

    def _warn(self, said: str) -> None:
        log.warning("story: %s", said)
        self._effects.append(StoryWarning(said))


__all__ = [
    "CASCADE_LIMIT",
    "Effect",
    "InventoryChanged",
    "Journal",
    "Notice",
    "NpcMove",
    "NpcSay",
    "QuestChanged",
    "QuestEngine",
    "QuestProgress",
    "Refused",
    "StoryState",
    "StoryStateError",
    "StoryWarning",
    "Tracked",
]
