"""The action server: rasa-sdk's, without the machine-learning libraries it never uses.

The actions use spaCy's tokenizer only (``bot.language``); spaCy's ``thinc`` imports
TensorFlow (and with it Keras, SciPy, h5py, JAX) whenever it is installed, which it is,
for Rasa: 650 MB resident and 4 s more at start for nothing. Marking those modules as
absent before rasa-sdk loads the actions makes ``thinc`` find them missing, as on a
machine without them (160 MB). Run as ``python -m bot.action_server --actions actions``
(rasa-sdk's own arguments).
"""

from __future__ import annotations

import sys

UNUSED = ("tensorflow", "jax", "torch", "mxnet")


def leave_out_unused() -> None:
    for name in UNUSED:
        if name not in sys.modules:
            sys.modules[name] = None  # `import name` raises ImportError from now on


def prepare() -> None:
    """Before rasa-sdk loads: the unused libraries left out, every log record masked."""
    leave_out_unused()
    from bot import log_privacy

    log_privacy.install()


def main() -> None:
    prepare()
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
