"""No module of the game imports itself back, not even for types only.

Simulation and ConversationManager once imported each other, as did the window and its
input states: each half could only be read, tested or changed with the other. Type-only
imports count too, as they tie the code together just the same for a reader and mypy.
"""

from __future__ import annotations

import ast
from pathlib import Path

GAME = Path(__file__).resolve().parent.parent / "game"


def _imports() -> dict[str, set[str]]:
    """Each module of ``game`` and the ``game`` modules it imports (any import statement)."""
    graph: dict[str, set[str]] = {}
    for path in GAME.rglob("*.py"):
        parts = path.relative_to(GAME.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m == "game" or m.startswith("game.")}
    return graph


def _loop_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, or None."""
    paths = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == start:
                return [*path, nxt]
            if nxt in graph and nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return None


def test_no_module_imports_itself_back() -> None:
    graph = _imports()
    assert "game.sim.simulation" in graph and "game.ui.states" in graph  # the walk found them
    loops = [loop for name in sorted(graph) if (loop := _loop_through(graph, name))]
    assert not loops, "\n".join(" -> ".join(loop) for loop in loops)


def test_conversations_and_states_do_not_import_their_owners() -> None:
    graph = _imports()
    assert "game.sim.simulation" not in graph["game.sim.conversation"]
    assert "game.ui.app" not in graph["game.ui.states"]
