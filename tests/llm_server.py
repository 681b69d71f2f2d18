"""A loopback, scripted, OpenAI-compatible chat-completions server for tests.

Tests never mock the ``openai`` client: they point a real ``openai.AsyncOpenAI``
at an :class:`LLMServer` bound to ``127.0.0.1`` and script what it answers —
content, delays and faults — one :class:`Reply` per request.

Example::

    with LLMServer() as srv:
        srv.enqueue(Reply(content="say('hi')"), Reply(fault="http_503"))
        client = openai.AsyncOpenAI(base_url=srv.base_url, api_key="test")
        ...

Each request takes the next scripted reply (FIFO, see :meth:`LLMServer.enqueue`),
else asks the ``responder`` callable, else answers ``Reply(content="wait()")``.

Only the standard library is used; every request is handled in its own daemon
thread so a slow or hanging reply never blocks the others — unless the server is made
to answer one request at a time (``one_slot``, see :class:`_OneSlot`), as llama.cpp's
server with one slot does.

Retry headers: the installed client (openai 3.x) only honours a server-directed
retry delay when it is strictly positive (``0 < delay <= 120`` s); a value of
``0`` falls back to its exponential backoff (0.5 s, 1 s, ... with jitter). So the
HTTP faults send ``retry-after-ms: 1`` (plus ``retry-after: 0`` for 429, which
the client only reads when ``retry-after-ms`` is absent) to make client retries
effectively immediate.
"""

from __future__ import annotations

import json
import math
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "CONTEXT_WORDINGS",
    "DEFAULT_CONTENT",
    "FAULTS",
    "HANG_LIMIT",
    "MODEL_ID",
    "RETRY_AFTER_MS",
    "LLMServer",
    "Quirks",
    "Reply",
    "Responder",
]

#: Every fault kind a :class:`Reply` may carry.
FAULTS: frozenset[str] = frozenset(
    {
        "http_400",
        "http_401",
        "http_403",
        "http_404",
        "http_408",
        "http_409",
        "http_429",
        "http_500",
        "http_502",
        "http_503",
        "hang",
        "drop",
        "malformed",
        "empty",
        "null_content",
    }
)

#: Content answered when neither the script nor a responder supplies a reply.
DEFAULT_CONTENT = "wait()"

#: The one model listed by ``GET /v1/models``.
MODEL_ID = "hamlet-loopback"

#: Longest a ``"hang"`` fault holds a request (seconds) if the server is not stopped.
HANG_LIMIT = 60.0

#: Value of the ``retry-after-ms`` header sent with HTTP faults (see module docstring).
RETRY_AFTER_MS = 1

#: How often waiting handlers check for ``stop()`` and client disconnects (seconds).
_POLL = 0.02

