"""How a request ends: saved (15-17), APKT Issued Closed, MBL escalation, or a CSO takes
over; then the closing steps (18-22).

``action_conclude_request`` runs when the Perubahan Daya form stops. It records what the
SOP requires in the back office and goes on to ``closing_form`` (or to the hand-over).
Tickets and registrations carry idempotency keys derived from the conversation, so a
retried action (or a repeated "ya, simpan") never records twice.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import BackofficeOutage, backoffice
from actions.conversation import answers, latest_intent, now
from actions.custom_forms import CANCEL_CONFIRMED_SLOT, CANCEL_FROM_SLOT, outcome_slots
from bot.backoffice.client import BackofficeError, Refused
from bot.backoffice.schemas import ApplicantIn, RegistrationRequest, TicketRequest
from bot.channels.contract import CALLER_SILENT
from bot.channels.registry import CHAT_CHANNELS  # where the summary is also said, to keep
from bot.identifiers import mask
from bot.notify.client import request_information, request_summary
from bot.notify.summary import chat_summary_text
from bot.redaction import PERSONAL_SLOTS, REDACT_SLOT
from bot.sop.formatting import long_date, rupiah
from bot.sop.names import (
    CLOSING_FORM,
    OUTCOME_DETAILS,
    REQUESTED_SLOT,
    SOP_ENDING,
    SOP_REASON,
    SOP_STEP,
)
from bot.sop.outcomes import HANDOFF_REASON_TEXT, Ending, HandoffReason, Outcome, hand_over
from bot.sop.perubahan_daya import PERUBAHAN_DAYA, flow
from bot.sop.perubahan_daya.flow import Question

logger = logging.getLogger(__name__)

MAX_CONVERSATION_ID = 200  # what AP2T and APKT store (bot.backoffice.schemas)


def conversation_id(tracker: Tracker) -> str:
    """The conversation as the back office records it: the sender id, or a digest of it
    when a channel's id is longer than the back office stores (REST takes any length)."""
    sender = tracker.sender_id
    if len(sender) <= MAX_CONVERSATION_ID:
        return sender
    return "sha256:" + hashlib.sha256(sender.encode()).hexdigest()


def idempotency_key(tracker: Tracker, *parts: Any) -> str:
    """A key that is the same for the same conversation and the same ``parts``. A customer
    whose conversation id never changes (a WhatsApp number, a phone number) comes back
    weeks later in the same conversation: the parts say what makes a save a new one
    (``ticket_key``, ``registration_key``)."""
    raw = "|".join([tracker.sender_id, *map(str, parts)])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def ticket_key(tracker: Tracker, kind: Any, reason: Any, step: Any) -> str:
    """One APKT ticket per message: the action run again for it (a retry, a restarted
    Rasa) records nothing twice, and a later hand-over, even at the same step for the
    same reason, is a ticket of its own."""
    message = (tracker.latest_message or {}).get("message_id") or ""
    return idempotency_key(tracker, "ticket", kind, reason, step, message)


def registration_key(tracker: Tracker, idpel: Any, target_va: Any) -> str:
    """One AP2T registration per IDPEL and power a day: the same change asked again the
    same day (a second call) is the registration already made, on another day a new one."""
    return idempotency_key(tracker, "registration", idpel, target_va, now(tracker).date())


def collected_data(tracker: Tracker) -> dict[str, Any]:
    """What the customer gave and the back office found, for the ticket (the back office
    masks personal data before storing it)."""
    data = {name: value for name, value in answers(tracker, PERUBAHAN_DAYA).items() if value is not None}
    for name in ("caller_name", "caller_phone", "idpel", "customer_name", "current_tariff",
                 "current_power_va", "new_tariff", "target_power_va", "total_rp"):
        if tracker.get_slot(name) is not None:
            data[name] = tracker.get_slot(name)
    return data


async def record_ticket(tracker: Tracker, kind: str, reason: str, step: int,
                        details: dict[str, Any] | None = None) -> str | None:
    """Record an APKT ticket; None when the back office cannot take it (the data stays in
    the conversation's tracker, which is kept)."""
    data = {**collected_data(tracker), **(details or {})}
    request = TicketRequest(
        kind=kind, reason=reason, sop_step=step, conversation_id=conversation_id(tracker),
        idpel=tracker.get_slot("idpel"), data=data,
        idempotency_key=ticket_key(tracker, kind, reason, step))
    try:
        ticket = await backoffice(tracker).create_ticket(request)
    except BackofficeError as error:
        logger.error("APKT ticket (%s, step %s) for conversation %s not recorded: %s",
                     kind, step, mask(tracker.sender_id), error)
        return None
    return ticket.ticket_number


