"""What went wrong with a model call, and whether trying again can help; and reading a
reply that may not have the shape the protocol promises.

Errors that will come back the same are not retried (a bad request, a wrong key, an
unknown model); those of a busy or restarting server are (408, 409, 429, 5xx), after
the wait the server asks for in ``Retry-After``, else a growing backoff.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import re
import time
from dataclasses import dataclass

import openai

from game.brains.base import Usage
from game.brains.context import Overflow, read_overflow
from game.text import cut, one_line

log = logging.getLogger("hamlet.brain")

#: Statuses worth another try: the server timed out, was busy, or failed this once.
TRANSIENT = frozenset({408, 409, 429})
FIRST_BACKOFF = 0.5  # seconds before the second try; doubled for each after it
MAX_BACKOFF = 8.0
#: The most tokens one call can have used; a count above it is nonsense (one server
#: reported 2.4e20).
MAX_TOKENS_PER_CALL = 10_000_000
#: An error naming the system role: Gemma's template ("System role not supported"),
#: Mistral's ("Conversation roles must alternate user/assistant/..."), and the like.
_ROLE = re.compile(
    r"system (?:role|message|prompt)|role[^.]{0,40}\bsystem\b|roles must alternate",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Failure:
    """One failed try of a call, judged."""

    kind: str  # the BrainError kind: "http 503", "timeout", "connection"...
    detail: str
    retry: bool  # another try may well work
    wait: float | None = None  # what the server asked us to wait (Retry-After), seconds
    overflow: Overflow | None = None  # a context-length error
    role: bool = False  # the error names the system role
    down: bool = False  # nobody answered at the server's address
    answered: bool = True  # the server answered (with an error): it is up
    message: str = ""  # the server's whole message


def judge_status(exc: openai.APIStatusError) -> Failure:
    """A failure the server answered with an HTTP error."""
    status = exc.status_code
    message = server_message(exc)
    overflow = read_overflow(message, exc.body)
    kind = f"http {status}"
    if overflow is not None:
        return Failure("context", message, False, overflow=overflow, message=message)
    if status in (400, 422, 500) and _ROLE.search(message):
        return Failure(kind, message, False, role=True, message=message)
    header = exc.response.headers.get("x-should-retry", "").lower()
    retry = header == "true" or (
        header != "false" and (status in TRANSIENT or status >= 500)
    )
    return Failure(kind, message, retry, wait=retry_after(exc), message=message)


def judge_connection(exc: openai.APIConnectionError) -> Failure:
    """A failure with no HTTP answer: refused, reset, dropped, or timed out."""
    causes = _causes(exc)
    names = {type(cause).__name__ for cause in causes}
    refused = bool(names & {"ConnectError", "ConnectTimeout"}) or any(
        isinstance(cause, ConnectionRefusedError) for cause in causes
    )
    if isinstance(exc, openai.APITimeoutError):
        return Failure("timeout", "", False, down="ConnectTimeout" in names, answered=False)
    if refused:
        why = "the model server refused the connection"
        return Failure("connection", why, False, down=True, answered=False)
    return Failure("connection", "the connection broke off", True, answered=False)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    at: BaseException | None = exc
    while at is not None and at not in seen and len(seen) < 10:
        seen.append(at)
        at = at.__cause__ or at.__context__
    return seen


def server_message(exc: openai.APIStatusError) -> str:
    """The server's own words: OpenAI's ``{"error": {"message": ...}}``, vLLM's
    top-level message, or Ollama's ``{"error": "..."}``; else the client's text."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("detail")
        if isinstance(message, dict):
            message = message.get("message")
        if isinstance(message, str) and message.strip():
            return one_line(message)
    if isinstance(body, str) and body.strip():
        return one_line(body)[:1000]
    return one_line(exc.message)


def retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, then ``Retry-After`` as
    seconds or as a date; None when it asks nothing we can read."""
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(when.timestamp() - time.time(), 0.0)
    return None


def backoff(tries: int) -> float:
    """Seconds to wait after the ``tries``-th failed try: 0.5, 1, 2... less up to a
    quarter at random, so that villagers failing together do not come back together."""
    return min(FIRST_BACKOFF * 2 ** (tries - 1), MAX_BACKOFF) * (1 - 0.25 * random.random())


class Unreadable(Exception):
    """A 200 reply the brain cannot read: its shape is not a chat completion's."""


def read_reply(response: object, warned: set[str]) -> tuple[str | None, Usage]:
    """(the message's text, the usage) of a chat completion, whatever shape the server
    gave it. Raises :class:`Unreadable`. Token counts that make no sense are ignored, with
    a warning the first time for each kind of nonsense (``warned`` holds those told)."""
    choices = _field(response, "choices")
    if not isinstance(choices, list):
        raise Unreadable(f"its choices are {_shape(choices)}, not a list")
    if not choices:
        raise Unreadable("it has no choices")
    message = _field(choices[0], "message")
    if message is None:
        raise Unreadable(f"its first choice has no message ({_shape(choices[0])})")
    if isinstance(message, (str, int, float, list)):
        raise Unreadable(f"its message is {_shape(message)}, not an object")
    content = _field(message, "content")
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        content = "".join(str(_field(part, "text") or "") for part in content)
    elif content is not None and not isinstance(content, str):
        raise Unreadable(f"its content is {_shape(content)}, not text")
    return content, read_usage(_field(response, "usage"), warned)


def read_usage(usage: object, warned: set[str]) -> Usage:
    """The token counts, each ignored (with a warning) if it is not a sensible count."""
    if usage is None:
        return Usage()
    return Usage(
        _count(_field(usage, "prompt_tokens"), "prompt_tokens", warned),
        _count(_field(usage, "completion_tokens"), "completion_tokens", warned),
    )


def _count(value: object, name: str, warned: set[str]) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problem = "not a number"
    elif not math.isfinite(value) or value != int(value):
        problem = "not a whole number"
    elif value < 0:
        problem = "negative"
    elif value > MAX_TOKENS_PER_CALL:
        problem = "absurdly large"
    else:
        return int(value)
    if f"{name} {problem}" not in warned:  # once a run: a server says it every call
        warned.add(f"{name} {problem}")
        log.warning(
            "the server reported %s = %.40r, %s; that count is ignored", name, value, problem
        )
    return 0


def _field(obj: object, name: str) -> object:
    """``obj.name`` or ``obj[name]``: the client builds objects without checking them,
    so a field may hold a dict, a string, or anything."""
    if isinstance(obj, dict):
        return obj.get(name)
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - a property that fails on a strange value
        return None


def _shape(value: object) -> str:
    if value is None:
        return "missing"
    return f"a {type(value).__name__} ({cut(repr(value), 30)})"
