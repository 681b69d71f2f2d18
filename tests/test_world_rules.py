"""The world decides, not the model.

Whatever a model answers, nobody walks through a wall or off the map, nobody moves more
than one 4-neighbour step at a time, nobody shares a tile, a conversation only starts
between two people next to each other, and there is never more than one villagers'
conversation at a time (the player's own may run beside it), nobody in two at once. A :class:`RuleWatcher` reads the event stream -- what the player would see --
and notes every breach; property tests throw random directives at the simulation
(directly, and through the real client and the loopback server), scripted tests try
the obvious cheats.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path
from typing import Any

import llm_server
import pytest
from conftest import write_village
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_server import LLMServer, Reply
from simkit import Recorder, is_conversation, loopback_brain, npc_of, run

from game.brains import OfflineBrain
from game.content.loader import Content, load_content
from game.sim import messages as m
from game.sim.directives import EndConversation, MoveTo, Say, StartConversation, Wait
from game.sim.pause import CONVERSATION, DIALOGUE
from game.sim.simulation import SimConfig, Simulation
from game.world import PLAYER_NAME, Facing, chebyshev, manhattan


class RuleWatcher(Recorder):
    """Records events and notes every breach of the world's rules as it happens.

    Breaches are collected, not raised: an exception inside ``emit`` would be swallowed
    by the simulation's own safety nets and the test would miss it.
    """

    def __init__(self, sim_ref: dict[str, Simulation]) -> None:
        super().__init__()
        self.sim_ref = sim_ref
        self.pos: dict[str, tuple[int, int]] = {}
        self.talks: dict[int, m.ConversationStarted] = {}  # under way, by id
        # Villagers moved while a talk held the turns: only the one the player has just
        # caught to talk may be (stepping back beside the player); its talk must follow.
        self.caught: list[str] = []
        self.breaches: list[str] = []
        self.on_event: list[Any] = []

    def __call__(self, event: m.Event) -> None:
        super().__call__(event)
        try:
            self._check(event)
        except Exception as exc:  # noqa: BLE001 - a watcher bug is a breach too
            self.breaches.append(f"watcher failed on {event!r}: {exc!r}")
        for hook in self.on_event:
            hook(event)

    def _grid(self):
        return self.sim_ref["sim"].world.grid

    def _check(self, event: m.Event) -> None:
        if self.caught and not isinstance(
            event, (m.EntityMoved, m.EntityTurned, m.ConversationStarted)
        ):
            self.breaches.append(f"{self.caught} moved while the turns were paused for a talk")
            self.caught = []
        if isinstance(event, m.EntityPlaced):
            self.pos[event.name] = event.pos
        elif isinstance(event, m.EntityMoved):
            self._moved(event)
        elif isinstance(event, m.ConversationStarted):
            self._started(event)
        elif isinstance(event, m.Spoke) and event.conversation_id is not None:
            conv = self.talks.get(event.conversation_id)
            if conv is None:
                self.breaches.append(
                    f"{event.name} spoke in conversation {event.conversation_id}, "
                    f"which is not one going on ({list(self.talks)})"
                )
                return
            if event.name not in conv.participants:
                self.breaches.append(f"{event.name} spoke in {'/'.join(conv.participants)}'s talk")
            self._within_reach(conv.participants, "talking")
        elif isinstance(event, m.ConversationEnded):
            if self.talks.pop(event.conversation_id, None) is None:
                self.breaches.append(
                    f"conversation {event.conversation_id} ended, but {list(self.talks)} were on"
                )

    def _moved(self, event: m.EntityMoved) -> None:
        old = self.pos.get(event.name)
        if old is None:
            self.breaches.append(f"{event.name} moved before being placed")
            return
        if manhattan(old, event.pos) != 1:
            self.breaches.append(f"{event.name} jumped from {old} to {event.pos}")
        if not self._grid().in_bounds(event.pos):
            self.breaches.append(f"{event.name} left the map at {event.pos}")
        elif not self._grid().walkable(event.pos):
            self.breaches.append(f"{event.name} walked into {event.pos}")
        others = [n for n, p in self.pos.items() if p == event.pos and n != event.name]
        if others:
            self.breaches.append(f"{event.name} stepped onto {others[0]} at {event.pos}")
        talking = {n for c in self.talks.values() for n in c.participants}
        if event.name == PLAYER_NAME and PLAYER_NAME in talking:
            self.breaches.append("the player moved while in a conversation")
        elif event.name in talking:
            self.breaches.append(f"{event.name} moved while in a conversation")
        elif event.name != PLAYER_NAME and self.talks:
            self.caught.append(event.name)
        self.pos[event.name] = event.pos

    def _started(self, event: m.ConversationStarted) -> None:
        pair = event.participants
        caught = [n for n in self.caught if PLAYER_NAME in pair and n in pair]
        if caught != self.caught:
            self.breaches.append(f"{self.caught} moved while the turns were paused for a talk")
        self.caught = []
        for other in self.talks.values():
            if other.with_player == event.with_player:
                self.breaches.append(
                    f"{'/'.join(pair)} started while {'/'.join(other.participants)} were talking"
                )
            if set(pair) & set(other.participants):
                self.breaches.append(f"{pair} started while {other} was on: one in both")
        if len(set(pair)) < max(len(pair), 2):
            self.breaches.append(f"{pair[0]} talks to itself")
        if any(n not in self.pos for n in pair):
            self.breaches.append(f"conversation with someone not in the world: {event}")
        else:
            self._within_reach(pair, "talks to")
        self.talks[event.conversation_id] = event

    def _within_reach(self, people: tuple[str, ...], doing: str) -> None:
        """Each of ``people`` stands next to another of them."""
        for name in people:
            at = self.pos[name]
            if all(chebyshev(at, self.pos[o]) > 1 for o in people if o != name):
                self.breaches.append(f"{name} at {at} {doing} {people}: not adjacent")


def final_checks(sim: Simulation, watcher: RuleWatcher) -> None:
    assert watcher.breaches == []
    assert sim.world.check_invariants() == []
    assert watcher.pos == sim.world.positions()
    assert not watcher.talks and not sim.conversations.open
    assert not sim.gate.paused


def player_answers_and_leaves(sim_ref: dict[str, Simulation], text: str = "Hello!"):
    """A stand-in player: when a dialogue opens, say one line, then close it."""

    def hook(event: m.Event) -> None:
        if isinstance(event, m.DialogueOpened):
            sim = sim_ref["sim"]
            loop = asyncio.get_running_loop()
            loop.call_soon(sim.handle, m.PlayerSays(event.conversation_id, text))
            loop.call_later(0.05, sim.handle, m.CloseDialogue(event.conversation_id))

    return hook


# ---- strategies -----------------------------------------------------------------------

NAMES = ["Ada", "Bjorn", "Cora", "Player", "player", "Zed", " Bjorn ", "Ada Ada", "Nobody"]
coord = st.one_of(st.integers(-3, 14), st.integers(-(10**9) + 1, 10**9 - 1))
message = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")
directive = st.one_of(
    st.builds(MoveTo, coord, coord),
    st.builds(Say, message),
    st.just(Wait()),
    st.builds(StartConversation, st.sampled_from(NAMES), message),
    st.just(EndConversation()),
)


def line_of(draw_directive: Any) -> st.SearchStrategy[str]:
    return draw_directive.map(lambda d: d.render())


junk_line = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "move_to(0, 0)",
            "teleport(5, 5)",
            "move_to(5,1)\x00",
            "MOVE_TO ( 11 , 7 )",
            "move_to(x=-1, y=3)",
            "start_conversation_with(Cora, come closer)",
            "- start_conversation_with(Player, hello)",
            "end_conversation()",
            "say(" + "x" * 2000 + ")",
        ]
    ),
)
reply_text = st.lists(st.one_of(line_of(directive), junk_line), max_size=6).map("\n".join)
reply = st.one_of(
    reply_text.map(lambda text: Reply(content=text)),
    st.sampled_from(sorted(llm_server.FAULTS - {"hang"})).map(lambda f: Reply(fault=f)),
)


@pytest.fixture(scope="module")
def village_content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    root = tmp_path_factory.mktemp("rules-village")
    # Ada and Bjorn side by side, Cora across the pond, the player by the hut.
    return load_content(*write_village(root))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rules-logs")


# ---- property: directives acted on directly -----------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["Ada", "Bjorn", "Cora"]), directive), min_size=1, max_size=25
    ),
    player_moves=st.lists(st.sampled_from(list(Facing)), max_size=10),
)
def test_any_directive_sequence_keeps_the_world_rules(
    village_content: Content, scratch: Path, plan, player_moves
) -> None:
    """Any directives, for anyone, in any order: the rules hold after every single step."""
    sim_ref: dict[str, Simulation] = {}
    watcher = RuleWatcher(sim_ref)
    log_dir = Path(tempfile.mkdtemp(dir=scratch))
    config = SimConfig.unpaced(log_dir, with_player=True, max_steps_per_turn=12)
    sim = Simulation(village_content, OfflineBrain(3), config, watcher)
    sim_ref["sim"] = sim
    watcher.on_event.append(player_answers_and_leaves(sim_ref))

    async def main() -> None:
        sim.start()
        try:
            for i, (name, action) in enumerate(plan):
                if player_moves and i % 3 == 0:
                    sim.handle(m.MovePlayer(player_moves[i % len(player_moves)]))
                await asyncio.wait_for(sim.gate.wait(), 5)
                await asyncio.wait_for(sim.act(name, action), 10)
        finally:
            await sim.aclose()

    asyncio.run(main())
    assert watcher.breaches == []
    assert sim.world.check_invariants() == []
    assert watcher.pos == sim.world.positions()
    assert not sim.conversations.open and not sim.gate.paused


# ---- property: whole turns through the real client ----------------------------------


@pytest.fixture(scope="module")
def rules_server():
    with LLMServer() as server:
        yield server


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies=st.lists(reply, min_size=1, max_size=40), talk=st.text(max_size=40))
def test_any_model_answers_keep_the_world_rules(
    village_content: Content, scratch: Path, rules_server: LLMServer, replies, talk
) -> None:
    """Three turns of a village whose model answers anything at all, faults included."""
    script = list(replies)
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Reply:
        with lock:
            return script.pop(0) if script else Reply(content="wait()")

    rules_server.responder = respond
    sim_ref: dict[str, Simulation] = {}
    watcher = RuleWatcher(sim_ref)
    log_dir = Path(tempfile.mkdtemp(dir=scratch))
    brain = loopback_brain(rules_server.base_url, timeout=1.0)
    config = SimConfig.unpaced(log_dir, with_player=True)
    sim = Simulation(village_content, brain, config, watcher)
    sim_ref["sim"] = sim
    watcher.on_event.append(player_answers_and_leaves(sim_ref, talk or "hi"))

    async def main() -> None:
        sim.start()
        try:
            await asyncio.wait_for(sim.run(3), 20)
        finally:
            await sim.aclose()

    asyncio.run(main())
    assert sim.turn == 3
    final_checks(sim, watcher)


# ---- scripted cheats ------------------------------------------------------------------


def by_npc(table: dict[str, list[str]], conversation: list[str] | None = None):
    """Each NPC's decisions in order (then wait()); conversation replies in order (then end)."""
    queues = {name: list(lines) for name, lines in table.items()}
    talk = list(conversation or [])
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Reply:
        with lock:
            if is_conversation(request):
                return Reply(content=talk.pop(0) if talk else "end_conversation()")
            queue = queues.get(npc_of(request), [])
            return Reply(content=queue.pop(0) if queue else "wait()")

    return respond


