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
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)


def _raising(method: str, what: str) -> Callable[..., Awaitable[Any]]:
    """The replacement of ``FailSafeTrackerStore.<method>``: the wrapped store's own,
    whose failure is logged and raised, not swallowed."""
    async def replacement(_upstream, store, *args: Any) -> Any:
        try:
            return await getattr(store._tracker_store, method)(*args)
        except Exception as error:
            # the driver's own first line: SQLAlchemy's text would carry the statement's
            # parameters (the customer's words)
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            logger.error("the tracker store %s could not %s a conversation (%s: %s); the "
                         "message is not processed", type(store._tracker_store).__name__,
                         what, type(error).__name__, (reason or [""])[0][:200])
            raise
    return replacement


retrieve = _raising("retrieve", "read")
retrieve_full_tracker = _raising("retrieve_full_tracker", "read")
save = _raising("save", "save")
