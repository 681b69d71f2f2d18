"""Typed models of the game's content files: one map, one file per NPC.

The models validate each file on its own (types, required fields, ranges). Checks
that need two files at once (is a spawn on a walkable tile? do two villagers share
a tile? is an item id declared?) live in :mod:`game.content.loader`. The story's own
files (items, quests) are modelled in :mod:`game.story.models`; the two story fields a
map or NPC file holds (items lying on the map, what a villager carries) are here, as
the map and NPC models need them.
"""

from __future__ import annotations

import json
import re
import reprlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from game.text import cut

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Pair = tuple[StrictInt, StrictInt]  # a tile [x, y]; strict, so [true, 6] is not taken as (1, 6)
#: Item, quest, stage, node and flag ids: snake_case, as a game-maker types them in YAML.
ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

_QUOTED = reprlib.Repr()
_QUOTED.maxlevel = 3
_QUOTED.maxstring = 60
_QUOTED.maxother = 60
_QUOTED.maxlong = 40
_QUOTED.maxlist = _QUOTED.maxtuple = _QUOTED.maxdict = _QUOTED.maxset = 6


def quoted(value: object) -> str:
    """A value as a problem quotes it: at most about 60 characters, on one line, whatever
    it is. Quoted whole, a 1 MB name made a problem line of a million characters."""
    try:
        return _QUOTED.repr(value)
    except Exception:  # noqa: BLE001 - a value too odd to show must not hide the problem
        return f"a {type(value).__name__}"


MAX_KEY_CHARS = 40


def _key(part: str) -> str:
    """A mapping key as shown in a field name. A key with a colon (which separates file,
    field and message), a line break or other odd characters is quoted, the colon
    written \\u003a, so every problem stays ``file: field: message`` on one line."""
    if len(part) > MAX_KEY_CHARS:  # a key of a megabyte is shown by its start
        return json.dumps(cut(part, MAX_KEY_CHARS), ensure_ascii=False).replace(":", "\\u003a")
    if part and part == part.strip() and ":" not in part and part.isprintable():
        return part
    return json.dumps(part, ensure_ascii=False).replace(":", "\\u003a")


def field_name(loc: tuple[int | str, ...]) -> str:
    """``("tree", "root", "selector", 0)`` -> ``tree.root.selector[0]``: where a problem is,
    as every content problem names it."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            key = _key(str(part))
            name += f".{key}" if name else key
    return name or "(top level)"



#: Names the simulation reserves for itself; no villager may take one.
RESERVED_NAMES = frozenset({"player", "you", "nobody"})
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z'-]{0,23}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TileKindSpec(_Model):
    """What one legend symbol stands for."""

    kind: Text
    walkable: bool


class LandmarkSpec(_Model):
    """A named rectangle of tiles, such as "the eastern pond"."""

    name: Text
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    w: int = Field(ge=1)
    h: int = Field(ge=1)


class ItemStack(_Model):
    """Some of one item: ``{item: honey_cake, count: 2}``."""

    item: Id
    count: StrictInt = Field(default=1, ge=1, le=999)


class ItemPlacement(_Model):
    """An item lying on the map at the start: ``{item: iron_key, at: [x, y]}``."""

    item: Id
    at: Pair


# "HH:MM" (or "H:MM"), 00:00 to 23:59. game.story.clock.parse_time reads it; the rule is
# written out here too because content imports no other part of the game.
TIME_OF_DAY = re.compile(r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
_TIME_EXPECTED = 'expected a time of day "HH:MM", from 00:00 to 23:59'


class MapSpec(_Model):
    """A map file: an ASCII grid, the legend that reads it, landmarks, the player's spawn,
    the items lying about (ids declared in items/, checked by the loader) and the time of
    day the game starts at."""

    name: Text
    legend: dict[str, TileKindSpec] = Field(min_length=1)
    grid: Text
    landmarks: list[LandmarkSpec] = Field(default_factory=list)
    player_spawn: Pair
    items: list[ItemPlacement] = Field(default_factory=list)
    start_time: str = "08:00"

    @field_validator("start_time", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 22:40 as a number in base 60 (1360).
            raise ValueError(
                'expected a time of day in quotes, like "21:30" (unquoted, YAML reads 21:30 '
                f"as a number), got {quoted(value)}"
            )
        if not isinstance(value, str) or not TIME_OF_DAY.match(value.strip()):
            raise ValueError(f"{_TIME_EXPECTED}, got {quoted(value)}")
        return value.strip()

    @field_validator("legend")
    @classmethod
    def _single_characters(cls, legend: dict[str, TileKindSpec]) -> dict[str, TileKindSpec]:
        for symbol in legend:
            if len(symbol) != 1 or symbol.isspace():
                raise ValueError(
                    f"legend keys must be single visible characters, got {quoted(symbol)}"
                )
        return legend

    @property
    def rows(self) -> list[str]:
        """The grid's rows, blank lines and trailing spaces removed."""
        return [row.rstrip() for row in self.grid.splitlines() if row.strip()]


class Appearance(_Model):
    """Sprite colours, as "#rrggbb"."""

    skin: Colour
    hair: Colour
    shirt: Colour
    trousers: Colour


class Lines(_Model):
    """Short lines in the villager's own voice, used by the offline brain and as flavour."""

    greetings: list[Text] = Field(min_length=1)
    farewells: list[Text] = Field(min_length=1)
    small_talk: list[Text] = Field(min_length=1)


class NpcSpec(_Model):
    """One villager: who they are, where they start, how they look."""

    name: Text
    importance: Literal["major", "minor"]
    spawn: Pair
    vision_range: int = Field(ge=1, le=20)
    appearance: Appearance
    description: Text
    traits: list[Text] = Field(min_length=1)
    goals: list[Text] = Field(min_length=1)
    knowledge: list[Text] = Field(min_length=1)
    lines: Lines
    # The story (issue 18): flags whose values go into this villager's prompts, and what it
    # carries at the start. A village without a story leaves both out.
    knows_flags: list[Id] = Field(default_factory=list)
    carries: list[ItemStack] = Field(default_factory=list)
    # A placeholder the behaviour-tree work replaces with its own model.
    tree: Any | None = None

    @field_validator("name")
    @classmethod
    def _speakable_name(cls, name: str) -> str:
        if not NAME_PATTERN.match(name):
            raise ValueError(
                "expected one word, up to 24 of the letters A-Z and a-z, ' and - (it is used "
                f"in directives), got {quoted(name)}"
            )
        if name.lower() in RESERVED_NAMES:
            raise ValueError(f"{quoted(name)} is reserved by the game")
        return name
