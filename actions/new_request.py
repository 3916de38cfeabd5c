"""A new "tambah daya" request after an earlier one ended in the same conversation
("Ada lagi yang bisa dibantu?" - "mau tambah daya rumah saya yang lain"), or once the
closing phrases were said (the rules run this then, so a later request starts afresh).

The earlier request's answers and outcome are cleared so that the form asks again (and
does not conclude, or save, the earlier request a second time); who the caller is stays.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.closing_form import MORE_HELP_INVITED
from actions.custom_forms import (
    CANCEL_CONFIRMED_SLOT,
    CANCEL_FROM_SLOT,
    CANCEL_PENDING_SLOT,
    FAILED_ATTEMPTS_SLOT,
)
from bot.sop.flow import Question

KEPT = {Question.CALLER_NAME.value}  # step 2 is about the caller, not the request
REQUEST_SLOTS = (
    # what the back office said about the earlier request
    "idpel", "customer_name", "customer_title", "customer_address", "current_power_va",
    "current_tariff", "current_tariff_power", "prepaid", "unit_name", "unit_address",
    "unknown_numbers", "new_tariff", "new_tariff_power", "use", "phase_change",
    "ap2t_notification", "notification_reason", "target_power", "alternative_va",
    "alternative_power", "total_rp", "total_text", "service_level_days",
    # how it ended, and the closing questions
    "sop_ending", "sop_reason", "sop_step", "handoff_reason", "outcome_details",
    "ticket_number", "info_clear", "more_help", MORE_HELP_INVITED,
    # bookkeeping
    FAILED_ATTEMPTS_SLOT, CANCEL_PENDING_SLOT, CANCEL_FROM_SLOT, CANCEL_CONFIRMED_SLOT,
    "correction_invited",
)


def request_reset() -> list[EventType]:
    """Events that clear an earlier request (its registration number stays, for "sampai
    kapan berlakunya?")."""
    questions = [q.value for q in Question if q.value not in KEPT]
    return [SlotSet(name, None) for name in (*questions, *REQUEST_SLOTS)]


class ActionStartNewRequest(Action):
    def name(self) -> str:
        return "action_start_new_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot("sop_ending"):
            return []  # no earlier request (or it is still going on): nothing to clear
        return request_reset()
