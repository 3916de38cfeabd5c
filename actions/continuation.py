"""A request continued on another channel (``bot.sop.continuation``), for an SOP form.

At the form's start, a request the same customer left open on another conversation (found
by their verified number's pseudonym) is offered (``continue_request``, asked by
``action_ask_continue_request``). Yes: the owner's NIK (``continuation_nik``) is checked
against AP2T for the carried customer number before anything carried is used, said or
saved; then the carried answers are checked again, silently, as if given now, and the
form asks the open question. No: the old request is closed in APKT and a new one starts.
While the request goes on, its progress is kept for its customer (``remember``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.conversation import SESSION_METADATA_SLOT, answers, caller_id, context, now
from actions.verdicts import Answer, outcome_slots, with_slots
from bot.backoffice.client import BackofficeError
from bot.backoffice.schemas import TicketKind, TicketRequest
from bot.conversation_settings import ContinuationSettings
from bot.identifiers import mask
from bot.pseudonyms import PseudonymKeyMissing, load_key, pseudonym
from bot.sop import continuation
from bot.sop.answers import yes_no
from bot.sop.continuation import OpenRequest, OpenRequests
from bot.sop.engine import Sop

logger = logging.getLogger(__name__)

CONTINUE_SLOT = "continue_request"
NIK_SLOT = "continuation_nik"
OFFER_SLOT = continuation.OFFER_SLOT
SLOTS = (CONTINUE_SLOT, NIK_SLOT)  # the questions the form asks for it


class OpenRequestsProvider:
    """The process's store of open requests and the pseudonym key, made on first use from
    the settings; None (the feature off) when the key cannot be read."""

    def __init__(self) -> None:
        self._made = False
        self._store: OpenRequests | None = None
        self._key: bytes | None = None
        self.keep_hours = continuation.DEFAULT_KEEP_HOURS

    def get(self) -> tuple[OpenRequests, bytes] | None:
        if not self._made:
            settings = ContinuationSettings.from_env()
            try:
                key = load_key(settings.pseudonym_key_path)
            except (OSError, PseudonymKeyMissing) as error:
                logger.warning("requests are not continued across channels: %s", error)
            else:
                self.use(OpenRequests(settings.store_path, settings.keep_hours), key,
                         settings.keep_hours)
            self._made = True
        if self._store is None or self._key is None:
            return None
        return self._store, self._key

    def use(self, store: OpenRequests | None, key: bytes | None,
            keep_hours: float = continuation.DEFAULT_KEEP_HOURS) -> None:
        """Replace the store (tests); None turns the feature off."""
        self._store, self._key, self.keep_hours, self._made = store, key, keep_hours, True


OPEN_REQUESTS = OpenRequestsProvider()


def _channel(tracker: Tracker) -> str | None:
    for metadata in ((tracker.latest_message or {}).get("metadata") or {},
                     tracker.get_slot(SESSION_METADATA_SLOT) or {}):
        if isinstance(metadata, dict) and metadata.get("channel"):
            return str(metadata["channel"])
    return None


def customer_of(tracker: Tracker) -> tuple[OpenRequests, str] | None:
    """The store and the customer's pseudonym, when the channel verified their number."""
    found = OPEN_REQUESTS.get()
    number = continuation.verified_number(_channel(tracker), caller_id(tracker))
    if found is None or number is None:
        return None
    store, key = found
    return store, pseudonym(key, number)


def required(tracker: Tracker) -> list[str]:
    """The continuation's question the form asks first, if any."""
    if not tracker.get_slot(OFFER_SLOT):
        return []
    return [NIK_SLOT] if tracker.get_slot(CONTINUE_SLOT) else [CONTINUE_SLOT]


