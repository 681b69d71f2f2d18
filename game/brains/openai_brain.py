"""The OpenAI-compatible brain: the official ``AsyncOpenAI`` client, any server by base URL.

Works with OpenAI itself and with local servers that speak the chat-completions
protocol (Ollama, LM Studio, vLLM, llama.cpp server). The client is created lazily
on first use, which is on the simulation's worker thread and its event loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import openai

from game.brains.base import BrainError, BrainReply, Usage
from game.brains.prompts import conversation_messages, decision_messages
from game.brains.providers import PLACEHOLDER_KEY, PROVIDERS

if TYPE_CHECKING:
    from game.brains.base import ConversationRequest, DecisionRequest

__all__ = ["PLACEHOLDER_KEY", "PROVIDERS", "OpenAIBrain"]


def _host(base_url: str | None) -> str:
    if not base_url:
        return "api.openai.com"
    parts = urlsplit(base_url)
    return parts.netloc or base_url


class OpenAIBrain:
    """Asks a chat-completions model for directives and replies."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        temperature: float = 0.8,
        max_tokens: int = 200,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._api_key = api_key
        self._client: openai.AsyncOpenAI | None = None

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIBrain(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def label(self) -> str:
        return f"{self.model} @ {_host(self.base_url)}"

    def _get_client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        return self._client

    async def decide(self, request: DecisionRequest) -> BrainReply:
        return await self._complete(decision_messages(request))

    async def converse(self, request: ConversationRequest) -> BrainReply:
        return await self._complete(conversation_messages(request))

    async def _complete(self, messages: list[dict[str, str]]) -> BrainReply:
        client = self._get_client()
        # The client's timeout is per attempt; this bounds the whole call, retries included.
        budget = self.timeout * (self.max_retries + 1) + 5.0
        try:
            response = await asyncio.wait_for(
                client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.temperature,
                    max_tokens=self.max_tokens,
                ),
                timeout=budget,
            )
        except (openai.APITimeoutError, asyncio.TimeoutError) as exc:
            raise BrainError("timeout", f"no answer within {self.timeout:g} s") from exc
        except openai.APIStatusError as exc:
            # The server's error text may echo our key back (some echo the Authorization
            # header): keep it out of the detail, and drop the chained exception that
            # would print it in any traceback.
            raise BrainError(f"http {exc.status_code}", self._redact(_short(exc.message))) from None
        except openai.APIConnectionError as exc:
            raise BrainError("connection", "could not reach the model server") from exc
        except (openai.OpenAIError, ValueError, KeyError, TypeError) as exc:
            raise BrainError("bad response", self._redact(_short(str(exc)))) from exc

        usage = Usage()
        raw_usage = getattr(response, "usage", None)
        if raw_usage is not None:
            usage = Usage(
                int(getattr(raw_usage, "prompt_tokens", 0) or 0),
                int(getattr(raw_usage, "completion_tokens", 0) or 0),
            )
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices and choices[0].message else None
        if not isinstance(content, str) or not content.strip():
            raise BrainError("empty", "the model answered with no text", usage)
        return BrainReply(self._redact(content), usage)

    def _redact(self, text: str) -> str:
        """``text`` without our API key in it, should a server have echoed it back."""
        key = self._api_key
        if len(key) >= 8 and key != PLACEHOLDER_KEY and key in text:
            return text.replace(key, "[redacted]")
        return text

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - closing must never fail the shutdown
                pass


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
