"""SIGKILL mid-conversation: a talk under way left no trace, as transcripts were written
when the talk ended (7 of 7 kills mid-talk in a hostile run). Each line is now in the logs
the moment it is said, in whole lines; the next run into the same folder closes the block
the kill left open.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, write_village
from llm_server import LLMServer
from logcheck import check_log_dir
from test_shutdown import hang_after, start_headless, wait_for

from game.sim.memory import LEFT_OPEN_END, REPLIES_FILE

# Ada opens, Bjorn answers, and Ada's reply hangs on the server: the talk is under way.
SAID = (
    "### Conversation with Bjorn (Turn 1 at 5,1)\n"
    "Initiated by: Ada\n"
    "- Ada: Did you hear that?\n"
    "- Bjorn: Hear what?"
)
SAID_BY_BJORN = SAID.replace("with Bjorn (Turn 1 at 5,1)", "with Ada (Turn 1 at 6,1)")


def talker() -> LLMServer:
    """A model with which Ada starts the talk above; her second line hangs."""
    return LLMServer(hang_after(100, conversation=['say("Hear what?")']))


def mid_talk(server: LLMServer, log_dir: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until Ada's reply hangs on the server, Bjorn's answer said. A game that never
    gets there is killed, not left running."""
    ada = log_dir / "ada.md"
    try:
        wait_for(lambda: server.in_flight == 1 and server.request_count >= 5, 60, "the talk")
        wait_for(lambda: "- Bjorn: Hear what?\n" in ada.read_text(encoding="utf-8"), 10, "a line")
    except BaseException:
        proc.kill()
        out, err = proc.communicate()
        print(out, err)
        raise


def test_sigkill_mid_conversation_keeps_what_was_said(tmp_path) -> None:
    """A talk under way at SIGKILL left no trace: transcripts were written when it ended.
    Now each line is in the logs as it is said, and a rerun closes the block."""
    map_path, npc_dir = write_village(tmp_path / "village")
    log_dir = tmp_path / "logs"
    with talker() as server:
        proc = start_headless(
            log_dir, server.base_url, "--map", str(map_path), "--npcs", str(npc_dir)
        )
        mid_talk(server, log_dir, proc)
        proc.kill()
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    killed = check_log_dir(log_dir, killed=True)
    # The kill cut the talk short: each log ends with its open block, every line whole.
    assert killed["ada.md"][-1] == SAID
    assert killed["bjorn.md"][-1] == SAID_BY_BJORN
    # What the model answered is kept too, in whole lines, up to the kill.
    records = [json.loads(line) for line in (log_dir / REPLIES_FILE).read_text().splitlines()]
    # (Cora may still be making up her mind while they talk: hers may come after.)
    bjorns = [
        r for r in records if r.get("villager") == "Bjorn" and r.get("kind") == "conversation"
    ]
    assert len(bjorns) == 1
    assert {"turn": 1, "villager": "Bjorn", "kind": "conversation", "with": "Ada"}.items() <= (
        bjorns[0].items()
    )
    assert bjorns[0]["reply"] == 'say("Hear what?")'
    before = {p.name: p.read_text(encoding="utf-8") for p in log_dir.glob("*.md")}
    assert before["ada.md"].endswith(SAID + "\n")

    # The next run into the same folder closes it, before anything of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    rerun = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--headless", "--offline", "--turns", "1"]
        + ["--log-dir", str(log_dir), "--map", str(map_path), "--npcs", str(npc_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert rerun.returncode == 0, rerun.stderr
    logs = check_log_dir(log_dir, consecutive_turns=False)  # whole again, nothing open
    for file, said in (("ada.md", SAID), ("bjorn.md", SAID_BY_BJORN)):
        text = (log_dir / file).read_text(encoding="utf-8")
        assert text.startswith(before[file])  # what the killed run wrote stays as it was
        closed = said + "\n" + LEFT_OPEN_END
        assert logs[file].count(closed) == 1, logs[file]
        after = logs[file][logs[file].index(closed) + 1]
        assert after.startswith(f"# {file[:-3].title()} - memory log, continued: a new run")
    assert LEFT_OPEN_END == "Ended by: an interruption (the game stopped)"
    cora = (log_dir / "cora.md").read_text(encoding="utf-8")
    assert LEFT_OPEN_END not in cora  # she was in no talk: nothing to close
