"""The game as a player drives it: keys posted to the real loop, a real worker thread, the real
openai client on the loopback server, checked by what is on screen and what is written."""

from __future__ import annotations

import os
import subprocess
import sys

import pygame
import pytest
from conftest import ROOT, write_village
from llm_server import LLMServer, Reply
from simkit import is_conversation, loopback_brain, npc_of
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.ui.hud import BAR_HEIGHT, Hud
from game.ui.overlays import MAX_FEED_ROWS, Feed
from game.ui.sprites import Tileset
from game.ui.states import DialogueState, HelpState, PlayingState, QuitState


def still_villagers(answer: str = 'say("Frogs everywhere this spring.")'):
    def respond(request):
        return Reply(content=answer if is_conversation(request) else "wait()")

    return respond


@pytest.fixture
def harness(tiny_content, tmp_path):
    with LLMServer(still_villagers()) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path)
        h.server = server
        try:
            yield h
        finally:
            h.close()


def test_arrow_keys_and_wasd_move_one_tile_per_press(harness) -> None:
    assert harness.tile() == (1, 1)
    harness.key(pygame.K_RIGHT)
    assert harness.until(lambda: harness.tile() == (2, 1))
    harness.until(lambda: not harness.game.actors.get("Player").moving)
    harness.key(pygame.K_a)
    assert harness.until(lambda: harness.tile() == (1, 1))
    harness.until(lambda: not harness.game.actors.get("Player").moving)
    harness.key(pygame.K_s)
    assert harness.until(lambda: harness.tile() == (1, 2))
    harness.frames(20)
    assert harness.tile() == (1, 2)  # one press, one tile


def test_blocked_by_trees_walls_water_and_villagers(harness) -> None:
    player = harness.game.actors.get("Player")
    harness.key(pygame.K_UP)  # a tree above (1, 1)
    # The turn comes back from the worker, which may be busy with its first model call:
    # wait for it rather than for a number of frames.
    assert harness.until(lambda: player.facing.value == "up")  # faces where it tried
    harness.frames(15)
    assert harness.tile() == (1, 1)
    walk_next_to_ada(harness)  # (4, 1), next to Ada at (5, 1)
    harness.key(pygame.K_RIGHT)  # Ada is in the way
    harness.frames(15)
    assert harness.tile() == (4, 1)
    harness.key(pygame.K_DOWN)  # the hut's wall is at (4, 2)
    harness.frames(15)
    assert harness.tile() == (4, 1)


def test_held_key_keeps_walking_at_a_steady_pace(harness) -> None:
    pygame.event.post(
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN, mod=0, unicode="", scancode=0)
    )
    harness.until(lambda: harness.tile() == (1, 6), timeout=5)
    pygame.event.post(
        pygame.event.Event(pygame.KEYUP, key=pygame.K_DOWN, mod=0, unicode="", scancode=0)
    )
    harness.frames(20)
    assert harness.tile() == (1, 6)  # walked down to the bottom edge, then stopped at the trees


def test_sprites_glide_between_tiles(harness) -> None:
    harness.key(pygame.K_RIGHT)
    actor = harness.game.actors.get("Player")
    xs = []
    harness.until(lambda: (xs.append(actor.x), actor.tile == (2, 1) and not actor.moving)[1])
    assert any(32 < x < 64 for x in xs)  # in between the two tiles at some frame


def test_screenshot_shows_tiles_and_sprites(harness) -> None:
    game = harness.game
    harness.frames(5)
    screen = pygame.display.get_surface()
    tileset = Tileset.load()
    # a grass tile at (10, 6): compare the pixel at its centre with the tileset's grass
    sx, sy = game.camera.to_screen(10 * 32 + 16, 6 * 32 + 16)
    grass = tileset.surface_for("grass").get_at((16, 16))
    assert screen.get_at((sx, sy))[:3] == grass[:3]
    # the player's sprite: its shirt colour appears inside its tile
    px, py = game.camera.to_screen(1 * 32, 1 * 32)
    shirt = (200, 70, 60)
    colours = {tuple(screen.get_at((px + x, py + y)))[:3] for x in range(32) for y in range(32)}
    assert shirt in colours
    # the HUD bar is drawn at the top
    assert screen.get_at((3, 1))[:3] == (46, 38, 44)
    assert screen.get_at((3, BAR_HEIGHT + 3))[:3] != (46, 38, 44)


