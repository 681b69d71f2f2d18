"""Each NPC's chronological memory: a markdown log on disk and recent entries for prompts;
and the run's ``replies.jsonl``, every model reply and what was made of it.

Entries are appended whole: each is written with a single ``write`` on a file
opened with ``O_APPEND``, so a crash (even SIGKILL) can cut a run short but never
tears or interleaves an entry that was already written. A conversation is the one
entry written a line at a time, as each line is said (a run killed mid-talk keeps what
was said): its head goes with its first line, then each line, then ``Ended by:``. A run
killed meanwhile leaves it open at the end of the log, and the next run into the same
folder closes it (:data:`LEFT_OPEN_END`) before it writes anything.

What a log says is written for a reader who opens it in a markdown viewer: bidi controls
are dropped and ``<``, ``>`` and ``&`` are escaped (see :func:`game.text.for_markdown`);
every other character is kept as it was said. The entries kept for prompts are as said.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from game.text import cut, for_markdown, for_record

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger("hamlet.sim")

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

#: How a conversation left open by a run that was killed is closed by the next run.
LEFT_OPEN_END = "Ended by: an interruption (the game stopped)"
REPLIES_FILE = "replies.jsonl"
#: Longest reply kept in ``replies.jsonl``; a longer one is cut and its length given.
MAX_REPLY_CHARS = 4000


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


def _append_whole(fd: int, text: str) -> None:
    """One ``write`` of ``text`` on an ``O_APPEND`` file: never torn, never interleaved."""
    # "replace": a stray lone surrogate must cost one character, not the whole entry.
    data = text.encode("utf-8", errors="replace")
    written = os.write(fd, data)
    while written < len(data):  # a regular file takes it all at once; be safe anyway
        written += os.write(fd, data[written:])


def _open_tail(path: Path) -> bytes:
    """What follows the last blank line of the log at ``path``: b"" when it ends with a
    whole entry, else the entry a killed run left open (or, never written by us, torn)."""
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        chunk = 4096
        while True:
            start = max(size - chunk, 0)
            file.seek(start)
            data = file.read()
            if data.endswith(b"\n\n"):
                return b""
            end = data.rfind(b"\n\n")
            if end >= 0:
                return data[end + 2 :]
            if start == 0:
                return data
            chunk *= 4  # a long talk with the player: look further back


class MemoryLog:
    """One NPC's log file, and its entries in memory: ``entries`` is the list of the
    villager's state (``VillagerState.memory``), which this log adds to."""

    def __init__(self, name: str, path: Path, entries: list[str] | None = None) -> None:
        self.name = name
        self.path = path
        self.entries: list[str] = [] if entries is None else entries
        # The last answer of ``recent``: asked for once a turn and for every conversation
        # line, while entries come once a turn. Keyed by (entries, budget).
        self._recent: tuple[int, int, str] = (0, -1, "")
        # The conversation under way: its lines so far (head first), and whether any of
        # it is on disk yet (the head goes with the first line said).
        self._block: list[str] | None = None
        self._block_written = False
        # Entries that came while the conversation was open (a turn entry finished
        # meanwhile): written after it, as a block must stay whole.
        self._held: list[str] = []
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self._fd).st_size == 0:
            self._write(f"# {name} - memory log\n\n")
        else:  # a log folder used again: say where this run's turns (from 1 again) begin
            self._close_left_open()
            began = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            self._write(f"# {name} - memory log, continued: a new run began {began}\n\n")

    def _write(self, text: str) -> None:
        _append_whole(self._fd, for_markdown(text))

    def _close_left_open(self) -> None:
        """End what a killed run left open: a conversation gets :data:`LEFT_OPEN_END`."""
        tail = _open_tail(self.path)
        if not tail:
            return
        close = "" if tail.endswith(b"\n") else "\n"  # (a torn line: never written by us)
        if tail.startswith(b"### Conversation"):
            close += LEFT_OPEN_END + "\n"
            log.info("%s: closed the conversation the last run left open", self.path)
        _append_whole(self._fd, close + "\n")

    def loaded(self, source: str, turn: int) -> None:
        """A saved game was loaded (its entries are in ``entries`` now, what prompts read
        from now on): the log file says where the game picks up."""
        self._recent = (0, -1, "")
        when = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        self._write(
            f"# {self.name} - memory log, continued: the game was loaded from {source} "
            f"at turn {turn} ({when})\n\n"
        )

    def append(self, entry: str) -> None:
        """Record one whole entry (a turn or a conversation) on disk and in memory."""
        entry = entry.strip("\n")
        if not entry:
            return
        if self._block is not None:  # not inside the conversation's block: after it
            self._held.append(entry)
            return
        self.entries.append(entry)
        if self._fd >= 0:
            self._write(entry + "\n\n")

    # ---- a conversation, a line at a time ----------------------------------------------

    def begin(self, head: str) -> None:
        """A conversation begins: ``head`` ("### Conversation with...", "Initiated by:")
        is written with its first line; entries that come meanwhile wait for its end."""
        if self._block is not None:  # one at a time; never left open by the manager
            self.end(LEFT_OPEN_END)
        self._block = [head.strip("\n")]
        self._block_written = False

    def add(self, line: str) -> None:
        """One line of the conversation, on disk as soon as it is said."""
        if self._block is None:
            return
        line = " ".join(line.splitlines())  # a line break would split the block
        self._block.append(line)
        if self._fd < 0:
            return
        if self._block_written:
            self._write(line + "\n")
        else:
            self._write("\n".join(self._block) + "\n")
            self._block_written = True

    def end(self, last: str) -> None:
        """The conversation ends with ``last`` ("Ended by: ..."); then what waited. A talk
        in which nothing was said leaves no trace."""
        block, self._block = self._block, None
        if block is not None and len(block) > 1:
            block.append(last)
            self.entries.append("\n".join(block))
            if self._fd >= 0:
                self._write(last + "\n\n")
        held, self._held = self._held, []
        for entry in held:
            self.append(entry)

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
                    chosen.append(cut(entry, budget))
                break
            chosen.append(entry)
            used += len(entry) + 1
        text = "\n".join(reversed(chosen))
        self._recent = (len(self.entries), budget, text)
        return text

    def close(self) -> None:
        if self._block is not None:  # the manager ends every talk first; be safe anyway
            self.end(LEFT_OPEN_END)
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


