"""Small helpers for text the game writes: logs, the command line's output."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 turn``, ``2 turns``; ``plural`` for nouns that do not just take an s."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def names(people: tuple[str, ...] | list[str]) -> str:
    """``Bram``, ``Bram and Wren``, ``Ada, Bram and Wren``: people as a sentence names them."""
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]
