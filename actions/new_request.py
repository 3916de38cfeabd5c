"""A new "tambah daya" request after an earlier one ended in the same conversation
("Ada lagi yang bisa dibantu?" - "mau tambah daya rumah saya yang lain"), or once the
closing phrases were said (the rules run this then, so a later request starts afresh).

The earlier request's answers and outcome are cleared so that the form asks again (and
does not conclude, or save, the earlier request a second time). Every slot of the domain
belongs to the request except the few named here, so a slot added later is cleared too.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.sop.names import REQUESTED_SLOT, SOP_ENDING

# What outlives a request: who is calling (step 2 is about the caller), the clock and its
# zone, the earlier registration (for "sampai kapan berlakunya?"), and Rasa's own bookkeeping.
KEPT = frozenset({
    "caller_name", "caller_title", "caller_display", "caller_known", "caller_phone",
    "caller_phone_kind", "day_part", "intimacy", "registration_number",
    "registration_expires", REQUESTED_SLOT, "session_started_metadata",
    "unit_timezone",  # the caller's unit (CRM) until an IDPEL says another
})


def request_reset(domain: DomainDict) -> list[EventType]:
    """Events that clear an earlier request: every domain slot not in ``KEPT``."""
    return [SlotSet(name, None) for name in domain.get("slots", {}) if name not in KEPT]


class ActionStartNewRequest(Action):
    def name(self) -> str:
        return "action_start_new_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot(SOP_ENDING):
            return []  # no earlier request (or it is still going on): nothing to clear
        return request_reset(domain)
