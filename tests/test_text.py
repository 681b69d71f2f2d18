"""game.text: what model or player text may contain in each place, and how it is cut."""

from __future__ import annotations

import ast
import html
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.text import (
    BIDI_CONTROLS,
    ELLIPSIS,
    as_sentence,
    brief,
    cut,
    cut_to_width,
    for_markdown,
    for_record,
    strip_bidi,
)

anything = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
BIDI = {chr(c) for c in (0x61C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def test_the_bidi_controls_are_all_there_and_nothing_else() -> None:
    every = "".join(chr(c) for c in range(0x10000))
    assert set(every) - set(strip_bidi(every)) == BIDI
    assert all(unicodedata.category(ch) == "Cf" for ch in BIDI)
    assert "\u200c" not in BIDI_CONTROLS and "\u200d" not in BIDI_CONTROLS  # joiners stay


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=300), anything))
def test_markdown_shows_every_character_as_said_but_bidi_controls(text: str) -> None:
    out = for_markdown(text)
    assert "<" not in out and ">" not in out
    assert not BIDI & set(out)
    # A viewer turns the entities back into the characters: what was said, bidi aside.
    assert html.unescape(out) == strip_bidi(text)


def test_markdown_escapes_tags_and_ampersands() -> None:
    assert for_markdown('<img src=x onerror="alert(1)"> & &lt;') == (
        '&lt;img src=x onerror="alert(1)"&gt; &amp; &amp;lt;'
    )
    kept = "Ça va? 鍵はどこ? 🔑 👩\u200d🌾 ṬᏣ ქართული മലയാളം"
    assert for_markdown(f"\u202e{kept}\u2069") == kept


@settings(max_examples=300, deadline=None)
@given(text=anything)
def test_a_kept_reply_has_its_lines_and_nothing_a_terminal_acts_on(text: str) -> None:
    out = for_record(text)
    bad = [ch for ch in out if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t"]
    assert not bad and not BIDI & set(out)
    out.encode("utf-8")
    assert for_record(out) == out


@given(text=anything, limit=st.integers(min_value=1, max_value=400))
def test_cut_text_fits_its_limit_and_says_so(text: str, limit: int) -> None:
    out = cut(text, limit)
    assert len(out) <= limit
    assert out == text or out.endswith("…")


@settings(max_examples=300, deadline=None)
@given(text=anything, limit=st.integers(min_value=1, max_value=400), at_sentence=st.booleans())
def test_cut_is_never_longer_than_its_limit_and_keeps_what_fits(
    text: str, limit: int, at_sentence: bool
) -> None:
    out = cut(text, limit, at_sentence=at_sentence)
    if len(text) <= limit:
        assert out == text
        return
    assert len(out) <= limit and out.endswith(ELLIPSIS)
    kept = out.removesuffix(ELLIPSIS)
    assert text.startswith(kept) and kept == kept.rstrip()


def test_cut_at_a_sentence_ends_where_one_does_past_half_the_limit() -> None:
    advice = "The prompt is too long. Use a smaller one or raise the context size of the model."
    assert cut(advice, 40) == "The prompt is too long. Use a smaller o…"
    assert cut(advice, 40, at_sentence=True) == "The prompt is too long.…"
    early = "Too long. " + "x" * 60  # the only sentence ends before half: cut as usual
    assert cut(early, 40, at_sentence=True) == cut(early, 40)
    assert brief("  It\x1b[2Jfailed:\n\n the  server\tsaid no.  ") == "It[2Jfailed: the server said no."
    assert len(brief("word " * 500)) == 400


def test_a_sentence_ends_once() -> None:
    assert [as_sentence(t) for t in ("Done", "Done.", "Done!", "Done?", "Done…")] == [
        "Done.", "Done.", "Done!", "Done?", "Done…"
    ]


@pytest.fixture(scope="module")
def font() -> Iterator[pygame.font.Font]:
    pygame.font.init()
    yield pygame.font.Font(None, 20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=120),
    width=st.integers(min_value=0, max_value=500),
    more=st.booleans(),
)
def test_cut_to_width_fits_the_width_in_the_font(
    font: pygame.font.Font, text: str, width: int, more: bool
) -> None:
    out = cut_to_width(text, width, font, more=more)
    if not more and font.size(text)[0] <= width:
        assert out == text
        return
    assert out.endswith(ELLIPSIS)
    kept = out.removesuffix(ELLIPSIS)
    assert text.startswith(kept) and kept == kept.rstrip()
    assert font.size(out)[0] <= width or not kept  # only the ellipsis is left: too narrow
    # The longest start that fits: one character more would not.
    longer = text[: len(kept) + 1].rstrip()
    if len(longer) > len(kept):
        assert font.size(longer + ELLIPSIS)[0] > width


