"""Command line: parse options, load content, pick a brain, hand over to the UI or headless run."""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from game.content.loader import (
    MAX_CONTENT_BYTES,
    ContentError,
    default_content_paths,
    load_content,
)
from game.content.models import quoted
from game.sim.saves import save_folder
from game.stopping import as_interrupt
from game.words import counted

if TYPE_CHECKING:
    from game.brains.base import Brain
    from game.content.loader import Content
    from game.sim.state import SavedGame

EXIT_BAD_CONTENT = 2
EXIT_BAD_USAGE = 2
EXIT_NO_DISPLAY = 2
OFFLINE_CONCURRENCY = 4  # the offline brain answers at once: no server to adapt to


def _window(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1280x720, got {text!r}"
        ) from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"window {w}x{h} is out of range (320x240 to 7680x4320)")
    return w, h


def _positive(kind: Callable[[str], float], *, zero: bool = True) -> Callable[[str], float]:
    """A number of ``kind``: finite, and more than zero (or zero too, with ``zero``)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if value < 0 or (value == 0 and not zero):
            least = "zero or more" if zero else "more than zero"
            raise argparse.ArgumentTypeError(f"expected {least}, got {text!r}")
        return value

    return parse


def url_problem(text: str) -> str | None:
    """What is wrong with a server's base URL (http(s)://host[:port][/path]), or None."""
    expected = f"expected a URL such as http://localhost:11434/v1, got {text!r}"
    try:
        parts = urllib.parse.urlsplit(text.strip())
        port = parts.port  # a port that is not a number from 0 to 65535 raises
    except ValueError:
        return f"{expected}: the port must be a number from 1 to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return expected
    if port == 0:
        return f"{expected}: the port must be a number from 1 to 65535"
    return None


