"""The adaptive limit on decisions asked at once (game/sim/concurrency.py), by its rules.

The limit is pure: these tests play turns against model servers written out here (one
that answers one call at a time, one that answers all at once), with made-up clocks.
The real thing, through the openai client and the loopback server: test_one_slot.py.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from game.sim.concurrency import AdaptiveLimit, CallGate, Change, Sent

SERVICE = 0.3  # seconds a call takes on the server, alone


Server = Callable[[float, float, int], tuple[float, float]]


def one_slot(sent_at: float, free_at: float, in_flight: int) -> tuple[float, float]:
    """A one-slot server: (when the answer comes, when the slot is free again)."""
    start = max(sent_at, free_at)
    return start + SERVICE, start + SERVICE


def parallel(sent_at: float, free_at: float, in_flight: int) -> tuple[float, float]:
    return sent_at + SERVICE, free_at


def play(
    limit: AdaptiveLimit,
    server: Server,
    turns: int,
    villagers: int = 8,
    first_call: float = 0.0,
) -> list[Change]:
    """``turns`` turns of ``villagers`` decisions through ``limit``, as the simulation
    asks them: a turn's calls go out as the limit lets them, each turn after the last
    answer of the one before. ``first_call`` is added to the run's first answer."""
    changes: list[Change] = []
    now = free_at = 0.0
    for turn in range(turns):
        left = villagers
        out: list[tuple[float, int, Sent, float]] = []  # (answer at, order, sent, sent at)
        order = 0
        while left or out:
            while left and len(out) < limit.limit:
                sent = limit.sent(len(out) + 1)
                answer_at, free_at = server(now, free_at, len(out) + 1)
                if turn == 0 and order == 0:
                    answer_at += first_call
                    free_at += first_call
                heapq.heappush(out, (answer_at, order, sent, now))
                order += 1
                left -= 1
            now, _, sent, sent_at = heapq.heappop(out)
            change = limit.done(sent, now - sent_at)
            if change is not None:
                changes.append(change)
    return changes


def test_the_limit_starts_within_its_bounds() -> None:
    assert AdaptiveLimit(0, 4).limit == 1
    assert AdaptiveLimit(9, 4).limit == 4
    assert AdaptiveLimit(2, 8).limit == 2


def test_on_a_one_slot_server_it_comes_down_to_one_and_stays() -> None:
    limit = AdaptiveLimit(2, 8)
    changes = play(limit, one_slot, turns=10)
    assert [(c.old, c.new) for c in changes] == [(2, 1)]
    assert "latency grew with the calls in flight: 0.60 s with 2 at once" in changes[0].why


def test_from_four_it_halves_and_halves_again() -> None:
    limit = AdaptiveLimit(4, 8)
    changes = play(limit, one_slot, turns=10)
    assert [(c.old, c.new) for c in changes] == [(4, 2), (2, 1)]


def test_on_a_parallel_server_it_rises_by_one_at_a_time_to_its_maximum() -> None:
    limit = AdaptiveLimit(2, 8)
    changes = play(limit, parallel, turns=20)
    assert [(c.old, c.new) for c in changes] == [(n, n + 1) for n in range(2, 8)]
    assert changes[-1].why == "7 at once got more done than 1"


def test_it_goes_no_higher_than_its_maximum() -> None:
    limit = AdaptiveLimit(1, 3)
    play(limit, parallel, turns=20)
    assert limit.limit == 3


def test_a_slow_first_answer_while_the_model_loads_does_not_mislead_it() -> None:
    """The first calls of a run wait for the model to load: were that taken for what one
    call alone takes, every later latency would look like more calls at once help."""
    limit = AdaptiveLimit(2, 8)
    changes = play(limit, one_slot, turns=10, first_call=20.0)
    assert [(c.old, c.new) for c in changes] == [(2, 1)]


def test_a_timeout_halves_it_once_for_the_calls_that_were_out_together() -> None:
    limit = AdaptiveLimit(8, 8)
    out = [limit.sent(n) for n in range(1, 9)]
    change = limit.done(out[7], 30.0, "timeout")
    assert change == Change(8, 4, "a call failed (timeout)")
    for sent in out[4:7]:  # sent under the old limit: already answered by the halving
        assert limit.done(sent, 30.0, "timeout") is None
    assert limit.limit == 4
    again = limit.sent(1)
    assert limit.done(again, 30.0, "timeout (no answer within 30 s)") == Change(
        4, 2, ("a call failed (timeout (no answer within 30 s))")
    )


