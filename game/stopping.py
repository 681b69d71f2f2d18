"""Stop signals: ``kill`` (SIGTERM), a closed terminal (SIGHUP) and Ctrl+C (SIGINT) all end
a run the same clean way: the conversation under way written as ended by the game closing,
the logs flushed, "Logs:" printed, and the exit status 128 + the signal (130, 143, 129).

Two ways, for the two kinds of main loop:

- :func:`as_interrupt` (headless, and the command line before a game starts): SIGTERM and
  SIGHUP do whatever Ctrl+C does at that moment - raise ``KeyboardInterrupt``, or, under
  ``asyncio.run``, cancel the main task so its ``finally`` blocks run;
- :func:`as_flag` (the window): every stop signal only notes which came; the render loop
  looks once a frame and ends as Escape would, never in the middle of a frame.

Handlers can only be set on the main thread; elsewhere (a test calling in from a thread)
nothing is changed.
"""

from __future__ import annotations

import contextlib
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType

SIGHUP: int | None = getattr(signal, "SIGHUP", None)  # not on Windows
# The ones a person or a system sends to end a program; SIGINT first.
STOP_SIGNALS: tuple[int, ...] = tuple(
    int(s) for s in (signal.SIGINT, signal.SIGTERM, SIGHUP) if s is not None
)


class Stops:
    """Which stop signal came first, if any."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def note(self, signum: int) -> None:
        if self.signum is None:
            self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports a program it stopped (130 for Ctrl+C)."""
        return 128 + (self.signum or signal.SIGINT)

    @property
    def name(self) -> str:
        """"SIGTERM", or "SIGINT" when none came (a ``KeyboardInterrupt`` is Ctrl+C)."""
        return signal.Signals(self.signum or signal.SIGINT).name


@contextlib.contextmanager
def _handling(
    signums: tuple[int, ...], handler: Callable[[int, FrameType | None], None]
) -> Iterator[None]:
    saved: dict[int, object] = {}
    try:
        for signum in signums:
            try:
                saved[signum] = signal.signal(signum, handler)
            except ValueError:  # not the main thread: leave the handlers as they are
                break
        yield
    finally:
        for signum, old in saved.items():
            # None: set outside Python (SDL's own); the default is the nearest we can give.
            signal.signal(signum, old if old is not None else signal.SIG_DFL)  # type: ignore[arg-type]


@contextlib.contextmanager
def as_interrupt() -> Iterator[Stops]:
    """Meanwhile SIGTERM and SIGHUP act as Ctrl+C does; ``stops`` says which came."""
    stops = Stops()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        stops.note(signum)
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):  # Python's own (KeyboardInterrupt), or asyncio.run's
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    with _handling(tuple(s for s in STOP_SIGNALS if s != signal.SIGINT), interrupt):
        yield stops


@contextlib.contextmanager
def as_flag() -> Iterator[Stops]:
    """Meanwhile every stop signal (Ctrl+C too) only sets ``stops.signum``."""
    stops = Stops()

    def flag(signum: int, frame: FrameType | None) -> None:
        stops.note(signum)

    with _handling(STOP_SIGNALS, flag):
        yield stops
