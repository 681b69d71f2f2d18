"""One-slot model servers (issue 16, point 3): the number of decisions asked at once adapts.

Through the real openai client against the loopback server in its one-request-at-a-time
mode (``LLMServer(one_slot=...)``): requests queue there, and one the client gave up on
still takes its turn, as on llama.cpp's server with one slot.
"""

from __future__ import annotations

import asyncio

import pygame
import pytest
from llm_server import LLMServer, Reply
from simkit import loopback_brain, make_sim, run
from uikit import Harness

from game.sim import messages as m

SLOT = 0.15  # seconds each call holds the server's one slot
TIMEOUT = 3 * SLOT  # room for two calls queued at once, not for four


def waits(request) -> Reply:
    return Reply(content="wait()")


def adapting(start: int = 2, most: int = 8) -> dict[str, object]:
    return {"concurrency": start, "adapt_concurrency": True, "max_concurrency": most}


# ---- the loopback server's one-slot mode ----------------------------------------------


def test_the_one_slot_server_answers_in_turn_and_works_on_what_a_client_gave_up() -> None:
    import openai

    with LLMServer(waits, one_slot=0.2) as server:

        async def main() -> list[str]:
            patient = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-t", max_retries=0)
            hasty = openai.AsyncOpenAI(
                base_url=server.base_url, api_key="sk-t", max_retries=0, timeout=0.1
            )
            ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            first = asyncio.ensure_future(patient.chat.completions.create(**ask))
            await asyncio.sleep(0.05)
            outcomes: list[str] = []
            try:  # queued behind the first: gives up before its turn comes
                await hasty.chat.completions.create(**ask)
                outcomes.append("answered")
            except openai.APITimeoutError:
                outcomes.append("gave up")
            third = await patient.chat.completions.create(**ask)  # behind the given-up one
            outcomes.append(third.choices[0].message.content or "")
            outcomes.append((await first).choices[0].message.content or "")
            await patient.close()
            await hasty.close()
            return outcomes

        outcomes = asyncio.run(main())
        slot = server.slot
        assert slot is not None
        log = list(slot.log)
    assert outcomes == ["gave up", "wait()", "wait()"]
    # In the order they came, each in full: the second although its client had gone.
    assert log == [(0, False), (1, True), (2, False)]


def test_a_server_without_one_slot_has_no_slot() -> None:
    with LLMServer(waits) as server:
        assert server.slot is None


# ---- the simulation against it --------------------------------------------------------


def test_adapting_settles_at_one_on_a_one_slot_server_with_no_timeouts(
    real_content, tmp_path, caplog
) -> None:
    caplog.set_level("INFO", logger="hamlet.sim")
    with LLMServer(waits, one_slot=SLOT) as server:
        brain = loopback_brain(server.base_url, timeout=TIMEOUT)
        sim, rec = make_sim(real_content, brain, tmp_path, **adapting())
        run(sim, 6, timeout=60)
        slot = server.slot
        assert slot is not None and slot.abandoned == 0
    assert [e.limit for e in rec.of(m.CallsAtOnce)] == [2, 1]
    assert all(e.adapting for e in rec.of(m.CallsAtOnce))
    assert sim.concurrency == 1
    assert sim.usage.failures == 0 and not [w for w in sim.warnings if "timeout" in w]
    said = [r.getMessage() for r in caplog.records if "calls at once" in r.getMessage()]
    assert len(said) == 1  # hamlet.log says when and why
    assert "calls at once 2 -> 1: latency grew with the calls in flight" in said[0]


def test_where_a_fixed_four_times_out_on_the_same_server(real_content, tmp_path) -> None:
    with LLMServer(waits, one_slot=SLOT) as server:
        brain = loopback_brain(server.base_url, timeout=TIMEOUT)
        sim, rec = make_sim(real_content, brain, tmp_path, concurrency=4)
        run(sim, 2, timeout=60)
        slot = server.slot
        assert slot is not None and slot.abandoned > 0  # worked on for nobody
    assert sim.usage.failures > 0
    assert any("brain failed (timeout" in w for w in sim.warnings)
    assert [(e.limit, e.adapting) for e in rec.of(m.CallsAtOnce)] == [(4, False)]


def test_adapting_rises_on_a_server_that_answers_in_parallel(real_content, tmp_path) -> None:
    with LLMServer(lambda request: Reply(content="wait()", delay=SLOT)) as server:
        brain = loopback_brain(server.base_url, timeout=30)
        sim, rec = make_sim(real_content, brain, tmp_path, **adapting())
        run(sim, 8, timeout=60)
        most = server.max_in_flight
    limits = [e.limit for e in rec.of(m.CallsAtOnce)]
    assert limits[0] == 2 and max(limits) > 2 and sim.concurrency > 2
    assert limits == sorted(limits)  # up, never down: nothing queued
    assert most > 2


