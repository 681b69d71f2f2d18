"""How many decisions are asked of the model at once: a limit that adapts to the server.

A server that answers one request at a time (llama.cpp with one slot, LM Studio, Ollama
with one parallel request) makes calls sent together wait in its queue: four at once
each take four times as long, the time queued counts against our timeout, and a call we
give up on is still worked on there, so the next ones wait longer still. A server that
answers in parallel (OpenAI, vLLM) gets through more the more it is sent.

:class:`AdaptiveLimit` finds out which it is talking to, the way TCP finds a network's
capacity: additive increase, multiplicative decrease. It is pure (no clock, no asyncio):
the simulation tells it, for each call, how many were in flight when it was sent and how
long it took. :class:`CallGate` is the asyncio side that holds calls back to the limit.

- **Down by half** when a call times out (or is refused as too many, HTTP 429): the
  server has more than it can take.
- **Down by half** when latency grows with the calls in flight, so that sending more
  does not get more done: on a one-slot server a call sent with ``n`` in flight (its
  place in the server's queue) takes ``n`` times as long as one sent alone; on a parallel
  server, about as long. Latencies are kept per number in flight (the median of the last
  few), and each is compared with the lowest number seen.
- **Up by one** after a window (``limit`` answers to calls sent while the limit was
  reached) when the current number is seen to help, and one more is not remembered to
  have helped too little, nor to have overloaded the server.

Between "helps" and "does not help" lies a margin in which the limit holds: model
latencies vary from call to call (and the first calls of a run wait for the connection,
perhaps for the server to load its model), and a few calls must not swing it either way.
Each decision is taken on calls sent under the current limit: what calls sent before a
change show was answered by it. What a number showed is forgotten after ``remember``
answers, so the limit tries higher again now and then (the server may have been busy
with someone else's work).

Calls sent together at a turn's start go ``SPACING`` apart, so that they reach a one-slot
server in the order sent: the number in flight at sending is then the place in its queue.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections import deque
from typing import Literal, NamedTuple

# Answers after which what a number of calls in flight showed is forgotten: some turns'
# worth, as a turn's first calls are the only ones sent with fewer than the limit in flight.
REMEMBER = 256
SAMPLES = 5  # latencies kept per number in flight; their median is its latency
# Latencies a number in flight needs before it is compared with another: three, whose
# median one odd call cannot sway.
JUDGE_AFTER = 3
# With n in flight against the lowest number seen, ``low``, latency grown by (n / low) **
# power: a one-slot server's grows by the whole ratio (power 1), a parallel one's not at all.
HELPS_BELOW = 0.5  # grown by less than the square root: more at once gets more done
FUTILE_ABOVE = 0.75  # grown by more: it does not, or too little to be worth the wait
#: Error kinds that mean the server has more than it can take.
OVERLOADED = ("timeout", "http 429")
#: Seconds between calls sent together (see above): far more than they take to arrive.
SPACING = 0.025


Verdict = Literal["helps", "futile", "unsure", "unknown"]
HELPS: Verdict = "helps"
FUTILE: Verdict = "futile"
UNSURE: Verdict = "unsure"
UNKNOWN: Verdict = "unknown"


class Sent(NamedTuple):
    """What the limit needs to remember of a call when its answer comes."""

    in_flight: int  # calls in flight when it was sent, itself included
    era: int  # how many times the limit had changed when it was sent


class Change(NamedTuple):
    """The limit moved from ``old`` to ``new``; ``why`` is for the log."""

    old: int
    new: int
    why: str


def overloaded(kind: str) -> bool:
    """Whether a failed call's error kind says the server has more than it can take."""
    return kind.startswith(OVERLOADED)


