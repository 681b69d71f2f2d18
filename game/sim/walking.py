"""Walking: a villager's few steps a turn towards where it is going, and the way there.

The route round walls and water is planned once per destination and kept; people are
gone round on the next few tiles only, the long way round when they block the first
step, and one standing in a doorway steps aside. The simulation owns one ``Walker`` and
calls it; it changes the world only through ``World.step_to``.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from game.sim import messages as m
from game.words import counted
from game.world import manhattan

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from game.sim.journal import Journal
    from game.sim.pause import PauseGate
    from game.sim.state import VillagerState
    from game.sim.village import SimConfig
    from game.world import Pos, World

CLOSE_ENOUGH = 6  # tiles from its goal at which a walker stopped by people has arrived
# Tiles a last search may look at for the long way round people blocking a walker's
# first step (the other end of a bridge, say): enough to round a pond.
LONG_WAY_NODES = 3000
GIVE_WAY_STEPS = 3  # how far one standing in a doorway goes to let a walker by


class Walker:
    """Walks villagers, one step at a time, checked against the world as it goes."""

    def __init__(
        self,
        world: World,
        npcs: Mapping[str, VillagerState],
        gate: PauseGate,
        config: SimConfig,
        journal: Journal,
        *,
        turn: Callable[[], int],
        talking: Callable[[str], bool],
    ) -> None:
        self.world = world
        self.npcs = npcs
        self.gate = gate
        self.config = config
        self.journal = journal
        self._turn = turn
        self._talking = talking  # whether a villager is in a conversation now
        self._walking: set[str] = set()  # villagers in the middle of a walk
        self._halted: set[str] = set()  # ...of whom these stop at their next step
        self._linger_until: dict[str, float] = {}  # monotonic time each may walk off again

    def clear(self) -> None:
        """Nobody is walking or lingering (a save was loaded)."""
        self._walking.clear()
        self._halted.clear()
        self._linger_until.clear()

    def stop_walking(self, name: str) -> None:
        """Stop ``name``'s walk at its next step (the player has caught it to talk); it goes
        on towards where it was going next turn."""
        if name in self._walking:
            self._halted.add(name)

    def linger(self, names: Iterable[str]) -> None:
        """``names`` have just finished talking: they stand a moment before walking off."""
        if self.config.linger > 0:
            until = time.monotonic() + self.config.linger
            for name in names:
                self._linger_until[name] = until

    async def _stand_a_moment(self, name: str) -> None:
        """Wait out what is left of ``name``'s moment after a conversation, if any."""
        until = self._linger_until.get(name)
        if until is None:
            return
        left = until - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)
        if self._linger_until.get(name) == until:  # not a newer talk's, set meanwhile
            del self._linger_until[name]

    def _give_way(self, walker: str, tile: Pos, path: list[Pos]) -> bool:
        """If a villager standing still in a doorway (or on a plank bridge) is in
        ``walker``'s way on ``tile``, it steps aside, off the walker's way; True if it did.

        Without this, one who stopped in a door (people stood about the room it made for)
        blocked everyone else's way in or out for turns on end.
        """
        world, journal = self.world, self.journal
        other = world.occupant(tile)
        if (
            other is None
            or other not in self.npcs
            or other in self._walking  # it is on its way: it will clear the door itself
            or self._talking(other)
            or not world.grid.narrow(tile)
        ):
            return False
        # The nearest free tile off the narrow way and off the walker's next tiles, a few
        # steps at most (from a door, into the room and to one side).
        ahead = set(path[:CLOSE_ENOUGH])
        me = world.entities[walker].pos
        came_from: dict[Pos, Pos | None] = {tile: None}
        frontier = [tile]
        spot: Pos | None = None
        for _ in range(GIVE_WAY_STEPS):
            reached: list[Pos] = []
            for x, y in frontier:
                for nxt in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
                    if nxt in came_from or nxt == me or not world.can_enter(nxt):
                        continue
                    came_from[nxt] = (x, y)
                    reached.append(nxt)
                    if spot is None and nxt not in ahead and not world.grid.narrow(nxt):
                        spot = nxt
            if spot is not None or not reached:
                break
            frontier = reached
        if spot is None:
            return False
        steps: list[Pos] = []
        at: Pos | None = spot
        while at is not None and at != tile:
            steps.append(at)
            at = came_from[at]
        entity = world.entities[other]
        for step in reversed(steps):
            world.step_to(other, step)
            journal.emit(m.EntityMoved(other, entity.pos, entity.facing, self.config.step_time))
        if self.npcs[other].wrote == self._turn():  # its turn's entry is written: the next has it
            journal.note(other, f"- After my turn {self._turn()}, stepped out of the way to let "
                      f"{walker} by.")
        else:
            journal.note(other, f"- Stepped out of the way to let {walker} by.")
        journal.act_line(other, f"steps out of the way to let {walker} by")
        return True

    def _near_enough_to_block(self) -> int:
        """How far from a walker people stand in its way: those within a turn's walk (and a
        little more); the ones further off will have moved on by the time it gets there."""
        return self.config.max_steps_per_turn + 2

    def _plan(self, state: VillagerState, start: Pos, goal: Pos) -> list[Pos] | None:
        """The tiles to step on from ``start`` to ``goal``; None if no walk leads there.

        The route round walls and water is planned once per destination (through people)
        and kept from turn to turn. People matter only on the next few tiles, as those
        further off will have moved on: the walk goes round them with a small search and
        rejoins the route just past them. If nobody lets it by, it walks up to them.
        """
        world = self.world
        route = state.route
        if not (route and route[-1] == goal and manhattan(route[0], start) == 1):
            found = world.find_path(start, goal, through_entities=True)
            if found is None:
                return None
            route = found
        avoid = self._near_enough_to_block()
        # People standing about the goal itself are a crowd to stop at, not to go round.
        short_of_goal = len(route) - CLOSE_ENOUGH
        blocked = [
            i for i, pos in enumerate(route[: min(avoid, short_of_goal)]) if world.occupant(pos)
        ]
        if not blocked:
            return list(route)
        rejoin = blocked[-1] + 1
        waypoint = route[rejoin]
        budget = 4 * manhattan(start, waypoint) + 64  # 19 in 20 detours need less
        detour = world.find_path(start, waypoint, block_within=avoid, max_nodes=budget)
        if detour is None:
            return list(route)
        return detour + route[rejoin + 1 :]

    async def walk(self, name: str, target: Pos) -> None:
        """Walk towards ``target`` one tile at a time, at most ``max_steps_per_turn``."""
        world, journal = self.world, self.journal
        entity = world.entities[name]
        state = self.npcs[name]
        if not world.grid.in_bounds(target):
            journal.warn(f"{name}: move_to({target[0]}, {target[1]}) is off the map; skipped")
            journal.note(name, f"- Wanted to go to ({target[0]},{target[1]}), off the map.")
            journal.act_line(name, f"cannot go to ({target[0]}, {target[1]}): off the map")
            state.destination = None
            return
        goal: Pos | None = target
        if not world.can_enter(target) and target != entity.pos:
            goal = world.nearest_free(target, radius=1, mine=entity.pos)
        if goal is None:
            reason = world.can_enter(target).reason
            journal.warn(
                f"{name}: move_to({target[0]}, {target[1]}) unreachable ({reason}); skipped"
            )
            journal.note(name, f"- Could not go to ({target[0]},{target[1]}): {reason}.")
            journal.act_line(name, f"cannot go there: {reason}")
            state.destination = None
            return
        path = self._plan(state, entity.pos, goal)
        if path is None:
            journal.warn(f"{name}: no path to ({goal[0]}, {goal[1]}); skipped")
            journal.note(name, f"- Found no way to ({goal[0]},{goal[1]}).")
            journal.act_line(name, f"finds no way to ({goal[0]}, {goal[1]})")
            state.destination = None
            return
        if not path:  # already there
            journal.note(name, f"- Stayed where I was, {self._at(world.describe_place(goal))}.")
            journal.act_line(name, "stays where it is")
            state.destination = None
            return
        place = world.describe_place(goal)
        to_place = place if place.startswith("near ") else f"to {place}"
        towards = place.removeprefix("near ")
        inside = world.grid.landmark_at(entity.pos)
        if inside is not None and place == f"near {inside.name}":
            # From inside a place to just outside it: not "near the hut", which it is.
            to_place, towards = f"out of {inside.name}", f"the way out of {inside.name}"
        entity.activity = f"walking {to_place}"
        steps = 0
        replanned = stuck = long_way = False
        stopped_by = ""  # who stood in the way when it stopped short
        crowded = 0  # tiles short of the goal at which people standing about it stopped it
        caught = False  # stopped by the player, to talk
        planned_at = world.moves
        # Looked up once: a walk of ten steps in each of a thousand villagers' turns.
        gate, emit, moved = self.gate, journal.emit, m.EntityMoved
        step_time, most = self.config.step_time, self.config.max_steps_per_turn
        self._walking.add(name)
        self._halted.discard(name)
        halted = self._halted
        try:
            while path and steps < most:
                if gate.paused:
                    await gate.wait()
                if self._linger_until:  # rarely anyone: looked at only then
                    await self._stand_a_moment(name)
                if name in halted:  # caught by the player: no further this turn
                    caught = True
                    break
                nxt = path[0]
                result = world.step_to(name, nxt)
                if not result and self._give_way(name, nxt, path):
                    result = world.step_to(name, nxt)
                if not result:
                    if steps and len(path) <= CLOSE_ENOUGH and world.occupant(nxt):
                        # It came most of the way and people stand about the goal: near enough.
                        # Stopped before a single step, it has not been anywhere.
                        crowded = len(path)
                        path = []
                        break
                    # Plan again once, if anyone else has moved since: else it would meet
                    # the same people in the way.
                    if not replanned and world.moves > planned_at + steps:
                        replanned = True
                        state.route = path
                        new_path = self._plan(state, entity.pos, goal)
                        if new_path is not None:
                            path = new_path
                            continue
                    if not steps and not long_way:
                        # Not one step taken: the short detours round the people in the way
                        # found nothing. Look further for the long way round them, as two
                        # villagers meeting on a bridge would otherwise block each other.
                        long_way = True
                        around = world.find_path(
                            entity.pos,
                            goal,
                            block_within=self._near_enough_to_block(),
                            max_nodes=LONG_WAY_NODES,
                        )
                        if around:
                            path = around
                            continue
                    if steps:
                        stopped_by = result.reason
                    else:  # not one step: somewhere else may do better next turn
                        journal.note(name, f"- Could not get {to_place}: {result.reason}.")
                        journal.act_line(name, f"cannot get {to_place}: {result.reason}")
                        path = []
                        stuck = True
                    break
                path.pop(0)
                steps += 1
                if steps == 1:  # told once on its way: a walk refused at once says only why
                    journal.act_line(name, f"moves {to_place}")
                emit(moved(name, entity.pos, entity.facing, step_time))
                if step_time > 0:
                    await asyncio.sleep(step_time)
        finally:
            self._walking.discard(name)
            halted.discard(name)
        state.route = path
        if stuck:
            state.destination = None
            entity.activity = "standing about"
        elif not path:
            state.destination = None
            if crowded:
                short = counted(crowded, "tile")
                if to_place.startswith("out of "):  # people round the door it makes for
                    journal.note(name, f"- Set off {to_place}; people stood in the way, so I "
                              f"stopped {short} short.")
                else:
                    journal.note(
                        name, f"- Walked towards {towards}; people stood about it, so I stopped "
                        f"{short} short."
                    )
                near = place.removeprefix("near ")
                entity.activity = "standing about" if "(" in place else f"standing near {near}"
            else:
                shown = "" if place.startswith("(") else f" ({goal[0]},{goal[1]})"
                journal.note(name, f"- Walked {to_place}{shown}.")
                at = self._at(place)
                entity.activity = "standing about" if "(" in place else f"standing {at}"
        elif steps or caught:
            state.destination = goal
            walked = counted(steps, "step")
            if caught:
                stopped_by = "the player wanted a word"
            why = f", then stopped: {stopped_by}" if stopped_by else ""
            if steps:
                journal.note(name, f"- Walked {walked} towards {towards}{why}; {len(path)} to go.")
            else:
                journal.note(name, f"- Was setting off towards {towards} when the player wanted "
                          "a word.")

    @staticmethod
    def _at(place: str) -> str:
        """"at the well", "near the well", "at (3, 8)"."""
        return place if place.startswith("near ") else f"at {place}"

