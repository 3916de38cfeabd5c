"""Quality of the trained NLU on the held-out test set (tests/nlu/test_set.yml).

Loads models/pln123.tar.gz (`make test` trains it first) with rasa's Agent, in-process,
and checks intent accuracy (as served: an nlu_fallback counts as wrong) and entity F1
(type + normalised value, micro-averaged). A missing model is a failure, not a skip.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_eval import DEFAULT_MODEL, evaluate, load_agent, load_examples  # noqa: E402

MIN_INTENT_ACCURACY = 0.95
MIN_ENTITY_F1 = 0.95


@pytest.fixture(scope="module")
def report():
    """The evaluation, or None when there is no trained model (each test then fails)."""
    if not DEFAULT_MODEL.is_file():
        return None
    report = evaluate(load_agent(DEFAULT_MODEL), load_examples())
    print("\n" + report.summary())
    return report


def _require(report):
    if report is None:
        pytest.fail(
            f"trained model not found: {DEFAULT_MODEL}. Train it first: "
            "`.venv/bin/rasa train --fixed-model-name pln123 --out models` (make train)",
            pytrace=False,
        )
    return report


def test_intent_accuracy(report):
    report = _require(report)
    assert report.intent_accuracy >= MIN_INTENT_ACCURACY, (
        f"intent accuracy {report.intent_accuracy:.3f} < {MIN_INTENT_ACCURACY}\n"
        + report.summary())


def test_entity_f1(report):
    report = _require(report)
    assert report.entity_f1 >= MIN_ENTITY_F1, (
        f"entity F1 {report.entity_f1:.3f} < {MIN_ENTITY_F1}\n" + report.summary())