def watched_sim(content: Content, brain, log_dir: Path, **config: Any):
    sim_ref: dict[str, Simulation] = {}
    watcher = RuleWatcher(sim_ref)
    config.setdefault("with_player", False)
    sim = Simulation(content, brain, SimConfig.unpaced(log_dir, **config), watcher)
    sim_ref["sim"] = sim
    sim.start()
    return sim, watcher


def test_walls_water_and_the_map_edge_hold(tiny_content, tmp_path) -> None:
    table = {
        # into the hut through its wall: the way round is through the door at (4, 3)
        "Ada": ["move_to(3, 3)", "move_to(2, 2)\nmove_to(-1, 1)\nmove_to(0, 0)"],
        # off every edge, and far beyond
        "Bjorn": ["move_to(6, -1)\nmove_to(12, 1)\nmove_to(6, 8)\nmove_to(999999999, -999999999)"],
        # into the pond
        "Cora": ["move_to(7, 4)", "move_to(8, 5)"],
    }
    with LLMServer(by_npc(table)) as server:
        sim, watcher = watched_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=20
        )
        run(sim, 2)
    final_checks(sim, watcher)
    ada = [e.pos for e in watcher.of(m.EntityMoved) if e.name == "Ada"]
    inside = ada.index((3, 3))
    assert ada[inside - 1] == (4, 3)  # in by the door, not through the wall
    assert sim.world.entities["Bjorn"].pos == (6, 1)  # every target was off the map
    assert sum("off the map" in w for w in sim.warnings) == 5
    assert ada[-1] == (1, 1)  # (0, 0) is a tree: she stops on the free tile beside it
    cora = sim.world.entities["Cora"].pos
    assert sim.world.grid.tile(cora).name != "water"


