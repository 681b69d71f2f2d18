"""Where the art lives, and what the tile strip holds: for code that must not import pygame
to ask (``--check``) as much as for the tileset itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"


def tiles_meta(assets_dir: Path = ASSETS_DIR) -> dict[str, Any]:
    """``tiles.json``: the tile size and the tile kinds, in the order ``tiles.png`` has them."""
    meta: dict[str, Any] = json.loads((Path(assets_dir) / "tiles.json").read_text(encoding="utf-8"))
    return meta