def _url(text: str) -> str:
    problem = url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def _time_of_day(text: str) -> int:
    """ "HH:MM" as minutes after midnight (game.story.clock)."""
    from game.story.clock import parse_time

    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _folder(text: str) -> Path:
    if not text.strip():  # Path("") is the current folder: logs strewn among the user's files
        raise argparse.ArgumentTypeError("expected a folder, got an empty name")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    map_default, npc_default = default_content_paths()
    p = argparse.ArgumentParser(
        prog="hamlet",
        description="Hamlet: a tile-grid village whose villagers are LLM-driven NPCs.",
        epilog="With no model configured the offline brain runs the village. "
        "Set OPENAI_API_KEY (and optionally OPENAI_BASE_URL), or pass --base-url or "
        "--provider ollama|lmstudio, to drive the villagers with a model.",
    )
    content = p.add_argument_group("content")
    content.add_argument("--map", type=Path, default=map_default, help="map file (YAML)")
    content.add_argument(
        "--npcs", type=Path, default=npc_default, help="folder of NPC files (*.yaml)"
    )
    content.add_argument(
        "--items",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of item files (*.yaml; default: items/ beside the NPC folder, if there)",
    )
    content.add_argument(
        "--quests",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of quest files (*.yaml; default: quests/ beside the NPC folder, if there)",
    )
    content.add_argument(
        "--check",
        action="store_true",
        help="validate the map, NPC, item and quest files, print problems, exit",
    )
    content.add_argument(
        "--max-content-bytes",
        type=_positive(int, zero=False),
        default=MAX_CONTENT_BYTES,
        metavar="N",
        help=f"refuse a content file larger than N bytes, unread (default {MAX_CONTENT_BYTES})",
    )
    run = p.add_argument_group("running")
    run.add_argument("--seed", type=int, default=0, help="seed for the offline brain (default 0)")
    run.add_argument(
        "--window", type=_window, default=(1280, 720), metavar="WxH", help="window size"
    )
    run.add_argument("--headless", action="store_true", help="run without a window and print")
    run.add_argument(
        "--turns", type=_positive(int), default=None, help="stop after N turns (headless: 10)"
    )
    run.add_argument(
        "--concurrency",
        type=_positive(int, zero=False),
        default=None,
        metavar="N",
        help="decisions asked of the model at once, fixed (default: adapts to what the "
        "server can take, starting at 2 for a local server, 4 for a remote one)",
    )
    run.add_argument(
        "--turn-interval",
        type=_positive(float),
        default=None,
        help="seconds between turns (default 1.5; headless 0)",
    )
    run.add_argument(
        "--linger",
        type=_positive(float),
        default=2.5,
        metavar="S",
        help="seconds a villager stands after a conversation before walking off (default 2.5)",
    )
    run.add_argument(
        "--max-exchanges",
        type=_positive(int, zero=False),
        default=6,
        help="lines per NPC conversation",
    )
    run.add_argument(
        "--minutes-per-turn",
        type=_positive(int, zero=False),
        default=10,
        metavar="N",
        help="minutes of the village clock a turn takes (default 10)",
    )
    run.add_argument(
        "--start-time",
        type=_time_of_day,
        default=None,
        metavar="HH:MM",
        help="the time of day the game starts at, over the map's start_time (default "
        "08:00): --start-time 23:00 starts at night",
    )
    run.add_argument(
        "--log-dir", type=_folder, default=None, help="where memory logs go (runs/<timestamp>/)"
    )
    saving = p.add_argument_group("saving")
    saving.add_argument(
        "--save-dir",
        type=_folder,
        default=None,
        metavar="DIR",
        help="where saves go (default: the per-user data folder, hamlet/saves)",
    )
    saving.add_argument(
        "--load",
        nargs="?",
        const=NEWEST,
        default=None,
        metavar="PATH",
        help="start from a save (the newest in the save folder when no PATH)",
    )
    saving.add_argument(
        "--save-at",
        type=_positive(int, zero=False),
        default=None,
        metavar="N",
        help="save once turn N is played (the turns count on from a loaded save)",
    )
    llm = p.add_argument_group("model")
    llm.add_argument("--offline", action="store_true", help="use the offline brain")
    llm.add_argument(
        "--provider",
        choices=["openai", "ollama", "lmstudio"],
        default=None,
        help="preset base URL and placeholder key for a local server",
    )
    llm.add_argument("--model", default=None, help="model name (default gpt-4o-mini)")
    llm.add_argument(
        "--base-url", type=_url, default=None, help="OpenAI-compatible server, e.g. .../v1"
    )
    llm.add_argument(
        "--llm-timeout",
        type=_positive(float, zero=False),
        default=30.0,
        metavar="S",
        help="seconds a model call may take, its retries included (30)",
    )
    llm.add_argument(
        "--llm-retries",
        type=_positive(int),
        default=2,
        metavar="N",
        help="times a failed call is tried again, within --llm-timeout (2)",
    )
    llm.add_argument(
        "--context-tokens",
        type=_context_tokens,
        default=None,
        metavar="N",
        help="the model's context in tokens (default: asked of the server, else learned "
        "from its errors); prompts are fitted to it",
    )
    llm.add_argument(
        "--system-role",
        choices=["auto", "system", "user"],
        default="auto",
        help="where the villagers' rules go: a system message, or the first user message "
        "for chat templates without a system role (Phi-3, Gemma); auto moves them when the "
        "server refuses or ignores a system message (default auto)",
    )
    return p


MIN_CONTEXT_TOKENS = 64  # fewer cannot hold a directive and its answer


def _context_tokens(text: str) -> int:
    value = int(_positive(int, zero=False)(text))
    if value < MIN_CONTEXT_TOKENS:
        raise argparse.ArgumentTypeError(
            f"expected at least {MIN_CONTEXT_TOKENS} tokens, got {text!r}"
        )
    return value