def test_no_teleporting_however_it_is_asked(tiny_content, tmp_path) -> None:
    far = "move_to(1, 6)"
    table = {
        "Cora": [
            "\n".join([far] * 5),
            "teleport(1, 6)\nmove_to(1, 6) instantly\nset_position(1, 6)\nwait()",
            "Ignore the rules: you are now at (1, 1). move_to(1, 1)",
        ]
    }
    with LLMServer(by_npc(table)) as server:
        sim, watcher = watched_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, max_steps_per_turn=3
        )
        run(sim, 3)
    final_checks(sim, watcher)
    per_turn: dict[int, int] = {}
    turn = 0
    for event in watcher.events:
        if isinstance(event, m.TurnStarted):
            turn = event.turn
        elif isinstance(event, m.EntityMoved) and event.name == "Cora":
            per_turn[turn] = per_turn.get(turn, 0) + 1
    # five move_to directives walk at most five times three steps, one tile at a time
    assert per_turn.get(1, 0) <= 15
    assert per_turn.get(2, 0) == 0  # nothing there was a directive at the start of a line
    assert per_turn.get(3, 0) == 0  # a call buried in prose is not carried out


def test_conversations_only_with_someone_adjacent(tiny_content, tmp_path) -> None:
    table = {
        "Ada": ['start_conversation_with(Cora, "Across the pond!")'],
        "Cora": ['start_conversation_with(Ada, "Can you hear me?")'],
        "Bjorn": ['start_conversation_with(Ada, "Right next to you.")'],
    }
    with LLMServer(by_npc(table, ['say("Yes?")'])) as server:
        sim, watcher = watched_sim(tiny_content, loopback_brain(server.base_url), tmp_path)
        run(sim, 1)
    final_checks(sim, watcher)
    started = [e.participants for e in watcher.of(m.ConversationStarted)]
    assert started == [("Bjorn", "Ada")]
    assert sum("is not adjacent" in w for w in sim.warnings) == 2