def test_help_overlay_and_quit_question(harness) -> None:
    game = harness.game
    harness.key(pygame.K_F1)
    assert isinstance(game.states[-1], HelpState)
    harness.key(pygame.K_RIGHT)  # keys do not walk under the help card
    harness.frames(10)
    assert harness.tile() == (1, 1)
    harness.key(pygame.K_F1)
    assert isinstance(game.states[-1], PlayingState)
    harness.key(pygame.K_F3)
    assert game.show_meter
    harness.key(pygame.K_ESCAPE)
    assert isinstance(game.states[-1], QuitState)
    harness.key(pygame.K_n)
    assert isinstance(game.states[-1], PlayingState) and game.running
    harness.key(pygame.K_ESCAPE)
    harness.key(pygame.K_y)
    assert not game.running


def test_window_close_ends_the_loop(harness) -> None:
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    harness.frames(1)
    assert not harness.game.running


@pytest.mark.parametrize("card", [pygame.K_F1, pygame.K_ESCAPE])
def test_a_key_let_go_while_a_card_is_up_stops_the_walk(harness, card) -> None:
    """Hold a direction, open the help (F1) or quit (Escape) card, let go, close the card:
    the player stands still, not walking on to the next wall by itself."""
    harness.until(lambda: not harness.game.actors.get("Player").moving)
    start = harness.tile()
    down = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_DOWN, mod=0, unicode="", scancode=0)
    up = pygame.event.Event(pygame.KEYUP, key=pygame.K_DOWN, mod=0, unicode="", scancode=0)
    pygame.event.post(down)
    harness.frames(2)
    harness.key(card)
    assert not isinstance(harness.game.states[-1], PlayingState)
    pygame.event.post(up)
    harness.frames(2)
    harness.key(card if card == pygame.K_F1 else pygame.K_n)
    assert isinstance(harness.game.states[-1], PlayingState)
    harness.frames(60)
    assert harness.tile()[0] == start[0] and harness.tile()[1] <= start[1] + 2

def test_space_pauses_turns_and_hud_says_why(harness) -> None:
    game = harness.game
    assert harness.until(lambda: game.hud_state.turn >= 1)
    harness.key(pygame.K_SPACE)
    assert harness.until(lambda: game.hud_state.paused_reasons == ("paused by the player",))
    turn = game.hud_state.turn
    harness.frames(30)
    assert game.hud_state.turn <= turn + 1
    assert "Paused by you (Space resumes)" in game.hud_state.text()[0]
    harness.key(pygame.K_SPACE)
    assert harness.until(lambda: game.hud_state.turn > turn + 1)


def test_a_narrow_window_cuts_the_bar_short_rather_than_overlap_its_two_ends(
    tiny_content, tmp_path
) -> None:
    with LLMServer(still_villagers()) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path, size=(320, 240))
        try:
            game = h.game
            h.key(pygame.K_SPACE)
            assert h.until(lambda: game.hud_state.paused_reasons == ("paused by the player",))
            h.frames(2)
            left, right = game.hud.fitted(game.hud_state)
            assert left.endswith("\u2026") and left[:-1] in game.hud_state.text()[0]
            assert left.startswith("Testwick   Turn ") and "Paused" in left
            assert right == "F1 help"  # the brain and tokens give way first
            font = game.small_font
            assert 10 + font.size(left)[0] + 10 <= 320 - 10 - font.size(right)[0]
            assert Hud(font, 1280).fitted(game.hud_state) == game.hud_state.text()  # room
        finally:
            h.close()

def walk_next_to_ada(harness) -> None:
    for x in (2, 3, 4):
        harness.key(pygame.K_RIGHT)
        assert harness.until(lambda x=x: harness.tile() == (x, 1), 5)
        assert harness.until(lambda: not harness.game.actors.get("Player").moving, 5)