# ---- no other copies -------------------------------------------------------------------
#
# Text is cleaned and cut in game/text.py alone. These find a copy made elsewhere: an
# ellipsis written out, a slice to one short of a limit, whitespace collapsed by hand,
# control or bidi characters (or their escapes) named, a Unicode category tested.

GAME = Path(__file__).resolve().parents[1] / "game"
CONTROL_CHARS = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]}
# The same written as escapes in a raw string (a regex pattern): \x00-\x1f, \x7f-\x9f,
# \u0000-\u001f, the bidi controls.
ESCAPED = re.compile(
    r"\\x(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\\u00(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
    r"|\\u(?:061[cC]|200[eEfF]|202[a-eA-E]|206[6-9])"
)
CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
#: (file, function): why it may. Keep this short.
ALLOWED = {
    ("game/ui/fonts.py", "_find"): "which font draws a character (none draws a private-use "
    "one): a question of fonts, not of what text may contain",
}


def _copies(path: Path) -> list[tuple[int, str, str]]:
    """(line, the function it is in, what) for each place in ``path`` that cleans or cuts
    text on its own."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            where = node.name
        what = _copy_in(node, docstrings)
        if what:
            found.append((getattr(node, "lineno", 0), where, what))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, "(module)")
    return found


def _copy_in(node: ast.AST, docstrings: set[int]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
        if id(node) in docstrings:
            return None
        if ELLIPSIS in value:
            return "an ellipsis written out (use game.text.cut, or ELLIPSIS)"
        if CONTROL_CHARS & set(value) or BIDI & set(value) or ESCAPED.search(value):
            return "control or bidi characters named (use game.text's cleaners)"
        if value in CATEGORIES:
            return "a Unicode category tested (use game.text.for_screen)"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        upper = node.slice.upper
        if (
            isinstance(upper, ast.BinOp)
            and isinstance(upper.op, ast.Sub)
            and isinstance(upper.right, ast.Constant)
            and upper.right.value == 1
        ):
            return "a slice to one short of a limit (use game.text.cut)"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        right = node.right
        if (isinstance(right, ast.Name) and right.id == "ELLIPSIS") or (
            isinstance(right, ast.Constant)
            and isinstance(right.value, str)
            and right.value.endswith(("...", ELLIPSIS))
        ):
            return "an ellipsis added by hand (use game.text.cut)"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func, args = node.func, node.args
        joined = args[0] if func.attr == "join" and len(args) == 1 else None
        if (
            isinstance(func.value, ast.Constant)
            and func.value.value == " "
            and isinstance(joined, ast.Call)
            and isinstance(joined.func, ast.Attribute)
            and joined.func.attr == "split"
            and not joined.args
            and not joined.keywords
        ):
            return "whitespace collapsed by hand (use game.text.one_line)"
        if (
            func.attr == "sub"
            and len(args) >= 2
            and isinstance(args[0], ast.Constant)
            and "\\s" in str(args[0].value)
            and isinstance(args[1], ast.Constant)
            and args[1].value == " "
        ):
            return "whitespace collapsed by a regex (use game.text.one_line)"
    return None


def test_the_copies_the_finder_knows_are_found(tmp_path: Path) -> None:
    """Each kind of copy this module's test looks for is found where it is made."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import re\n"
        "def a(t, n):\n    return t if len(t) <= n else t[: n - 1].rstrip() + '\\u2026'\n"
        "def b(t):\n    return ' '.join(t.split())\n"
        "def c(t):\n    return re.sub(r'\\s+', ' ', t)\n"
        "def d(t):\n    return re.sub(r'[\\x00-\\x1f]', '', t)\n"
        "def e(t):\n    return t[:40] + '...'\n"
        "def f(t):\n    return t.replace('\\u202e', '')\n"
        "def g(ch):\n    import unicodedata\n    return unicodedata.category(ch) == 'Cf'\n",
        encoding="utf-8",
    )
    found = {where for _, where, _ in _copies(sample)}
    assert found == set("abcdefg")


def test_no_other_module_cleans_or_cuts_text_on_its_own() -> None:
    """game/text.py is the one place; a copy elsewhere drifts from it (five did)."""
    copies = []
    for path in sorted(GAME.rglob("*.py")):
        name = path.relative_to(GAME.parent).as_posix()
        if name == "game/text.py":
            continue
        copies += [
            f"{name}:{line} ({where}): {what}"
            for line, where, what in _copies(path)
            if (name, where) not in ALLOWED
        ]
    assert not copies, "\n".join(copies)
