"""Conversations in the simulation: NPC to NPC through the loopback server, transcripts, cap,
cooldowns, failures, and turns resumed on every path."""

from __future__ import annotations

import asyncio
import logging

from conftest import write_village
from llm_server import LLMServer, Reply
from simkit import is_conversation, log_text, loopback_brain, make_sim, npc_of, run

from game.content.loader import load_content
from game.sim import messages as m
from game.sim.conversation import FALLBACK_LINE
from game.world import PLAYER_NAME, Facing


def scripted(opening_by: str = "Ada", partner: str = "Bjorn", replies=None, default="wait()"):
    """Ada opens with Bjorn on turn 1; conversation replies come from ``replies``."""
    replies = list(replies or [])
    state = {"opened": False}

    def respond(request):
        if is_conversation(request):
            if replies:
                item = replies.pop(0)
                return item if isinstance(item, Reply) else Reply(content=item)
            return Reply(content="end_conversation()")
        if npc_of(request) == opening_by and not state["opened"]:
            state["opened"] = True
            return Reply(content=f'start_conversation_with({partner}, "Have you seen the frogs?")')
        return Reply(content=default)

    return respond


def scripted_talk(content, tmp_path, replies, **config):  # noqa: ANN001, ANN201
    """Turn 1 with :func:`scripted`'s talk and ``replies``: (sim, recorder)."""
    with LLMServer(scripted(replies=replies)) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path, **config)
        run(sim, 1)
    return sim, rec


def transcript_blocks(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if b.startswith("### Conversation")]


def test_npc_conversation_runs_and_is_logged_once_in_each_log(tiny_content, tmp_path) -> None:
    replies = ['say("Frogs? Where?")', 'say("In the pond, hundreds.")', "end_conversation()"]
    sim, rec = scripted_talk(tiny_content, tmp_path, replies)
    lines = [(e.name, e.text) for e in rec.of(m.Spoke)]
    assert lines == [
        ("Ada", "Have you seen the frogs?"),
        ("Bjorn", "Frogs? Where?"),
        ("Ada", "In the pond, hundreds."),
    ]
    expected_ada = (
        "### Conversation with Bjorn (Turn 1 at 5,1)\n"
        "Initiated by: Ada\n"
        "- Ada: Have you seen the frogs?\n"
        "- Bjorn: Frogs? Where?\n"
        "- Ada: In the pond, hundreds.\n"
        "Ended by: Bjorn"
    )
    assert transcript_blocks(log_text(sim, "Ada")) == [expected_ada]
    # Ada's turn entry, saying she started it, comes first: the talk belongs to turn 1.
    ada = log_text(sim, "Ada").split("\n\n")
    opened = ada.index(expected_ada)
    assert ada[opened - 1].startswith("## Turn 1 at 5,1\n- Started talking with Bjorn.")
    assert [b for b in ada if b.startswith("## Turn 1 ")] == [ada[opened - 1]]
    bjorn = transcript_blocks(log_text(sim, "Bjorn"))
    assert bjorn == [expected_ada.replace("with Bjorn (Turn 1 at 5,1)", "with Ada (Turn 1 at 6,1)")]
    assert transcript_blocks(log_text(sim, "Cora")) == []
    started, ended = rec.of(m.ConversationStarted), rec.of(m.ConversationEnded)
    assert len(started) == 1 and len(ended) == 1 and ended[0].ended_by == "Bjorn"
    assert not sim.gate.paused


def test_a_reply_that_says_a_last_line_and_ends_does_both(tiny_content, tmp_path) -> None:
    """say(...) then end_conversation() on the next line: the line is said, then the talk
    ends; the end is not dropped."""
    replies = ['say("Frogs? I must go and see.")\nend_conversation()', 'say("never asked")']
    sim, rec = scripted_talk(tiny_content, tmp_path, replies)
    lines = [(e.name, e.text) for e in rec.of(m.Spoke) if e.conversation_id is not None]
    assert lines == [("Ada", "Have you seen the frogs?"), ("Bjorn", "Frogs? I must go and see.")]
    assert rec.of(m.ConversationEnded)[0].ended_by == "Bjorn"
    assert "- Bjorn: Frogs? I must go and see.\nEnded by: Bjorn" in log_text(sim, "Ada")


