"""Shared plumbing: a scratch directory for memory logs, logging as the game sets it up,
and the loopback chat-completions server from ``tests/llm_server.py``."""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

    from game.brains.openai_brain import OpenAIBrain

TESTS_DIR = Path(__file__).resolve().parents[2] / "tests"


@contextmanager
def scratch_logs() -> Iterator[Path]:
    """A temporary run directory; warnings go to ``hamlet.log`` in it, as in the game."""
    with tempfile.TemporaryDirectory(prefix="hamlet-bench-") as tmp:
        log_dir = Path(tmp)
        handler = logging.FileHandler(log_dir / "hamlet.log", encoding="utf-8")
        handler.setLevel(logging.INFO)
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        for noisy in ("httpx", "openai"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        try:
            yield log_dir
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            handler.close()


def llm_server() -> ModuleType:
    """``tests/llm_server.py``, the loopback OpenAI-compatible server the tests use."""
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    import llm_server

    return llm_server


def loopback_brain(base_url: str, timeout: float) -> OpenAIBrain:
    """The real OpenAI-compatible brain pointed at the loopback server, without retries."""
    from game.brains.openai_brain import OpenAIBrain

    return OpenAIBrain(
        model="gpt-4o-mini",
        api_key="sk-bench-not-real",
        base_url=base_url,
        timeout=timeout,
        max_retries=0,
    )
