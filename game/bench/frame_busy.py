"""Frame time, busy scene: update + draw of the real render loop with everything on show."""

from __future__ import annotations

from game.bench.scene import idle_frames
from game.bench.stats import Figure, median, ms, percentile

TARGET_MEDIAN = 0.002
TARGET_P99 = 0.006


def seconds(quick: bool) -> float:
    return 2.0 if quick else 20.0


def run(quick: bool) -> list[Figure]:
    frames = idle_frames(seconds(quick))
    mid, p99 = median(frames), percentile(frames, 99)
    values = {"median_s": mid, "p99_s": p99, "max_s": max(frames), "frames": len(frames)}
    return [
        Figure(
            "frame time, busy scene: median",
            ms(mid),
            f"<= {ms(TARGET_MEDIAN)}",
            mid <= TARGET_MEDIAN,
            values,
        ),
        Figure(
            "frame time, busy scene: p99",
            f"{ms(p99)} (max {ms(max(frames))}, {len(frames)} frames)",
            f"<= {ms(TARGET_P99)}",
            p99 <= TARGET_P99,
            values,
        ),
    ]
