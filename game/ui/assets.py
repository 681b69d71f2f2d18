"""Where the art lives, for code that must not import pygame to ask (``--check``)."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
