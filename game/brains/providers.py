"""Where OpenAI-compatible servers listen, kept apart from the brain itself so that
choosing a brain does not import the ``openai`` package (most of a second)."""

from __future__ import annotations

#: Local servers accept any key; the client insists on having one.
PLACEHOLDER_KEY = "not-needed-for-local-servers"

PROVIDERS: dict[str, str | None] = {
    "openai": None,  # the client's default, or OPENAI_BASE_URL
    "ollama": "http://localhost:11434/v1",
    "lmstudio": "http://localhost:1234/v1",
}
