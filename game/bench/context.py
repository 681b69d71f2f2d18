"""Context: the shipped village, 100 turns, against a model server with a 1,024-token context.

The loopback chat-completions server refuses, in llama.cpp's words, any request whose
prompt and answer reserve are over 1,024 tokens, and it counts tokens harder than the
game's first guess does (3 characters a token, and 5 more for each message's template),
as a real tokenizer does with prompts full of coordinates and names. Its "model" plays
the village as a talkative one would: it walks to places, remarks aloud, and starts a
conversation with whoever stands next to it, saying long lines, so memories, lines heard
and talks grow as in a long game.

Two servers: one that says its context in ``/props`` (as llama.cpp's does), and one that
says it nowhere, so that the game learns it from the first refusal. The first turn may
see a refusal or two while the game calibrates; after it, none.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from game.bench.runtime import llm_server, loopback_brain, scratch_logs
from game.bench.stats import Figure
from game.bench.worlds import real_content
from game.sim import messages as m

CONTEXT = 1024
TURNS = 100
QUICK_TURNS = 5
CHARS_PER_TOKEN = 3.0
TOKENS_PER_MESSAGE = 5

WELL = (24, 17)
_NEXT_TO = re.compile(r"Next to you: ([^.\n]+)\.")
_PLACES = re.compile(r"Places you know: ([^\n]+)\.")
_PLACE = re.compile(r"\((\d+), (\d+)\)")
_TURN = re.compile(r"Turn (\d+)\.")
_LINES_SO_FAR = re.compile(r"(?:said|You said): \"")

LONG_LINE = (
    "I have been thinking about the harvest and the well and who was out by the mill "
    "last night, and I would like to hear what you make of it all"
)


def village_model(request: dict[str, Any]) -> Any:
    """A talkative model: directives that make memories and conversations grow."""
    server = llm_server()
    text = "\n".join(str(msg.get("content", "")) for msg in request.get("messages", []))
    found = _TURN.search(text)
    turn = int(found.group(1)) if found else 1
    if "in a conversation with" in text:
        said = len(_LINES_SO_FAR.findall(text))
        if said >= 4:
            return server.Reply(content="end_conversation()")
        return server.Reply(content=f'say("{LONG_LINE}, turn {turn}.")')
    # Most turns to the well, where they meet; every fourth to the nearest place known.
    x, y = WELL
    known = _PLACES.search(text)
    places = _PLACE.findall(known.group(1)) if known else []
    if places and turn % 4 == 0:
        x, y = (int(n) for n in places[0])
    lines = [f"move_to({x}, {y})"]
    lines.append(f'say("{LONG_LINE[:90]}, on turn {turn}.")')
    beside = _NEXT_TO.search(text)
    if beside and "start no other" not in text:
        name = beside.group(1).split(",")[0].strip()
        lines.append(f'start_conversation_with({name}, "{LONG_LINE[:100]}")')
    return server.Reply(content="\n".join(lines))


def run_village(turns: int, advertise: bool) -> dict[str, float]:
    """Play ``turns`` turns; the refusals in turn 1 and after, and what the calls held."""
    from game.sim.simulation import SimConfig, Simulation

    server_module = llm_server()
    quirks = server_module.Quirks(
        context=CONTEXT,
        context_wording="llamacpp",
        chars_per_token=CHARS_PER_TOKEN,
        tokens_per_message=TOKENS_PER_MESSAGE,
        advertise="llamacpp" if advertise else None,
    )
    refused_by_turn: dict[int, int] = {}
    with server_module.LLMServer(village_model, quirks=quirks) as server, scratch_logs() as log_dir:

        def emit(event: m.Event) -> None:
            if isinstance(event, m.TurnStarted):
                refused_by_turn[event.turn] = len(server.refusals)

        brain = loopback_brain(server.base_url, timeout=10.0)
        config = SimConfig.unpaced(log_dir, with_player=False)
        sim = Simulation(real_content(), brain, config, emit, model="gpt-4o-mini")

        async def play() -> None:
            sim.start()
            try:
                await sim.run(turns)
            finally:
                await sim.aclose()

        asyncio.run(play())
        requests = server.requests
        refused = len(server.refusals)
        talks = sim.conversations.finished_count
    first = refused_by_turn.get(2, refused)
    sizes = [
        quirks.prompt_tokens(body.get("messages")) + int(body.get("max_tokens") or 0)
        for body in requests
    ]
    return {
        "turns": turns,
        "errors_turn_1": first,
        "errors_after_turn_1": refused - first,
        "calls": len(requests),
        "failed": sim.usage.failures,
        "conversations": talks,
        # the biggest the server took (those over the context it refused)
        "biggest_request_tokens": max((size for size in sizes if size <= CONTEXT), default=0),
    }


def run(quick: bool) -> list[Figure]:
    turns = QUICK_TURNS if quick else TURNS
    figures = []
    # A server that says nothing is over its context once, which teaches the limit.
    servers = ((True, "says n_ctx in /props", 0), (False, "says it nowhere", 1))
    for advertise, server, most in servers:
        got = run_village(turns, advertise)
        after = int(got["errors_after_turn_1"])
        figures.append(
            Figure(
                f"context errors after turn 1, {CONTEXT:,}-token server that {server}",
                f"{after} in {turns} turns (turn 1: {int(got['errors_turn_1'])}; "
                f"{int(got['calls'])} calls, {int(got['conversations'])} talks, biggest "
                f"request {int(got['biggest_request_tokens'])} tokens)",
                "0" if most == 0 else f"<= {most} (the one that teaches the limit)",
                after <= most and not got["failed"],
                got,
            )
        )
    return figures