def test_adapting_from_one_rises_above_one(real_content, tmp_path) -> None:
    with LLMServer(lambda request: Reply(content="wait()", delay=SLOT)) as server:
        brain = loopback_brain(server.base_url, timeout=30)
        sim, rec = make_sim(real_content, brain, tmp_path, **adapting(start=1))
        run(sim, 2, timeout=60)
    assert sim.concurrency > 1 and server.max_in_flight > 1


def test_the_offline_brain_thinks_at_the_fixed_number(real_content, tmp_path) -> None:
    from game.brains.offline import OfflineBrain

    sim, rec = make_sim(real_content, OfflineBrain(0), tmp_path)
    run(sim, 3)
    assert [(e.limit, e.adapting) for e in rec.of(m.CallsAtOnce)] == [(4, False)]
    assert sim.calls_at_once is None


# ---- the command line: --concurrency fixes it; without it, it adapts ----------------


def test_concurrency_flag_fixes_it_and_without_it_it_adapts(tmp_path) -> None:
    from test_headless import headless

    with LLMServer(lambda request: Reply(content="wait()", delay=0.2)) as server:
        fixed = headless(
            "--turns",
            "2",
            "--base-url",
            server.base_url,
            "--concurrency",
            "3",
            "--log-dir",
            str(tmp_path / "fixed"),
        )
        assert server.max_in_flight == 3  # not more, though eight villagers think each turn
    assert fixed.returncode == 0, fixed.stderr
    log = (tmp_path / "fixed" / "hamlet.log").read_text()
    assert "seed 0, concurrency 3, max exchanges" in log

    with LLMServer(waits, one_slot=0.05) as server:
        adapting_run = headless(
            "--turns", "1", "--base-url", server.base_url, "--log-dir", str(tmp_path / "a")
        )
        assert server.max_in_flight == 2  # a local server: two at once to start with
    assert adapting_run.returncode == 0, adapting_run.stderr
    log = (tmp_path / "a" / "hamlet.log").read_text()
    assert "seed 0, concurrency adapting from 2 (at most 8), max exchanges" in log

    offline = headless("--turns", "1", "--offline", "--log-dir", str(tmp_path / "o"))
    assert offline.returncode == 0, offline.stderr
    assert "seed 0, concurrency 4, max exchanges" in (tmp_path / "o" / "hamlet.log").read_text()


@pytest.mark.parametrize(
    ("url", "start", "most"),
    [
        (None, 4, 16),  # OpenAI's own
        ("https://api.openai.com/v1", 4, 16),
        ("https://api.together.xyz/v1", 4, 16),
        ("http://localhost:11434/v1", 2, 8),  # Ollama
        ("http://127.0.0.1:1234/v1", 2, 8),  # LM Studio
        ("http://[::1]:8080/v1", 2, 8),  # llama.cpp
        ("http://192.168.1.20:8000/v1", 2, 8),  # a box on the local network
        ("http://gpu-box:8000/v1", 2, 8),
        ("http://studio.local:1234/v1", 2, 8),
    ],
)
def test_where_adapting_starts_depends_on_the_server(url, start, most) -> None:
    from game.brains.providers import calls_at_once

    assert calls_at_once(url) == (start, most)


# ---- on screen ------------------------------------------------------------------------


def test_f3_shows_how_many_calls_go_at_once_as_it_changes(tiny_content, tmp_path) -> None:
    with LLMServer(waits, one_slot=SLOT) as server:
        harness = Harness(
            tiny_content,
            loopback_brain(server.base_url, timeout=5),
            tmp_path,
            turn_interval=0.0,
            **adapting(),
        )
        try:
            game = harness.game
            harness.key(pygame.K_F3)
            shown: list[str] = []

            def seen(text: str) -> bool:
                if game.meter.text and game.meter.text.split("  ")[-1] not in shown:
                    shown.append(game.meter.text.split("  ")[-1])
                return text in shown

            assert harness.until(lambda: seen("calls at once: 1 (adapting)"), 30), shown
            assert shown == ["calls at once: 2 (adapting)", "calls at once: 1 (adapting)"]
            drawn = game.meter.jobs((0, 0))[0][0]  # the line drawn is the one with it
            assert drawn.get_width() == game.small_font.size(game.meter.text)[0]
        finally:
            harness.close()
