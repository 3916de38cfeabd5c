"""The slots every customer message refreshes, filled in Rasa's own process.

What they hold is ``bot.sop.refresh``'s (the clock's phrases, the assistant's name, the
facts given before they were asked, the caller). Upstream fills custom slots by calling
``action_validate_slot_mappings`` on the action server at every message, after rebuilding
the whole conversation from its events to send it: a round trip and a replay of every
event per turn. Here ``ActionExtractSlots._execute_validation_action`` no longer calls it
(the slots it fills are the only custom ones), and ``ActionExtractSlots.run`` adds the
refreshed slots to what upstream extracted; the CRM is asked only for a new number.
"""

from __future__ import annotations

from rasa.shared.core.events import Event, SlotSet

from bot.backoffice.shared import BACKOFFICE
from bot.conversation_settings import assistant_name, stack_clock
from bot.sop.names import REQUESTED_SLOT
from bot.sop.perubahan_daya import PERUBAHAN_DAYA
from bot.sop.refresh import Message, crm_of, refreshed

SESSION_METADATA_SLOT = "session_started_metadata"


def crm():
    """The CRM's lookup of a number, through the process's back-office client."""
    return crm_of(BACKOFFICE.client())


def message_of(tracker) -> Message:
    latest = tracker.latest_message
    metadata = (latest.metadata if latest else None) or {}
    active = tracker.active_loop_name
    return Message(
        metadata=metadata if isinstance(metadata, dict) else {},
        session_metadata=tracker.get_slot(SESSION_METADATA_SLOT) or {},
        slots=tracker.current_slot_values(),
        entities=(latest.entities if latest else None) or [],
        intent=(latest.intent or {}).get("name") if latest else None,
        requested=tracker.get_slot(REQUESTED_SLOT) if active else None)


async def extract_slots(upstream, action, output_channel, nlg, tracker, domain) -> list[Event]:
    """The replacement of ``ActionExtractSlots.run``: upstream's extraction, then the
    refreshed slots."""
    events = await upstream(action, output_channel, nlg, tracker, domain)
    refreshed_slots = await refreshed(message_of(tracker), crm(), stack_clock(),
                                      assistant_name(), PERUBAHAN_DAYA)
    return events + [SlotSet(name, value) for name, value in refreshed_slots.items()]


async def validate_extracted(_upstream, action, extraction_events, output_channel, nlg,
                             tracker, domain) -> list[Event]:
    """The replacement of ``ActionExtractSlots._execute_validation_action``: the extracted
    slots as they are (upstream's own answer when no validation action exists)."""
    return [event for event in extraction_events if isinstance(event, SlotSet)]
