"""The NLU data: coverage of every intent, a held-out test set, a clean validation."""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_eval import REPO, load_examples, normalise_sentence  # noqa: E402

from bot.channels.contract import CHANNEL_INTENTS  # noqa: E402  (sent by channels, not NLU)

MIN_TRAINING_EXAMPLES = 30
MIN_TEST_MESSAGES = 200


@pytest.fixture(scope="module")
def training():
    """Every NLU file under data/ (any file with an `nlu:` section), merged."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    files = [f for f in sorted((REPO / "data").rglob("*.yml"))
             if "nlu" in (yaml.safe_load(f.read_text(encoding="utf-8")) or {})]
    assert files, "no NLU data under data/"
    return TrainingData().merge(*(load_data(str(f)) for f in files))


@pytest.fixture(scope="module")
def domain_intents():
    """The intents the NLU classifies: the domain's, less those only a channel sends."""
    intents = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))["intents"]
    assert set(CHANNEL_INTENTS) <= set(intents)
    return [intent for intent in intents if intent not in CHANNEL_INTENTS]


@pytest.fixture(scope="module")
def test_examples():
    return load_examples()


def test_every_intent_has_enough_training_examples(training, domain_intents):
    counts = Counter(m.get("intent") for m in training.intent_examples)
    thin = {i: counts.get(i, 0) for i in domain_intents if counts.get(i, 0) < MIN_TRAINING_EXAMPLES}
    assert not thin, f"intents with fewer than {MIN_TRAINING_EXAMPLES} examples: {thin}"
    assert set(counts) <= set(domain_intents), set(counts) - set(domain_intents)


def test_test_set_covers_every_intent(test_examples, domain_intents):
    assert len(test_examples) >= MIN_TEST_MESSAGES
    missing = set(domain_intents) - {e.intent for e in test_examples}
    assert not missing, f"intents without test messages: {missing}"


def test_test_set_shares_no_sentence_with_training_data(training, test_examples):
    seen = {normalise_sentence(m.get("text")) for m in training.intent_examples}
    shared = [e.text for e in test_examples if normalise_sentence(e.text) in seen]
    assert not shared, f"test sentences also in data/: {shared}"


def test_test_set_has_no_duplicates(test_examples):
    counts = Counter(normalise_sentence(e.text) for e in test_examples)
    assert [t for t, n in counts.items() if n > 1] == []


def test_test_set_entities_are_declared(test_examples):
    declared = set(yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))["entities"])
    used = {name for e in test_examples for name, _ in e.entities}
    assert used <= declared, used - declared


# Rasa 3.6's `--fail-on-warnings` does not fail on "... is not used in any story or rule"
# (rasa/validator.py: `everything_is_alright = ignore_warnings or everything_is_alright`
# keeps it True), so the exit code alone says nothing about those. They are listed, not
# failed on: a form-driven dialogue consumes intents and dispatches utterances from
# actions, which the validator cannot see. Every other warning fails the test.
NOT_USED_IN_STORIES = re.compile(r"is not used in any story or rule")
WARNING = re.compile(r"UserWarning: (.*)")


def test_rasa_data_validate_is_clean():
    rasa = Path(sys.executable).parent / "rasa"
    done = subprocess.run(
        [str(rasa), "data", "validate", "--fail-on-warnings"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, (
        "rasa data validate --fail-on-warnings failed:\n" + output[-6000:])
    warnings = [m.group(1).strip() for m in WARNING.finditer(output)]
    unused = [w for w in warnings if NOT_USED_IN_STORIES.search(w)]
    if unused:
        print(f"\nrasa data validate: {len(unused)} 'not used in any story or rule' warnings "
              "(not failed on, see comment):\n  " + "\n  ".join(unused))
    channel_only = [w for w in warnings if any(
        f"intent '{intent}' is listed in the domain file, but is not found in the NLU "
        "training data" in w for intent in CHANNEL_INTENTS)]
    others = [w for w in warnings if not NOT_USED_IN_STORIES.search(w) and w not in channel_only]
    assert not others, "rasa data validate warnings:\n" + "\n".join(others)
