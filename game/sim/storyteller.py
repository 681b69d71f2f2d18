"""The story in the running village: quests, items and flags meet the world here.

The quest engine (``game.story.quests``) keeps the story's rules over the village
state's :class:`~game.story.quests.StoryState`; this module feeds it what the world
saw happen (the player stepped on a tile, picked something up, handed something over,
held a talk; a villager's tree set a flag) and carries out what it answers: villagers
sent somewhere, lines said, notices. It tells the window what lies on the map, what the
player carries and where the quests stand, each time one of them changes.

Completion is the world's to see, never the model's to claim: an item counts as handed
over when it moved between inventories here, a place as reached when the player stood
on it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from game.sim import messages as m
from game.story.quests import (
    InventoryChanged,
    Notice,
    NpcMove,
    NpcSay,
    QuestChanged,
    QuestEngine,
    StoryWarning,
)
from game.world import PLAYER_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.content.loader import Content
    from game.sim.journal import Journal
    from game.sim.state import VillageState
    from game.story.models import FlagValue
    from game.story.quests import Effect, Refused
    from game.world import Pos, World

log = logging.getLogger("hamlet.sim")

STORY_LINES = 12  # most lines of story a villager's prompt carries


class Storyteller:
    """Feeds the world's doings to the quests and carries out what they answer."""

    def __init__(
        self,
        content: Content,
        state: VillageState,
        world: World,
        journal: Journal,
        *,
        say: Callable[[str, str], None],
    ) -> None:
        self.content = content
        self.state = state
        self.world = world
        self.journal = journal
        self._say = say  # a villager's line: in the player's box if it is in it, else aloud
        self.engine = QuestEngine(content, state.story)
        self.items = {item.id: item for item in content.items}
        self._shown: tuple[m.Carried, ...] | None = None

    @property
    def active(self) -> bool:
        """Whether this village has a story at all."""
        return bool(self.content.items or self.content.quests)

    # ---- what the world saw ------------------------------------------------------------

    def start(self) -> None:
        """The game begins (or was loaded): start what starts at once, and show it all."""
        self.carry_out(self.engine.start())
        player = self.world.get(PLAYER_NAME)
        if player is not None:
            self.carry_out(self.engine.player_at(player.pos))
        self.show()

    def player_moved(self, pos: Pos) -> None:
        """The player stepped onto ``pos``: what lies there is picked up, places reached."""
        if self.state.story.items_at(pos):
            self.pick_up_at(pos)
        self.carry_out(self.engine.player_at(pos))

    def pick_up(self) -> None:
        """E: what lies on the player's tile, else on the tile it faces."""
        player = self.world.get(PLAYER_NAME)
        if player is None:
            return
        dx, dy = player.facing.delta
        for pos in (player.pos, (player.pos[0] + dx, player.pos[1] + dy)):
            if self.state.story.items_at(pos):
                self.pick_up_at(pos)
                return
        self.journal.emit(m.Notice("Nothing here to pick up"))

    def pick_up_at(self, pos: Pos) -> None:
        lying = self.state.story.items_at(pos)
        effects = self.engine.pick_up_at(PLAYER_NAME, pos)
        names = [self.item_name(item) for item in lying]
        self.journal.emit(m.Notice(f"You pick up the {', the '.join(names)}"))
        self.journal.act_line(PLAYER_NAME, f"picks up the {', the '.join(names)}")
        self.carry_out(effects)
        self.show(ground=True)

    def give(self, giver: str, receiver: str, item: str) -> Refused | None:
        """``giver`` hands one ``item`` to ``receiver``; the refusal if it cannot."""
        answer = self.engine.item_handed(giver, receiver, item, 1)
        if not isinstance(answer, list):
            return answer
        self.journal.act_line(giver, f"gives {receiver} the {self.item_name(item)}")
        self.journal.note(receiver, f"- Was given the {self.item_name(item)} by {_who(giver)}.")
        self.carry_out(answer)
        return None

    def talk_held(self, npc: str) -> None:
        """The player held a talk with ``npc`` (its opening lines are said)."""
        self.carry_out(self.engine.talk_held(npc))

    def set_flag(self, who: str, name: str, value: FlagValue) -> None:
        """A villager's tree set a flag."""
        self.journal.note(who, f"- Set {name} to {value!r}.")
        self.carry_out(self.engine.flag_set(name, value))

    # ---- what it answers -------------------------------------------------------------

    def carry_out(self, effects: list[Effect]) -> None:
        changed = False
        for effect in effects:
            if isinstance(effect, NpcSay):
                self._say(effect.npc, effect.text)
            elif isinstance(effect, Notice):
                self.journal.emit(m.Notice(effect.text))
                log.info("turn %d: story: %s", self.state.turn, effect.text)
            elif isinstance(effect, NpcMove):
                self._send(effect.npc, effect.to)
            elif isinstance(effect, StoryWarning):
                self.journal.warn(f"story: {effect.text}")
            elif isinstance(effect, InventoryChanged | QuestChanged):
                changed = True
        if changed:
            self.show()

    def _send(self, npc: str, to: str | Pos) -> None:
        """The story sends ``npc`` to ``to`` (a landmark or a tile): it walks there over
        the next turns before doing anything else."""
        if isinstance(to, str):
            landmark = self.world.grid.landmark_named(to)
            if landmark is None:  # --check names every landmark a quest sends one to
                self.journal.warn(f"story: no place {to!r} to send {npc} to")
                return
            tile = landmark.spot
        else:
            tile = to
        villager = self.state.villagers.get(npc)
        if villager is not None:
            villager.errand = tile
            self.journal.act_line(npc, f"sets off for {to if isinstance(to, str) else tile}")

    # ---- what the window and the prompts are told ----------------------------------------

    def item_name(self, item: str) -> str:
        spec = self.items.get(item)
        return spec.name if spec is not None else item

    def show(self, *, ground: bool = True) -> None:
        """Tell the window what lies about, what the player carries and the quests."""
        if not self.active:
            return
        if ground:
            lying = []
            for item, pos in self.state.story.ground:
                spec = self.items.get(item)
                if spec is not None:
                    lying.append(m.GroundItem(pos, item, spec.name, spec.colour))
            self.journal.emit(m.ItemsOnGround(tuple(lying)))
        carried = []
        for item, amount in self.engine.inventory(PLAYER_NAME).items():
            spec = self.items.get(item)
            if spec is not None and amount > 0:
                carried.append(
                    m.Carried(item, spec.name, spec.description, spec.colour, amount)
                )
        tracker = tuple(t.text for t in self.engine.active_objectives())
        quests = []
        for quest in reversed(self.engine.journal().quests):
            if quest.status == "inactive":
                continue  # a quest not begun may be a secret
            done = tuple(n.text for st in quest.stages for n in st.nodes if n.state == "completed")
            open_now = tuple(n.text for st in quest.stages for n in st.nodes if n.state == "active")
            quests.append(m.QuestShown(quest.title, quest.summary, quest.status, done, open_now))
        self.journal.emit(m.StoryShown(tuple(carried), tracker, tuple(quests)))

    def prompt_lines(self, npc: str) -> tuple[str, ...]:
        """What ``npc`` knows of the story, for its prompts: what it carries, the flags it
        may know, what the player is about that involves it."""
        if not self.active:
            return ()
        lines: list[str] = []
        carried = [
            _counted(amount, self.item_name(item))
            for item, amount in self.engine.inventory(npc).items()
            if amount > 0
        ]
        if carried:
            lines.append(f"You carry: {', '.join(carried)}.")
        player = [
            _counted(amount, self.item_name(item))
            for item, amount in self.engine.inventory(PLAYER_NAME).items()
            if amount > 0
        ]
        if player:
            lines.append(f"The player carries: {', '.join(player)}.")
        for flag, value in self.engine.known_flags(npc).items():
            if value is not None:
                lines.append(f"You know that {flag.replace('_', ' ')} is {_said(value)}.")
        for tracked in self.engine.objectives_involving(npc):
            lines.append(f"The player is trying to: {tracked.text} ({tracked.quest_title}).")
        return tuple(lines[:STORY_LINES])


def _who(name: str) -> str:
    return "the player" if name == PLAYER_NAME else name


def _said(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _counted(amount: int, name: str) -> str:
    return name if amount == 1 else f"{amount} x {name}"
