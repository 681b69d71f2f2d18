"""Chat templates without a system role (Phi-3's, Gemma's) reject the system message or
drop it, and the villagers' rules live there. ``--system-role auto`` notices either and
moves the rules into the first user message, saying so; ``user`` does it from the start,
``system`` never. Through the real client and the loopback server.
"""

from __future__ import annotations

from typing import Any

import pytest
from llm_server import LLMServer, Quirks, Reply
from simkit import loopback_brain, make_sim, npc_of, run

from game.brains.openai_brain import OpenAIBrain
from game.cli import build_parser, choose_brain
from game.sim import messages as m


def model(request: dict[str, Any]) -> Reply:
    """A model that follows the rules when it is given them, and chats when it is not."""
    text = "\n".join(str(message.get("content")) for message in request["messages"])
    if "Answer ONLY with directives" in text:
        return Reply(content=f'say("{npc_of(request)} follows the rules")')
    return Reply(content="Hello! How can I help you today?")


def roles(request: dict[str, Any]) -> list[str]:
    return [message["role"] for message in request["messages"]]


def test_a_refused_system_message_moves_the_rules_into_the_first_user_message(
    tiny_content, tmp_path
) -> None:
    with LLMServer(model, quirks=Quirks(system_role="reject")) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=1)
        run(sim, 2)
        requests = server.requests
    assert roles(requests[0]) == ["system", "user"]  # refused: "System role not supported"
    assert all(roles(body) == ["user"] for body in requests[1:])
    assert requests[1]["messages"][0]["content"].startswith("You are Ada, a villager.")
    assert sim.usage.failures == 0  # the refused call was made again at once, and worked
    acted = "\n".join(rec.acted())
    for name in ("Ada", "Bjorn", "Cora"):
        assert f'[T1] {name} "{name} follows the rules"' in acted
    notices = [e.text for e in rec.of(m.Notice)]
    assert len(notices) == 1 and "System role not supported" in notices[0]
    assert "the rules now go in the first user message" in notices[0]


def test_a_dropped_system_message_is_noticed_in_the_first_turn(tiny_content, tmp_path) -> None:
    """The template drops the system message: the model never sees the rules and chats.
    No first-turn answer holds a directive, so the rules move, and turn 2 is played."""
    with LLMServer(model, quirks=Quirks(system_role="ignore")) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=1)
        run(sim, 2)
    acted = "\n".join(rec.acted())
    assert "[T1] Ada waits: its answer held no directive to act on" in acted
    for name in ("Ada", "Bjorn", "Cora"):
        assert f'[T2] {name} "{name} follows the rules"' in acted
    moved = [e.text for e in rec.of(m.Notice) if "first user message" in e.text]
    assert len(moved) == 1 and "held no directive" in moved[0]
    assert "--system-role system" in moved[0]


def test_a_model_that_follows_the_rules_keeps_them_in_the_system_message(
    tiny_content, tmp_path
) -> None:
    with LLMServer(model) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
        assert all(roles(body) == ["system", "user"] for body in server.requests)
    assert not rec.of(m.Notice)


@pytest.mark.parametrize(("system_role", "expected"), [("user", ["user"]),
                                                       ("system", ["system", "user"])])
def test_system_role_is_where_it_is_told_and_stays(tiny_content, tmp_path, system_role,
                                                   expected) -> None:
    """``system`` keeps the rules where they are even when the server refuses them: every
    call fails, asked once (a 400 would be the same again)."""
    with LLMServer(model, quirks=Quirks(system_role="reject")) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url, system_role=system_role), tmp_path)
        run(sim, 1)
        assert server.request_count == 3
        assert all(roles(body) == expected for body in server.requests)
    assert sim.usage.failures == (3 if system_role == "system" else 0)


def test_the_command_line_chooses_where_the_rules_go() -> None:
    parser = build_parser()
    assert parser.parse_args([]).system_role == "auto"
    args = parser.parse_args(["--base-url", "http://127.0.0.1:9/v1", "--system-role", "user"])
    brain, _, _ = choose_brain(args)
    assert isinstance(brain, OpenAIBrain) and brain.rules_in_user
    with pytest.raises(SystemExit):
        parser.parse_args(["--system-role", "assistant"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--context-tokens", "10"])
