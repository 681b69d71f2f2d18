"""The story in the window, as a player meets it: items lying on the map (drawn on their
tiles, under the villagers, named beside the player), E to pick one up, I for what the
player carries, J for the journal, the quest tracker, and giving an item in a talk (F2 or
the Give button). Driven through the real game loop with posted keys and clicks, against
a village whose simulation tells a small story (tests/storykit.py); checked by what the
window draws and what reaches the simulation."""

from __future__ import annotations

import pygame
import pygame_gui
import pytest
from conftest import write_village
from storykit import item, story_village
from uikit import Harness

from game.brains.offline import OfflineBrain
from game.content.loader import load_content
from game.sim import messages as m
from game.ui import tracker as tr
from game.ui.dialogue import GIVE_LABEL
from game.ui.overlays import KEYS
from game.ui.states import (
    DialogueState,
    GiveState,
    InventoryState,
    JournalState,
    PlayingState,
)
from game.ui.story_cards import GIVE_EMPTY, INVENTORY_EMPTY, JOURNAL_EMPTY

KEY_RGB = (32, 192, 240)
CAKE_RGB = (240, 160, 32)
PEBBLE_RGB = (224, 32, 224)
COIN_RGB = (200, 128, 60)

# The player starts at (1, 1) facing down; Ada stands beside it at (2, 1), Bjorn at (8, 1).
GROUND = (
    item("iron_key", (1, 2), "old iron key", "#20c0f0"),  # right below the player
    item("honey_cake", (6, 3), "honey cake", "#f0a020"),  # out in the open
    item("pebble", (8, 1), "smooth pebble", "#e020e0"),  # where Bjorn stands
)
CARRIED = (
    m.Carried("coin", "copper coin", "A worn copper coin.", "#c8803c", 3),
    m.Carried("letter", "sealed letter", "For the miller, sealed with green wax.", "#f2e6c8", 1),
)
BELL = m.QuestShown(
    "The Festival Bell",
    "Agnes has lost the bell tower key.",
    "active",
    ("Ask Agnes about the bell",),
    ("Give the copper coin to Ada", "Bring the sealed letter to Ada"),
)
BREAD = m.QuestShown(
    "Bread for the Mill", "Marta's loaf is for Hollis.", "completed", ("Take the loaf",), ()
)


def village(tmp_path, ground=GROUND, carried=CARRIED, quests=(BELL, BREAD), size=(1280, 720)):
    content = load_content(*write_village(tmp_path / "v", {"Ada": (2, 1), "Bjorn": (8, 1)}))
    sim = story_village(ground, carried, quests)
    h = Harness(content, OfflineBrain(0), tmp_path, size=size, turns=0, simulation=sim)
    h.heard = sim.heard
    assert h.until(lambda: h.game.ground_items == ground and h.game.story.quests == quests)
    h.frames(2)
    return h


@pytest.fixture
def h(tmp_path):
    harness = village(tmp_path)
    try:
        yield harness
    finally:
        harness.close()


def screen() -> pygame.Surface:
    return pygame.display.get_surface()


def tile_colours(h, tile: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Every pixel's colour on screen inside ``tile``."""
    t = h.game.tile
    x, y = h.game.camera.to_screen(tile[0] * t, tile[1] * t)
    shot = screen()
    return [tuple(shot.get_at((x + i, y + j)))[:3] for i in range(t) for j in range(t)]


def colour_count(area: pygame.Rect, rgb: tuple[int, int, int]) -> int:
    shot = screen()
    area = area.clip(shot.get_rect())
    return sum(
        1
        for x in range(area.left, area.right)
        for y in range(area.top, area.bottom)
        if tuple(shot.get_at((x, y)))[:3] == rgb
    )


def press(h, key: int, text: str = "") -> None:
    """A key as the keyboard sends it: the key, and the letter it types (if any)."""
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=text, scancode=0))
    if text:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))
    h.frames(1)
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode=text, scancode=0))
    h.frames(1)


def click(h, pos: tuple[int, int]) -> None:
    for kind in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
        extra = (
            {"rel": (0, 0), "buttons": (0, 0, 0)} if kind == pygame.MOUSEMOTION else {"button": 1}
        )
        pygame.event.post(pygame.event.Event(kind, pos=pos, touch=False, window=None, **extra))
        h.frames(1)
    h.frames(2)


def card_text(state) -> str:
    return "\n".join(entry.text for entry in state.card.entries)


def open_talk(h) -> DialogueState:
    h.key(pygame.K_RETURN)  # Ada is beside the player
    assert h.until(lambda: isinstance(h.game.states[-1], DialogueState))
    assert h.until(lambda: h.game.dialogue.conversation_id is not None)
    return h.game.states[-1]


