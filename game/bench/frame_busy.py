"""Frame time, busy scene: update + draw of the real render loop with everything on show,
at night (the tint and lit windows on); and the frames in which dusk deepens a step."""

from __future__ import annotations

from game.bench.scene import dusk_frames, idle_frames, walking_frames
from game.bench.stats import Figure, median, ms, percentile

TARGET_MEDIAN = 0.002
TARGET_P99 = 0.006
TARGET_STEP = 1 / 60  # a frame where dusk darkens the view a step: within a 60 FPS frame


def seconds(quick: bool) -> float:
    return 2.0 if quick else 20.0


def run(quick: bool) -> list[Figure]:
    frames = idle_frames(seconds(quick))
    mid, p99 = median(frames), percentile(frames, 99)
    values = {"median_s": mid, "p99_s": p99, "max_s": max(frames), "frames": len(frames)}
    # Most frames of the busy scene repaint only what changed; while the camera moves,
    # every frame repaints the whole view. Shown beside the target, not judged by it.
    walking = walking_frames(seconds(quick) / 2)
    w_mid, w_p99 = median(walking), percentile(walking, 99)
    w_values = {"median_s": w_mid, "p99_s": w_p99, "max_s": max(walking), "frames": len(walking)}
    # The night tint costs a frame nothing, but the frame in which it deepens by a step
    # shades the chunks in view and every sprite again: once a turn at most, over dusk.
    dusk = dusk_frames()
    d_mid, d_max = median(dusk), max(dusk)
    d_values = {"median_s": d_mid, "max_s": d_max, "frames": len(dusk)}
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
        Figure(
            "frame time, busy scene, camera moving: median / p99",
            f"{ms(w_mid)} / {ms(w_p99)} (max {ms(max(walking))}, {len(walking)} frames)",
            "(for comparison: every frame repainted)",
            None,
            w_values,
        ),
        Figure(
            "frame time, busy scene, dusk darkening a step: median / slowest",
            f"{ms(d_mid)} / {ms(d_max)} ({len(dusk)} steps)",
            f"slowest <= {ms(TARGET_STEP)}",
            d_max <= TARGET_STEP,
            d_values,
        ),
    ]
