"""An action the action server failed to run is run first at the customer's next message."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_runtime.resume_policy import ResumeInterruptedActionPolicy

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def policy(tmp_path) -> ResumeInterruptedActionPolicy:
    return ResumeInterruptedActionPolicy.create(
        ResumeInterruptedActionPolicy.get_default_config(), LocalModelStorage(tmp_path),
        Resource("resume"), ExecutionContext(GraphSchema({}), "test"))


def tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c", list(events), slots=DOMAIN.slots)


def test_the_interrupted_action_runs_at_the_next_message_and_is_forgotten(tmp_path):
    after_failure = tracker(ActionExecuted("action_conclude_request"),
                            SlotSet("interrupted_action", "action_conclude_request"))
    resume = policy(tmp_path)
    assert max(resume.predict_action_probabilities(after_failure, DOMAIN).probabilities) == 0
    next_message = tracker(*after_failure.events, ActionExecuted("action_listen"),
                           UserUttered("halo?", {"name": "greet"}))
    prediction = resume.predict_action_probabilities(next_message, DOMAIN)
    best = DOMAIN.action_names_or_texts[prediction.max_confidence_index]
    assert (best, prediction.max_confidence) == ("action_conclude_request", 1.0)
    assert prediction.policy_priority > 6  # above RulePolicy's at equal confidence
    assert prediction.optional_events == [SlotSet("interrupted_action", None)]


def test_nothing_interrupted_predicts_nothing(tmp_path):
    quiet = tracker(ActionExecuted("action_listen"), UserUttered("halo", {"name": "greet"}))
    assert max(policy(tmp_path).predict_action_probabilities(quiet, DOMAIN).probabilities) == 0
    unknown = tracker(SlotSet("interrupted_action", "action_gone"),
                      ActionExecuted("action_listen"), UserUttered("halo", {"name": "greet"}))
    assert max(policy(tmp_path).predict_action_probabilities(unknown, DOMAIN).probabilities) == 0
