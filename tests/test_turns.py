"""The turn system through the real openai client against the loopback server."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from conftest import ROOT, TINY_MAP, write_village
from llm_server import LLMServer, Reply
from simkit import is_conversation, log_text, loopback_brain, make_sim, npc_of, run

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.sim import messages as m
from game.sim.pause import PLAYER
from game.world import Facing


def by_npc(table: dict[str, str], default: str = "wait()"):
    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        return Reply(content=table.get(npc_of(request), default))

    return respond


def test_every_npc_acts_in_file_order_each_turn(tiny_content, tmp_path) -> None:
    says = {name: f'say("I am {name}")' for name in ("Ada", "Bjorn", "Cora")}
    with LLMServer(by_npc(says)) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 3)
    assert sim.turn == 3
    assert [e.turn for e in rec.of(m.TurnStarted)] == [1, 2, 3]
    order = [(e.turn, e.name) for e in rec.of(m.Acted)]
    expected = [(t, n) for t in (1, 2, 3) for n in ("Ada", "Bjorn", "Cora")]
    assert order == expected


def test_thinking_is_concurrent_but_acting_is_in_order(tiny_content, tmp_path) -> None:
    delays = {"Ada": 0.6, "Bjorn": 0.1, "Cora": 0.3}

    def respond(request):
        name = npc_of(request)
        return Reply(content=f'say("{name} here")', delay=delays[name])

    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=3)
        started = time.monotonic()
        run(sim, 1)
        elapsed = time.monotonic() - started
        assert server.max_in_flight == 3
    assert [e.name for e in rec.of(m.Acted)] == ["Ada", "Bjorn", "Cora"]
    assert elapsed < 1.0 + 0.3  # the slowest call, not the sum (1.0 s)


def test_concurrency_is_bounded(tiny_content, tmp_path) -> None:
    with LLMServer(lambda request: Reply(content="wait()", delay=0.2)) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path, concurrency=1)
        run(sim, 2)
        assert server.max_in_flight == 1
        assert server.request_count == 6


def test_start_conversation_ends_the_turn(tiny_content, tmp_path) -> None:
    table = {"Ada": 'start_conversation_with(Bjorn, "Did you hear the frogs?")\nsay("never said")'}
    with LLMServer(by_npc(table)) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    said = [e.text for e in rec.of(m.Spoke)]
    assert "Did you hear the frogs?" in said
    assert "never said" not in said
    assert any("dropped" in w or "ends the turn" in w or "after" in w for w in sim.warnings)


def test_invalid_directives_are_skipped_with_a_warning(tiny_content, tmp_path) -> None:
    table = {
        "Ada": "fly_to(3, 4)\nmove_to(99, 99)\nsay(still here)\nstart_conversation_with(Cora, hi)",
        "Bjorn": "move_to(7, 4)\nstart_conversation_with(Nobody, hello)",
        "Cora": "start_conversation_with(Cora, hello me)\nmove_to(three, 4)",
    }
    with LLMServer(by_npc(table)) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    warnings = "\n".join(sim.warnings)
    assert "Ada" in warnings and "fly_to" in warnings
    assert "move_to(99, 99) is off the map" in warnings
    assert "start_conversation_with(Cora) skipped: Cora is not adjacent" in warnings
    assert "Bjorn: start_conversation_with(Nobody) skipped: there is nobody called" in warnings
    assert "Cora: start_conversation_with(Cora) skipped: cannot talk to itself" in warnings
    assert "three" in warnings
    # the valid directive after the bad ones still ran
    assert "still here" in [e.text for e in rec.of(m.Spoke)]
    assert not rec.of(m.ConversationStarted)
    assert sim.world.check_invariants() == []


def test_move_to_walks_a_tile_at_a_time_around_obstacles(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({"Cora": "move_to(3, 3)"})) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=50
        )
        run(sim, 1)
    steps = [e.pos for e in rec.of(m.EntityMoved) if e.name == "Cora"]
    assert steps[-1] == (3, 3)
    prev = (9, 6)
    for pos in steps:
        assert abs(pos[0] - prev[0]) + abs(pos[1] - prev[1]) == 1
        assert sim.world.grid.walkable(pos)
        prev = pos
    assert "Walked to the hut (3,3)" in log_text(sim, "Cora")


def test_a_walker_hemmed_in_by_people_gives_up_its_destination(tmp_path) -> None:
    """Cora stands in a corner with Ada and Bjorn on her only two ways out."""
    spawns = {"Ada": (9, 6), "Bjorn": (10, 5), "Cora": (10, 6)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    with LLMServer(by_npc({"Cora": "move_to(2, 6)"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert not [e for e in rec.of(m.EntityMoved) if e.name == "Cora"]
    assert sim.npcs["Cora"].destination is None  # next turn she may choose anew
    assert "Could not get near the hut: Ada is standing at (9, 6)." in log_text(sim, "Cora")
    assert sim.world.entities["Cora"].activity == "standing about"
    # What the feed and headless print: why not, with no "moves near the hut" before it.
    said = [e.text for e in rec.of(m.Acted) if e.name == "Cora"]
    assert said == ["cannot get near the hut: Ada is standing at (9, 6)"]


def test_a_walk_from_inside_a_place_to_just_outside_it_is_a_way_out(tmp_path) -> None:
    """Ada, in the hut, heads for the path outside its door, in which the player stands:
    she cannot get out of the hut (not "cannot get near the hut", which she is in). The
    player steps off on turn 2, and on turn 3 she walks out."""
    spawns = {"Ada": (3, 3), "Cora": (10, 1)}
    in_the_door = TINY_MAP.replace("player_spawn: [1, 1]", "player_spawn: [4, 3]")
    content = load_content(*write_village(tmp_path / "v", spawns, map_text=in_the_door))

    def respond(request):
        if is_conversation(request):
            return Reply(content="end_conversation()")
        who, turn_2 = npc_of(request), "Turn 2." in request["messages"][1]["content"]
        return Reply(content="move_to(5, 3)" if who == "Ada" and not turn_2 else "wait()")

    with LLMServer(respond) as server:
        sim, rec = make_sim(
            content, loopback_brain(server.base_url), tmp_path, with_player=True
        )

        async def main() -> None:
            await sim.run_turn()
            sim.handle(m.MovePlayer(Facing.RIGHT))
            sim.handle(m.MovePlayer(Facing.UP))
            await sim.run_turn()
            await sim.run_turn()
            await sim.aclose()

        asyncio.run(main())
    said = [(e.turn, e.text) for e in rec.of(m.Acted) if e.name == "Ada"]
    assert said == [
        (1, "cannot get out of the hut: Player is standing at (4, 3)"),
        (2, "waits"),
        (3, "moves out of the hut"),
    ]
    log = log_text(sim, "Ada")
    assert "## Turn 1 at 3,3\n- Could not get out of the hut: Player is standing at (4, 3).\n" in log
    assert "## Turn 3 at 3,3\n- Walked out of the hut (5,3).\n" in log
    assert sim.world.entities["Ada"].activity == "standing near the hut"


def test_a_villager_standing_in_a_doorway_steps_out_of_the_way(tmp_path) -> None:
    """Bjorn stands in the hut's one-tile door; Ada, inside, wants out. He steps out of
    her way (off the door and off her next tiles) and she walks out in the same turn:
    they used to block each other there for turns on end."""
    spawns = {"Ada": (3, 3), "Bjorn": (4, 3), "Cora": (10, 1)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    table = {"Ada": "move_to(6, 3)", "Bjorn": "wait()", "Cora": "wait()"}
    with LLMServer(by_npc(table)) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert sim.world.entities["Ada"].pos == (6, 3)
    bjorn = sim.world.entities["Bjorn"].pos
    assert bjorn not in ((4, 3), (5, 3), (6, 3)) and not sim.world.grid.narrow(bjorn)
    moves = [e.pos for e in rec.of(m.EntityMoved) if e.name == "Bjorn"]
    assert moves and all(
        abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip([(4, 3), *moves], moves)
    )
    assert ("Bjorn", "steps out of the way to let Ada by") in [
        (e.name, e.text) for e in rec.of(m.Acted)
    ]
    assert "- Stepped out of the way to let Ada by." in log_text(sim, "Bjorn")
    assert sim.world.check_invariants() == []


def test_one_who_steps_aside_after_its_turn_remembers_it_in_the_next(tmp_path) -> None:
    """Ada, in the door, has acted (and her turn 1 entry is written) when Cora, inside,
    walks out: Ada's stepping aside goes in her turn 2 entry, said to be after turn 1,
    and no second turn 1 entry is written (even when the game stops right after)."""
    spawns = {"Ada": (4, 3), "Cora": (3, 3)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    with LLMServer(by_npc({"Ada": "wait()", "Cora": "move_to(6, 3)"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    assert sim.world.entities["Cora"].pos == (6, 3)
    log = log_text(sim, "Ada")
    assert log.count("## Turn 1 ") == 1
    assert "- After my turn 1, stepped out of the way to let Cora by." in log.split("## Turn 2")[1]
    with LLMServer(by_npc({"Ada": "wait()", "Cora": "move_to(6, 3)"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path / "once")
        run(sim, 1)
    assert log_text(sim, "Ada").count("## Turn 1 ") == 1


def test_nobody_stands_in_a_door_for_turns_on_end_in_willowmere(tmp_path) -> None:
    """The shipped village, 150 turns on the offline brain: nobody is refused a way by the
    same villager standing in a door on three turns running (it was twelve turns)."""
    content = load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")
    sim, rec = make_sim(content, OfflineBrain(seed=0), tmp_path)
    run(sim, 150, timeout=120)
    grid = sim.world.grid
    blocked_turns: dict[tuple[str, str], list[int]] = {}
    for e in rec.of(m.Acted):
        found = re.search(r"cannot get .*: (\w+) is standing at \((\d+), (\d+)\)", e.text)
        if found and grid.narrow((int(found[2]), int(found[3]))):
            blocked_turns.setdefault((found[1], found[2] + "," + found[3]), []).append(e.turn)
    for (who, where), turns in blocked_turns.items():
        runs = [t for t in turns if t + 1 in turns and t + 2 in turns]
        assert not runs, f"{who} stood in the way at {where} on turns {turns}"


def test_told_to_walk_onto_someone_beside_it_a_villager_stays_put(tmp_path) -> None:
    """Bjorn, beside Ada, is told to move_to her tile: he is already as near as anyone can
    be, and stays (he used to step away to another tile beside her, and round her again
    each turn)."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (9, 5)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    with LLMServer(by_npc({"Bjorn": "move_to(5, 1)"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    assert sim.world.entities["Bjorn"].pos == (6, 1)
    assert [e.text for e in rec.of(m.Acted) if e.name == "Bjorn"] == ["stays where it is"] * 2
    assert "- Stayed where I was, " in log_text(sim, "Bjorn")


