"""Hamlet: run ``python main.py --help`` for the options."""

from __future__ import annotations

import sys

from game.cli import main

if __name__ == "__main__":
    sys.exit(main())
