"""The world: grid, entities, occupancy, adjacency, perception, paths. No pygame, no asyncio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from game.world.grid import Facing, Grid, Landmark, Pos, TileKind, chebyshev, manhattan
from game.world.world import OK, PLAYER_NAME, Entity, Perception, Result, Seen, World

if TYPE_CHECKING:
    from game.content.loader import Content


def build_world(content: Content, *, with_player: bool = True) -> World:
    """A world with every villager (and the player, unless headless) at their spawn tiles.

    The loader has already checked that spawns are walkable and distinct.
    """
    world = World(Grid.from_spec(content.map))
    if with_player:
        world.add(Entity(PLAYER_NAME, content.map.player_spawn, is_player=True, vision_range=8))
    for npc in content.npcs:
        world.add(Entity(npc.name, npc.spawn, vision_range=npc.vision_range))
    return world


__all__ = [
    "OK",
    "PLAYER_NAME",
    "Entity",
    "Facing",
    "Grid",
    "Landmark",
    "Perception",
    "Pos",
    "Result",
    "Seen",
    "TileKind",
    "World",
    "build_world",
    "chebyshev",
    "manhattan",
]
