"""The village state: one typed object the game works in, and its save file.

Everything that lasts of a village from turn to turn lives in one
:class:`VillageState`, which the simulation, its walker and its conversations all read
and change: the turn number, every villager (:class:`VillagerState`: its body on the map
with place, facing and doings; its destination and route; what it heard and has yet to
write down; the memory entries its prompts read), the player's body, the conversations'
ledger (rests, cooldowns, the next id), the usage meter, the notices already told, and
the seed of the offline brain (whose every answer is drawn from the seed, the villager
and the turn, so the seed is all of its random state). What happens only inside a turn
(who a villager saw when it made up its mind, whom it could talk to, why it idles) is
not in it: that is the simulation's scratch (``game.sim.village.TurnScratch``). A save
is taken between villager actions, and a loaded game starts the turn after the one
saved.

The world (``game.world.World``) indexes the same bodies by tile for the rules of
movement and sight; it owns no state of its own beyond that index.

The file is JSON, checked on load by pydantic models that forbid unknown fields, then
against the village it is loaded into: every problem is one line naming the file and
the field (``save.json: npcs.Bram.position: (40, 24) is water, not a walkable tile``).
A state written, read back and written again is the same, byte for byte.
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.brains.usage import UsageMeter
from game.story.quests import StoryState, StoryStateError
from game.text import cut
from game.world import PLAYER_NAME, Facing

if TYPE_CHECKING:
    from pathlib import Path

    from game.content.loader import Content
    from game.content.models import NpcSpec
    from game.world import Entity, Grid, Pos, World

SAVE_FORMAT = 2
"""The format this game writes, and the newest it reads. Format 1 (before the story
layer) is read as a game whose story has not begun."""

_SHOWN = 80  # characters of a bad value an error line quotes


class SaveError(Exception):
    """A save that cannot be loaded here: one line, naming the file and the field."""


# ---- the live parts: the conversations' ledger ----------------------------------------


@dataclass
class TalkLedger:
    """Who talked with whom and when: what rests and cooldowns are reckoned from."""

    next_id: int = 1  # the id the next conversation gets
    finished_count: int = 0
    last_talked: dict[frozenset[str], int] = field(default_factory=dict)  # pair -> turn
    # The same, by each person in it: what a villager's prompt asks about, at once.
    talked_with: dict[str, dict[str, int]] = field(default_factory=dict)
    last_conversation: dict[str, int] = field(default_factory=dict)  # villager -> turn

    def record(self, people: tuple[str, ...], turn: int) -> None:
        """``people`` ended a conversation in ``turn``."""
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                self.last_talked[frozenset({a, b})] = turn
                self.talked_with.setdefault(a, {})[b] = turn
                self.talked_with.setdefault(b, {})[a] = turn


# ---- the file -------------------------------------------------------------------------

_Strict = ConfigDict(extra="forbid", strict=False)
_Tile = tuple[int, int]
_Name = Annotated[str, Field(min_length=1, max_length=40)]
_Text = Annotated[str, Field(max_length=20_000)]


class _MapRef(BaseModel):
    model_config = _Strict
    name: str
    size: _Tile
    fingerprint: str


class _Villager(BaseModel):
    model_config = _Strict
    position: _Tile
    facing: Facing
    activity: Annotated[str, Field(max_length=200)]
    destination: _Tile | None = None
    errand: _Tile | None = None  # where the story sends it
    tree: dict[str, Any] = {}  # what its behaviour tree carries over to the next turn
    route: list[_Tile] = []
    heard: list[_Text] = []
    notes: list[_Text] = []
    wrote: int = Field(-1, ge=-1)
    last_talk: int | None = Field(None, ge=0)
    memory: list[_Text] = []  # its newest entries, enough for what its prompts read


class _Player(BaseModel):
    model_config = _Strict
    position: _Tile
    facing: Facing


class _Talk(BaseModel):
    model_config = _Strict
    people: list[_Name] = Field(min_length=2)
    turn: int = Field(ge=0)


class _Talks(BaseModel):
    model_config = _Strict
    next_id: int = Field(ge=1)
    finished: int = Field(ge=0)
    last: list[_Talk] = []


class _Usage(BaseModel):
    model_config = _Strict
    calls: int = Field(ge=0)
    failures: int = Field(ge=0)
    per_npc: dict[_Name, tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]] = {}


class _Clock(BaseModel):
    model_config = _Strict
    start: int = Field(ge=0, lt=24 * 60)  # the time of day turn 0 is at, in minutes
    minutes_per_turn: int = Field(ge=1, le=24 * 60)


class SavedGame(BaseModel):
    """A save file's contents, checked: what :func:`read_save` gives and
    :meth:`VillageState.saved` makes."""

    model_config = _Strict
    format: int
    map: _MapRef
    seed: int
    turn: int = Field(ge=0)
    npcs: dict[_Name, _Villager]
    player: _Player | None
    talks: _Talks
    usage: _Usage
    told: list[str] = []
    story: dict[str, Any] | None = None  # checked by StoryState.from_data (None: format 1)
    clock: _Clock | None = None  # None (format 1): the clock the game is started with

    def to_json(self) -> str:
        return self.model_dump_json(indent=1)


@functools.lru_cache(maxsize=4)
def map_ref(grid: Grid) -> _MapRef:
    """What a save says of the map it was made on: its name, size and a fingerprint of
    which tile is what, so a save is never put onto another map.

    Worked out once per grid (a map never changes while it is played): on a 200 x 200
    map it took about half of each save of 1,000 villagers."""
    tiles = (
        f"{grid.tile((x, y)).name}:{int(grid.walkable((x, y)))},"
        for y in range(grid.height)
        for x in range(grid.width)
    )
    rows = f"{grid.width}x{grid.height}:" + "".join(tiles)
    crc = zlib.crc32(rows.encode("utf-8"))
    return _MapRef(name=grid.name, size=(grid.width, grid.height), fingerprint=f"{crc:08x}")


# ---- the live state -------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class VillagerState:
    """What lasts of one villager: its body on the map and all it carries between turns."""

    spec: NpcSpec
    body: Entity  # its place, facing and doings: the world indexes it by tile
    heard: list[str] = field(default_factory=list)  # since its last turn entry
    destination: Pos | None = None
    route: list[Pos] = field(default_factory=list)  # the rest of the way to ``destination``
    errand: Pos | None = None  # where the story sends it: it walks there before anything else
    tree: dict[str, Any] = field(default_factory=dict)  # its tree's carried-over state (JSON)
    notes: list[str] = field(default_factory=list)  # lines for its next turn entry
    wrote: int = -1  # the turn whose entry it last wrote to its memory log (-1: none yet)
    memory: list[str] = field(default_factory=list)  # its entries, that its prompts read

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(eq=False)
class VillageState:
    """One village, as the game works in it and a save keeps it.

    Its parts are changed in place (a load too puts the saved values into the same
    villagers and lists), so whoever holds a villager's state holds the one the game
    works in.
    """

    grid: Grid
    villagers: dict[str, VillagerState]  # in turn order
    player: Entity | None
    usage: UsageMeter
    seed: int = 0
    turn: int = 0  # the turn under way, or the last one played
    talks: TalkLedger = field(default_factory=TalkLedger)
    told: set[str] = field(default_factory=set)  # kinds of trouble told the player once
    # Flags, everyone's inventory, the quests' progress, the items on the ground.
    story: StoryState = field(default_factory=StoryState)
    # The village clock: the time of day of turn 0, and minutes a turn (game.story.clock).
    clock_start: int = 8 * 60
    minutes_per_turn: int = 10

    @classmethod
    def new(
        cls, content: Content, world: World, *, seed: int = 0, model: str | None = None
    ) -> VillageState:
        """The village at its start: everyone at their spawn in ``world``."""
        villagers = {
            spec.name: VillagerState(spec, world.entities[spec.name]) for spec in content.npcs
        }
        return cls(
            grid=world.grid,
            villagers=villagers,
            player=world.get(PLAYER_NAME),
            usage=UsageMeter(model),
            seed=seed,
            story=StoryState.new(content),
        )

    def saved(self, memory_budget: int) -> SavedGame:
        """What a save keeps of the village now: the memory entries that prompts of
        ``memory_budget`` characters may read, and all the rest."""
        talks = self.talks
        npcs = {
            name: _Villager(
                position=v.body.pos,
                facing=v.body.facing,
                activity=v.body.activity,
                destination=v.destination,
                errand=v.errand,
                tree=v.tree,
                route=v.route,
                heard=v.heard,
                notes=v.notes,
                wrote=v.wrote,
                last_talk=talks.last_conversation.get(name),
                memory=newest(v.memory, memory_budget),
            )
            for name, v in self.villagers.items()
        }
        player = self.player
        last = [
            _Talk(people=sorted(pair), turn=turn)
            for pair, turn in sorted(
                talks.last_talked.items(), key=lambda kv: (kv[1], sorted(kv[0]))
            )
        ]
        usage = self.usage
        return SavedGame(
            format=SAVE_FORMAT,
            map=map_ref(self.grid),
            seed=self.seed,
            turn=self.turn,
            npcs=npcs,
            player=None if player is None else _Player(position=player.pos, facing=player.facing),
            talks=_Talks(next_id=talks.next_id, finished=talks.finished_count, last=last),
            usage=_Usage(
                calls=usage.calls,
                failures=usage.failures,
                per_npc={
                    n: (u.prompt_tokens, u.completion_tokens) for n, u in usage.per_npc.items()
                },
            ),
            told=sorted(self.told),
            story=self.story.to_data(),
            clock=_Clock(start=self.clock_start, minutes_per_turn=self.minutes_per_turn),
        )

    def places(self, saved: SavedGame) -> dict[str, tuple[Pos, Facing, str]]:
        """Where ``saved`` puts everyone, for the world to move their bodies there."""
        places: dict[str, tuple[Pos, Facing, str]] = {
            name: (_tile(v.position), v.facing, v.activity) for name, v in saved.npcs.items()
        }
        if saved.player is not None and self.player is not None:
            places[PLAYER_NAME] = (_tile(saved.player.position), saved.player.facing, "")
        return places

    def take(self, saved: SavedGame, story: StoryState) -> None:
        """Make this state what ``saved`` holds, with ``story`` read from it (both checked
        already by :func:`read_save`), but for where the bodies stand: the world moves
        them (:meth:`places`)."""
        for name, v in saved.npcs.items():
            villager = self.villagers[name]
            villager.destination = None if v.destination is None else _tile(v.destination)
            villager.errand = None if v.errand is None else _tile(v.errand)
            villager.tree.clear()
            villager.tree.update(v.tree)
            villager.route[:] = [_tile(p) for p in v.route]
            villager.heard[:] = v.heard
            villager.notes[:] = v.notes
            villager.wrote = v.wrote
            villager.memory[:] = v.memory
        talks = self.talks
        talks.next_id, talks.finished_count = saved.talks.next_id, saved.talks.finished
        talks.last_talked.clear()
        talks.talked_with.clear()
        for talk in saved.talks.last:
            talks.record(tuple(talk.people), talk.turn)
        talks.last_conversation.clear()
        talks.last_conversation.update(
            (name, v.last_talk) for name, v in saved.npcs.items() if v.last_talk is not None
        )
        self.usage.restore(saved.usage.calls, saved.usage.failures, saved.usage.per_npc)
        self.told.clear()
        self.told.update(saved.told)
        self.seed = saved.seed
        self.turn = saved.turn
        for part in fields(StoryState):  # into the same object, which the quests work on
            setattr(self.story, part.name, getattr(story, part.name))
        if saved.clock is not None:  # the time of day goes on from the save's
            self.clock_start = saved.clock.start
            self.minutes_per_turn = saved.clock.minutes_per_turn


def _tile(pair: tuple[int, int] | list[int]) -> Pos:
    return (pair[0], pair[1])


def newest(entries: list[str], budget: int) -> list[str]:
    """The newest of ``entries`` that a prompt reading ``budget`` characters of them may
    read, oldest first: what a save keeps of a memory."""
    chosen: list[str] = []
    used = 0
    for entry in reversed(entries):
        chosen.append(entry)
        used += len(entry) + 1
        if used > budget:
            break
    return chosen[::-1]


# ---- reading a save -----------------------------------------------------------------


def read_save(path: Path, content: Content, grid: Grid, *, with_player: bool) -> SavedGame:
    """The save in ``path``, checked against the village of ``content`` on ``grid``.

    Raises :class:`SaveError` with one line for the first problem found: a file that
    cannot be read, is cut short or is not JSON, a newer format, a field of the wrong
    kind, a save of another map or other villagers, a place that is not walkable.
    """
    where = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SaveError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SaveError(f"{where}: not a save file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        # Cut short: the text ends where the error is, or inside a string never closed.
        if exc.pos >= len(raw.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise SaveError(f"{where}: not a whole save file: it ends early ({exc.msg})") from None
        raise SaveError(f"{where}: not a save file: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(doc, dict):
        raise SaveError(f"{where}: not a save file (no fields at the top)")
    version = doc.get("format")
    if isinstance(version, int) and version > SAVE_FORMAT:
        raise SaveError(
            f"{where}: format: made by a newer Hamlet (format {version}; this one reads "
            f"up to {SAVE_FORMAT})"
        )
    try:
        data = SavedGame.model_validate(doc)
    except ValidationError as exc:
        raise SaveError(f"{where}: {_first_problem(exc)}") from None
    _check_against(data, content, grid, where, with_player=with_player)
    try:
        story_of(data, content)
    except StoryStateError as exc:
        raise SaveError(f"{where}: story.{exc}") from None
    return data


def story_of(saved: SavedGame, content: Content) -> StoryState:
    """The story ``saved`` holds (a save from before the story layer: not yet begun).
    Raises :class:`StoryStateError` naming the field that does not fit ``content``."""
    if saved.story is None:
        return StoryState.new(content)
    return StoryState.from_data(saved.story, content)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in error["loc"]) or "(top)"
    message = error["msg"]
    if error["type"] == "missing":
        message = "missing"
    elif error["type"] == "extra_forbidden":
        message = "not a field of a save"
    value = error.get("input")
    shown = "" if error["type"] in ("missing",) else f" (got {cut(repr(value), _SHOWN)})"
    return f"{loc}: {message}{shown}"


def _check_against(
    data: SavedGame, content: Content, grid: Grid, where: str, *, with_player: bool
) -> None:
    """A save fits this village: the same map, the same villagers, everyone on a tile
    they may stand on, no two on one tile."""
    here = map_ref(grid)
    if data.map.name != here.name or data.map.size != here.size:
        raise SaveError(
            f"{where}: map: made for {data.map.name!r} ({data.map.size[0]} x "
            f"{data.map.size[1]}); this game plays {here.name!r} ({here.size[0]} x {here.size[1]})"
        )
    if data.map.fingerprint != here.fingerprint:
        raise SaveError(
            f"{where}: map: made for another version of {here.name!r} (its tiles differ)"
        )
    saved, ours = set(data.npcs), {spec.name for spec in content.npcs}
    if saved != ours:
        missing, extra = sorted(ours - saved), sorted(saved - ours)
        parts = []
        if missing:
            parts.append(f"has no {', '.join(missing)}")
        if extra:
            are = "is" if len(extra) == 1 else "are"
            parts.append(f"has {', '.join(extra)}, who {are} not in this village")
        raise SaveError(f"{where}: npcs: made for other villagers: it {' and '.join(parts)}")
    taken: dict[Pos, str] = {}
    places: list[tuple[str, str, Pos]] = [
        (f"npcs.{name}.position", name, v.position) for name, v in data.npcs.items()
    ]
    if with_player and data.player is not None:
        places.append(("player.position", PLAYER_NAME, data.player.position))
    for field_name, who, pos in places:
        if not grid.in_bounds(pos):
            raise SaveError(f"{where}: {field_name}: {tuple(pos)} is off the map")
        if not grid.walkable(pos):
            kind = grid.tile(pos).name
            raise SaveError(f"{where}: {field_name}: {tuple(pos)} is {kind}, not a walkable tile")
        if pos in taken:
            raise SaveError(f"{where}: {field_name}: {tuple(pos)} is {taken[pos]}'s tile too")
        taken[pos] = who
    for name, v in data.npcs.items():
        for field_name, tiles in (
            ("destination", [v.destination]),
            ("errand", [v.errand]),
            ("route", v.route),
        ):
            for tile in tiles:
                if tile is not None and not grid.in_bounds(tile):
                    place = f"npcs.{name}.{field_name}"
                    raise SaveError(f"{where}: {place}: {tuple(tile)} is off the map")
