"""The story layer: items, inventories, flags, quests (beat graphs), behaviour trees, time.

Pure rules over the village state: no asyncio, no pygame. The simulation meets them in
``game.sim.storyteller``.
"""

from __future__ import annotations