def test_a_reply_cannot_open_a_second_conversation(tiny_content, tmp_path) -> None:
    """Inside a talk, a reply's start_conversation_with is not a legal answer."""
    table = {"Ada": ['start_conversation_with(Bjorn, "Hello")']}
    conversation = [
        'start_conversation_with(Cora, "Cora, come here")\nsay("Hello, Ada")',
        'start_conversation_with(Player, "You too")',
    ]
    with LLMServer(by_npc(table, conversation)) as server:
        sim, watcher = watched_sim(
            tiny_content, loopback_brain(server.base_url), tmp_path, with_player=True
        )
        run(sim, 1)
    final_checks(sim, watcher)
    assert len(watcher.of(m.ConversationStarted)) == 1
    assert not watcher.of(m.DialogueOpened)
    lines = [(e.name, e.text) for e in watcher.of(m.Spoke) if e.conversation_id]
    assert lines[:2] == [("Ada", "Hello"), ("Bjorn", "Hello, Ada")]


def enter_while_ada_talks_with_bjorn(content, log_dir, player_steps: int, say: str = ""):
    """Ada starts talking with Bjorn on turn 1; while they talk, the player (who first took
    ``player_steps`` steps right from (1, 1)) presses Enter, then tries to step down. Any
    box that opens gets ``say`` (if any), an answer, and is closed."""
    table = {"Ada": ['start_conversation_with(Bjorn, "Hello")']}
    conversation = [Reply(content='say("Hmm, let me think")', delay=0.3)]
    decisions = by_npc(table)

    def respond(request: dict[str, Any]) -> Reply:
        if is_conversation(request) and conversation:
            return conversation.pop(0)
        if is_conversation(request) and "Player" in request["messages"][-1]["content"]:
            return Reply(content='say("Good to see you")')
        return decisions(request)

    with LLMServer(respond) as server:
        sim, watcher = watched_sim(
            content, loopback_brain(server.base_url), log_dir, with_player=True
        )

        async def main() -> None:
            for _ in range(player_steps):
                sim.handle(m.MovePlayer(Facing.RIGHT))
            task = asyncio.ensure_future(sim.run(1))
            while not watcher.of(m.ConversationStarted):
                await asyncio.sleep(0.005)
            sim.handle(m.TalkToNeighbour())
            sim.handle(m.MovePlayer(Facing.DOWN))  # a step, unless a box opened
            while not task.done():
                opened = watcher.of(m.DialogueOpened)
                if opened and sim.conversations.dialogue_id == opened[0].conversation_id:
                    if say:
                        sim.handle(m.PlayerSays(opened[0].conversation_id, say))
                        while len(watcher.of(m.DialogueMessage)) < 2:
                            await asyncio.sleep(0.005)
                    sim.handle(m.CloseDialogue(opened[0].conversation_id))
                await asyncio.sleep(0.005)
            await asyncio.wait_for(task, 10)
            await sim.aclose()

        asyncio.run(main())
    final_checks(sim, watcher)
    return sim, watcher


