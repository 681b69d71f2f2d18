"""Each NPC's chronological memory: a markdown log on disk and recent entries for prompts.

Entries are appended whole: each is written with a single ``write`` on a file
opened with ``O_APPEND``, so a crash (even SIGKILL) can cut a run short but never
tears or interleaves an entry that was already written.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def log_file_name(name: str) -> str:
    return (_UNSAFE.sub("_", name).strip("_").lower() or "npc") + ".md"


def log_file_names(names: list[str]) -> dict[str, str]:
    """Each name's log file: ``ada.md``; a second name that would share it (Ada and Ada')
    gets ``ada-2.md``, so no two villagers ever write into one file."""
    files: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        file = log_file_name(name)
        stem, number = file.removesuffix(".md"), 2
        while file in taken:
            file, number = f"{stem}-{number}.md", number + 1
        taken.add(file)
        files[name] = file
    return files


class MemoryLog:
    """One NPC's log file plus its entries in memory."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.entries: list[str] = []
        # The last answer of ``recent``: asked for once a turn and for every conversation
        # line, while entries come once a turn. Keyed by (entries, budget).
        self._recent: tuple[int, int, str] = (0, -1, "")
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self._fd).st_size == 0:
            self._write(f"# {name} - memory log\n\n")
        else:  # a log folder used again: say where this run's turns (from 1 again) begin
            began = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            self._write(f"# {name} - memory log, continued: a new run began {began}\n\n")

    def _write(self, text: str) -> None:
        # "replace": a stray lone surrogate must cost one character, not the whole entry.
        data = text.encode("utf-8", errors="replace")
        written = os.write(self._fd, data)
        while written < len(data):  # a regular file takes it all at once; be safe anyway
            written += os.write(self._fd, data[written:])

    def append(self, entry: str) -> None:
        """Record one whole entry (a turn or a conversation) on disk and in memory."""
        entry = entry.strip("\n")
        if not entry:
            return
        self.entries.append(entry)
        if self._fd >= 0:
            self._write(entry + "\n\n")

    def recent(self, budget: int) -> str:
        """The newest entries that fit in ``budget`` characters, oldest first."""
        count, asked, text = self._recent
        if count == len(self.entries) and asked == budget:
            return text
        chosen: list[str] = []
        used = 0
        for entry in reversed(self.entries):
            if used + len(entry) + 1 > budget:
                if not chosen:  # the newest entry alone is too long: keep its start
                    chosen.append(entry[: max(budget - 1, 0)].rstrip() + "…")
                break
            chosen.append(entry)
            used += len(entry) + 1
        text = "\n".join(reversed(chosen))
        self._recent = (len(self.entries), budget, text)
        return text

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


class MemoryBook:
    """Every NPC's log in one run directory."""

    def __init__(self, log_dir: Path, names: list[str]) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        files = log_file_names(names)
        self.logs = {name: MemoryLog(name, log_dir / files[name]) for name in names}

    def __getitem__(self, name: str) -> MemoryLog:
        return self.logs[name]

    def close(self) -> None:
        for log in self.logs.values():
            log.close()
