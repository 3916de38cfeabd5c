"""The abandonment sweep run periodically by a service (the console): every ``every_s``
seconds, ``KpiStore.mark_abandoned`` with the conversation session's expiry."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.kpi.store import KpiStore

# Rasa's session_config.session_expiration_time in domain.yml (a test keeps them equal)
SESSION_EXPIRY_S = 60 * 60.0
SWEEP_EVERY_S = 5 * 60.0

log = logging.getLogger(__name__)


async def sweep_forever(store: KpiStore, expiry_s: float = SESSION_EXPIRY_S,
                        every_s: float = SWEEP_EVERY_S,
                        clock: Callable[[], float] = time.time) -> None:
    """Mark the abandoned requests now and every ``every_s`` (until cancelled); a failed
    sweep is logged and the next one tries again."""
    while True:
        try:
            marked = await asyncio.to_thread(store.mark_abandoned, clock(), expiry_s)
            if marked:
                log.info("%d request(s) abandoned past the session's expiry", len(marked))
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("the abandonment sweep failed")
        await asyncio.sleep(every_s)
