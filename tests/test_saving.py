"""Saving and loading: the village state round-trips exactly, a loaded game plays on as
if never stopped, and a bad save meets one clear line with the game left as it was.

Driven as a player or a game-maker does: real processes of main.py (--save-at, --load),
and the real game loop with posted F5 / F9 / Y keys.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path

import pygame
import pytest
from conftest import ROOT, run_main, write_village
from llm_server import LLMServer, Reply
from logcheck import split_entries
from simkit import ada_talks_with_bjorn, is_conversation, loopback_brain
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.sim import messages as m
from game.sim.saves import saves_in, write_save
from game.sim.simulation import SimConfig, Simulation
from game.sim.state import SAVE_FORMAT, read_save
from game.ui.states import LoadState, PlayingState
from game.world import Facing, Grid


def main_py(*args: str) -> subprocess.CompletedProcess[str]:
    return run_main(*args, env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})


def played(seed: int, turns: int, log_dir: Path, save_dir: Path, *extra: str):
    return main_py(
        "--headless",
        "--seed",
        str(seed),
        "--turns",
        str(turns),
        "--log-dir",
        str(log_dir),
        "--save-dir",
        str(save_dir),
        *extra,
    )


def activity(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("[T", "      ("))]


def entries(log_dir: Path) -> dict[str, list[str]]:
    """Each villager's log entries, the lines saying where a run or a load began left out."""
    found = {}
    for path in sorted(log_dir.glob("*.md")):
        kept = split_entries(path.read_text(encoding="utf-8"), path.name)
        found[path.name] = [e for e in kept if not e.startswith("# ")]
    return found


@pytest.fixture(scope="module")
def willowmere():
    return load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")


def sim_for(content, log_dir: Path, **config) -> Simulation:
    config.setdefault("with_player", True)
    return Simulation(
        content, OfflineBrain(seed=2), SimConfig.unpaced(log_dir, **config), lambda e: None
    )


def test_the_state_round_trips_to_json_exactly(willowmere, tmp_path) -> None:
    """12 turns of Willowmere, with talks (the player's with Pip at least), walks and the
    player: saved, read back, saved
    again - the same bytes; and a village restored from it saves the same bytes too."""
    sim = sim_for(willowmere, tmp_path / "a")

    async def play() -> None:
        sim.start()
        sim.handle(m.TalkToNeighbour("Pip"))  # a talk for the ledger to keep, at least
        sim.handle(m.CloseDialogue(sim.conversations.dialogue_id))
        sim.handle(m.MovePlayer(Facing.UP))  # the player's place and facing are kept too
        await sim.run(12)

    asyncio.run(play())
    assert sim.conversations.finished_count > 0  # the save has talks to keep
    text = sim.snapshot().to_json()
    path = write_save(tmp_path / "saves", "hamlet-20260101-000000-turn12.json", text)
    state = read_save(path, willowmere, sim.world.grid, with_player=True)
    assert state.to_json() == text
    fresh = sim_for(willowmere, tmp_path / "b")
    fresh.restore(state, path.name)
    assert fresh.snapshot().to_json() == text
    assert fresh.world.positions() == sim.world.positions()
    assert fresh.world.check_invariants() == []
    asyncio.run(sim.aclose())
    asyncio.run(fresh.aclose())


def test_the_game_works_in_the_state_a_save_keeps(willowmere, tmp_path) -> None:
    """One store: the bodies the world moves, the memory its prompts read, the talks'
    ledger and the usage are the village state's own objects, before and after a load
    into the same game; nothing is gathered from elsewhere to save."""
    sim = sim_for(willowmere, tmp_path / "a")
    asyncio.run(sim.run(6))
    state = sim.state
    bodies = {name: v.body for name, v in state.villagers.items()}
    memories = {name: v.memory for name, v in state.villagers.items()}
    for name, villager in state.villagers.items():
        assert villager.body is sim.world.entities[name]
        assert villager.memory is sim.memory[name].entries
        assert villager.memory, f"{name} wrote no entry in 6 turns"
    assert sim.conversations.ledger is state.talks
    assert sim.journal.usage is state.usage and sim.journal.told is state.told
    assert state.player is sim.world.get("Player")
    assert state.turn == sim.turn == 6
    text = sim.snapshot().to_json()
    path = write_save(tmp_path / "saves", "hamlet-20260101-000000-turn6.json", text)

    asyncio.run(sim.run(9))  # the village moves on...
    assert sim.snapshot().to_json() != text
    sim.restore(read_save(path, willowmere, sim.world.grid, with_player=True), path.name)
    # ...and is put back into the very same objects, so every part sees the load.
    assert sim.state is state and sim.snapshot().to_json() == text
    for name, villager in state.villagers.items():
        assert villager.body is bodies[name] is sim.world.entities[name]
        assert villager.memory is memories[name] is sim.memory[name].entries
    assert sim.conversations.ledger is state.talks
    assert sim.world.check_invariants() == []
    asyncio.run(sim.aclose())


