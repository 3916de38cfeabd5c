"""`rasa test core` on the rule and form paths of tests/stories: the trained policies must
predict every action of every story (no prediction error)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = Path(sys.executable).parent / "rasa"


def test_rules_and_forms_stories_are_predicted_exactly(tmp_path):
    model = ROOT / os.environ.get("PLN_MODEL", "models/pln123.tar.gz")
    assert model.exists(), f"no trained model at {model}: run `make train` first"
    result = subprocess.run(
        [str(RASA), "test", "core", "--model", str(model), "--stories",
         str(ROOT / "tests/stories"), "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, "rasa test core failed:\n" + output[-6000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert "- story:" not in failed, failed  # rasa writes every story it got wrong here
