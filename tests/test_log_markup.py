"""Memory logs a reader opens in a markdown viewer: what a model or the player said shows
as said - never run or drawn as HTML (``<script>``, ``<img onerror>``), never reordered by
a right-to-left override - and every other character is kept (accents, CJK, emoji).

Found by a hostile run: U+202E and raw ``<script>`` tags from a model were kept verbatim.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pygame
from llm_server import LLMServer, Reply
from logcheck import check_log_dir
from simkit import is_conversation, loopback_brain, make_sim, npc_of, run
from test_game_ui import walk_next_to_ada
from uikit import Harness

from game.text import BIDI_CONTROLS
from game.ui.states import DialogueState, PlayingState

BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# Every bidi control there is, in what a model says: overrides, embeddings, isolates, marks.
ALL_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
KEPT = "Ça va? 鍵はどこ? 🔑 naïve 👩\u200d🌾"  # the joiner in the emoji is no bidi control


def readable(text: str) -> None:
    """Nothing in ``text`` a markdown viewer would take for HTML, no bidi control, and
    every ``&`` one the log wrote (so ``&lt;`` in what was said shows as ``&lt;``)."""
    assert "<" not in text and ">" not in text, text
    assert not BIDI.search(text), repr(BIDI.search(text))
    assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


class Model:
    def __init__(self) -> None:
        self.turn_of: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        who = npc_of(request)
        with self.lock:
            if is_conversation(request):
                if who == "Bjorn":
                    return Reply(content='say("\u2066<b>bold</b>\u2069 &amp; \u200fmore")')
                return Reply(content="end_conversation()")
            turn = self.turn_of[who] = self.turn_of.get(who, 0) + 1
        if who == "Ada" and turn == 1:
            return Reply(content=f'say("<script>alert(1)</script> \u202egnp.exe{ALL_BIDI} {KEPT}")')
        if who == "Ada" and turn == 2:
            return Reply(content='start_conversation_with(Bjorn, "<img src=x onerror=alert(1)>")')
        return Reply(content="wait()")


def test_what_a_model_says_reads_in_the_log_as_said(tiny_content, tmp_path) -> None:
    with LLMServer(Model()) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    ada = (tmp_path / "ada.md").read_text(encoding="utf-8")
    bjorn = (tmp_path / "bjorn.md").read_text(encoding="utf-8")
    for text in (ada, bjorn):
        readable(text)
    said = f"&lt;script&gt;alert(1)&lt;/script&gt; gnp.exe {KEPT}"
    assert f'- Said: "{said}"' in ada
    assert f'- Heard Ada: "{said}"' in bjorn  # Bjorn stands next to her
    talk = (
        "- Ada: &lt;img src=x onerror=alert(1)&gt;\n"
        "- Bjorn: &lt;b&gt;bold&lt;/b&gt; &amp;amp; more\n"
        "Ended by: Ada"
    )
    assert talk in ada and talk in bjorn
    check_log_dir(tmp_path)
    # What the villagers remember (their prompts) is what was said, tags and all.
    assert "<script>alert(1)</script>" in sim.memory["Ada"].recent(10_000)


def test_what_the_player_types_reads_in_the_log_as_typed(tiny_content, tmp_path) -> None:
    replies = ['say("<i>Ça va</i> 鍵 🔑 & \u202eall well")']

    def respond(request: dict[str, Any]) -> Reply:
        if is_conversation(request):
            return Reply(content=replies.pop(0) if replies else 'say("Hm.")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path, turns=0)
        try:
            game = h.game
            walk_next_to_ada(h)
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState), 5)
            h.type("<b>hi</b> & <img src=x onerror=alert(1)> Où? 鍵")
            h.key(pygame.K_RETURN)
            assert h.until(lambda: any("all well" in b.html_text for b in game.dialogue.messages))
            h.key(pygame.K_ESCAPE)
            assert h.until(lambda: isinstance(game.states[-1], PlayingState), 5)
        finally:
            h.close()
    ada = (tmp_path / "ada.md").read_text(encoding="utf-8")
    readable(ada)
    assert (
        "- Player: &lt;b&gt;hi&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt; Où? 鍵\n"
        "- Ada: &lt;i&gt;Ça va&lt;/i&gt; 鍵 🔑 &amp; all well\n"
        "Ended by: Player"
    ) in ada
    check_log_dir(tmp_path, consecutive_turns=False)
