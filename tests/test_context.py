"""The model's context: given, read from the server, or learned from its errors in the
words of OpenAI, vLLM, llama.cpp and Ollama; every prompt fitted to it, memory giving way
first, then knowledge, never the rules. Through the real client and the loopback server.

(A 256-token llama.cpp context once failed every call with the server's advice cut off and
no hint from us; at 832 tokens memory grew the prompt past it by turn 8.)
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from llm_server import CONTEXT_WORDINGS, LLMServer, Quirks, Reply
from simkit import loopback_brain, make_sim, run, talk_request

from game.brains.base import BrainError, DecisionRequest
from game.brains.prompts import Fit, conversation_messages, decision_messages, prompt_chars
from game.cli import build_parser, choose_brain
from game.sim import messages as m
from game.sim.directives import describe_directives
from game.world import build_world


def decision(content, memory: str = "", heard: tuple[str, ...] = ()) -> DecisionRequest:  # noqa: ANN001
    world = build_world(content, with_player=False)
    npc = content.npcs[0]
    seen = world.perceive(npc.name)
    places = world.grid.places_near(seen.pos, 8)
    return DecisionRequest(npc, 1, seen, places, heard, memory, describe_directives())


def memory_of(turns: int) -> str:
    return "\n".join(f"## Turn {i} at 5,1\n- Walked to the pond (8,5).\n- Saw: Bjorn (6,1)"
                     for i in range(1, turns + 1))


@pytest.mark.parametrize(
    ("advertise", "source"),
    [
        ("llamacpp", "llama.cpp's n_ctx in /props"),
        ("vllm", "vLLM's max_model_len in /v1/models"),
        ("ollama", "Ollama's num_ctx in /api/show"),
    ],
)
def test_the_context_is_read_where_the_server_says_it_and_logged(
    tiny_content, advertise, source, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="hamlet.brain")
    quirks = Quirks(context=1536, advertise=advertise, models=("gpt-4o-mini",))
    with LLMServer(quirks=quirks) as server:
        brain = loopback_brain(server.base_url)
        asyncio.run(brain.decide(decision(tiny_content)))
        asyncio.run(brain.aclose())
    assert (brain.context.limit, brain.context.source) == (1536, source)
    assert f"the model's context: 1536 tokens, from {source}" in caplog.text


def test_ollama_saying_no_num_ctx_is_taken_at_its_smallest_default(tiny_content) -> None:
    quirks = Quirks(
        context=8192, advertise="ollama", ollama_num_ctx=False, models=("gpt-4o-mini",)
    )
    with LLMServer(quirks=quirks) as server:
        brain = loopback_brain(server.base_url)
        asyncio.run(brain.decide(decision(tiny_content)))
    assert brain.context.limit == 2048 and "default num_ctx" in brain.context.source


def test_a_server_that_says_nothing_is_logged_so(tiny_content, caplog) -> None:
    caplog.set_level(logging.INFO, logger="hamlet.brain")
    with LLMServer() as server:
        brain = loopback_brain(server.base_url)
        asyncio.run(brain.decide(decision(tiny_content)))
        assert server.request_count == 1  # asking the server did not post a call
    assert brain.context.limit is None
    assert "the model's context: not known" in caplog.text


@pytest.mark.parametrize(
    ("wording", "status"), [*((w, 400) for w in CONTEXT_WORDINGS), ("openai", 500)]
)
def test_a_context_error_is_retried_smaller_once_and_told_with_the_servers_advice(
    tiny_content, tmp_path, wording, status
) -> None:
    """Each server's words are known (llama-cpp-python has been seen to say it with a
    500); the call is made again, smaller, and works; the limit holds from then on."""
    quirks = Quirks(context=400, context_wording=wording, context_status=status)
    with LLMServer(lambda request: Reply(content='say("Frogs.")'), quirks=quirks) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=1)
        run(sim, 3)
        refusals = server.refusals
        requests = server.requests
    assert len(refusals) == 1, refusals  # the first call, before the limit was known
    assert sim.usage.failures == 0
    assert len(requests) == 3 * 3 + 1
    reserves = [body["max_tokens"] for body in requests]  # smaller, once the limit is known
    assert reserves[0] == 128 and reserves[-1] <= 100
    notices = [e.text for e in rec.of(m.Notice) if "context" in e.text]
    assert len(notices) == 1, notices
    said = refusals[0][1]
    assert said in notices[0]  # the server's own words, whole: its advice too
    assert "--context-tokens" in notices[0] and "bigger context" in notices[0]
    assert sim.brain.context.limit <= 400


def test_context_tokens_fits_every_prompt_from_the_first_call(tiny_content, tmp_path) -> None:
    args = build_parser().parse_args(["--base-url", "http://127.0.0.1:9/v1", "--context-tokens",
                                      "400"])
    brain, _, _ = choose_brain(args)
    assert brain.context.limit == 400  # type: ignore[attr-defined]
    with LLMServer(quirks=Quirks(context=400)) as server:
        brain.base_url = server.base_url  # type: ignore[attr-defined]
        sim, rec = make_sim(tiny_content, brain, tmp_path)
        run(sim, 2)
        assert server.refusals == []
        assert all(body["max_tokens"] <= 100 for body in server.requests)
    assert sim.usage.failures == 0 and not rec.of(m.Notice)


def test_too_small_a_context_for_even_the_rules_says_how_big_a_one_is_needed(
    tiny_content, tmp_path
) -> None:
    with LLMServer(quirks=Quirks(context=150, context_wording="llamacpp")) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=1)
        run(sim, 1)
        assert server.request_count <= 3 * 2  # made smaller once, not more
    assert sim.turns_played == 1 and sim.usage.failures == 3
    notices = [e.text for e in rec.of(m.Notice)]
    assert len(notices) == 1, notices  # one at a time shows: the server's words and ours
    assert "exceeds the available context size (150 tokens)" in notices[0]
    assert "rules and situation" in notices[0] and "context of at least" in notices[0]
    assert "waits: the model call failed" in "\n".join(rec.acted())


def test_a_long_village_on_a_small_context_has_no_context_errors_after_the_first_turn() -> None:
    """The benchmark's village (talkative model, llama.cpp's words and /props, a harder
    token count than our first guess), for a few turns: prompts and talks are fitted."""
    from game.bench.context import CONTEXT, run_village

    got = run_village(6, advertise=True)
    assert got["conversations"] >= 1  # talks happened, and memories grew
    assert got["errors_after_turn_1"] == 0 and got["failed"] == 0
    assert got["biggest_request_tokens"] <= CONTEXT


def test_memory_gives_way_first_then_knowledge_never_the_rules(tiny_content) -> None:
    request = decision(tiny_content, memory_of(12), ('Bjorn: "The pond is full of frogs"',))
    rules = describe_directives()
    knew, remembered = [], []
    for tokens in (400, 300, 250, 200, 150, 50):
        messages = decision_messages(request, Fit(tokens, 4.0))
        text = "\n".join(message["content"] for message in messages)
        assert rules in text  # never cut
        if tokens >= 250:
            assert prompt_chars(messages) <= tokens * 4
        knew.append("Things you know:" in text)
        remembered.append("Your recent memory:" in text)
    # memory goes first; knowledge goes only once memory is gone
    assert remembered[0] and not remembered[-1] and knew[0] and not knew[-1]
    for i, known in enumerate(knew):
        assert known or not remembered[i]


def test_a_long_talk_is_fitted_too_and_says_what_was_left_out(tiny_content) -> None:
    world = build_world(tiny_content, with_player=False)
    npc = tiny_content.npcs[0]
    history = tuple(("Bjorn" if i % 2 else npc.name, f"Line {i} " + "about frogs " * 20)
                    for i in range(12))
    request = talk_request(npc, world, *history, partner="Bjorn")._replace(memory=memory_of(8))
    full = conversation_messages(request)
    fitted = conversation_messages(request, Fit(600, 4.0))
    assert prompt_chars(fitted) <= 600 * 4 < prompt_chars(full)
    text = fitted[0]["content"] + fitted[1]["content"]
    assert "Answer with exactly one line" in text and "Line 11 about frogs" in text
    assert "earlier lines left out" in text


def test_an_unreadable_context_error_still_fails_as_one_call(tiny_content) -> None:
    """A context error the server words in no way we know is a plain 400: not retried."""
    with LLMServer() as server:
        server.enqueue(Reply(fault="http_400", message="Too many tokens, sorry"))
        brain = loopback_brain(server.base_url, retries=2)
        with pytest.raises(BrainError) as info:
            asyncio.run(brain.decide(decision(tiny_content)))
        assert server.request_count == 1
    assert info.value.kind == "http 400" and "Too many tokens" in info.value.detail
