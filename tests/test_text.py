"""game.text: what model or player text may contain in each place, and how it is cut."""

from __future__ import annotations

import html
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from game.text import BIDI_CONTROLS, cut, for_markdown, for_record, strip_bidi

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
