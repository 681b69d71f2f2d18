"""Load and validate maps/, npcs/ and the story (items/, quests/) into typed models,
collecting every problem.

Every problem is reported as ``file: field: what was expected`` so a game-maker can
fix their files without reading a traceback. Loading never stops at the first
problem: it gathers all it can find, then raises :class:`ContentError` once.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from game.content.models import (
    ID_PATTERN,
    NAME_PATTERN,
    ItemPlacement,
    LandmarkSpec,
    MapSpec,
    NpcSpec,
    Pair,
    Text,
    TileKindSpec,
    field_name,
    quoted,
)
from game.story.models import (
    ItemSpec,
    Known,
    QuestSpec,
    graph_problems,
    reference_problems,
)
from game.story.tree_models import TreeError, TreeSpec, parse_tree, tree_problems
from game.text import cut, one_line
from game.words import counted

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        field = cut(one_line(self.field), MAX_FIELD_CHARS)
        message = cut(one_line(self.message), MAX_MESSAGE_CHARS)
        return f"{self.file}: {field}: {message}"


class ContentError(Exception):
    """Raised with every problem found in the content."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Content:
    """Validated content: one map and its villagers, and the story's items and quests (none
    for a village without a story), with the files each came from."""

    map: MapSpec
    map_file: str
    npcs: tuple[NpcSpec, ...]
    npc_files: tuple[str, ...]
    items: tuple[ItemSpec, ...] = ()
    item_files: tuple[str, ...] = ()  # the file of each item, in the same order
    quests: tuple[QuestSpec, ...] = ()
    quest_files: tuple[str, ...] = ()
    # Each villager's behaviour tree, read and checked, by name (those with one).
    trees: Mapping[str, TreeSpec] = field(default_factory=dict)

    def known(self) -> Known:
        """What story content may name in this village (for checking behaviour trees)."""
        return Known.of(self.map, self.npcs, self.items, self.quests)


# A problem is one line a game-maker reads: each value it quotes is cut short where it is
# quoted (see quoted()); these are the last word, should one ever be missed.
MAX_FIELD_CHARS = 100
MAX_MESSAGE_CHARS = 400


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a pair [x, y]",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _describe(error: Any) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "string_type" and value is None and error["loc"][:1] == ("appearance",):
        # skin: #f0c8a0 reads as "skin:" and a comment: YAML starts comments with "#".
        return 'expected a colour in quotes, like "#a0b1c2" (unquoted, # starts a comment)'
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {quoted(value)}"
    if kind in ("too_short", "too_long") and isinstance(value, (list, tuple)):
        if error["loc"][-1:] in (("spawn",), ("player_spawn",)):
            return f"expected a pair [x, y], got {quoted(value)}"
        least, most = error["ctx"].get("min_length"), error["ctx"].get("max_length")
        bound = f"at least {least}" if kind == "too_short" else f"at most {most}"
        return f"expected {bound} item{'s' if (least or most) != 1 else ''}, got {len(value)}"
    if kind == "string_pattern_mismatch" and error["ctx"].get("pattern") == ID_PATTERN:
        return (
            "expected an id of lower-case letters, digits and _, starting with a letter, at "
            f"most 40 long (like iron_key), got {quoted(value)}"
        )
    if kind == "string_pattern_mismatch":
        return f"expected a colour like \"#a0b1c2\", got {quoted(value)}"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {quoted(value)}"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    message = message.replace("Input should be", "expected").replace("input should be", "expected")
    if kind not in {"value_error"} and value is not None and not isinstance(value, dict):
        message += f", got {quoted(value)}"
    return one_line(message)


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, but a key given twice in one mapping is an error, not a silent
    "the last one wins" (``name: Bo`` then ``name: Ada`` would quietly make Ada)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
                seen[key] = key_node.start_mark.line + 1
            except TypeError:  # an unhashable key: the normal error says so
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {quoted(key)} is given twice (lines {first} and "
                    f"{key_node.start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


# Content files larger than this are refused before they are read. Unbounded, a 50 MB NPC
# file kept --check reading for 16 to 53 s (and was accepted), and a 7,000 x 7,100 grid was
# refused for its size only after 12 to 17 s and 227 MB. The largest map allowed (500 x 500
# tiles) is about a quarter of it; a megabyte of YAML reads in about a second and a half.
MAX_CONTENT_BYTES = 1_000_000


def _amount(size: int) -> str:
    """A number of bytes as a game-maker reads it: "5.2 MB", "640 KB", "300 bytes"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 10_000:
        return f"{size // 1000} KB"
    return f"{size:,} bytes"


MAP_OR_NPC = "a map or NPC file"
STORY_FILE = "an item or quest file"


def _too_big(
    shown: str, size: int, limit: int, more: bool = False, what: str = MAP_OR_NPC
) -> Problem:
    return Problem(
        shown,
        "(file)",
        f"the file is {'more than ' if more else ''}{_amount(size)}; {what} may be "
        f"at most {_amount(limit)} (--max-content-bytes N allows more)",
    )


def _read_text(
    path: Path, shown: str, limit: int, what: str = MAP_OR_NPC
) -> tuple[str | None, list[Problem]]:
    """The file's text, or why it cannot be had: refused unread when it is larger than
    ``limit`` bytes, as its size says, or as reading one byte past the limit finds."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size > limit:
            return None, [_too_big(shown, size, limit, what=what)]
        raw = file.read(limit + 1)  # a file that grew, or one whose size is not told
    if len(raw) > limit:
        return None, [_too_big(shown, limit, limit, more=True, what=what)]
    # As read_text reads it: universal newlines.
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), []


