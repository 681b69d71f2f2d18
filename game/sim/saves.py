"""Where saves live and how one is written: never losing the save before it.

Saves go in the per-user data folder that ``platformdirs`` names for each platform
(``~/.local/share/hamlet/saves`` on Linux), or ``--save-dir``; one JSON file per save,
named for when it was made and the turn it holds. A save is written to a temporary file
in the same folder, flushed and fsynced, then renamed over its name: a crash at any
moment leaves the old saves whole and either no new one or all of it.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

import platformdirs

KEEP_SAVES = 30  # the newest saves kept in the folder; older ones are removed
_SAVE_NAME = re.compile(r"hamlet-\d{8}-\d{6}(-\d+)?-turn\d+(-[a-z]+)?\.json")


def default_save_dir() -> Path:
    return Path(platformdirs.user_data_dir("hamlet", appauthor=False)) / "saves"


def save_folder(args: object) -> Path:
    """The save folder the command line chose (``--save-dir``), else the default."""
    chosen = getattr(args, "save_dir", None)
    return Path(chosen) if chosen is not None else default_save_dir()


def save_name(turn: int, kind: str = "", when: datetime | None = None) -> str:
    """``hamlet-20261205-164012-turn12.json`` (``-autosave`` when quitting saved it)."""
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"hamlet-{stamp}-turn{turn}{'-' + kind if kind else ''}.json"


def write_save(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` as ``folder/name`` whole or not at all; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():  # two saves in one second: keep both
        stem, number = path.stem, 2
        while (folder / f"{stem}-{number}.json").exists():
            number += 1
        path = folder / f"{stem}-{number}.json"
    fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(folder)
    _prune(folder)
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def saves_in(folder: Path) -> list[Path]:
    """The saves in ``folder``, newest last."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _SAVE_NAME.fullmatch(p.name) and p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def newest_save(folder: Path) -> Path | None:
    found = saves_in(folder)
    return found[-1] if found else None


def _prune(folder: Path) -> None:
    for old in saves_in(folder)[:-KEEP_SAVES]:
        try:
            old.unlink()
        except OSError:
            pass
