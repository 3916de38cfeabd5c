"""A tracker store that fails says so; it is never replaced by one process's memory.

Upstream wraps every tracker store in ``FailSafeTrackerStore``: when the database cannot
be read, ``retrieve`` answers None, so the customer's message starts a new conversation
(a greeting in the middle of a request); when it cannot be written, the conversation is
saved in that Rasa process's memory, where no other instance sees it and a restart loses
it. With several instances, and with any database that can restart, both lose data.

Here both raise: the message is not processed, the channel tells the customer that it
could not be (``bot.channels.contract.TURN_FAILED``; a 503 over REST, which providers
retry), and the conversation is untouched in the database for when it is back.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def _failed(store: Any, what: str, error: Exception) -> None:
    logger.error("the tracker store %s could not %s a conversation: %s; the message is not "
                 "processed", type(store._tracker_store).__name__, what, error)


async def retrieve(_upstream, store, sender_id):
    try:
        return await store._tracker_store.retrieve(sender_id)
    except Exception as error:
        _failed(store, "read", error)
        raise


async def retrieve_full_tracker(_upstream, store, sender_id):
    try:
        return await store._tracker_store.retrieve_full_tracker(sender_id)
    except Exception as error:
        _failed(store, "read", error)
        raise


async def save(_upstream, store, tracker) -> None:
    try:
        await store._tracker_store.save(tracker)
    except Exception as error:
        _failed(store, "save", error)
        raise