def test_too_many_requests_counts_as_too_much_but_other_failures_do_not() -> None:
    limit = AdaptiveLimit(4, 8)
    for kind in ("http 500", "http 400", "connection", "empty", "bad response"):
        assert limit.done(limit.sent(4), 1.0, kind) is None
    assert limit.done(limit.sent(4), 1.0, "http 429") == Change(4, 2, "a call failed (http 429)")


def test_a_timeout_at_one_leaves_it_at_one() -> None:
    limit = AdaptiveLimit(1, 8)
    assert limit.done(limit.sent(1), 30.0, "timeout") is None
    assert limit.limit == 1


def test_after_an_overload_it_does_not_climb_back_there_for_a_while() -> None:
    limit = AdaptiveLimit(2, 8, remember=40)
    limit.done(limit.sent(2), 5.0, "timeout")
    assert limit.limit == 1
    changes = play(limit, parallel, turns=4)  # 32 answers: the overload is remembered
    assert changes == [] and limit.limit == 1
    changes = play(limit, parallel, turns=2)  # forgotten: it tries two at once
    assert changes[0] == Change(1, 2, "trying two at once")


def test_settled_at_one_it_tries_two_again_once_it_has_forgotten_and_comes_back() -> None:
    limit = AdaptiveLimit(2, 8, remember=48)
    changes = play(limit, one_slot, turns=30)
    pairs = [(c.old, c.new) for c in changes]
    assert pairs[0] == (2, 1)
    assert (1, 2) in pairs[1:]  # now and then it looks again...
    assert all(p in ((2, 1), (1, 2)) for p in pairs)  # ...and comes back down
    assert pairs.count((1, 2)) <= 4  # not every turn: 30 turns, 240 answers
    assert limit.limit == 1 or pairs[-1] == (1, 2)


def test_latency_in_the_margin_between_helping_and_not_holds_the_limit() -> None:
    """Latency grown by 1.5x with two at once: more done than with one (2 / 1.5), but not
    by much: neither up nor down."""

    def slower_together(sent_at: float, free_at: float, in_flight: int) -> tuple[float, float]:
        return sent_at + SERVICE * (1.5 if in_flight > 1 else 1.0), free_at

    limit = AdaptiveLimit(2, 8)
    assert play(limit, slower_together, turns=10) == []
    assert limit.limit == 2


def test_at_one_it_does_not_try_two_while_two_is_remembered_as_no_clear_gain() -> None:
    limit = AdaptiveLimit(2, 8)
    for _ in range(3):
        limit.done(limit.sent(1), 1.0)
    changes = [limit.done(limit.sent(2), 2.0) for _ in range(3)]
    assert changes[-1] is not None and (changes[-1].old, changes[-1].new) == (2, 1)
    # Alone, calls now take 1.4 s: two at once took 1.43x as long, between helping and not.
    assert [limit.done(limit.sent(1), 1.4) for _ in range(20)] == [None] * 20
    assert limit.limit == 1


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(-3, 40),
    maximum=st.integers(1, 32),
    steps=st.lists(
        st.tuples(
            st.integers(0, 6),  # calls to send first
            st.integers(0, 40),  # which outstanding call answers (modulo how many)
            st.floats(allow_nan=True, allow_infinity=True),  # its latency
            st.sampled_from([None, None, None, "timeout", "http 429", "http 500", "empty"]),
        ),
        max_size=120,
    ),
)
def test_the_limit_stays_between_one_and_its_maximum(start, maximum, steps) -> None:
    limit = AdaptiveLimit(start, maximum, remember=16)
    out: list[Sent] = []
    for sends, pick, seconds, trouble in steps:
        for _ in range(sends):
            out.append(limit.sent(len(out) + 1))
        if out:
            before = limit.limit
            change = limit.done(out.pop(pick % len(out)), seconds, trouble)
            assert 1 <= limit.limit <= maximum
            if change is not None:
                assert (change.old, change.new) == (before, limit.limit)
                assert change.new == before + 1 or change.new == max(1, before // 2)
            else:
                assert limit.limit == before


def test_the_gate_lets_no_more_through_than_the_limit_and_follows_it_down() -> None:
    limit = AdaptiveLimit(3, 8)
    gate = CallGate(limit)
    entered_with: list[int] = []  # calls in flight as each went through, itself included

    async def call(i: int) -> None:
        sent = await gate.enter()
        entered_with.append(sent.in_flight)
        await asyncio.sleep(0.2)
        if i == 0:
            limit.limit = 1  # as a halving would, while the others are out
        gate.leave()

    async def main() -> None:
        await asyncio.gather(*(call(i) for i in range(7)))

    asyncio.run(main())
    assert entered_with == [1, 2, 3, 1, 1, 1, 1]
    assert gate.in_flight == 0
