"""The slim status bar, the F3 frame-time readout and short notices."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import pygame

from game.sim.pause import CONVERSATION, DIALOGUE, PLAYER
from game.story.clock import day_number, hhmm
from game.text import cut_to_width
from game.ui.bubbles import wrap_text
from game.words import names

BAR_HEIGHT = 26
MARGIN = 10  # at each end of the bar, and at least this between its two texts
COMPACT_RIGHT = "F1 help"  # the bar's right end when the window is too narrow for all
BAR_BG = (46, 38, 44)
BAR_FG = (246, 236, 214)
PAUSED_FG = (255, 196, 120)


@dataclass
class HudState:
    map_name: str
    brain: str
    turn: int = 0
    clock: int | None = None  # the village clock, minutes since day 1 began (None: not told yet)
    paused_reasons: tuple[str, ...] = ()
    turn_interval: float = 1.5
    tokens: int = 0
    cost_usd: float | None = None
    calls: int = 0
    failures: int = 0
    talking: tuple[str, ...] | None = None  # the villagers in the conversation going on
    watching: bool = False  # the camera follows them, not the player
    dialogue_with: str | None = None  # the villager in the player's dialogue box
    waiting: bool = False  # ...who is still talking with someone else
    stopped: bool = False  # the simulation died: nothing will move again

    def _reason(self, reason: str) -> str:
        """A pause reason as the bar says it, to the player: who is talking, and how to go
        and watch; who paused it and how to go on."""
        if reason == CONVERSATION and self.talking is not None:
            tab = "back to you" if self.watching else "watch"
            return f"{names(self.talking)} are talking (Tab: {tab})"
        if reason == DIALOGUE and self.dialogue_with is not None:
            doing = "waiting for" if self.waiting else "talking with"
            return f"you are {doing} {self.dialogue_with}"
        if reason == PLAYER:
            return "by you (Space resumes)"
        return reason

    def text(self) -> tuple[str, str]:
        status = "Turns running"
        if self.stopped:
            status = "Stopped: the simulation failed"
        elif self.paused_reasons:
            why = "; ".join(map(self._reason, self.paused_reasons))
            status = f"Paused {why}" if why.startswith("by ") else f"Paused: {why}"
        tokens = f"{self.tokens:,} tokens"
        if self.cost_usd is not None:
            tokens += f" (~${self.cost_usd:.4f} est.)"
        if self.failures:
            tokens += f"   {self.failures} failed call{'s' if self.failures != 1 else ''}"
        left = f"{self.map_name}   Turn {self.turn}   "
        if self.clock is not None:
            left += f"Day {day_number(self.clock)} \u00b7 {hhmm(self.clock)}   "
        left += status
        if not self.stopped:  # no turn comes any more: the pace means nothing
            left += f"   {self.turn_interval:g}s between turns"
        right = f"Brain: {self.brain}   {tokens}   F1 help"
        return left, right


class Hud:
    """Re-renders its text only when what it says changes."""

    def __init__(self, font: pygame.font.Font, width: int) -> None:
        self.font = font
        self.width = width
        self._key: tuple[str, str, bool] | None = None
        self._surface = pygame.Surface((width, BAR_HEIGHT))

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(0, 0, self.width, BAR_HEIGHT)

    def fitted(self, state: HudState) -> tuple[str, str]:
        """What the bar says where the window is too narrow for all of it: the right text
        down to "F1 help" (the turn and why it is paused matter more than the brain and
        the tokens), then the left cut short with an ellipsis (its end, the pace, matters
        least)."""
        left, right = state.text()
        for shown in (right, COMPACT_RIGHT):
            room = self.width - self.font.size(shown)[0] - 3 * MARGIN
            if self.font.size(left)[0] <= room:
                return left, shown
        return cut_to_width(left, max(room, 0), self.font), COMPACT_RIGHT

    def draw(self, target: pygame.Surface, state: HudState, *, again: bool = True) -> None:
        """Blit the bar; with ``again`` False, only if what it says has changed (the target
        still shows it from last time)."""
        left, right = state.text()
        warn = bool(state.paused_reasons) or state.stopped
        key = (left, right, warn)
        if key != self._key:
            again = True
            self._key = key
            left, right = self.fitted(state)
            self._surface.fill(BAR_BG)
            fg = PAUSED_FG if warn else BAR_FG
            text = self.font.render(left, True, fg)
            self._surface.blit(text, (MARGIN, (BAR_HEIGHT - text.get_height()) // 2))
            text = self.font.render(right, True, BAR_FG)
            self._surface.blit(
                text,
                (self.width - text.get_width() - MARGIN, (BAR_HEIGHT - text.get_height()) // 2),
            )
            edge = BAR_HEIGHT - 1
            pygame.draw.line(self._surface, (90, 74, 70), (0, edge), (self.width, edge))
        if again:
            target.blit(self._surface, (0, 0))


class FrameMeter:
    """F3: frames per second and frame time, averaged over the last second or so, and how
    many decisions the model is asked for at once ("calls at once: 2 (adapting)")."""

    def __init__(self, font: pygame.font.Font) -> None:
        self.font = font
        self.samples: deque[float] = deque(maxlen=60)
        self.work: deque[float] = deque(maxlen=60)
        self.calls_at_once = ""  # as the simulation last said it
        self.text = ""  # what it shows
        self._surface: pygame.Surface | None = None
        self._age = 1.0

    def record(self, frame_seconds: float, work_seconds: float) -> None:
        self.samples.append(frame_seconds)
        self.work.append(work_seconds)

    def update(self, dt: float) -> None:
        self._age += dt
        if self._age >= 0.25 and self.samples:
            self._age = 0.0
            frame = sum(self.samples) / len(self.samples)
            work = sum(self.work) / len(self.work)
            fps = 1.0 / frame if frame > 0 else 0.0
            text = f"{fps:5.1f} FPS  frame {frame * 1000:5.1f} ms  work {work * 1000:4.1f} ms"
            if self.calls_at_once:
                text += f"  {self.calls_at_once}"
            self.text = text
            self._surface = self.font.render(text, True, (255, 255, 255), (0, 0, 0))
            self._surface.set_alpha(200)

    def jobs(self, pos: tuple[int, int]) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        return [(self._surface, pos)] if self._surface is not None else []


@dataclass
class _Notice:
    text: str
    shown_for: float
    age: float = 0.0
    surface: pygame.Surface | None = None
    width: int = 0  # the width the surface was made for


class Notices:
    """Short hints at the bottom of the view, for a couple of seconds each (longer for a
    longer text), wrapped to its width. Several that come together (a quest's step and
    the quest's end) are shown together, newest at the bottom, up to :data:`MOST` at once;
    while the dialogue box is open they keep to the part of the view it leaves free."""

    READ_RATE = 18.0  # characters a second: a long notice stays up long enough to read
    MOST = 3  # shown at once; an older one goes to make room
    GAP = 6

    def __init__(self, font: pygame.font.Font, duration: float = 2.5) -> None:
        self.font = font
        self.duration = duration
        self.shown: list[_Notice] = []

    @property
    def text(self) -> str | None:
        """The newest notice up, if any."""
        return self.shown[-1].text if self.shown else None

    def show(self, text: str) -> None:
        self.shown = [n for n in self.shown if n.text != text]  # the same again: once, anew
        self.shown.append(_Notice(text, max(self.duration, len(text) / self.READ_RATE)))
        del self.shown[: -self.MOST]

    def _render(self, text: str, width: int) -> pygame.Surface:
        lines = wrap_text(self.font, text, max(width - 24, 40))
        rendered = [self.font.render(line, True, BAR_FG) for line in lines]
        line_h = self.font.get_linesize()
        inner = max(label.get_width() for label in rendered)
        box = pygame.Surface((inner + 24, line_h * len(rendered) + 12), pygame.SRCALPHA)
        pygame.draw.rect(box, (*BAR_BG, 225), box.get_rect(), border_radius=8)
        for i, label in enumerate(rendered):
            box.blit(label, ((box.get_width() - label.get_width()) // 2, 6 + i * line_h))
        return box

    def update(self, dt: float) -> None:
        if self.shown:
            for notice in self.shown:
                notice.age += dt
            self.shown = [n for n in self.shown if n.age <= n.shown_for]

    def jobs(self, view: pygame.Rect) -> list[tuple[pygame.Surface, tuple[int, int]]]:
        """The notices in ``view`` (the dialogue box's free area while it is open)."""
        jobs: list[tuple[pygame.Surface, tuple[int, int]]] = []
        width = min(view.width - 32, 720)
        bottom = view.bottom - 24
        for notice in reversed(self.shown):
            if notice.surface is None or notice.width != width:
                notice.surface, notice.width = self._render(notice.text, width), width
            r = notice.surface.get_rect(midbottom=(view.centerx, bottom))
            if r.top < view.top:
                break  # no room for older ones
            jobs.append((notice.surface, r.topleft))
            bottom = r.top - self.GAP
        return jobs
