"""``python -m game.bench``: run every benchmark, print each figure beside its target.

    python -m game.bench                 # the full suite (a few minutes)
    python -m game.bench --quick         # a short run that checks the suite works (CI)
    python -m game.bench --json out.json # also write the results as JSON
    python -m game.bench --only sim_scale prompt_size
    python -m game.bench --only catch --catch-minutes 3   # a shorter real-time catch run

Exits 1 if a benchmark could not run; a figure missing its target is reported, not fatal.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from game.bench.stats import Figure

BENCHMARKS = (
    "machine",
    "frame_busy",
    "frame_llm",
    "thinking",
    "one_slot",
    "prompt_size",
    "sim_scale",
    "trees",
    "context",
    "startup",
    "saving",
    "catch",
)
# Each group runs in a fresh process, so that one benchmark's heap and threads cannot
# slow the next; frame_llm compares itself with frame_busy's idle frames, so they share.
GROUPS = (
    ("machine",),
    ("frame_busy", "frame_llm"),
    ("thinking",),
    ("one_slot",),
    ("prompt_size",),
    ("sim_scale",),
    ("trees",),
    ("context",),
    ("startup",),
    ("saving",),
    ("catch",),  # ten minutes of real time at the game's own pace (--catch-minutes)
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m game.bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few samples, small sizes (< ~60 s)")
    p.add_argument("--json", type=Path, metavar="PATH", help="write the results here as JSON")
    p.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME", help="run just these")
    p.add_argument(
        "--catch-minutes",
        type=float,
        metavar="N",
        help="length of the catch benchmark's real-time run (default 10)",
    )
    p.add_argument("--child", nargs="+", choices=BENCHMARKS, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def run_here(names: list[str], quick: bool) -> tuple[list[Figure], dict[str, str]]:
    """Run benchmarks in this process: their figures, and the errors that stopped any."""
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(f"game.bench.{name}")
            figures += module.run(quick)
        except Exception:  # noqa: BLE001 - report it and go on with the others
            errors[name] = traceback.format_exc()
    return figures, errors


def run_apart(names: list[str], quick: bool) -> tuple[list[Figure], dict[str, str]]:
    """Run benchmarks in a child process of their own."""
    command = [sys.executable, "-m", "game.bench", "--child", *names]
    if quick:
        command.append("--quick")
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        detail = f"exit {child.returncode}\n{child.stderr[-3000:]}"
        return [], {name: detail for name in names}
    return [Figure(**row) for row in report["figures"]], report["errors"]


def table(rows: list[Figure]) -> str:
    head = ("figure", "measured", "target", "ok")
    cells = [(f.name, f.measured, f.target, _verdict(f.ok)) for f in rows]
    widths = [max(len(row[i]) for row in [head, *cells]) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(text.ljust(w) for text, w in zip(row, widths, strict=True)).rstrip()

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, cells)])


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("ok" if ok else "MISSED")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        figures, errors = run_here(args.child, args.quick)
        print(json.dumps({"figures": [f.as_json() for f in figures], "errors": errors}))
        return 0
    if args.catch_minutes is not None:  # the child process reads it (see game.bench.catch)
        os.environ["HAMLET_BENCH_CATCH_MINUTES"] = str(args.catch_minutes)
    wanted = set(args.only or BENCHMARKS)
    started = time.perf_counter()
    figures = []
    errors = {}
    for group in GROUPS:
        names = [name for name in group if name in wanted]
        if not names:
            continue
        print(f"running {', '.join(names)}...", file=sys.stderr, flush=True)
        rows, failed = run_apart(names, args.quick)
        figures += rows
        errors.update(failed)
        for name, error in failed.items():
            print(f"{name} failed:\n{error}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(table(figures))
    missed = sum(1 for f in figures if f.ok is False)
    note = " (quick: checks that the suite works; timings mean little)" if args.quick else ""
    print(
        f"\n{len(figures)} figures, {missed} missed, {len(errors)} benchmark(s) failed, "
        f"{elapsed:.0f} s{note}"
    )
    if args.json is not None:
        report = {
            "quick": args.quick,
            "seconds": elapsed,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "figures": [f.as_json() for f in figures],
            "errors": errors,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
