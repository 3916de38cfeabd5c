"""``action_validate_slot_mappings``: the slots every customer message refreshes
(``bot.sop.refresh``: the clock's phrases, the assistant's name, the facts noted, the
caller), for Rasa run without this project's runtime. ``bot.rasa_runtime`` fills the same
slots in Rasa's own process and does not call this action (no round trip per message)."""

from __future__ import annotations

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.conversation import SESSION_METADATA_SLOT, latest_intent, message_metadata
from bot.conversation_settings import assistant_name, stack_clock
from bot.sop.names import REQUESTED_SLOT
from bot.sop.perubahan_daya import PERUBAHAN_DAYA
from bot.sop.refresh import Message, crm_of, refreshed


class ActionRefreshConversationSlots(ValidationAction):
    """Rasa calls this after every user message for the slots mapped ``type: custom``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list:
        active = (tracker.active_loop or {}).get("name")
        message = Message(
            metadata=message_metadata(tracker),
            session_metadata=tracker.get_slot(SESSION_METADATA_SLOT) or {},
            slots=tracker.current_slot_values(),
            entities=(tracker.latest_message or {}).get("entities") or [],
            intent=latest_intent(tracker),
            requested=tracker.get_slot(REQUESTED_SLOT) if active else None)
        return [SlotSet(name, value)
                for name, value in (await refreshed(message, crm_of(backoffice()), stack_clock(),
                                                    assistant_name(), PERUBAHAN_DAYA)).items()]
