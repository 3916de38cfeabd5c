"""A policy that runs an action the action server failed to run, at the next message.

``bot.rasa_runtime.action_failures`` remembers such an action (the conclusion of a request,
a hand-over, the start of a new request) in the ``interrupted_action`` slot. At the
customer's next message, this policy predicts it with full confidence and a priority
above RulePolicy's, and clears the slot, so a request that was being saved is saved when
the action server is back, whatever the customer wrote to nudge it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

INTERRUPTED_ACTION_SLOT = "interrupted_action"
PRIORITY = 7  # RulePolicy is 6: at equal (full) confidence, this one wins


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ResumeInterruptedActionPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": PRIORITY}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext, **kwargs: Any) -> ResumeInterruptedActionPolicy:
        return cls(config, model_storage, resource, execution_context)

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        pending = tracker.get_slot(INTERRUPTED_ACTION_SLOT)
        if (pending and tracker.latest_action_name == ACTION_LISTEN_NAME
                and pending in domain.action_names_or_texts):
            probabilities[domain.index_for_action(pending)] = 1.0
            return self._prediction(probabilities,
                                    optional_events=[SlotSet(INTERRUPTED_ACTION_SLOT, None)])
        return self._prediction(probabilities)
