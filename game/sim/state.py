"""The village state that a save keeps, and its file format.

What lasts of a village from turn to turn is gathered here in one typed
:class:`VillageState`: the turn number, every villager's place, facing, doings,
destination and route, what it heard and has yet to write down, its rest and cooldown
bookkeeping, the conversations' ledger and next id, the memory entries its prompts read,
the usage meter, the player's place, and the seed of the offline brain (whose every
answer is drawn from the seed, the villager and the turn, so the seed is all of its
random state). What happens only inside a turn (who it saw when it made up its mind,
whom it could talk to, why it idles) is not in it: a save is taken between villager
actions, and a loaded game starts the turn after the one saved.

The file is JSON, checked on load by pydantic models that forbid unknown fields, then
against the village it is loaded into: every problem is one line naming the file and
the field (``save.json: npcs.Bram.position: (40, 24) is water, not a walkable tile``).
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.text import cut
from game.world import PLAYER_NAME, Facing

if TYPE_CHECKING:
    from pathlib import Path

    from game.content.loader import Content
    from game.world import Grid, Pos

SAVE_FORMAT = 1
"""The format this game writes, and the newest it reads."""

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


class _SaveFile(BaseModel):
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


@dataclass(frozen=True)
class VillageState:
    """One village at one moment between villager actions: all a save keeps.

    Made from a running simulation by ``Simulation.snapshot()`` and put back by
    ``Simulation.restore()``; to and from JSON by :meth:`to_json` and :func:`read_save`.
    The JSON of a state read back is the same, byte for byte.
    """

    data: _SaveFile

    @property
    def turn(self) -> int:
        return self.data.turn

    def to_json(self) -> str:
        return self.data.model_dump_json(indent=1)


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


def build_state(**fields: Any) -> VillageState:
    """A state from its parts (as the simulation gathers them)."""
    return VillageState(_SaveFile(format=SAVE_FORMAT, **fields))


def new_villager(**fields: Any) -> _Villager:
    return _Villager(**fields)


def new_player(position: Pos, facing: Facing) -> _Player:
    return _Player(position=position, facing=facing)


def new_talks(ledger: TalkLedger) -> _Talks:
    last = [
        _Talk(people=sorted(pair), turn=turn)
        for pair, turn in sorted(ledger.last_talked.items(), key=lambda kv: (kv[1], sorted(kv[0])))
    ]
    return _Talks(next_id=ledger.next_id, finished=ledger.finished_count, last=last)


def ledger_of(talks: _Talks, villagers: dict[str, _Villager]) -> TalkLedger:
    ledger = TalkLedger(next_id=talks.next_id, finished_count=talks.finished)
    for talk in talks.last:
        ledger.record(tuple(talk.people), talk.turn)
    ledger.last_conversation = {
        name: v.last_talk for name, v in villagers.items() if v.last_talk is not None
    }
    return ledger


def new_usage(calls: int, failures: int, per_npc: dict[str, tuple[int, int]]) -> _Usage:
    return _Usage(calls=calls, failures=failures, per_npc=per_npc)


# ---- reading a save -----------------------------------------------------------------


def read_save(path: Path, content: Content, grid: Grid, *, with_player: bool) -> VillageState:
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
        if exc.pos >= len(raw.rstrip()) - 1:
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
        data = _SaveFile.model_validate(doc)
    except ValidationError as exc:
        raise SaveError(f"{where}: {_first_problem(exc)}") from None
    _check_against(data, content, grid, where, with_player=with_player)
    return VillageState(data)


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
    data: _SaveFile, content: Content, grid: Grid, where: str, *, with_player: bool
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
        for field_name, tiles in (("destination", [v.destination]), ("route", v.route)):
            for tile in tiles:
                if tile is not None and not grid.in_bounds(tile):
                    place = f"npcs.{name}.{field_name}"
                    raise SaveError(f"{where}: {place}: {tuple(tile)} is off the map")