def offered(sop: Sop, tracker: Tracker) -> dict[str, Any]:
    """At the form's start (nothing answered yet): the offer of an open request, if the
    customer has one on another conversation."""
    if tracker.get_slot(OFFER_SLOT) or tracker.get_slot(CONTINUE_SLOT) is not None \
            or continuation.carried_answers(sop, tracker.slots):
        return {}  # offered once, and only before this request has answers of its own
    found = customer_of(tracker)
    if found is None:
        return {}
    store, customer = found
    request = store.open_request(customer)
    moment = now(tracker)
    if not continuation.offer_applies(request, tracker.sender_id, moment,
                                      OPEN_REQUESTS.keep_hours):
        return {}
    return {OFFER_SLOT: continuation.offer(sop, request, moment)}


def remember(sop: Sop, tracker: Tracker) -> None:
    """Keep the request's progress for its customer, or forget it once it ended or was
    saved (a request on offer here keeps the other conversation's)."""
    found = customer_of(tracker)
    if found is None or tracker.get_slot(OFFER_SLOT):
        return
    store, customer = found
    slots = tracker.slots
    if not continuation.worth_keeping(sop, slots):
        if slots.get("sop_ending") or slots.get(sop.read_back or "") is True:
            store.close(customer, tracker.sender_id)
        return
    remaining = sop.remaining_questions(answers(tracker, sop), context(tracker, sop))
    store.keep_open(customer, OpenRequest(
        tracker.sender_id, _channel(tracker) or "", remaining[0] if remaining else "",
        continuation.carried_answers(sop, slots), now(tracker)))


async def close_in_apkt(tracker: Tracker, sop: Sop, offer: Mapping[str, Any],
                        reason: str) -> None:
    """The old request closed in APKT (Issued Closed), by its own conversation: nothing
    personal goes with it."""
    old = str(offer.get("conversation_id") or "")
    found = customer_of(tracker)
    if found is not None:
        store, customer = found
        store.close(customer, old)
    request = TicketRequest(
        kind=TicketKind.ISSUED_CLOSED, reason=continuation.close_reason(reason),
        sop_step=int(offer.get("sop_step") or 1), conversation_id=old, idpel=None,
        data={continuation.CLOSED_BY: reason}, idempotency_key=_key(old, reason))
    try:
        await backoffice(tracker).create_ticket(request)
    except BackofficeError as error:
        logger.error("APKT closing of the open request of %s not recorded: %s",
                     mask(old), error)


def _key(conversation: str, reason: str) -> str:
    return hashlib.sha256(f"{conversation}|continuation|{reason}".encode()).hexdigest()[:40]


def carried_request(tracker: Tracker) -> OpenRequest | None:
    found = customer_of(tracker)
    offer = tracker.get_slot(OFFER_SLOT) or {}
    if found is None:
        return None
    store, customer = found
    request = store.open_request(customer)
    if request is None or request.conversation_id != offer.get("conversation_id"):
        return None  # gone meanwhile (expired, continued elsewhere)
    return request


def as_answer(value: Any) -> tuple[str, str | None]:
    """A carried value as the words (and intent) a check reads."""
    if value is True:
        return "ya", "affirm"
    if value is False:
        return "tidak", "deny"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    if value in ("owner", "authorised"):
        return value, value
    return str(value), None


