"""Where OpenAI-compatible servers listen, and how many calls to send them at once: kept
apart from the brain itself so that choosing a brain does not import the ``openai``
package (most of a second)."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

#: Local servers accept any key; the client insists on having one.
PLACEHOLDER_KEY = "not-needed-for-local-servers"

PROVIDERS: dict[str, str | None] = {
    "openai": None,  # the client's default, or OPENAI_BASE_URL
    "ollama": "http://localhost:11434/v1",
    "lmstudio": "http://localhost:1234/v1",
}


class Concurrency(NamedTuple):
    """Where the number of decisions asked at once starts, and how high it may adapt."""

    start: int
    most: int


#: A server on this machine or the local network is one model on one GPU or CPU, often
#: working on one request at a time (LM Studio; llama.cpp or Ollama set up for one slot):
#: two at once costs such a server little, and doubles what a parallel one gets done.
LOCAL_CALLS = Concurrency(start=2, most=8)
#: A hosted service (OpenAI's own, or any other on the internet) serves many at once.
REMOTE_CALLS = Concurrency(start=4, most=16)


def is_local(base_url: str | None) -> bool:
    """Whether ``base_url`` is a server on this machine or the local network."""
    if not base_url:
        return False  # OpenAI's own
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".lan", ".home.arpa")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare name ("gpu-box") is on the local network
    return address.is_loopback or address.is_private or address.is_link_local


def calls_at_once(base_url: str | None) -> Concurrency:
    """The sensible number of calls at once to start from, and the most, for a server."""
    return LOCAL_CALLS if is_local(base_url) else REMOTE_CALLS