# ---- items on the map -----------------------------------------------------------------


def test_items_are_drawn_on_their_tiles_in_their_colours_and_under_the_villagers(h) -> None:
    assert KEY_RGB in tile_colours(h, (1, 2))
    assert CAKE_RGB in tile_colours(h, (6, 3))
    assert KEY_RGB not in tile_colours(h, (6, 3))  # each on its own tile
    # The pebble lies where Bjorn stands: he is drawn over it, hiding most of it.
    shown_alone = tile_colours(h, (6, 3)).count(CAKE_RGB)
    under_bjorn = tile_colours(h, (8, 1)).count(PEBBLE_RGB)
    assert under_bjorn < shown_alone // 3
    bjorn_shirt = (59, 110, 165)  # "#3b6ea5", as conftest dresses every villager
    assert bjorn_shirt in tile_colours(h, (8, 1))


def test_items_bob_and_glint_as_time_goes_and_stay_on_their_tile(h) -> None:
    game = h.game
    before = game.items.layer(game.camera)
    assert game.items.layer(game.camera) is before  # drawn again: nothing changed, same list
    t = game.tile
    key_at = game.camera.to_screen(1 * t, 2 * t)
    looks, glints = set(), 0
    for _ in range(80):
        game.items.update(0.05)
        jobs, _ = game.items.layer(game.camera)
        looks.add(jobs[0][0])  # the key's picture: lifted a little, or not
        assert jobs[0][1] == key_at
        glints += len(jobs) > 3  # a sparkle over one of the three
    assert len(looks) == 3 and glints > 0


def test_the_name_of_an_item_beside_the_player_shows_and_says_e_for_the_one_faced(h) -> None:
    game = h.game
    near = game.items.near(h.tile(), game.actors.get("Player").facing)
    assert [(g.name, takes) for g, takes in near] == [("old iron key", True)]
    labels = game._item_labels()
    assert len(labels) == 1
    label, (lx, ly) = labels[0]
    t = game.tile
    x, y = game.camera.to_screen(1 * t, 2 * t)
    assert ly >= y + t - 4  # under the key, clear of the player's own name above it
    assert colour_count(pygame.Rect((lx, ly), label.get_size()), (255, 250, 235)) > 20
    # The label says E: it is wider than the name alone would be.
    assert label.get_width() > game.items.make_label("old iron key").get_width()
    h.key(pygame.K_RIGHT)  # now beside nothing (Ada is in the way; the player turns)
    h.frames(3)
    assert [
        (g.name, takes) for g, takes in game.items.near(h.tile(), game.actors.get("Player").facing)
    ] == [("old iron key", False)]


def test_e_picks_up_the_item_and_it_leaves_the_map(h) -> None:
    game = h.game
    h.key(pygame.K_e)
    assert h.until(lambda: m.PickUp() in h.heard)
    assert h.until(lambda: len(game.ground_items) == 2)
    h.frames(3)
    assert KEY_RGB not in tile_colours(h, (1, 2))
    assert CAKE_RGB in tile_colours(h, (6, 3))
    assert [c.name for c in game.story.inventory][-1] == "old iron key"
    assert game.notices.text == "You pick up the old iron key."


# ---- I: what the player carries ---------------------------------------------------------


def test_i_shows_what_the_player_carries_and_i_closes_it(h) -> None:
    game = h.game
    h.key(pygame.K_i)
    state = game.states[-1]
    assert isinstance(state, InventoryState)
    text = card_text(state)
    assert "copper coin  x3" in text and "A worn copper coin." in text
    assert "sealed letter" in text and "For the miller" in text
    # Each thing carried is shown with its token in its colour, inside the card on screen.
    surface = state.card.surface()
    where = state.place(game, surface)
    assert colour_count(where, COIN_RGB) > 10
    h.key(pygame.K_RIGHT)  # the card is up: the player does not walk
    h.frames(5)
    assert h.tile() == (1, 1)
    h.key(pygame.K_i)
    assert isinstance(game.states[-1], PlayingState)
    assert colour_count(where, COIN_RGB) == 0  # the card is gone from the screen


def test_what_is_picked_up_shows_in_the_open_inventory(h) -> None:
    game = h.game
    h.key(pygame.K_i)
    state = game.states[-1]
    assert "old iron key" not in card_text(state)
    game.send(m.PickUp())  # as if E had been pressed before the card came up
    assert h.until(lambda: "old iron key" in card_text(state))
    h.frames(2)
    assert colour_count(state.place(game, state.card.surface()), KEY_RGB) > 10