def choose_brain(args: argparse.Namespace) -> tuple[Brain, str, str | None]:
    """The brain to use, a sentence saying which (for the console), and the model to price
    the tokens by: only OpenAI's own, as a local server's "gpt-4o-mini" costs nothing."""
    from game.brains import PLACEHOLDER_KEY, OfflineBrain

    how = (
        "Set OPENAI_API_KEY, or pass --base-url URL or --provider ollama|lmstudio, "
        "to use a model."
    )
    if args.offline:
        return OfflineBrain(args.seed), f"Using the offline brain (--offline). {how}", None
    base_url = _base_url(args)
    key = os.environ.get("OPENAI_API_KEY") or None
    if key is None and base_url is None:
        return OfflineBrain(args.seed), f"No model configured: using the offline brain. {how}", None
    model = args.model or ("gpt-4o-mini" if args.provider in (None, "openai") else "llama3.2")
    from game.brains.openai_brain import OpenAIBrain  # only now: openai is slow to import

    brain = OpenAIBrain(
        model=model,
        api_key=key or PLACEHOLDER_KEY,
        base_url=base_url,
        timeout=args.llm_timeout,
        max_retries=args.llm_retries,
        context_tokens=args.context_tokens,
        system_role=args.system_role,
    )
    host = urllib.parse.urlsplit(base_url).hostname if base_url else "api.openai.com"
    priced = model if host == "api.openai.com" else None
    return brain, f"Using the model {brain.label}.", priced


def _base_url(args: argparse.Namespace) -> str | None:
    """The model server's base URL from the flags and environment; None for OpenAI's own."""
    from game.brains.providers import PROVIDERS

    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL") or None
    if args.provider and not args.base_url:
        base_url = PROVIDERS[args.provider] or base_url
    return base_url


def settle_concurrency(args: argparse.Namespace, brain: Brain) -> str:
    """Decide how many decisions are asked at once, on ``args`` (``concurrency``,
    ``adapt_concurrency``, ``max_concurrency``); the words for the log.

    ``--concurrency N`` fixes it. Without it a model's number adapts to its server,
    starting from what suits that kind of server; the offline brain's stays fixed.
    """
    from game.brains import OfflineBrain
    from game.brains.providers import calls_at_once

    fixed = args.concurrency
    if fixed is None and isinstance(brain, OfflineBrain):
        fixed = OFFLINE_CONCURRENCY
    if fixed is not None:
        args.concurrency, args.adapt_concurrency, args.max_concurrency = fixed, False, fixed
        return f"concurrency {fixed}"
    start, most = calls_at_once(_base_url(args))
    args.concurrency, args.adapt_concurrency, args.max_concurrency = start, True, most
    return f"concurrency adapting from {start} (at most {most})"


def _art_notes(content: Content) -> list[str]:
    """Tile kinds in the legend that have no art: the game draws them as a magenta checker."""
    from game.ui.assets import tiles_meta  # not sprites: no pygame (and its banner) here

    try:
        drawn = tiles_meta()["kinds"]
    except (OSError, ValueError, KeyError):
        return []
    missing = sorted({entry.kind for entry in content.map.legend.values()} - set(drawn))
    return [
        f"{content.map_file}: legend: tile kind {quoted(kind)} has no art; it is drawn as a "
        f"magenta checker (kinds with art: {', '.join(drawn)})"
        for kind in missing
    ]


def _length_notes(content: Content) -> list[str]:
    """Fields longer than a prompt carries: the model sees only their start."""
    from game.brains.prompts import persona_fields

    return [
        f"{file}: {field}: {counted(len(text), 'character')}; a model's prompt carries only "
        f"the first {limit}"
        for npc, file in zip(content.npcs, content.npc_files, strict=True)
        for field, text, limit in persona_fields(npc)
        if len(text) > limit
    ]


def _reach_notes(content: Content) -> list[str]:
    """Villagers walled in where the player can never walk up to them: spawned inside a
    house with no door, say. It may be meant (a hermit on an island), so only a note."""
    from game.world.grid import Grid

    grid = Grid.from_spec(content.map)
    spawn = content.map.player_spawn
    home = grid.region(spawn)
    notes = []
    for npc, file in zip(content.npcs, content.npc_files, strict=True):
        if grid.region(npc.spawn) == home:
            continue
        (x, y), size = npc.spawn, grid.region_size(npc.spawn)
        room = (
            "it cannot take a single step"
            if size == 1
            else f"it can walk about {size} tiles there"
        )
        notes.append(
            f"{file}: spawn: {npc.name} at ({x}, {y}) is walled in: no walk leads from there "
            f"to the player's spawn ({spawn[0]}, {spawn[1]}), so the player can never talk "
            f"with {npc.name}; {room}"
        )
    return notes