class ActionConcludeRequest(Action):
    def name(self) -> str:
        return "action_conclude_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        ending = tracker.get_slot(SOP_ENDING)
        if ending == Ending.CSO_HANDOFF.value:
            return [FollowupAction("action_hand_over")]
        if ending in (Ending.ISSUED_CLOSED.value, Ending.MBL.value):
            number = await record_ticket(tracker, ending, tracker.get_slot(SOP_REASON) or "",
                                         int(tracker.get_slot(SOP_STEP) or 1),
                                         tracker.get_slot(OUTCOME_DETAILS))
            if ending == Ending.MBL.value:
                if number is None:  # told to the unit only once it is: again next message
                    raise BackofficeOutage("MBL escalation not recorded")
                dispatcher.utter_message(response="utter_mbl_forwarded")
            return [*await self._information_mailed(tracker), SlotSet("ticket_number", number),
                    FollowupAction(CLOSING_FORM)]
        if tracker.get_slot(Question.DATA_CONFIRMED.value) is True:
            return await self.save(dispatcher, tracker)
        return [FollowupAction(CLOSING_FORM)]  # nothing to record (should not happen)

    @staticmethod
    async def _information_mailed(tracker: Tracker) -> list[EventType]:
        """Step 11b: the owner (or authorised) who did not go on and gave an e-mail gets
        the fees quoted, the requirements and how to apply again from the notifier; the
        address is kept no longer than that request (the stored events are redacted)."""
        email = tracker.get_slot(Question.EMAIL.value)
        if tracker.get_slot(Question.PROCEED.value) is not False or not email:
            return []
        stroom = tracker.get_slot(Question.STROOM_AWAL.value)
        await request_information(tracker.get_slot("idpel"),
                                  int(tracker.get_slot(Question.TARGET_POWER.value)),
                                  int(stroom) if stroom is not None else None, email,
                                  tracker.get_slot("caller_title"))
        return [SlotSet(Question.EMAIL.value, None), SlotSet(REDACT_SLOT, True)]

    async def save(self, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> list[EventType]:
        """Step 15 (save, registration number), 16 (documents), 17 (payment)."""
        slot = tracker.get_slot
        stroom = slot(Question.STROOM_AWAL.value)
        request = RegistrationRequest(
            idempotency_key=registration_key(tracker, slot("idpel"),
                                             slot(Question.TARGET_POWER.value)),
            idpel=slot("idpel"), target_va=int(slot(Question.TARGET_POWER.value)),
            stroom_awal_rp=int(stroom) if stroom is not None else None,
            conversation_id=conversation_id(tracker),
            applicant=ApplicantIn(
                role=slot(Question.APPLICANT_ROLE.value),
                owner_nik=slot(Question.OWNER_NIK.value),
                applicant_nik=slot(Question.APPLICANT_NIK.value),
                applicant_name=slot(Question.APPLICANT_NAME.value) or slot("caller_name")
                or slot("customer_name"),
                applicant_address=slot(Question.APPLICANT_ADDRESS.value),
                email=slot(Question.EMAIL.value) or None,  # "": no email
                mobile_phone=slot(Question.MOBILE_PHONE.value),
                kecamatan=slot(Question.KECAMATAN.value),
                kelurahan=slot(Question.KELURAHAN.value)))
        client = backoffice(tracker)
        try:
            registration = await client.save_registration(request)
        except Refused as refusal:  # AP2T's business answer, not an outage
            return self._handover(hand_over(HandoffReason.BACKOFFICE_REFUSED,
                                            flow.STEP_SAVE, refused=refusal.message))
        except BackofficeError as error:  # saved at the next message (BackofficeOutage)
            raise BackofficeOutage(f"registration not saved: {error}") from None
        # Saved: the customer hears the number whatever happens next.
        dispatcher.utter_message(response="utter_registration_saved",
                                 registration_number=registration.registration_number)
        info = await self._documents(dispatcher, tracker, client)
        dispatcher.utter_message(response="utter_payment_places")
        if info is not None and tracker.get_latest_input_channel() in CHAT_CHANNELS:
            # a message the customer can keep: the registration's facts, in the chat
            summary = chat_summary_text(registration, info, slot("customer_address"),
                                        slot("caller_title") or "Bapak/Ibu")
            dispatcher.utter_message(response="utter_registration_summary", summary=summary)
        await self._update_dil_mobile(tracker, client, request.applicant.mobile_phone)
        # the summary by e-mail (and on Telegram/WhatsApp) from the notifier: the full
        # address travels with the request, never stored outside the back office
        await request_summary(registration.registration_number, request.applicant.email,
                              slot("customer_address"), slot("caller_title"))
        # AP2T holds the applicant's data now: the conversation keeps none of it in clear
        # (the tracker store redacts its stored events, bot.redaction)
        forgotten = [SlotSet(name, None) for name in PERSONAL_SLOTS]
        return [*forgotten, SlotSet(REDACT_SLOT, True),
                SlotSet(SOP_ENDING, Ending.SAVED.value),
                SlotSet("registration_number", registration.registration_number),
                SlotSet("registration_expires", long_date(registration.expires_at)),
                SlotSet("lsp_available", registration.lsp_available),
                FollowupAction(CLOSING_FORM)]

    @staticmethod
    async def _documents(dispatcher: CollectingDispatcher, tracker: Tracker, client):
        """Step 16: the stamps and KTP copies, with today's stamp value from AP2T; AP2T's
        figures (None when it cannot be asked)."""
        authorised = tracker.get_slot("applicant_role") == flow.AUTHORISED
        try:
            info = await client.info()
        except BackofficeError:
            dispatcher.utter_message(response="utter_documents_general")
            return None
        dispatcher.utter_message(
            response="utter_documents_authorised" if authorised else "utter_documents",
            stamps=info.spjbtl_stamps, stamp_value=rupiah(info.stamp_duty_rp))
        return info

    @staticmethod
    async def _update_dil_mobile(tracker: Tracker, client, mobile: str) -> None:
        """Step 13c: the DIL's mobile becomes the one given. Its failure does not undo the
        saved registration: a CSO ticket asks for the update."""
        idpel = tracker.get_slot("idpel")
        try:
            dil = await client.customer(idpel)
            if dil.dil_phones.mobile != mobile:
                await client.update_dil_mobile(idpel, mobile)
        except BackofficeError as error:
            logger.error("DIL mobile update for conversation %s failed: %s",
                         mask(tracker.sender_id), error)
            await record_ticket(tracker, Ending.CSO_HANDOFF.value,
                                HANDOFF_REASON_TEXT[HandoffReason.DIL_UPDATE_FAILED],
                                flow.STEP_SAVE, {"dil_update_failed": True})

    @staticmethod
    def _handover(outcome: Outcome) -> list[EventType]:
        return [SlotSet(name, value) for name, value in outcome_slots(outcome).items()] + [
            FollowupAction("action_hand_over")]


class ActionHandOver(Action):
    """A CSO takes over: ticket with reason, step and data, the customer is told, and the
    assistant pauses for this conversation. No campaign, closing or goodbye: steps 20-22
    are the CSO's, who carries on the conversation."""

    def name(self) -> str:
        return "action_hand_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events: list[EventType] = []
        if tracker.get_slot(SOP_ENDING) != Ending.CSO_HANDOFF.value:
            # asked for directly ("mau bicara dengan petugas"), from any step
            requested = tracker.get_slot(REQUESTED_SLOT)
            if requested == CANCEL_CONFIRMED_SLOT:  # "yakin?" pending: the interrupted step
                requested = tracker.get_slot(CANCEL_FROM_SLOT)
            step = PERUBAHAN_DAYA.step_of(requested)
            silent = latest_intent(tracker) == CALLER_SILENT[1:]
            outcome = hand_over(
                HandoffReason.CALLER_SILENT if silent else HandoffReason.CUSTOMER_ASKED, step)
            events += [SlotSet(name, value) for name, value in outcome_slots(outcome).items()]
            reason, step = outcome.reason, step
        else:
            reason, step = tracker.get_slot(SOP_REASON), int(tracker.get_slot(SOP_STEP) or 1)
        number = await record_ticket(tracker, Ending.CSO_HANDOFF.value, reason or "", step,
                                     tracker.get_slot(OUTCOME_DETAILS))
        dispatcher.utter_message(response="utter_handoff", ticket_number=number or "")
        return events + [SlotSet("ticket_number", number), SlotSet(REQUESTED_SLOT, None),
                         ActiveLoop(None), ConversationPaused()]


class ActionCallEnded(Action):
    """The caller hung up (the voice channel's call_ended): an unfinished request is
    recorded for a CSO to call back; the conversation's form ends either way. Nothing is
    said: nobody is listening."""

    def name(self) -> str:
        return "action_call_ended"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested == CANCEL_CONFIRMED_SLOT:
            requested = tracker.get_slot(CANCEL_FROM_SLOT)
        requesting = (tracker.active_loop or {}).get("name") == PERUBAHAN_DAYA.form
        outcome = PERUBAHAN_DAYA.after_call_ended(tracker.get_slot(SOP_ENDING), requesting,
                                                  requested)
        events: list[EventType] = [SlotSet(REQUESTED_SLOT, None), ActiveLoop(None)]
        if outcome is None:
            return events
        number = await record_ticket(tracker, outcome.ending.value, outcome.reason or "",
                                     outcome.sop_step or 1)
        return [*(SlotSet(name, value) for name, value in outcome_slots(outcome).items()),
                SlotSet("ticket_number", number), *events]
