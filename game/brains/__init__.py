"""Brains: the LLM boundary. One narrow interface; an OpenAI-compatible brain and an offline one.

``OpenAIBrain`` is imported when first asked for: the ``openai`` package takes most of a
second to import, which a game on the offline brain should not wait for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from game.brains.base import (
    Brain,
    BrainError,
    BrainReply,
    ConversationRequest,
    DecisionRequest,
    Usage,
)
from game.brains.offline import OfflineBrain
from game.brains.providers import PLACEHOLDER_KEY, PROVIDERS
from game.brains.usage import UsageMeter, UsageTotals

if TYPE_CHECKING:
    from game.brains.openai_brain import OpenAIBrain


def __getattr__(name: str) -> Any:
    if name == "OpenAIBrain":
        from game.brains.openai_brain import OpenAIBrain

        return OpenAIBrain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "PLACEHOLDER_KEY",
    "PROVIDERS",
    "Brain",
    "BrainError",
    "BrainReply",
    "ConversationRequest",
    "DecisionRequest",
    "OfflineBrain",
    "OpenAIBrain",
    "Usage",
    "UsageMeter",
    "UsageTotals",
]
