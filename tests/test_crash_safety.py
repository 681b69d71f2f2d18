"""Crash safety: SIGKILL the game mid-run, and every memory log still reads as whole entries.

Each entry is one ``write`` on a file opened with ``O_APPEND``, so a kill can cut a run
short but can never leave half an entry, or two entries mixed together. These tests
kill ``python main.py --headless`` at random moments while it is writing as fast as it
can (the offline brain), and while it talks to a slow model server, then read every
log back: a header line, then entries separated by blank lines, each a whole
``## Turn`` entry or a complete ``### Conversation`` block ending ``Ended by:`` -- but for
the last, which may be the conversation the kill cut short: its head and each whole line
said (a conversation is written a line at a time, as it is said).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from llm_server import LLMServer, Reply
from logcheck import check_log_dir, split_entries
from simkit import is_conversation, npc_of

VILLAGERS = 8


def start(log_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--turns", "100000"]
        + ["--log-dir", str(log_dir), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def log_bytes(log_dir: Path) -> int:
    return sum(p.stat().st_size for p in log_dir.glob("*.md"))


def kill_when(proc: subprocess.Popen[bytes], log_dir: Path, at_bytes: int) -> int:
    """SIGKILL ``proc`` once its logs hold ``at_bytes``; return the size seen just before."""
    deadline = time.monotonic() + 60
    while log_bytes(log_dir) < at_bytes:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the logs did not grow"
        time.sleep(0.002)
    seen = log_bytes(log_dir)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    return seen


def test_sigkill_while_writing_fast_never_tears_an_entry(tmp_path) -> None:
    rng = random.Random(1234)
    checked = 0
    for run in range(4):
        log_dir = tmp_path / f"run{run}"
        proc = start(log_dir, "--offline", "--seed", str(run))
        kill_when(proc, log_dir, rng.randint(4_000, 120_000))
        logs = check_log_dir(log_dir, killed=True)
        assert len(logs) == VILLAGERS
        assert sum(len(entries) for entries in logs.values()) > 0
        checked += sum(len(entries) for entries in logs.values())
    assert checked > 100


def test_a_restart_after_a_kill_appends_whole_entries(tmp_path) -> None:
    """Killed twice into the same folder: the second run carries on after the last entry."""
    log_dir = tmp_path / "logs"
    kill_when(start(log_dir, "--offline", "--seed", "5"), log_dir, 30_000)
    first = {p.name: p.read_text(encoding="utf-8") for p in log_dir.glob("*.md")}
    before = log_bytes(log_dir)
    kill_when(start(log_dir, "--offline", "--seed", "6"), log_dir, before + 30_000)
    for path in sorted(log_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith(first[path.name])  # nothing already written was touched
        split_entries(text, path.name, killed=True)
        assert text.count(" - memory log\n") == 1  # one header, not one per run...
        assert text.count(" - memory log, continued: a new run began ") == 1  # ...a marker


def test_sigkill_while_waiting_on_a_slow_model(tmp_path) -> None:
    """Kills land while calls are in flight and while conversations are half said."""
    rng = random.Random(99)

    def respond(request) -> Reply:
        delay = rng.uniform(0.0, 0.01)
        if is_conversation(request):
            text = (
                'say("Tell me more about the bell.")'
                if rng.random() < 0.7
                else "end_conversation()"
            )
            return Reply(content=text, delay=delay)
        match = None
        for message in request["messages"]:
            content = str(message.get("content", ""))
            if "Next to you: " in content:
                match = content.split("Next to you: ", 1)[1].split(".", 1)[0].split(", ")[0]
        if match and rng.random() < 0.6:
            return Reply(
                content=f'start_conversation_with({match}, "A word, please.")', delay=delay
            )
        pick = rng.random()
        if pick < 0.5:
            return Reply(
                content=f'say("{npc_of(request)} hums a tune")\nmove_to(24, 17)', delay=delay
            )
        return Reply(content="move_to(25, 16)\nwait()", delay=delay)

    talked = 0
    with LLMServer(respond) as server:
        for run in range(2):
            log_dir = tmp_path / f"model{run}"
            proc = start(log_dir, "--base-url", server.base_url, "--llm-timeout", "5")
            kill_when(proc, log_dir, rng.randint(25_000, 45_000))
            logs = check_log_dir(log_dir, killed=True)
            assert len(logs) == VILLAGERS
            talked += sum(e.startswith("### Conversation") for v in logs.values() for e in v)
        assert server.request_count > 50
    assert talked  # the model made people talk: conversation blocks were checked too