def test_turns_pause_during_a_conversation_and_resume_after(tiny_content, tmp_path) -> None:
    replies = ['say("Frogs?")', "end_conversation()"]
    with LLMServer(scripted(replies=replies, default='say("tick")')) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    kinds = [type(e).__name__ for e in rec.events if isinstance(e, (m.PauseChanged, m.Acted))]
    # paused while talking, resumed after, and the others acted only after the resume
    pause_at = next(
        i for i, e in enumerate(rec.events) if isinstance(e, m.PauseChanged) and e.paused
    )
    resume_at = next(
        i
        for i, e in enumerate(rec.events)
        if isinstance(e, m.PauseChanged) and not e.paused and i > pause_at
    )
    during = [e for e in rec.events[pause_at:resume_at] if isinstance(e, m.Acted)]
    assert all(e.name in ("Ada", "Bjorn") for e in during)
    assert "PauseChanged" in kinds
    assert sim.turn == 2 and not sim.gate.paused


def test_conversation_is_capped(tiny_content, tmp_path) -> None:
    replies = [f'say("line {i}")' for i in range(20)]
    sim, rec = scripted_talk(tiny_content, tmp_path, replies, max_exchanges=6)
    conversation_lines = [e for e in rec.of(m.Spoke) if e.conversation_id is not None]
    assert len(conversation_lines) == 6
    assert [e.name for e in conversation_lines] == ["Ada", "Bjorn"] * 3
    assert rec.of(m.ConversationEnded)[0].ended_by == "the limit of 6 lines"
    assert log_text(sim, "Ada").count("Ended by: the limit of 6 lines") == 1
    assert not sim.gate.paused


def test_a_talk_capped_at_one_line_says_so_in_the_singular(tiny_content, tmp_path) -> None:
    sim, rec = scripted_talk(tiny_content, tmp_path, ['say("never said")'], max_exchanges=1)
    assert rec.of(m.ConversationEnded)[0].ended_by == "the limit of 1 line"


def test_failing_brain_ends_with_a_fallback_line(tiny_content, tmp_path) -> None:
    for fault in ("http_500", "hang", "malformed", "empty"):
        replies = ['say("Frogs?")', Reply(fault=fault)]
        with LLMServer(scripted(replies=replies)) as server:
            brain = loopback_brain(server.base_url, timeout=0.4)
            sim, rec = make_sim(tiny_content, brain, tmp_path / fault)
            run(sim, 1)
        said = [(e.name, e.text) for e in rec.of(m.Spoke)]
        assert said[-1] == ("Ada", FALLBACK_LINE), fault
        assert rec.of(m.ConversationEnded)[0].ended_by == "Ada"
        assert not sim.gate.paused, fault
        assert log_text(sim, "Bjorn").count("### Conversation") == 1


def test_nonsense_reply_ends_the_conversation_gracefully(tiny_content, tmp_path) -> None:
    replies = ['{"action": "say", "text": "frogs"}']
    sim, rec = scripted_talk(tiny_content, tmp_path, replies)
    said = [(e.name, e.text) for e in rec.of(m.Spoke)]
    assert said == [("Ada", "Have you seen the frogs?"), ("Bjorn", FALLBACK_LINE)]
    assert "Ended by: Bjorn" in log_text(sim, "Ada")


