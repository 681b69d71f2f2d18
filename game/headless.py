"""Headless mode: the same simulation without a window, printing what happens."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING, TextIO

from game.heap import settle_after_startup, unsettle
from game.sim import messages as m
from game.sim.saves import save_folder
from game.sim.simulation import SimConfig, Simulation
from game.sim.worker import TOLD, error_line, stopped_line
from game.stopping import as_interrupt
from game.words import counted

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from game.brains.base import Brain
    from game.content.loader import Content


EXIT_STOPPED = 1  # the simulation died: one line on stderr, the traceback in hamlet.log
EXIT_MODEL_FAILED = 3  # headless: not one model call of the run worked

log = logging.getLogger("hamlet.headless")


class Printer:
    """Turns events into transcript lines: ``[T3] Ada moves to the well``.

    When the reader goes away (``| head``, or a closed terminal), printing stops quietly
    and ``closed`` is set: the run then ends after the turn under way, whose memory
    entries are written whole.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.closed = False

    def __call__(self, event: m.Event) -> None:
        if isinstance(event, m.Acted):
            self.say(f"[T{event.turn}] {event.name} {event.text}")
        elif isinstance(event, m.ConversationEnded):
            self.say(f"      (conversation ended by {event.ended_by})")
        elif isinstance(event, m.Notice):  # for the person running it, not the transcript
            try:
                print(f"note: {event.text}", file=sys.stderr, flush=True)
            except OSError:  # stderr gone with its terminal (SIGHUP): the run goes on
                pass

    def say(self, line: str) -> None:
        if self.closed:
            return
        try:
            print(line, file=self.out, flush=True)
        except OSError:  # a reader gone (BrokenPipeError), or its terminal closed (EIO)
            self.closed = True
            try:  # else Python reports the pipe again when it flushes at exit
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.out.fileno())
            except (OSError, ValueError):
                pass


def headless_config(args: argparse.Namespace, log_dir: Path) -> SimConfig:
    interval = args.turn_interval if args.turn_interval is not None else 0.0
    return SimConfig(
        log_dir=log_dir,
        seed=args.seed,
        concurrency=max(1, args.concurrency),
        adapt_concurrency=args.adapt_concurrency,
        max_concurrency=args.max_concurrency,
        turn_interval=interval,
        step_time=0.0,
        line_gap=0.0,
        line_gap_per_char=0.0,
        linger=0.0,
        max_exchanges=max(1, args.max_exchanges),
        with_player=False,
        save_dir=save_folder(args),
        save_at=getattr(args, "save_at", None),
        minutes_per_turn=getattr(args, "minutes_per_turn", 10),
        start_minutes=getattr(args, "start_time", None),  # None: the map's start_time
    )


def run_headless(
    content: Content,
    brain: Brain,
    args: argparse.Namespace,
    log_dir: Path,
    model: str | None,
    out: TextIO = sys.stdout,
    *,
    simulation: type[Simulation] = Simulation,
) -> int:
    """Play ``args.turns`` turns (10 by default, on from a loaded save's) of ``simulation``
    (a subclass, in a test of one that dies) and print what happens. Returns the exit
    status."""
    printer = Printer(out)
    try:
        sim = simulation(content, brain, headless_config(args, log_dir), printer, model=model)
    except Exception as exc:  # noqa: BLE001 - said in a line, the traceback to hamlet.log
        return _stopped(exc, log_dir, printer, "before the first turn")
    loaded = getattr(args, "loaded", None)
    if loaded is not None:  # the turns count on from the save's
        sim.restore(*loaded)
        printer.say(f"Loaded {loaded[1]}: turn {sim.turn}.")
    first = sim.turn
    turns = first + (args.turns if args.turns is not None else 10)

    async def main() -> None:
        sim.start()
        try:
            await sim.run(turns, until=lambda: printer.closed)
        finally:
            await sim.aclose()

    settle_after_startup()  # as the windowed game does once the village is built
    # SIGTERM (kill) and SIGHUP (the terminal closed) end the run as Ctrl+C does: the
    # main task is cancelled, so the talk under way and the turn's notes are written.
    with as_interrupt() as stops:
        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            how = "Interrupted" if stops.signum is None else f"Interrupted ({stops.name})"
            if sim.turns_played < sim.turn:
                played = f"{sim.turns_played} whole turn{'s' if sim.turns_played != 1 else ''}"
                printer.say(f"{how} during turn {sim.turn}; {played} played.")
            else:
                printer.say(f"{how} after turn {sim.turn}.")
            printer.say(f"Logs: {log_dir}")
            return stops.exit_code
        except Exception as exc:  # noqa: BLE001 - said in a line, the traceback to hamlet.log
            return _stopped(exc, log_dir, printer, f"in turn {sim.turn}")
        finally:
            unsettle()
    if printer.closed:
        print(f"Output closed: stopped after turn {sim.turn}. Logs: {log_dir}", file=sys.stderr)
        return 0
    totals = sim.usage.totals()
    # Through the printer: a reader gone after the last turn's lines (| head) is not an error.
    printer.say(
        f"Ran {counted(sim.turn - first, 'turn')}: {counted(totals.calls, 'brain call')}, "
        f"{totals.failures} failed, {counted(totals.total_tokens, 'token')}, "
        f"{counted(sim.conversations.finished_count, 'conversation')}."
    )
    printer.say(f"Logs: {log_dir}")
    if totals.calls and totals.failures == totals.calls:
        print(f"Every model call failed: see {log_dir / 'hamlet.log'}.", file=sys.stderr)
        return EXIT_MODEL_FAILED
    return 0


def _stopped(exc: Exception, log_dir: Path, printer: Printer, when: str) -> int:
    """The simulation died: one line on stderr saying why and where the traceback is (it
    goes to hamlet.log, not the terminal), "Logs:" as every run ends, a failing status."""
    log.error("the village stopped %s: %s", when, error_line(exc), exc_info=exc, extra=TOLD)
    try:
        print(f"hamlet: {stopped_line(exc, log_dir)}", file=sys.stderr, flush=True)
    except OSError:  # stderr gone with its terminal: hamlet.log has it
        pass
    printer.say(f"Logs: {log_dir}")
    return EXIT_STOPPED
