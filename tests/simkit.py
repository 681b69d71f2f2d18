"""Helpers for driving a Simulation in tests: a brain on the loopback server, event capture."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from llm_server import Reply

from game.brains.base import PLACES_IN_CONVERSATION, ConversationRequest
from game.brains.openai_brain import OpenAIBrain
from game.sim import messages as m
from game.sim.simulation import SimConfig, Simulation

NAME = re.compile(r"You are (\w+)")


def npc_of(request: dict[str, Any]) -> str:
    """Which NPC a chat-completion request is for (from the system prompt)."""
    for message in request.get("messages", []):
        found = NAME.search(str(message.get("content", "")))
        if found:
            return found.group(1)
    return "?"


def is_conversation(request: dict[str, Any]) -> bool:
    return "in a conversation with" in str(request["messages"][0]["content"])


def loopback_brain(
    base_url: str, *, timeout: float = 2.0, retries: int = 0, **options: Any
) -> OpenAIBrain:
    return OpenAIBrain(
        model="gpt-4o-mini",
        api_key="sk-test-not-real",
        base_url=base_url,
        timeout=timeout,
        max_retries=retries,
        **options,
    )


class Recorder:
    def __init__(self) -> None:
        self.events: list[m.Event] = []

    def __call__(self, event: m.Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def acted(self) -> list[str]:
        return [f"[T{e.turn}] {e.name} {e.text}" for e in self.of(m.Acted)]


def make_sim(content, brain, log_dir: Path, **config: Any) -> tuple[Simulation, Recorder]:
    recorder = Recorder()
    config.setdefault("with_player", False)
    sim = Simulation(
        content, brain, SimConfig.unpaced(log_dir, **config), recorder, model="gpt-4o-mini"
    )
    sim.start()
    return sim, recorder


def run(sim: Simulation, turns: int, timeout: float = 30.0) -> None:
    async def main() -> None:
        try:
            await asyncio.wait_for(sim.run(turns), timeout)
        finally:
            await sim.aclose()

    asyncio.run(main())


def log_text(sim: Simulation, name: str) -> str:
    return sim.memory[name].path.read_text(encoding="utf-8")


def talk_request(
    npc, world, *history: tuple[str, str], partner: str = "Player", messages_left: int = 99
) -> ConversationRequest:
    """What ``npc`` is asked for its next line, standing where ``world`` has it, with no
    memory, after ``history`` with ``partner`` (the player unless named)."""
    perception = world.perceive(npc.name)
    return ConversationRequest(
        persona=npc,
        turn=1,
        perception=perception,
        memory="",
        others=(partner,),
        with_player=partner == "Player",
        history=history,
        messages_left=messages_left,
        places=world.grid.places_near(perception.pos, PLACES_IN_CONVERSATION),
    )


def ada_talks_with_bjorn(
    *, on_turn: int = 1, bjorn_thinks: float = 1.0, later: str = "end_conversation()"
):
    """Answers for a village where Ada starts talking with Bjorn on turn ``on_turn`` (and
    everyone else waits): Bjorn takes ``bjorn_thinks`` seconds over his one line, then the
    talk is ended; any later talk's lines are ``later``."""
    talk = [Reply(content='say("Let me think about that")', delay=bjorn_thinks)]
    talk.append(Reply(content="end_conversation()"))

    def respond(request: dict[str, Any]) -> Reply:
        if is_conversation(request):
            return talk.pop(0) if talk else Reply(content=later)
        if npc_of(request) == "Ada" and f"Turn {on_turn}." in request["messages"][1]["content"]:
            return Reply(content='start_conversation_with(Bjorn, "Did you hear the frogs?")')
        return Reply(content="wait()")

    return respond