class ReplyLog:
    """``replies.jsonl``: one JSON object a line for every reply a model gave, with what
    was made of it, so a game-maker can see why a model fails. Each line is one ``write``
    on an ``O_APPEND`` file, so a killed run leaves whole lines. A run's lines begin with
    ``{"kind": "run", "began": ...}`` (a folder may be used again)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._line({"kind": "run", "began": datetime.now().isoformat(timespec="seconds")})

    def _line(self, record: dict[str, object]) -> None:
        if self._fd >= 0:
            _append_whole(self._fd, json.dumps(record, ensure_ascii=False) + "\n")

    def record(
        self,
        *,
        turn: int,
        villager: str,
        kind: str,
        reply: str,
        outcome: str,
        taken: list[str],
        warnings: list[str],
        partner: str | None = None,
        tokens: tuple[int, int] = (0, 0),
    ) -> None:
        """One reply: ``kind`` is "decision" or "conversation" (with ``partner``), the
        ``outcome`` says in a few words what came of it, ``taken`` the directives acted
        on, ``warnings`` what was wrong with it. The reply is cleaned (see
        :func:`game.text.for_record`) and cut at :data:`MAX_REPLY_CHARS`."""
        text = for_record(reply)
        entry: dict[str, object] = {"turn": turn, "villager": villager, "kind": kind}
        if partner is not None:
            entry["with"] = partner
        entry["reply"] = cut(text, MAX_REPLY_CHARS)
        if len(text) > MAX_REPLY_CHARS:
            entry["reply_chars"] = len(text)
        entry["outcome"] = outcome
        entry["taken"] = [for_record(d) for d in taken]
        entry["warnings"] = [for_record(w) for w in warnings]
        if any(tokens):
            entry["prompt_tokens"], entry["completion_tokens"] = tokens
        self._line(entry)

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


class MemoryBook:
    """Every NPC's log in one run directory, and (with ``keep_replies``) the replies."""

    def __init__(
        self,
        log_dir: Path,
        entries: Mapping[str, list[str]],
        *,
        keep_replies: bool = False,
    ) -> None:
        """One log per villager in ``entries``, each adding to that villager's list."""
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        files = log_file_names(list(entries))
        self.logs = {
            name: MemoryLog(name, log_dir / files[name], kept) for name, kept in entries.items()
        }
        self.replies = ReplyLog(log_dir / REPLIES_FILE) if keep_replies else None

    def __getitem__(self, name: str) -> MemoryLog:
        return self.logs[name]

    def close(self) -> None:
        for log_ in self.logs.values():
            log_.close()
        if self.replies is not None:
            self.replies.close()
