"""The loopback LLM server, exercised through the real ``openai.AsyncOpenAI`` client.

Observed behaviour of the installed client (openai 3.54 on httpx2), which the
game's LLM layer has to cope with:

* ``http_429`` -> ``openai.RateLimitError``; ``http_500`` / ``http_503`` ->
  ``openai.InternalServerError`` (all ``APIStatusError`` subclasses).
* ``hang`` with a client timeout -> ``openai.APITimeoutError`` (a subclass of
  ``APIConnectionError``).
* ``drop`` -> ``openai.APIConnectionError`` (cause: httpx2 ``RemoteProtocolError``).
* ``malformed`` (200, ``application/json``, invalid JSON) -> a bare
  ``json.JSONDecodeError`` — NOT an ``openai.OpenAIError``: the client calls
  ``response.json()`` unguarded. The same holds for a malformed SSE event.
* Retry delays: only a strictly positive ``retry-after-ms`` / ``retry-after``
  is honoured; ``0`` falls back to exponential backoff (~0.4-0.5 s).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from llm_server import (
    CONTEXT_WORDINGS,
    DEFAULT_CONTENT,
    FAULTS,
    MODEL_ID,
    LLMServer,
    Quirks,
    Reply,
)
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are Ada."},  # 12 chars
    {"role": "user", "content": "What now?"},  # 9 chars -> 21 chars -> 6 tokens
]


@pytest.fixture
def srv() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


def make_client(server: LLMServer, **kwargs: Any) -> openai.AsyncOpenAI:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 5.0)
    return openai.AsyncOpenAI(base_url=server.base_url, api_key="test-key", **kwargs)


async def ask(server: LLMServer, max_retries: int = 0, timeout: float = 5.0) -> ChatCompletion:
    """One non-streaming chat completion through a fresh real client."""
    async with make_client(server, max_retries=max_retries, timeout=timeout) as client:
        return await client.chat.completions.create(model="test-model", messages=MESSAGES)


def test_scripted_reply_content_and_usage(srv: LLMServer) -> None:
    srv.enqueue(
        Reply(content="say('hello')"), Reply(content="x", prompt_tokens=7, completion_tokens=3)
    )
    first = asyncio.run(ask(srv))
    assert first.object == "chat.completion"
    assert first.model == "test-model"
    assert first.choices[0].message.content == "say('hello')"
    assert first.choices[0].finish_reason == "stop"
    assert first.usage is not None
    assert first.usage.prompt_tokens == 6  # ceil(21 / 4)
    assert first.usage.completion_tokens == 3  # ceil(12 / 4)
    assert first.usage.total_tokens == 9

    second = asyncio.run(ask(srv))
    assert second.usage is not None
    assert (second.usage.prompt_tokens, second.usage.completion_tokens) == (7, 3)
    assert second.usage.total_tokens == 10
    assert srv.request_count == 2
    assert srv.pending == 0


def test_responder_sees_request_and_script_goes_first() -> None:
    seen: list[dict[str, Any]] = []

    def responder(body: dict[str, Any]) -> Reply:
        seen.append(body)
        return Reply(content=f"heard {body['messages'][-1]['content']}")

    with LLMServer(responder) as server:
        server.enqueue(Reply(content="scripted"))
        assert asyncio.run(ask(server)).choices[0].message.content == "scripted"
        assert seen == []
        assert asyncio.run(ask(server)).choices[0].message.content == "heard What now?"
        assert [m["content"] for m in seen[0]["messages"]] == ["You are Ada.", "What now?"]
        assert seen[0]["model"] == "test-model"
        assert server.requests[1] == seen[0]
        server.requests.clear()  # a copy: the server's record is untouched
        assert server.request_count == 2


def test_default_reply_without_script_or_responder(srv: LLMServer) -> None:
    assert asyncio.run(ask(srv)).choices[0].message.content == DEFAULT_CONTENT == "wait()"


def test_responder_exception_becomes_non_retried_500() -> None:
    def responder(body: dict[str, Any]) -> Reply:
        raise KeyError("oops")

    with LLMServer(responder) as server:
        with pytest.raises(openai.InternalServerError, match="responder raised"):
            asyncio.run(ask(server, max_retries=2))
        assert server.request_count == 1  # x-should-retry: false


def test_delay_is_respected_and_requests_overlap(srv: LLMServer) -> None:
    delay = 0.4
    srv.enqueue(Reply(content="a", delay=delay), Reply(content="b", delay=delay))

    async def timed() -> tuple[str | None, float]:
        start = time.monotonic()
        result = await ask(srv)
        return result.choices[0].message.content, time.monotonic() - start

    async def both() -> list[tuple[str | None, float]]:
        return list(await asyncio.gather(timed(), timed()))

    start = time.monotonic()
    results = asyncio.run(both())
    total = time.monotonic() - start
    assert sorted(str(content) for content, _ in results) == ["a", "b"]
    assert all(elapsed >= delay for _, elapsed in results)
    assert total < 2 * delay - 0.1  # overlapped, not serialised
    assert srv.max_in_flight == 2
    assert srv.in_flight == 0


def test_fifty_concurrent_requests(srv: LLMServer) -> None:
    srv.responder = lambda body: Reply(content=body["messages"][-1]["content"], delay=0.3)

    async def many() -> list[str | None]:
        async with make_client(srv) as client:
            results = await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="m", messages=[{"role": "user", "content": str(i)}]
                    )
                    for i in range(50)
                )
            )
        return [r.choices[0].message.content for r in results]

    assert asyncio.run(many()) == [str(i) for i in range(50)]
    assert srv.max_in_flight == 50
    assert srv.request_count == 50


@pytest.mark.parametrize(
    ("fault", "exc_type", "status"),
    [
        ("http_429", openai.RateLimitError, 429),
        ("http_500", openai.InternalServerError, 500),
        ("http_503", openai.InternalServerError, 503),
    ],
)
def test_http_faults_raise_status_errors(
    srv: LLMServer, fault: str, exc_type: type[openai.APIStatusError], status: int
) -> None:
    srv.enqueue(Reply(fault=fault))
    with pytest.raises(exc_type) as info:
        asyncio.run(ask(srv))
    assert info.value.status_code == status
    assert isinstance(info.value.body, dict)
    assert "scripted" in info.value.body["message"]
    assert info.value.response.headers["retry-after-ms"] == "1"
    if status == 429:
        assert info.value.code == "rate_limit_exceeded"
        assert info.value.response.headers["retry-after"] == "0"
    assert srv.request_count == 1


@pytest.mark.parametrize("fault", ["http_503", "http_429", "http_500"])
def test_client_retry_recovers_quickly(srv: LLMServer, fault: str) -> None:
    srv.enqueue(Reply(fault=fault), Reply(content="recovered"))
    start = time.monotonic()
    result = asyncio.run(ask(srv, max_retries=2))
    elapsed = time.monotonic() - start
    assert result.choices[0].message.content == "recovered"
    assert srv.request_count == 2
    # retry-after-ms: 1 is honoured; the client's own backoff would be >= 0.375 s.
    assert elapsed < 0.3


def test_hang_times_out_and_is_released(srv: LLMServer) -> None:
    srv.enqueue(Reply(fault="hang"))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        asyncio.run(ask(srv, timeout=0.5))
    assert 0.45 <= time.monotonic() - start < 1.5
    # The handler notices the client hung up and stops counting the request.
    deadline = time.monotonic() + 1.0
    while srv.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.in_flight == 0


def test_stop_is_prompt_while_requests_hang() -> None:
    server = LLMServer().start()
    server.enqueue(Reply(fault="hang"), Reply(fault="hang"), Reply(content="late", delay=30))
    stop_took: list[float] = []

    def stop_when_hanging() -> None:
        deadline = time.monotonic() + 3.0
        while server.in_flight < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        start = time.monotonic()
        server.stop()
        stop_took.append(time.monotonic() - start)

    async def three() -> list[object]:
        async with make_client(server, timeout=10.0) as client:
            calls = [client.chat.completions.create(model="m", messages=MESSAGES) for _ in range(3)]
            return list(await asyncio.gather(*calls, return_exceptions=True))

    stopper = threading.Thread(target=stop_when_hanging)
    stopper.start()
    start = time.monotonic()
    outcomes = asyncio.run(three())
    stopper.join()
    assert stop_took and stop_took[0] < 0.5
    assert time.monotonic() - start < 2.0
    assert all(isinstance(o, openai.APIConnectionError) for o in outcomes), outcomes
    assert server.max_in_flight == 3
    server.stop()  # idempotent


def test_drop_raises_connection_error(srv: LLMServer) -> None:
    srv.enqueue(Reply(fault="drop"), Reply(content="fine"))
    with pytest.raises(openai.APIConnectionError) as info:
        asyncio.run(ask(srv))
    assert not isinstance(info.value, openai.APITimeoutError)
    assert asyncio.run(ask(srv)).choices[0].message.content == "fine"
    assert srv.request_count == 2


def test_malformed_raises_json_decode_error(srv: LLMServer) -> None:
    # openai 3.54 parses the 200 body with an unguarded ``response.json()``: the
    # result is a plain json.JSONDecodeError (a ValueError), not an OpenAIError
    # and not APIResponseValidationError. Callers must catch ValueError too.
    srv.enqueue(Reply(content="x", fault="malformed"))
    with pytest.raises(json.JSONDecodeError) as info:
        asyncio.run(ask(srv))
    assert not isinstance(info.value, openai.OpenAIError)


def test_malformed_stream_event_raises_json_decode_error(srv: LLMServer) -> None:
    srv.enqueue(Reply(content="x", fault="malformed"))

    async def consume() -> None:
        async with make_client(srv) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            async for _ in stream:
                pass

    with pytest.raises(json.JSONDecodeError):
        asyncio.run(consume())


@pytest.mark.parametrize(("fault", "expected"), [("empty", ""), ("null_content", None)])
def test_empty_and_null_content(srv: LLMServer, fault: str, expected: str | None) -> None:
    srv.enqueue(Reply(content="ignored", fault=fault))
    result = asyncio.run(ask(srv))
    assert result.choices[0].message.content == expected
    assert result.usage is not None and result.usage.completion_tokens == 0


def test_prose_reply_needs_no_fault(srv: LLMServer) -> None:
    prose = "Well, I suppose I might wander over to the pond, if the frogs allow."
    srv.enqueue(Reply(content=prose))
    assert asyncio.run(ask(srv)).choices[0].message.content == prose


def test_streaming_yields_joined_content_and_usage(srv: LLMServer) -> None:
    text = "move_to('the pond'); say('Frogs!')"
    srv.enqueue(Reply(content=text, delay=0.05), Reply(content="plain"))

    async def stream(include_usage: bool) -> tuple[list[str], Any]:
        async with make_client(srv) as client:
            chunks = await client.chat.completions.create(
                model="m",
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": include_usage},
            )
            pieces: list[str] = []
            usage = None
            async for chunk in chunks:
                assert chunk.object == "chat.completion.chunk"
                for choice in chunk.choices:
                    if choice.delta.content:
                        pieces.append(choice.delta.content)
                if chunk.usage is not None:
                    usage = chunk.usage
            return pieces, usage

    pieces, usage = asyncio.run(stream(include_usage=True))
    assert "".join(pieces) == text
    assert len(pieces) > 1
    assert usage is not None and usage.completion_tokens == 9  # ceil(34 / 4)
    assert usage.total_tokens == usage.prompt_tokens + 9

    pieces, usage = asyncio.run(stream(include_usage=False))
    assert "".join(pieces) == "plain"
    assert usage is None
    assert srv.requests[0]["stream"] is True


def test_models_endpoint_and_unknown_path(srv: LLMServer) -> None:
    async def models() -> list[str]:
        async with make_client(srv) as client:
            page = await client.models.list()
            return [m.id for m in page.data]

    assert asyncio.run(models()) == [MODEL_ID]

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(srv.base_url + "/nope", timeout=2)
    assert info.value.code == 404
    assert json.loads(info.value.read())["error"]["code"] == "not_found"
    assert srv.request_count == 0  # only chat completions are recorded


def test_reply_validation() -> None:
    assert {"hang", "http_401", "http_404", "http_502"} <= FAULTS and len(FAULTS) == 15
    with pytest.raises(ValueError):
        Reply(fault="explode")
    with pytest.raises(ValueError):
        Reply(delay=-1)


def test_base_url_requires_start() -> None:
    server = LLMServer()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/v1")


@pytest.mark.parametrize("wording", CONTEXT_WORDINGS)
def test_a_prompt_over_the_context_is_refused_in_each_servers_words(wording: str) -> None:
    # MESSAGES hold 21 characters: 6 tokens, and max_tokens 10 makes 16 > 12.
    quirks = Quirks(context=12, context_wording=wording)

    async def over() -> None:
        async with make_client(server) as client:
            await client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=10)

    with LLMServer(quirks=quirks) as server:
        with pytest.raises(openai.BadRequestError) as info:
            asyncio.run(over())
        assert asyncio.run(ask(server)).choices[0].message.content == DEFAULT_CONTENT
        assert len(server.refusals) == 1 and server.request_count == 2
    said = {
        "openai": "maximum context length is 12 tokens. However, you requested 16 tokens",
        "vllm": "maximum context length is 12 tokens and your request has 6 input tokens",
        "llamacpp": "request (6 tokens) exceeds the available context size (12 tokens)",
        "ollama": "the input length exceeds the context length",
    }[wording]
    assert said in info.value.message


def test_the_context_is_told_where_each_server_tells_it() -> None:
    def get(server: LLMServer, path: str, body: bytes | None = None) -> Any:
        url = server.base_url.removesuffix("/v1") + path
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=2) as got:
            return json.loads(got.read())

    with LLMServer(quirks=Quirks(context=2048, advertise="llamacpp")) as server:
        assert get(server, "/props")["default_generation_settings"]["n_ctx"] == 2048
    with LLMServer(quirks=Quirks(context=2048, advertise="vllm")) as server:
        assert get(server, "/v1/models")["data"][0]["max_model_len"] == 2048
    with LLMServer(quirks=Quirks(context=2048, advertise="ollama")) as server:
        show = get(server, "/api/show", json.dumps({"model": MODEL_ID}).encode())
        assert "num_ctx 2048" in show["parameters"]
    with LLMServer(quirks=Quirks(context=2048)) as server, pytest.raises(urllib.error.HTTPError):
        get(server, "/props")


def test_a_raw_body_and_retry_after_are_sent_as_scripted(srv: LLMServer) -> None:
    srv.enqueue(Reply(raw='{"id": "x", "choices": "abc"}'), Reply(fault="http_429", retry_after=7))
    url = srv.base_url + "/chat/completions"
    request = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=2) as got:
        assert json.loads(got.read()) == {"id": "x", "choices": "abc"}
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=2)
    assert info.value.code == 429 and info.value.headers["retry-after"] == "7"
