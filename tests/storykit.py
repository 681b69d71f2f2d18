"""A village with a story, for testing the window's side of it: the real simulation (turns,
walking, talks), told a story at the start and answering the player's E and giving as the
story engine will, with the events the window shows. The rules are a test's own, small
and plain: E takes what lies on the player's tile or the one it faces; an item given
completes the first open objective that names it; the tracker lists every open
objective. The real story engine is tested end to end elsewhere."""

from __future__ import annotations

from game.sim import messages as m
from game.sim.simulation import Simulation
from game.world import PLAYER_NAME


def item(item_id: str, pos: tuple[int, int], name: str, colour: str) -> m.GroundItem:
    return m.GroundItem(pos, item_id, name, colour)


def story_village(
    ground: tuple[m.GroundItem, ...] = (),
    carried: tuple[m.Carried, ...] = (),
    quests: tuple[m.QuestShown, ...] = (),
) -> type[Simulation]:
    """A Simulation subclass starting with this story; its ``heard`` lists the story
    commands it was sent (PickUp, GiveItem), as the worker thread handled them."""
    heard: list[m.Command] = []

    class StorySim(Simulation):
        def start(self) -> None:
            super().start()
            self.ground = list(ground)
            self.carried = list(carried)
            self.quests = list(quests)
            self.emit(m.ItemsOnGround(tuple(self.ground)))
            self._tell()

        def _tell(self) -> None:
            tracker = tuple(
                text for quest in self.quests if quest.status == "active" for text in quest.active
            )
            self.emit(m.StoryShown(tuple(self.carried), tracker, tuple(self.quests)))

        def _pick_up(self, command: m.PickUp) -> None:
            heard.append(command)
            player = self.world.get(PLAYER_NAME)
            assert player is not None
            x, y = player.pos
            dx, dy = player.facing.delta
            for ground_item in self.ground:
                if tuple(ground_item.pos) in ((x, y), (x + dx, y + dy)):
                    self.ground.remove(ground_item)
                    self._add(ground_item)
                    self.emit(m.ItemsOnGround(tuple(self.ground)))
                    self.emit(m.Notice(f"You pick up the {ground_item.name}."))
                    self._tell()
                    return
            self.emit(m.Notice("Nothing here to pick up"))

        def _add(self, ground_item: m.GroundItem) -> None:
            for i, c in enumerate(self.carried):
                if c.item == ground_item.item:
                    self.carried[i] = c._replace(amount=c.amount + 1)
                    return
            self.carried.append(
                m.Carried(
                    ground_item.item,
                    ground_item.name,
                    "Found on the ground.",
                    ground_item.colour,
                    1,
                )
            )

        def _give_item(self, command: m.GiveItem) -> None:
            heard.append(command)
            i = next((i for i, c in enumerate(self.carried) if c.item == command.item), None)
            if i is None:
                self.emit(m.Notice(f"You carry no {command.item}"))
                return
            c = self.carried[i]
            if c.amount > 1:
                self.carried[i] = c._replace(amount=c.amount - 1)
            else:
                del self.carried[i]
            talk = self.conversations.talk_of(PLAYER_NAME)
            npc = next((p for p in talk.participants if p != PLAYER_NAME), "?") if talk else "?"
            self.emit(
                m.DialogueMessage(command.conversation_id, npc, f"The {c.name}! Thank you.", False)
            )
            self._complete(c.name)
            self._tell()

        def _complete(self, name: str) -> None:
            """The first open objective naming ``name`` is done."""
            for q, quest in enumerate(self.quests):
                for text in quest.active:
                    if name in text:
                        active = tuple(t for t in quest.active if t != text)
                        self.quests[q] = quest._replace(
                            done=(*quest.done, text),
                            active=active,
                            status="active" if active else "completed",
                        )
                        return

    StorySim.heard = heard  # type: ignore[attr-defined]
    return StorySim
