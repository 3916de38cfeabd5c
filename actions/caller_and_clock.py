"""Slots refreshed at every user message (``action_validate_slot_mappings``): the clock
(``day_part`` for steps 1 and 21, ``intimacy`` for step 22), the caller (CRM pop-up), the
assistant's name (step 1) and the facts the customer gave before they were asked
(``bot.sop.facts``)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.conversation import answers, caller_id, latest_intent, now
from bot.backoffice.client import BackofficeError, NotFound
from bot.identifiers import parse_phone
from bot.sop import facts
from bot.sop.formatting import addressed_as
from bot.sop.phrases import assistant_name, day_part, intimacy


class ActionRefreshConversationSlots(ValidationAction):
    """Rasa calls this after every user message for the slots mapped ``type: custom``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list:
        # Only extraction: these slots need no validation step (and no warning for it).
        return await self.get_extraction_events(dispatcher, tracker, domain)

    async def extract_day_part(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        moment = now(tracker)
        return {"day_part": day_part(moment).value, "intimacy": intimacy(moment).value}

    async def extract_assistant_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        name = assistant_name()
        return {} if tracker.get_slot("assistant_name") == name else {"assistant_name": name}

    async def extract_noted_facts(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        """What this message says beyond the question asked, kept for when it is asked."""
        before = tracker.get_slot("noted_facts") or {}
        requested = (tracker.get_slot("requested_slot")
                     if (tracker.active_loop or {}).get("name") else None)
        entities = (tracker.latest_message or {}).get("entities") or []
        noted = facts.note(before, entities, answers(tracker), latest_intent(tracker),
                           requested)
        return {} if noted == before else {"noted_facts": noted}

    async def extract_caller_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        """The caller's number and, once per conversation, the CRM's name for it."""
        number = caller_id(tracker)
        phone = parse_phone(number) if number else None
        if phone is None or tracker.get_slot("caller_phone") == phone.national:
            return {}
        slots: dict[str, Any] = {"caller_phone": phone.national,
                                 "caller_phone_kind": phone.kind.value}
        try:
            caller = await backoffice(tracker).caller(phone.national)
        except NotFound:
            return slots
        except BackofficeError:
            return slots  # no pop-up: the name is asked (step 2), nothing is lost
        if not tracker.get_slot("caller_name"):
            slots.update(caller_known=True, caller_name=caller.name, caller_title=caller.title,
                         caller_display=addressed_as(caller.title, caller.name))
        return slots
