"""Clean shutdown: Ctrl-C in headless mode and stopping the worker thread, with calls in flight.

Either way the game must stop within two seconds, cut its open connections to the model
server, write what it was in the middle of (a conversation under way gets its transcript,
``Ended by: the game closing``) and leave whole log entries behind -- and, on the command line,
say where the logs are, without a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from conftest import ROOT, write_village
from llm_server import LLMServer, Reply
from logcheck import check_log_dir, split_entries
from simkit import is_conversation, loopback_brain, npc_of

from game.sim import messages as m
from game.sim.simulation import SimConfig, Simulation
from game.sim.worker import SimWorker
from game.world import Facing


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def hang_after(
    decisions: int, conversation: list[str] | None = None, fail_fast: frozenset[str] = frozenset()
):
    """Answer the first ``decisions`` decision calls (and the scripted conversation
    replies); hang every call after that, as an overloaded server would -- except
    those for the ``fail_fast`` villagers, which get an HTTP 500 at once."""
    state = {"decisions": 0}
    talk = list(conversation or [])
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Reply:
        with lock:
            if is_conversation(request):
                return Reply(content=talk.pop(0)) if talk else Reply(fault="hang")
            state["decisions"] += 1
            if state["decisions"] > decisions:
                return Reply(fault="http_500" if npc_of(request) in fail_fast else "hang")
            if npc_of(request) == "Ada" and conversation is not None:
                return Reply(content='start_conversation_with(Bjorn, "Did you hear that?")')
            return Reply(content=f'say("{npc_of(request)} was here")')

    return respond


def start_headless(log_dir: Path, base_url: str, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--turns", "1000"]
        + ["--base-url", base_url, "--llm-timeout", "30", "--log-dir", str(log_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def interrupt(proc: subprocess.Popen[str], server: LLMServer) -> tuple[float, str, str]:
    """Ctrl-C; returns (seconds to exit, stdout, stderr)."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"still running 10 s after Ctrl-C:\n{out}\n{err}") from None
    return time.monotonic() - sent, out, err


def test_ctrl_c_in_headless_mode_with_calls_in_flight(tmp_path) -> None:
    log_dir = tmp_path / "logs"
    with LLMServer(hang_after(16, fail_fast=frozenset({"Bram"}))) as server:
        # no client retries: Bram's one failed call is over before Odile's call is made;
        # four at once, fixed (a local server's would otherwise start at two and adapt)
        proc = start_headless(
            log_dir, server.base_url, "--llm-retries", "0", "--concurrency", "4"
        )
        # Two turns answered; in turn 3 Bram's call fails at once (he will have a note
        # to write), while four others (the concurrency) hang on the server.
        wait_for(lambda: server.in_flight >= 4 and server.request_count >= 21, 30, "calls")
        elapsed, out, err = interrupt(proc, server)
        wait_for(lambda: server.in_flight == 0, 2, "the server to see the connections dropped")
    print(f"\nCtrl-C to exit: {elapsed:.2f} s")
    assert elapsed < 2.0, (elapsed, out, err)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    assert "Interrupted during turn 3; 2 whole turns played." in out
    assert f"Logs: {log_dir}" in out
    logs = check_log_dir(log_dir)
    assert len(logs) == 8
    for name, entries in logs.items():
        heads = [e.split(" at ")[0] for e in entries]
        if name == "bram.md":
            # sim.aclose() ran: it wrote what Bram had noted in the turn cut short
            assert heads == ["## Turn 1", "## Turn 2", "## Turn 3"], entries
            assert "- Lost my train of thought (http 500), so I waited." in entries[-1]
        else:
            assert heads == ["## Turn 1", "## Turn 2"], (name, entries)
    assert (log_dir / "hamlet.log").exists()


