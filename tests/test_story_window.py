"""The shipped story through the real window loop, as a player plays it: arrow keys to
walk (onto the jar, which is picked up by walking), Enter to talk (the quest's lines
first, then the villager's tree's, then its own greeting), F2 and a number to hand an
item over in the talk (which moves the quest on), I and J to look, the tracker showing
what is open. The real simulation and story on the real worker thread; the village stands
still (no turns), so the way there is known."""

from __future__ import annotations

import html

import pygame
import pytest
from conftest import ROOT
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.story.clock import parse_time
from game.ui.items import colour_of
from game.ui.night import shaded_colour
from game.ui.states import DialogueState, GiveState, InventoryState, JournalState
from game.world import PLAYER_NAME, build_world, chebyshev

KEYS = {(0, -1): pygame.K_UP, (0, 1): pygame.K_DOWN, (-1, 0): pygame.K_LEFT, (1, 0): pygame.K_RIGHT}


@pytest.fixture
def h(tmp_path):
    content = load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")
    harness = Harness(content, OfflineBrain(3), tmp_path, turns=0)
    harness.content = content
    assert harness.until(lambda: harness.game.story.tracker != ())
    try:
        yield harness
    finally:
        harness.close()


def walk(h, goal: tuple[int, int]) -> None:
    """Arrow keys along the way to ``goal``, one tile a press, each step seen on screen."""
    world = build_world(h.content)  # the village as it stands (no turns are played)
    world.step_to(PLAYER_NAME, h.tile())
    path = world.find_path(h.tile(), goal)
    assert path is not None, f"no way to {goal}"
    for tile in path:
        here = h.tile()
        h.key(KEYS[(tile[0] - here[0], tile[1] - here[1])])
        assert h.until(lambda tile=tile: h.tile() == tile), f"did not step to {tile}"


def talk_to(h, npc: str) -> list[str]:
    """Walk up beside ``npc``, face it, Enter: what the box shows of the villager."""
    there = h.tile(npc)
    sides = [(there[0] + dx, there[1] + dy) for dx, dy in KEYS]
    world = build_world(h.content)
    world.step_to(PLAYER_NAME, h.tile())
    side = min(
        (p for p in sides if world.can_enter(p) or p == h.tile()),
        key=lambda p: len(world.find_path(h.tile(), p) or [None] * 999),
    )
    walk(h, side)
    h.key(KEYS[(there[0] - side[0], there[1] - side[1])])  # face it (it blocks the step)
    h.key(pygame.K_RETURN)
    assert h.until(lambda: isinstance(h.game.states[-1], DialogueState))
    assert h.until(lambda: len(h.game.dialogue.messages) > 0)
    h.frames(3)
    return [html.unescape(b.html_text) for b in h.game.dialogue.messages]


def close_talk(h) -> None:
    h.key(pygame.K_ESCAPE)
    assert h.until(lambda: not isinstance(h.game.states[-1], DialogueState))


def give(h, number: int) -> None:
    h.key(pygame.K_F2)
    assert h.until(lambda: isinstance(h.game.states[-1], GiveState))
    key = pygame.K_0 + number
    h.key(key, unicode=str(number))
    assert h.until(lambda: isinstance(h.game.states[-1], DialogueState))


def shown(h, text: str) -> bool:
    return any(text in html.unescape(b.html_text) for b in h.game.dialogue.messages)


