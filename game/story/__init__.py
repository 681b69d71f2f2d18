"""The story layer: items, flags, quests, behaviour trees and the clock. Pure Python."""