def test_the_time_of_day_goes_on_from_the_save(willowmere, tmp_path) -> None:
    """A game begun at 23:00 at 15 minutes a turn, saved at turn 4 and loaded into a game
    started with the village's own (14:00, 10 a turn): it is 00:00 on day 2 (turn 1 is played
    at 23:00), and a turn on is 00:15, as if it had never stopped."""
    sim = sim_for(willowmere, tmp_path / "a", start_minutes=23 * 60, minutes_per_turn=15)
    asyncio.run(sim.run(5))
    assert sim.clock_minutes == 24 * 60
    text = sim.snapshot().to_json()
    path = write_save(tmp_path / "saves", "hamlet-20260101-000000-turn5.json", text)
    fresh = sim_for(willowmere, tmp_path / "b")
    assert fresh.clock_minutes == 14 * 60
    fresh.restore(read_save(path, willowmere, fresh.world.grid, with_player=True), path.name)
    assert fresh.clock_minutes == 24 * 60
    asyncio.run(fresh.run(6))
    assert fresh.clock_minutes == 24 * 60 + 15
    asyncio.run(sim.aclose())
    asyncio.run(fresh.aclose())


def test_twenty_turns_are_ten_saved_loaded_and_ten_more(tmp_path) -> None:
    """The offline brain, seed 4: 20 turns in one go print the same activity lines and
    write the same turn entries and transcripts as 10 turns, --save-at 10, quit,
    --load, --turns 10 - whose turn numbers carry on from the save."""
    whole = played(4, 20, tmp_path / "whole", tmp_path / "unused")
    assert whole.returncode == 0, whole.stderr
    first = played(4, 10, tmp_path / "first", tmp_path / "saves", "--save-at", "10")
    assert first.returncode == 0, first.stderr
    (save,) = saves_in(tmp_path / "saves")
    assert re.search(r"note: Saved \(turn 10\): hamlet-\d{8}-\d{6}-turn10\.json", first.stderr)
    second = played(0, 10, tmp_path / "second", tmp_path / "saves", "--load")  # seed: the save's
    assert second.returncode == 0, second.stderr
    assert f"Loaded {save.name}: turn 10." in second.stdout
    assert activity(second.stdout)[0].startswith("[T11] ")
    assert activity(first.stdout) + activity(second.stdout) == activity(whole.stdout)
    assert any("conversation ended" in line for line in activity(whole.stdout))
    assert "Ran 10 turns:" in second.stdout
    halves = entries(tmp_path / "first")
    for name, later in entries(tmp_path / "second").items():
        assert halves[name] + later == entries(tmp_path / "whole")[name], name
    loaded_line = (tmp_path / "second" / "pip.md").read_text(encoding="utf-8").splitlines()[2]
    assert loaded_line.startswith(
        f"# Pip - memory log, continued: the game was loaded from {save.name} at turn 10 ("
    )


def test_a_load_into_the_same_log_folder_says_so_and_carries_on(tmp_path) -> None:
    first = played(1, 3, tmp_path / "logs", tmp_path / "saves", "--save-at", "3")
    assert first.returncode == 0, first.stderr
    again = played(1, 2, tmp_path / "logs", tmp_path / "saves", "--load")
    assert again.returncode == 0, again.stderr
    log = (tmp_path / "logs" / "agnes.md").read_text(encoding="utf-8")
    head, _, after = log.partition("continued: the game was loaded from hamlet-")
    assert "## Turn 3 " in head and "## Turn 4 " in after and "## Turn 1 " not in after


