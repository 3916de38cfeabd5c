"""Fail (exit 1) when modules of ``bot`` or ``actions`` import each other in a circle,
printing each circle found; ``make lint`` runs it.

Imports inside functions count as much as those at the top: a circle hidden in a
function still ties the two modules together. A package's ``__init__`` is a module like
any other (``bot.launcher`` re-exporting ``bot.launcher.cli`` is an import of it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGES = ("bot", "actions")


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """One circle (as a list of modules, the first again at the end) per pair of modules
    that reach each other, each circle reported once."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is None:
                continue
            circle = [module, *back]
            key = frozenset(circle)
            if key not in seen:
                seen.add(key)
                found.append(circle)
    return found


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    found = cycles(graph)
    for circle in found:
        print("import cycle: " + " -> ".join(circle), file=sys.stderr)
    if found:
        print(f"{len(found)} import cycle(s) among {', '.join(PACKAGES)}", file=sys.stderr)
        return 1
    print(f"no import cycle among {', '.join(PACKAGES)} ({len(graph.modules)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