def test_a_crowd_about_the_goal_counts_as_arriving(tmp_path) -> None:
    """Ada, Bjorn and Dot stand round the tile Cora heads for: she stops beside them."""
    spawns = {"Ada": (8, 6), "Bjorn": (9, 5), "Dot": (10, 6), "Cora": (1, 6)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    with LLMServer(by_npc({"Cora": "move_to(9, 6)"})) as server:
        sim, rec = make_sim(
            content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=10
        )
        run(sim, 1)
    assert sim.world.entities["Cora"].pos == (7, 6)
    assert sim.npcs["Cora"].destination is None
    log = log_text(sim, "Cora")
    assert "- Walked towards the pond; people stood about it, so I stopped 2 tiles short." in log
    assert sim.world.entities["Cora"].activity == "standing near the pond"


def test_a_walk_to_where_it_stands_or_to_a_bare_tile_is_told_plainly(tmp_path) -> None:
    """move_to its own tile: "stayed where I was", not an empty entry. A tile far from any
    landmark is named once, by its coordinates."""
    hut_only = TINY_MAP.replace("  - {name: the pond, x: 7, y: 4, w: 2, h: 2}\n", "")
    spawns = {"Ada": (10, 1), "Cora": (1, 6)}
    content = load_content(*write_village(tmp_path / "v", spawns, map_text=hut_only))
    with LLMServer(by_npc({"Ada": "move_to(10, 1)", "Cora": "move_to(10, 6)"})) as server:
        sim, rec = make_sim(
            content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=10
        )
        run(sim, 1)
    assert "## Turn 1 at 10,1\n- Stayed where I was, at (10, 1).\n" in log_text(sim, "Ada")
    assert ("Ada", "stays where it is") in [(e.name, e.text) for e in rec.of(m.Acted)]
    assert "## Turn 1 at 1,6\n- Walked to (10, 6).\n" in log_text(sim, "Cora")


def test_a_walker_plans_again_round_someone_who_stepped_into_its_way(tmp_path) -> None:
    """Paced walks overlap: Cora steps onto Ada's route after Ada set off; Ada goes round."""
    spawns = {"Ada": (1, 6), "Cora": (4, 5)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    table = {"Ada": "move_to(10, 6)", "Cora": "move_to(4, 6)"}
    with LLMServer(by_npc(table)) as server:
        sim, rec = make_sim(
            content,
            loopback_brain(server.base_url),
            tmp_path,
            step_time=0.05,
            max_steps_per_turn=12,
        )
        run(sim, 1)
    ada = [e.pos for e in rec.of(m.EntityMoved) if e.name == "Ada"]
    assert sim.world.entities["Cora"].pos == (4, 6)
    assert ada[:2] == [(2, 6), (3, 6)]  # planned along the bottom row, where nobody stood
    assert (4, 6) not in ada and ada[-1] == (10, 6)  # then round Cora, and on
    assert "- Walked near the pond (10,6)." in log_text(sim, "Ada")


def test_walks_are_capped_per_turn_and_remembered(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({"Cora": "move_to(3, 3)"})) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=4
        )
        run(sim, 1)
    assert len([e for e in rec.of(m.EntityMoved) if e.name == "Cora"]) == 4
    assert sim.npcs["Cora"].destination == (3, 3)
    assert "Walked 4 steps towards the hut; 5 to go." in log_text(sim, "Cora")


def test_pause_gate_stops_a_walk_within_a_step_and_resumes(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({"Cora": "move_to(1, 6)"})) as server:
        sim, rec = make_sim(
            tiny_content,
            loopback_brain(server.base_url),
            tmp_path,
            step_time=0.05,
            max_steps_per_turn=10,
        )

        async def main() -> list[int]:
            task = asyncio.ensure_future(sim.run(1))
            while len([e for e in rec.of(m.EntityMoved)]) < 2:
                await asyncio.sleep(0.005)
            sim.gate.hold(PLAYER)
            at_pause = len(rec.of(m.EntityMoved))
            await asyncio.sleep(0.4)  # eight steps' worth of time
            while_paused = len(rec.of(m.EntityMoved))
            sim.gate.release(PLAYER)
            await asyncio.wait_for(task, 10)
            await sim.aclose()
            return [at_pause, while_paused, len(rec.of(m.EntityMoved))]

        at_pause, while_paused, final = asyncio.run(main())
    assert while_paused - at_pause <= 1  # at most the step already under way
    assert final == 8  # (9,6) -> (1,6): eight steps, finished after resuming
    assert sim.world.get("Cora").pos == (1, 6)
    paused = [e for e in rec.of(m.PauseChanged) if e.paused]
    assert paused and paused[0].reasons == (PLAYER,)


@pytest.mark.parametrize(
    "fault",
    ["http_429", "http_500", "http_503", "hang", "drop", "malformed", "empty", "null_content"],
)
def test_a_failing_call_makes_that_npc_wait_and_the_turn_goes_on(
    tiny_content, tmp_path, fault
) -> None:
    def respond(request):
        if npc_of(request) == "Bjorn":
            return Reply(fault=fault)
        return Reply(content='say("fine")')

    with LLMServer(respond) as server:
        brain = loopback_brain(server.base_url, timeout=0.5)
        sim, rec = make_sim(tiny_content, brain, tmp_path)
        run(sim, 2)
    assert sim.turn == 2
    assert [e.name for e in rec.of(m.Acted)].count("Ada") == 2
    assert [e.name for e in rec.of(m.Acted)].count("Cora") == 2
    assert any(w.startswith("Bjorn: brain failed") for w in sim.warnings)
    assert "Lost my train of thought" in log_text(sim, "Bjorn")
    assert not sim.gate.paused
    assert sim.usage.failures == 2


def test_prose_with_no_directive_makes_the_npc_wait(tiny_content, tmp_path) -> None:
    respond = by_npc({"Bjorn": "I think I shall ponder the nature of frogs today."})
    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert any("Bjorn: no usable directive" in w for w in sim.warnings)
    assert any('"I think I shall ponder the nature of frogs today."' in w for w in sim.warnings)
    assert "Could not make up my mind" in log_text(sim, "Bjorn")


def test_usage_is_counted_per_npc_and_in_total(tiny_content, tmp_path) -> None:
    def respond(request):
        return Reply(content="wait()", prompt_tokens=100, completion_tokens=7)

    with LLMServer(respond) as server:
        sim, rec = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
    totals = sim.usage.totals()
    assert totals.prompt_tokens == 600 and totals.completion_tokens == 42
    assert sim.usage.per_npc["Ada"].prompt_tokens == 200
    assert totals.cost_usd == pytest.approx((600 * 0.15 + 42 * 0.60) / 1e6)
    last = rec.of(m.UsageUpdated)[-1]
    assert last.prompt_tokens == 600 and last.calls == 6


def test_say_is_heard_within_range_and_remembered(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({"Ada": 'say("The frogs are loud tonight")'})) as server:
        sim, rec = make_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, hearing_range=2
        )
        run(sim, 2)
    assert 'Heard Ada: "The frogs are loud tonight"' in log_text(sim, "Bjorn")
    assert "Heard Ada" not in log_text(sim, "Cora")  # too far away
    requests_text = log_text(sim, "Ada")
    assert "## Turn 1 at 5,1" in requests_text
    assert '- Said: "The frogs are loud tonight"' in requests_text


