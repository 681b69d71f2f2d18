"""The model's context: how many tokens it holds, where that was learned, and how many
characters a token is worth, so that prompts are fitted to it without a tokenizer.

Servers say their context in different places (llama.cpp's ``/props``, vLLM's
``max_model_len`` in ``/v1/models``, Ollama's ``/api/show``), or only when a request is
over it, in their own words. This module reads those words; the brain asks the server.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from game.brains.prompts import Fit

#: Characters per token before the server has reported any count: English prose runs at
#: about 4 with GPT-style tokenizers, our prompts (coordinates, names) nearer 3.5.
CHARS_PER_TOKEN = 3.5
#: Never believe a calibration outside these (a server reporting 1 token for a page).
MIN_CHARS_PER_TOKEN, MAX_CHARS_PER_TOKEN = 1.0, 6.0
CALIBRATION_SAMPLES = 16  # the most recent prompts whose counts are kept
#: Tokens kept free besides the answer's: chat-template tokens around each message
#: (``<|start_header_id|>user<|end_header_id|>``) and the estimate's own error.
SAFETY_TOKENS = 16
SAFETY_SHARE = 0.05
#: The answer reserve (``max_tokens``) takes at most this share of a small context...
ANSWER_SHARE = 0.25
MIN_ANSWER_TOKENS = 48  # ...but never less than a couple of directive lines
#: Guessing a limit the server did not number: the refused request's size, less this.
UNNUMBERED_SHRINK = 0.8

# A context-length error, in the words of OpenAI and llama-cpp-python ("maximum context
# length"), vLLM ("maximum context length", "is too long to fit"), llama.cpp ("exceeds
# the available context size", exceed_context_size_error), Ollama ("the input length
# exceeds the context length") and LM Studio ("context length of only").
_OVERFLOW = re.compile(
    r"context[ _-]?length|context[ _-]?size|context[ _-]?window|maximum context"
    r"|exceed_context_size|too long to fit|prompt (?:is )?too long|input is too long",
    re.IGNORECASE,
)
_LIMIT = (
    re.compile(r"maximum context length is (\d+)", re.I),
    re.compile(r"context (?:size|window|length)\s*(?:of\s*)?(?:only\s*)?\(?(\d+)", re.I),
    re.compile(r"exceeds? (?:the )?(?:limit|context) of (\d+)", re.I),
)
_PROMPT = (
    re.compile(r"\((\d+) in the messages", re.I),  # OpenAI, llama-cpp-python, older vLLM
    re.compile(r"request has (\d+) input tokens", re.I),  # vLLM
    re.compile(r"request \((\d+) tokens\)", re.I),  # llama.cpp
    re.compile(r"prompt \(total length (\d+)\)", re.I),  # vLLM, once
)


@dataclass(frozen=True)
class Overflow:
    """A request refused for being over the model's context: what the server said, and
    the numbers it gave (None where it gave none)."""

    message: str
    limit: int | None = None
    prompt_tokens: int | None = None


def read_overflow(message: str, body: object = None) -> Overflow | None:
    """The context-length error in a server's error ``message`` (and its JSON ``body``,
    where llama.cpp puts ``n_ctx``), or None if it is some other error."""
    fields = body if isinstance(body, dict) else {}
    kind = " ".join(str(fields.get(key, "")) for key in ("type", "code"))
    if not (_OVERFLOW.search(message) or _OVERFLOW.search(kind)):
        return None
    limit = _number(fields.get("n_ctx")) or _first(_LIMIT, message)
    prompt = _number(fields.get("n_prompt_tokens")) or _first(_PROMPT, message)
    return Overflow(message, limit, prompt)


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return _number(found.group(1))
    return None


def _number(value: object) -> int | None:
    """A positive whole number of tokens, or None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 0 < value < 100_000_000:
        return value
    return None


class Context:
    """What the brain knows of the model's context. Lives on the worker thread."""

    def __init__(self, limit: int | None = None, source: str = "") -> None:
        self.limit = limit
        self.source = source if limit else ""
        self._ratios: deque[float] = deque(maxlen=CALIBRATION_SAMPLES)

    @property
    def chars_per_token(self) -> float:
        """The fewest characters per token among the recent prompts the server counted:
        a prompt full of coordinates and names is dearer than prose."""
        return min(self._ratios, default=CHARS_PER_TOKEN)

    def estimate(self, chars: int) -> int:
        """Tokens in a prompt of ``chars`` characters, as the server would count them."""
        return round(chars / self.chars_per_token)

    def answer_tokens(self, wanted: int) -> int:
        """The answer reserve (``max_tokens``): what the answer needs, but no more than a
        share of a small context."""
        if self.limit is None:
            return wanted
        return max(MIN_ANSWER_TOKENS, min(wanted, int(self.limit * ANSWER_SHARE)))

    def fit(self, answer_tokens: int) -> Fit | None:
        """The room a prompt has beside an answer of ``answer_tokens``; None when the
        context is not known (prompts keep to their usual size)."""
        if self.limit is None:
            return None
        room = (self.limit - answer_tokens) * (1 - SAFETY_SHARE) - SAFETY_TOKENS
        return Fit(max(0, int(room)), self.chars_per_token)

    def observe(self, chars: int, prompt_tokens: int) -> None:
        """Calibrate by a prompt of ``chars`` characters the server counted as
        ``prompt_tokens`` tokens."""
        if chars <= 0 or prompt_tokens <= 0:
            return
        ratio = chars / prompt_tokens
        self._ratios.append(min(max(ratio, MIN_CHARS_PER_TOKEN), MAX_CHARS_PER_TOKEN))

    def learn(self, overflow: Overflow, chars: int, answer_tokens: int) -> int:
        """Take in a refusal of a prompt of ``chars`` characters sent with ``answer_tokens``
        for the answer; return the limit believed from now on."""
        if overflow.prompt_tokens:  # the server's own count of this prompt: calibrate
            self.observe(chars, overflow.prompt_tokens)
        limit = overflow.limit
        if limit is None:  # no number: less than what was asked for, by a margin
            limit = int((self.estimate(chars) + answer_tokens) * UNNUMBERED_SHRINK)
        if self.limit is None or limit < self.limit:
            self.limit = max(limit, 1)
            self.source = "the server's context-length error"
        return self.limit