def _read_yaml(
    path: Path, shown: str, limit: int = MAX_CONTENT_BYTES, what: str = MAP_OR_NPC
) -> tuple[dict[str, Any] | None, list[Problem]]:
    data, problems = _read_any(path, shown, limit, what)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        return None, [Problem(shown, "(top level)", f"expected a mapping of fields, got {kind}")]
    return data, []


def _read_any(path: Path, shown: str, limit: int, what: str) -> tuple[Any, list[Problem]]:
    """The YAML document in ``path``, whatever it holds, or the problems reading it."""
    try:
        text, problems = _read_text(path, shown, limit, what)
        if text is None:
            return None, problems
    except FileNotFoundError:
        return None, [Problem(shown, "(file)", "file not found")]
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        problem = "cannot be read as UTF-8 text: save the file as UTF-8"
        return None, [Problem(shown, f"line {line}", problem)]
    except OSError as exc:
        return None, [Problem(shown, "(file)", f"cannot be read: {exc.strerror or exc}")]
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
        said = one_line(problem)
        if "mapping values" in said:
            said += " (check this line's indentation, and put a value holding ': ' in quotes)"
        elif "block" in said or "indentation" in said:
            # PyYAML's words for a line indented more or less than the lines around it.
            said += " (check this line's indentation against the lines above it)"
        return None, [Problem(shown, where, f"YAML syntax error: {said}")]
    except RecursionError:
        return None, [Problem(shown, "(file)", "lists or mappings are nested too deeply")]
    except ValueError as exc:  # e.g. a number with more digits than Python will convert
        detail = one_line(str(exc).split(":")[0]) or "a value cannot be read"
        if "digits" in detail:
            detail = "a number has too many digits (at most 4300)"
        return None, [Problem(shown, "(file)", f"cannot be read: {detail}")]
    return data, []


def _validate(
    model: type[M], data: Any, shown: str, at: tuple[int | str, ...] = ()
) -> tuple[M | None, list[Problem]]:
    """``data`` as a ``model``, or every problem with it; ``at`` is where in its file it is."""
    try:
        return model.model_validate(data), []
    except RecursionError:
        return None, [Problem(shown, "(file)", "lists or mappings are nested too deeply")]
    except ValidationError as exc:
        return None, [
            Problem(shown, field_name((*at, *err["loc"])), _describe(err)) for err in exc.errors()
        ]


# Tiles along a side, at most. A 500 x 500 map starts in a few seconds; at 3,000 x 3,000
# the game took half a minute and 2 GB before the first turn, showing nothing meanwhile.
MAX_MAP_SIDE = 500

