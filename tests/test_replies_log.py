"""``replies.jsonl``: every model reply kept beside the logs, with what was made of it.

The memory log says "Could not make up my mind, so I waited."; the model's words were only
in hamlet.log, cut to about 80 characters. A game-maker reads here why a model fails.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from llm_server import LLMServer, Reply
from simkit import is_conversation, loopback_brain, make_sim, npc_of, run

from game.brains.offline import OfflineBrain
from game.sim.memory import MAX_REPLY_CHARS, REPLIES_FILE


def read_records(path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


LONG = "So many thoughts. " * 400  # 7,200 characters


class Model:
    """Turn 1: Ada answers in a mix of prose and directives, one of them unknown; Bjorn
    in prose only; Cora at great length, with terminal escapes, a right-to-left override
    and Windows line ends. Turn 2: Ada talks with Bjorn, who answers in plain words; Ada
    says a last line and ends it."""

    def __init__(self) -> None:
        self.turn_of: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        who = npc_of(request)
        with self.lock:
            if is_conversation(request):
                if who == "Bjorn":
                    return Reply(content="Well, I never. The pond again?")
                return Reply(content='say("Mind the frogs.")\nend_conversation()')
            turn = self.turn_of[who] = self.turn_of.get(who, 0) + 1
        if turn == 1 and who == "Ada":
            return Reply(content="I will look about.\nfly_to(3, 4)\nmove_to(6, 2)")
        if turn == 1 and who == "Bjorn":
            return Reply(content="Hmm. Nothing to do, really.")
        if turn == 1 and who == "Cora":
            return Reply(content=f"\x1b[31mHm.\x1b[0m\r\nwait()\r\nNow \u202eevil\u202c.\r\n{LONG}")
        if turn == 2 and who == "Ada":
            return Reply(content='start_conversation_with(Bjorn, "Seen the pond?")')
        return Reply(content="wait()")


def test_each_reply_is_kept_with_what_was_made_of_it(tiny_content, tmp_path) -> None:
    with LLMServer(Model()) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    records = read_records(tmp_path / REPLIES_FILE)
    assert records[0]["kind"] == "run" and "began" in records[0]
    replies = records[1:]
    by = {(r["turn"], r["villager"], r["kind"]): r for r in replies}
    assert len(by) == len(replies)  # one record for each reply, no more

    ada = by[(1, "Ada", "decision")]
    assert ada["reply"] == "I will look about.\nfly_to(3, 4)\nmove_to(6, 2)"
    assert ada["outcome"] == "acted" and ada["taken"] == ["move_to(6, 2)"]
    assert any("fly_to" in w and "unknown directive" in w for w in ada["warnings"]), ada

    bjorn = by[(1, "Bjorn", "decision")]
    assert bjorn["reply"] == "Hmm. Nothing to do, really."
    assert bjorn["outcome"] == "waited: its answer held no directive to act on"
    assert bjorn["taken"] == []
    assert "- Could not make up my mind, so I waited." in sim.memory["Bjorn"].entries[0]

    cora = by[(1, "Cora", "decision")]
    assert cora["taken"] == ["wait()"]
    # Cleaned: no escape character, no override; the lines kept, \r\n read as one break.
    assert cora["reply"].startswith("[31mHm.[0m\nwait()\nNow evil.\nSo many thoughts.")
    assert "\x1b" not in cora["reply"] and "\u202e" not in cora["reply"]
    assert "\r" not in cora["reply"]
    # Bounded, saying how long it was.
    assert len(cora["reply"]) == MAX_REPLY_CHARS and cora["reply"].endswith("…")
    assert cora["reply_chars"] == len("[31mHm.[0m\nwait()\nNow evil.\n") + len(LONG)
    assert cora["completion_tokens"] > 0 and cora["prompt_tokens"] > 0

    said = by[(2, "Bjorn", "conversation")]
    assert said["with"] == "Ada" and said["reply"] == "Well, I never. The pond again?"
    assert said["outcome"] == "plain words, taken as said"
    assert said["taken"] == ['say("Well, I never. The pond again?")']
    last = by[(2, "Ada", "conversation")]
    assert last["outcome"] == "said a last line and ended the talk"
    assert last["taken"] == ['say("Mind the frogs.")', "end_conversation()"]
    # Every call that answered is here: decisions and lines alike.
    assert len(replies) == sim.usage.totals().calls


def test_a_second_run_into_the_folder_appends_after_a_run_line(tiny_content, tmp_path) -> None:
    for _ in range(2):
        with LLMServer(lambda request: Reply(content="wait()")) as server:
            sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
            run(sim, 1)
    records = read_records(tmp_path / REPLIES_FILE)
    assert [r["kind"] for r in records] == ["run", *["decision"] * 3] * 2


def test_the_offline_brain_keeps_no_replies(tiny_content, tmp_path) -> None:
    """Its answers are its own script, not a model's: nothing to find out from them."""
    sim, _ = make_sim(tiny_content, OfflineBrain(0), tmp_path)
    run(sim, 3)
    assert not (tmp_path / REPLIES_FILE).exists()
    assert (tmp_path / "ada.md").exists()
