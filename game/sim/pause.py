"""The pause gate: turns run only while no reason to pause is held."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

CONVERSATION = "conversation"
DIALOGUE = "talking with the player"
PLAYER = "paused by the player"
QUIT = "asking whether to quit"


class PauseGate:
    """Checked before every NPC action and every step of a walk.

    Each reason is held at most once; the gate opens when the last one is released.
    """

    def __init__(self, on_change: Callable[[tuple[str, ...]], None] | None = None) -> None:
        self._reasons: list[str] = []
        self._open = asyncio.Event()
        self._open.set()
        self._on_change = on_change

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(self._reasons)

    @property
    def paused(self) -> bool:
        return bool(self._reasons)

    def hold(self, reason: str) -> None:
        if reason in self._reasons:
            return
        self._reasons.append(reason)
        self._open.clear()
        self._changed()

    def release(self, reason: str) -> None:
        if reason not in self._reasons:
            return
        self._reasons.remove(reason)
        if not self._reasons:
            self._open.set()
        self._changed()

    def toggle(self, reason: str) -> None:
        (self.release if reason in self._reasons else self.hold)(reason)

    async def wait(self) -> None:
        """Return at once if open, else when the last reason is released."""
        while self._reasons:
            await self._open.wait()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.reasons)