_TEXT: TypeAdapter[str] = TypeAdapter(Text)
_PAIR: TypeAdapter[tuple[int, int]] = TypeAdapter(Pair)
_ENTRY: TypeAdapter[TileKindSpec] = TypeAdapter(TileKindSpec)
_LANDMARK: TypeAdapter[LandmarkSpec] = TypeAdapter(LandmarkSpec)
_PLACEMENT: TypeAdapter[ItemPlacement] = TypeAdapter(ItemPlacement)


def _alone(adapter: TypeAdapter[T], value: object) -> T | None:
    """``value`` read as one field on its own, or None if it is wrong (as reported already)."""
    try:
        return adapter.validate_python(value)
    except (ValidationError, RecursionError):
        return None


@dataclass(frozen=True)
class _Terrain:
    """A map's tiles, as far as each part of the map file can be read on its own.

    One wrong legend entry or a misspelt ``nmae`` must not hide the rest: the grid, the good
    legend entries and the spawns are still checked, and the villagers' spawns against
    them, so that one round of ``--check`` shows every problem there is.
    """

    grid: str | None  # None: no grid to read
    rows: tuple[str, ...]
    width: int  # the width most rows have
    blank: tuple[int, ...]  # blank lines inside the grid (from 0): rows after one are in doubt
    legend: dict[str, TileKindSpec | None] | None  # symbol -> entry, None where it is wrong
    landmarks: tuple[tuple[int, LandmarkSpec], ...]  # the good ones, with their place in the list
    player_spawn: tuple[int, int] | None
    items: tuple[tuple[int, ItemPlacement], ...] = ()  # the good ones, with their place

    def known(self, **names: Any) -> Known:
        """What story content may name, as far as this map can tell, with ``names`` (items,
        quests, npcs) from the other files."""
        tiles = self.grid is not None and not self.blank
        legend = {s: (e.kind, e.walkable) for s, e in (self.legend or {}).items() if e}
        landmarks = {lm.name.lower(): lm.name for _, lm in self.landmarks}
        rows = self.rows if tiles else None
        return Known(landmarks=landmarks, rows=rows, legend=legend, **names)


def _terrain(data: dict[str, Any]) -> _Terrain:
    grid = _alone(_TEXT, data.get("grid"))
    rows = tuple(row.rstrip() for row in grid.splitlines() if row.strip()) if grid else ()
    # The width most rows have: one long row 0 must not make every other row the odd one.
    widths = Counter(len(row) for row in rows)
    width = max(widths, key=lambda w: (widths[w], w)) if rows else 0
    lines = grid.splitlines() if grid else []
    filled = [i for i, line in enumerate(lines) if line.strip()]
    blank = tuple(i for i in range(filled[0], filled[-1]) if not lines[i].strip()) if filled else ()
    raw_legend = data.get("legend")
    legend = None
    if isinstance(raw_legend, dict) and raw_legend:
        legend = {
            symbol: _alone(_ENTRY, entry)
            for symbol, entry in raw_legend.items()
            if isinstance(symbol, str) and len(symbol) == 1 and not symbol.isspace()
        }
    raw_landmarks = data.get("landmarks")
    landmarks = tuple(
        (i, landmark)
        for i, item in enumerate(raw_landmarks if isinstance(raw_landmarks, list) else [])
        if (landmark := _alone(_LANDMARK, item)) is not None
    )
    spawn = _alone(_PAIR, data["player_spawn"]) if "player_spawn" in data else None
    raw_items = data.get("items")
    items = tuple(
        (i, placement)
        for i, item in enumerate(raw_items if isinstance(raw_items, list) else [])
        if (placement := _alone(_PLACEMENT, item)) is not None
    )
    return _Terrain(grid, rows, width, blank, legend, landmarks, spawn, items)


