"""The generated art and the code that loads it: tiles, recoloured villagers, determinism."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import importlib.util  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.ui.sprites import (  # noqa: E402
    ASSETS_DIR,
    CharacterSprites,
    Palette,
    Tileset,
    parse_colour,
)

ROOT = Path(__file__).resolve().parents[1]
FACINGS = ["down", "left", "right", "up"]

PALETTE_A = Palette(
    skin=(240, 200, 160), hair=(60, 40, 30), shirt=(200, 70, 60), trousers=(70, 80, 120)
)
PALETTE_B = Palette(
    skin=parse_colour("#b07a4a"),
    hair=parse_colour("#c2a878"),
    shirt=parse_colour("#4f7a5a"),
    trousers=parse_colour("#5a4a3a"),
)


@pytest.fixture(autouse=True)
def _pygame():
    pygame.init()
    yield


def _colours(surface: pygame.Surface) -> set[tuple[int, ...]]:
    """Every RGB that appears in ``surface`` on a pixel that is not fully transparent."""
    w, h = surface.get_size()
    return {
        tuple(surface.get_at((x, y)))[:3]
        for y in range(h)
        for x in range(w)
        if surface.get_at((x, y)).a > 0
    }


def _load_make_art() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_art", ROOT / "assets" / "make_art.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_assets_dir_is_the_repo_assets_folder() -> None:
    assert ASSETS_DIR == ROOT / "assets"
    for name in ("tiles.png", "tiles.json", "character.png", "character.json"):
        assert (ASSETS_DIR / name).is_file(), name


def test_every_kind_has_a_32px_tile() -> None:
    meta = json.loads((ASSETS_DIR / "tiles.json").read_text())
    assert meta["tile_size"] == 32
    assert meta["kinds"] == [
        "grass",
        "path",
        "water",
        "tree",
        "wall",
        "floor",
        "door",
        "bridge",
        "flowers",
    ]
    tileset = Tileset.load()
    assert tileset.tile_size == 32
    for kind in meta["kinds"]:
        tile = tileset.surface_for(kind)
        assert tile.get_size() == (32, 32)
        assert all(tile.get_at((x, y)).a == 255 for x in range(32) for y in range(32)), kind


def test_tiles_differ_from_each_other() -> None:
    tileset = Tileset.load()
    kinds = json.loads((ASSETS_DIR / "tiles.json").read_text())["kinds"]
    raw = {kind: pygame.image.tobytes(tileset.surface_for(kind), "RGBA") for kind in kinds}
    assert len(set(raw.values())) == len(kinds)
    # and not just by a pixel: each tile has a look of its own
    for a in kinds:
        for b in kinds:
            if a < b:
                sa, sb = tileset.surface_for(a), tileset.surface_for(b)
                same = sum(
                    sa.get_at((x, y)) == sb.get_at((x, y)) for x in range(32) for y in range(32)
                )
                assert same < 32 * 32 * 0.8, (a, b)


def test_seamless_tiles_have_no_hard_border() -> None:
    """Edges of self-tiling ground use only colours from its inside: no drawn frame."""
    tileset = Tileset.load()
    for kind in ("grass", "path", "water", "floor"):
        tile = tileset.surface_for(kind)
        inside = _colours(tile.subsurface((4, 4, 24, 24)))
        for edge in ((0, 0, 32, 1), (0, 31, 32, 1), (0, 0, 1, 32), (31, 0, 1, 32)):
            border = _colours(tile.subsurface(edge))
            assert border <= inside, (kind, edge)


def test_unknown_kind_gets_a_fallback_tile() -> None:
    tileset = Tileset.load()
    tile = tileset.surface_for("lava-that-nobody-drew")
    assert tile.get_size() == (32, 32)
    assert tile is tileset.surface_for("another-unknown")  # made once, then reused
    grass = pygame.image.tobytes(tileset.surface_for("grass"), "RGBA")
    assert pygame.image.tobytes(tile, "RGBA") != grass


def test_parse_colour() -> None:
    assert parse_colour("#f0c8a0") == (240, 200, 160)
    assert parse_colour("F0C8A0") == (240, 200, 160)
    assert parse_colour((1, 2, 3)) == (1, 2, 3)
    assert parse_colour([4, 5, 6]) == (4, 5, 6)
    with pytest.raises(ValueError):
        parse_colour("#12345")
    with pytest.raises(ValueError):
        parse_colour("#gggggg")


def test_character_sheet_has_4x3_frames_of_32px() -> None:
    meta = json.loads((ASSETS_DIR / "character.json").read_text())
    assert meta["frame_size"] == 32
    assert meta["facings"] == FACINGS
    assert meta["frames"] == 3
    assert meta["keys"]["skin"] == [255, 0, 255]
    assert meta["keys"]["trousers_shade"] == [192, 192, 0]
    sheet = pygame.image.load(str(ASSETS_DIR / "character.png"))
    assert sheet.get_size() == (3 * 32, 4 * 32)
    sprites = CharacterSprites.load(PALETTE_A)
    for facing in FACINGS:
        for index in range(3):
            frame = sprites.frame(facing, index)
            assert frame.get_size() == (32, 32)
            assert frame.get_at((0, 0)).a == 0  # corners are see-through
            assert frame.get_at((16, 16)).a == 255  # the villager is in the middle


def test_every_key_colour_is_drawn_in_the_sheet() -> None:
    meta = json.loads((ASSETS_DIR / "character.json").read_text())
    colours = _colours(pygame.image.load(str(ASSETS_DIR / "character.png")))
    for name, rgb in meta["keys"].items():
        assert tuple(rgb) in colours, name


def test_recoloured_frames_use_the_palette_and_leave_no_key_colour() -> None:
    meta = json.loads((ASSETS_DIR / "character.json").read_text())
    keys = {tuple(rgb) for rgb in meta["keys"].values()}
    sprites = CharacterSprites.load(PALETTE_A)
    for facing in FACINGS:
        for index in range(3):
            colours = _colours(sprites.frame(facing, index))
            assert PALETTE_A.shirt in colours, (facing, index)
            assert PALETTE_A.trousers in colours, (facing, index)
            assert PALETTE_A.hair in colours, (facing, index)
            assert not colours & keys, (facing, index)
    front = _colours(sprites.frame("down", 0))
    assert PALETTE_A.skin in front
    shade = tuple(round(c * 0.75) for c in PALETTE_A.shirt)
    assert shade in front  # shade keys become the palette colour darkened


def test_two_palettes_give_different_frames() -> None:
    a = CharacterSprites.load(PALETTE_A).frame("down", 0)
    b = CharacterSprites.load(PALETTE_B).frame("down", 0)
    assert pygame.image.tobytes(a, "RGBA") != pygame.image.tobytes(b, "RGBA")
    assert PALETTE_B.shirt in _colours(b) and PALETTE_B.shirt not in _colours(a)


def test_frames_differ_between_facings_and_steps() -> None:
    sprites = CharacterSprites.load(PALETTE_A)
    raw = {
        (facing, index): pygame.image.tobytes(sprites.frame(facing, index), "RGBA")
        for facing in FACINGS
        for index in range(3)
    }
    assert len(set(raw.values())) == 12


def test_recoloured_sheet_is_shared_per_palette() -> None:
    one = CharacterSprites.load(PALETTE_A)
    two = CharacterSprites.load(Palette(**vars(PALETTE_A)))
    other = CharacterSprites.load(PALETTE_B)
    assert one.sheet is two.sheet
    assert one.sheet is not other.sheet


def test_make_art_is_deterministic(tmp_path: Path) -> None:
    make_art = _load_make_art()
    make_art.main(tmp_path)
    for name in ("tiles.json", "character.json"):
        assert json.loads((tmp_path / name).read_text()) == json.loads(
            (ASSETS_DIR / name).read_text()
        ), name
    for name in ("tiles.png", "character.png"):
        fresh = pygame.image.load(str(tmp_path / name))
        committed = pygame.image.load(str(ASSETS_DIR / name))
        assert fresh.get_size() == committed.get_size(), name
        assert pygame.image.tobytes(fresh, "RGBA") == pygame.image.tobytes(committed, "RGBA"), name
