"""The headless command, brain selection from the command line, and the worker thread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT, run_main, write_village
from llm_server import LLMServer, Reply
from simkit import is_conversation, npc_of

from game.brains import OfflineBrain, OpenAIBrain
from game.cli import build_parser, choose_brain
from game.sim import messages as m
from game.sim.simulation import SimConfig, Simulation
from game.sim.worker import SimWorker


def headless(
    *args: str, env: dict[str, str] | None = None, cwd=None
) -> subprocess.CompletedProcess[str]:
    return run_main("--headless", *args, env=env, cwd=cwd)


def test_headless_offline_run_prints_the_village_and_exits_0(tmp_path) -> None:
    result = headless("--turns", "20", "--seed", "4", "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "No model configured: using the offline brain" in out
    assert "OPENAI_API_KEY" in out  # says how to switch
    lines = [line for line in out.splitlines() if line.startswith("[T")]
    assert len(lines) >= 60
    assert re.search(r"^\[T\d+\] \w+ moves (to|near) ", out, re.M)
    assert re.search(r'^\[T\d+\] \w+ ".+"$', out, re.M)
    assert f"Logs: {tmp_path / 'logs'}" in out
    assert "Ran 20 turns" in out
    logs = sorted(p.name for p in (tmp_path / "logs").glob("*.md"))
    assert len(logs) == 8 and "marta.md" in logs
    assert "## Turn 20 at " in (tmp_path / "logs" / "marta.md").read_text()
    assert "Traceback" not in result.stderr


def test_headless_same_seed_same_output(tmp_path) -> None:
    a = headless("--turns", "8", "--seed", "11", "--log-dir", str(tmp_path / "a")).stdout
    b = headless("--turns", "8", "--seed", "11", "--log-dir", str(tmp_path / "b")).stdout
    strip = lambda text: [l for l in text.splitlines() if l.startswith("[T")]  # noqa: E731
    assert strip(a) == strip(b)


def test_headless_drives_villagers_by_a_model_on_base_url(tmp_path) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        return Reply(
            content=f'say("{npc_of(request)} speaks through the model")',
            prompt_tokens=50,
            completion_tokens=5,
        )

    with LLMServer(respond) as server:
        result = headless(
            "--turns",
            "2",
            "--base-url",
            server.base_url,
            "--model",
            "local-test",
            "--log-dir",
            str(tmp_path),
            env={"OPENAI_API_KEY": "sk-sentinel-do-not-print"},
        )
        assert server.request_count == 16
    assert result.returncode == 0, result.stderr
    assert "Using the model local-test @ 127.0.0.1" in result.stdout
    assert '[T1] Marta "Marta speaks through the model"' in result.stdout
    assert "880 tokens" in result.stdout
    assert "sk-sentinel-do-not-print" not in result.stdout + result.stderr


def test_brain_choice_from_flags_and_environment(monkeypatch) -> None:
    parse = build_parser().parse_args
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    brain, text, _ = choose_brain(parse([]))
    assert isinstance(brain, OfflineBrain) and "offline" in text
    brain, _, model = choose_brain(parse(["--provider", "ollama"]))
    assert isinstance(brain, OpenAIBrain) and brain.base_url == "http://localhost:11434/v1"
    assert model is None and brain.label == "llama3.2 @ localhost:11434"  # no price: local
    brain, _, _ = choose_brain(parse(["--provider", "lmstudio", "--model", "qwen"]))
    assert brain.base_url == "http://localhost:1234/v1" and brain.model == "qwen"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    brain, _, model = choose_brain(parse([]))
    assert isinstance(brain, OpenAIBrain) and model == "gpt-4o-mini"
    assert "sk-x" not in repr(brain)
    brain, _, _ = choose_brain(parse(["--offline"]))
    assert isinstance(brain, OfflineBrain)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    brain, _, model = choose_brain(parse([]))
    assert isinstance(brain, OpenAIBrain) and brain.base_url == "http://127.0.0.1:9/v1"
    assert brain.model == "gpt-4o-mini" and model is None  # not priced as OpenAI's
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    assert choose_brain(parse([]))[2] == "gpt-4o-mini"


def test_worker_thread_runs_turns_takes_commands_and_stops_promptly(real_content, tmp_path) -> None:
    def respond(request):
        return Reply(content="wait()", delay=5.0)  # every call still in flight at shutdown

    with LLMServer(respond) as server:
        from simkit import loopback_brain

        brain = loopback_brain(server.base_url, timeout=30)
        config = SimConfig.unpaced(tmp_path)
        worker = SimWorker(lambda emit: Simulation(real_content, brain, config, emit))
        worker.start()
        worker.send(m.TogglePause())
        deadline = time.monotonic() + 3
        events: list[m.Event] = []
        while time.monotonic() < deadline and not any(
            isinstance(e, m.PauseChanged) and e.paused for e in events
        ):
            events += worker.drain()
            time.sleep(0.01)
        assert any(isinstance(e, m.EntityPlaced) for e in events)
        assert any(isinstance(e, m.PauseChanged) and e.paused for e in events)
        worker.send(m.TogglePause())
        while server.in_flight == 0 and time.monotonic() < deadline + 3:
            time.sleep(0.01)
        assert server.in_flight > 0
        started = time.monotonic()
        assert worker.stop(timeout=2.0)
        assert time.monotonic() - started < 2.0
    assert not worker.alive
    assert (tmp_path / "marta.md").exists()


def test_headless_output_piped_into_head_stops_quietly_with_whole_logs(tmp_path) -> None:
    """``... --headless | head -2``: no traceback, exit 0, the run stops early and every
    memory log still ends with a whole turn."""
    logs = tmp_path / "logs"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    command = [sys.executable, str(ROOT / "main.py"), "--headless", "--turns", "400"]
    child = subprocess.Popen(
        [*command, "--log-dir", str(logs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    first = [child.stdout.readline() for _ in range(2)]
    child.stdout.close()  # what head does once it has its lines
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "Error" not in err, err
    assert "Output closed: stopped after turn" in err
    assert first[0].startswith("No model configured")
    turns = [int(n) for n in re.findall(r"^## Turn (\d+) ", (logs / "marta.md").read_text(), re.M)]
    assert turns and max(turns) < 400  # it did not play on to the end unseen
    for log in logs.glob("*.md"):
        text = log.read_text()
        assert text.endswith("\n\n"), log  # whole entries only


def test_a_reader_gone_after_the_last_turn_is_no_error_either(tmp_path) -> None:
    """``| head`` that takes exactly the turns' lines: the summary after them meets a
    closed pipe. The last turn ends with the turn interval's pause, so the reader is
    surely gone by the time the summary is written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    command = [sys.executable, str(ROOT / "main.py"), "--headless", "--turns", "2"]
    child = subprocess.Popen(
        [*command, "--turn-interval", "1.5", "--log-dir", str(tmp_path / "logs")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    while not child.stdout.readline().startswith("[T2]"):
        pass
    time.sleep(0.5)  # the rest of turn 2's lines, all written at once unpaced
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "Error" not in err, err


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_headless_says_once_why_the_model_fails_and_exits_3_when_nothing_worked(
    tmp_path,
) -> None:
    """Nothing listening, then a server that answers 500 to everything: one line on stderr
    for each kind of failure, with the reason and a hint; exit 3 as no call worked."""
    nobody = f"http://127.0.0.1:{free_port()}/v1"
    result = headless(
        "--turns", "2", "--base-url", nobody, "--llm-retries", "0", "--log-dir", str(tmp_path / "a")
    )
    assert result.returncode == 3, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, result.stderr
    assert "connection" in notes[0] and "running?" in notes[0] and "127.0.0.1" in notes[0]
    assert "Every model call failed" in result.stderr
    assert "Traceback" not in result.stderr

    with LLMServer(lambda request: Reply(fault="http_500")) as server:
        result = headless(
            "--turns",
            "2",
            "--base-url",
            server.base_url,
            "--llm-retries",
            "0",
            "--log-dir",
            str(tmp_path / "b"),
        )
    assert result.returncode == 3, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "http 500" in notes[0], result.stderr
    log = (tmp_path / "b" / "hamlet.log").read_text()
    assert "brain failed (http 500: " in log  # the server's own words, in the log too
    # Each run's lines begin with what ran; warnings say which turn they were in.
    assert "INFO hamlet: run began. Using the model gpt-4o-mini @ 127.0.0.1:" in log
    assert "seed 0, concurrency adapting from 2 (at most 8), max exchanges 6, headless" in log
    assert re.search(r"WARNING hamlet\.sim: turn 1: \w+: brain failed", log), log


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [
        ("--llm-timeout", "nan", "expected a finite number"),
        ("--llm-timeout", "0", "expected more than zero"),
        ("--turn-interval", "inf", "expected a finite number"),
        ("--turn-interval", "-1", "expected zero or more"),
        ("--concurrency", "0", "expected more than zero"),
        ("--max-exchanges", "0", "expected more than zero"),
        ("--log-dir", "", "expected a folder, got an empty name"),
        ("--base-url", "not-a-url", "expected a URL such as http://localhost:11434/v1"),
        ("--base-url", "ftp://example.invalid/v1", "expected a URL"),
        ("--base-url", "http://127.0.0.1:99999/v1", "expected a URL such as"),
        *[
            ("--base-url", url, f"expected a URL such as http://localhost:11434/v1, got {url!r}: "
             "the port must be a number from 1 to 65535")
            for url in ("http://127.0.0.1:1143x/v1", "http://127.0.0.1:0/v1")
        ],
    ],
)
def test_numbers_and_urls_that_cannot_work_are_refused_up_front(
    flag: str, value: str, said: str, capsys
) -> None:
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args([flag, value])
    assert stop.value.code == 2
    assert f"argument {flag}: {said}" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1", "127.0.0.1:8080"])
def test_a_base_url_from_the_environment_that_cannot_work_is_one_line_and_exit_2(
    url: str, tmp_path
) -> None:
    """It was a 210-line traceback from inside the first turn, and exit 0."""
    result = headless("--turns", "1", "--log-dir", str(tmp_path), env={"OPENAI_BASE_URL": url})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"OPENAI_BASE_URL: expected a URL such as http://localhost:11434/v1, got {url!r}"
        + (": the port must be a number from 1 to 65535" if "99999" in url else "")
    ]