def test_a_reply_in_plain_words_is_what_the_villager_says(tiny_content, tmp_path) -> None:
    """Small models often answer a conversation in prose rather than say(...): the words
    are said (a label naming the speaker and quotes dropped), and the player is told once."""
    replies = [
        "Well, I suppose frogs are a matter of taste, aren't they.",
        'Ada: "They sing all night, Bjorn."',
        "end_conversation()",
    ]
    sim, rec = scripted_talk(tiny_content, tmp_path, replies)
    said = [(e.name, e.text) for e in rec.of(m.Spoke)]
    assert said == [
        ("Ada", "Have you seen the frogs?"),
        ("Bjorn", "Well, I suppose frogs are a matter of taste, aren't they."),
        ("Ada", "They sing all night, Bjorn."),
    ]
    notices = [e.text for e in rec.of(m.Notice)]
    assert notices == [
        "Bjorn answered in plain words rather than say(...); what it wrote is taken as what "
        "it said."
    ]
    assert "- Bjorn: Well, I suppose frogs are a matter of taste" in log_text(sim, "Ada")
    assert not [w for w in sim.warnings if "no say()" in w]


def test_pairs_cool_down_before_talking_again(tiny_content, tmp_path) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        if npc_of(request) == "Ada":
            return Reply(content='start_conversation_with(Bjorn, "Again!")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, cooldown_turns=3, rest_turns=0
        )
        run(sim, 4)
        later = [r for r in server.requests if npc_of(r) == "Ada" and not is_conversation(r)]
    starts = [e for e in rec.of(m.ConversationStarted)]
    assert len(starts) == 2  # turns 1 and 4
    assert sum("they spoke" in w for w in sim.warnings) == 2  # turns 2 and 3
    assert "Wanted to talk with Bjorn, but they spoke 1 turn ago" in log_text(sim, "Ada")
    assert "Not available to talk now: Bjorn" in later[1]["messages"][1]["content"]


def test_a_villager_who_has_talked_rests_before_the_next_conversation(tmp_path, caplog) -> None:
    """Bjorn talks with Ada on turn 1; Cora, beside him, must wait out his rest.

    On turn 1 Cora was free to ask him when she made up her mind, and Ada spoke first:
    that is information in hamlet.log. On turns 2 and 3 she was told he was not
    available and asked anyway: warnings."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (7, 1)}
    content = load_content(*write_village(tmp_path / "v", spawns))

    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        who = npc_of(request)
        if who == "Ada" and "Turn 1." in request["messages"][1]["content"]:
            return Reply(content='start_conversation_with(Bjorn, "Morning!")')
        if who == "Cora":
            return Reply(content='start_conversation_with(Bjorn, "A word?")')
        return Reply(content="wait()")

    caplog.set_level(logging.INFO, logger="hamlet.sim")
    with LLMServer(respond) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path, rest_turns=2)
        run(sim, 4)
        prompts = {
            (npc_of(r), turn): r["messages"][1]["content"]
            for r in server.requests
            if not is_conversation(r)
            for turn in range(1, 5)
            if f"Turn {turn}." in r["messages"][1]["content"]
        }
    starts = [e.participants for e in rec.of(m.ConversationStarted)]
    assert starts == [("Ada", "Bjorn"), ("Cora", "Bjorn")]
    assert sim.conversations.finished[-1].turn == 4  # rested on turns 1 (after), 2 and 3
    resting = [w for w in sim.warnings if "Bjorn has just talked" in w]
    assert len(resting) == 2 and all(w.startswith("Cora:") for w in resting)
    moved_on = [r for r in caplog.records if "no longer possible when it came to act" in r.msg]
    assert [(r.levelname, r.getMessage()) for r in moved_on] == [
        (
            "INFO",
            "turn 1: Cora: start_conversation_with(Bjorn) no longer possible when it came to "
            "act: Bjorn has just talked with someone (free to talk again on turn 4)",
        )
    ]
    cora = log_text(sim, "Cora")
    assert cora.count("- Wanted to talk with Bjorn, but Bjorn has just talked with someone") == 3
    assert "Not available to talk now: Ada, Bjorn." in prompts[("Cora", 2)]
    assert "Bjorn has just talked with someone (free to talk again on turn 4)" in resting[0]
    assert "You have just had a conversation: start no other for 2 turns." in prompts[("Bjorn", 2)]
    assert "start no other for this turn" in prompts[("Bjorn", 3)]
    assert "just had a conversation" not in prompts[("Bjorn", 4)]


def test_two_who_ask_each_other_at_once_talk_once_and_nobody_is_warned(tmp_path, caplog) -> None:
    """Ada and Bjorn both make up their minds to talk with each other on turn 1. Ada acts
    first and they talk; when Bjorn's turn comes, what he wanted has happened: no second
    talk, no "skipped" warning, and his log says he had already talked with her."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (9, 5)}
    content = load_content(*write_village(tmp_path / "v", spawns))

    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        who = npc_of(request)
        if "Turn 1." in request["messages"][1]["content"] and who in ("Ada", "Bjorn"):
            other = "Bjorn" if who == "Ada" else "Ada"
            return Reply(content=f'start_conversation_with({other}, "Just the one I wanted!")')
        return Reply(content="wait()")

    caplog.set_level(logging.INFO, logger="hamlet.sim")
    with LLMServer(respond) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert [e.participants for e in rec.of(m.ConversationStarted)] == [("Ada", "Bjorn")]
    assert list(sim.warnings) == []
    assert any(
        r.levelname == "INFO"
        and "Bjorn: start_conversation_with(Ada) not needed: they talked this turn"
        in r.getMessage()
        for r in caplog.records
    )
    bjorn = log_text(sim, "Bjorn").split("\n\n")
    entry = next(b for b in bjorn if b.startswith("## Turn 1 "))
    assert "- Had already talked with Ada this turn." in entry
    assert "Wanted to talk" not in log_text(sim, "Bjorn")
    # The transcript, which Ada's talk wrote to his log, comes before his own turn's entry.
    assert bjorn.index(entry) > next(i for i, b in enumerate(bjorn) if b.startswith("### Conv"))
    acted = [e.text for e in rec.of(m.Acted) if e.name == "Bjorn"]
    assert "has already talked with Ada this turn" in acted