def test_enter_opens_the_dialogue_and_typed_text_gets_an_answer(harness, tmp_path) -> None:
    game = harness.game
    walk_next_to_ada(harness)
    harness.key(pygame.K_RETURN)
    assert harness.until(lambda: isinstance(game.states[-1], DialogueState))
    assert game.dialogue.is_open and game.dialogue.npc_name == "Ada"
    assert harness.until(lambda: game.hud_state.paused_reasons == ("talking with the player",))
    assert "Paused: you are talking with Ada" in game.hud_state.text()[0]
    harness.type("Any news about the pond?")
    harness.key(pygame.K_RETURN)
    assert harness.until(
        lambda: any("Frogs everywhere" in box.html_text for box in game.dialogue.messages), 5
    )
    texts = [box.html_text for box in game.dialogue.messages]
    assert any("Any news about the pond?" in t for t in texts)
    feed = list(game.feed.lines)  # the feed (L) has both sides of the talk
    assert any(line.endswith("Player: Any news about the pond?") for line in feed)
    assert any("Ada: Frogs everywhere" in line for line in feed)
    # game keys do nothing while the box is open
    harness.key(pygame.K_LEFT)
    harness.frames(10)
    assert harness.tile() == (4, 1)
    harness.key(pygame.K_ESCAPE)
    assert harness.until(lambda: isinstance(game.states[-1], PlayingState))
    assert not game.dialogue.is_open
    assert harness.until(lambda: game.hud_state.paused_reasons == ())
    log = (tmp_path / "ada.md").read_text()
    assert "### Conversation with Player" in log
    assert "- Player: Any news about the pond?" in log
    assert "- Ada: Frogs everywhere this spring." in log
    assert "Ended by: Player" in log


def test_enter_with_nobody_near_shows_a_hint(harness) -> None:
    harness.key(pygame.K_RETURN)
    assert harness.until(lambda: harness.game.notices.text is not None)
    assert harness.game.notices.text.startswith("Nobody to talk to")
    assert isinstance(harness.game.states[-1], PlayingState)


def test_npc_turns_to_the_player_and_the_box_opens_with_its_line(tiny_content, tmp_path) -> None:
    def respond(request):
        if is_conversation(request):
            return Reply(content='say("Mind the frogs!")')
        user = request["messages"][1]["content"]
        next_to = next((ln for ln in user.splitlines() if ln.startswith("Next to you:")), "")
        if "You are Ada" in request["messages"][0]["content"] and "Player" in next_to:
            return Reply(content='start_conversation_with(Player, "Ah, a traveller! Welcome.")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path)
        try:
            game = h.game
            walk_next_to_ada(h)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState), 5)
            assert game.dialogue.npc_name == "Ada"
            assert "Ah, a traveller! Welcome." in game.bubbles.live()["Ada"].text
            assert any("Ah, a traveller" in b.html_text for b in game.dialogue.messages)
            h.type("Hello Ada")
            h.key(pygame.K_RETURN)
            assert h.until(
                lambda: any("Mind the frogs" in b.html_text for b in game.dialogue.messages)
            )
            h.key(pygame.K_ESCAPE)
            assert h.until(lambda: game.hud_state.paused_reasons == ())
        finally:
            h.close()
    log = (tmp_path / "ada.md").read_text()
    assert "### Conversation with Player" in log and "Initiated by: Ada" in log
    assert "- Ada: Ah, a traveller! Welcome.\n- Player: Hello Ada\n- Ada: Mind the frogs!" in log


def test_talking_on_the_offline_brain(real_content, tmp_path) -> None:
    from game.brains.offline import OfflineBrain

    # No turns are played, so nobody wanders off or walks up first: the player spawns at
    # (23, 19) and Pip stands at the well at (22, 18), diagonally next to them. (With turns
    # running, whoever the offline brain sends over first would take the talk: a race.)
    h = Harness(real_content, OfflineBrain(0), tmp_path, turns=0)
    try:
        game = h.game
        assert h.tile("Pip") == (22, 18) and h.tile() == (23, 19)
        h.key(pygame.K_RETURN)
        assert h.until(lambda: isinstance(game.states[-1], DialogueState))
        assert game.dialogue.npc_name == "Pip"
        h.type("Did you find a key?")
        h.key(pygame.K_RETURN)
        import html

        from game.brains.prompts import relevant_knowledge

        pip = next(n for n in real_content.npcs if n.name == "Pip")
        expected = html.escape(relevant_knowledge(pip, "Did you find a key?", 1)[0])
        assert "key" in expected.lower()
        assert h.until(lambda: any(expected in b.html_text for b in game.dialogue.messages))
        h.key(pygame.K_ESCAPE)
        assert h.until(lambda: isinstance(game.states[-1], PlayingState))
    finally:
        h.close()
    assert "Initiated by: Player" in (tmp_path / "pip.md").read_text()


