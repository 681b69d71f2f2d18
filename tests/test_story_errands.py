"""What the story asks of the world in the simulation: a line given to a villager not in
the player's talk is said aloud, and a villager the story sends somewhere walks there over
the next turns before its brain is asked again (the test village's `lost_key` quest)."""

from __future__ import annotations

import asyncio

from conftest import ROOT
from llm_server import LLMServer, Reply
from questplayer import ScriptedPlayer
from simkit import loopback_brain, npc_of

from game.content.loader import load_content
from game.sim import messages as m
from game.sim.simulation import SimConfig, Simulation

VILLAGE = ROOT / "tests" / "story_village"


def test_a_villager_sent_by_the_story_walks_there_before_its_brain_is_asked(tmp_path) -> None:
    content = load_content(VILLAGE / "maps" / "village.yaml", VILLAGE / "npcs")
    with LLMServer(lambda request: Reply(content="wait()")) as server:
        events: list = []
        sim = Simulation(
            content,
            loopback_brain(server.base_url),
            SimConfig.unpaced(tmp_path / "logs", with_player=True),
            events.append,
        )
        sim.start()
        me = ScriptedPlayer(sim, events)
        hut = sim.world.grid.landmark_named("the hut")
        assert hut is not None

        async def play() -> None:
            mark = len(events)
            conv, lines = me.talk("Ada")
            assert ("Ada", "Bjorn may have seen it.") in lines
            # Bjorn is not in the talk: his line is said aloud, where he stands.
            aloud = [e for e in me.since(mark, m.Spoke) if e.name == "Bjorn"]
            assert [(e.text, e.conversation_id) for e in aloud] == [("Try the east fence!", None)]
            me.close(conv)
            me.walk_to((7, 3))  # beside the pond: Cora is sent to the hut
            assert sim.npcs["Cora"].errand == hut.spot
            asked_before = sum(1 for r in server.requests if npc_of(r) == "Cora")
            await me.play_until(
                lambda: sim.npcs["Cora"].errand is None, most=12, what="Cora at the hut"
            )
            await sim.aclose()
            asked_during = sum(1 for r in server.requests if npc_of(r) == "Cora") - asked_before
            walked = sim.turn
            assert hut.distance_to(sim.world.entities["Cora"].pos) <= 1
            # Her brain was not asked while she was on her way (the turn she arrived in
            # may have asked it, once there).
            assert asked_during <= 1, (asked_during, walked)

        asyncio.run(play())