def test_ctrl_c_mid_conversation_writes_its_transcript(tmp_path) -> None:
    map_path, npc_dir = write_village(tmp_path / "village")
    log_dir = tmp_path / "logs"
    respond = hang_after(100, conversation=['say("Hear what?")'])
    with LLMServer(respond) as server:
        proc = start_headless(
            log_dir, server.base_url, "--map", str(map_path), "--npcs", str(npc_dir)
        )
        # Ada opened, Bjorn answered, and Ada's reply is hanging on the server.
        wait_for(lambda: server.in_flight == 1 and server.request_count >= 5, 30, "the talk")
        elapsed, out, err = interrupt(proc, server)
        wait_for(lambda: server.in_flight == 0, 2, "the server to see the connection dropped")
    assert elapsed < 2.0 and proc.returncode == 130, (elapsed, out, err)
    assert "Traceback" not in err and f"Logs: {log_dir}" in out
    expected = (
        "### Conversation with Bjorn (Turn 1 at 5,1)\n"
        "Initiated by: Ada\n"
        "- Ada: Did you hear that?\n"
        "- Bjorn: Hear what?\n"
        "Ended by: the game closing"
    )
    ada = split_entries((log_dir / "ada.md").read_text(encoding="utf-8"), "ada.md")
    bjorn = split_entries((log_dir / "bjorn.md").read_text(encoding="utf-8"), "bjorn.md")
    assert ada.count(expected) == 1
    assert (
        bjorn.count(expected.replace("with Bjorn (Turn 1 at 5,1)", "with Ada (Turn 1 at 6,1)")) == 1
    )
    assert "(conversation ended by the game closing)" in out
    check_log_dir(log_dir)


def run_worker(content, server: LLMServer, log_dir: Path, **config: Any) -> SimWorker:
    brain = loopback_brain(server.base_url, timeout=30)
    sim_config = SimConfig.unpaced(log_dir, **config)
    worker = SimWorker(lambda emit: Simulation(content, brain, sim_config, emit))
    worker.start()
    return worker


def stop_within_two_seconds(worker: SimWorker, server: LLMServer) -> list[m.Event]:
    assert server.in_flight > 0
    started = time.monotonic()
    assert worker.stop(timeout=2.0)
    assert time.monotonic() - started < 2.0
    assert not worker.alive and worker.error is None
    wait_for(lambda: server.in_flight == 0, 1.5, "the calls to be cancelled")
    return worker.drain(limit=100_000)


def test_worker_stop_mid_conversation_writes_the_transcript(tiny_content, tmp_path) -> None:
    respond = hang_after(100, conversation=['say("Hear what?")'])
    with LLMServer(respond) as server:
        worker = run_worker(tiny_content, server, tmp_path, with_player=False)
        wait_for(lambda: server.in_flight == 1 and server.request_count >= 5, 10, "the talk")
        events = stop_within_two_seconds(worker, server)
    ended = [e for e in events if isinstance(e, m.ConversationEnded)]
    assert [e.ended_by for e in ended] == ["the game closing"]
    expected = (
        "### Conversation with Bjorn (Turn 1 at 5,1)\n"
        "Initiated by: Ada\n"
        "- Ada: Did you hear that?\n"
        "- Bjorn: Hear what?\n"
        "Ended by: the game closing"
    )
    assert split_entries((tmp_path / "ada.md").read_text(), "ada.md").count(expected) == 1
    bjorn = split_entries((tmp_path / "bjorn.md").read_text(), "bjorn.md")
    assert (
        bjorn.count(expected.replace("with Bjorn (Turn 1 at 5,1)", "with Ada (Turn 1 at 6,1)")) == 1
    )
    check_log_dir(tmp_path)


def test_worker_stop_with_the_player_waiting_for_an_answer(tiny_content, tmp_path) -> None:
    """The player asked; the villager's answer hangs; the game is closed."""
    with LLMServer(hang_after(0)) as server:  # every call hangs
        worker = run_worker(tiny_content, server, tmp_path, with_player=True)
        for _ in range(3):  # from (1, 1) to (4, 1), facing Ada at (5, 1)
            worker.send(m.MovePlayer(Facing.RIGHT))
        worker.send(m.TalkToNeighbour())
        events: list[m.Event] = []

        def opened() -> bool:
            events.extend(worker.drain())
            return any(isinstance(e, m.DialogueOpened) for e in events)

        wait_for(opened, 5, "the dialogue to open")
        cid = next(e for e in events if isinstance(e, m.DialogueOpened)).conversation_id
        worker.send(m.PlayerSays(cid, "Where is the key?"))
        # the three decisions of turn 1 hang too; the player's question makes four
        wait_for(lambda: server.in_flight == 4, 5, "the question to reach the model")
        events += stop_within_two_seconds(worker, server)
    assert [e.ended_by for e in events if isinstance(e, m.ConversationEnded)] == ["the game closing"]
    ada = split_entries((tmp_path / "ada.md").read_text(), "ada.md")
    talks = [e for e in ada if e.startswith("### Conversation")]
    assert len(talks) == 1
    assert talks[0].startswith(
        "### Conversation with Player (Turn 1 at 5,1)\nInitiated by: Player\n"
    )
    assert talks[0].endswith("\n- Player: Where is the key?\nEnded by: the game closing")
    check_log_dir(tmp_path)
