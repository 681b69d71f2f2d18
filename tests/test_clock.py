"""The village clock's arithmetic (game/story/clock.py) and the map's start_time."""

from __future__ import annotations

import pytest
from conftest import TINY_MAP, run_main, write_village
from hypothesis import given
from hypothesis import strategies as st

from game.story import clock

DAY = clock.MINUTES_PER_DAY


def at(text: str, day: int = 1) -> int:
    return (day - 1) * DAY + clock.parse_time(text)


@pytest.mark.parametrize(
    ("time", "phase"),
    [
        ("00:00", "night"),
        ("04:59", "night"),
        ("05:00", "dawn"),
        ("07:59", "dawn"),
        ("08:00", "day"),
        ("17:59", "day"),
        ("18:00", "dusk"),
        ("20:59", "dusk"),
        ("21:00", "night"),
        ("23:59", "night"),
    ],
)
def test_each_phase_begins_and_ends_on_its_minute(time: str, phase: str) -> None:
    assert clock.phase(at(time)) == phase
    assert clock.phase(at(time, day=3)) == phase  # the same on any day


def test_the_day_rolls_over_at_midnight() -> None:
    late = at("23:50")
    assert clock.stamp(late) == "Day 1, 23:50"
    assert clock.stamp(late + 10) == "Day 2, 00:00"
    assert clock.stamp(at("22:40", day=2)) == "Day 2, 22:40"
    assert clock.hhmm(late + 10 + 65) == "01:05"
    assert clock.day_number(late + 10) == 2


def test_darkness_is_none_by_day_full_by_night_and_half_in_the_middle_of_dusk_and_dawn() -> None:
    assert clock.darkness(at("08:00")) == 0.0
    assert clock.darkness(at("12:00")) == 0.0
    assert clock.darkness(at("18:00")) == 0.0
    assert clock.darkness(at("19:30")) == pytest.approx(0.5)
    assert clock.darkness(at("21:00")) == 1.0
    assert clock.darkness(at("02:00", day=2)) == 1.0
    assert clock.darkness(at("06:30")) == pytest.approx(0.5)


def test_darkness_eases_in_over_dusk_and_out_over_dawn_with_no_jump() -> None:
    whole_day = [clock.darkness(minute) for minute in range(DAY + 1)]
    steps = [abs(b - a) for a, b in zip(whole_day, whole_day[1:], strict=False)]
    assert max(steps) < 0.01  # no minute turns the lights off: 3 hours of easing
    dusk = whole_day[at("18:00") : at("21:00") + 1]
    assert dusk == sorted(dusk) and dusk[0] == 0.0 and dusk[-1] == 1.0
    dawn = whole_day[at("05:00") : at("08:00") + 1]
    assert dawn == sorted(dawn, reverse=True) and dawn[0] == 1.0 and dawn[-1] == 0.0
    # Eased, not linear: slow at the ends of dusk, quickest in its middle.
    assert whole_day[at("18:10")] < 10 / 180 < whole_day[at("19:30")] - whole_day[at("19:20")]


@given(st.integers(min_value=0, max_value=100 * DAY))
def test_every_minute_has_one_phase_and_a_darkness_within_bounds(minutes: int) -> None:
    assert clock.phase(minutes) in clock.PHASES
    assert 0.0 <= clock.darkness(minutes) <= 1.0
    assert clock.parse_time(clock.hhmm(minutes)) == minutes % DAY


@pytest.mark.parametrize(("text", "minutes"), [("08:00", 480), ("8:05", 485), (" 23:59 ", 1439)])
def test_start_times_are_read_as_minutes_after_midnight(text: str, minutes: int) -> None:
    assert clock.parse_time(text) == minutes


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "", "12", "1:2", "-1:00", "12:00pm"])
def test_a_bad_time_says_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r'expected a time of day as "HH:MM", from 00:00 to 23:59'):
        clock.parse_time(text)


def test_the_first_turn_is_played_at_the_start_time_and_each_later_one_after_it() -> None:
    start = clock.parse_time("20:50")
    assert clock.minutes_at_turn(start, 10, 0) == start  # before the first turn
    assert clock.minutes_at_turn(start, 10, 1) == start
    assert clock.stamp(clock.minutes_at_turn(start, 10, 2)) == "Day 1, 21:00"
    assert clock.stamp(clock.minutes_at_turn(start, 30, 10)) == "Day 2, 01:20"


def test_a_map_without_start_time_starts_at_eight(tiny_content) -> None:
    assert tiny_content.map.start_time == "08:00"


@pytest.mark.parametrize(
    ("written", "expectation"),
    [
        (
            '"25:00"',
            "start_time: expected a time of day \"HH:MM\", from 00:00 to 23:59, got '25:00'",
        ),
        ('"noon"', "start_time: expected a time of day \"HH:MM\", from 00:00 to 23:59, got 'noon'"),
        # YAML reads an unquoted 22:40 as 1360 (base 60): the game-maker is told to quote it.
        (
            "22:40",
            'start_time: expected a time of day in quotes, like "21:30" (unquoted, YAML reads '
            "21:30 as a number), got 1360",
        ),
    ],
)
def test_a_bad_start_time_in_the_map_is_a_problem_for_check(tmp_path, written, expectation) -> None:
    map_path, npc_dir = write_village(tmp_path, map_text=TINY_MAP + f"start_time: {written}\n")
    done = run_main("--check", "--map", str(map_path), "--npcs", str(npc_dir))
    assert done.returncode == 2
    assert f"{map_path}: {expectation}" in done.stderr.splitlines()


def test_a_good_start_time_in_the_map_passes_check(tmp_path) -> None:
    map_path, npc_dir = write_village(tmp_path, map_text=TINY_MAP + 'start_time: "21:30"\n')
    done = run_main("--check", "--map", str(map_path), "--npcs", str(npc_dir))
    assert done.returncode == 0, done.stderr
