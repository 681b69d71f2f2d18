"""What an OpenAI-compatible server tells of itself: the models it has, and its context.

Each kind of server says its context somewhere else: vLLM as ``max_model_len`` in
``/v1/models``, llama.cpp's server as ``n_ctx`` in ``/props``, Ollama as ``num_ctx`` in the
parameters ``/api/show`` gives (asked only of a server that answers Ollama's
``/api/version``). LM Studio and OpenAI say nothing we can use. Each answer
is read with care, as any server may answer anything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import openai

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Ollama without ``num_ctx`` in the model's parameters runs it with its default, 2,048
#: tokens in the versions most players have (newer ones choose more by the memory free);
#: the smallest is the safe one to fit prompts to.
OLLAMA_DEFAULT_CONTEXT = 2048
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.MULTILINE)


class ServerFacts(NamedTuple):
    reached: bool  # False: nobody answered at the address (ask again later)
    models: tuple[str, ...] | None  # what /v1/models lists; None if it did not answer
    context: int | None
    source: str  # where the context was read, for the log


def root_of(base_url: str) -> str:
    """``http://host:8080`` for ``http://host:8080/v1``: where /props and /api/show are."""
    parts = urlsplit(base_url.rstrip("/"))
    path = parts.path.removesuffix("/v1")
    return f"{parts.scheme}://{parts.netloc}{path}"


async def list_models(client: openai.AsyncOpenAI, base_url: str) -> tuple[str, ...] | None:
    """The model ids the server lists, or None if it lists none we can read."""
    body = await _get(client, base_url.rstrip("/") + "/models")
    return _model_ids(body)


async def read_facts(client: openai.AsyncOpenAI, base_url: str, model: str) -> ServerFacts:
    """Ask the server for its models and context, in the places each kind says them.

    ``client`` should carry a short timeout and no retries: this is asked once, before
    the first call, and a server that says nothing must not hold the game up.
    """
    try:
        body = await _get(client, base_url.rstrip("/") + "/models")
    except openai.APITimeoutError:  # it answers nothing in time: not worth asking again
        return ServerFacts(True, None, None, "")
    except openai.APIConnectionError:  # nobody there yet: ask again before the next call
        return ServerFacts(False, None, None, "")
    models = _model_ids(body)
    found = _vllm_context(body, model)
    if found:
        return ServerFacts(True, models, found, "vLLM's max_model_len in /v1/models")
    root = root_of(base_url)
    try:
        found = _llamacpp_context(await _get(client, root + "/props"))
        if found:
            return ServerFacts(True, models, found, "llama.cpp's n_ctx in /props")
        # Only an Ollama is asked to POST: another server may take any POST as a call.
        version = await _get(client, root + "/api/version")
        if not (isinstance(version, dict) and "version" in version):
            return ServerFacts(True, models, None, "")
        show = await _post(client, root + "/api/show", {"model": model})
    except (openai.APIConnectionError, openai.APITimeoutError):
        return ServerFacts(True, models, None, "")
    context, source = _ollama_context(show)
    return ServerFacts(True, models, context, source)


async def _get(client: openai.AsyncOpenAI, url: str) -> object:
    try:
        return await client.get(url, cast_to=object)
    except (openai.APIConnectionError, openai.APITimeoutError):
        raise
    except Exception:  # noqa: BLE001 - a 404, or an answer that is not JSON: says nothing
        return None


async def _post(client: openai.AsyncOpenAI, url: str, body: dict[str, str]) -> object:
    try:
        return await client.post(url, cast_to=object, body=body)
    except (openai.APIConnectionError, openai.APITimeoutError):
        raise
    except Exception:  # noqa: BLE001 - as _get
        return None


def _model_ids(body: object) -> tuple[str, ...] | None:
    cards = _cards(body)
    if cards is None:
        return None
    return tuple(str(card["id"]) for card in cards if isinstance(card.get("id"), str))


def _cards(body: object) -> list[Mapping[str, object]] | None:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    return [card for card in data if isinstance(card, dict)]


def _vllm_context(body: object, model: str) -> int | None:
    cards = _cards(body) or []
    mine = [card for card in cards if card.get("id") == model] or cards[:1]
    return _tokens(mine[0].get("max_model_len")) if mine else None


def _llamacpp_context(body: object) -> int | None:
    if not isinstance(body, dict):
        return None
    settings = body.get("default_generation_settings")
    if isinstance(settings, dict) and _tokens(settings.get("n_ctx")):
        return _tokens(settings.get("n_ctx"))
    return _tokens(body.get("n_ctx"))


def _ollama_context(body: object) -> tuple[int | None, str]:
    if not isinstance(body, dict):
        return None, ""
    parameters = body.get("parameters")
    if isinstance(parameters, str) and (found := _NUM_CTX.search(parameters)):
        tokens = _tokens(int(found.group(1)))
        if tokens:
            return tokens, "Ollama's num_ctx in /api/show"
    info = body.get("model_info")
    if not isinstance(info, dict):
        return None, ""
    trained = [
        tokens
        for key, value in info.items()
        if str(key).endswith(".context_length") and (tokens := _tokens(value))
    ]
    if not trained:
        return None, ""
    context = min(OLLAMA_DEFAULT_CONTEXT, *trained)
    return context, (
        f"Ollama's default num_ctx ({OLLAMA_DEFAULT_CONTEXT}; /api/show gives no num_ctx, "
        f"and the model holds {max(trained)})"
    )


def _tokens(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 100_000_000 else None
