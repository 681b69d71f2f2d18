"""Broken content: whatever a game-maker's files hold, the loader answers with problems.

The map and NPC files are mutated at random -- lines deleted, duplicated, swapped and
re-indented, characters inserted, values replaced by values of the wrong type, huge
numbers, deep nesting, YAML tags and aliases, unicode and binary junk, files cut short
-- and ``load_content`` must either load them or raise :class:`ContentError`, never
anything else, with every problem written ``file: field: what was expected`` on one
line. Through the real command line (``main.py --check``) a few of the nastiest cases
exit with code 2 and no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, TINY_MAP, npc_yaml, write_village
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.content.loader import ContentError, load_content
from game.world import build_world

PROBLEM = re.compile(r"[^:\n]+: [^:\n]+: [^\n]+")
"""``file: field: what was expected``, on one line."""

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- mutations ------------------------------------------------------------------------

yaml_values = st.one_of(
    st.integers().map(str),
    st.integers(min_value=10**18, max_value=10**40).map(str),
    st.sampled_from(
        [
            "9" * 5000,  # more digits than Python will turn into an int by default
            "-" + "9" * 4400,
            "1e999",
            ".inf",
            "-.nan",
            "0x_1F",
            "0o777",
            "2001-12-14t21:59:43.10-05:00",
            "~",
            "null",
            "yes",
            "[]",
            "{}",
            "[1, 2, 3]",
            "[1]",
            "[1, two]",
            "{x: 1, y: 2}",
            "[" * 3000 + "]" * 3000,  # deeper than Python's recursion limit
            "{a: " * 1200 + "1" + "}" * 1200,
            "[" * 60 + "]" * 60,
            "&a [*a, *a]",
            "*undefined_alias",
            "!!binary aGVsbG8=",
            "!!python/object/apply:os.system ['echo hi']",
            "!!set {a, b}",
            '"\\ud800 lone surrogate"',
            '"\\x00\\x07 control"',
            "'it''s quoted'",
            "|\n  block\n  text",
            '"' + "x" * 5000 + '"',
            "Ünïcödé ☃ 鍵 🔑",
            "\u202eevil\u202c",
            ": :",
            "'a: b'",
            "- - -",
            "? complex key",
        ]
    ),
    st.text(max_size=30),
)
junk = st.one_of(
    st.binary(min_size=1, max_size=40),
    st.sampled_from([b"\x00\x00\x00", b"\xff\xfe\xfd", b"\xef\xbb\xbf", b"\x1b[31m", b"\r\r\n"]),
)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with one to four random edits, as bytes (it may no longer be UTF-8)."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "insert", "value", "indent", "key", "truncate"]
            )
        )
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(min_size=1, max_size=8)) + line[at:]
        elif op == "value":
            head, colon, _ = line.partition(": ")
            value = draw(yaml_values)
            lines[i] = f"{head}: {value}" if colon else f"{line} {value}"
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 9)) + line.lstrip()
        elif op == "key":
            key = draw(st.sampled_from(["vison", '"a: b"', '"a\\nb"', "1", "null", "[1]", "spawn"]))
            lines.insert(i, f"{key}: {draw(yaml_values)}")
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[i] = line[: draw(st.integers(0, len(line)))]
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, binary junk somewhere in the file
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(junk) + data[at:]
    return data


def check_loads_or_explains(map_bytes: bytes, npcs: dict[str, bytes]) -> None:
    """Loading either works (and the world builds) or raises ContentError, clearly worded."""
    with tempfile.TemporaryDirectory() as root:
        map_path = Path(root) / "maps" / "village.yaml"
        npc_dir = Path(root) / "npcs"
        map_path.parent.mkdir()
        npc_dir.mkdir()
        map_path.write_bytes(map_bytes)
        for name, data in npcs.items():
            (npc_dir / name).write_bytes(data)
        try:
            content = load_content(map_path, npc_dir)
        except ContentError as exc:
            assert exc.problems, "a ContentError must say what is wrong"
            for problem in exc.problems:
                text = str(problem)
                assert PROBLEM.fullmatch(text), f"badly worded problem: {text!r}"
                assert problem.file in (str(map_path), *(str(npc_dir / n) for n in npcs))
            return
    world = build_world(content)
    assert world.check_invariants() == []


GOOD_NPCS = {"ada.yaml": npc_yaml("Ada", (5, 1)), "bjorn.yaml": npc_yaml("Bjorn", (6, 1))}
REAL_MAP = (ROOT / "maps" / "village.yaml").read_text(encoding="utf-8")


@FUZZ
@given(data=st.data())
def test_fuzzed_map_files_load_or_explain(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from([TINY_MAP, REAL_MAP]), label="base map")
    npcs = {n: t.encode() for n, t in GOOD_NPCS.items()}
    if base is REAL_MAP:
        npcs = {"ada.yaml": npc_yaml("Ada", (22, 5)).encode()}
    check_loads_or_explains(data.draw(mutated(base), label="map"), npcs)


@FUZZ
@given(data=st.data())
def test_fuzzed_npc_files_load_or_explain(data: st.DataObject) -> None:
    npcs = {n: t.encode() for n, t in GOOD_NPCS.items()}
    npcs["ada.yaml"] = data.draw(mutated(GOOD_NPCS["ada.yaml"]), label="ada.yaml")
    if data.draw(st.booleans(), label="break bjorn too"):
        npcs["bjorn.yaml"] = data.draw(mutated(GOOD_NPCS["bjorn.yaml"]), label="bjorn.yaml")
    check_loads_or_explains(TINY_MAP.encode(), npcs)


@settings(max_examples=150, deadline=None)
@given(blob=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_bytes_at_all_load_or_explain(blob: bytes) -> None:
    check_loads_or_explains(blob, {"ada.yaml": blob})


# ---- the nastiest cases hand-picked, each of which once escaped as a traceback ---------

NASTY: dict[str, tuple[str, str]] = {
    "huge number": (
        "map",
        TINY_MAP.replace("player_spawn: [1, 1]", f"player_spawn: [1, {'9' * 5000}]"),
    ),
    "deep nesting": ("npc", npc_yaml("Ada", (5, 1)) + "extra: " + "[" * 3000 + "]" * 3000 + "\n"),
    "deep mapping": ("npc", npc_yaml("Ada", (5, 1), vision_range="{a: " * 1500 + "1" + "}" * 1500)),
    "key with a colon": ("map", TINY_MAP + '"note: to self": 1\n"two\\nlines": 2\n'),
    "legend colon": (
        "map",
        TINY_MAP.replace('"D": {kind: door, walkable: true}', '":": {kind: door, walkable: maybe}'),
    ),
    "long value": ("npc", npc_yaml("Ada", (5, 1), vision_range='"' + "far " * 3000 + '"')),
}


def test_nasty_cases_in_process() -> None:
    for which, text in NASTY.values():
        if which == "map":
            check_loads_or_explains(text.encode(), {n: t.encode() for n, t in GOOD_NPCS.items()})
        else:
            check_loads_or_explains(TINY_MAP.encode(), {"ada.yaml": text.encode()})


CLI_CASES = {
    "binary junk map": ("map", b"\x00\xff\xfe junk \x1b[31m"),
    "empty npc file": ("npc", b""),
    "truncated npc": ("npc", npc_yaml("Ada", (5, 1)).encode()[:137]),
    "huge number": ("map", NASTY["huge number"][1].encode()),
    "deep nesting": ("npc", NASTY["deep nesting"][1].encode()),
    "key with a colon": ("map", NASTY["key with a colon"][1].encode()),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_check_on_the_command_line_exits_2_without_traceback(tmp_path, case: str) -> None:
    map_path, npc_dir = write_village(tmp_path)
    which, data = CLI_CASES[case]
    (map_path if which == "map" else npc_dir / "ada.yaml").write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--check", "--map", "maps/village.yaml"]
        + ["--npcs", "npcs"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    *problems, summary = result.stderr.splitlines()
    assert problems and summary == f"{len(problems)} problem(s) found; nothing was started."
    for line in problems:
        assert PROBLEM.fullmatch(line), line
    expected_file = "maps/village.yaml" if which == "map" else "npcs/ada.yaml"
    assert any(line.startswith(expected_file + ": ") for line in problems), problems
