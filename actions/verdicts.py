"""What a check of an answer makes of it (``Verdict``), the words it reads (``Answer``),
and the conversation as the next check of the same message reads it (``with_slots``):
shared by the form base class (``actions.custom_forms``) and what reads answers for it
(``actions.continuation``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from bot.sop.names import HANDOFF_REASON, OUTCOME_DETAILS, SOP_ENDING, SOP_REASON, SOP_STEP
from bot.sop.outcomes import Outcome


@dataclass(frozen=True)
class Answer:
    """The words checked as the answer to a question, and the intent the NLU read in them:
    the latest message's for what the customer just said; none for a fact noted earlier,
    whose words are not the latest message's (a "tidak" to the question before must not
    colour it)."""

    text: str
    intent: str | None = None


@dataclass
class Verdict:
    """What a check made of an answer."""

    accepted: bool
    slots: dict[str, Any] = field(default_factory=dict)  # besides the question's own value
    value: Any = None  # the question's value when accepted
    penalised: bool = True  # a refused answer counts as a failed attempt
    outcome: Outcome | None = None  # the answer ends the request

    @classmethod
    def accept(cls, value: Any, **slots: Any) -> Verdict:
        return cls(True, slots, value)

    @classmethod
    def refuse(cls, penalised: bool = True, **slots: Any) -> Verdict:
        return cls(False, slots, None, penalised)

    @classmethod
    def end(cls, outcome: Outcome, value: Any = None, **slots: Any) -> Verdict:
        return cls(True, slots, value, False, outcome)


def outcome_slots(outcome: Outcome) -> dict[str, Any]:
    return {
        SOP_ENDING: outcome.ending.value if outcome.ending else None,
        SOP_REASON: outcome.reason,
        SOP_STEP: outcome.sop_step,
        HANDOFF_REASON: outcome.handoff.value if outcome.handoff else None,
        OUTCOME_DETAILS: outcome.details or None,
    }


def with_slots(tracker: Tracker, updates: dict[str, Any]) -> Tracker:
    """The conversation as ``tracker`` has it with ``updates`` taken: what the next check of
    the same message reads (the tracker given to the action is left as it is; the events
    returned set the slots)."""
    return Tracker(tracker.sender_id, {**tracker.slots, **updates}, tracker.latest_message,
                   tracker.events, tracker.is_paused(), tracker.followup_action,
                   tracker.active_loop, tracker.latest_action_name)