def default_log_dir() -> Path:
    return Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def main(argv: list[str] | None = None) -> int:
    # Stopped before the game has begun (loading the files, opening a window), by Ctrl+C,
    # kill or a closed terminal: a line saying so, not a traceback. Once it runs, the
    # headless run and the window handle the signals themselves, and print "Logs:".
    with as_interrupt() as stops:
        try:
            return _main(argv)
        except KeyboardInterrupt:
            with contextlib.suppress(OSError):  # its terminal may be gone (SIGHUP)
                print(f"hamlet: stopped ({stops.name}).", file=sys.stderr)
            return stops.exit_code


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    try:
        content = load_content(
            args.map,
            args.npcs,
            args.max_content_bytes,
            items_dir=args.items,
            quests_dir=args.quests,
        )
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found; nothing was started.", file=sys.stderr)
        return EXIT_BAD_CONTENT
    if args.check:
        parts = [
            f"{content.map_file} ({len(content.map.rows[0])}x{len(content.map.rows)}, "
            f"{counted(len(content.map.landmarks), 'landmark')})",
            counted(len(content.npcs), "NPC file"),
        ]
        if content.items or content.quests:
            parts += [counted(len(content.items), "item"), counted(len(content.quests), "quest")]
        print(f"OK: {', '.join(parts[:-1])} and {parts[-1]}.")
        for note in [*_art_notes(content), *_reach_notes(content), *_length_notes(content)]:
            print(f"note: {note}", file=sys.stderr)
        return 0

    args.loaded = None
    if args.load is not None:
        loaded = _read_load(args, content)
        if isinstance(loaded, str):
            print(loaded, file=sys.stderr)
            return EXIT_BAD_USAGE
        args.loaded = loaded

    if not args.headless and (no_window := _no_window()):
        print(f"hamlet: {no_window}", file=sys.stderr)
        return EXIT_NO_DISPLAY

    from_env = os.environ.get("OPENAI_BASE_URL")
    if from_env and not args.base_url and not args.offline and (bad := url_problem(from_env)):
        print(f"OPENAI_BASE_URL: {bad}", file=sys.stderr)
        return EXIT_BAD_USAGE
    brain, which, model = choose_brain(args)
    concurrency = settle_concurrency(args, brain)
    print(which)
    log_dir = args.log_dir or default_log_dir()
    unwritable = _unwritable(log_dir, [npc.name for npc in content.npcs])
    if unwritable:
        where = "--log-dir" if args.log_dir else "the run's log folder"
        hint = "" if args.log_dir else " (choose another with --log-dir)"
        print(f"{where}: {unwritable}{hint}", file=sys.stderr)
        return EXIT_BAD_USAGE
    _log_to_file(log_dir)
    # Where this run's lines in hamlet.log begin (a folder may be used again), and what ran.
    logging.getLogger("hamlet").info(
        "run began. %s Map %s, villagers from %s (%d); seed %d, %s, "
        "max exchanges %d%s",
        which,
        args.map,
        args.npcs,
        len(content.npcs),
        args.seed,
        concurrency,
        args.max_exchanges,
        ", headless" if args.headless else "",
    )

    if args.headless:
        from game.headless import run_headless

        return run_headless(content, brain, args, log_dir, model)
    from game.ui.app import run_game

    return run_game(content, brain, args, log_dir, model)


NEWEST = "newest"  # --load with no path