def test_plus_and_minus_change_the_pace(harness) -> None:
    game = harness.game
    assert harness.until(lambda: game.hud_state.turn_interval == 0.05)
    harness.key(pygame.K_MINUS)
    harness.key(pygame.K_KP_MINUS)
    assert harness.until(lambda: game.hud_state.turn_interval > 0.1)
    slower = game.hud_state.turn_interval
    harness.key(pygame.K_PLUS)
    harness.key(pygame.K_KP_PLUS)
    assert harness.until(lambda: game.hud_state.turn_interval < slower)
    assert f"{game.hud_state.turn_interval:g}s between turns" in game.hud_state.text()[0]


def test_closing_the_window_quits_within_a_second(tiny_content, tmp_path) -> None:
    import threading
    import time
    from types import SimpleNamespace

    from game.ui.app import run_game

    with LLMServer(lambda request: Reply(content="wait()", delay=3.0)) as server:
        args = SimpleNamespace(
            seed=0,
            concurrency=4,
            adapt_concurrency=False,
            max_concurrency=4,
            turn_interval=0.1,
            linger=2.5,
            max_exchanges=6,
            turns=None,
            window=(640, 480),
        )
        posted: list[float] = []

        def close_soon() -> None:
            time.sleep(1.5)  # calls are in flight by now
            posted.append(time.monotonic())
            pygame.event.post(pygame.event.Event(pygame.QUIT))

        threading.Thread(target=close_soon, daemon=True).start()
        assert run_game(tiny_content, loopback_brain(server.base_url), args, tmp_path, None) == 0
        elapsed = time.monotonic() - posted[0]
    assert elapsed < 1.0, elapsed
    assert (tmp_path / "ada.md").exists()


def test_hud_shows_model_and_failures_but_never_the_key(tiny_content, tmp_path) -> None:
    from game.brains.openai_brain import OpenAIBrain

    sentinel = "sk-SENTINEL-hud-0123456789"
    with LLMServer(lambda request: Reply(fault="http_500")) as server:
        brain = OpenAIBrain(model="gpt-4o-mini", api_key=sentinel, base_url=server.base_url,
                            timeout=1.0, max_retries=0)
        h = Harness(tiny_content, brain, tmp_path)
        try:
            assert h.until(lambda: h.game.hud_state.failures >= 3)
            left, right = h.game.hud_state.text()
            assert "gpt-4o-mini @ 127.0.0.1" in right
            assert "failed call" in right
            assert sentinel not in left + right
        finally:
            h.close()


