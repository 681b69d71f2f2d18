"""Hard faults of real model servers, through the real client and the loopback server:
errors that will recur are asked once, busy servers are waited for as they ask, one
deadline bounds a call with its retries, a server found down is not asked for the rest
of the turn and its coming back is told, and a 200 of the wrong shape costs one call,
not the turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest
from llm_server import LLMServer, Quirks, Reply
from simkit import log_text, loopback_brain, make_sim, npc_of, run

from game.brains.base import BrainError, ConversationRequest, DecisionRequest
from game.sim import messages as m
from game.sim.directives import describe_directives
from game.world import build_world


def decision(content) -> DecisionRequest:  # noqa: ANN001
    world = build_world(content, with_player=False)
    npc = content.npcs[0]
    seen = world.perceive(npc.name)
    return DecisionRequest(npc, 1, seen, (), (), "", describe_directives())


def ask(brain, request: DecisionRequest | ConversationRequest) -> tuple[str | BrainError, float]:  # noqa: ANN001
    """One call: its text (or the BrainError), and the seconds it took."""

    async def call() -> str | BrainError:
        try:
            reply = await brain.decide(request)
            return reply.text
        except BrainError as exc:
            return exc
        finally:
            await brain.aclose()

    started = time.monotonic()
    outcome = asyncio.run(call())
    return outcome, time.monotonic() - started


# ---- errors that will come back the same are not asked again --------------------------


@pytest.mark.parametrize("fault", ["http_400", "http_401", "http_403", "http_404"])
def test_an_error_that_will_recur_is_asked_once(tiny_content, fault) -> None:
    with LLMServer() as server:
        server.enqueue(Reply(fault=fault), Reply(content="wait()"))
        outcome, _ = ask(loopback_brain(server.base_url, retries=3), decision(tiny_content))
        assert server.request_count == 1
    assert isinstance(outcome, BrainError) and outcome.kind == "http " + fault[-3:]


def test_an_unknown_model_is_told_with_the_models_the_server_has(tiny_content, tmp_path) -> None:
    quirks = Quirks(models=("llama3.2:1b", "qwen2.5:0.5b"), strict_model=True)
    with LLMServer(quirks=quirks) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url, retries=2), tmp_path)
        run(sim, 1)
        assert server.request_count == 3  # one a villager
    notices = [e.text for e in rec.of(m.Notice)]
    assert len(notices) == 1
    assert "http 404" in notices[0] and "does not exist" in notices[0]
    assert "the server has: llama3.2:1b, qwen2.5:0.5b (asked for gpt-4o-mini)" in notices[0]


def test_a_500_that_repeats_for_the_same_prompt_is_asked_twice_not_four_times(
    tiny_content,
) -> None:
    """A server that fails on a prompt (one over its context, said in no words we know)
    fails on it every time: once more tells that, and the retries left are not spent."""
    with LLMServer(lambda request: Reply(fault="http_500")) as server:
        outcome, _ = ask(loopback_brain(server.base_url, retries=3), decision(tiny_content))
        assert server.request_count == 2
    assert isinstance(outcome, BrainError) and outcome.kind == "http 500"
    assert "the same again for the same prompt" in outcome.detail


def test_a_500_that_changes_is_a_passing_fault_and_is_retried(tiny_content) -> None:
    with LLMServer() as server:
        server.enqueue(
            Reply(fault="http_500", message="CUDA error: out of memory (1)"),
            Reply(fault="http_500", message="CUDA error: out of memory (2)"),
            Reply(content='say("Back again.")'),
        )
        outcome, _ = ask(loopback_brain(server.base_url, retries=2), decision(tiny_content))
        assert server.request_count == 3
    assert outcome == 'say("Back again.")'


@pytest.mark.parametrize("fault", ["http_408", "http_409", "http_429", "http_502", "http_503"])
def test_a_passing_fault_is_retried(tiny_content, fault) -> None:
    with LLMServer() as server:
        server.enqueue(Reply(fault=fault), Reply(content="wait()"))
        outcome, _ = ask(loopback_brain(server.base_url, retries=1), decision(tiny_content))
        assert server.request_count == 2
    assert outcome == "wait()"


def test_429_waits_as_long_as_retry_after_asks(tiny_content) -> None:
    with LLMServer() as server:
        server.enqueue(Reply(fault="http_429", retry_after=1), Reply(content="wait()"))
        outcome, took = ask(loopback_brain(server.base_url, timeout=5, retries=1),
                            decision(tiny_content))
        assert server.request_count == 2
    assert outcome == "wait()"
    assert took >= 1.0  # it waited what it was asked to, not the client's own backoff


def test_429_asking_a_wait_past_the_deadline_fails_at_once(tiny_content) -> None:
    with LLMServer() as server:
        server.enqueue(Reply(fault="http_429", retry_after=30))
        outcome, took = ask(loopback_brain(server.base_url, timeout=2, retries=2),
                            decision(tiny_content))
        assert server.request_count == 1
    assert isinstance(outcome, BrainError) and outcome.kind == "http 429"
    assert "the server asked to wait 30 s" in outcome.detail
    assert took < 2.0  # no point waiting out the deadline for nothing


# ---- one deadline a call, retries included ---------------------------------------------


def test_a_hung_server_costs_one_deadline_a_call_retries_included(tiny_content) -> None:
    """It once said "no answer within 5 s" after 17 s of retries; at 30 s a hung server
    held a turn for minutes."""
    with LLMServer(lambda request: Reply(fault="hang")) as server:
        outcome, took = ask(loopback_brain(server.base_url, timeout=1, retries=2),
                            decision(tiny_content))
    assert isinstance(outcome, BrainError) and outcome.kind == "timeout"
    assert took < 3.0, took  # one second and a little, not three (nor 9 with backoff)
    said = re.search(r"no answer within (\d+\.\d) s", outcome.detail)
    assert said and 1.0 <= float(said.group(1)) <= took + 0.05  # the time really waited
    assert "--llm-timeout is 1 s" in outcome.detail


def test_retries_after_slow_failures_stop_at_the_deadline(tiny_content) -> None:
    """Each 503 comes after 0.6 s (asking a retry at once): with a 1.5 s deadline the
    third try is cut short by it, and there is no fourth of the five retries allowed."""
    with LLMServer(lambda request: Reply(fault="http_503", delay=0.6)) as server:
        outcome, took = ask(loopback_brain(server.base_url, timeout=1.5, retries=5),
                            decision(tiny_content))
        assert server.request_count <= 3
    assert isinstance(outcome, BrainError) and outcome.kind in ("http 503", "timeout")
    assert took < 2.5


# ---- a server that is down, and comes back -----------------------------------------------


def closed_port_url() -> str:
    """The address of a server that has stopped: connections to it are refused."""
    server = LLMServer().start()
    url = server.base_url
    server.stop()
    return url


def test_once_the_server_is_down_the_rest_of_the_turn_is_not_asked(tiny_content, tmp_path) -> None:
    brain = loopback_brain(closed_port_url(), timeout=5, retries=2)
    sim, rec = make_sim(tiny_content, brain, tmp_path, concurrency=1)
    run(sim, 2)
    # One call a turn: the first finds the server down (refused: not retried), the others
    # are not made, and a turn later one call finds out whether it is back.
    assert sim.usage.calls == 2 and sim.usage.failures == 2
    acted = "\n".join(rec.acted())
    assert "[T1] Ada waits: the model call failed" in acted
    assert "[T1] Bjorn waits: the model server is down" in acted
    assert "[T2] Cora waits: the model server is down" in acted
    assert "- The model server was down, so I waited." in log_text(sim, "Bjorn")
    notices = [e.text for e in rec.of(m.Notice)]
    assert len(notices) == 1 and "Is the model server for gpt-4o-mini" in notices[0]


def test_while_one_call_finds_out_whether_the_server_is_back_the_others_wait_for_it(
    tiny_content, tmp_path
) -> None:
    brain = loopback_brain(closed_port_url(), timeout=5)
    sim, _ = make_sim(tiny_content, brain, tmp_path, concurrency=3)
    run(sim, 1)
    first = sim.usage.calls  # all three may have set off before the first was refused
    run_more(sim, 1)
    assert sim.usage.calls == first + 1


def run_more(sim, turns: int) -> None:  # noqa: ANN001
    """More turns of a simulation whose brain was closed (it opens a new client)."""
    async def main() -> None:
        for _ in range(turns):
            await sim.run_turn()

    asyncio.run(main())


def test_the_server_coming_back_is_told(tiny_content, tmp_path) -> None:
    def answer(request):  # noqa: ANN001, ANN202
        return Reply(content=f'say("{npc_of(request)} here")')

    server = LLMServer(answer).start()
    port = server.port
    sim, rec = make_sim(tiny_content, loopback_brain(server.base_url, retries=1), tmp_path)

    async def play() -> None:
        nonlocal server
        try:
            await sim.run_turn()  # it works
            server.stop()
            await sim.run_turn()  # it is down
            server = LLMServer(answer).start(port)
            await sim.run_turn()  # it is back
        finally:
            await sim.aclose()
            server.stop()

    asyncio.run(play())
    notices = [e.text for e in rec.of(m.Notice)]
    assert len(notices) == 2, notices
    assert "Is the model server" in notices[0]
    assert notices[1].startswith("The model server is back")
    acted = "\n".join(rec.acted())
    assert '[T3] Ada "Ada here"' in acted and '[T3] Cora "Cora here"' in acted


# ---- replies of the wrong shape ------------------------------------------------------------

GOOD = {"id": "x", "object": "chat.completion", "created": 0, "model": "m"}


def completion(choices: object, usage: object = None) -> str:
    return json.dumps({**GOOD, "choices": choices, "usage": usage})


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"id": "x", "choices": "abc"}),
        completion([{"index": 0, "message": "say(hi)"}]),
        completion([]),
        completion([{"index": 0, "message": {"role": "assistant", "content": 5}}]),
        completion(["a"]),
        completion([{"index": 0}]),
        "[]",
        '"just text"',
        "null",
        "{}",
    ],
)
def test_a_reply_of_the_wrong_shape_loses_one_call_not_the_turn(tiny_content, tmp_path, raw) -> None:
    """{"id":"x","choices":"abc"} raised AttributeError outside the guarded block: every
    villager's turn was lost, and the run said "0 brain calls, 0 failed"."""

    def respond(request):  # noqa: ANN001, ANN202
        if npc_of(request) == "Ada":
            return Reply(raw=raw)
        return Reply(content=f'say("{npc_of(request)} here")')

    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert sim.turns_played == 1
    assert (sim.usage.calls, sim.usage.failures) == (3, 1)
    acted = "\n".join(rec.acted())
    assert "Ada waits: the model call failed" in acted
    assert '[T1] Bjorn "Bjorn here"' in acted and '[T1] Cora "Cora here"' in acted
    assert any("Ada: brain failed (bad response" in w for w in sim.warnings), sim.warnings