def test_decision_prompt_carries_persona_world_and_memory(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({"Ada": 'say("Frogs!")'})) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 2)
        prompts = [r for r in server.requests if npc_of(r) == "Bjorn"]
    system, user = (msg["content"] for msg in prompts[1]["messages"])
    assert "You are Bjorn" in system and "Traits: curious, kind" in system
    assert "move_to(x, y)" in system and "start_conversation_with" in system
    assert "You are at (6, 1)" in user
    assert "Ada at (5, 1)" in user
    assert "Next to you: Ada" in user
    assert 'Heard Ada: "Frogs!"' in user or 'Ada: "Frogs!"' in user
    assert "## Turn 1 at 6,1" in user  # memory of the previous turn


def test_memory_log_entries_are_whole_sections(tiny_content, tmp_path) -> None:
    with LLMServer(by_npc({}, default="wait()")) as server:
        sim, _ = make_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 3)
    text = log_text(sim, "Ada")
    assert text.startswith("# Ada - memory log")
    assert [line for line in text.splitlines() if line.startswith("## Turn")] == [
        "## Turn 1 at 5,1",
        "## Turn 2 at 5,1",
        "## Turn 3 at 5,1",
    ]
    assert text.count("- Waited.") == 3


CORRIDOR = """\
name: Narrowby
legend:
  ".": {kind: grass, walkable: true}
  "T": {kind: tree, walkable: false}
grid: |
  TTTTTTTTTT
  T........T
  TTTTTTTTTT
landmarks:
  - {name: the far end, x: 6, y: 1, w: 3, h: 1}
player_spawn: [8, 1]
"""