class Continuation:
    """The continuation's two questions, read for a form (an
    ``actions.custom_forms.SopFormValidationAction``: its SOP and its checks)."""

    def __init__(self, form: Any) -> None:
        self.form = form
        self.sop = form.sop

    async def read(self, requested: str, text: str, intent: str | None,
                   dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        if requested == CONTINUE_SLOT:
            return await self._answer_offer(text, intent, dispatcher, tracker)
        if intent in ("cancel", "deny", "not_ready"):  # no NIK at hand: a new request
            return self._restart(dispatcher)
        return await self._check_owner(text, dispatcher, tracker)

    async def _answer_offer(self, text: str, intent: str | None,
                            dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> dict[str, Any]:
        said = yes_no(intent, text)
        if said is None:
            dispatcher.utter_message(response="utter_expect_yes_no")
            return {}
        if said:
            return {CONTINUE_SLOT: True}
        await close_in_apkt(tracker, self.sop, tracker.get_slot(OFFER_SLOT) or {},
                            continuation.DECLINED)
        dispatcher.utter_message(response="utter_continuation_declined")
        return {CONTINUE_SLOT: False, OFFER_SLOT: None}

    def _restart(self, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """Nothing carried is used: the request starts afresh (the old one stays open for
        its owner)."""
        dispatcher.utter_message(response="utter_continuation_restarted")
        return {CONTINUE_SLOT: False, OFFER_SLOT: None}

    async def _check_owner(self, text: str, dispatcher: CollectingDispatcher,
                           tracker: Tracker) -> dict[str, Any]:
        """The owner's NIK against the carried customer number; the carried answers only
        once it matches."""
        request = carried_request(tracker)
        account, owner_nik = self.sop.verified_by or ("", "")
        number = (request.answers.get(account) if request else None)
        if number is None:
            return self._restart(dispatcher)
        silent = CollectingDispatcher()
        found = await self.form._check(account, Answer(str(number)), silent, tracker)
        if not found.accepted or found.outcome is not None:
            return self._restart(dispatcher)
        probe = with_slots(tracker, {**found.slots, account: found.value})
        verdict = await self.form._check(owner_nik, Answer(text), dispatcher, probe)
        if not verdict.accepted:  # told why; asked again (the SOP counts the mismatches)
            return {NIK_SLOT: None, **verdict.slots}
        if verdict.outcome is not None:  # the owner's NIK held or not on record
            return {CONTINUE_SLOT: False, OFFER_SLOT: None, **verdict.slots,
                    **outcome_slots(verdict.outcome)}
        updates = {NIK_SLOT: None, OFFER_SLOT: None, **found.slots, account: found.value,
                   **verdict.slots, owner_nik: verdict.value}
        await close_in_apkt(tracker, self.sop, tracker.get_slot(OFFER_SLOT) or {},
                            continuation.CONTINUED)
        dispatcher.utter_message(response="utter_continuation_taken")
        updates.update(await self._replay(request, dispatcher, with_slots(tracker, updates)))
        return updates

    async def _replay(self, request: OpenRequest, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        """The carried answers checked again in SOP order, as if given now (AP2T's checks
        and the fees of the day); the first one refused or ending the request stops it, and
        what its check said is said."""
        left = continuation.answers_to_take(self.sop, request, now(tracker))
        updates: dict[str, Any] = {}
        while True:
            pending = [q for q in self.sop.remaining_questions(answers(tracker, self.sop),
                                                                context(tracker, self.sop))
                       if q in left]
            if not pending:
                return updates
            question = pending[0]
            words, intent = as_answer(left.pop(question))
            said = CollectingDispatcher()
            verdict = await self.form._check(question, Answer(words, intent), said, tracker)
            step = dict(verdict.slots)
            if verdict.accepted:
                step[question] = verdict.value
            if verdict.outcome is not None:
                step.update(outcome_slots(verdict.outcome))
            updates.update(step)
            tracker = with_slots(tracker, step)
            if not verdict.accepted or verdict.outcome is not None:
                dispatcher.messages.extend(said.messages)  # why it is asked again
                return updates


class ActionAskContinueRequest(Action):
    """The offer: "<Bapak> memiliki permohonan tambah daya yang belum selesai (sampai
    <langkah>, lewat <kanal>, <kapan>). Lanjutkan dari sana?" with yes/no buttons (a spoken
    menu on the phone)."""

    def name(self) -> str:
        return "action_ask_continue_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        offer = tracker.get_slot(OFFER_SLOT) or {}
        dispatcher.utter_message(response="utter_offer_continuation", step=offer.get("step"),
                                 channel=offer.get("channel"), ago=offer.get("ago"))
        return []