def bad_save(tmp_path: Path) -> Path:
    """A good save of Willowmere after 2 turns, to spoil."""
    saves = tmp_path / "saves"
    done = played(0, 2, tmp_path / "logs", saves, "--save-at", "2")
    assert done.returncode == 0, done.stderr
    (save,) = saves_in(saves)
    return save


def refused(save: Path, *more: str) -> str:
    """``--load save`` is refused: exit 2, one line on stderr, no traceback; the line."""
    result = main_py("--headless", "--turns", "1", "--load", str(save), *more)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.count("[T") == 0
    return lines[0]


def spoil(save: Path, change) -> Path:
    doc = json.loads(save.read_text(encoding="utf-8"))
    change(doc)
    save.write_text(json.dumps(doc), encoding="utf-8")
    return save


def test_bad_saves_of_every_kind_are_one_clear_line(tmp_path) -> None:
    save = bad_save(tmp_path)
    text = save.read_text(encoding="utf-8")
    name = save.name

    def water(doc):
        doc["npcs"]["Bram"]["position"] = [40, 24]

    assert refused(spoil(save, water)) == (
        f"{name}: npcs.Bram.position: (40, 24) is water, not a walkable tile"
    )
    save.write_text(text[: len(text) // 2], encoding="utf-8")
    assert refused(save).startswith(f"{name}: not a whole save file: it ends early")
    save.write_text(text, encoding="utf-8")
    assert refused(spoil(save, lambda d: d.update(format=SAVE_FORMAT + 1))) == (
        f"{name}: format: made by a newer Hamlet (format {SAVE_FORMAT + 1}; this one reads "
        f"up to {SAVE_FORMAT})"
    )
    save.write_text(text, encoding="utf-8")
    line = refused(spoil(save, lambda d: d["npcs"]["Pip"].update(route="north")))
    assert line.startswith(f"{name}: npcs.Pip.route: ") and "north" in line
    save.write_text(text, encoding="utf-8")
    line = refused(spoil(save, lambda d: d.update(turn=-3)))
    assert line.startswith(f"{name}: turn: ")
    save.write_text(text, encoding="utf-8")
    line = refused(
        spoil(save, lambda d: d["npcs"]["Pip"].update(position=d["npcs"]["Bram"]["position"]))
    )
    assert line.startswith(f"{name}: npcs.") and "tile too" in line
    save.write_text("<html>not a save</html>", encoding="utf-8")
    assert refused(save).startswith(f"{name}: not a save file")
    # The story's part: an item this village has not, a quest stage past its last.
    save.write_text(text, encoding="utf-8")
    line = refused(spoil(save, lambda d: d["story"]["inventories"]["Player"].update(crown=1)))
    assert line.startswith(f"{name}: story.inventories.Player.crown: unknown item 'crown'"), line
    save.write_text(text, encoding="utf-8")
    line = refused(
        spoil(save, lambda d: d["story"]["quests"]["festival_bell"].update(stage=9))
    )
    assert line.startswith(f"{name}: story.quests.festival_bell.stage: "), line


def test_a_save_from_before_the_story_loads_as_a_story_not_begun(tmp_path) -> None:
    """Format 1 (no story, no errands, no trees' state) is read: the story starts afresh,
    the game plays on from the saved turn."""
    save = bad_save(tmp_path)
    doc = json.loads(save.read_text(encoding="utf-8"))
    doc["format"] = 1
    del doc["story"]
    for villager in doc["npcs"].values():
        del villager["errand"], villager["tree"]
    save.write_text(json.dumps(doc), encoding="utf-8")
    result = main_py("--headless", "--turns", "1", "--load", str(save))
    assert result.returncode == 0, result.stderr
    assert "[T3]" in result.stdout


def test_a_save_of_another_village_is_refused(tmp_path) -> None:
    save = bad_save(tmp_path)
    map_path, npc_dir = write_village(tmp_path / "other")
    line = refused(save, "--map", str(map_path), "--npcs", str(npc_dir))
    assert line == (
        f"{save.name}: map: made for 'Willowmere' (50 x 34); this game plays 'Testwick' (12 x 8)"
    )
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    for path in (ROOT / "npcs").glob("*.yaml"):
        if path.stem != "wren":
            (fewer / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    story = ("--items", str(ROOT / "items"), "--quests", str(ROOT / "quests"))
    assert refused(save, "--npcs", str(fewer), *story) == (
        f"{save.name}: npcs: made for other villagers: it has Wren, who is not in this village"
    )


def test_load_with_no_save_yet_says_where_it_looked(tmp_path) -> None:
    result = main_py("--headless", "--load", "--save-dir", str(tmp_path / "none"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"--load: no save in {tmp_path / 'none'} (F5 saves in the game; --save-dir DIR "
        "looks elsewhere)"
    )


# ---- in the window --------------------------------------------------------------------


def still(request):
    return Reply(content='say("Mm.")' if is_conversation(request) else "wait()")


@pytest.fixture
def saving(tiny_content, tmp_path):
    with LLMServer(still) as server:
        h = Harness(
            tiny_content,
            loopback_brain(server.base_url),
            tmp_path / "logs",
            save_dir=tmp_path / "saves",
        )
        h.game.save_dir = tmp_path / "saves"
        try:
            yield h
        finally:
            h.close()


def test_f5_saves_and_f9_asks_then_loads_it(saving, tmp_path) -> None:
    h, game = saving, saving.game
    h.key(pygame.K_F5)
    assert h.until(lambda: len(saves_in(tmp_path / "saves")) == 1)
    assert h.until(lambda: (game.notices.text or "").startswith("Saved (turn "))
    (save,) = saves_in(tmp_path / "saves")
    saved_turn = json.loads(save.read_text(encoding="utf-8"))["turn"]
    h.key(pygame.K_RIGHT)
    assert h.until(lambda: h.tile() == (2, 1))
    h.frames(20)
    h.key(pygame.K_F9)
    assert h.until(lambda: isinstance(game.states[-1], LoadState))
    h.key(pygame.K_n)  # played on: nothing loaded
    assert h.until(lambda: isinstance(game.states[-1], PlayingState))
    h.frames(10)
    assert h.tile() == (2, 1)
    h.key(pygame.K_F9)
    assert h.until(lambda: isinstance(game.states[-1], LoadState))
    h.key(pygame.K_y)
    assert h.until(lambda: h.tile() == (1, 1))  # where the player stood when saved
    assert h.until(
        lambda: (game.notices.text or "") == f"Loaded turn {saved_turn} from {save.name}"
    )
    h.frames(5)
    log = (tmp_path / "logs" / "ada.md").read_text(encoding="utf-8")
    assert f"continued: the game was loaded from {save.name} at turn {saved_turn}" in log


def test_f9_with_a_bad_save_says_why_and_leaves_the_game_as_it_is(saving, tmp_path) -> None:
    h, game = saving, saving.game
    h.key(pygame.K_F5)
    assert h.until(lambda: len(saves_in(tmp_path / "saves")) == 1)
    (save,) = saves_in(tmp_path / "saves")
    spoil(save, lambda d: d["npcs"]["Ada"].update(position=[0, 0]))  # a tree
    h.key(pygame.K_RIGHT)
    assert h.until(lambda: h.tile() == (2, 1))
    turn = game.hud_state.turn
    h.key(pygame.K_F9)
    assert h.until(lambda: isinstance(game.states[-1], LoadState))
    h.key(pygame.K_RETURN)
    assert h.until(lambda: "npcs.Ada.position: (0, 0) is tree" in (game.notices.text or ""))
    h.frames(10)
    assert h.tile() == (2, 1) and game.hud_state.turn >= turn


def test_f9_with_no_save_says_so(saving) -> None:
    saving.key(pygame.K_F9)
    assert saving.until(lambda: saving.game.notices.text == "No save to load yet: F5 saves")
    assert isinstance(saving.game.states[-1], PlayingState)


def test_a_save_asked_for_while_villagers_talk_is_taken_when_the_talk_ends(tmp_path) -> None:
    """F5 while Ada and Bjorn talk: the save waits for their talk to end (never the middle
    of an action), and it holds that talk: its id used, its cooldown set."""
    content = load_content(*write_village(tmp_path / "v", {"Ada": (5, 1), "Bjorn": (6, 1)}))
    respond = ada_talks_with_bjorn(on_turn=1, bjorn_thinks=1.0)

    with LLMServer(respond) as server:
        h = Harness(
            content,
            loopback_brain(server.base_url, timeout=10),
            tmp_path / "logs",
            save_dir=tmp_path / "saves",
        )
        try:
            game = h.game
            assert h.until(lambda: game.hud_state.talking == ("Ada", "Bjorn"), 5)
            h.key(pygame.K_F5)
            assert h.until(lambda: (game.notices.text or "").startswith("Saving when"))
            assert not saves_in(tmp_path / "saves")  # not in the middle of their talk
            assert h.until(lambda: len(saves_in(tmp_path / "saves")) == 1, 10)
            assert h.until(lambda: game.hud_state.talking is None)  # the talk had ended
        finally:
            h.close()
    (save,) = saves_in(tmp_path / "saves")
    doc = json.loads(save.read_text(encoding="utf-8"))
    assert doc["talks"]["next_id"] == 2 and doc["talks"]["finished"] == 1
    assert doc["talks"]["last"] == [{"people": ["Ada", "Bjorn"], "turn": 1}]
    assert doc["npcs"]["Ada"]["last_talk"] == 1


def test_quitting_the_window_saves(tmp_path) -> None:
    """The window closes (here after its first frame): an autosave is written whole."""
    map_path, npc_dir = write_village(tmp_path / "v")
    result = run_main(
        *("--map", str(map_path), "--npcs", str(npc_dir), "--log-dir", str(tmp_path / "logs")),
        *("--save-dir", str(tmp_path / "saves")),
        env={
            "SDL_VIDEODRIVER": "dummy",
            "SDL_AUDIODRIVER": "dummy",
            "HAMLET_EXIT_AFTER_FIRST_FRAME": "1",
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (save,) = saves_in(tmp_path / "saves")
    assert save.name.endswith("-autosave.json")
    content = load_content(map_path, npc_dir)
    assert read_save(save, content, Grid.from_spec(content.map), with_player=True).turn >= 0


def test_a_save_is_written_whole_or_not_at_all(tmp_path) -> None:
    """The previous save is never lost: a save that fails half-way leaves no file of its
    own and the earlier one untouched."""
    folder = tmp_path / "saves"
    first = write_save(folder, "hamlet-20260101-000000-turn1.json", '{"a": 1}')

    with pytest.raises(UnicodeEncodeError):  # fails half-way through writing
        write_save(folder, "hamlet-20260101-000001-turn2.json", "x" * 100_000 + "\ud800")
    assert [p.name for p in folder.iterdir()] == [first.name]
    assert first.read_text(encoding="utf-8") == '{"a": 1}'


def test_loading_while_villagers_talk_ends_their_talk_and_plays_on_from_the_save(
    tiny_content, tmp_path
) -> None:
    """A save after turn 1; on turn 2 Ada talks with Bjorn, and the save is loaded in the
    middle of it: the talk is written as ended by the game being loaded, the turn under
    way is dropped, and the village plays on from turn 1's end - turn 2 again."""
    respond = ada_talks_with_bjorn(on_turn=2, bjorn_thinks=1.0)

    events: list[m.Event] = []
    with LLMServer(respond) as server:
        config = SimConfig.unpaced(
            tmp_path / "logs", with_player=False, save_dir=tmp_path / "saves", save_at=1
        )
        sim = Simulation(
            tiny_content, loopback_brain(server.base_url, timeout=10), config, events.append
        )

        async def main() -> None:
            sim.start()
            task = asyncio.ensure_future(sim.run(2))
            while not any(isinstance(e, m.ConversationStarted) for e in events):
                await asyncio.sleep(0.01)
            sim.handle(m.LoadGame(None))  # the newest: turn 1's
            await asyncio.wait_for(task, 20)
            await sim.aclose()

        asyncio.run(main())
    loaded = [e for e in events if isinstance(e, m.GameLoaded)]
    assert [(e.turn, e.source.endswith("-turn1.json")) for e in loaded] == [(1, True)]
    ends = [e.ended_by for e in events if isinstance(e, m.ConversationEnded)]
    # Turn 2 again: she asks again, and one of them ends it (which one depends on whether
    # Bjorn's first answer was asked for before the load came).
    assert ends[0] == "the game being loaded" and len(ends) == 2
    assert ends[1] in ("Ada", "Bjorn")
    assert sim.turn == 2 and not sim.gate.paused
    log = (tmp_path / "logs" / "ada.md").read_text(encoding="utf-8")
    assert "Ended by: the game being loaded" in log
    assert log.index("Ended by: the game being loaded") < log.index(
        "continued: the game was loaded"
    )