def test_headless_shows_what_the_world_refused(tmp_path) -> None:
    """A model asking for the impossible: the transcript says what was refused and why."""

    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        if npc_of(request) == "Marta":
            return Reply(content="move_to(500, 500)\nstart_conversation_with(Wren, \"Hi\")")
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        result = headless(
            "--turns", "1", "--base-url", server.base_url, "--log-dir", str(tmp_path)
        )
    assert result.returncode == 0, result.stderr
    assert "[T1] Marta cannot go to (500, 500): off the map" in result.stdout
    assert re.search(r"^\[T1\] Marta cannot talk with Wren: Wren is not adjacent", result.stdout, re.M)


def test_a_log_folder_that_cannot_be_written_is_one_clear_line(tmp_path) -> None:
    """A file where the folder should be, or a log file that cannot be opened (here a
    folder in its place: root may write anything else): exit 2, no traceback, no run."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    result = headless("--turns", "1", "--log-dir", str(a_file))
    assert result.returncode == 2, result.stderr
    assert f"--log-dir: {a_file} is a file, not a folder" in result.stderr
    assert a_file.read_text() == "mine\n"

    logs = tmp_path / "logs"
    (logs / "marta.md").mkdir(parents=True)
    result = headless("--turns", "1", "--log-dir", str(logs))
    assert result.returncode == 2, result.stderr
    assert f"--log-dir: cannot write {logs / 'marta.md'}: Is a directory" in result.stderr
    assert "Traceback" not in result.stderr and "[T1]" not in result.stdout


def test_names_that_would_share_a_log_file_get_one_each(tmp_path) -> None:
    write_village(tmp_path, npcs={"Ada": (5, 1), "Ada'": (6, 1)})
    logs = tmp_path / "logs"
    map_path, npcs = tmp_path / "maps" / "village.yaml", tmp_path / "npcs"
    (npcs / "ada'.yaml").rename(npcs / "ada2.yaml")
    result = headless(
        "--turns", "2", "--map", str(map_path), "--npcs", str(npcs), "--log-dir", str(logs)
    )
    assert result.returncode == 0, result.stderr
    assert (logs / "ada.md").read_text().startswith("# Ada - memory log\n")
    assert (logs / "ada-2.md").read_text().startswith("# Ada' - memory log\n")


def test_a_model_that_ignores_the_directive_format_is_told_not_silent(tmp_path) -> None:
    """Prose instead of directives: every villager waits, and says why; one note says what
    the answers lacked and quotes one."""
    prose = "I think I shall wander over to the well and see who is about."
    with LLMServer(lambda request: Reply(content=prose)) as server:
        result = headless(
            "--turns", "2", "--base-url", server.base_url, "--log-dir", str(tmp_path)
        )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    # With --system-role auto, the rules are also moved out of the system message, in
    # case the template dropped them: one note more, saying so.
    moved = [note for note in notes if "rules now go in the first user message" in note]
    assert len(moved) <= 1, result.stderr
    notes = [note for note in notes if note not in moved]
    assert len(notes) == 1, result.stderr
    assert "held no directive to act on" in notes[0] and prose in notes[0]
    waits = [line for line in result.stdout.splitlines() if "waits: its answer held no" in line]
    assert len(waits) == 2 * 8 and waits[0].startswith("[T1] "), result.stdout
