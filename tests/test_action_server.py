"""The action server loads the actions without TensorFlow and what it drags in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loaded_after_the_actions(leave_out: bool) -> set[str]:
    code = ("import sys, bot.action_server as server\n"
            f"if {leave_out}: server.leave_out_unused()\n"
            "import actions\n"
            "from actions.sop_form import ValidatePerubahanDayaForm\n"
            "print(' '.join(n for n, m in sys.modules.items() if m is not None))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_actions_load_without_tensorflow():
    loaded = loaded_after_the_actions(leave_out=True)
    assert {"actions", "spacy", "rasa_sdk"} <= loaded
    assert not loaded & {"tensorflow", "keras", "jax", "torch"}


def test_without_it_spacy_would_load_tensorflow():  # what the module is there for
    assert "tensorflow" in loaded_after_the_actions(leave_out=False)
