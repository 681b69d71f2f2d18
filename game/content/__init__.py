"""Content: maps/ and npcs/ loaded into validated, typed models."""

from __future__ import annotations

from game.content.loader import Content, ContentError, Problem, load_content, load_map
from game.content.models import LandmarkSpec, MapSpec, NpcSpec, TileKindSpec

__all__ = [
    "Content",
    "ContentError",
    "LandmarkSpec",
    "MapSpec",
    "NpcSpec",
    "Problem",
    "TileKindSpec",
    "load_content",
    "load_map",
]
