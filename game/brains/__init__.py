"""Brains: the LLM boundary. One narrow interface; an OpenAI-compatible brain and an offline one."""

from __future__ import annotations

from game.brains.base import (
    Brain,
    BrainError,
    BrainReply,
    ConversationRequest,
    DecisionRequest,
    Usage,
)
from game.brains.offline import OfflineBrain
from game.brains.openai_brain import PLACEHOLDER_KEY, PROVIDERS, OpenAIBrain
from game.brains.usage import UsageMeter, UsageTotals

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