def test_a_villager_who_walks_off_and_then_asks_to_talk_is_warned(tmp_path, caplog) -> None:
    """Bjorn was beside Ada when she decided, but her own answer walks her away first: the
    talk it then asks for is her brain's mistake, not the village moving on."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (9, 5)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    answer = 'move_to(1, 6)\nstart_conversation_with(Bjorn, "Morning!")'
    caplog.set_level(logging.INFO, logger="hamlet.sim")
    with LLMServer(lambda r: Reply(content=answer if npc_of(r) == "Ada" else "wait()")) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert sim.scratch["Ada"].could_talk_to == ("Bjorn",)
    (warning,) = [w for w in sim.warnings if "start_conversation_with" in w]
    assert warning.startswith("Ada: start_conversation_with(Bjorn) skipped: Bjorn is not adjacent")
    assert not [r for r in caplog.records if "no longer possible" in r.getMessage()]


def test_prompt_of_a_conversation_has_history_and_rules(tiny_content, tmp_path) -> None:
    replies = ['say("Frogs? Where?")', "end_conversation()"]
    with LLMServer(scripted(replies=replies)) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
        convo = [r for r in server.requests if is_conversation(r)]
    system, user = (msg["content"] for msg in convo[1]["messages"])
    assert "You are Ada" in system
    assert "Stay in character" in system and "one or two sentences" in system
    assert "say(" in system and "end_conversation()" in system
    assert "coordinates" in system
    assert 'Bjorn said: "Frogs? Where?"' in user
    assert 'You said: "Have you seen the frogs?"' in user


def test_later_prompts_remember_the_conversation(tiny_content, tmp_path) -> None:
    replies = ['say("The mill wheel is broken")', "end_conversation()"]
    with LLMServer(scripted(replies=replies)) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
        ada_turn2 = [r for r in server.requests if npc_of(r) == "Ada" and not is_conversation(r)][1]
    assert "Bjorn: The mill wheel is broken" in ada_turn2["messages"][1]["content"]


def test_a_villager_in_a_conversation_cannot_be_drawn_into_another(tiny_content, tmp_path) -> None:
    with LLMServer(scripted()) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)

        async def main() -> None:
            sim.conversations._open("Ada", "Bjorn")
            # Cora is far away: put her next to Bjorn
            sim.world._unplace("Cora", sim.world.entities["Cora"].pos)
            sim.world.entities["Cora"].pos = (7, 1)
            sim.world._place("Cora", (7, 1))
            await sim.conversations.start_from_directive("Cora", "Bjorn", "Hi")
            await sim.aclose()

        asyncio.run(main())
    assert "Bjorn is already in a conversation" in "\n".join(sim.warnings)
    assert "Wanted to talk with Bjorn, but Bjorn is already in a conversation" in log_text(
        sim, "Cora"
    )


def test_player_conversation_through_the_manager(tiny_content, tmp_path) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content='say("The pond? Full of frogs.")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, with_player=True
        )

        async def main() -> None:
            # walk the player from (1,1) to (4,1), next to Ada at (5,1), facing her
            for _ in range(3):
                sim.handle(m.MovePlayer(Facing.RIGHT))
            sim.handle(m.TalkToNeighbour())
            opened = rec.of(m.DialogueOpened)
            assert opened and opened[0].npc == "Ada"
            assert sim.gate.reasons == ("talking with the player",)
            sim.handle(m.PlayerSays(opened[0].conversation_id, "What about the pond?\x07"))
            for _ in range(200):
                if len(rec.of(m.DialogueMessage)) >= 2:
                    break
                await asyncio.sleep(0.01)
            sim.handle(m.CloseDialogue(opened[0].conversation_id))
            await sim.aclose()

        asyncio.run(main())
        convo = [r for r in server.requests if is_conversation(r)]
    texts = [e.text for e in rec.of(m.DialogueMessage)]
    assert texts[-1] == "The pond? Full of frogs."
    assert "the traveller" in convo[0]["messages"][0]["content"]
    assert '"What about the pond?"' in convo[0]["messages"][1]["content"]  # control char gone
    log = log_text(sim, "Ada")
    assert "### Conversation with Player (Turn 0 at 5,1)\nInitiated by: Player" in log
    assert (
        "- Player: What about the pond?\n- Ada: The pond? Full of frogs.\nEnded by: Player" in log
    )
    assert not sim.gate.paused


def test_player_closing_mid_reply_drops_the_reply_and_resumes(tiny_content, tmp_path) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content='say("too late")', delay=0.5)
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, with_player=True
        )

        async def main() -> None:
            for _ in range(3):
                sim.handle(m.MovePlayer(Facing.RIGHT))
            sim.handle(m.TalkToNeighbour())
            cid = rec.of(m.DialogueOpened)[0].conversation_id
            sim.handle(m.PlayerSays(cid, "Hello?"))
            await asyncio.sleep(0.1)
            sim.handle(m.CloseDialogue(cid))
            await asyncio.sleep(0.7)
            await sim.aclose()

        asyncio.run(main())
    assert "too late" not in [e.text for e in rec.of(m.DialogueMessage)]
    assert not sim.gate.paused
    assert log_text(sim, "Ada").count("### Conversation with Player") == 1
    assert rec.of(m.ConversationEnded)[-1].ended_by == PLAYER_NAME


def test_enter_with_nobody_adjacent_gives_a_hint(tiny_content, tmp_path) -> None:
    with LLMServer() as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, with_player=True
        )
        sim.handle(m.TalkToNeighbour())
        asyncio.run(sim.aclose())
    assert rec.of(m.Notice)[0].text.startswith("Nobody to talk to")
    assert not rec.of(m.DialogueOpened)
    assert not sim.gate.paused