def test_blocked_before_one_step_near_the_goal_is_not_an_arrival(tmp_path) -> None:
    """Ada, 3 tiles from the far end along a corridor, with Cy in the way: she did not walk
    there, and nobody is told she stands there."""
    content = load_content(
        *write_village(tmp_path / "v", {"Ada": (1, 1), "Cy": (2, 1)}, map_text=CORRIDOR)
    )
    with LLMServer(by_npc({"Ada": "move_to(5, 1)"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    ada = log_text(sim, "Ada")
    assert "Walked" not in ada
    assert "- Could not get near the far end: Cy is standing at (2, 1)." in ada
    assert sim.world.entities["Ada"].activity == "standing about"
    assert sim.world.entities["Ada"].pos == (1, 1)


LOOP_MAP = """\
name: Loopwick
legend:
  ".": {kind: grass, walkable: true}
  "~": {kind: water, walkable: false}
  "T": {kind: tree, walkable: false}
grid: |
  TTTTTTTTTTTTTTTTTTTTTTTTTTTTTT
  T............................T
  T.~~~~~~~~~~~~~~~~~~~~~~~~~~.T
  T.~~~~~~~~~~~~~~~~~~~~~~~~~~.T
  T............................T
  TTTTTTTTTTTTTTTTTTTTTTTTTTTTTT
landmarks:
  - {name: the jetty, x: 11, y: 1, w: 3, h: 1}
player_spawn: [28, 4]
"""


def test_a_walker_blocked_on_a_narrow_way_takes_the_long_way_round(tmp_path) -> None:
    """Bjorn stands still in the one-tile lane by the lake; Ada, behind him, goes round
    the lake (53 steps) instead of standing there turn after turn."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1)}
    content = load_content(*write_village(tmp_path / "v", spawns, map_text=LOOP_MAP))
    with LLMServer(by_npc({"Ada": "move_to(12, 1)", "Bjorn": "wait()"})) as server:
        sim, rec = make_sim(
            content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=10
        )
        run(sim, 6)
    assert sim.world.entities["Ada"].pos == (12, 1)
    log = log_text(sim, "Ada")
    assert "## Turn 1 at 5,1\n- Walked 10 steps towards the jetty; 43 to go." in log
    assert "cannot get" not in " ".join(e.text for e in rec.of(m.Acted) if e.name == "Ada")


def test_a_walk_cut_short_says_who_stood_in_the_way_after_the_steps(tmp_path) -> None:
    spawns = {"Ada": (2, 1), "Bjorn": (6, 1)}
    content = load_content(*write_village(tmp_path / "v", spawns, map_text=LOOP_MAP))
    with LLMServer(by_npc({"Ada": "move_to(12, 1)", "Bjorn": "wait()"})) as server:
        sim, rec = make_sim(content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    assert (
        "## Turn 1 at 2,1\n- Walked 3 steps towards the jetty, then stopped: Bjorn is standing "
        "at (6, 1); 7 to go.\n"
    ) in log_text(sim, "Ada")
