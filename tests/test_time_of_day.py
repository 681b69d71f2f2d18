"""Time of day through the real game: the simulation's clock reaches the bar, the view
darkens at night (the map and villagers, not the bar, bubbles, names or the dialogue),
the prompts say the time, the offline villagers settle down at night, and --start-time
and --minutes-per-turn set it from the command line."""

from __future__ import annotations

import dataclasses
import json

import pygame
import pytest
from conftest import run_main
from llm_server import LLMServer, Reply
from simkit import is_conversation, loopback_brain, make_sim, run
from uikit import Harness

from game.brains.offline import BEDTIME_REMARKS, OfflineBrain
from game.cli import build_parser
from game.headless import headless_config
from game.sim import messages as m
from game.story.clock import parse_time
from game.ui.actors import BODY
from game.ui.hud import BAR_BG, BAR_HEIGHT, Hud
from game.ui.night import STEPS, shaded_colour


def luminance(colour) -> float:
    r, g, b = colour[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_bar_shows_the_time_each_turn_tells_and_the_day_rolls_over(
    tiny_content, tmp_path
) -> None:
    """Turns 1, 2, 3 from 23:40, ten minutes each: the third is played at 00:00 of day 2,
    and the bar on the screen says so."""
    h = Harness(tiny_content, OfflineBrain(0), tmp_path, turns=3, start_minutes=parse_time("23:40"))
    try:
        game = h.game
        assert h.until(lambda: game.hud_state.turn == 3 and game.hud_state.clock == 24 * 60)
        h.frames(2)
        left, _ = game.hud_state.text()
        assert "Turn 3   Day 2 \u00b7 00:00   " in left
        assert game.night == STEPS  # midnight: full night
        # What the screen's bar shows is that text, drawn as the bar draws it.
        expected = pygame.Surface((game.size[0], BAR_HEIGHT))
        Hud(game.small_font, game.size[0]).draw(expected, dataclasses.replace(game.hud_state))
        shown = game.screen.subsurface(pygame.Rect(0, 0, game.size[0], BAR_HEIGHT))
        assert pygame.image.tobytes(shown, "RGB") == pygame.image.tobytes(expected, "RGB")
    finally:
        h.close()


def test_before_the_first_turn_the_bar_shows_the_start_time(tiny_content, tmp_path) -> None:
    h = Harness(tiny_content, OfflineBrain(0), tmp_path, turns=0, start_minutes=parse_time("06:30"))
    try:
        assert h.until(lambda: h.game.hud_state.clock == 6 * 60 + 30)
        assert "Turn 0   Day 1 \u00b7 06:30   " in h.game.hud_state.text()[0]
        assert h.game.night == STEPS // 2  # the middle of dawn: half dark
    finally:
        h.close()


GRASS, FLOOR, DOOR = (10, 2), (3, 3), (4, 3)  # tiles of the tiny village, nobody on them


@dataclasses.dataclass
class Scene:
    """The tiny village drawn at one time of day, Ada saying something: the screen, where
    things are on it; then the screen with the dialogue box open on Bjorn."""

    screen: pygame.Surface
    at: dict[tuple[int, int], tuple[int, int]]  # a tile's middle on screen
    body: pygame.Rect  # the middle of Bjorn's body on screen
    bubble: pygame.Rect  # the box of Ada's bubble
    labels: list[tuple[pygame.Surface, tuple[int, int]]]  # every name's blit
    night: int
    with_box: pygame.Surface
    box: pygame.Rect  # the dialogue box's opaque middle


def render(content, log_dir, start: str) -> Scene:
    h = Harness(content, OfflineBrain(0), log_dir, turns=0, start_minutes=parse_time(start))
    try:
        game = h.game
        assert h.until(lambda: game.hud_state.clock is not None)
        game.apply(m.Spoke("Ada", "Lovely night for frogs.", 0))
        h.frames(3)
        t = game.tile
        at = {}
        for tile in (GRASS, FLOOR, DOOR):
            x, y = game.camera.to_screen(tile[0] * t + t // 2, tile[1] * t + t // 2)
            at[tile] = (int(x), int(y))
        bjorn = game.actors.get("Bjorn")
        x, y = game.camera.to_screen(bjorn.x, bjorn.y)
        # Each name as its actor's label (the blits where the layout put the names).
        jobs, anchors = game.actors.layout(game.camera)
        by_size = {actor.label.get_size(): actor.label for actor in game.actors.by_name.values()}
        assert len(by_size) == 4  # the player's, Ada's, Bjorn's and Cora's: told by size
        labels = [
            (by_size[surface.get_size()], pos)
            for surface, pos in jobs
            if pygame.Rect(pos, surface.get_size()) in anchors.labels
        ]
        assert len(labels) == 4
        screen = game.screen.copy()
        bubble = game.bubbles.boxes()["Ada"]
        game.apply(m.DialogueOpened(99, "Bjorn"))
        game.dialogue.add_message("Bjorn", "Evening. Mind the pond.", False)
        h.frames(3)
        (box,) = game._window_interiors()
        return Scene(
            screen,
            at,
            BODY.move(int(x), int(y)).inflate(-4, -8),
            bubble,
            labels,
            game.night,
            game.screen.copy(),
            box,
        )
    finally:
        h.close()


@pytest.fixture
def day_and_night(tiny_content, tmp_path) -> tuple[Scene, Scene]:
    day = render(tiny_content, tmp_path / "day", "12:00")
    night = render(tiny_content, tmp_path / "night", "23:00")
    assert (day.night, night.night) == (0, STEPS)
    assert (day.at, day.body, day.bubble, day.box) == (
        night.at,
        night.body,
        night.bubble,
        night.box,
    )
    return day, night


def light(surface: pygame.Surface, rect: pygame.Rect) -> float:
    return sum(
        luminance(surface.get_at((x, y)))
        for x in range(rect.left, rect.right)
        for y in range(rect.top, rect.bottom)
    )


def test_night_darkens_the_map_and_the_villagers(day_and_night) -> None:
    day, night = day_and_night
    grass = night.at[GRASS]
    assert luminance(night.screen.get_at(grass)) < 0.5 * luminance(day.screen.get_at(grass))
    assert light(night.screen, night.body) < 0.6 * light(day.screen, day.body)


def test_night_leaves_the_bar_the_bubbles_the_names_and_the_dialogue_bright(
    day_and_night,
) -> None:
    day, night = day_and_night
    width = night.screen.get_width()
    # The bar: its background as by day (its text says another time, so not all of it).
    for x in (width - 3, width // 2 + 200):
        assert night.screen.get_at((x, 2))[:3] == day.screen.get_at((x, 2))[:3] == BAR_BG
    # The bubble's box: the same pixels as by day.
    inside = night.bubble.inflate(-16, -12)
    assert pygame.image.tobytes(night.screen.subsurface(inside), "RGB") == pygame.image.tobytes(
        day.screen.subsurface(inside), "RGB"
    )
    # Every name: where its label is opaque, the screen shows the label itself.
    for surface, (lx, ly) in night.labels:
        opaque = [
            (px, py)
            for px in range(surface.get_width())
            for py in range(surface.get_height())
            if surface.get_at((px, py)).a == 255
        ]
        assert opaque
        for px, py in opaque:
            assert night.screen.get_at((lx + px, ly + py))[:3] == surface.get_at((px, py))[:3]
    # The dialogue box: its opaque middle as by day, but for the entry's blinking cursor.
    a = pygame.image.tobytes(day.with_box.subsurface(day.box), "RGB")
    b = pygame.image.tobytes(night.with_box.subsurface(night.box), "RGB")
    differ = sum(1 for i in range(0, len(a), 3) if a[i : i + 3] != b[i : i + 3])
    assert differ < 0.01 * night.box.w * night.box.h


def test_rooms_and_doorways_are_lit_at_night(day_and_night) -> None:
    """The hut's floor and door glow warm; open grass is only darkened (the tint's own
    formula: the day's colour taken towards the night's)."""
    day, night = day_and_night
    grass = night.at[GRASS]
    expected = shaded_colour(tuple(day.screen.get_at(grass)[:3]), STEPS)
    assert tuple(night.screen.get_at(grass)[:3]) == pytest.approx(expected, abs=2)
    for tile in (FLOOR, DOOR):
        at = night.at[tile]
        unlit = shaded_colour(tuple(day.screen.get_at(at)[:3]), STEPS)
        lit = night.screen.get_at(at)
        assert lit.r > unlit[0] + 30 and lit.g > unlit[1] + 15, (tile, lit, unlit)


def test_the_decision_prompt_says_the_time_after_the_turn(tiny_content, tmp_path) -> None:
    """Through the real openai client: turn 2 from 20:50 is at 21:00, night. The time goes
    in the user message, after the turn; the system message stays the same each turn, so
    a server's prefix cache still hits."""
    seen: list[dict] = []

    def answer(request):
        seen.append(request)
        return Reply(content='say("Mm.")' if is_conversation(request) else "wait()")

    with LLMServer(answer) as server:
        sim, _ = make_sim(
            tiny_content,
            loopback_brain(server.base_url),
            tmp_path,
            start_minutes=parse_time("20:50"),
            minutes_per_turn=10,
        )
        run(sim, 2)
    users = [r["messages"][1]["content"] for r in seen if not is_conversation(r)]
    assert sum(u.startswith("Turn 1. It is 20:50, dusk.\n") for u in users) == 3
    assert sum(u.startswith("Turn 2. It is 21:00, night.\n") for u in users) == 3
    systems = {r["messages"][0]["content"] for r in seen if not is_conversation(r)}
    assert len(systems) == 3  # one per villager, the same on both turns
    assert not any("21:00" in s or "20:50" in s for s in systems)


def test_a_loaded_save_tells_the_window_the_time_of_its_turn(tiny_content, tmp_path) -> None:
    config = {"start_minutes": parse_time("20:00"), "minutes_per_turn": 30}
    sim, _ = make_sim(
        tiny_content, OfflineBrain(0), tmp_path / "a", save_dir=tmp_path / "s", **config
    )
    run(sim, 3)  # turn 3 is played at 21:00
    path = sim.save_game()
    assert path is not None
    fresh, rec = make_sim(
        tiny_content, OfflineBrain(0), tmp_path / "b", save_dir=tmp_path / "s", **config
    )
    assert rec.of(m.ClockChanged)[-1].minutes == 20 * 60  # before its first turn
    fresh.handle(m.LoadGame(str(path)))
    assert rec.of(m.GameLoaded)[-1].turn == 3
    assert rec.of(m.ClockChanged)[-1].minutes == 21 * 60
    run(fresh, 4)
    assert rec.of(m.ClockChanged)[-1].minutes == 21 * 60 + 30
    assert json.loads(path.read_text(encoding="utf-8"))["turn"] == 3


def said_and_walks(content, log_dir, start: str) -> tuple[list[str], int]:
    sim, rec = make_sim(
        content, OfflineBrain(0), log_dir, start_minutes=parse_time(start), minutes_per_turn=1
    )
    run(sim, 40)
    said = [e.text for e in rec.of(m.Spoke) if e.conversation_id is None]
    return said, len(rec.of(m.EntityMoved))


def test_the_offline_villagers_settle_down_at_night(real_content, tmp_path) -> None:
    """Forty turns of Willowmere a minute apart at noon and at 23:00: at night they walk
    far less and now and then say it is late; by day nobody talks of bed."""
    day_said, day_steps = said_and_walks(real_content, tmp_path / "day", "12:00")
    night_said, night_steps = said_and_walks(real_content, tmp_path / "night", "23:00")
    assert night_steps < 0.7 * day_steps
    assert set(night_said) & set(BEDTIME_REMARKS)
    assert not set(day_said) & set(BEDTIME_REMARKS)


def test_the_command_line_sets_the_clock(tmp_path) -> None:
    args = build_parser().parse_args(["--start-time", "23:00", "--minutes-per-turn", "30"])
    args.concurrency, args.adapt_concurrency, args.max_concurrency = 1, False, 1
    config = headless_config(args, tmp_path)
    assert (config.start_minutes, config.minutes_per_turn) == (23 * 60, 30)
    plain = build_parser().parse_args([])
    assert (plain.start_time, plain.minutes_per_turn) == (None, 10)  # the map's time, then


def test_start_time_on_the_command_line_plays_the_village_at_night(tmp_path) -> None:
    """main.py --headless --start-time 23:00: the offline villagers talk of bed; a bad
    time is refused before anything starts."""
    night = run_main(
        "--headless", "--turns", "30", "--start-time", "23:00", "--log-dir", str(tmp_path / "night")
    )
    assert night.returncode == 0, night.stderr
    assert any(remark in night.stdout for remark in BEDTIME_REMARKS)
    day = run_main("--headless", "--turns", "30", "--log-dir", str(tmp_path / "day"))
    assert day.returncode == 0, day.stderr
    assert not any(remark in day.stdout for remark in BEDTIME_REMARKS)
    bad = run_main("--headless", "--start-time", "24:00")
    assert bad.returncode == 2
    assert 'argument --start-time: expected a time of day as "HH:MM"' in bad.stderr
