"""Token accounting: per NPC and in total, with an estimated cost for known OpenAI models."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from game.brains.base import Usage

#: US dollars per million tokens (input, output), as published for these models.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}


@dataclass(frozen=True)
class UsageTotals:
    prompt_tokens: int
    completion_tokens: int
    calls: int
    failures: int
    cost_usd: float | None  # None when the model's price is unknown (local servers)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageMeter:
    """Counts tokens and calls. Lives on the worker thread; totals are sent as events."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self.per_npc: dict[str, Usage] = defaultdict(Usage)
        self.calls = 0
        self.failures = 0
        self._prompt = 0  # running totals: totals() is asked for after every call
        self._completion = 0

    def record(self, npc: str, usage: Usage, *, failed: bool = False) -> None:
        self.calls += 1
        self.failures += int(failed)
        if not (usage.prompt_tokens or usage.completion_tokens):
            return  # no tokens to add (the offline brain): skip the per-villager sums
        old = self.per_npc[npc]
        self.per_npc[npc] = Usage(
            old.prompt_tokens + usage.prompt_tokens,
            old.completion_tokens + usage.completion_tokens,
        )
        self._prompt += usage.prompt_tokens
        self._completion += usage.completion_tokens

    def restore(self, calls: int, failures: int, per_npc: dict[str, tuple[int, int]]) -> None:
        """The counts a saved game had (the model's price is this game's)."""
        self.calls, self.failures = calls, failures
        self.per_npc.clear()
        for name, (prompt, completion) in per_npc.items():
            self.per_npc[name] = Usage(prompt, completion)
        self._prompt = sum(p for p, _ in per_npc.values())
        self._completion = sum(c for _, c in per_npc.values())

    def totals(self) -> UsageTotals:
        prompt, completion = self._prompt, self._completion
        price = PRICES_PER_MILLION.get(self.model or "")
        cost = None if price is None else (prompt * price[0] + completion * price[1]) / 1e6
        return UsageTotals(prompt, completion, self.calls, self.failures, cost)