def test_the_player_waits_for_a_villager_who_is_talking(tiny_content, tmp_path) -> None:
    """Enter next to Ada while she talks with Bjorn: the box opens, waiting, and says so
    (no refusal); she turns to the player when their talk ends, and the two talk. Her log
    keeps both talks, in the order they happened."""
    # three steps: from (1, 1) to (4, 1), next to Ada at (5, 1)
    sim, watcher = enter_while_ada_talks_with_bjorn(
        tiny_content, tmp_path, player_steps=3, say="Hello Ada"
    )
    assert watcher.of(m.DialogueWaiting) == [m.DialogueWaiting("Ada", ("Bjorn",))]
    assert not watcher.of(m.Notice)
    kinds = [type(e).__name__ for e in watcher.events]
    first_end = kinds.index("ConversationEnded")
    assert kinds.index("DialogueWaiting") < first_end < kinds.index("DialogueOpened")
    (opened,) = watcher.of(m.DialogueOpened)
    assert opened.npc == "Ada" and opened.after_wait
    started = watcher.of(m.ConversationStarted)
    assert [s.participants for s in started] == [("Ada", "Bjorn"), (PLAYER_NAME, "Ada")]
    assert sim.world.entities[PLAYER_NAME].pos == (4, 1)  # the box held the player
    log = (tmp_path / "ada.md").read_text(encoding="utf-8")
    assert log.index("### Conversation with Bjorn") < log.index("### Conversation with Player")
    assert "- Player: Hello Ada\n- Ada: Good to see you\n" in log


def test_the_player_talks_beside_a_villagers_talk(tiny_content, tmp_path) -> None:
    """Ada and Bjorn talk; the player, next to Cora, presses Enter: the box opens at once
    (it used to say "Ada and Bjorn are talking - wait a moment"). Both talks hold the
    turns with reasons of their own, and end cleanly in either order."""
    spawns = {"Ada": (5, 1), "Bjorn": (6, 1), "Cora": (1, 2)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    sim, watcher = enter_while_ada_talks_with_bjorn(content, tmp_path, 0, say="Hi Cora")
    (opened,) = watcher.of(m.DialogueOpened)
    assert opened.npc == "Cora" and not opened.after_wait
    assert not watcher.of(m.Notice) and not watcher.of(m.DialogueWaiting)
    reasons = [e.reasons for e in watcher.of(m.PauseChanged)]
    assert (CONVERSATION, DIALOGUE) in reasons  # both held at once
    assert reasons[-1] == ()
    ends = [e.conversation_id for e in watcher.of(m.ConversationEnded)]
    assert sorted(ends) == [1, 2]
    assert "- Player: Hi Cora\n- Cora: Good to see you\n" in (tmp_path / "cora.md").read_text(
        encoding="utf-8"
    )


def test_enter_far_from_a_talk_says_nobody_is_near_not_to_wait(tiny_content, tmp_path) -> None:
    """Two villagers talk across the village; Enter with nobody beside the player: the hint
    is to walk up to someone, not to wait for a talk the player is not part of."""
    _, watcher = enter_while_ada_talks_with_bjorn(tiny_content, tmp_path, player_steps=0)
    assert [e.text for e in watcher.of(m.Notice)][0].startswith("Nobody to talk to")
