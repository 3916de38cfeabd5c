"""The form base class: answers checked by ``bot/``, and the SOP's rules for every question.

Handled once, here, for every question of a form (the decisions and limits are
``bot.sop``'s):
- two failed attempts at the same question hand the conversation to a CSO
  (``Sop.after_failed_attempt``);
- a correction of an earlier answer ("eh salah, dayanya 4.400 aja") is taken when the
  customer says so (``answers.is_correction``), or gives a new value where only "ya" or
  "tidak" is an answer (``Sop.takes_corrections_unsaid``), and the value differs; only
  the answers that depend on it are asked again (``Sop.invalidated_by``);
- facts given before they were asked (``Sop.facts``, noted at every message in the
  ``noted_facts`` slot) answer their question when the form reaches it, confirmed, not
  asked;
- "batal" asks for confirmation first (``cancel_pending``) unless the question takes it as
  its own answer (``Sop.cancel_is_the_answer``); the confirmation is read in the
  customer's words and never loops; a confirmed cancel ends the request (Issued Closed);
- "maksudnya?" repeats the question (no failed attempt);
- an answer that ends the request (``Verdict.outcome``) stops the form; the rule after the
  form runs ``action_conclude_request``.

A subclass names the SOP it runs (``sop``, a ``bot.sop.engine.Sop``) and implements
``check_<question>(answer, dispatcher, tracker) -> Verdict`` for every question
(``answer``: the words and the intent read in them); the form's slots are mapped
``from_text`` for the requested slot (questions off the script excepted, which rules
answer), so every answer, even gibberish, reaches a check.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import continuation
from actions.conversation import answers, context, latest_entities, latest_intent
from actions.verdicts import Answer, Verdict, outcome_slots, with_slots
from bot.language import parse_amount
from bot.sop.answers import asks_to_repeat, cancel_confirmation, is_correction
from bot.sop.engine import Sop
from bot.sop.names import (
    REQUESTED_SLOT,
    SOP_ENDING,
)
from bot.sop.outcomes import cancelled

FAILED_ATTEMPTS_SLOT = "failed_attempts"
CANCEL_PENDING_SLOT = "cancel_pending"
CANCEL_CONFIRMED_SLOT = "cancel_confirmed"  # "yakin ingin membatalkan?", asked by the form
CANCEL_FROM_SLOT = "cancel_from"  # the question that "batal" interrupted
CANCEL_UNCLEAR_SLOT = "cancel_unclear"  # the confirmation was not understood once
NOTED_FACTS_SLOT = "noted_facts"


class SopFormValidationAction(FormValidationAction):
    """Validation of a form whose questions and decisions come from an SOP of ``bot.sop``."""

    takes_corrections = True  # answers to earlier questions of the SOP may be corrected
    takes_facts = True  # facts noted earlier answer this form's questions
    # a request left open on another channel is offered at the start (actions.continuation)
    continues_requests = False

    @property
    @abstractmethod
    def sop(self) -> Sop:
        """The SOP the form runs (a subclass names it: ``sop = PERUBAHAN_DAYA``). Abstract:
        the action server registers no action of this base class."""

    def name(self) -> str:
        return f"validate_{self.sop.form}"

    def questions(self, tracker: Tracker) -> list[str]:
        """Every question of the form that applies now, in order (answered or not); an
        empty list stops the form (the request has ended)."""
        if tracker.get_slot(SOP_ENDING):
            return []
        return self.sop.applicable_questions(answers(tracker, self.sop),
                                             context(tracker, self.sop))

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        questions = self.questions(tracker)
        if questions and tracker.get_slot(CANCEL_PENDING_SLOT):
            # "batal": the form asks for the confirmation first (and reads it, so that the
            # answer is taken whatever the next message is; a withdrawn cancel then asks
            # the interrupted question again)
            return [CANCEL_CONFIRMED_SLOT, *questions]
        if questions and self.continues_requests:
            return [*continuation.required(tracker), *questions]
        return questions

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        extracted = tracker.slots_to_validate()
        updates: dict[str, Any] = {}
        current = tracker  # the conversation with the updates so far taken
        if self.continues_requests and requested in continuation.SLOTS \
                and requested in extracted:
            updates = await continuation.Continuation(self).read(
                requested, str(extracted[requested] or ""), latest_intent(tracker), dispatcher,
                tracker)
            current = with_slots(tracker, updates)
        elif requested in extracted:
            text = str(extracted[requested] or "")
            updates[requested] = None  # the raw text never stays in a slot
            noted = tracker.get_slot(NOTED_FACTS_SLOT)
            if noted and self.sop.facts:  # this message's value is its answer, not a fact
                updates[NOTED_FACTS_SLOT] = self.sop.facts.answered(noted, requested) or None
                current = with_slots(tracker, updates)
            updates.update(await self._read(requested, text, dispatcher, current))
            current = with_slots(tracker, updates)
        if self.continues_requests:
            updates.update(continuation.offered(self.sop, current))
            current = with_slots(tracker, updates)
        if self.takes_facts and not current.get_slot(SOP_ENDING) \
                and not current.get_slot(CANCEL_PENDING_SLOT) \
                and not current.get_slot(continuation.OFFER_SLOT):
            updates.update(await self._take_noted_facts(dispatcher, current))
        if self.continues_requests:
            continuation.remember(self.sop, with_slots(tracker, updates))
        return [SlotSet(name, value) for name, value in updates.items()]

    async def _read(self, requested: str, text: str, dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> dict[str, Any]:
        intent = latest_intent(tracker)
        if requested == CANCEL_CONFIRMED_SLOT:
            return self._confirm_cancel(text, dispatcher, tracker)
        if intent == "cancel" and not self.sop.cancel_is_the_answer(requested):
            return {CANCEL_PENDING_SLOT: True, CANCEL_FROM_SLOT: requested,
                    CANCEL_UNCLEAR_SLOT: False}  # the form asks "yakin?" next
        if intent == "ask_repeat" and self.repeats(requested) and asks_to_repeat(text):
            dispatcher.utter_message(response="utter_repeat")
            return {}  # the form asks the same question again
        correction = (self._correction_target(tracker, requested)
                      if self.takes_corrections else None)
        if correction is not None:
            return await self._correct(correction, text, dispatcher, tracker)
        return await self._answer(requested, text, dispatcher, tracker)

    def repeats(self, question: str) -> bool:
        """Whether "maksudnya?" repeats ``question`` (else it is read as an answer)."""
        return True

    @staticmethod
    def yes_or_no(reader: Callable[[str | None, str], bool | None], answer: Answer,
                  dispatcher: CollectingDispatcher) -> bool | None:
        """The customer's yes (True) or no (False) as ``reader`` (bot.sop.answers) reads
        it; None after telling the customer that "ya" or "tidak" is expected."""
        said = reader(answer.intent, answer.text)
        if said is None:
            dispatcher.utter_message(response="utter_expect_yes_no")
        return said

    # --- one answer to the requested question --------------------------------------

    async def _answer(self, question: str, text: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        verdict = await self._check(question, Answer(text, latest_intent(tracker)), dispatcher,
                                    tracker)
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
            handover = self.sop.after_failed_attempt(failures, question)
            if handover is not None:
                updates.update(outcome_slots(handover))
                updates[FAILED_ATTEMPTS_SLOT] = 0
        return updates

    async def _check(self, question: str, answer: Answer, dispatcher: CollectingDispatcher,
                     tracker: Tracker) -> Verdict:
        check = getattr(self, f"check_{question}", None)
        if check is None:
            raise NotImplementedError(f"{type(self).__name__} has no check_{question}")
        return await check(answer, dispatcher, tracker)

    # --- facts given before they were asked ---------------------------------------------

    async def _take_noted_facts(self, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> dict[str, Any]:
        """Answer the next questions from the noted facts, in SOP order, until one has
        none (that one is asked) or a noted value is refused (it is dropped; the refusal
        says why, and the question is asked)."""
        updates: dict[str, Any] = {}
        if self.sop.facts is None:
            return updates
        noted = dict(tracker.get_slot(NOTED_FACTS_SLOT) or {})
        while True:
            pending = self.sop.remaining_questions(answers(tracker, self.sop),
                                                   context(tracker, self.sop))
            if not pending:
                break
            found = self.sop.facts.noted_answer(pending[0], noted, tracker.slots)
            if found is None:
                break
            key, value = found
            del noted[key]
            question = pending[0]
            verdict = await self._check(question, Answer(value), dispatcher, tracker)
            step = dict(verdict.slots)
            if verdict.accepted:
                step[question] = verdict.value
                self.confirm_noted(question, verdict, dispatcher)
            if verdict.outcome is not None:
                step.update(outcome_slots(verdict.outcome))
            tracker = with_slots(tracker, step)
            updates.update(step)
            if not verdict.accepted or verdict.outcome is not None:
                break
        if noted != (tracker.get_slot(NOTED_FACTS_SLOT) or {}):
            updates[NOTED_FACTS_SLOT] = noted or None
        return updates

    def confirm_noted(self, question: str, verdict: Verdict,
                      dispatcher: CollectingDispatcher) -> None:
        """Say that a noted fact was taken (checks that already confirm need nothing)."""

    # --- corrections ---------------------------------------------------------------

    def _correction_target(self, tracker: Tracker,
                           requested: str) -> tuple[str, dict[str, Any]] | None:
        """The earlier, already answered question that this message corrects, if any, and
        the other answers the correction implies. A value for an earlier question is a
        correction only when the customer corrects, and says something new."""
        text = ((tracker.latest_message or {}).get("text") or "")
        sop = self.sop
        if not (sop.takes_corrections_unsaid(requested)
                or is_correction(latest_intent(tracker), text)):
            return None
        entities = latest_entities(tracker)
        given = answers(tracker, sop)
        entity_questions = sop.facts.entity_questions if sop.facts else {}
        for entity, question in entity_questions.items():
            if (question is None or entity not in entities or question == requested
                    or sop.part_of_the_answer(requested, question)):
                continue
            if str(entities[entity]) == _as_text(given.get(question)):
                continue  # the same value: repeated, not changed
            implied = sop.correction_answers(question, given, context(tracker, sop))
            if implied is not None:
                return question, implied
        # "ralat gocap aja": an amount, even one only an asked amount makes sense of, can
        # only change the form's one answer in rupiah
        amount = sop.amount_question
        if amount and requested != amount and given.get(amount) is not None \
                and is_correction(latest_intent(tracker), text):
            said = parse_amount(text)
            implied = sop.correction_answers(amount, given, context(tracker, sop))
            if said is not None and said != given[amount] and implied is not None:
                return amount, implied
        return None  # nothing earlier is changed: the message answers the requested question

    async def _correct(self, target: tuple[str, dict[str, Any]], text: str,
                       dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        question, implied = target
        verdict = await self._check(question, Answer(text, latest_intent(tracker)), dispatcher,
                                    tracker)
        if not verdict.accepted:
            return dict(verdict.slots)  # the old answer stands; ask the current one again
        updates = {**implied, **verdict.slots}
        updates[question] = verdict.value
        for dependent in self.sop.invalidated_by(question):
            updates[dependent] = None
        if verdict.outcome is not None:
            updates.update(outcome_slots(verdict.outcome))
        dispatcher.utter_message(response="utter_correction_taken")
        return updates

    # --- cancel --------------------------------------------------------------------

    def _confirm_cancel(self, text: str, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> dict[str, Any]:
        """"Yakin ingin membatalkan?": yes ends the request, no goes on; an answer not
        understood is asked once more, and a second one goes on (the question never
        loops, and nothing is cancelled on a guess)."""
        answer = cancel_confirmation(latest_intent(tracker), text)
        if answer is None and not tracker.get_slot(CANCEL_UNCLEAR_SLOT):
            dispatcher.utter_message(response="utter_expect_yes_no")
            return {CANCEL_UNCLEAR_SLOT: True}  # the form asks again
        updates: dict[str, Any] = {CANCEL_PENDING_SLOT: False, CANCEL_FROM_SLOT: None,
                                   CANCEL_UNCLEAR_SLOT: False}
        if answer:
            step = self.sop.step_of(tracker.get_slot(CANCEL_FROM_SLOT))
            updates.update(outcome_slots(cancelled(step)))
            dispatcher.utter_message(response="utter_cancelled")
        else:
            dispatcher.utter_message(response="utter_cancel_withdrawn")
        return updates


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
