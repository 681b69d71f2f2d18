"""The village clock: minutes since day 1 began (00:00), as the HUD, prompts and trees
read them.

Pure arithmetic, no state: the simulation works the minutes out from the turn number
(:func:`minutes_at_turn`), so a save needs no clock of its own.
"""

from __future__ import annotations

import re
from typing import Literal

MINUTES_PER_DAY = 24 * 60
DEFAULT_START = 8 * 60  # 08:00: a village wakes before the player comes

Phase = Literal["dawn", "day", "dusk", "night"]
PHASES: tuple[Phase, ...] = ("dawn", "day", "dusk", "night")

# Where each phase begins, in minutes after midnight; night runs on past midnight to dawn.
DAWN_STARTS = 5 * 60
DAY_STARTS = 8 * 60
DUSK_STARTS = 18 * 60
NIGHT_STARTS = 21 * 60

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def of_day(minutes: int) -> int:
    """Minutes after the midnight that began the day ``minutes`` falls in."""
    return minutes % MINUTES_PER_DAY


def day_number(minutes: int) -> int:
    """The day ``minutes`` falls in: 1 for the first."""
    return minutes // MINUTES_PER_DAY + 1


def hhmm(minutes: int) -> str:
    """The time of day on a 24-hour clock: "22:40"."""
    hours, mins = divmod(of_day(minutes), 60)
    return f"{hours:02d}:{mins:02d}"


def stamp(minutes: int) -> str:
    """The day and the time: "Day 2, 22:40"."""
    return f"Day {day_number(minutes)}, {hhmm(minutes)}"


def phase(minutes: int) -> Phase:
    """Dawn 05:00-07:59, day 08:00-17:59, dusk 18:00-20:59, night 21:00-04:59."""
    t = of_day(minutes)
    if t < DAWN_STARTS or t >= NIGHT_STARTS:
        return "night"
    if t < DAY_STARTS:
        return "dawn"
    if t < DUSK_STARTS:
        return "day"
    return "dusk"


def _smooth(f: float) -> float:
    """0 to 1 with no jolt at either end (smoothstep)."""
    f = min(max(f, 0.0), 1.0)
    return f * f * (3.0 - 2.0 * f)


def darkness(minutes: int) -> float:
    """How dark it is, 0 (day) to 1 (night): easing in over dusk and out over dawn, so
    that no turn turns the lights off at once."""
    t = of_day(minutes)
    match phase(minutes):
        case "day":
            return 0.0
        case "night":
            return 1.0
        case "dusk":
            return _smooth((t - DUSK_STARTS) / (NIGHT_STARTS - DUSK_STARTS))
        case _:
            return 1.0 - _smooth((t - DAWN_STARTS) / (DAY_STARTS - DAWN_STARTS))


def parse_time(text: str) -> int:
    """ "HH:MM" (or "H:MM"), 00:00 to 23:59, as minutes after midnight; raises
    ``ValueError`` saying what was expected."""
    match = _TIME.match(text)
    if match is not None:
        hours, mins = int(match[1]), int(match[2])
        if hours < 24 and mins < 60:
            return hours * 60 + mins
    raise ValueError(f'expected a time of day as "HH:MM", from 00:00 to 23:59, got {text!r}')


def minutes_at_turn(start: int, minutes_per_turn: int, turn: int) -> int:
    """The clock during ``turn``: the first turn is played at ``start`` (as is the time
    before it, turn 0), each later one ``minutes_per_turn`` after the one before."""
    return start + max(turn - 1, 0) * minutes_per_turn
