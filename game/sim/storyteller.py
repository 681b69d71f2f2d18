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
from game.sim.verbs import Actor, BaseDirective, Directive, Say, Wait
from game.sim.verbs import MoveTo as Walk
from game.story import trees as bt
from game.story.quests import (
    InventoryChanged,
    Notice,
    NpcMove,
    NpcSay,
    QuestChanged,
    QuestEngine,
    StoryWarning,
    same_value,
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
        self.lights = frozenset(item.id for item in content.items if item.light)
        self.trees = {name: bt.compile_tree(spec, name) for name, spec in content.trees.items()}
        self._views = {name: _TreeView(self, name) for name in self.trees}
        self.phase: Callable[[], str] = lambda: "day"  # the clock's, once it is set

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
        self.carry_out(effects)  # the inventory changed: the window is shown it all again

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
        """A villager's tree set a flag (a routine sets it again and again: only a change
        is noted, or can move the story)."""
        if name in self.state.story.flags and same_value(self.state.story.flags[name], value):
            return
        self.journal.note(who, f"- Set {name} to {value!r}.")
        self.carry_out(self.engine.flag_set(name, value))

    # ---- behaviour trees -------------------------------------------------------------

    def routine(self, name: str) -> tuple[Directive, ...]:
        """What ``name``'s continuous tree has it do this turn; nothing when it has no
        such tree, or the tree asks for nothing (then its brain decides)."""
        tree = self.trees.get(name)
        if tree is None or not tree.continuous:
            return ()
        result = tree.tick(self._views[name])
        directives: list[Directive] = []
        walked = False
        for action in result.actions:
            if isinstance(action, bt.MoveTo):
                if walked:  # a parallel may ask for two walks: the first is taken
                    continue
                walked = True
                tile = self.tile_of(action.target)
                if tile is not None:
                    directives.append(Walk(*tile))
            elif isinstance(action, bt.Say):
                directives.append(Say(action.text))
            elif isinstance(action, bt.Wait):
                directives.append(Wait())
            else:
                directives.append(TreeAct(action, self))
        return tuple(directives)

    def interaction(self, npc: str) -> tuple[tuple[str, str], ...]:
        """What ``npc`` says when the player presses Enter at it, (speaker, line) each:
        an active quest objective's lines first, then its tree's dialogue; nothing when
        neither has anything (then it greets in its own words)."""
        lines = self.engine.dialogue_override(npc)
        if lines:
            return tuple((npc, line) for line in lines)
        tree = self.trees.get(npc)
        if tree is None or not tree.on_interaction:
            return ()
        met = tree.interact(self._views[npc])
        for action in met.actions:
            self.perform(npc, action)
        if isinstance(met.dialogue, bt.Say):
            return ((npc, met.dialogue.text),)
        if isinstance(met.dialogue, bt.Exchange):
            return tuple((line.who, line.text) for line in met.dialogue.lines)
        return ()

    def perform(self, name: str, action: bt.Action) -> None:
        """One of a tree's actions that is not a walk, a line or a wait."""
        if isinstance(action, bt.SetFlag):
            self.set_flag(name, action.flag, action.value)
        elif isinstance(action, bt.LookAt):
            tile = self.tile_of(action.target)
            if tile is not None:
                self.world.face(name, tile)
                body = self.world.entities[name]
                self.journal.emit(m.EntityTurned(name, body.facing))
                self.journal.note(name, f"- Looked towards ({tile[0]},{tile[1]}).")
        elif isinstance(action, bt.EmitEvent):
            self.journal.note(name, f"- {action.name.replace('_', ' ')}.")
            self.journal.act_line(name, f"({action.name.replace('_', ' ')})")
            log.info("turn %d: %s: event %s", self.state.turn, name, action.name)
        elif isinstance(action, bt.Exchange):
            for line in action.lines:
                if line.who in self.state.villagers:
                    self._say(line.who, line.text)
        elif isinstance(action, bt.Say):
            self._say(name, action.text)

    def tile_of(self, target: str | Pos) -> Pos | None:
        """A tile, or a landmark's (or a person's) tile to go to."""
        if not isinstance(target, str):
            return (target[0], target[1])
        landmark = self.world.grid.landmark_named(target)
        if landmark is not None:
            return landmark.spot
        someone = self.world.find(target)
        return someone.pos if someone is not None else None

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
        tile = self.tile_of(to)
        if tile is None:  # --check names every landmark a quest sends one to
            self.journal.warn(f"story: no place {to!r} to send {npc} to")
            return
        villager = self.state.villagers.get(npc)
        if villager is not None:
            villager.errand = tile
            self.journal.act_line(npc, f"sets off for {to if isinstance(to, str) else tile}")

    # ---- what the window and the prompts are told ----------------------------------------

    def item_name(self, item: str) -> str:
        spec = self.items.get(item)
        return spec.name if spec is not None else item

    def show(self) -> None:
        """Tell the window what lies about, what the player carries, who carries a light
        and the quests."""
        if not self.active:
            return
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
        if self.lights:
            carriers = (
                who
                for who, carried in self.state.story.inventories.items()
                if any(carried.get(item, 0) > 0 for item in self.lights)
            )
            self.journal.emit(m.LightsCarried(tuple(sorted(carriers))))
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
        for who, says in ((npc, "You carry"), (PLAYER_NAME, "The player carries")):
            carried = [
                _counted(amount, self.item_name(item))
                for item, amount in self.engine.inventory(who).items()
                if amount > 0
            ]
            if carried:
                lines.append(f"{says}: {', '.join(carried)}.")
        for flag, value in self.engine.known_flags(npc).items():
            if value is not None:
                lines.append(f"You know that {flag.replace('_', ' ')} is {_said(value)}.")
        for tracked in self.engine.objectives_involving(npc):
            lines.append(
                f'For the quest "{tracked.quest_title}", the player is trying to: {tracked.text}.'
            )
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


class _TreeView:
    """What one villager's tree sees of the village (a ``TreeContext``): read live from
    the village state, the quests and the clock."""

    __slots__ = ("_story", "_villager", "name")

    def __init__(self, story: Storyteller, name: str) -> None:
        self._story = story
        self._villager = story.state.villagers[name]
        self.name = name

    @property
    def position(self) -> Pos:
        return self._villager.body.pos

    @property
    def phase(self) -> str:
        return self._story.phase()

    @property
    def memory(self) -> dict[str, object]:
        return self._villager.tree

    def has_item(self, item: str) -> int:
        return self._story.state.story.count(self.name, item)

    def flag(self, name: str) -> FlagValue | None:
        return self._story.state.story.flags.get(name)

    def quest_state(self, quest: str, stage: str, node: str | None) -> str:
        state = self._story.engine.stage_state(quest, stage, node)
        return "inactive" if state == "waiting" else state

    def place_distance(self, place: str) -> int | None:
        landmark = self._story.world.grid.landmark_named(place)
        if landmark is None:
            return None
        pos = self._villager.body.pos
        if pos == landmark.spot:
            return 0
        return landmark.distance_to(pos)


class TreeAct(BaseDirective):
    """One of a villager's tree actions that no verb says (set a flag, look somewhere,
    an event): carried out in its turn like a directive. Not a verb: no brain may ask
    for it, so it is not registered."""

    name = "tree"
    usage = ""
    help = ""

    def __init__(self, action: bt.Action, teller: Storyteller) -> None:
        self.action = action
        self.teller = teller

    def render(self) -> str:
        return f"({self.action!r})"

    async def perform(self, sim: Actor, name: str) -> None:
        self.teller.perform(name, self.action)