def _grid_problems(terrain: _Terrain, shown: str) -> list[Problem]:
    """The grid's size and rows, and the landmarks' bounds and names."""
    problems: list[Problem] = []
    rows, width, height = terrain.rows, terrain.width, len(terrain.rows)
    widest = max(map(len, rows), default=0)
    if widest > MAX_MAP_SIDE or height > MAX_MAP_SIDE:
        side = MAX_MAP_SIDE
        problems.append(
            Problem(
                shown,
                "grid",
                f"the map is {widest} x {height} tiles; at most {side} x {side} is allowed",
            )
        )
    elif terrain.grid is not None:
        problems += _row_problems(terrain, shown)
        for i, landmark in terrain.landmarks:
            if landmark.x + landmark.w > width or landmark.y + landmark.h > height:
                problems.append(
                    Problem(
                        shown,
                        f"landmarks[{i}]",
                        f"{quoted(landmark.name)} spans x "
                        f"{landmark.x}..{landmark.x + landmark.w - 1}, "
                        f"y {landmark.y}..{landmark.y + landmark.h - 1}, outside the "
                        f"{width}x{height} grid",
                    )
                )
    first: dict[str, int] = {}
    for i, landmark in terrain.landmarks:
        key = one_line(landmark.name.lower())
        if key in first:  # villagers are told places by name: two would be one to them
            problems.append(
                Problem(
                    shown,
                    f"landmarks[{i}].name",
                    f"{quoted(landmark.name)} is also the name of landmarks[{first[key]}]: "
                    "expected a name of its own",
                )
            )
        first.setdefault(key, i)
    return problems


LEGEND_SHOWN = 30  # symbols an unknown-symbol problem lists


def _row_problems(terrain: _Terrain, shown: str) -> list[Problem]:
    """Blank lines, rows of the wrong length and symbols the legend does not have."""
    # A blank line would have every row after it numbered one off.
    problems = [
        Problem(shown, "grid", f"line {i + 1} of the grid is blank: a row needs tiles")
        for i in terrain.blank
    ]
    legend = terrain.legend
    for y, row in enumerate(terrain.rows):
        if len(row) != terrain.width:
            problems.append(
                Problem(
                    shown,
                    "grid",
                    f"row {y} has {len(row)} tiles, expected {terrain.width} like the rest",
                )
            )
        if legend is None:  # no legend to read the grid by: its own problem says so
            continue
        for ch in sorted({ch for ch in row if ch not in legend}):
            x = row.index(ch)
            known = " ".join(list(legend)[:LEGEND_SHOWN])
            if len(legend) > LEGEND_SHOWN:
                known += f" and {len(legend) - LEGEND_SHOWN} more"
            hint = ' (in the legend, quote it: "#": ..., as YAML reads # as a comment)'
            problems.append(
                Problem(
                    shown,
                    "grid",
                    f"row {y}, column {x}: unknown symbol {ch!r} (the legend has: {known})"
                    + (hint if ch == "#" else ""),
                )
            )
    return problems


def _tile_problem(terrain: _Terrain, pos: tuple[int, int]) -> tuple[bool, str | None]:
    """Whether anyone can be told to stand on tile ``pos``: (whether the map says, and if so
    what is wrong with it, or None). The map cannot say where its grid is missing or short,
    or the tile's legend entry is wrong or missing: each of those is a problem of its own."""
    if terrain.grid is None or terrain.blank:
        return False, None
    x, y = pos
    rows, width, height = terrain.rows, terrain.width, len(terrain.rows)
    row = rows[y] if 0 <= y < height else ""
    if not (0 <= y < height and 0 <= x < max(width, len(row))):
        return True, f"tile ({x}, {y}) is outside the {width}x{height} map"
    tile = terrain.legend.get(row[x]) if terrain.legend is not None and x < len(row) else None
    if tile is None:
        return False, None
    if not tile.walkable:
        return True, f"tile ({x}, {y}) is {cut(one_line(tile.kind), 40)}, not walkable"
    return True, None


def _read_map(
    path: Path, limit: int = MAX_CONTENT_BYTES
) -> tuple[MapSpec | None, _Terrain, list[Problem]]:
    """The map (None if anything is wrong with it), what can be read of its tiles, and
    every problem with it."""
    shown = display_path(path)
    data, problems = _read_yaml(path, shown, limit)
    if data is None:
        return None, _terrain({}), problems
    spec, problems = _validate(MapSpec, data, shown)
    terrain = _terrain(data)
    problems += _grid_problems(terrain, shown)
    if terrain.player_spawn is not None:
        _, where = _tile_problem(terrain, terrain.player_spawn)
        if where:
            problems.append(Problem(shown, "player_spawn", where))
    return (None if problems else spec), terrain, problems


