"""Conversations of any size: three people in one talk go through the same shape as two
(the transcript header, the prompt, the event, the bar, the ledger). No group behaviour
starts one yet, so the talk is opened through the manager as a start would open it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pygame
from conftest import write_village
from llm_server import LLMServer, Reply
from simkit import is_conversation, log_text, loopback_brain, make_sim, npc_of, talk_request
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.brains.prompts import conversation_messages
from game.content.loader import load_content
from game.sim import messages as m
from game.sim.pause import CONVERSATION
from game.world import build_world

THREE = {"Ada": (5, 1), "Bram": (6, 1), "Wren": (6, 2)}


def test_three_in_one_talk_share_one_transcript_format_event_and_ledger(tmp_path) -> None:
    content = load_content(*write_village(tmp_path, THREE))
    asked: list[dict] = []

    def respond(request):  # noqa: ANN001, ANN202
        if is_conversation(request):
            asked.append(request)
            return Reply(content='say("Frogs everywhere, Ada.")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path / "logs")
        talks = sim.conversations

        async def main() -> None:
            try:
                conv = talks._open("Ada", "Bram", "Wren")
                await talks._line(conv, "Ada", "Morning, both!")
                reply = await talks._reply(conv, "Bram")
                assert reply is not None
                await talks._line(conv, "Bram", reply.message)  # type: ignore[union-attr]
                conv.ended_by = "Wren"
                talks._finish(conv)
            finally:
                await sim.aclose()

        asyncio.run(main())

    (started,) = rec.of(m.ConversationStarted)
    assert started.participants == ("Ada", "Bram", "Wren") and not started.with_player
    turn = sim.turn
    assert f"### Conversation with Bram and Wren (Turn {turn} at 5,1)\nInitiated by: Ada\n" in (
        log_text(sim, "Ada")
    )
    assert f"### Conversation with Ada and Wren (Turn {turn} at 6,1)\n" in log_text(sim, "Bram")
    assert "- Bram: Frogs everywhere, Ada.\nEnded by: Wren" in log_text(sim, "Wren")
    (bram_asked,) = asked
    assert npc_of(bram_asked) == "Bram"
    assert "You are in a conversation with Ada and Wren." in bram_asked["messages"][0]["content"]
    ledger = talks.ledger
    for pair in (("Ada", "Bram"), ("Ada", "Wren"), ("Bram", "Wren")):
        assert ledger.last_talked[frozenset(pair)] == turn
        assert ledger.talked_with[pair[0]][pair[1]] == turn
    assert all(ledger.last_conversation[n] == turn for n in THREE)


def test_the_prompt_names_every_other_and_the_traveller_among_them(tiny_content) -> None:
    world = build_world(tiny_content, with_player=True)
    ada = tiny_content.npcs[0]
    two = talk_request(ada, world, ("Bjorn", "Morning!"), partner="Bjorn")
    three = two._replace(others=("Bjorn", "Player"), with_player=True)
    said = conversation_messages(two)[0]["content"]
    assert "You are in a conversation with Bjorn. Stay" in said
    group = conversation_messages(three)[0]["content"]
    assert "You are in a conversation with Bjorn and the traveller (a player). Stay" in group
    assert "The traveller's words are quoted below" in group


def test_the_bar_names_everyone_in_a_villagers_talk(tiny_content, tmp_path) -> None:
    h = Harness(tiny_content, OfflineBrain(0), tmp_path, turns=0)
    try:
        game = h.game
        game.on_event[m.ConversationStarted](
            m.ConversationStarted(41, ("Ada", "Bjorn", "Cora"), False)
        )
        assert game.talking == ("Ada", "Bjorn", "Cora")
        paused = replace(game.hud_state, paused_reasons=(CONVERSATION,))
        assert "Paused: Ada, Bjorn and Cora are talking (Tab: watch)" in paused.text()[0]
        two = replace(paused, talking=("Ada", "Bjorn"))
        assert "Paused: Ada and Bjorn are talking (Tab: watch)" in two.text()[0]
        h.key(pygame.K_TAB)  # Tab goes to watch the first of them
        assert game.follow == "Ada"
    finally:
        h.close()
