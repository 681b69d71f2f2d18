"""Figures and the statistics behind them: medians and tails over many samples."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One row of the table: what was measured, against which target, and whether it met it."""

    name: str
    measured: str
    target: str
    ok: bool | None  # None: printed for comparison only, no target
    values: dict[str, float]  # the raw numbers behind ``measured``, for the JSON file

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), nearest-rank: a value that was actually observed."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