def test_the_first_quest_played_with_the_keys(h) -> None:
    game = h.game
    assert game.story.tracker == ("Ask Agnes what troubles her (she keeps to the chapel, north of the square)",)
    lines = talk_to(h, "Agnes")
    assert any("lost the bell tower key" in line for line in lines)
    close_talk(h)
    assert h.until(
        lambda: game.story.tracker == ("Ask Pip about the key (he plays by the well)",)
    )
    talk_to(h, "Pip")
    close_talk(h)
    lines = talk_to(h, "Pip")  # now his tree's exchange, his line and the player's
    assert any("Got a jar yet?" in line for line in lines)
    assert any("I'm looking, I'm looking." in line for line in lines)
    close_talk(h)

    jar = next(g for g in game.ground_items if g.item == "jar")
    walk(h, jar.pos)
    assert h.until(lambda: [c.item for c in game.story.inventory] == ["jar"])
    assert h.until(lambda: all(g.item != "jar" for g in game.ground_items))
    assert game.story.tracker == ("Give the jar to Pip (he waits by the well)",)
    h.key(pygame.K_i)
    assert h.until(lambda: isinstance(game.states[-1], InventoryState))
    assert "empty jar" in "\n".join(e.text for e in game.states[-1].card.entries)
    h.key(pygame.K_i)

    talk_to(h, "Pip")
    give(h, 1)
    assert h.until(lambda: shown(h, "A jar! Deal."))
    close_talk(h)
    assert h.until(lambda: [c.item for c in game.story.inventory] == ["iron_key"])

    talk_to(h, "Agnes")
    give(h, 1)
    assert h.until(lambda: shown(h, "My key! Bless you."))
    # The story's notices that came together are all up, clear of the dialogue box.
    texts = [n.text for n in game.notices.shown]
    assert any(t.startswith("Agnes gives you a honey cake.") for t in texts), texts
    assert any(t.startswith("Quest completed: The Bell") for t in texts), texts
    jobs = game.notices.jobs(game.dialogue.free_area or game.view)
    assert len(jobs) == len(texts)
    box = game.dialogue.window.rect
    assert not any(pygame.Rect(pos, surf.get_size()).colliderect(box) for surf, pos in jobs)
    close_talk(h)
    assert h.until(
        lambda: game.story.tracker == ("Go to the old bridge, where Pip saw the man",)
    )
    h.key(pygame.K_j)
    assert h.until(lambda: isinstance(game.states[-1], JournalState))
    journal = "\n".join(e.text for e in game.states[-1].card.entries)
    assert "The Bell for the Lantern Festival" in journal
    assert "The Lantern on the Old Bridge" in journal
    h.key(pygame.K_j)
    assert chebyshev(h.tile(), h.tile("Agnes")) <= 1


def jar_pixels(tmp_path, start: str) -> tuple[int, int]:
    """On the jar's tile at ``start`` o'clock: pixels of the jar's own colour, and of that
    colour as the night shades it."""
    content = load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")
    h = Harness(content, OfflineBrain(3), tmp_path, turns=0, start_minutes=parse_time(start))
    try:
        assert h.until(lambda: h.game.ground_items != ())
        h.frames(3)
        jar = next(g for g in h.game.ground_items if g.item == "jar")
        walk_near = (jar.pos[0] - 3, jar.pos[1])  # the camera follows the player there
        h.content = content
        walk(h, walk_near)
        h.frames(3)
        t = h.game.tile
        x, y = h.game.camera.to_screen(jar.pos[0] * t, jar.pos[1] * t)
        shot = pygame.display.get_surface()
        pixels = [tuple(shot.get_at((x + i, y + j)))[:3] for i in range(t) for j in range(t)]
        own = colour_of(jar.colour)
        shaded = shaded_colour(own, h.game.night)
        near = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, shaded)) <= 3)
        return pixels.count(own), near if h.game.night else 0
    finally:
        h.close()


def test_items_darken_with_the_night_as_the_map_does(tmp_path) -> None:
    by_day, _ = jar_pixels(tmp_path / "day", "12:00")
    at_night_own, at_night_shaded = jar_pixels(tmp_path / "night", "23:30")
    assert by_day > 20
    assert at_night_own == 0 and at_night_shaded > 20


def test_one_who_carries_a_lantern_glows_at_night_and_not_by_day(tmp_path) -> None:
    """Hollis carries the storm lantern (`light: true`): at night a warm pool round him,
    by day nothing."""
    content = load_content(ROOT / "maps" / "village.yaml", ROOT / "npcs")
    for start, glows in (("23:30", True), ("12:00", False)):
        h = Harness(
            content, OfflineBrain(3), tmp_path / start[:2], turns=0, start_minutes=parse_time(start)
        )
        try:
            assert h.until(lambda h=h: h.game.lights == ("Hollis",))
            h.game.follow = "Hollis"  # the camera on him, as Tab does
            h.frames(20)
            jobs = h.game._light_jobs()
            assert bool(jobs) is glows
            if glows:
                t = h.game.tile
                cx, cy = h.game.actors.centre_of("Hollis")
                x, y = h.game.camera.to_screen(int(cx) + t, int(cy))  # a tile to his right
                lit = tuple(pygame.display.get_surface().get_at((x, y)))[:3]
                h.game.lights = ()
                h.frames(3)
                dark = tuple(pygame.display.get_surface().get_at((x, y)))[:3]
                assert lit[0] > dark[0] + 10 and lit[0] - lit[2] > dark[0] - dark[2], (lit, dark)
        finally:
            h.close()
