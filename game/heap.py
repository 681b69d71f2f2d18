"""The garbage collector, set up for a game: one call once everything is loaded."""

from __future__ import annotations

import gc


def settle_after_startup() -> None:
    """Exempt everything made so far (modules, content, world, UI) from later collections.

    Those objects live as long as the game does, yet every full collection would walk all
    of them: some 100,000 objects, 30-80 ms with the GIL held by whichever thread set it
    off, so the render thread would miss frames. Later garbage is collected as before.
    """
    gc.freeze()


def unsettle() -> None:
    """Undo :func:`settle_after_startup` (when the game ends inside a longer-lived process)."""
    gc.unfreeze()
