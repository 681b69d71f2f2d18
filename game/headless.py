"""Headless mode: the same simulation without a window, printing what happens."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, TextIO

from game.heap import settle_after_startup, unsettle
from game.sim import messages as m
from game.sim.simulation import SimConfig, Simulation

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from game.brains.base import Brain
    from game.content.loader import Content


class Printer:
    """Turns events into transcript lines: ``[T3] Ada moves to the well``."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, event: m.Event) -> None:
        if isinstance(event, m.Acted):
            print(f"[T{event.turn}] {event.name} {event.text}", file=self.out, flush=True)
        elif isinstance(event, m.ConversationEnded):
            print(f"      (conversation ended by {event.ended_by})", file=self.out, flush=True)


def headless_config(args: argparse.Namespace, log_dir: Path) -> SimConfig:
    interval = args.turn_interval if args.turn_interval is not None else 0.0
    return SimConfig(
        log_dir=log_dir,
        seed=args.seed,
        concurrency=max(1, args.concurrency),
        turn_interval=interval,
        step_time=0.0,
        line_gap=0.0,
        line_gap_per_char=0.0,
        max_exchanges=max(1, args.max_exchanges),
        with_player=False,
    )


def run_headless(
    content: Content,
    brain: Brain,
    args: argparse.Namespace,
    log_dir: Path,
    model: str | None,
    out: TextIO = sys.stdout,
) -> int:
    turns = args.turns if args.turns is not None else 10
    sim = Simulation(content, brain, headless_config(args, log_dir), Printer(out), model=model)

    async def main() -> None:
        sim.start()
        try:
            await sim.run(turns)
        finally:
            await sim.aclose()

    settle_after_startup()  # as the windowed game does once the village is built
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print(f"Interrupted after turn {sim.turn}.", file=out)
        print(f"Logs: {log_dir}", file=out)
        return 130
    finally:
        unsettle()
    totals = sim.usage.totals()
    print(
        f"Ran {sim.turn} turns: {totals.calls} brain calls, {totals.failures} failed, "
        f"{totals.total_tokens} tokens, {sim.conversations.finished_count} conversations.",
        file=out,
    )
    print(f"Logs: {log_dir}", file=out)
    return 0
