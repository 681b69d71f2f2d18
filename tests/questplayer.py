"""A scripted player: walks, talks, picks up and hands over through the simulation's own
commands (the ones the window sends for the arrow keys, Enter, E and giving), between
turns, and watches the events the window would be told."""

from __future__ import annotations

import asyncio
from typing import Any

from game.sim import messages as m
from game.sim.simulation import Simulation
from game.world import PLAYER_NAME, Facing, chebyshev

STEP_FACING = {f.delta: f for f in Facing}


class Stuck(AssertionError):
    """The scripted player found no way to do what the script says."""


class ScriptedPlayer:
    def __init__(self, sim: Simulation, events: list[Any]) -> None:
        self.sim = sim
        self.events = events

    # ---- what it sees ------------------------------------------------------------------

    @property
    def pos(self) -> tuple[int, int]:
        return self.sim.world.entities[PLAYER_NAME].pos

    def since(self, mark: int, kind: type) -> list[Any]:
        return [e for e in self.events[mark:] if isinstance(e, kind)]

    def story(self) -> m.StoryShown:
        shown = [e for e in self.events if isinstance(e, m.StoryShown)]
        return shown[-1]

    def carries(self) -> dict[str, int]:
        return {c.item: c.amount for c in self.story().inventory}

    def tracker(self) -> tuple[str, ...]:
        return self.story().tracker

    # ---- what it does ----------------------------------------------------------------

    def step(self, facing: Facing) -> bool:
        before = self.pos
        self.sim.handle(m.MovePlayer(facing))
        return self.pos != before

    def walk_to(self, goal: tuple[int, int], *, within: int = 0) -> None:
        """Arrow keys along the shortest way to ``goal`` (or to within ``within`` tiles of
        it), going round villagers who stand in the way."""
        world = self.sim.world
        for _ in range(400):
            if chebyshev(self.pos, goal) <= within and (within or self.pos == goal):
                return
            target = goal
            if within or world.occupant(goal) not in (None, PLAYER_NAME):
                spots = [
                    (goal[0] + dx, goal[1] + dy)
                    for dx in range(-max(within, 1), max(within, 1) + 1)
                    for dy in range(-max(within, 1), max(within, 1) + 1)
                ]
                free = [p for p in spots if world.can_enter(p) or p == self.pos]
                free = [p for p in free if world.find_path(self.pos, p) is not None]
                if not free:
                    raise Stuck(f"nowhere free near {goal}")
                target = min(free, key=lambda p: (len(world.find_path(self.pos, p) or []), p))
                if target == self.pos:
                    return
            path = world.find_path(self.pos, target)
            if not path:
                raise Stuck(f"no way from {self.pos} to {target}")
            nxt = path[0]
            facing = STEP_FACING[(nxt[0] - self.pos[0], nxt[1] - self.pos[1])]
            if not self.step(facing):
                raise Stuck(f"could not step {facing} from {self.pos}")
        raise Stuck(f"never got to {goal}")

    def walk_up_to(self, npc: str) -> None:
        """Next to ``npc`` (4 ways), facing it."""
        world = self.sim.world
        there = world.entities[npc].pos
        sides = [(there[0] + dx, there[1] + dy) for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0))]
        if self.pos not in sides:
            free = [p for p in sides if world.can_enter(p)]
            reachable = [(len(world.find_path(self.pos, p) or ()), p) for p in free]
            reachable = [(n, p) for n, p in reachable if world.find_path(self.pos, p) is not None]
            if not reachable:
                raise Stuck(f"cannot get next to {npc} at {there}")
            self.walk_to(min(reachable)[1])
        facing = STEP_FACING[(there[0] - self.pos[0], there[1] - self.pos[1])]
        self.sim.handle(m.MovePlayer(facing))  # blocked by the villager: turns to face it

    def talk(self, npc: str) -> tuple[int, list[tuple[str, str]]]:
        """Enter beside ``npc``: the conversation's id and the lines said on opening."""
        self.walk_up_to(npc)
        mark = len(self.events)
        self.sim.handle(m.TalkToNeighbour(npc))
        opened = self.since(mark, m.DialogueOpened)
        if not opened:
            raise Stuck(f"Enter beside {npc} opened no box: {self.events[mark:]}")
        conv = opened[0].conversation_id
        lines = [(e.speaker, e.text) for e in self.since(mark, m.DialogueMessage)]
        return conv, lines

    def close(self, conv: int) -> None:
        self.sim.handle(m.CloseDialogue(conv))

    def give(self, conv: int, item: str) -> list[tuple[str, str]]:
        mark = len(self.events)
        self.sim.handle(m.GiveItem(conv, item))
        return [(e.speaker, e.text) for e in self.since(mark, m.DialogueMessage)]

    async def say(self, conv: int, text: str, npc: str) -> str:
        """Type ``text`` in the box and wait for ``npc``'s answer."""
        mark = len(self.events)
        self.sim.handle(m.PlayerSays(conv, text))
        for _ in range(1000):
            answers = [e for e in self.since(mark, m.DialogueMessage) if e.speaker == npc]
            if answers:
                return answers[0].text
            await asyncio.sleep(0.005)
        raise Stuck(f"{npc} never answered {text!r}")

    async def play_until(self, done, *, most: int, what: str) -> None:
        """Let turns go by (the player standing still) until ``done()``. A villager who
        comes up to talk is sent off at once (Escape), as a player in a hurry does."""
        for _ in range(most):
            if done():
                return
            turn = asyncio.ensure_future(self.sim.run(self.sim.turn + 1))
            while not turn.done():
                await asyncio.sleep(0.005)
                talk = self.sim.conversations.dialogue_id
                if talk is not None:
                    self.close(talk)
            await turn
        if not done():
            raise Stuck(f"{what}: not after {most} turns (turn {self.sim.turn})")