def test_an_empty_inventory_says_how_to_pick_things_up(tmp_path) -> None:
    h = village(tmp_path, carried=())
    try:
        h.key(pygame.K_i)
        state = h.game.states[-1]
        assert " ".join(card_text(state).split()) == INVENTORY_EMPTY
        h.key(pygame.K_ESCAPE)
        assert isinstance(h.game.states[-1], PlayingState)
    finally:
        h.close()


# ---- J: the journal ---------------------------------------------------------------------


def test_j_lists_the_quests_with_what_is_done_and_what_is_open(h) -> None:
    game = h.game
    h.key(pygame.K_j)
    state = game.states[-1]
    assert isinstance(state, JournalState)
    bell, bread = (entry.text for entry in state.card.entries)
    assert bell.startswith("The Festival Bell\nactive\nAgnes has lost the bell tower key.")
    assert bell.index("Ask Agnes about the bell") < bell.index("Give the copper coin to Ada")
    assert bread.startswith("Bread for the Mill\ncompleted")
    # A done objective is ticked (green), an open one ringed (amber): both drawn.
    from game.ui.story_cards import ACTIVE_FG, DONE_FG

    where = state.place(game, state.card.surface())
    assert colour_count(where, DONE_FG) > 10 and colour_count(where, ACTIVE_FG) > 10
    h.key(pygame.K_i)  # I from the journal goes to what the player carries
    assert [type(s) for s in game.states] == [PlayingState, InventoryState]
    h.key(pygame.K_j)
    assert [type(s) for s in game.states] == [PlayingState, JournalState]
    h.key(pygame.K_j)
    assert isinstance(game.states[-1], PlayingState)


def test_a_journal_with_no_quests_says_to_talk_to_the_villagers(tmp_path) -> None:
    h = village(tmp_path, quests=())
    try:
        h.key(pygame.K_j)
        assert " ".join(card_text(h.game.states[-1]).split()) == JOURNAL_EMPTY
        assert not h.game.tracker.lines
    finally:
        h.close()


def test_a_long_journal_scrolls(tmp_path) -> None:
    quests = tuple(
        BELL._replace(title=f"Quest number {i}", active=tuple(f"Step {j} of {i}" for j in range(4)))
        for i in range(12)
    )
    h = village(tmp_path, quests=quests, size=(800, 600))
    try:
        game = h.game
        h.key(pygame.K_j)
        card = game.states[-1].card
        assert card.scrollable and card.scroll == 0
        where = game.states[-1].place(game, card.surface())
        assert where.height <= game.view.height  # the card fits; its list scrolls
        first = card.surface()
        h.key(pygame.K_PAGEDOWN)
        assert card.scroll > 0 and card.surface() is not first
        h.key(pygame.K_END)
        assert card.scroll == card.list_h - card.room
        last = len(card.entries) - 1
        assert card.entry_at((40, card.tops[last] - card.scroll + card._body_top + 5)) == last
        h.key(pygame.K_HOME)
        assert card.scroll == 0
    finally:
        h.close()


# ---- the quest tracker ------------------------------------------------------------------


def tracker_area(h) -> pygame.Rect:
    view = h.game.view
    return pygame.Rect(view.right - tr.WIDTH - 20, view.top, tr.WIDTH + 20, 160)


def test_the_tracker_lists_the_open_objectives_and_hides_once_none_is_open(h) -> None:
    game = h.game
    assert game.tracker.lines == BELL.active
    jobs = game._tracker_jobs()
    assert len(jobs) == 1
    box, (x, y) = jobs[0]
    assert x + box.get_width() == game.view.right - tr.GAP and y == game.view.top + tr.GAP
    # A bullet for each line, drawn on screen in the tracker's colour.
    bullets = colour_count(tracker_area(h), tr.BULLET)
    assert bullets >= 2 * 9
    open_talk(h)
    h.key(pygame.K_F2)
    h.key(pygame.K_1)  # the copper coin: one objective done
    assert h.until(lambda: game.tracker.lines == ("Bring the sealed letter to Ada",))
    h.frames(2)
    assert 9 <= colour_count(tracker_area(h), tr.BULLET) < bullets
    h.key(pygame.K_F2)
    h.key(pygame.K_2)  # the sealed letter: none open now
    assert h.until(lambda: game.tracker.lines == ())
    h.frames(2)
    assert game._tracker_jobs() == []
    assert colour_count(tracker_area(h), tr.BULLET) == 0