class AdaptiveLimit:
    """The number of calls allowed in flight, between 1 and ``maximum``."""

    def __init__(self, start: int, maximum: int, *, remember: int = REMEMBER) -> None:
        if maximum < 1:
            raise ValueError(f"maximum must be at least 1, got {maximum}")
        self.maximum = maximum
        self.remember = remember
        self.limit = min(max(1, start), maximum)
        self.era = 0
        self.answers = 0  # calls answered or failed so far: what memory is measured in
        # Per number in flight at sending: (answer number, seconds), the latest last.
        self._latency: dict[int, deque[tuple[int, float]]] = {}
        self._too_many: dict[int, int] = {}  # calls in flight -> answer it overloaded at
        self._full = 0  # answers, since the last change, to calls sent at the limit

    def sent(self, in_flight: int) -> Sent:
        """A call goes out with ``in_flight`` calls (itself included) in flight."""
        return Sent(in_flight, self.era)

    def done(self, sent: Sent, seconds: float, trouble: str | None = None) -> Change | None:
        """Learn from one call: answered after ``seconds``, or failed with the error kind
        ``trouble``. The change it makes to the limit, if any."""
        self.answers += 1
        n = sent.in_flight
        current = sent.era == self.era
        if trouble is not None:
            if not overloaded(trouble):
                return None  # a bad request or a broken server says nothing about load
            self._too_many[n] = self.answers  # not that many again for a while
            if current:
                return self._set(self.limit // 2, f"a call failed ({trouble})")
            return None
        if not (math.isfinite(seconds) and seconds >= 0):
            return None
        self._latency.setdefault(n, deque(maxlen=SAMPLES)).append((self.answers, seconds))
        if not current:
            return None
        if n < self.limit:
            return None  # fewer than the limit (a turn's first calls): only a yardstick
        if n >= 2 and self._helps(n) == FUTILE:
            low = self._lowest(n)
            assert low is not None  # judged against it
            why = (
                f"latency grew with the calls in flight: {self._median(n):.2f} s with {n} "
                f"at once, {self._median(low):.2f} s with {low}"
            )
            return self._set(self.limit // 2, why)
        self._full += 1
        if (
            self._full >= self.limit
            and self.limit < self.maximum
            and (self.limit == 1 or self._helps(self.limit) == HELPS)
            and self._helps(self.limit + 1) in (HELPS, UNKNOWN)
            and not self._overloaded_within(self.limit + 1)
        ):
            if self.limit == 1:
                why = "trying two at once"
            else:
                why = f"{self.limit} at once got more done than {self._lowest(self.limit)}"
            return self._set(self.limit + 1, why)
        return None

    # ---- what the latencies say ---------------------------------------------------------

    def _recent(self, n: int) -> list[float]:
        samples = self._latency.get(n)
        if not samples:
            return []
        since = self.answers - self.remember
        return [seconds for at, seconds in samples if at > since]

    def _median(self, n: int) -> float:
        return statistics.median(self._recent(n))

    def _lowest(self, n: int) -> int | None:
        """The fewest calls in flight, below ``n``, with enough recent latencies."""
        for low in range(1, n):
            if len(self._recent(low)) >= JUDGE_AFTER:
                return low
        return None

    def _helps(self, n: int) -> Verdict:
        """Whether ``n`` calls in flight get more done than fewer: HELPS, FUTILE, UNSURE
        (in the margin between), or UNKNOWN (too few latencies to say).

        Throughput with n in flight is n / latency. Against the lowest number seen, a
        parallel server's latency stays flat, a one-slot server's grows in proportion.
        """
        low = self._lowest(n)
        if low is None or len(self._recent(n)) < JUDGE_AFTER:
            return UNKNOWN
        grown = self._median(n) / max(self._median(low), 1e-9)
        if grown <= (n / low) ** HELPS_BELOW:
            return HELPS
        if grown >= (n / low) ** FUTILE_ABOVE:
            return FUTILE
        return UNSURE

    def _overloaded_within(self, in_flight: int) -> bool:
        """Whether ``in_flight`` calls or fewer overloaded the server, not long ago."""
        since = self.answers - self.remember
        return any(at > since for n, at in self._too_many.items() if n <= in_flight)

    def _set(self, limit: int, why: str) -> Change | None:
        new = min(max(1, limit), self.maximum)
        if new == self.limit:
            return None
        old, self.limit = self.limit, new
        self.era += 1
        self._full = 0
        return Change(old, new, why)


class CallGate:
    """Holds a turn's decisions back so that at most ``limit.limit`` are in flight, and
    spaces calls sent together by ``SPACING``.

    Made afresh for each turn (its event belongs to the loop the turn runs on).
    """

    def __init__(self, limit: AdaptiveLimit) -> None:
        self.limit = limit
        self.in_flight = 0
        self._room = asyncio.Event()
        self._last: tuple[float, int] | None = None  # when the last call went, answers then

    async def enter(self) -> Sent:
        while True:
            if self.in_flight >= self.limit.limit:
                self._room.clear()
                await self._room.wait()
                continue
            last = self._last
            if last is not None and last[1] == self.limit.answers:  # no answer since
                wait = last[0] + SPACING - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
            break
        self.in_flight += 1
        self._last = (time.monotonic(), self.limit.answers)
        return self.limit.sent(self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1
        self._room.set()  # every waiter looks again; a lowered limit lets fewer through
