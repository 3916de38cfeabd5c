"""The form base class: answers checked by ``bot/``, and the SOP's rules for every question.

Handled once, here, for every question of a form:
- two failed attempts at the same question hand the conversation to a CSO;
- a correction of an earlier answer ("eh salah, dayanya 4.400 aja") is taken, and only the
  answers that depend on it are asked again (``bot.sop.flow.invalidated_by``);
- "batal" asks for confirmation first (``cancel_pending``), and a confirmed cancel ends the
  request with an APKT Issued Closed ticket;
- an answer that ends the request (``Verdict.outcome``) stops the form; the rule after the
  form runs ``action_conclude_request``.

Subclasses implement ``check_<question>(text, dispatcher, tracker) -> Verdict`` for every
question; the form's slots are mapped ``from_text`` for the requested slot, so every answer,
even gibberish, reaches a check (and a failed check counts as a failed attempt).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import answers, context, latest_entities, latest_intent
from bot.sop.answers import yes_no
from bot.sop.flow import (
    ENTITY_QUESTION,
    HandoffReason,
    Outcome,
    Question,
    correction_answers,
    hand_over,
    invalidated_by,
    issued_closed,
    step_of,
)

logger = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 2
REQUESTED_SLOT = "requested_slot"
FAILED_ATTEMPTS_SLOT = "failed_attempts"
CANCEL_PENDING_SLOT = "cancel_pending"
CANCEL_CONFIRMED_SLOT = "cancel_confirmed"  # "yakin ingin membatalkan?", asked by the form
CANCEL_FROM_SLOT = "cancel_from"  # the question that "batal" interrupted


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
        "sop_ending": outcome.ending.value if outcome.ending else None,
        "sop_reason": outcome.reason,
        "sop_step": outcome.sop_step,
        "handoff_reason": outcome.handoff.value if outcome.handoff else None,
        "outcome_details": outcome.details or None,
    }


class SopFormValidationAction(FormValidationAction):
    """Validation of a form whose questions and decisions come from ``bot.sop``."""

    takes_corrections = True  # answers to earlier questions of the SOP may be corrected

    @abstractmethod
    def name(self) -> str:
        raise NotImplementedError

    @abstractmethod
    def questions(self, tracker: Tracker) -> list[str]:
        """Every question of the form that applies now, in order (answered or not); an
        empty list stops the form."""

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        questions = self.questions(tracker)
        if questions and tracker.get_slot(CANCEL_PENDING_SLOT):
            # "batal": the form asks for the confirmation first (and reads it, so that the
            # answer is taken whatever the next message is; a withdrawn cancel then asks
            # the interrupted question again)
            return [CANCEL_CONFIRMED_SLOT, *questions]
        return questions

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        extracted = tracker.slots_to_validate()
        if requested not in extracted:
            return []  # a digression (question, request for a person): rules answer it
        text = str(extracted[requested] or "")
        updates: dict[str, Any] = {requested: None}  # the raw text never stays in a slot

        if requested == CANCEL_CONFIRMED_SLOT:
            updates.update(self._confirm_cancel(text, dispatcher, tracker))
        else:
            correction = (self._correction_target(tracker, requested)
                          if self.takes_corrections else None)
            if correction is not None:
                updates.update(await self._correct(correction, text, dispatcher, tracker))
            else:
                updates.update(await self._answer(requested, text, dispatcher, tracker))
        for name, value in updates.items():
            tracker.slots[name] = value
        return [SlotSet(name, value) for name, value in updates.items()]

    @staticmethod
    def yes_or_no(reader: Callable[[str | None, str], bool | None], text: str,
                  dispatcher: CollectingDispatcher, tracker: Tracker) -> bool | None:
        """The customer's yes (True) or no (False) as ``reader`` (bot.sop.answers) reads
        it; None after telling the customer that "ya" or "tidak" is expected."""
        answer = reader(latest_intent(tracker), text)
        if answer is None:
            dispatcher.utter_message(response="utter_expect_yes_no")
        return answer

    # --- one answer to the requested question --------------------------------------

    async def _answer(self, question: str, text: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        verdict = await self._check(question, text, dispatcher, tracker)
        updates = dict(verdict.slots)
        if verdict.accepted:
            updates[question] = verdict.value
            updates[FAILED_ATTEMPTS_SLOT] = 0
        if verdict.outcome is not None:
            updates.update(outcome_slots(verdict.outcome))
            return updates
        if not verdict.accepted and verdict.penalised:
            failures = int(tracker.get_slot(FAILED_ATTEMPTS_SLOT) or 0) + 1
            updates[FAILED_ATTEMPTS_SLOT] = failures
            if failures >= MAX_FAILED_ATTEMPTS:
                updates.update(outcome_slots(hand_over(
                    HandoffReason.REPEATED_FAILURES, step_of(question), question=question)))
                updates[FAILED_ATTEMPTS_SLOT] = 0
        return updates

    async def _check(self, question: str, text: str, dispatcher: CollectingDispatcher,
                     tracker: Tracker) -> Verdict:
        check = getattr(self, f"check_{question}", None)
        if check is None:
            raise NotImplementedError(f"{type(self).__name__} has no check_{question}")
        return await check(text, dispatcher, tracker)

    # --- corrections ---------------------------------------------------------------

    def _correction_target(self, tracker: Tracker,
                           requested: str) -> tuple[Question, dict[str, Any]] | None:
        """The earlier, already answered question that this message corrects, if any, and
        the other answers the correction implies."""
        entities = latest_entities(tracker)
        for entity, question in ENTITY_QUESTION.items():
            if entity not in entities or question.value == requested:
                continue
            implied = correction_answers(question, answers(tracker), context(tracker))
            if implied is not None:
                return question, implied
        return None  # nothing earlier is named: the message answers the requested question

    async def _correct(self, target: tuple[Question, dict[str, Any]], text: str,
                       dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        question, implied = target
        verdict = await self._check(question.value, text, dispatcher, tracker)
        if not verdict.accepted:
            return dict(verdict.slots)  # the old answer stands; ask the current one again
        updates = {**implied, **verdict.slots}
        updates[question.value] = verdict.value
        for dependent in invalidated_by(question):
            updates[dependent.value] = None
        if verdict.outcome is not None:
            updates.update(outcome_slots(verdict.outcome))
        dispatcher.utter_message(response="utter_correction_taken")
        return updates

    # --- cancel --------------------------------------------------------------------

    def _confirm_cancel(self, text: str, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> dict[str, Any]:
        answer = self.yes_or_no(yes_no, text, dispatcher, tracker)
        if answer is None:
            return {}  # the form asks again
        updates: dict[str, Any] = {CANCEL_PENDING_SLOT: False, CANCEL_FROM_SLOT: None}
        if answer:
            step = step_of(tracker.get_slot(CANCEL_FROM_SLOT), default=20)
            updates.update(outcome_slots(issued_closed(
                "Pelanggan membatalkan permohonan", step, cancelled=True)))
            dispatcher.utter_message(response="utter_cancelled")
        else:
            dispatcher.utter_message(response="utter_cancel_withdrawn")
        return updates