def load_map(path: Path, max_bytes: int = MAX_CONTENT_BYTES) -> MapSpec:
    """Load one map file on its own; raises :class:`ContentError`."""
    spec, _, problems = _read_map(path, max_bytes)
    if spec is None:
        raise ContentError(problems)
    return spec


def _spawn_problems(
    terrain: _Terrain, npcs: list[tuple[str, NpcSpec]], map_file: str
) -> list[Problem]:
    """Villagers spawned where no one can stand, or on a tile already taken; and, in one
    line, whose spawns the map is too broken to check."""
    problems: list[Problem] = []
    taken: dict[tuple[int, int], str] = {}
    if terrain.player_spawn is not None:
        taken[terrain.player_spawn] = "the player's spawn"
    unchecked: list[str] = []
    for shown, npc in npcs:
        known, where = _tile_problem(terrain, npc.spawn)
        if where:
            problems.append(Problem(shown, "spawn", where))
            continue
        if not known:
            unchecked.append(shown)
        if npc.spawn in taken:  # two on one tile is wrong whatever the tile is
            x, y = npc.spawn
            problems.append(
                Problem(shown, "spawn", f"tile ({x}, {y}) is taken by {taken[npc.spawn]}")
            )
        else:
            taken[npc.spawn] = f"{npc.name} ({shown})"
    if unchecked:
        files = ", ".join(unchecked[:3])
        if len(unchecked) > 3:
            files += f" and {len(unchecked) - 3} more"
        problems.append(
            Problem(
                map_file,
                "(spawns)",
                f"{counted(len(unchecked), 'spawn')} could not be checked against this map's "
                f"tiles ({files}): fix its problems above, then check again",
            )
        )
    return problems