_HTTP_FAULTS: dict[str, tuple[int, str, str | None, str]] = {
    # fault: (status, error type, error code, message), in OpenAI's words
    "http_400": (400, "invalid_request_error", None, "Invalid request (scripted)."),
    "http_401": (
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key in your account settings.",
    ),
    "http_403": (403, "permission_error", None, "You are not allowed to use this model."),
    "http_404": (
        404,
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    "http_408": (408, "timeout", None, "Request timed out (scripted)."),
    "http_409": (409, "conflict", None, "Conflict (scripted)."),
    "http_502": (502, "server_error", None, "Bad gateway (scripted)."),
    "http_429": (429, "requests", "rate_limit_exceeded", "Rate limit reached (scripted)."),
    "http_500": (500, "server_error", None, "The server had an error (scripted)."),
    "http_503": (503, "server_error", "service_unavailable", "Service unavailable (scripted)."),
}


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one chat-completion request.

    Attributes:
        content: the assistant message content (``None`` answers ``null``).
        delay: seconds to wait before answering (or before faulting).
        fault: ``None`` for a normal answer, else one of :data:`FAULTS`.
        prompt_tokens: reported usage; ``None`` estimates ceil(chars / 4) of the
            request messages.
        completion_tokens: reported usage; ``None`` estimates ceil(chars / 4)
            of ``content``.
        raw: a whole 200 body to answer instead (JSON text, sent as it is): for
            replies of the wrong shape, such as ``{"id": "x", "choices": "abc"}``.
        message: the error message of an HTTP fault, instead of the usual one
            (a 500 whose message changes from call to call, say).
        retry_after: for an HTTP fault, a ``Retry-After`` header of this many
            seconds instead of ``retry-after-ms: 1``.
    """

    content: str | None = ""
    delay: float = 0.0
    fault: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw: str | None = None
    message: str | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        """Reject unknown fault kinds and negative delays early, in the test."""
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; expected one of {sorted(FAULTS)}")
        if not (self.delay >= 0 and math.isfinite(self.delay)):
            raise ValueError(f"delay must be a finite number >= 0, got {self.delay!r}")


#: Signature of a responder: the parsed request body in, a :class:`Reply` out.
Responder = Callable[[dict[str, Any]], Reply]

#: How servers word a request over the model's context (see :class:`Quirks`).
CONTEXT_WORDINGS = ("openai", "vllm", "llamacpp", "ollama")


@dataclass(frozen=True)
class Quirks:
    """How the server behaves like one real server or another: its context, what it
    tells of it, the models it has, what it does with a system message.

    Attributes:
        context: tokens the model holds; a request over it is refused with a
            context-length error (prompt tokens, plus ``max_tokens`` when
            ``count_completion``), as ``context_wording`` words it, with
            ``context_status`` (400; llama-cpp-python has been seen to answer 500).
        chars_per_token, tokens_per_message: how the prompt's tokens are counted
            (in the usage reported and against ``context``).
        advertise: where the context is told: ``"llamacpp"`` (``GET /props``),
            ``"vllm"`` (``max_model_len`` in ``GET /v1/models``), ``"ollama"``
            (``POST /api/show``, with ``num_ctx`` in its parameters unless
            ``ollama_num_ctx`` is False); None tells it nowhere.
        models: the ids ``GET /v1/models`` lists; with ``strict_model`` a request
            for any other model is a 404.
        system_role: ``"ok"``; ``"reject"`` refuses a request with a system message
            (an error naming the role, as Gemma's template does); ``"ignore"`` drops
            system messages before the responder sees the request.
    """

    context: int | None = None
    context_wording: str = "openai"
    context_status: int = 400
    count_completion: bool = True
    chars_per_token: float = 4.0
    tokens_per_message: int = 0
    advertise: str | None = None
    ollama_num_ctx: bool = True
    models: tuple[str, ...] = (MODEL_ID,)
    strict_model: bool = False
    system_role: str = "ok"

    def __post_init__(self) -> None:
        if self.context_wording not in CONTEXT_WORDINGS:
            raise ValueError(f"context_wording must be one of {CONTEXT_WORDINGS}")
        if self.advertise not in (None, "llamacpp", "vllm", "ollama"):
            raise ValueError("advertise must be None, 'llamacpp', 'vllm' or 'ollama'")
        if self.system_role not in ("ok", "reject", "ignore"):
            raise ValueError("system_role must be 'ok', 'reject' or 'ignore'")

    def prompt_tokens(self, messages: object) -> int:
        """The request's prompt in tokens, as this server counts them."""
        count = len(messages) if isinstance(messages, list) else 0
        text = _message_text(messages)
        return math.ceil(len(text) / self.chars_per_token) + self.tokens_per_message * count

    def context_error(self, body: dict[str, Any]) -> tuple[int, object] | None:
        """(status, error body) when the request does not fit the context, else None."""
        if self.context is None:
            return None
        prompt = self.prompt_tokens(body.get("messages"))
        answer = body.get("max_tokens") or body.get("max_completion_tokens") or 0
        answer = answer if isinstance(answer, int) and self.count_completion else 0
        ctx = self.context
        if prompt + answer <= ctx:
            return None
        status = self.context_status
        asked = prompt + answer
        if self.context_wording == "llamacpp":
            message = f"request ({prompt} tokens) exceeds the available context size ({ctx} tokens)"
            error = {
                "code": status,
                "message": message,
                "type": "exceed_context_size_error",
                "n_prompt_tokens": prompt,
                "n_ctx": ctx,
            }
            return status, {"error": error}
        if self.context_wording == "vllm":  # vLLM's own shape: no "error" wrapper
            message = (
                f"'max_tokens' or 'max_completion_tokens' is too large: {answer}. This "
                f"model's maximum context length is {ctx} tokens and your request has "
                f"{prompt} input tokens ({answer} > {ctx} - {prompt})."
            )
            return status, {
                "object": "error",
                "message": message,
                "type": "BadRequestError",
                "param": None,
                "code": status,
            }
        if self.context_wording == "ollama":  # says no numbers at all
            return status, _error("the input length exceeds the context length", "api_error")
        message = (
            f"This model's maximum context length is {ctx} tokens. However, you requested "
            f"{asked} tokens ({prompt} in the messages, {answer} in the completion). Please "
            "reduce the length of the messages or completion."
        )
        return status, _error(message, "invalid_request_error", "context_length_exceeded")


def _error(message: str, err_type: str, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body."""
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}


def _estimate_tokens(text: str) -> int:
    """Crude token estimate: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


def _message_text(messages: object) -> str:
    """Concatenate the textual content of chat ``messages`` (str or content parts)."""
    if not isinstance(messages, list):
        return ""
    parts: list[str] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    parts.append(part["text"])
    return "".join(parts)


def _split_content(content: str, pieces: int = 3) -> list[str]:
    """Split ``content`` into up to ``pieces`` non-empty consecutive deltas."""
    if not content:
        return []
    size = max(1, math.ceil(len(content) / pieces))
    return [content[i : i + size] for i in range(0, len(content), size)]


class _HTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that knows its owning :class:`LLMServer`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # listen backlog: many clients connect at once
    owner: LLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, OSError) or self.owner.stopping:
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Request handler speaking the subset of the OpenAI API the game uses."""

    protocol_version = "HTTP/1.1"
    server_version = "LLMServer/1.0"
    # Headers and body go out as separate writes; without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK hold each reply back by ~40 ms.
    disable_nagle_algorithm = True
    server: _HTTPServer

    # -- plumbing ---------------------------------------------------------

    def setup(self) -> None:
        """Register the connection so ``stop()`` can cut it."""
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default per-request logging."""

    def _read_body(self) -> bytes:
        """Read the request body (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write a complete response with a correct Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(
        self, status: int, payload: object, headers: dict[str, str] | None = None
    ) -> None:
        """Write ``payload`` as a JSON response."""
        self._send_bytes(status, json.dumps(payload).encode("utf-8"), headers=headers)

    def _send_error_json(
        self,
        status: int,
        message: str,
        err_type: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write an OpenAI-style ``{"error": {...}}`` response."""
        body = {"error": {"message": message, "type": err_type, "param": None, "code": code}}
        self._send_json(status, body, headers=headers)

    def _drop(self) -> None:
        """Close the connection without writing a response."""
        self.close_connection = True

    def _path(self) -> str:
        """Request path without query string or trailing slash."""
        return self.path.split("?", 1)[0].rstrip("/")

    def _client_gone(self) -> bool:
        """True if the client has closed its end of the connection."""
        conn: socket.socket = self.connection
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            if not readable:
                return False
            return conn.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; return False early if the server stops or the client leaves."""
        owner = self.server.owner
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return not owner.stopping
            if owner._stop_event.wait(min(remaining, _POLL)) or self._client_gone():
                return False

    # -- endpoints ----------------------------------------------------------

    def do_GET(self) -> None:
        """``GET /v1/models`` (and llama.cpp's ``/props`` when advertised); else a 404."""
        owner = self.server.owner
        quirks = owner.quirks
        path = self._path()
        if path == "/v1/models":
            created = int(owner.started_at)
            models = []
            for model_id in quirks.models:
                model: dict[str, Any] = {"id": model_id, "object": "model"}
                model.update(created=created, owned_by="tests")
                if quirks.advertise == "vllm":
                    model["max_model_len"] = quirks.context
                models.append(model)
            self._send_json(200, {"object": "list", "data": models})
        elif path == "/api/version" and quirks.advertise == "ollama":
            self._send_json(200, {"version": "0.5.7"})
        elif path == "/props" and quirks.advertise == "llamacpp":
            settings = {"n_ctx": quirks.context, "temperature": 0.8}
            self._send_json(
                200,
                {
                    "default_generation_settings": settings,
                    "total_slots": 1,
                    "model_path": f"/models/{quirks.models[0]}.gguf",
                },
            )
        else:
            self._not_found()

    def _ollama_show(self, raw: bytes) -> None:
        """Ollama's ``POST /api/show``: the model's facts and its parameters."""
        quirks = self.server.owner.quirks
        try:
            name = json.loads(raw or b"{}").get("model")
        except (ValueError, AttributeError):
            name = None
        if name not in quirks.models:
            self._send_json(404, {"error": f"model '{name}' not found"})
            return
        parameters = 'stop "<|eot_id|>"'
        if quirks.ollama_num_ctx:
            parameters = f"num_ctx {quirks.context}\n{parameters}"
        self._send_json(
            200,
            {
                "parameters": parameters,
                "model_info": {
                    "general.architecture": "llama",
                    "llama.context_length": 131072,
                },
            },
        )

    def do_POST(self) -> None:
        """``POST /v1/chat/completions``; anything else is a 404."""
        raw = self._read_body()
        owner = self.server.owner
        if self._path() == "/api/show" and owner.quirks.advertise == "ollama":
            self._ollama_show(raw)
            return
        if self._path() != "/v1/chat/completions":
            self._not_found()
            return
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("request body must be a JSON object")
        except ValueError as exc:
            self._send_error_json(400, f"Invalid JSON body: {exc}", "invalid_request_error")
            return
        owner._begin(body)
        try:
            refused = owner._refusal(body)
            if refused is not None:
                status, payload = refused
                self._send_json(status, payload)
                return
            body = owner._as_seen(body)
            reply = owner._next_reply(body)
            if owner._slot is not None and not owner._slot.serve(self._client_gone):
                self._drop()  # the client gave up while it queued or was worked on
                return
            self._chat(body, reply)
        except Exception as exc:  # responder bug or client gone: report, don't kill the server
            if isinstance(exc, OSError) or owner.stopping:
                self._drop()
            else:
                self._send_error_json(
                    500,
                    f"LLMServer responder raised {exc!r}",
                    "server_error",
                    headers={"x-should-retry": "false"},
                )
        finally:
            owner._end()

    def _not_found(self) -> None:
        """Answer 404 with an OpenAI-style error body."""
        self._send_error_json(
            404, f"Unknown path {self.command} {self.path}", "invalid_request_error", "not_found"
        )

    def _chat(self, body: dict[str, Any], reply: Reply | Exception) -> None:
        """Answer one chat-completion request according to ``reply``."""
        if isinstance(reply, Exception):
            raise reply
        if reply.delay and not self._wait(reply.delay):
            self._drop()
            return
        fault = reply.fault
        if fault == "hang":
            self._wait(HANG_LIMIT)
            self._drop()
            return
        if fault == "drop":
            self._drop()
            return
        if fault in _HTTP_FAULTS:
            status, err_type, code, message = _HTTP_FAULTS[fault]
            message = reply.message or message.replace("{model}", str(body.get("model")))
            headers = {"retry-after-ms": str(RETRY_AFTER_MS)}
            if status == 429:
                headers["retry-after"] = "0"
            if reply.retry_after is not None:
                headers = {"retry-after": f"{reply.retry_after:g}"}
            self._send_error_json(status, message, err_type, code, headers=headers)
            return
        if reply.raw is not None:
            self._send_bytes(200, reply.raw.encode("utf-8"))
            return

        content: str | None = reply.content
        if fault == "empty":
            content = ""
        elif fault == "null_content":
            content = None
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:  # ceil(chars / 4) unless the quirks count otherwise
            prompt_tokens = self.server.owner.quirks.prompt_tokens(body.get("messages"))
        completion_tokens = reply.completion_tokens
        if completion_tokens is None:
            completion_tokens = _estimate_tokens(content or "")
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        model = str(body.get("model") or MODEL_ID)
        completion_id = f"chatcmpl-loopback-{self.server.owner.request_count}"
        created = int(time.time())

        if body.get("stream"):
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
            self._stream(
                completion_id, created, model, content, usage if include_usage else None, fault
            )
            return
        if fault == "malformed":
            self._send_bytes(200, b'{"id": "chatcmpl-broken", "choices": [ {"message": ')
            return
        self._send_json(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            },
        )

    def _stream(
        self,
        completion_id: str,
        created: int,
        model: str,
        content: str | None,
        usage: dict[str, int] | None,
        fault: str | None,
    ) -> None:
        """Answer as Server-Sent Events using chunked transfer encoding."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            event: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if usage is not None:
                event["usage"] = None
            return event

        def send(data: str) -> None:
            payload = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        if fault == "malformed":
            send('{"id": "chatcmpl-broken", "choices": [')
        else:
            first = {"role": "assistant", "content": None if content is None else ""}
            send(json.dumps(chunk(first)))
            for piece in _split_content(content or ""):
                send(json.dumps(chunk({"content": piece})))
            send(json.dumps(chunk({}, finish="stop")))
            if usage is not None:
                final = chunk({})
                final["choices"] = []
                final["usage"] = usage
                send(json.dumps(final))
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class LLMServer:
    """Scripted OpenAI-compatible chat-completions server on 127.0.0.1.

    Args:
        responder: optional ``(request_body) -> Reply`` used when the script
            (see :meth:`enqueue`) is empty. May be replaced via the
            ``responder`` attribute at any time.
        quirks: how it behaves like one real server or another (:class:`Quirks`).
        one_slot: answer chat completions one at a time, each holding the one
            slot this many seconds (see :class:`_OneSlot`); None (the default)
            answers them all at once.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        quirks: Quirks | None = None,
        one_slot: float | None = None,
    ) -> None:
        """Create a stopped server; call :meth:`start` or use ``with``."""
        self.responder: Responder | None = responder
        self.quirks = quirks or Quirks()
        self.refusals: list[tuple[int, str]] = []  # (status, message) of each quirk refusal
        self.started_at: float = time.time()
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._requests: list[dict[str, Any]] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._connections: set[socket.socket] = set()
        self._stop_event = threading.Event()
        self._slot = None if one_slot is None else _OneSlot(one_slot, self._stop_event)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self, port: int = 0) -> LLMServer:
        """Bind 127.0.0.1 on ``port`` (a free one if 0) and serve in a daemon thread;
        return self. A port a stopped server had serves a server coming back."""
        if self._httpd is not None:
            raise RuntimeError("LLMServer already started")
        httpd = _HTTPServer(("127.0.0.1", port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.started_at = time.time()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL},
            name=f"LLMServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: release waiting handlers, cut connections, close the socket.

        Safe to call more than once. Requests still hanging or delayed are
        answered by closing their connection.
        """
        httpd = self._httpd
        if httpd is None or self._stop_event.is_set():
            return
        self._stop_event.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def __enter__(self) -> LLMServer:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self.stop()

    # -- scripting ------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Append replies to the FIFO script; each request consumes one."""
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"expected Reply, got {type(reply).__name__}")
        with self._lock:
            self._script.extend(replies)

    # -- introspection ----------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._httpd is None:
            raise RuntimeError("LLMServer not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` — pass as the client's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A copy of every chat-completion request body received, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many chat-completion requests were received."""
        with self._lock:
            return len(self._requests)

    @property
    def in_flight(self) -> int:
        """Chat-completion requests currently being handled (incl. delayed/hanging)."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """Peak number of chat-completion requests handled at once."""
        with self._lock:
            return self._max_in_flight

    @property
    def pending(self) -> int:
        """Scripted replies not yet consumed."""
        with self._lock:
            return len(self._script)

    @property
    def slot(self) -> _OneSlot | None:
        """The one slot in ``one_slot`` mode (its ``log`` and ``abandoned``), else None."""
        return self._slot

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` has been called."""
        return self._stop_event.is_set()

    # -- handler callbacks --------------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        """Remember (or forget) an open client connection."""
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _begin(self, body: dict[str, Any]) -> None:
        """Record a chat-completion request and count it in flight."""
        with self._lock:
            self._requests.append(body)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _end(self) -> None:
        """Count a chat-completion request as finished."""
        with self._lock:
            self._in_flight -= 1

    def _refusal(self, body: dict[str, Any]) -> tuple[int, object] | None:
        """What the quirks refuse this request with, if anything: an unknown model, a
        system message the template rejects, a prompt over the context."""
        quirks = self.quirks
        refused: tuple[int, object] | None = None
        messages = body.get("messages")
        listed = messages if isinstance(messages, list) else []
        roles = [m.get("role") for m in listed if isinstance(m, dict)]
        if quirks.strict_model and body.get("model") not in quirks.models:
            text = f"The model `{body.get('model')}` does not exist or you do not have access to it."
            refused = 404, _error(text, "invalid_request_error", "model_not_found")
        elif quirks.system_role == "reject" and "system" in roles:
            refused = 400, _error("System role not supported", "invalid_request_error")
        else:
            refused = quirks.context_error(body)
        if refused is not None:
            status, payload = refused
            error = payload.get("error", payload) if isinstance(payload, dict) else payload
            text = error.get("message", "") if isinstance(error, dict) else str(error)
            with self._lock:
                self.refusals.append((status, str(text)))
        return refused

    def _as_seen(self, body: dict[str, Any]) -> dict[str, Any]:
        """The request as the model sees it: without system messages, for a template
        that drops them."""
        messages = body.get("messages")
        if self.quirks.system_role != "ignore" or not isinstance(messages, list):
            return body
        kept = [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]
        return {**body, "messages": kept}

    def _next_reply(self, body: dict[str, Any]) -> Reply | Exception:
        """Next scripted reply, else the responder's, else the default."""
        with self._lock:
            if self._script:
                return self._script.popleft()
            responder = self.responder
        if responder is None:
            return Reply(content=DEFAULT_CONTENT)
        try:
            reply = responder(body)
        except Exception as exc:  # surfaced to the client as a 500
            return exc
        if not isinstance(reply, Reply):
            return TypeError(f"responder returned {type(reply).__name__}, expected Reply")
        return reply


# ---- one request at a time (issue 16, point 3) ----------------------------------------


class _OneSlot:
    """A server that works on one chat completion at a time, like llama.cpp's server
    with one slot (or LM Studio, or Ollama with one parallel request).

    Requests queue in the order they came and each holds the slot for ``seconds``. As on
    those servers, a request whose client has given up (timed out, closed the connection)
    still waits its turn and is worked on in full: only then is it dropped. So a client
    that sends more than the server can take finds its later calls queued behind work
    nobody wants. The scripted reply's own ``delay``, if any, follows outside the slot.
    """

    def __init__(self, seconds: float, stop: threading.Event) -> None:
        if not (seconds >= 0 and math.isfinite(seconds)):
            raise ValueError(f"one_slot must be a finite number >= 0, got {seconds!r}")
        self.seconds = seconds
        self._stop = stop
        self._turns = threading.Condition()
        self._next_ticket = 0  # handed to the next request to come
        self._serving = 0  # the ticket whose turn it is
        self.log: list[tuple[int, bool]] = []  # (ticket, client gone by the end), in order

    def serve(self, client_gone: Callable[[], bool]) -> bool:
        """Wait for the slot, hold it ``seconds``; whether the client is still there."""
        with self._turns:
            ticket = self._next_ticket
            self._next_ticket += 1
            while self._serving != ticket and not self._stop.is_set():
                self._turns.wait(_POLL)
        self._stop.wait(self.seconds)  # not cut short by the client going: it is not noticed
        gone = client_gone() or self._stop.is_set()
        with self._turns:
            self.log.append((ticket, gone))
            self._serving += 1
            self._turns.notify_all()
        return not gone

    @property
    def abandoned(self) -> int:
        """Requests worked on in full for a client that had gone."""
        with self._turns:
            return sum(1 for _, gone in self.log if gone)
