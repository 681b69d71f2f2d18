"""Load and validate maps/ and npcs/ into typed models, collecting every problem.

Every problem is reported as ``file: field: what was expected`` so a game-maker can
fix their files without reading a traceback. Loading never stops at the first
problem: it gathers all it can find, then raises :class:`ContentError` once.
"""

from __future__ import annotations

import json
import os
import reprlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from game.content.models import MapSpec, NpcSpec

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found in the content."""

    def __init__(self, problems: Iterable[Problem], *, grid: MapSpec | None = None) -> None:
        self.problems = tuple(problems)
        # A map whose grid, legend and spawns were good though other fields were not: the
        # villagers' spawns are still checked against it, so one round shows every problem.
        self.grid = grid
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Content:
    """Validated content: one map and its villagers, with the files they came from."""

    map: MapSpec
    map_file: str
    npcs: tuple[NpcSpec, ...]
    npc_files: tuple[str, ...]


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _key(part: str) -> str:
    """A mapping key as shown in a field name. A key with a colon (which separates file,
    field and message), a line break or other odd characters is quoted, the colon
    written \\u003a, so every problem stays ``file: field: message`` on one line."""
    if part and part == part.strip() and ":" not in part and part.isprintable():
        return part
    return json.dumps(part, ensure_ascii=False).replace(":", "\\u003a")


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            key = _key(str(part))
            name += f".{key}" if name else key
    return name or "(top level)"


_SHOWN = reprlib.Repr()
_SHOWN.maxlevel = 3
_SHOWN.maxstring = 60
_SHOWN.maxother = 60
_SHOWN.maxlong = 40
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 6


def _shown(value: object) -> str:
    """A value as quoted in a problem: short, on one line, whatever it is."""
    try:
        return _SHOWN.repr(value)
    except Exception:  # noqa: BLE001 - a value too odd to show must not hide the problem
        return f"a {type(value).__name__}"


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
        return f"expected {_TYPE_WORDS[kind]}, got {_shown(value)}"
    if kind in ("too_short", "too_long") and isinstance(value, (list, tuple)):
        if error["loc"][-1:] in (("spawn",), ("player_spawn",)):
            return f"expected a pair [x, y], got {_shown(value)}"
        least, most = error["ctx"].get("min_length"), error["ctx"].get("max_length")
        bound = f"at least {least}" if kind == "too_short" else f"at most {most}"
        return f"expected {bound} item{'s' if (least or most) != 1 else ''}, got {len(value)}"
    if kind == "string_pattern_mismatch":
        return f"expected a colour like \"#a0b1c2\", got {_shown(value)}"
    if kind == "literal_error":
        return f"expected {error['ctx']['expected']}, got {_shown(value)}"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    message = message.replace("Input should be", "expected").replace("input should be", "expected")
    if kind not in {"value_error"} and value is not None and not isinstance(value, dict):
        message += f", got {_shown(value)}"
    return " ".join(message.split())


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
                    f"the key {key!r} is given twice (lines {first} and "
                    f"{key_node.start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path, shown: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
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
        said = " ".join(problem.split())
        if "mapping values" in said:
            said += " (check this line's indentation, and put a value holding ': ' in quotes)"
        elif "block" in said or "indentation" in said:
            # PyYAML's words for a line indented more or less than the lines around it.
            said += " (check this line's indentation against the lines above it)"
        return None, [Problem(shown, where, f"YAML syntax error: {said}")]
    except RecursionError:
        return None, [Problem(shown, "(file)", "lists or mappings are nested too deeply")]
    except ValueError as exc:  # e.g. a number with more digits than Python will convert
        detail = " ".join(str(exc).split(":")[0].split()) or "a value cannot be read"
        if "digits" in detail:
            detail = "a number has too many digits (at most 4300)"
        return None, [Problem(shown, "(file)", f"cannot be read: {detail}")]
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        return None, [Problem(shown, "(top level)", f"expected a mapping of fields, got {kind}")]
    return data, []


def _validate(model: type[M], data: dict[str, Any], shown: str) -> tuple[M | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except RecursionError:
        return None, [Problem(shown, "(file)", "lists or mappings are nested too deeply")]
    except ValidationError as exc:
        return None, [
            Problem(shown, _field_name(tuple(err["loc"])), _describe(err)) for err in exc.errors()
        ]


# Tiles along a side, at most. A 500 x 500 map starts in a few seconds; at 3,000 x 3,000
# the game took half a minute and 2 GB before the first turn, showing nothing meanwhile.
MAX_MAP_SIDE = 500


def _grid_problems(spec: MapSpec, shown: str) -> list[Problem]:
    rows = spec.rows
    width, height = max(map(len, rows), default=0), len(rows)
    if width > MAX_MAP_SIDE or height > MAX_MAP_SIDE:
        side = MAX_MAP_SIDE
        return [
            Problem(
                shown,
                "grid",
                f"the map is {width} x {height} tiles; at most {side} x {side} is allowed",
            )
        ]
    problems: list[Problem] = []
    lines = spec.grid.splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if filled:
        for i in range(filled[0], filled[-1] + 1):
            if not lines[i].strip():  # else every row after it would be numbered one off
                problems.append(
                    Problem(shown, "grid", f"line {i + 1} of the grid is blank: a row needs tiles")
                )
    # The width most rows have: one long row 0 must not make every other row the odd one.
    widths = Counter(len(row) for row in rows)
    width = max(widths, key=lambda w: (widths[w], w)) if rows else 0
    for y, row in enumerate(rows):
        if len(row) != width:
            problems.append(
                Problem(
                    shown, "grid", f"row {y} has {len(row)} tiles, expected {width} like the rest"
                )
            )
        unknown = sorted({ch for ch in row if ch not in spec.legend})
        for ch in unknown:
            x = row.index(ch)
            known = " ".join(spec.legend)
            hint = ' (in the legend, quote it: "#": ..., as YAML reads # as a comment)'
            problems.append(
                Problem(
                    shown,
                    "grid",
                    f"row {y}, column {x}: unknown symbol {ch!r} (the legend has: {known})"
                    + (hint if ch == "#" else ""),
                )
            )
    height = len(rows)
    for i, landmark in enumerate(spec.landmarks):
        if landmark.x + landmark.w > width or landmark.y + landmark.h > height:
            problems.append(
                Problem(
                    shown,
                    f"landmarks[{i}]",
                    f"{landmark.name!r} spans x {landmark.x}..{landmark.x + landmark.w - 1}, "
                    f"y {landmark.y}..{landmark.y + landmark.h - 1}, outside the "
                    f"{width}x{height} grid",
                )
            )
    first: dict[str, int] = {}
    for i, landmark in enumerate(spec.landmarks):
        key = " ".join(landmark.name.lower().split())
        if key in first:  # villagers are told places by name: two would be one to them
            problems.append(
                Problem(
                    shown,
                    f"landmarks[{i}].name",
                    f"{landmark.name!r} is also the name of landmarks[{first[key]}]: "
                    "expected a name of its own",
                )
            )
        first.setdefault(key, i)
    return problems


def _spawn_problem(spec: MapSpec, pos: tuple[int, int]) -> str | None:
    rows = spec.rows
    x, y = pos
    height, width = len(rows), len(rows[0]) if rows else 0
    if not (0 <= x < width and 0 <= y < height):
        return f"tile ({x}, {y}) is outside the {width}x{height} map"
    symbol = rows[y][x] if x < len(rows[y]) else None
    tile = spec.legend.get(symbol) if symbol is not None else None
    if tile is None:
        return f"tile ({x}, {y}) has no known tile kind"
    if not tile.walkable:
        return f"tile ({x}, {y}) is {tile.kind}, not walkable"
    return None


def load_map(path: Path) -> MapSpec:
    """Load one map file on its own; raises :class:`ContentError`."""
    shown = display_path(path)
    data, problems = _read_yaml(path, shown)
    spec = grid = None
    if data is not None:
        spec, problems = _validate(MapSpec, data, shown)
        if spec is None:
            grid = _grid_alone(data)
    checked = spec or grid
    if checked is not None:
        found = _grid_problems(checked, shown)
        if not found:
            where = _spawn_problem(checked, checked.player_spawn)
            if where:
                found.append(Problem(shown, "player_spawn", where))
        problems = [*problems, *found]
        if found:
            grid = None
    if problems or spec is None:
        raise ContentError(problems, grid=grid)
    return spec


_GRID_FIELDS = ("legend", "grid", "landmarks", "player_spawn")


def _grid_alone(data: dict[str, Any]) -> MapSpec | None:
    """The map with only its grid, legend, landmarks and spawn, if those are good (when
    some other field is not, such as a misspelt ``nmae``), to go on checking with."""
    fields = {key: data[key] for key in _GRID_FIELDS if key in data}
    try:
        return MapSpec.model_validate({"name": "(unchecked)", **fields})
    except (ValidationError, RecursionError):
        return None


def load_content(map_path: Path, npc_dir: Path) -> Content:
    """Load a map and every ``*.yaml`` (or ``.yml``, any case) NPC file in ``npc_dir``;
    raises :class:`ContentError`."""
    problems: list[Problem] = []
    map_spec: MapSpec | None = None
    checked: MapSpec | None = None  # what the spawns are checked against
    try:
        map_spec = checked = load_map(map_path)
    except ContentError as exc:
        problems.extend(exc.problems)
        checked = exc.grid

    npcs: list[tuple[str, NpcSpec]] = []
    shown_dir = display_path(npc_dir)
    if not npc_dir.is_dir():
        problems.append(Problem(shown_dir, "(folder)", "NPC folder not found"))
        files: list[Path] = []
    else:
        files = sorted(
            path
            for path in npc_dir.iterdir()
            if path.suffix.lower() in (".yaml", ".yml") and path.is_file()
        )
        if not files:
            problems.append(
                Problem(shown_dir, "(folder)", "no NPC files (*.yaml) in it: a village needs one")
            )
    for file in files:
        shown = display_path(file)
        data, file_problems = _read_yaml(file, shown)
        if data is not None:
            npc, file_problems = _validate(NpcSpec, data, shown)
            if npc is not None:
                npcs.append((shown, npc))
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

    if checked is not None:
        taken: dict[tuple[int, int], str] = {checked.player_spawn: "the player's spawn"}
        for shown, npc in npcs:
            where = _spawn_problem(checked, npc.spawn)
            if where:
                problems.append(Problem(shown, "spawn", where))
                continue
            if npc.spawn in taken:
                x, y = npc.spawn
                problems.append(
                    Problem(shown, "spawn", f"tile ({x}, {y}) is taken by {taken[npc.spawn]}")
                )
            else:
                taken[npc.spawn] = f"{npc.name} ({shown})"

    if problems or map_spec is None:
        raise ContentError(problems)
    return Content(
        map=map_spec,
        map_file=display_path(map_path),
        npcs=tuple(npc for _, npc in npcs),
        npc_files=tuple(shown for shown, _ in npcs),
    )


def default_content_paths() -> tuple[Path, Path]:
    """maps/village.yaml and npcs/ next to the package, or in the working directory."""
    root = Path(os.environ.get("HAMLET_ROOT", Path(__file__).resolve().parents[2]))
    return root / "maps" / "village.yaml", root / "npcs"
