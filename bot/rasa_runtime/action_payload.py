"""The tracker sent to the action server: this turn's events, not the whole conversation.

Upstream ``RemoteAction._action_call_format`` sends ``tracker.current_state(ALL)``: every
event of the conversation, turned into a dict, serialised and parsed again by the action
server at every call, so a call costs more the longer the conversation (a whole tambah
daya conversation holds a few hundred events). The actions read the slots, the latest
message, the active loop and, through rasa-sdk's ``slots_to_validate``, the slot events at
the end of the list; nothing before the customer's latest message. So here the payload is
upstream's, with ``events`` from the latest ``UserUttered`` on (all of them when there is
none), and the domain sent under the same condition as upstream's.
"""

from __future__ import annotations

from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


def this_turn(events: list[Event]) -> list[Event]:
    """The events from the latest user message on (all of them without one)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def action_call_format(_upstream, action: RemoteAction, tracker: DialogueStateTracker,
                       domain: Domain) -> dict[str, Any]:
    """The replacement of ``RemoteAction._action_call_format`` (same keys)."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in this_turn(list(tracker.events))]
    result = {"next_action": action.name(), "sender_id": tracker.sender_id,
              "tracker": state, "version": rasa.__version__}
    if (not action._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(action.name())):
        result["domain"] = domain.as_dict()
    return result