def test_the_tracker_cuts_long_lines_and_counts_what_it_leaves_out(h) -> None:
    tracker = tr.QuestTracker(h.game.small_font)
    tracker.show(tuple(f"Objective {i} " + "and so on " * 8 for i in range(6)))
    rows = tracker.rows()
    # Three objectives, each wrapped onto two rows, the second cut; then how many more.
    assert len(rows) == (tr.MAX_LINES - 1) * tr.ROWS_EACH + 1
    assert rows[-1] == "+3 more (J)"
    assert [row.startswith("Objective") for row in rows[:-1]] == [True, False] * 3
    assert all(row.endswith("\u2026") for row in rows[1:-1:2])
    # One that fits on two rows is shown whole: where to go is at the end of the line.
    tracker.show(("Find an empty jar (Wren keeps jars by her cottage)",))
    assert " ".join(tracker.rows()) == "Find an empty jar (Wren keeps jars by her cottage)"
    box = tracker.surface(h.game.view.width)
    assert box is not None and box.get_width() <= tr.WIDTH
    assert tracker.surface(h.game.view.width) is box  # rendered once for the same lines


def test_the_tracker_keeps_left_of_the_feed_and_clear_of_the_dialogue_box(h) -> None:
    game = h.game
    h.key(pygame.K_l)
    h.frames(2)
    box, (x, _) = game._tracker_jobs()[0]
    feed_left = game.view.right - game.feed.width - 8
    assert x + box.get_width() <= feed_left
    h.key(pygame.K_l)
    tracker_rect = pygame.Rect((0, 0), box.get_size())
    tracker_rect.topright = (game.view.right - tr.GAP, game.view.top + tr.GAP)
    assert game.tracker.jobs(game.view, None, tracker_rect.inflate(-4, -4)) == []


# ---- giving in a talk ------------------------------------------------------------------


def test_f2_in_a_talk_gives_the_item_chosen_to_that_talk(h) -> None:
    game = h.game
    state = open_talk(h)
    talk = game.dialogue.conversation_id
    assert game.dialogue.give is not None and game.dialogue.give.text == GIVE_LABEL
    h.type("hello")
    h.key(pygame.K_F2)
    give = game.states[-1]
    assert isinstance(give, GiveState) and give.conversation_id == talk
    assert card_text(give).startswith("1\ncopper coin  x3")
    assert "2\nsealed letter" in card_text(give)
    # Drawn over the dialogue box (which the GUI draws over the map).
    where = give.place(game, give.card.surface())
    assert where.colliderect(game.dialogue.window.rect)
    assert colour_count(where, COIN_RGB) > 10
    press(h, pygame.K_2, "2")  # as a keyboard sends it: the key, the 2 it types, let go
    assert h.until(lambda: m.GiveItem(talk, "letter") in h.heard)
    assert game.states[-1] is state
    assert h.until(
        lambda: any("sealed letter! Thank you" in b.html_text for b in game.dialogue.messages)
    )
    assert game.dialogue.entry.get_text() == "hello"  # the 2 was not typed into the line
    h.type(" there")  # the line has the keyboard again
    assert game.dialogue.entry.get_text() == "hello there"


def test_up_down_and_enter_choose_and_escape_goes_back_to_the_talk(h) -> None:
    game = h.game
    open_talk(h)
    talk = game.dialogue.conversation_id
    h.key(pygame.K_F2)
    give = game.states[-1]
    assert give.card.selected == 0
    h.key(pygame.K_DOWN)
    assert give.card.selected == 1
    h.key(pygame.K_ESCAPE)  # back to the talk, nothing given; the box stays open
    assert isinstance(game.states[-1], DialogueState) and game.dialogue.is_open
    h.frames(5)
    assert not any(isinstance(c, m.GiveItem) for c in h.heard)
    h.key(pygame.K_F2)
    h.key(pygame.K_DOWN)
    h.key(pygame.K_UP)
    h.key(pygame.K_RETURN)
    assert h.until(lambda: m.GiveItem(talk, "coin") in h.heard)
    assert isinstance(game.states[-1], DialogueState)
    assert game.dialogue.entry.get_text() == ""  # the Enter gave; it sent nothing


def test_the_give_button_and_a_click_on_the_list_give(h) -> None:
    game = h.game
    open_talk(h)
    talk = game.dialogue.conversation_id
    h.type("here")
    click(h, game.dialogue.give.rect.center)
    give = game.states[-1]
    assert isinstance(give, GiveState)
    card = give.card
    where = give.place(game, card.surface())
    top = where.y + card._body_top + card.tops[1] + 10
    click(h, (where.centerx, top))
    assert h.until(lambda: m.GiveItem(talk, "letter") in h.heard)
    assert isinstance(game.states[-1], DialogueState)
    h.type(" you go")  # the line has the keyboard again, its cursor where it was
    assert game.dialogue.entry.get_text() == "here you go"
    click(h, game.dialogue.give.rect.center)
    assert isinstance(game.states[-1], GiveState)
    click(h, (game.view.left + 5, game.view.top + 5))  # beside the list: back to the talk
    assert isinstance(game.states[-1], DialogueState)


