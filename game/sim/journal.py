"""The journal: what the simulation and its conversations tell the outside.

Events for the window, lines for a villager's turn entry, warnings for hamlet.log (and
tests), notices told once a run, and the usage of model calls. One small object that the
simulation, its walker and its conversations all take, so none of them needs the others
to be heard.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from game.brains.base import SERVER_DOWN
from game.sim import messages as m
from game.words import counted

if TYPE_CHECKING:
    from collections.abc import Callable

    from game.brains.base import BrainError, BrainReply, Usage
    from game.sim.state import VillageState

log = logging.getLogger("hamlet.sim")

KEEP_WARNINGS = 1000
#: Failed calls in a row (of a server away: refused, timed out, 5xx, 429) after which a
#: call that works is told as the server coming back; one found down is always told.
OUTAGE_TOLD_AFTER = 3
_DOWN_KINDS = frozenset({"connection", SERVER_DOWN})


def _outage_kind(kind: str) -> bool:
    """Whether a failure of ``kind`` is the server being away, not a bad answer."""
    return kind in _DOWN_KINDS or kind in ("timeout", "http 429") or kind.startswith("http 5")


class Journal:
    """Emits events, keeps notes and warnings, tells notices once, records usage."""

    def __init__(
        self,
        emit: Callable[[m.Event], None],
        state: VillageState,
        *,
        brain_label: str,
    ) -> None:
        self.emit = emit
        # The turn, the villagers' notes, the usage meter and what was told are the
        # village state's: a save keeps them.
        self.state = state
        self.usage = state.usage
        self.told = state.told  # kinds of trouble told the player (notice_once)
        self.brain_label = brain_label
        self.warnings: deque[str] = deque(maxlen=KEEP_WARNINGS)  # the latest, for tests
        self.warning_count = 0
        self._outage: list[str] = []  # kinds of the failed calls since the last that worked

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self.warning_count += 1
        log.warning("turn %d: %s", self.state.turn, text)

    def note(self, name: str, text: str) -> None:
        """A line for ``name``'s current turn entry in its memory log."""
        self.state.villagers[name].notes.append(text)

    def act_line(self, name: str, text: str) -> None:
        """A line of the activity feed: what ``name`` does this turn."""
        self.emit(m.Acted(self.state.turn, name, text))

    def notice_once(self, kind: str, text: str) -> None:
        """Tell the player ``text`` (a notice; a ``note:`` line headless), the first time
        something of this ``kind`` happens in the run."""
        if kind not in self.told:
            self.told.add(kind)
            self.emit(m.Notice(text))

    def record_usage(self, name: str, usage: Usage, *, failed: bool = False) -> None:
        self.usage.record(name, usage, failed=failed)
        if not (failed or usage.prompt_tokens or usage.completion_tokens):
            return  # nothing the HUD shows has changed (the offline brain's answers)
        self.usage_changed()

    def usage_changed(self) -> None:
        """Show the usage totals as they are now."""
        t = self.usage.totals()
        self.emit(
            m.UsageUpdated(t.prompt_tokens, t.completion_tokens, t.calls, t.failures, t.cost_usd)
        )

    def brain_failed(self, name: str, exc: BrainError, outcome: str) -> None:
        """Count and log a failed model call. The first failure of each kind is also told
        to the player (a notice, or a line on stderr headless): why the villagers stand
        about is not to be found only in hamlet.log."""
        for notice in exc.notices:
            self.notice_once(notice.kind, notice.text)
        if _outage_kind(exc.kind):
            self._outage.append(exc.kind)
        why = f"{exc.kind}: {exc.detail}" if exc.detail else exc.kind
        if exc.kind == SERVER_DOWN:  # not a call: one earlier found the server down
            self.warn(f"{name}: not asked, the model server is down ({exc.detail}); {outcome}")
            return
        self.record_usage(name, exc.usage, failed=True)
        self.warn(f"{name}: brain failed ({why}); {outcome}")
        hint = ""
        if exc.kind == "connection":
            hint = f" Is the model server for {self.brain_label} running?"
        elif exc.kind == "http 404":
            hint = " Check the model name, and that the base URL ends in /v1."
        elif exc.kind in ("http 401", "http 403"):
            hint = " Check the API key."
        self.notice_once(exc.kind, f"Model call failed ({why}).{hint}")

    def brain_answered(self, name: str, reply: BrainReply) -> None:
        """Count a model call that worked, and tell what its brain had to tell; after a run
        of failures, that the server is back."""
        self.record_usage(name, reply.usage)
        for notice in reply.notices:
            self.notice_once(notice.kind, notice.text)
        outage, self._outage = self._outage, []
        if len(outage) >= OUTAGE_TOLD_AFTER or _DOWN_KINDS & set(outage):
            self.told -= set(outage)  # the next time it goes away is told again
            self.emit(m.Notice(
                f"The model server is back: calls work again, after "
                f"{counted(len(outage), 'failed call')} (calls not made included)."
            ))
