"""``python -m bot.rasa_runtime <rasa arguments>``: the ``rasa`` command with this project's
changes installed first (``bot.rasa_runtime.install``)."""

from __future__ import annotations

import sys

from bot.rasa_runtime import install


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
