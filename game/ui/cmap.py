"""Which characters a font file has glyphs for, read from its character map.

Asking FreeType one character at a time (as the game once did) opened the 8 MB Noto Sans SC
file to answer each new character, and could not say anything about a font it had not
opened. A TrueType or OpenType file lists every character it maps in its ``cmap`` table;
reading that table once gives the whole answer, for a few kilobytes read and a
hundredth of a second.

Only what the game's fonts use is read: the Unicode subtables of format 4 (the Basic
Multilingual Plane) and format 12 (all planes). No third-party package is needed for it.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterable
from pathlib import Path

# (platform, encoding) of the Unicode subtables, the full-repertoire ones first.
_UNICODE_SUBTABLES = ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
_SFNT_TAGS = (b"\x00\x01\x00\x00", b"OTTO", b"true")


class CmapError(ValueError):
    """The file is not a font whose character map can be read."""


class Charset:
    """A set of code points held as sorted, non-overlapping ranges: the CJK fonts map some
    30,000 characters, in a few thousand runs."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        i = bisect.bisect_right(self._starts, code) - 1
        return i >= 0 and code <= self._ends[i]

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in zip(self._starts, self._ends, strict=True))

    def ranges(self) -> list[tuple[int, int]]:
        return list(zip(self._starts, self._ends, strict=True))


def _format4(data: bytes, at: int) -> list[tuple[int, int]]:
    """Ranges of a format 4 subtable, leaving out what maps to glyph 0 (.notdef)."""
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends_at = at + 14
    starts_at = ends_at + 2 * segments + 2  # past the reserved pad
    deltas_at = starts_at + 2 * segments
    offsets_at = deltas_at + 2 * segments
    ends = struct.unpack_from(f">{segments}H", data, ends_at)
    starts = struct.unpack_from(f">{segments}H", data, starts_at)
    deltas = struct.unpack_from(f">{segments}h", data, deltas_at)
    offsets = struct.unpack_from(f">{segments}H", data, offsets_at)
    ranges: list[tuple[int, int]] = []
    for i in range(segments):
        start, end, delta, offset = starts[i], ends[i], deltas[i], offsets[i]
        if start == 0xFFFF:
            continue  # the closing segment every format 4 table carries
        if offset == 0:
            # Glyph = code + delta (mod 65,536): only one code in the run can land on 0.
            zero = (-delta) & 0xFFFF
            if start <= zero <= end:
                ranges += [(start, zero - 1)] if zero > start else []
                ranges += [(zero + 1, end)] if zero < end else []
            else:
                ranges.append((start, end))
            continue
        # Each code has its own slot in the glyph index array, found from where this
        # segment's offset is stored.
        base = offsets_at + 2 * i + offset
        run_start = None
        for code in range(start, end + 1):
            slot = base + 2 * (code - start)
            glyph = struct.unpack_from(">H", data, slot)[0] if slot + 2 <= len(data) else 0
            if glyph and (glyph + delta) & 0xFFFF:
                if run_start is None:
                    run_start = code
            elif run_start is not None:
                ranges.append((run_start, code - 1))
                run_start = None
        if run_start is not None:
            ranges.append((run_start, end))
    return ranges


def _format12(data: bytes, at: int) -> list[tuple[int, int]]:
    """Ranges of a format 12 subtable (groups of consecutive codes and glyphs)."""
    groups = struct.unpack_from(">I", data, at + 12)[0]
    ranges: list[tuple[int, int]] = []
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
        if glyph == 0:
            start += 1  # the group's first code is .notdef, the rest are real glyphs
        if start <= end:
            ranges.append((start, min(end, 0x10FFFF)))
    return ranges


def read_charset(path: Path) -> Charset:
    """The characters the font at ``path`` maps to a glyph of its own (never .notdef).

    Raises :class:`CmapError` for a file with no character map this reads, and OSError
    for one that cannot be opened.
    """
    with open(path, "rb") as file:
        head = file.read(12)
        if len(head) < 12 or head[:4] not in _SFNT_TAGS:
            raise CmapError(f"{path.name} is not a TrueType or OpenType font")
        count = struct.unpack(">H", head[4:6])[0]
        directory = file.read(16 * count)
        where = None
        for i in range(count):
            tag, _, offset, length = struct.unpack_from(">4sIII", directory, 16 * i)
            if tag == b"cmap":
                where = (offset, length)
        if where is None:
            raise CmapError(f"{path.name} has no character map")
        file.seek(where[0])
        data = file.read(where[1])
    try:
        subtables: dict[tuple[int, int], tuple[int, int]] = {}
        for i in range(struct.unpack_from(">H", data, 2)[0]):
            platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * i)
            kind = struct.unpack_from(">H", data, offset)[0]
            if kind in (4, 12):
                subtables.setdefault((platform, encoding), (kind, offset))
        for key in _UNICODE_SUBTABLES:
            if key in subtables:
                kind, offset = subtables[key]
                return Charset(_format12(data, offset) if kind == 12 else _format4(data, offset))
    except struct.error as exc:
        raise CmapError(f"{path.name} has a damaged character map: {exc}") from exc
    raise CmapError(f"{path.name} has no Unicode character map")
