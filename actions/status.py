"""``status_form``: a customer asks about a registration already made ("cek status
permohonan", "nomor registrasi saya 53211...", "sudah bayar kok belum dipasang?").

Thin: the registration is found in AP2T by the number the customer gives, or by the
customer's verified number (the caller id the channel verified: ``caller_phone``); what is
told, and when the owner's NIK must be checked first, is ``bot.status``'s decision. The
NIK is checked by AP2T's owner-NIK check (its daily limit per IDPEL included), the same
as the request's step 12; the slot keeps only that it was checked, never the NIK, and
when the check is over the stored conversation is masked (``bot.redaction``) as after a
saved registration: the NIK typed is not kept in clear until the conversation expires.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import BackofficeOutage, backoffice
from actions.conversation import latest_intent, latest_text, now
from bot import status
from bot.backoffice.client import BackofficeError, NotFound
from bot.backoffice.schemas import Registration
from bot.language import parse_nik
from bot.redaction import redact_this_turn

FORM = "status_form"
NUMBER = "status_number"  # the registration asked about ("" once given up)
OWNER_NIK = "status_owner_nik"  # "checked" once the check is over (the NIK is not kept)
STAGE = "status_stage"  # bot.status.Stage of the registration found
NUMBER_ATTEMPTS = "status_number_attempts"
NIK_ATTEMPTS = "status_nik_attempts"  # NIKs not readable as one
NIK_MISMATCHES = "status_nik_mismatches"
OVER = "checked"
GIVEN_UP = ""
SLOTS = (NUMBER, OWNER_NIK, STAGE, NUMBER_ATTEMPTS, NIK_ATTEMPTS, NIK_MISMATCHES)
INTENT = "cek_status_permohonan"


def say(dispatcher: CollectingDispatcher, said: list[status.Say]) -> None:
    for one in said:
        dispatcher.utter_message(response=one.response, **one.values)


def outage(what: str) -> BackofficeOutage:
    """AP2T cannot be reached: the question stays open (the runtime says so)."""
    return BackofficeOutage(f"back office unreachable: {what}")


def nik_check_over(tracker: Tracker) -> dict[str, Any]:
    """The owner's NIK check is over (the form ends): the NIKs the customer typed leave
    the stored conversation at this turn's save."""
    return {OWNER_NIK: OVER, **redact_this_turn(tracker.slots)}


class ActionStartStatusQuestion(Action):
    """Before ``status_form``: an earlier status question's answers are cleared, so that
    each question finds its registration afresh."""

    def name(self) -> str:
        return "action_start_status_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        return [SlotSet(name, None) for name in SLOTS if tracker.get_slot(name) is not None]


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        stage = tracker.get_slot(STAGE)
        if stage is not None and status.needs_owner(status.Stage(stage)):
            return [NUMBER, OWNER_NIK]
        return [NUMBER]

    async def extract_status_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        """At the question itself (the form's start): the number it gives, else the newest
        registration of the caller's verified number, else nothing (the form asks)."""
        if tracker.get_slot(NUMBER) is not None or latest_intent(tracker) != INTENT \
                or tracker.get_slot("requested_slot") is not None:
            return {}
        number = status.registration_number_in(latest_text(tracker))
        if number is not None:
            return {NUMBER: number}
        phone = tracker.get_slot("caller_phone")
        if not phone:
            return {}
        try:
            found = status.newest_open(await backoffice(tracker).registrations(phone=phone))
        except BackofficeError as error:
            raise outage("registrations by phone") from error
        if found is None:
            return {}
        return {NUMBER: found.registration_number}

    async def validate_status_number(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        number = status.registration_number_in(str(value or ""))
        found = await self._registration(number, tracker) if number else None
        if found is None:
            attempts = int(tracker.get_slot(NUMBER_ATTEMPTS) or 0) + 1
            problem = status.number_problem(number, attempts)
            say(dispatcher, [problem.say])
            return {NUMBER: GIVEN_UP if problem.gives_up else None, NUMBER_ATTEMPTS: attempts}
        moment = now(tracker)
        # found by the caller's number: the customer did not say it, and does not hear it
        given = status.registration_number_in(latest_text(tracker)) == number
        say(dispatcher, [status.the_stage(found, moment, number_given=given)])
        return {NUMBER: found.registration_number, STAGE: status.stage(found, moment).value}

    async def validate_status_owner_nik(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        moment = now(tracker)
        nik = parse_nik(str(value or ""), moment.date())
        if nik is None or not nik.valid:
            attempts = int(tracker.get_slot(NIK_ATTEMPTS) or 0) + 1
            if attempts >= status.MAX_OWNER_NIK_MISMATCHES:
                say(dispatcher, [status.Say("utter_status_nik_not_on_record")])
                return {**nik_check_over(tracker), NIK_ATTEMPTS: attempts}
            response = "utter_invalid_nik" if nik is None else f"utter_invalid_nik_{nik.code}"
            dispatcher.utter_message(response=response,
                                     digits=len(nik.nik) if nik is not None else "")
            return {OWNER_NIK: None, NIK_ATTEMPTS: attempts}
        found = await self._registration(tracker.get_slot(NUMBER), tracker)
        if found is None:  # gone since it was found: nothing to tell
            return nik_check_over(tracker)
        try:
            verdict = await backoffice(tracker).owner_nik_check(found.idpel, nik.nik)
        except BackofficeError as error:
            raise outage("owner NIK check") from error
        mismatches = int(tracker.get_slot(NIK_MISMATCHES) or 0) + (not verdict.match)
        outcome = status.after_owner_nik(verdict.match, verdict.held, mismatches, found, moment)
        say(dispatcher, outcome.say)
        over = nik_check_over(tracker) if outcome.over else {OWNER_NIK: None}
        return {**over, NIK_MISMATCHES: mismatches}

    @staticmethod
    async def _registration(number: str | None, tracker: Tracker) -> Registration | None:
        if not number:
            return None
        try:
            return await backoffice(tracker).registration(number)
        except NotFound:
            return None
        except BackofficeError as error:
            raise outage("registration") from error
