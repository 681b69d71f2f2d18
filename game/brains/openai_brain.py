"""The OpenAI-compatible brain: the official ``AsyncOpenAI`` client, any server by base URL.

Works with OpenAI itself and with local servers that speak the chat-completions
protocol (Ollama, LM Studio, vLLM, llama.cpp server). The client is created lazily
on first use, which is on the simulation's worker thread and its event loop.

The client's own retries are off: this brain tries again itself, so that one deadline
(``timeout``) bounds a call with all its tries, errors that will come back the same are
not tried again, and a server known to be down is not asked for the rest of a turn.
Prompts are fitted to the model's context, read from the server where it says.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import openai

from game.brains.base import SERVER_DOWN, BrainError, BrainReply, Notice
from game.brains.context import Context
from game.brains.faults import (
    Failure,
    Unreadable,
    backoff,
    judge_connection,
    judge_status,
    read_reply,
)
from game.brains.prompts import Fit, conversation_messages, decision_messages, prompt_chars
from game.brains.providers import PLACEHOLDER_KEY, PROVIDERS
from game.brains.server import list_models, read_facts
from game.text import as_sentence, brief

if TYPE_CHECKING:
    from game.brains.base import ConversationRequest, DecisionRequest

__all__ = ["PLACEHOLDER_KEY", "PROVIDERS", "SYSTEM_ROLES", "OpenAIBrain"]

log = logging.getLogger("hamlet.brain")

Messages = list[dict[str, str]]

SYSTEM_ROLES = ("auto", "system", "user")
#: The answer reserve (``max_tokens``) of each kind of call: at most five directive
#: lines, or one line of talk. A thinking model needs more: --context-tokens does not
#: change these, a server's own limit on thinking does.
DECISION_ANSWER_TOKENS = 128
CONVERSATION_ANSWER_TOKENS = 96
#: How long a server found down is not asked again within the turn it was found down
#: in: the rest of that turn's calls fail at once. A new turn (or a talk with the
#: player, after this long) asks it again, with one call while the others wait.
DOWN_WINDOW = 10.0
PROBE_TIMEOUT = 3.0  # the most asking the server for its context may take, once
#: First-turn answers with no directive in them, none with one, before the rules are
#: taken to be ignored where they are (a chat template that drops the system message).
IGNORED_AFTER = 3
KEPT_500S = 64  # prompts whose last HTTP 500 is remembered, to tell one that repeats
MIN_TRY = 0.05  # seconds: less time than this left is not worth another try


def _host(base_url: str | None) -> str:
    if not base_url:
        return "api.openai.com"
    parts = urlsplit(base_url)
    return parts.netloc or base_url


class _Down(NamedTuple):
    turn: int
    since: float  # monotonic
    why: str


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
        max_tokens: int | None = None,
        context_tokens: int | None = None,
        system_role: str = "auto",
    ) -> None:
        if system_role not in SYSTEM_ROLES:
            raise ValueError(f"system_role must be one of {SYSTEM_ROLES}, not {system_role!r}")
        self.model = model
        self.base_url = base_url
        self.timeout = timeout  # the whole call, every try included
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens  # None: sized to what each kind of answer needs
        self.system_role = system_role
        self.context = Context(context_tokens, "--context-tokens")
        self.rules_in_user = system_role == "user"
        self._api_key = api_key
        self._client: openai.AsyncOpenAI | None = None
        # Asked once, before the first call: OpenAI's own API says nothing of use.
        self._ask_server = context_tokens is None and _host(base_url) != "api.openai.com"
        self._told_context = False  # the context's size and source are in the log
        self._models: tuple[str, ...] | None = None  # what /v1/models lists
        self._down: _Down | None = None
        self._probe: asyncio.Future[None] | None = None  # the one call finding out
        self._last_500: OrderedDict[int, str] = OrderedDict()
        self._warned: set[str] = set()  # kinds of nonsense in token counts, warned of
        self._overflow_said = ""  # the server's words when a prompt was last over its context
        # Whether the model follows the rules where they are: watched in the first turn.
        self._first_turn: int | None = None
        self._format_seen = False
        self._format_missed = 0

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
                max_retries=0,  # tried again here, within the call's one deadline
            )
        return self._client

    # ---- the two calls ----------------------------------------------------------------

    async def decide(self, request: DecisionRequest) -> BrainReply:
        notices = self._rules_ignored(request.turn)

        def build(fit: Fit | None) -> Messages:
            return decision_messages(request, fit)

        reply = await self._call(request.turn, build, DECISION_ANSWER_TOKENS, notices)
        notices = self._watch_format(request.turn, reply.text, request.directives_help)
        if notices:
            reply = reply._replace(notices=reply.notices + notices)
        return reply

    async def converse(self, request: ConversationRequest) -> BrainReply:
        def build(fit: Fit | None) -> Messages:
            return conversation_messages(request, fit)

        return await self._call(request.turn, build, CONVERSATION_ANSWER_TOKENS, ())

    async def _call(
        self,
        turn: int,
        build: Callable[[Fit | None], Messages],
        answer_tokens: int,
        notices: tuple[Notice, ...],
    ) -> BrainReply:
        started = time.monotonic()
        probing = await self._server_up(turn)
        try:
            return await self._tries(turn, build, answer_tokens, list(notices), started)
        finally:
            if probing and self._probe is not None:
                probe, self._probe = self._probe, None
                if not probe.done():
                    probe.set_result(None)

    async def _tries(
        self,
        turn: int,
        build: Callable[[Fit | None], Messages],
        answer_tokens: int,
        notices: list[Notice],
        started: float,
    ) -> BrainReply:
        """Ask until an answer comes, a failure will not pass, or the deadline is near."""
        deadline = started + self.timeout
        if self._ask_server:
            await self._read_server(deadline)
        if not self._told_context:
            self._told_context = True
            self._log_context()
        client = self._get_client()
        tries = 0
        shrunk = moved = False
        while True:
            reserve = self.context.answer_tokens(self.max_tokens or answer_tokens)
            fit = self.context.fit(reserve)
            messages = self._placed(build(fit))
            chars = prompt_chars(messages)
            if fit is not None and self.context.estimate(chars) > fit.tokens:
                self._too_small(chars, reserve, notices)
            left = deadline - time.monotonic()
            if left < MIN_TRY:
                raise self._timed_out(started, tries, notices)
            tries += 1
            try:
                response = await asyncio.wait_for(
                    client.chat.completions.create(
                        model=self.model,
                        messages=messages,  # type: ignore[arg-type]
                        temperature=self.temperature,
                        max_tokens=reserve,
                        timeout=left,
                    ),
                    timeout=left + 1.0,  # the client's own timeout should come first
                )
            except asyncio.TimeoutError:
                raise self._timed_out(started, tries, notices) from None
            except openai.APIStatusError as exc:
                failure = judge_status(exc)
            except openai.APIConnectionError as exc:
                failure = judge_connection(exc)
            except (openai.OpenAIError, ValueError, KeyError, TypeError, AttributeError) as exc:
                # A 200 whose body is not JSON: the client's own parse fails.
                self._down = None
                raise BrainError("bad response", self._redact(brief(str(exc))), None,
                                 tuple(notices)) from None
            else:
                self._down = None
                return self._answer(response, chars, notices)

            if failure.answered:
                self._down = None
            if failure.kind == "timeout":
                if failure.down:
                    self._found_down(turn, "the model server did not take the connection")
                raise self._timed_out(started, tries, notices)
            if failure.overflow is not None and not shrunk:
                shrunk = True  # once, smaller: with the limit it told, or a guess below
                before = self.context.limit
                limit = self.context.learn(failure.overflow, chars, reserve)
                if limit != before:
                    log.warning(
                        "the model's context is smaller than the prompt (%s); prompts are "
                        "now fitted to %d tokens", self._redact(failure.message), limit
                    )
                notices.append(self._overflow_notice(failure.message, limit))
                if self._smaller(build, answer_tokens, chars, reserve):
                    continue
            if failure.role and self.system_role == "auto" and not moved:
                moved = True
                said = self._redact(brief(failure.message))
                notices.append(
                    self._move_rules(
                        f"The server refused the system message ({said}), so the rules now "
                        "go in the first user message, as its chat template has no system "
                        "role. --system-role user does this from the start."
                    )
                )
                continue
            if failure.down:
                self._found_down(turn, failure.detail)
            detail = await self._detail(failure, client)
            again = failure.retry and tries <= self.max_retries
            if again and failure.kind == "http 500" and self._repeats(messages, failure.message):
                again = False
                detail += " (the same again for the same prompt: not tried again)"
            if not again:
                raise self._failed(failure.kind, detail, started, tries, notices)
            wait = failure.wait if failure.wait is not None else backoff(tries)
            if time.monotonic() + wait > deadline - MIN_TRY:
                asked = f"the server asked to wait {wait:g} s" if failure.wait else (
                    "no time left to try again"
                )
                raise self._failed(failure.kind, f"{detail}; {asked}", started, tries, notices)
            await asyncio.sleep(wait)

    # ---- answers and failures ---------------------------------------------------------

    def _answer(self, response: object, chars: int, notices: list[Notice]) -> BrainReply:
        try:
            content, usage = read_reply(response, self._warned)
        except Unreadable as exc:
            raise BrainError("bad response", f"the reply cannot be read: {exc}", None,
                             tuple(notices)) from None
        if usage.prompt_tokens:
            self.context.observe(chars, usage.prompt_tokens)
        if not isinstance(content, str) or not content.strip():
            raise BrainError("empty", "the model answered with no text", usage, tuple(notices))
        return BrainReply(self._redact(content), usage, tuple(notices))

    def _failed(
        self, kind: str, detail: str, started: float, tries: int, notices: list[Notice]
    ) -> BrainError:
        spent = time.monotonic() - started
        if tries > 1:
            detail = f"{detail} ({tries} tries in {spent:.1f} s)"
        return BrainError(kind, self._redact(detail), None, tuple(notices))

    def _timed_out(self, started: float, tries: int, notices: list[Notice]) -> BrainError:
        """A timeout that says the time really waited, all tries together."""
        spent = time.monotonic() - started
        tried = f" ({tries} tries)" if tries > 1 else ""
        detail = f"no answer within {spent:.1f} s{tried}; --llm-timeout is {self.timeout:g} s"
        return BrainError("timeout", detail, None, tuple(notices))

    async def _detail(self, failure: Failure, client: openai.AsyncOpenAI) -> str:
        detail = brief(failure.detail) if failure.detail else ""
        if failure.kind == "http 404" and self.base_url:
            if self._models is None:
                try:
                    self._models = await list_models(
                        client.with_options(timeout=PROBE_TIMEOUT), self.base_url
                    )
                except openai.OpenAIError:
                    self._models = None
            if self._models:
                shown = ", ".join(self._models[:12])
                more = f" and {len(self._models) - 12} more" if len(self._models) > 12 else ""
                detail += f"; the server has: {shown}{more} (asked for {self.model})"
        return detail

    def _repeats(self, messages: Messages, message: str) -> bool:
        """Whether this prompt got this same HTTP 500 before: a server that fails on a
        prompt (one over its context, say) fails on it every time."""
        key = hash(tuple((m["role"], m["content"]) for m in messages))
        before = self._last_500.get(key)
        self._last_500[key] = message
        self._last_500.move_to_end(key)
        while len(self._last_500) > KEPT_500S:
            self._last_500.popitem(last=False)
        return before == message

    # ---- the server's context ---------------------------------------------------------

    async def _read_server(self, deadline: float) -> None:
        """Ask the server for its models and context, once it answers."""
        if not self.base_url:
            self._ask_server = False
            return
        wait = max(0.1, min(PROBE_TIMEOUT, (deadline - time.monotonic()) / 3))
        client = self._get_client().with_options(timeout=wait, max_retries=0)
        try:
            facts = await read_facts(client, self.base_url, self.model)
        except Exception as exc:  # noqa: BLE001 - asking is a courtesy; never fail a call for it
            log.info("asking the server for its context failed: %s", brief(str(exc)))
            self._ask_server = False
            return
        if not facts.reached:
            return  # asked again before the next call
        self._ask_server = False
        self._models = facts.models
        if facts.context and self.context.limit is None:
            self.context.limit, self.context.source = facts.context, facts.source

    def _log_context(self) -> None:
        if self.context.limit:
            log.info(
                "the model's context: %d tokens, from %s; prompts are fitted to it",
                self.context.limit,
                self.context.source,
            )
        else:
            log.info(
                "the model's context: not known (no --context-tokens, and the server does "
                "not say it in /v1/models, /props or /api/show); prompts keep their usual "
                "size until a context-length error tells it"
            )

    def _smaller(
        self, build: Callable[[Fit | None], Messages], answer: int, chars: int, reserve: int
    ) -> bool:
        """Whether the call, made again now, would ask for less than it did: else the
        server would only refuse it again."""
        again = self.context.answer_tokens(self.max_tokens or answer)
        fit = self.context.fit(again)
        return again < reserve or prompt_chars(self._placed(build(fit))) < chars

    def _overflow_notice(self, message: str, limit: int) -> Notice:
        said = as_sentence(self._redact(brief(message, 600)))
        self._overflow_said = said
        return Notice(
            "context",
            "The model's context is too small for the villagers' prompts. The server said: "
            f"{said} Prompts are now fitted to {limit} tokens, "
            "so villagers remember less. Give the server a bigger context (llama.cpp: -c "
            "4096; Ollama: num_ctx), or tell the game its size with --context-tokens N.",
        )

    def _too_small(self, chars: int, reserve: int, notices: list[Notice]) -> None:
        """Say that even the smallest prompt does not fit, in place of the notice of the
        context error just met, if there is one (notices show one at a time). Both are
        of one kind: the player is told about the context once."""
        need = self.context.estimate(chars) + reserve
        least = _round_up(need * 1.25)
        advice = (
            f"a villager's rules and situation with room to answer need about {need} tokens, "
            f"so calls are likely to fail. Give the server a context of at least {least} "
            f"tokens (llama.cpp: -c {least}; Ollama: num_ctx {least})."
        )
        text = f"The model's context ({self.context.limit} tokens) is too small: {advice}"
        for i, notice in enumerate(notices):
            if notice.kind == "context" and self._overflow_said:
                text = (
                    "The model's context is too small for the villagers' prompts. The server "
                    f"said: {self._overflow_said} Even fitted to {self.context.limit} "
                    f"tokens, {advice}"
                )
                notices[i] = notice._replace(text=text)
                return
        notices.append(Notice("context", text))

    # ---- where the rules go -----------------------------------------------------------

    def _placed(self, messages: Messages) -> Messages:
        """``messages`` with the system text moved into the first user message, when the
        server's chat template has no system role."""
        if not self.rules_in_user:
            return messages
        rules = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        rest = [dict(m) for m in messages if m["role"] != "system"]
        if rules and rest and rest[0]["role"] == "user":
            rest[0]["content"] = f"{rules}\n\n{rest[0]['content']}"
        elif rules:
            rest.insert(0, {"role": "user", "content": rules})
        return rest

    def _move_rules(self, text: str) -> Notice:
        self.rules_in_user = True
        log.warning("%s", text)
        return Notice("system role", text)

    def _watch_format(self, turn: int, text: str, directives_help: str) -> tuple[Notice, ...]:
        """Watch the first turn's answers: if none follows the directive format, the
        rules in the system message are taken to be ignored, and moved."""
        if self.system_role != "auto" or self.rules_in_user or self._format_seen:
            return ()
        if self._first_turn is None:
            self._first_turn = turn
        if _follows_format(text, directives_help):
            self._format_seen = True
            return ()
        if turn == self._first_turn:
            self._format_missed += 1
        if self._format_missed >= IGNORED_AFTER:
            return (self._ignored_notice(),)
        return ()

    def _rules_ignored(self, turn: int) -> tuple[Notice, ...]:
        """At a later turn's first decision: no first-turn answer followed the format."""
        if (
            self.system_role == "auto"
            and not self.rules_in_user
            and not self._format_seen
            and self._first_turn is not None
            and turn > self._first_turn
            and self._format_missed
        ):
            return (self._ignored_notice(),)
        return ()

    def _ignored_notice(self) -> Notice:
        missed = self._format_missed
        return self._move_rules(
            f"The model's first-turn answers ({missed} of them) held no directive, as if "
            "the rules in the system message were not there, so the rules now go in the "
            "first user message, as for chat templates without a system role (Phi-3, "
            "Gemma). --system-role system keeps them where they were."
        )

    # ---- a server that is down --------------------------------------------------------

    async def _server_up(self, turn: int) -> bool:
        """Fail at once while the server is known to be down this turn; after that, let
        one call find out whether it is back while the others wait for it. True if this
        call is the one finding out."""
        while (down := self._down) is not None:
            ago = time.monotonic() - down.since
            if down.turn == turn and ago < DOWN_WINDOW:
                raise BrainError(
                    SERVER_DOWN, f"{down.why} {ago:.1f} s ago; this call was not made"
                )
            if self._probe is None:
                self._probe = asyncio.get_running_loop().create_future()
                return True
            await asyncio.shield(self._probe)
        return False

    def _found_down(self, turn: int, why: str) -> None:
        if self._down is None or self._down.turn != turn:
            log.warning("the model server at %s is down (%s)", _host(self.base_url), why)
        self._down = _Down(turn, time.monotonic(), why)

    # ---- the rest ---------------------------------------------------------------------

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


_DIRECTIVE_NAME = re.compile(r"^\s*([A-Za-z_]+)\(", re.MULTILINE)


def _follows_format(text: str, directives_help: str) -> bool:
    """Whether an answer holds anything like a directive the help lists."""
    names = _DIRECTIVE_NAME.findall(directives_help) or ["[a-z_]+"]
    pattern = r"\b(?:" + "|".join(names) + r")\s*\("
    return re.search(pattern, text, re.IGNORECASE) is not None


def _round_up(tokens: float) -> int:
    """Up to the next 256: a context size people set."""
    return int(-(-tokens // 256) * 256)

