"""Secrets: the API key never leaves the client's Authorization header.

A sentinel key is set in ``OPENAI_API_KEY`` and the game is run against servers that
fail (HTTP errors, dropped connections, malformed answers), a model that talks about
"the API key", and -- the worst case -- a hostile server that echoes the Authorization
header back in its error messages and even in the model's words. The sentinel must
not show up in anything the game prints or writes: stdout, stderr, memory logs and
transcripts, ``hamlet.log``, warnings, error messages, ``repr(brain)``. (The HUD is UI and
is covered elsewhere.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import traceback
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from llm_server import LLMServer, Reply
from simkit import is_conversation, npc_of

from game.brains import BrainError, OpenAIBrain
from game.brains.base import ConversationRequest, DecisionRequest
from game.content.loader import Content
from game.sim.simulation import SimConfig, Simulation
from game.world import build_world

SENTINEL = "sk-SENTINEL-0123456789abcdefXYZ"


def leaks(text: str) -> bool:
    # The whole key, or a long enough piece of it to be useful to anyone.
    return SENTINEL in text or SENTINEL[3:20] in text


def headless(log_dir: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["OPENAI_API_KEY"] = SENTINEL
    env["PYTHONWARNINGS"] = "always"  # show every warning, should any carry the key
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--turns", "4"]
        + ["--base-url", base_url, "--llm-timeout", "2", "--log-dir", str(log_dir), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def everything_written(log_dir: Path) -> dict[str, str]:
    files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in log_dir.rglob("*")}
    assert "hamlet.log" in files and len([n for n in files if n.endswith(".md")]) == 8
    return files


def assert_no_leak(result: subprocess.CompletedProcess[str], log_dir: Path) -> None:
    assert not leaks(result.stdout), result.stdout
    assert not leaks(result.stderr), result.stderr
    for name, text in everything_written(log_dir).items():
        assert not leaks(text), f"{name} holds the key"


# ---- the loopback server: errors and a model that talks about keys -------------------

KEY_TALK = [
    'say("The API key? It is kept in OPENAI_API_KEY, I am told.")',
    "Sure! Here is the API key: {{OPENAI_API_KEY}}\nsay(the API key is sk-...)",
    'start_conversation_with(Nobody, "print(os.environ[\\"OPENAI_API_KEY\\"])")',
]


def faulty_key_talk() -> Any:
    lock = threading.Lock()
    state = {"n": 0}
    plan = ["http_500", "drop", None, "http_429", "malformed", None, "http_503", "null_content"]

    def respond(request: dict[str, Any]) -> Reply:
        with lock:
            state["n"] += 1
            n = state["n"]
        fault = plan[n % len(plan)]
        if fault:
            return Reply(fault=fault)
        if is_conversation(request):
            return Reply(content='say("Tell me the API key and I will tell you mine.")')
        return Reply(content=KEY_TALK[n % len(KEY_TALK)] + f"\nsay({npc_of(request)} here)")

    return respond


def test_the_key_never_leaks_through_errors_or_model_talk(tmp_path) -> None:
    log_dir = tmp_path / "logs"
    with LLMServer(faulty_key_talk()) as server:
        result = headless(log_dir, server.base_url, "--llm-retries", "1")
        requests = server.requests
    assert result.returncode == 0, result.stderr
    assert "Ran 4 turns" in result.stdout
    assert "failed" in (log_dir / "hamlet.log").read_text()  # errors did happen and were logged
    assert_no_leak(result, log_dir)
    # ...and the key was never put into a prompt.
    assert requests and not any(leaks(json.dumps(body)) for body in requests)


# ---- a hostile server that echoes the Authorization header ---------------------------


class EchoHandler(BaseHTTPRequestHandler):
    """Answers every call with the caller's Authorization header in it: in a 401, a 500,
    a 400, and as the model's own words."""

    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        auth = self.headers.get("Authorization", "")
        with EchoHandler.lock:
            EchoHandler.count += 1
            n = EchoHandler.count
        status, payload = self._answer(n % 4, auth, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-should-retry", "false")
        self.end_headers()
        self.wfile.write(data)

    @staticmethod
    def _answer(mode: int, auth: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if mode in (0, 1, 2):
            status = (401, 500, 400)[mode]
            message = f"Incorrect API key provided: {auth}. Headers were: Authorization: {auth}"
            return status, {"error": {"message": message, "type": "invalid_request_error"}}
        conversation = is_conversation(body)
        content = f'say("I was told {auth} and {auth.removeprefix("Bearer ")}")'
        if not conversation and npc_of(body) in ("Agnes", "Pip"):
            content = f'start_conversation_with(Bram, "the key is {auth}")'
        return 200, {
            "id": "echo",
            "object": "chat.completion",
            "created": 0,
            "model": "echo",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


@pytest.fixture
def echo_server():
    EchoHandler.count = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(2)


def test_a_server_echoing_the_key_does_not_make_the_game_repeat_it(tmp_path, echo_server) -> None:
    log_dir = tmp_path / "logs"
    result = headless(log_dir, echo_server, "--llm-retries", "0")
    assert result.returncode == 0, result.stderr
    assert EchoHandler.count >= 32
    assert_no_leak(result, log_dir)
    said = "".join(
        p.read_text(encoding="utf-8") for p in log_dir.glob("*.md")
    )  # the villagers did speak the echoed lines, with the key taken out
    assert "I was told" in said


def request_for(content: Content) -> tuple[DecisionRequest, ConversationRequest]:
    world = build_world(content, with_player=False)
    spec = content.npcs[0]
    perception = world.perceive(spec.name)
    decision = DecisionRequest(spec, 1, perception, (), (), "", "wait() - do nothing")
    talk = ConversationRequest(spec, 1, perception, "", "Bram", False, (("Bram", "Hi"),), 3)
    return decision, talk


def test_errors_warnings_logs_and_repr_hold_no_key(
    real_content, tmp_path, echo_server, caplog
) -> None:
    """In process: every BrainError, log record (down to DEBUG) and warning is clean."""
    brain = OpenAIBrain(model="gpt-4o-mini", api_key=SENTINEL, base_url=echo_server, max_retries=0)
    assert not leaks(repr(brain)) and not leaks(str(brain)) and not leaks(brain.label)
    decision, talk = request_for(real_content)
    errors: list[BrainError] = []
    replies: list[str] = []

    async def main() -> None:
        try:
            for i in range(8):
                try:
                    reply = await (brain.decide(decision) if i % 2 else brain.converse(talk))
                    replies.append(reply.text)
                except BrainError as exc:
                    errors.append(exc)
        finally:
            await brain.aclose()

    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        sim = Simulation(real_content, brain, SimConfig.unpaced(tmp_path), lambda e: None)
        asyncio.run(sim.aclose())
    assert {e.kind for e in errors} == {"http 401", "http 500", "http 400"}
    for exc in errors:
        assert not leaks(str(exc)) and not leaks(repr(exc)) and not leaks(exc.detail), exc
        assert not leaks("".join(traceback.format_exception(exc)))  # as a crash would print it
        assert "Incorrect API key provided" in exc.detail  # the useful part is kept
    assert replies and all("I was told" in text and not leaks(text) for text in replies)
    assert not any(leaks(str(w.message)) for w in caught)
    assert not any(leaks(record.getMessage()) for record in caplog.records)
    assert not leaks(caplog.text)
    assert not leaks(repr(sim.brain))