def test_a_click_on_the_list_is_not_a_click_on_the_box_under_it(h) -> None:
    game = h.game
    open_talk(h)
    for i in range(8):  # messages fill the box, under where the list will be
        game.dialogue.add_message("Ada", f"Line {i} of a long story about the pond.", False)
    h.frames(3)
    h.key(pygame.K_F2)
    give = game.states[-1]
    card = give.card
    where = give.place(game, card.surface())
    title = (where.centerx, where.y + 20)  # on the list, but on no item of it
    assert any(b.rect.collidepoint(title) for b in game.dialogue.messages if b.visible)
    click(h, title)
    assert game.states[-1] is give  # nothing given, nothing closed
    focused = game.manager.get_focus_set() or set()
    assert not any(e in focused for e in game.dialogue.messages)
    h.key(pygame.K_ESCAPE)
    h.type("still typing")
    assert game.dialogue.entry.get_text() == "still typing"


def test_shift_and_a_number_in_the_list_gives_nothing(h) -> None:
    game = h.game
    open_talk(h)
    h.key(pygame.K_F2)
    pygame.event.post(
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_1, mod=pygame.KMOD_LSHIFT, unicode="!")
    )
    h.frames(3)
    assert isinstance(game.states[-1], GiveState) and not h.heard


def test_giving_with_nothing_carried_says_so(tmp_path) -> None:
    h = village(tmp_path, carried=())
    try:
        open_talk(h)
        h.key(pygame.K_F2)
        give = h.game.states[-1]
        assert " ".join(card_text(give).split()) == GIVE_EMPTY
        h.key(pygame.K_1)
        h.key(pygame.K_RETURN)
        h.frames(3)
        assert not h.heard
        h.key(pygame.K_ESCAPE)
        assert isinstance(h.game.states[-1], DialogueState)
    finally:
        h.close()


def test_giving_is_not_offered_once_the_villager_has_ended_the_talk(h) -> None:
    game = h.game
    open_talk(h)
    game.apply(m.DialogueEnded(game.dialogue.conversation_id, "Ada"))
    assert not game.dialogue.give.is_enabled
    h.key(pygame.K_F2)
    assert isinstance(game.states[-1], DialogueState)


def test_giving_waits_until_the_villager_waited_for_turns_to_the_player(h) -> None:
    game = h.game
    game.apply(m.DialogueWaiting("Ada", ("Bjorn",)))
    assert isinstance(game.states[-1], DialogueState)
    assert not game.dialogue.give.is_enabled
    h.key(pygame.K_F2)
    assert isinstance(game.states[-1], DialogueState)
    game.apply(m.DialogueOpened(77, "Ada", after_wait=True))
    assert game.dialogue.give.is_enabled
    h.key(pygame.K_F2)
    assert isinstance(game.states[-1], GiveState) and game.states[-1].conversation_id == 77


def test_closing_the_box_with_its_x_while_the_list_is_up_ends_the_talk(h) -> None:
    game = h.game
    open_talk(h)
    talk = game.dialogue.conversation_id
    h.key(pygame.K_F2)
    window = game.dialogue.window
    window.kill()  # as its close button does, which then tells the game:
    pygame.event.post(pygame.event.Event(pygame_gui.UI_WINDOW_CLOSE, ui_element=window))
    h.frames(2)
    assert isinstance(game.states[-1], PlayingState) and not game.dialogue.is_open
    assert h.until(lambda: not game.hud_state.paused_reasons)
    assert not any(isinstance(c, m.GiveItem) for c in h.heard) and talk is not None


def test_typing_i_e_and_j_in_the_talk_types_them_and_opens_nothing(h) -> None:
    game = h.game
    open_talk(h)
    for key, letter in ((pygame.K_i, "i"), (pygame.K_e, "e"), (pygame.K_j, "j")):
        press(h, key, letter)
        assert isinstance(game.states[-1], DialogueState)
    assert game.dialogue.entry.get_text() == "iej"
    h.frames(5)
    assert m.PickUp() not in h.heard
    assert len(game.ground_items) == 3


# ---- the keys, as the help card tells them ------------------------------------------


def test_the_help_card_names_the_story_keys() -> None:
    said = dict(KEYS)
    assert "pick up" in said["E"]
    assert "carry" in said["I"]
    assert "quests" in said["J"]
    assert "give" in said["F2"]
