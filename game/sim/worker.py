"""The worker thread: an asyncio loop that owns the simulation.

The render thread sends commands with :meth:`SimWorker.send` (which uses
``loop.call_soon_threadsafe``) and drains events with :meth:`SimWorker.drain`.
Nothing else crosses between the threads, but for :attr:`SimWorker.failure`: why the
simulation stopped, should it die, for the window to say so rather than freeze.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from game.text import as_sentence, brief, one_line

if TYPE_CHECKING:
    from pathlib import Path

    from game.sim import messages as m
    from game.sim.simulation import Simulation

log = logging.getLogger("hamlet.worker")

#: ``extra`` for a log record whose gist the person running the game has been told in a
#: line of its own (the window's card, headless stderr): hamlet.log keeps its traceback,
#: the terminal is spared it (see :func:`untold`).
TOLD = {"told": True}
ERROR_LINE_CHARS = 200


def untold(record: logging.LogRecord) -> bool:
    """A filter for the terminal's log handler: every record but the :data:`TOLD` ones."""
    return not getattr(record, "told", False)


def error_line(exc: BaseException) -> str:
    """What went wrong, in one line a person can read: ``OSError: [Errno 28] No space
    left on device``. The traceback is for hamlet.log."""
    said = one_line(str(exc))
    return brief(f"{type(exc).__name__}: {said}" if said else type(exc).__name__, ERROR_LINE_CHARS)


def stopped_parts(exc: BaseException, log_dir: Path | None) -> tuple[str, str]:
    """What to say when the simulation dies: the error, and where its traceback is."""
    where = log_dir / "hamlet.log" if log_dir is not None else "hamlet.log"
    return as_sentence(error_line(exc)), f"Details in {where}."


def stopped_line(exc: BaseException, log_dir: Path | None) -> str:
    """:func:`stopped_parts` in the one line the terminal gets."""
    what, where = stopped_parts(exc, log_dir)
    return f"The village stopped: {what} {where}"


class WorkerDied(RuntimeError):
    """The simulation failed before it began (see :attr:`SimWorker.failure`)."""


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
        # Written by the worker thread before it ends, read by the render thread after:
        # the end of a thread orders the two, so no lock is needed.
        self.error: BaseException | None = None
        self._stopping = False  # stop() was asked: the end that follows is no failure

    def start(self, timeout: float = 10.0) -> None:
        """Start the thread; return once the simulation runs. Raises :class:`WorkerDied`
        if it failed first (a window shows that as it shows a later failure)."""
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the simulation thread did not start")
        if self.error is not None:
            raise WorkerDied(error_line(self.error)) from self.error

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
            if not self._stopping:  # cancelled from within, say: the village stands still
                raise RuntimeError("the simulation ended of itself")
        except BaseException as exc:  # noqa: BLE001 - reported to the render thread
            self.error = exc
            log.error("the village stopped: %s", error_line(exc), exc_info=exc, extra=TOLD)
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

    @property
    def failure(self) -> BaseException | None:
        """Why the simulation stopped, once its thread has ended of a failure; else None.
        Cheap enough to ask every frame, from any thread."""
        return None if self._thread.is_alive() else self.error

    def stop(self, timeout: float = 2.0) -> bool:
        """Cancel everything in flight, flush the logs, join the thread. True if it ended."""
        self._stopping = True
        loop, main = self._loop, self._main
        if loop is not None and main is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass
        self._thread.join(timeout)
        return not self._thread.is_alive()
