"""Reading the conversation: metadata, the clock, the SOP answers and context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Tracker

from bot.sop import clock
from bot.sop.flow import Context, Question

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
    """The time of the latest message (metadata.now), else the stack's clock."""
    return clock.now(message_metadata(tracker).get("now"))


def answers(tracker: Tracker) -> dict[str, Any]:
    return {question.value: tracker.get_slot(question.value) for question in Question}


def context(tracker: Tracker) -> Context:
    return Context(
        caller_known=bool(tracker.get_slot("caller_known")),
        caller_phone_kind=tracker.get_slot("caller_phone_kind"),
        prepaid=tracker.get_slot("prepaid"),
        ap2t_notification=bool(tracker.get_slot("ap2t_notification")),
    )


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
