"""Reading the conversation: metadata, the clock, an SOP's answers and context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker

from bot.conversation_settings import stack_clock
from bot.sop.engine import Sop

SESSION_METADATA_SLOT = "session_started_metadata"


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata of the latest user message (REST: the request's "metadata")."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def caller_id(tracker: Tracker) -> str | None:
    """The caller's number: the latest message's, else the session start's."""
    for metadata in (message_metadata(tracker), tracker.get_slot(SESSION_METADATA_SLOT) or {}):
        if isinstance(metadata, dict) and metadata.get("caller_id"):
            return str(metadata["caller_id"])
    return None


def now(tracker: Tracker) -> dt.datetime:
    """The time of the latest message (metadata.now, where the stack's clock trusts it),
    else the stack's clock."""
    return stack_clock().now(message_metadata(tracker).get("now"))


def answers(tracker: Tracker, sop: Sop) -> dict[str, Any]:
    """The answers to ``sop``'s questions so far (None: not answered)."""
    return sop.answers(tracker.slots)


def context(tracker: Tracker, sop: Sop) -> Any:
    """What the channel and the back office said, as ``sop`` reads it."""
    return sop.context_of(tracker.slots)


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def latest_entities(tracker: Tracker) -> dict[str, Any]:
    """The latest message's entities by name (first value of each)."""
    found: dict[str, Any] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        found.setdefault(entity.get("entity"), entity.get("value"))
    return found
