"""The worker thread: an asyncio loop that owns the simulation.

The render thread sends commands with :meth:`SimWorker.send` (which uses
``loop.call_soon_threadsafe``) and drains events with :meth:`SimWorker.drain`.
Nothing else crosses between the threads.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from game.sim import messages as m
    from game.sim.simulation import Simulation

log = logging.getLogger("hamlet.worker")


class SimWorker:
    """Runs ``make_sim(emit)`` on a thread of its own and turns until stopped."""

    def __init__(
        self, make_sim: Callable[[Callable[[m.Event], None]], Simulation], turns: int | None = None
    ) -> None:
        self.events: queue.SimpleQueue[m.Event] = queue.SimpleQueue()
        self._make_sim = make_sim
        self._turns = turns
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._sim: Simulation | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hamlet-sim", daemon=True)
        self.error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the simulation thread did not start")
        if self.error is not None:
            raise RuntimeError("the simulation failed to start") from self.error

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the render thread
            self.error = exc
            log.exception("simulation thread failed")
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        sim = self._make_sim(self.events.put)
        self._sim = sim
        sim.start()
        self._ready.set()
        try:
            await sim.run(self._turns)
            await asyncio.Event().wait()  # after the last turn, keep serving the player
        except asyncio.CancelledError:
            pass
        finally:
            await sim.aclose()

    def send(self, command: m.Command) -> None:
        """Hand a command to the simulation; returns at once."""
        loop, sim = self._loop, self._sim
        if loop is None or sim is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(sim.handle, command)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    def drain(self, limit: int = 500) -> list[m.Event]:
        """Every event waiting (up to ``limit``), oldest first. Never blocks."""
        out: list[m.Event] = []
        while len(out) < limit:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                break
        return out

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 2.0) -> bool:
        """Cancel everything in flight, flush the logs, join the thread. True if it ended."""
        loop, main = self._loop, self._main
        if loop is not None and main is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass
        self._thread.join(timeout)
        return not self._thread.is_alive()