def _yaml_files(folder: Path) -> list[Path]:
    """The ``*.yaml`` (or ``.yml``, any case) files in ``folder``, by name."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file()
    )


def load_content(
    map_path: Path,
    npc_dir: Path,
    max_bytes: int = MAX_CONTENT_BYTES,
    *,
    items_dir: Path | None = None,
    quests_dir: Path | None = None,
) -> Content:
    """Load a map, every ``*.yaml`` (or ``.yml``, any case) NPC file in ``npc_dir``, and
    the story: item files in ``items_dir`` and quest files in ``quests_dir``.

    Raises :class:`ContentError` with every problem found, in the map and all the other
    files: first each file's own, then those between files (spawns, names, what a quest
    or a placed item names). A file larger than ``max_bytes`` is refused unread.

    ``items_dir`` and ``quests_dir`` default to ``items/`` and ``quests/`` beside
    ``npc_dir`` (see :func:`story_dirs`); a default folder that is not there means a
    village without that part of a story, while a folder named but not there is a problem.
    """
    map_spec, terrain, problems = _read_map(map_path, max_bytes)

    npcs: list[tuple[str, NpcSpec]] = []
    broken_names: list[str] = []  # names in NPC files that did not load
    shown_dir = display_path(npc_dir)
    if not npc_dir.is_dir():
        problems.append(Problem(shown_dir, "(folder)", "NPC folder not found"))
        files: list[Path] = []
    else:
        files = _yaml_files(npc_dir)
        if not files:
            problems.append(
                Problem(shown_dir, "(folder)", "no NPC files (*.yaml) in it: a village needs one")
            )
    for file in files:
        shown = display_path(file)
        data, file_problems = _read_yaml(file, shown, max_bytes)
        if data is not None:
            npc, file_problems = _validate(NpcSpec, data, shown)
            if npc is not None:
                npcs.append((shown, npc))
            elif _named(data, "name", NAME_PATTERN):
                broken_names.append(data["name"])
        problems.extend(file_problems)

    names: dict[str, str] = {}
    for shown, npc in npcs:
        key = npc.name.lower()
        if key in names:
            problems.append(
                Problem(shown, "name", f"{npc.name!r} is already used by {names[key]}")
            )
        else:
            names[key] = shown

    problems.extend(_spawn_problems(terrain, npcs, display_path(map_path)))

    default_items, default_quests = story_dirs(npc_dir)
    items, broken_items, item_problems = _load_items(
        items_dir or default_items, max_bytes, named=items_dir is not None
    )
    quests, broken_quests, quest_problems = _load_quests(
        quests_dir or default_quests, max_bytes, named=quests_dir is not None
    )
    problems += item_problems + quest_problems
    known = terrain.known(
        items=frozenset([*(item.id for _, item in items), *broken_items]),
        quests={
            **{q: {} for q in broken_quests},
            **{q.id: {s.id: tuple(n.id for n in s.nodes) for s in q.stages} for _, q in quests},
        },
        npcs=frozenset([*(npc.name for _, npc in npcs), *broken_names]),
    )
    problems += _story_problems(
        known, terrain, npcs, quests, display_path(map_path), all_quests=not broken_quests
    )
    trees, tree_problems_found = _read_trees(npcs, known)
    problems += tree_problems_found

    if problems or map_spec is None:
        raise ContentError(problems)
    return Content(
        map=map_spec,
        map_file=display_path(map_path),
        npcs=tuple(npc for _, npc in npcs),
        npc_files=tuple(shown for shown, _ in npcs),
        items=tuple(item for _, item in items),
        item_files=tuple(shown for shown, _ in items),
        quests=tuple(quest for _, quest in quests),
        quest_files=tuple(shown for shown, _ in quests),
        trees=trees,
    )


def _read_trees(
    npcs: list[tuple[str, NpcSpec]], known: Known
) -> tuple[dict[str, TreeSpec], list[Problem]]:
    """The behaviour trees of the villagers that have one, read and checked against the
    rest of the content: every problem in every tree, each at its place in the tree."""
    trees: dict[str, TreeSpec] = {}
    problems: list[Problem] = []
    for shown, npc in npcs:
        if npc.tree is None:
            continue
        try:
            spec = parse_tree(npc.tree)
        except TreeError as exc:
            problems += [Problem(shown, where, said) for where, said in exc.problems]
            continue
        found = tree_problems(spec, known)
        problems += [Problem(shown, where, said) for where, said in found]
        if not found:
            trees[npc.name] = spec
    return trees, problems


_ID = re.compile(ID_PATTERN)


def _named(data: object, key: str, pattern: re.Pattern[str]) -> bool:
    """Whether a file (or entry) that did not load still gives itself a good name, which
    others may then name without being blamed for it."""
    name = data.get(key) if isinstance(data, dict) else None
    return isinstance(name, str) and bool(pattern.match(name))


def _story_folder(folder: Path, what: str, named: bool) -> tuple[list[Path], list[Problem]]:
    """The files of a story folder. One that is not there is a village without that part
    of a story, unless the game-maker named it (``--quests my_quests``)."""
    if folder.is_dir():
        return _yaml_files(folder), []
    if named:
        return [], [Problem(display_path(folder), "(folder)", f"{what} folder not found")]
    return [], []


def _load_items(
    folder: Path, max_bytes: int, *, named: bool = False
) -> tuple[list[tuple[str, ItemSpec]], list[str], list[Problem]]:
    """Every item in the folder's files, each with its file; the ids of items that did not
    load; and the problems, ids declared twice among them. A file is a list of items, or
    ``items:`` and the list."""
    files, problems = _story_folder(folder, "item", named)
    items: list[tuple[str, ItemSpec]] = []
    broken: list[str] = []
    first: dict[str, str] = {}
    for file in files:
        shown = display_path(file)
        data, file_problems = _read_any(file, shown, max_bytes, STORY_FILE)
        problems += file_problems
        if file_problems:
            continue
        at: tuple[int | str, ...] = ()
        if isinstance(data, dict):
            problems += [
                Problem(shown, field_name((key,)), "unknown field (check the spelling)")
                for key in data
                if key != "items"
            ]
            at, data = ("items",), data.get("items", [])
        if not isinstance(data, list):
            field = field_name(at) if at else "(top level)"
            got = "nothing" if data is None else quoted(data)
            expected = "a list of items" + ("" if at else ", or items: and a list of them")
            problems.append(Problem(shown, field, f"expected {expected}, got {got}"))
            continue
        for i, entry in enumerate(data):
            item, entry_problems = _validate(ItemSpec, entry, shown, (*at, i))
            problems += entry_problems
            if item is None:
                if _named(entry, "id", _ID):
                    broken.append(entry["id"])
                continue
            where = f"{shown} ({field_name((*at, i))})"
            if item.id in first:
                problems.append(
                    Problem(
                        shown,
                        field_name((*at, i, "id")),
                        f"{quoted(item.id)} is also the id of an item in {first[item.id]}",
                    )
                )
                continue
            first[item.id] = where
            items.append((shown, item))
    return items, broken, problems


def _load_quests(
    folder: Path, max_bytes: int, *, named: bool = False
) -> tuple[list[tuple[str, QuestSpec]], list[str], list[Problem]]:
    """Every quest, one a file, with its file; the ids of quests that did not load; and the
    problems: each file's own (its fields, its beat graph) and ids given twice."""
    files, problems = _story_folder(folder, "quest", named)
    quests: list[tuple[str, QuestSpec]] = []
    broken: list[str] = []
    first: dict[str, str] = {}
    for file in files:
        shown = display_path(file)
        data, file_problems = _read_yaml(file, shown, max_bytes, STORY_FILE)
        if data is not None:
            quest, file_problems = _validate(QuestSpec, data, shown)
            if quest is None:
                if _named(data, "id", _ID):
                    broken.append(data["id"])
            elif quest.id in first:
                said = f"{quoted(quest.id)} is also the id of the quest in {first[quest.id]}"
                file_problems.append(Problem(shown, "id", said))
            else:
                first[quest.id] = shown
                quests.append((shown, quest))
                file_problems += [Problem(shown, f, m) for f, m in graph_problems(quest)]
        problems += file_problems
    return quests, broken, problems


