"""A customer's message is processed once, whichever Rasa instance it reaches.

Providers redeliver (Telegram and WhatsApp retry a webhook that was not answered, Twilio
retries, a customer taps twice), and behind a load balancer the second delivery may reach
another Rasa instance, or the same one after a restart. The channel contract's
``RecentReplies`` catches a redelivery within one process; this catches it everywhere,
because it asks the conversation itself.

``MessageProcessor.handle_message`` runs under the conversation's lock (Rasa's
``Agent.handle_message`` takes it first, in Redis when several instances run), so a
delivery that arrives while the first is being processed waits for it. Then, when the
message carries the channel's message id (``metadata.message_id``, which the stored
customer message keeps in its metadata), the tracker store is asked whether that customer message is
already in the conversation (``CachedSQLTrackerStore.replies_to``). If it is, the replies
that followed it are sent again and nothing is processed: no turn answered twice, even
when the instance that processed it died before its answer went out (the customer's
provider retries, and the retry gets the replies the dead instance had saved).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.identifiers import mask

logger = logging.getLogger(__name__)


def _unwrapped(tracker_store: Any) -> Any:
    """The configured store inside Rasa's wrappers (``AwaitableTrackerStore``,
    ``FailSafeTrackerStore``, each holding the next in ``_tracker_store``)."""
    for _ in range(4):
        inner = getattr(tracker_store, "_tracker_store", None)
        if inner is None:
            break
        tracker_store = inner
    return tracker_store


async def handle_message_once(upstream_handle, processor, message) -> Any:
    """The replacement of ``MessageProcessor.handle_message``."""
    channel_id = (message.metadata or {}).get("message_id")
    replies_to = getattr(_unwrapped(processor.tracker_store), "replies_to", None)
    if not channel_id or replies_to is None:
        return await upstream_handle(processor, message)
    earlier = await replies_to(message.sender_id, str(channel_id))
    if earlier is None:
        return await upstream_handle(processor, message)
    logger.info("conversation %s: message %s was processed before; its %d replies sent again",
                mask(message.sender_id), channel_id, len(earlier))
    for reply in earlier:
        await message.output_channel.send_response(message.sender_id, dict(reply))
    return getattr(message.output_channel, "messages", None)
