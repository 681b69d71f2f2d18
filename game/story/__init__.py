"""The story layer: items, inventories, flags, the clock, quests and behaviour trees.

Pure rules over the village state: no asyncio, no pygame.
"""
