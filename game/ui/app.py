"""The render loop: poll input, route it through a small stack of states, apply the
simulation's events, update, draw. Never waits on the simulation.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import pygame
import pygame.freetype
from pygame_gui.elements import UIWindow

from game.heap import settle_after_startup, unsettle
from game.sim import messages as m
from game.stopping import as_flag
from game.story.clock import darkness
from game.ui.actors import Actors
from game.ui.bubbles import (
    BORDER,
    MAX_LINES,
    PAD,
    RADIUS,
    TAIL_H,
    TAIL_HALF,
    SpeechBubbles,
)
from game.ui.camera import Camera
from game.ui.dialogue import DialogueBox, GameUIManager, TalkArea
from game.ui.fonts import UIFont, unusual_characters
from game.ui.glyphs import drawable
from game.ui.hud import BAR_HEIGHT, FrameMeter, Hud, HudState, Notices
from game.ui.items import GroundItems
from game.ui.map_render import MapLayer
from game.ui.night import carried_light, step_of
from game.ui.overlays import Feed
from game.ui.painter import Painter
from game.ui.sprites import ASSETS_DIR, CharacterSprites, Palette, Tileset, parse_colour
from game.ui.states import (
    DialogueState,
    PlayingState,
    Push,
    State,
    StoppedState,
    apply_transition,
)
from game.ui.tracker import QuestTracker
from game.world import PLAYER_NAME, Facing, Grid, chebyshev, manhattan

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

    from game.brains.base import Brain
    from game.content.loader import Content
    from game.sim.worker import SimWorker

PLAYER_STEP_TIME = 0.16  # seconds per tile for the player: a held key walks at this pace
PLAYER_PALETTE = Palette(
    skin=(240, 200, 160), hair=(60, 40, 30), shirt=(200, 70, 60), trousers=(70, 80, 120)
)
THEME = ASSETS_DIR / "ui_theme.json"
WORKER_CHECK = 0.5  # seconds between looks at whether the simulation still runs
EXIT_STOPPED = 1  # the village's simulation died; the window said so
EXIT_AFTER_FIRST_FRAME = "HAMLET_EXIT_AFTER_FIRST_FRAME"  # "1": quit once it has drawn
REPAINT_EVENTS = frozenset(
    {
        pygame.VIDEOEXPOSE,
        pygame.WINDOWEXPOSED,
        pygame.WINDOWSHOWN,
        pygame.WINDOWRESTORED,
        pygame.WINDOWMAXIMIZED,
        pygame.WINDOWSIZECHANGED,
    }
)


class Game:
    """Everything the player sees, fed by a :class:`SimWorker`."""

    def __init__(
        self,
        content: Content,
        worker: SimWorker,
        brain_label: str,
        size: tuple[int, int],
        log_dir: Path | None = None,
    ) -> None:
        self.worker = worker
        self.log_dir = log_dir  # named when the simulation dies: where to read why
        self.screen = pygame.display.get_surface() or pygame.display.set_mode(size)
        self.size = self.screen.get_size()
        w, h = self.size
        self.manager = GameUIManager(self.size, str(THEME) if THEME.exists() else None)
        self.font = UIFont(20)
        self.small_font = UIFont(17)
        self.title_font = UIFont(30)

        self.grid = Grid.from_spec(content.map)  # the render thread's own read-only copy
        self.tileset = Tileset.load()
        self.tile = self.tileset.tile_size
        self.map_layer = MapLayer(self.grid, self.tileset)
        self.view = pygame.Rect(0, BAR_HEIGHT, w, h - BAR_HEIGHT)
        self.camera = Camera(self.view, self.map_layer.size_px)
        self.actors = Actors(self.tile, self.small_font)
        player_sprites = CharacterSprites.load(PLAYER_PALETTE)
        self.actors.add(PLAYER_NAME, player_sprites, content.map.player_spawn)
        for npc in content.npcs:
            a = npc.appearance
            palette = Palette(
                parse_colour(a.skin),
                parse_colour(a.hair),
                parse_colour(a.shirt),
                parse_colour(a.trousers),
            )
            self.actors.add(npc.name, CharacterSprites.load(palette), npc.spawn)

        self.bubbles = SpeechBubbles(self.font)
        self.dialogue = DialogueBox(self.manager, self.view)
        # A village written in Chinese, Japanese or Korean loads those fonts before the
        # first frame, not when its first line is said.
        written = unusual_characters(
            text
            for npc in content.npcs
            for text in (npc.description, *npc.knowledge, *npc.lines.greetings,
                         *npc.lines.farewells, *npc.lines.small_talk)
        )
        if written:
            for font in (self.font, self.small_font):
                font.prepare(written)
            self.dialogue.prepare(written)
        self.hud_state = HudState(map_name=content.map.name, brain=brain_label)
        self.hud = Hud(self.small_font, w)
        self.feed = Feed(self.small_font)
        self.notices = Notices(self.font)
        self.meter = FrameMeter(self.small_font)
        self.painter = Painter()
        # The story as the worker last told it: items on the map, what the player carries
        # and where its quests stand.
        self.ground_items: tuple[m.GroundItem, ...] = ()
        self.story = m.StoryShown((), (), ())
        self.lights: tuple[str, ...] = ()  # who carries a light: they glow at night
        self.items = GroundItems(self.tile, self.actors.make_label)
        self.tracker = QuestTracker(self.small_font)
        self._actor_jobs: list[tuple[pygame.Surface, tuple[int, int]]] = []
        self._actor_rects: list[pygame.Rect] = []
        self._hud_drawn_on: pygame.Surface | None = None  # the screen the bar was drawn on
        self._hud_overdrawn = False  # whether the GUI drew over the bar last frame
        self.show_meter = False
        self._npc_talk_id: int | None = None  # the villagers' conversation the bar names
        self.save_dir: Path | None = None  # where F9 finds the last save (None: no saving)

        self.states: list[State] = [PlayingState()]
        self.running = True
        self.follow = PLAYER_NAME
        self.held: list[Facing] = []  # direction keys held, most recent last
        self.tap: Facing | None = None  # a press not yet turned into a step
        self._last_move_sent = -1.0
        self._clock_now = 0.0
        self._worker_checked = -WORKER_CHECK  # the first frame looks
        self.camera.follow(*self._focus())

    # ---- one frame ----------------------------------------------------------------

    def frame(self, dt: float) -> bool:
        """Handle input and events, update and draw one frame. False once the game should end."""
        self._clock_now += dt
        for event in pygame.event.get():
            self.handle_event(event)
        for sim_event in self.worker.drain():
            self.apply(sim_event)
        self._watch_worker()
        self.update(dt)
        self.draw()
        return self.running

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type in REPAINT_EVENTS:  # the window may have lost what it showed
            self.invalidate()
        if not self.states[-1].shields_gui(event):
            self.manager.process_events(event)
        transition = self.states[-1].handle(self, event)
        apply_transition(self, transition)

    def send(self, command: m.Command) -> None:
        self.worker.send(command)

    def _watch_worker(self) -> None:
        """Every :data:`WORKER_CHECK` seconds: has the simulation died? Then a card says
        so over a village that no longer moves, until the player quits."""
        if self.hud_state.stopped or self._clock_now - self._worker_checked < WORKER_CHECK:
            return
        self._worker_checked = self._clock_now
        if (error := self.worker.failure) is not None:
            from game.sim.worker import stopped_parts  # only now: the game runs without it

            self.hud_state.stopped = True
            apply_transition(self, Push(StoppedState(stopped_parts(error, self.log_dir))))

    # ---- simulation events --------------------------------------------------------

    #: Events the window has nothing to show for: the headless transcript's lines (what
    #: they tell, the window shows as steps, bubbles and the feed), and a save made (the
    #: notice that comes with it says so).
    NOT_SHOWN: ClassVar[frozenset[type[m.Event]]] = frozenset({m.Acted, m.Saved})

    def apply(self, event: m.Event) -> None:
        """Show one of the simulation's events. Looked up by its type, not tried against
        each kind in turn: a big village's turn makes thousands, most of them steps."""
        handler = self.on_event.get(type(event))
        if handler is not None:
            handler(event)

    @cached_property
    def on_event(self) -> dict[type[m.Event], Callable[[Any], None]]:
        """What the window does with each kind of event: every kind in ``m.Event`` but
        those in :data:`NOT_SHOWN` (tested)."""
        return {
            m.EntityPlaced: self._on_placed,
            m.EntityMoved: self._on_moved,
            m.EntityTurned: self._on_turned,
            m.Spoke: self._on_spoke,
            m.TurnStarted: self._on_turn_started,
            m.ClockChanged: self._on_clock_changed,
            m.PauseChanged: self._on_pause_changed,
            m.PaceChanged: self._on_pace_changed,
            m.Thinking: self._on_thinking,
            m.ConversationStarted: self._on_conversation_started,
            m.ConversationEnded: self._on_conversation_ended,
            m.DialogueWaiting: self._on_dialogue_waiting,
            m.DialogueOpened: self._on_dialogue_opened,
            m.DialogueMessage: self._on_dialogue_message,
            m.DialogueEnded: self._on_dialogue_ended,
            m.UsageUpdated: self._on_usage_updated,
            m.CallsAtOnce: self._on_calls_at_once,
            m.GameLoaded: self._on_game_loaded,
            m.Notice: self._on_notice,
            m.ItemsOnGround: self._on_items_on_ground,
            m.StoryShown: self._on_story_shown,
            m.LightsCarried: self._on_lights_carried,
        }

    def _on_placed(self, event: m.EntityPlaced) -> None:
        actor = self.actors.get(event.name)
        if actor is not None:
            actor.move_to(event.pos, event.facing, 0.0, self.tile)
        if event.name == PLAYER_NAME:
            self._last_move_sent = -1.0

    def _on_moved(self, event: m.EntityMoved) -> None:
        actor = self.actors.get(event.name)
        if actor is not None:
            actor.move_to(event.pos, event.facing, event.duration or PLAYER_STEP_TIME, self.tile)
        if event.name == PLAYER_NAME:
            self._last_move_sent = -1.0

    def _on_turned(self, event: m.EntityTurned) -> None:
        actor = self.actors.get(event.name)
        if actor is not None:
            actor.facing = event.facing
        if event.name == PLAYER_NAME:
            self._last_move_sent = min(self._last_move_sent, self._clock_now - 0.08)

    def _on_spoke(self, event: m.Spoke) -> None:
        text = drawable(event.text)
        self.bubbles.say(event.name, text)
        self.feed.add(event.turn, event.name, text)

    def _on_turn_started(self, event: m.TurnStarted) -> None:
        self.hud_state.turn = event.turn

    def _on_clock_changed(self, event: m.ClockChanged) -> None:
        self.hud_state.clock = event.minutes
        self.night = step_of(darkness(event.minutes))

    @property
    def night(self) -> int:
        """The darkness step the map and the villagers are drawn at (game.ui.night)."""
        return self.map_layer.night

    @night.setter
    def night(self, step: int) -> None:
        self.map_layer.set_night(step)
        self.actors.night = step
        self.items.night = step

    def _on_pause_changed(self, event: m.PauseChanged) -> None:
        self.hud_state.paused_reasons = event.reasons

    def _on_pace_changed(self, event: m.PaceChanged) -> None:
        self.hud_state.turn_interval = event.turn_interval

    def _on_thinking(self, event: m.Thinking) -> None:
        actor = self.actors.get(event.name)
        if actor is not None:
            actor.thinking = event.on
        if self.dialogue.is_open and self.dialogue.npc_name == event.name:
            self.dialogue.set_thinking(event.on)

    def _on_conversation_started(self, event: m.ConversationStarted) -> None:
        if not event.with_player:
            self.hud_state.talking = event.participants
            self._npc_talk_id = event.conversation_id

    def _on_conversation_ended(self, event: m.ConversationEnded) -> None:
        # The player's own talk may end while the villagers' goes on, and the other way.
        if event.conversation_id == self._npc_talk_id:
            self._npc_talk_id = None
            self.hud_state.talking = None
            if self.follow != PLAYER_NAME:
                self.follow = PLAYER_NAME

    def _on_dialogue_waiting(self, event: m.DialogueWaiting) -> None:
        if not isinstance(self.states[-1], DialogueState):
            self._open_dialogue(event.npc, None)
            self.dialogue.wait_for(event.npc, event.talking_with)
            self.hud_state.dialogue_with = event.npc
            self.hud_state.waiting = True
            self.push(DialogueState(None))

    def _on_dialogue_opened(self, event: m.DialogueOpened) -> None:
        if event.after_wait:
            self._dialogue_after_wait(event)
        elif not isinstance(self.states[-1], DialogueState):
            self._open_dialogue(event.npc, event.conversation_id)
            self.hud_state.dialogue_with = event.npc
            self.push(DialogueState(event.conversation_id))

    def _dialogue_after_wait(self, event: m.DialogueOpened) -> None:
        """The villager the box waits for is free: the box takes its talk."""
        state = self.states[-1]
        waiting = isinstance(state, DialogueState) and state.conversation_id is None
        if isinstance(state, DialogueState) and waiting and self.dialogue.npc_name == event.npc:
            state.conversation_id = event.conversation_id
            self.dialogue.attach(event.conversation_id)
            self.hud_state.waiting = False
        else:  # the player stopped waiting before the villager was free
            self.send(m.CloseDialogue(event.conversation_id))

    def _on_dialogue_message(self, event: m.DialogueMessage) -> None:
        if self.dialogue.is_open and self.dialogue.conversation_id == event.conversation_id:
            self.dialogue.add_message(event.speaker, drawable(event.text), event.from_player)

    def _on_dialogue_ended(self, event: m.DialogueEnded) -> None:
        if self.dialogue.is_open and self.dialogue.conversation_id == event.conversation_id:
            self.dialogue.set_thinking(False)
            self.dialogue.add_message(
                event.npc, f"({event.npc} ends the conversation - Escape to close)", False
            )
            self.dialogue.set_input_enabled(False)

    def _on_usage_updated(self, event: m.UsageUpdated) -> None:
        self.hud_state.tokens = event.prompt_tokens + event.completion_tokens
        self.hud_state.cost_usd = event.cost_usd
        self.hud_state.calls = event.calls
        self.hud_state.failures = event.failures

    def _on_calls_at_once(self, event: m.CallsAtOnce) -> None:
        self.meter.calls_at_once = event.text()

    def _on_game_loaded(self, event: m.GameLoaded) -> None:
        self.hud_state.turn = event.turn
        self.bubbles.clear()  # lines said in the game left behind
        for actor in self.actors.by_name.values():
            actor.thinking = False

    def _on_notice(self, event: m.Notice) -> None:
        self.notices.show(event.text)

    def _on_items_on_ground(self, event: m.ItemsOnGround) -> None:
        self.ground_items = event.items
        self.items.set(event.items)

    def _on_lights_carried(self, event: m.LightsCarried) -> None:
        self.lights = event.names

    def _on_story_shown(self, event: m.StoryShown) -> None:
        self.story = event
        self.tracker.show(event.tracker)

    # ---- update and draw ----------------------------------------------------------

    def update(self, dt: float) -> None:
        if isinstance(self.states[-1], PlayingState):
            self._walk_player()
        self.actors.update(dt)
        self.items.update(dt)
        self.bubbles.update(dt)
        self.notices.update(dt)
        if self.show_meter:  # it renders its text: not worth doing unseen
            self.meter.update(dt)
        self.manager.update(dt)
        self.camera.follow(*self._focus())

    @property
    def talking(self) -> tuple[str, ...] | None:
        """The villagers in the NPC conversation going on, if any (the bar names them)."""
        return self.hud_state.talking

    def push(self, state: State) -> None:
        """Open a card or the dialogue over the game. Direction keys held until now stop
        walking the player: their release goes to the card, not to the walk."""
        self.held.clear()
        self.tap = None
        self.states.append(state)

    def seen_neighbour(self) -> str | None:
        """The villager the screen shows the player facing, else the nearest one shown next
        to the player: whom the player means by Enter. The screen draws a walker gliding a
        step behind the world, so this may not be where the world has it now."""
        player = self.actors.get(PLAYER_NAME)
        if player is None:
            return None
        here = player.tile
        dx, dy = player.facing.delta
        faced = (here[0] + dx, here[1] + dy)
        size = self.tile
        near: list[tuple[int, str]] = []
        for name, actor in self.actors.by_name.items():
            if name == PLAYER_NAME:
                continue
            shown = (round(actor.x / size), round(actor.y / size))
            if shown == faced:
                return name
            if chebyshev(shown, here) <= 1:
                near.append((manhattan(shown, here), name))
        return min(near)[1] if near else None

    def _walk_player(self) -> None:
        want = self.tap or (self.held[-1] if self.held else None)
        if want is None:
            return
        player = self.actors.get(PLAYER_NAME)
        if player is None or player.moving:
            return
        if self._clock_now - self._last_move_sent < PLAYER_STEP_TIME:
            return
        self.tap = None
        self._last_move_sent = self._clock_now
        self.send(m.MovePlayer(want))

    def _focus(self) -> tuple[float, float]:
        return self.actors.centre_of(self.follow) or self.actors.centre_of(PLAYER_NAME) or (0, 0)

    def draw(self) -> None:
        """Draw the frame. Only what differs from the last frame is painted again (see
        :mod:`game.ui.painter`); the GUI is drawn in full over it."""
        screen = self.screen
        view = self.view
        camera = self.camera
        actor_jobs, anchors = self.actors.layout(camera)  # the same list while nothing moves
        if actor_jobs is not self._actor_jobs:
            self._actor_jobs = actor_jobs
            self._actor_rects = [pygame.Rect(pos, s.get_size()) for s, pos in actor_jobs]
        item_jobs, item_rects = self.items.layer(camera)  # under everyone; the same lists too
        # While the dialogue box is open, bubbles keep to the part of the view it leaves free.
        bubble_room = self.dialogue.free_area or view
        # (A new list: the item labels' is the same from frame to frame.)
        others = [
            *self._light_jobs(),
            *self._item_labels(),
            *self.bubbles.jobs(anchors, bubble_room),
        ]
        others += self.feed.jobs(view)
        others += self.notices.jobs(bubble_room)  # clear of the dialogue box too
        others += self._tracker_jobs()
        for state in self.states:
            others += state.jobs(self)
        other_rects = [pygame.Rect(pos, surface.get_size()) for surface, pos in others]
        layers = [(item_jobs, item_rects), (actor_jobs, self._actor_rects), (others, other_rects)]
        jobs = item_jobs + actor_jobs + others
        rects = item_rects + self._actor_rects + other_rects
        top = self.meter.jobs((8, BAR_HEIGHT + 8)) if self.show_meter else []
        for state in self.states:
            top += state.over_gui(self)
        always = [pygame.Rect(pos, surface.get_size()) for surface, pos in top]
        gui = self._gui_rect()
        if gui is not None:
            always.append(gui)
        base = (camera.x, camera.y, tuple(view), screen.get_size(), self.night)
        covered = self._window_interiors()
        regions = self.painter.regions(screen, view, base, layers, always, covered)
        if regions:
            # Each region: the map under it, then every blit over it cut to it; in one call.
            ground = self.map_layer.view_surface(camera)
            vx, vy = view.topleft
            parts: list[tuple[pygame.Surface, tuple[int, int], pygame.Rect]] = []
            for region in regions:
                parts.append((ground, region.topleft, region.move(-vx, -vy)))
                for i in region.collidelistall(rects):
                    rect = rects[i]
                    part = rect.clip(region)
                    parts.append((jobs[i][0], part.topleft, part.move(-rect.x, -rect.y)))
            screen.blits(parts, doreturn=False)
        # The bar is outside the view: only the GUI (or a new screen) can have drawn over it.
        hud_rect = self.hud.rect
        overdrawn = [rect for rect in always if rect.colliderect(hud_rect)]
        again = screen is not self._hud_drawn_on or bool(overdrawn or self._hud_overdrawn)
        self._hud_drawn_on, self._hud_overdrawn = screen, bool(overdrawn)
        self.hud_state.watching = self.follow != PLAYER_NAME
        self.hud.draw(screen, self.hud_state, again=again)
        self.manager.draw_ui(screen)
        if top:
            screen.blits(top, doreturn=False)

    def _light_jobs(self) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """A warm glow round each one who carries a light, at night (over them and the
        map; under names and bubbles)."""
        step = self.night
        if not step or not self.lights:
            return []
        glow = carried_light(self.tile, step)
        jobs = []
        for name in self.lights:
            centre = self.actors.centre_of(name)
            if centre is None:
                continue
            x, y = self.camera.to_screen(int(centre[0]), int(centre[1]))
            jobs.append((glow, (x - glow.get_width() // 2, y - glow.get_height() // 2)))
        return jobs

    def _item_labels(self) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The names of the items beside the player, while it walks about (E picks one up)."""
        player = self.actors.get(PLAYER_NAME)
        if player is None or not self.ground_items or not isinstance(self.states[-1], PlayingState):
            return []
        return self.items.labels(self.camera, player.tile, player.facing)

    def _tracker_jobs(self) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The quest tracker, top right: left of the feed while it shows, and not at all
        where the dialogue box would cover it."""
        view = self.view
        feed_left = view.right - self.feed.width - 8 if self.feed.visible else None
        window = self.dialogue.window
        return self.tracker.jobs(view, feed_left, window.rect if window is not None else None)

    def _open_dialogue(self, npc: str, conversation_id: int | None) -> None:
        """Open the box on the side of the view away from the player and ``npc``, moving the
        map aside (the camera) if no side has room; back on the player first."""
        self.follow = PLAYER_NAME
        self.camera.shift = (0, 0)
        self.camera.follow(*self._focus())
        talk = self._talk_area(npc, PLAYER_NAME)
        placement = self.dialogue.open(npc, conversation_id, talk, self.camera.slack())
        self.camera.shift = placement.shift
        self.camera.follow(*self._focus())

    def _talk_area(self, npc: str, other: str) -> TalkArea | None:
        """Where ``npc`` and ``other`` stand on screen now (on the tiles they are walking
        to, if any), with their names, and where the tallest, widest bubble ``npc`` may say
        would go (the player's lines go to the box, not to bubbles)."""
        t = self.tile
        below = t + 2 * self.small_font.get_linesize()  # the sprite, its name (a line lower)
        people, anchors = [], []
        for name in (npc, other):
            actor = self.actors.get(name)
            if actor is None:
                continue
            x, y = self.camera.to_screen(actor.tile[0] * t, actor.tile[1] * t)
            wide = max(t, actor.label.get_width())  # a long name is wider than its sprite
            people.append(pygame.Rect(x + (t - wide) // 2, y, wide, below))
            anchors.append((x + t // 2, y + 2))  # as Actors.layout puts a bubble's anchor
        if len(people) < 2:
            return None
        around = people[0].union(people[1])
        return TalkArea(around, around.union(self._bubble_spot(anchors[0], anchors[1])))

    def _bubble_spot(self, anchor: tuple[int, int], other: tuple[int, int]) -> pygame.Rect:
        """Where a bubble of the largest size goes over a speaker at ``anchor``, as
        :class:`SpeechBubbles` places it with one other person (at ``other``) near: above
        the speaker, else beside the other's head, else under the speaker (then the other
        stands right above). Above, a smaller bubble may still go in the middle: that too."""
        w = self.bubbles.max_text_width + 2 * (PAD + BORDER)
        h = MAX_LINES * self.font.get_linesize() + 2 * (PAD + BORDER)
        ax, ay = anchor
        aside = RADIUS + TAIL_HALF + BORDER + 1  # from a box's edge to a tail at its side
        top = ay - TAIL_H - h + 1
        centre = pygame.Rect(ax - w // 2, top, w, h)
        head = pygame.Rect(other[0] - 10, other[1], 20, 40)  # as SpeechBubbles reckons it
        if not centre.colliderect(head):
            return centre
        for spot in (pygame.Rect(ax + aside - w, top, w, h), pygame.Rect(ax - aside, top, w, h)):
            if not spot.colliderect(head):
                return spot.union(centre)
        return pygame.Rect(ax - w // 2, ay + self.bubbles.below + TAIL_H, w, h)

    def invalidate(self) -> None:
        """Paint the whole screen next frame (for when something else has drawn on it)."""
        self.painter.invalidate()
        self._hud_drawn_on = None

    def _gui_rect(self) -> pygame.Rect | None:
        """Where pygame-gui draws this frame (all of it, every frame)."""
        rects = [
            rect
            for image, rect, *_ in self.manager.get_sprite_group().visible
            if image.get_width()  # the root container's image is 0 x 0
        ]
        return rects[0].unionall(rects[1:]) if rects else None

    def _window_interiors(self) -> list[pygame.Rect]:
        """The parts of the view that pygame-gui's windows will cover opaquely this frame."""
        covered = []
        for window in self.manager.get_window_stack().get_full_stack():
            if not isinstance(window, UIWindow):
                continue
            image = window.image
            # Drawn over what is there (alpha or premultiplied blend), an opaque pixel
            # replaces it.
            plain = window.blendmode in (0, pygame.BLEND_PREMULTIPLIED)
            if window.visible and image is not None and window.alive() and plain:
                inner = self.painter.window_interior(image, window.rect)
                if inner is not None:
                    covered.append(inner)
        return covered


def start_pygame() -> None:
    """Start the parts of pygame the game uses: the window and the fonts (both kinds, as
    pygame-gui may use either).

    Not ``pygame.init()``: the game makes no sound, and starting the mixer on a machine
    with no sound card fills stderr with ALSA's complaints before the first frame.
    """
    pygame.display.init()
    pygame.font.init()
    pygame.freetype.init()


def run_game(
    content: Content, brain: Brain, args: argparse.Namespace, log_dir: Path, model: str | None
) -> int:
    """Open the window and play until it is closed."""
    from game.sim.saves import save_folder
    from game.sim.simulation import SimConfig, Simulation
    from game.sim.worker import SimWorker, WorkerDied, stopped_line

    interval = args.turn_interval if args.turn_interval is not None else 1.5
    config = SimConfig(
        log_dir=log_dir,
        seed=args.seed,
        concurrency=max(1, args.concurrency),
        adapt_concurrency=args.adapt_concurrency,
        max_concurrency=args.max_concurrency,
        turn_interval=interval,
        linger=args.linger,
        max_exchanges=max(1, args.max_exchanges),
        save_dir=save_folder(args),
        save_on_close=True,
        minutes_per_turn=getattr(args, "minutes_per_turn", 10),
        start_minutes=getattr(args, "start_time", None),  # None: the map's start_time
    )
    loaded = getattr(args, "loaded", None)  # (state, file name), from --load
    first = 0 if loaded is None else loaded[0].turn

    def make_sim(emit: Callable[[m.Event], None]) -> Simulation:
        sim = Simulation(content, brain, config, emit, model=model)
        if loaded is not None:  # the turns count on from the save's
            sim.restore(*loaded)
        return sim

    worker = SimWorker(make_sim, None if args.turns is None else first + args.turns)
    # Ctrl+C, kill (SIGTERM) and a closed terminal (SIGHUP) end the game as Escape does:
    # the loop stops between frames, the worker writes the talk under way and flushes the
    # logs. Not a KeyboardInterrupt from wherever the main thread was (clock.tick).
    with as_flag() as stops:
        start_pygame()
        pygame.display.set_caption(f"Hamlet - {content.map.name}")
        pygame.display.set_mode(args.window)
        try:
            try:
                worker.start()
            except WorkerDied:  # the window says so, as it would of a later failure
                pass
            game = Game(content, worker, brain.label, args.window, log_dir)
            game.save_dir = config.save_dir
            settle_after_startup()
            clock = pygame.time.Clock()
            dt = 0.0
            once = os.environ.get(EXIT_AFTER_FIRST_FRAME) == "1"
            while stops.signum is None:
                started = time.perf_counter()
                if not game.frame(dt):
                    break
                work = time.perf_counter() - started
                pygame.display.flip()
                if once:  # the startup benchmark: when did the first frame show?
                    print(f"first frame at {time.time():.6f}", flush=True)
                    break
                dt = min(clock.tick(60) / 1000.0, 0.1)
                game.meter.record(dt, work)
        finally:
            worker.stop(timeout=1.5)
            pygame.quit()
            unsettle()
    failure = worker.failure
    try:
        if stops.signum is not None:
            print(f"Interrupted ({stops.name}).")
        if failure is not None:
            print(f"hamlet: {stopped_line(failure, log_dir)}", file=sys.stderr)
        print(f"Logs: {log_dir}", flush=True)
    except OSError:  # stdout went with its terminal (SIGHUP): the logs are written anyway
        pass
    if stops.signum is not None:
        return stops.exit_code
    return 0 if failure is None else EXIT_STOPPED
