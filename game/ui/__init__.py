"""The window: drawing, input and the dialogue box, on the main thread."""

import os

# pygame prints a greeting of its own when first imported; the game's output is its own.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
