"""Reading memory logs back as a player would: whole entries, and transcripts checked
against what the simulation said it did (its events)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from game.sim import messages as m
from game.text import for_markdown

HEADER = re.compile(r"# ([A-Za-z][A-Za-z'-]*) - memory log")
# Where a later run into the same folder begins (its turns count from 1 again).
CONTINUED = re.compile(
    r"# ([A-Za-z][A-Za-z'-]*) - memory log, continued: "
    r"(a new run began|the game was loaded from) .+"
)
TURN_HEAD = re.compile(r"## Turn (\d+) at (\d+),(\d+)")
CONV_HEAD = re.compile(r"### Conversation with ([A-Za-z][A-Za-z'-]*) \(Turn (\d+) at (\d+),(\d+)\)")
INITIATED = re.compile(r"Initiated by: ([A-Za-z][A-Za-z'-]*)")
CONV_LINE = re.compile(r"- ([A-Za-z][A-Za-z'-]*): (\S.*)")
ENDED = re.compile(r"Ended by: (\S.*)")


def split_entries(text: str, where: str = "log", *, killed: bool = False) -> list[str]:
    """The entries of a memory log, header excluded. Fails unless every entry is whole.

    A log is a header line, then entries, each followed by one blank line; a turn entry
    is ``## Turn N at x,y`` and ``- ...`` lines; a conversation is its complete block.
    A run ``killed`` mid-conversation may end in that conversation's block, open: its
    head and the whole lines said so far (it is returned last, as it stands).
    """
    open_block: list[str] = []
    if killed and not text.endswith("\n\n"):
        text, _, tail = text.rpartition("\n\n")
        check_open_conversation(tail, where)
        text += "\n\n"
        open_block.append(tail.rstrip("\n"))
    assert text.endswith("\n\n"), f"{where}: does not end with a whole entry: {text[-200:]!r}"
    blocks = text[:-2].split("\n\n")
    assert HEADER.fullmatch(blocks[0]), f"{where}: bad header {blocks[0][:80]!r}"
    for block in blocks[1:]:
        check_entry(block, where)
    return blocks[1:] + open_block


def check_open_conversation(tail: str, where: str = "log") -> None:
    """What a run killed mid-talk leaves at the end of a log: a conversation's head and
    the lines said so far, each whole (ending in a line break), no ``Ended by:`` yet."""
    assert tail.endswith("\n"), f"{where}: a torn last line: {tail[-200:]!r}"
    lines = tail[:-1].split("\n")
    assert CONV_HEAD.fullmatch(lines[0]), f"{where}: an open entry that is no talk: {tail[:200]!r}"
    assert len(lines) >= 3, f"{where}: a talk's head written without a line: {tail!r}"
    assert INITIATED.fullmatch(lines[1]), f"{where}: bad 'Initiated by' {lines[1][:120]!r}"
    bad = [line for line in lines[2:] if not CONV_LINE.fullmatch(line)]
    assert not bad, f"{where}: torn conversation line {bad[0][:120]!r}"


def check_entry(block: str, where: str = "log") -> None:
    """One entry is whole: a turn entry or a complete conversation block, nothing torn."""
    lines = block.split("\n")
    assert all(lines), f"{where}: empty line inside an entry: {block[:300]!r}"
    if CONTINUED.fullmatch(block):
        return
    if TURN_HEAD.fullmatch(lines[0]):
        bad = [line for line in lines[1:] if not line.startswith("- ")]
        assert not bad, f"{where}: torn turn entry, stray line {bad[0][:120]!r}"
        return
    assert CONV_HEAD.fullmatch(lines[0]), f"{where}: entry with no known head {lines[0][:120]!r}"
    assert len(lines) >= 4, f"{where}: conversation block too short: {block[:300]!r}"
    assert INITIATED.fullmatch(lines[1]), f"{where}: bad 'Initiated by' {lines[1][:120]!r}"
    body = lines[2:-1]
    bad = [line for line in body if not CONV_LINE.fullmatch(line)]
    assert not bad, f"{where}: torn conversation line {bad[0][:120]!r}"
    assert ENDED.fullmatch(lines[-1]), f"{where}: conversation not ended: {lines[-1][:120]!r}"


def check_log_dir(
    log_dir: Path, *, consecutive_turns: bool = True, killed: bool = False
) -> dict[str, list[str]]:
    """Every ``*.md`` log in ``log_dir`` is whole (a run ``killed`` may leave the talk it
    was in open at the end); turn entries run 1, 2, 3... per file."""
    found: dict[str, list[str]] = {}
    for path in sorted(log_dir.glob("*.md")):
        entries = split_entries(path.read_text(encoding="utf-8"), path.name, killed=killed)
        if consecutive_turns:
            turns = [int(TURN_HEAD.match(e).group(1)) for e in entries if e.startswith("## Turn")]
            assert turns == list(range(1, len(turns) + 1)), f"{path.name}: turns {turns}"
        found[path.name] = entries
    return found


@dataclass
class ConversationSeen:
    """One conversation as the events told it."""

    id: int
    participants: tuple[str, ...]  # the first started it
    turn: int
    places: dict[str, tuple[int, int]]
    lines: list[tuple[str, str]] = field(default_factory=list)
    ended_by: str | None = None

    def block_for(self, name: str) -> str:
        """The block ``name``'s log holds: as said, in the form a markdown log writes (no
        bidi controls; ``<``, ``>`` and ``&`` escaped)."""
        others = [n for n in self.participants if n != name]
        other = ", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0]
        x, y = self.places[name]
        return for_markdown(
            "\n".join(
                [
                    f"### Conversation with {other} (Turn {self.turn} at {x},{y})",
                    f"Initiated by: {self.participants[0]}",
                    *(f"- {speaker}: {text}" for speaker, text in self.lines),
                    f"Ended by: {self.ended_by}",
                ]
            )
        )


def conversations_from_events(events: list[m.Event]) -> list[ConversationSeen]:
    """Rebuild every conversation from the event stream: who, when, where, what was said."""
    pos: dict[str, tuple[int, int]] = {}
    turn = 0
    convs: dict[int, ConversationSeen] = {}
    for event in events:
        if isinstance(event, (m.EntityPlaced, m.EntityMoved)):
            pos[event.name] = event.pos
        elif isinstance(event, m.TurnStarted):
            turn = event.turn
        elif isinstance(event, m.ConversationStarted):
            assert event.conversation_id not in convs, "conversation id reused"
            convs[event.conversation_id] = ConversationSeen(
                event.conversation_id,
                event.participants,
                turn,
                {n: pos[n] for n in event.participants},
            )
        elif isinstance(event, m.Spoke) and event.conversation_id is not None:
            convs[event.conversation_id].lines.append((event.name, event.text))
        elif isinstance(event, m.ConversationEnded):
            conv = convs[event.conversation_id]
            assert conv.ended_by is None, f"conversation {conv.id} ended twice"
            conv.ended_by = event.ended_by
    return list(convs.values())


def check_transcripts(
    events: list[m.Event], logs: dict[str, Path], player: str = "Player"
) -> tuple[int, int]:
    """Every conversation is in each NPC participant's log exactly once, as it was said.

    Returns (conversations, transcript blocks checked).
    """
    convs = conversations_from_events(events)
    entries = {
        name: split_entries(path.read_text(encoding="utf-8"), path.name)
        for name, path in logs.items()
    }
    expected: dict[str, list[str]] = defaultdict(list)
    for conv in convs:
        assert conv.ended_by is not None, f"conversation {conv.id} never ended"
        assert conv.lines, f"conversation {conv.id} has no lines"
        for name in conv.participants:
            if name != player:
                expected[name].append(conv.block_for(name))
    checked = 0
    for name, blocks in expected.items():
        for block in blocks:
            count = entries[name].count(block)
            assert count == 1, f"{name}: transcript found {count} times:\n{block}"
            checked += 1
    for name, got in entries.items():
        written = [e for e in got if e.startswith("### Conversation")]
        assert len(written) == len(expected.get(name, [])), (
            f"{name}: {len(written)} transcripts written, {len(expected.get(name, []))} held"
        )
    return len(convs), checked