@pytest.mark.parametrize(
    ("usage", "problem"),
    [
        ({"prompt_tokens": "abc", "completion_tokens": 3}, "not a number"),
        ({"prompt_tokens": -40, "completion_tokens": 3}, "negative"),
        ({"prompt_tokens": 2.4e20, "completion_tokens": 3}, "absurdly large"),
        ({"prompt_tokens": True, "completion_tokens": 3}, "not a number"),
        ({"prompt_tokens": 12.5, "completion_tokens": 3}, "not a whole number"),
    ],
)
def test_token_counts_that_make_no_sense_are_ignored_with_a_warning(
    tiny_content, caplog, usage, problem
) -> None:
    raw = completion([{"index": 0, "message": {"role": "assistant", "content": "wait()"}}], usage)
    caplog.set_level(logging.WARNING, logger="hamlet.brain")
    with LLMServer() as server:
        server.enqueue(Reply(raw=raw))
        brain = loopback_brain(server.base_url)

        async def call():  # noqa: ANN202
            try:
                return await brain.decide(decision(tiny_content))
            finally:
                await brain.aclose()

        reply = asyncio.run(call())
    assert reply.text == "wait()" and tuple(reply.usage) == (0, 3)
    assert f"prompt_tokens = {usage['prompt_tokens']!r}"[:30] in caplog.text
    assert f"{problem}; that count is ignored" in caplog.text
