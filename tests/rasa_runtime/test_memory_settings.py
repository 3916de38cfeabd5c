"""Rasa's process runs TensorFlow without oneDNN's per-shape kernels (bounded memory on
hostile text, docs/performance.md "Hostile traffic"), unless the operator says otherwise."""

import os
import subprocess
import sys

from bot.rasa_runtime import ONEDNN_ENV

PROBE = f"import os, bot.rasa_runtime; print(os.environ.get({ONEDNN_ENV!r}))"


def _seen_by_rasa_runtime(environ: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def test_onednn_is_off_before_tensorflow_can_load():
    environ = {k: v for k, v in os.environ.items() if k != ONEDNN_ENV}
    assert _seen_by_rasa_runtime(environ) == "0"


def test_an_operators_own_setting_is_kept():
    assert _seen_by_rasa_runtime({**os.environ, ONEDNN_ENV: "1"}) == "1"
