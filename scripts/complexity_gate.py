"""`make lint`: no function or method above cyclomatic complexity 25 (radon's figure).

Prints the most complex function of the folders given with its score, then every one
above the limit; exits 1 when there is any.

    .venv/bin/python scripts/complexity_gate.py bot actions
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class

LIMIT = 25


def scores(folder: Path) -> list[tuple[int, str]]:
    """(complexity, "path:line name") of every function and method under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for function in _functions(cc_visit(path.read_text(encoding="utf-8"))):
            found.append((function.complexity, f"{path}:{function.lineno} {function.fullname}"))
    return found


def _functions(blocks: list) -> list:
    """The functions and methods among radon's blocks, inner classes' methods included (a
    closure counts in the function around it, as radon counts it)."""
    functions = []
    for block in blocks:
        if isinstance(block, Class):
            functions.extend(_functions([*block.methods, *block.inner_classes]))
        else:
            functions.append(block)
    return functions


def main(folders: list[str]) -> int:
    found = sorted((s for folder in folders for s in scores(Path(folder))), reverse=True)
    if not found:
        print(f"complexity: no function in {' '.join(folders)}")
        return 0
    worst, where = found[0]
    print(f"complexity: worst {worst} ({where}), limit {LIMIT}")
    over = [(score, name) for score, name in found if score > LIMIT]
    for score, name in over:
        print(f"  above {LIMIT}: {score} {name}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["bot", "actions"]))