def _read_load(args: argparse.Namespace, content: Content) -> tuple[SavedGame, str] | str:
    """The save ``--load`` names (or the newest), checked against this village; or the
    line that says why it cannot be loaded."""
    from game.sim.saves import newest_save
    from game.sim.state import SaveError, read_save
    from game.world import Grid

    if args.load == NEWEST:
        folder = save_folder(args)
        path = newest_save(folder)
        if path is None:
            hint = "F5 saves in the game; --save-dir DIR looks elsewhere"
            return f"--load: no save in {folder} ({hint})"
    else:
        path = Path(args.load)
    try:
        state = read_save(path, content, Grid.from_spec(content.map), with_player=not args.headless)
    except SaveError as exc:
        return str(exc)
    return state, path.name


# SDL's stand-ins for a screen: chosen when nothing else works, they draw to nowhere.
UNSEEN_DRIVERS = frozenset({"offscreen", "dummy", "evdev"})
HEADLESS_HINT = (
    "Run with --headless to watch the village without a window, e.g. "
    "python main.py --headless --turns 20"
)


def _no_window() -> str | None:
    """Why no window can open here, or None; pygame's display is started by the way.

    With no screen (over ssh, in a container) SDL falls back to drawing offscreen, and the
    game would run on, unseen, until killed. Asked for on purpose (SDL_VIDEODRIVER=dummy,
    as the tests and benchmarks do), that is fine. Asked before the log folder is made.
    """
    import game.ui  # noqa: F401 - first, as it hides pygame's greeting

    # isort: split
    import pygame

    asked = os.environ.get("SDL_VIDEODRIVER", "").strip()
    failed = None
    with _stderr_held() as said:
        try:
            pygame.display.init()
        except pygame.error as exc:
            failed = str(exc)
    if asked and failed:
        return f"cannot open a window with SDL_VIDEODRIVER={asked}: {failed}. {HEADLESS_HINT}"
    if failed or (not asked and pygame.display.get_driver() in UNSEEN_DRIVERS):
        # What SDL's libraries said while looking (libwayland's "XDG_RUNTIME_DIR is
        # invalid or not set") would only send the reader looking in the wrong place.
        return f"no display to open a window on ({_no_screen_reason()}). {HEADLESS_HINT}"
    if text := b"".join(said):  # a window opens: whatever they said may matter
        os.write(2, text)
    return None


def _no_screen_reason() -> str:
    if sys.platform in ("darwin", "win32"):
        return "none was found"
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        if value := os.environ.get(name):
            return f"nothing answers on {name}={value}"
    return "DISPLAY is not set"


@contextlib.contextmanager
def _stderr_held() -> Iterator[list[bytes]]:
    """Hold back what is written straight to stderr (file descriptor 2, as C libraries
    write) meanwhile; it is in the list afterwards, for the caller to show or not."""
    said: list[bytes] = []
    with contextlib.ExitStack() as stack:
        try:
            # A file, not a pipe: a pipe no one reads while SDL writes can fill and block.
            held = stack.enter_context(tempfile.TemporaryFile())
            saved = os.dup(2)
        except OSError:  # nowhere to hold it, or no stderr at all: let it through
            yield said
            return
        sys.stderr.flush()
        os.dup2(held.fileno(), 2)
        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            said.append(held.read())


def _unwritable(log_dir: Path, names: list[str]) -> str | None:
    """Why the run's logs cannot be written in ``log_dir`` (made if need be), or None.

    Asked before anything starts, so a folder or a log file the user may not write is one
    clear line, not a traceback from deep inside the run.
    """
    from game.sim.memory import log_file_names

    if log_dir.exists() and not log_dir.is_dir():
        return f"{log_dir} is a file, not a folder"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {log_dir}: {exc.strerror}"
    for file in ["hamlet.log", *log_file_names(names).values()]:
        path = log_dir / file
        try:
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            return f"cannot write {path}: {exc.strerror}"
    return None


def _log_to_file(log_dir: Path) -> None:
    handler = logging.FileHandler(log_dir / "hamlet.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    from game.sim.worker import untold

    for handler_ in root.handlers:
        if isinstance(handler_, logging.StreamHandler) and handler_ is not handler:
            handler_.setLevel(logging.ERROR)
            handler_.addFilter(untold)  # a dead simulation is told in a line of its own
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("openai").setLevel(logging.WARNING)