def _story_problems(
    known: Known,
    terrain: _Terrain,
    npcs: list[tuple[str, NpcSpec]],
    quests: list[tuple[str, QuestSpec]],
    map_file: str,
    *,
    all_quests: bool,
) -> list[Problem]:
    """What the map, the villagers and the quests name of the story that the village does
    not have; and quests nothing can start. ``all_quests``: every quest file loaded, so a
    quest no other starts is known to be one."""
    problems: list[Problem] = []
    for i, placed in terrain.items:
        if (said := known.item_problem(placed.item)) is not None:
            problems.append(Problem(map_file, f"items[{i}].item", said))
        if (said := known.tile_problem(placed.at)) is not None:
            problems.append(Problem(map_file, f"items[{i}].at", said))
    for shown, npc in npcs:
        for k, carried in enumerate(npc.carries):
            if (said := known.item_problem(carried.item)) is not None:
                problems.append(Problem(shown, f"carries[{k}].item", said))
    started = {
        action.start_quest
        for _, quest in quests
        for stage in quest.stages
        for node in stage.nodes
        for action in (*node.on_enter, *node.on_complete)
        if action.start_quest is not None
    }
    for shown, quest in quests:
        problems += [Problem(shown, f, m) for f, m in reference_problems(quest, known)]
        if quest.starts == "manual" and quest.id not in started and all_quests:
            problems.append(
                Problem(
                    shown,
                    "starts",
                    f"manual, but no quest has a start_quest: {quest.id} action, so it can "
                    "never start: expected at_start, {on_flag: <flag>}, or such an action",
                )
            )
    return problems


def story_dirs(npc_dir: Path) -> tuple[Path, Path]:
    """``items/`` and ``quests/`` beside the NPC folder: where a village keeps its story."""
    return npc_dir.parent / "items", npc_dir.parent / "quests"


def default_content_paths() -> tuple[Path, Path]:
    """maps/village.yaml and npcs/ next to the package, or in the working directory."""
    root = Path(os.environ.get("HAMLET_ROOT", Path(__file__).resolve().parents[2]))
    return root / "maps" / "village.yaml", root / "npcs"