def test_the_dialogue_box_leaves_the_two_talking_in_sight(real_content, tmp_path) -> None:
    """The box used to open centred low in the view, over the player (whom the camera
    centres) and the villager, and over the villager's bubble."""
    from game.brains.offline import OfflineBrain

    h = Harness(real_content, OfflineBrain(0), tmp_path, turns=0)
    try:
        game = h.game
        h.key(pygame.K_RETURN)  # Pip stands at the well, diagonally next to the player
        assert h.until(lambda: isinstance(game.states[-1], DialogueState))
        assert h.until(lambda: "Pip" in game.bubbles.live())
        h.frames(2)
        box = game.dialogue.window.rect
        assert game.view.contains(box)
        assert box.w >= 400 and box.h >= 300  # still a usable box
        _, anchors = game.actors.layout(game.camera)
        t = game.tile
        for name in ("Pip", "Player"):
            x, y = anchors[name]
            assert not box.colliderect(pygame.Rect(x - t // 2, y, t, t)), name
        bubbles = game.bubbles.jobs(anchors, game.view)
        assert bubbles
        for surface, pos in bubbles:
            assert not box.colliderect(pygame.Rect(pos, surface.get_size()))
        # and the box still works
        h.type("Hello Pip")
        h.key(pygame.K_RETURN)
        assert h.until(lambda: len(game.dialogue.messages) >= 3)
    finally:
        h.close()


def test_the_bar_names_who_is_talking_and_tab_goes_to_watch(tiny_content, tmp_path) -> None:
    """A conversation off in the village pauses the turns: the bar says who is talking and
    that Tab shows them; Tab follows them and comes back; afterwards the bar forgets them."""

    def respond(request):
        if is_conversation(request):  # slow answers: the talk lasts while the keys are pressed
            return Reply(content='say("Frogs everywhere this spring.")', delay=0.3)
        if npc_of(request) == "Ada":
            return Reply(content='start_conversation_with(Bjorn, "Seen the pond?")')
        return Reply(content="wait()")

    with LLMServer(respond) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path, max_exchanges=4)
        try:
            game = h.game
            assert h.until(lambda: game.hud_state.talking is not None, 10)
            assert game.hud_state.talking == ("Ada", "Bjorn")
            assert "Paused: Ada and Bjorn are talking (Tab: watch)" in game.hud_state.text()[0]
            h.key(pygame.K_TAB)
            assert game.follow == "Ada"
            h.frames(2)
            assert "Ada and Bjorn are talking (Tab: back to you)" in game.hud_state.text()[0]
            h.key(pygame.K_TAB)
            assert game.follow == "Player"
            h.frames(2)
            assert "(Tab: watch)" in game.hud_state.text()[0]
            assert h.until(lambda: game.hud_state.talking is None, 10)
            assert "talking" not in game.hud_state.text()[0]
        finally:
            h.close()


def shown_labels(game) -> dict[str, pygame.Rect]:
    """Where each name label is drawn on screen this frame."""
    jobs, _ = game.actors.layout(game.camera)
    by_surface = {id(actor.label): name for name, actor in game.actors.by_name.items()}
    return {
        by_surface[id(surface)]: pygame.Rect(pos, surface.get_size())
        for surface, pos in jobs
        if id(surface) in by_surface
    }


def test_names_of_villagers_side_by_side_do_not_cover_each_other(tmp_path) -> None:
    spawns = {"Bartholomew": (5, 1), "Wilhelmina": (6, 1), "Cora": (9, 6)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    h = Harness(content, OfflineBrain(0), tmp_path, turns=0)
    try:
        h.frames(3)
        labels = shown_labels(h.game)
        assert set(labels) == {"Bartholomew", "Wilhelmina", "Cora", "Player"}
        left, right = labels["Bartholomew"], labels["Wilhelmina"]
        assert not left.colliderect(right)
        assert right.top >= left.bottom  # the later one a line lower, still under its owner
        actor = h.game.actors.get("Wilhelmina")
        owner_x, _ = h.game.camera.to_screen(actor.x, actor.y)
        assert right.left < owner_x + h.game.tile and right.right > owner_x  # under its owner
    finally:
        h.close()


def test_in_a_packed_crowd_no_name_is_drawn_over_another(tmp_path) -> None:
    names = iter(["Ada", "Bjorn", "Cora", "Dunstan", "Edith", "Fenwick", "Gwen", "Hob", "Ivo"])
    spawns = {next(names): (x, y) for y in (5, 6) for x in (1, 2, 3, 4)}
    content = load_content(*write_village(tmp_path / "v", spawns))
    h = Harness(content, OfflineBrain(0), tmp_path, turns=0)
    try:
        h.frames(3)
        rects = list(shown_labels(h.game).values())
        assert len(rects) >= 5  # most still named
        for i, a in enumerate(rects):
            assert a.collidelist(rects[i + 1 :]) < 0
    finally:
        h.close()


def test_a_failing_model_is_told_on_screen_once_and_fits_a_narrow_window(
    tiny_content, tmp_path
) -> None:
    with LLMServer(lambda request: Reply(fault="http_500")) as server:
        brain = loopback_brain(server.base_url)
        h = Harness(tiny_content, brain, tmp_path, size=(480, 360))
        try:
            game = h.game
            assert h.until(lambda: game.notices.text is not None, 10)
            assert game.notices.text.startswith("Model call failed (http 500")
            h.frames(2)
            (surface, (x, _)), *_ = game.notices.jobs(game.view)
            assert x >= game.view.left and x + surface.get_width() <= game.view.right
            assert h.until(lambda: game.hud_state.failures >= 6, 10)  # the turns go on...
            shown = game.notices.text
            h.frames(30)
            assert game.notices.text in (None, shown)  # ...without a notice for each
        finally:
            h.close()


def test_the_feed_shows_whole_lines_with_their_second_rows_indented() -> None:
    pygame.init()
    feed = Feed(pygame.font.Font(None, 17))
    for i in range(40):
        feed.add(i, "Agnes", f"Line {i}: " + "the bell tower key was lost at the well " * 2)
    rows = feed.rows()
    assert MAX_FEED_ROWS - 2 <= len(rows) <= MAX_FEED_ROWS
    assert rows[0].startswith("T")  # the top row starts a line: no half line up there
    assert all(row.startswith(("T", "  ")) for row in rows)  # every second row indented
    assert any(row.startswith("T39 Agnes: Line 39:") for row in rows)  # the newest shown


@pytest.mark.parametrize("size", [(320, 240), (640, 480)])
def test_cards_and_the_feed_fit_a_small_window(tiny_content, tmp_path, size) -> None:
    with LLMServer(still_villagers()) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path, size=size)
        try:
            game = h.game
            for _ in range(3):
                game.feed.add(1, "Ada", "Frogs everywhere this spring, and louder than ever.")
            h.key(pygame.K_l)
            (panel, pos), = game.feed.jobs(game.view)
            feed = pygame.Rect(pos, panel.get_size())
            assert game.view.contains(feed)
            assert feed.width <= game.view.width // 2  # the middle, where the player is, shows
            h.key(pygame.K_l)  # the feed hidden: Escape would close it before asking to quit
            for open_key, close_key in ((pygame.K_F1, pygame.K_F1), (pygame.K_ESCAPE, pygame.K_n)):
                h.key(open_key)
                (_, _), (card, at) = game.states[-1].jobs(game)
                assert game.view.contains(pygame.Rect(at, card.get_size()))
                h.key(close_key)
                assert isinstance(game.states[-1], PlayingState)
        finally:
            h.close()


def test_the_box_says_how_to_send_and_counts_down_near_the_length_limit(harness) -> None:
    game = harness.game
    walk_next_to_ada(harness)
    harness.key(pygame.K_RETURN)
    assert harness.until(lambda: isinstance(game.states[-1], DialogueState))
    hint = game.dialogue.hint
    assert hint is not None and hint.visible and hint.text == "Enter to send, Esc to leave"
    harness.type("x" * 270)
    assert harness.until(lambda: hint.text.startswith("30 characters left"))
    harness.type("y" * 40)  # typing stops at the limit, and the line says so
    assert harness.until(lambda: hint.text.startswith("0 characters left"))
    assert len(game.dialogue.entry.get_text()) == 300


def test_the_window_opens_with_nothing_on_stderr_and_no_sound_system(tmp_path) -> None:
    """The game makes no sound: starting pygame's mixer on a machine without a sound card
    filled stderr with eight lines of ALSA errors before the first frame. Nor does pygame
    print its own greeting. Run as a player does, up to the first frame drawn."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SDL_AUDIO"))}
    env.update(SDL_VIDEODRIVER="dummy", HAMLET_EXIT_AFTER_FIRST_FRAME="1")
    env.pop("PYGAME_HIDE_SUPPORT_PROMPT", None)
    game = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--log-dir", str(tmp_path / "logs")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert game.returncode == 0, game.stderr
    assert "first frame at" in game.stdout
    assert "ALSA" not in game.stderr and "pygame-ce" not in game.stdout, game.stderr
    assert game.stderr == ""


def test_emoji_from_a_model_are_left_out_of_what_is_drawn_but_kept_in_the_log(
    tiny_content, tmp_path
) -> None:
    """No font the game has can draw emoji: each would be an empty box in the bubble, the
    feed and the dialogue box. They are dropped from what is shown; the log keeps them."""
    line = "Frogs everywhere 🐸🐸, and the sun is out! 😊"
    with LLMServer(still_villagers(f'say("{line}")')) as server:
        h = Harness(tiny_content, loopback_brain(server.base_url), tmp_path)
        try:
            game = h.game
            walk_next_to_ada(h)
            h.key(pygame.K_RETURN)
            assert h.until(lambda: isinstance(game.states[-1], DialogueState))
            h.type("Any news?")
            h.key(pygame.K_RETURN)
            shown = "Frogs everywhere, and the sun is out!"
            assert h.until(lambda: any(shown in box.html_text for box in game.dialogue.messages))
            assert any(row.endswith(f"Ada: {shown}") for row in game.feed.lines)
            assert h.until(lambda: "Ada" in game.bubbles.live())
            assert game.bubbles.live()["Ada"].text == shown
        finally:
            h.close()
    assert f"- Ada: {line}" in (tmp_path / "ada.md").read_text(encoding="utf-8")
