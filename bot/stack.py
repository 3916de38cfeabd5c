"""``python -m bot.stack run|shell``: the launcher (``bot.launcher``), under the name
``make run`` and the operators' scripts know."""

import sys

from bot.launcher.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
