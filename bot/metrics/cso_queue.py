"""What the console shows operators of the CSO queue, read at each scrape: the cases
waiting for an officer, those in an officer's hands, and how long the oldest has waited."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from prometheus_client import Counter, Gauge

logger = logging.getLogger(__name__)

WAITING = Gauge("pln_cso_queue_length", "Handed-over cases waiting for a CSO (not yet taken)")
TAKEN = Gauge("pln_cso_cases_taken", "Handed-over cases a CSO has taken and not yet closed "
              "or handed back")
OLDEST_WAIT = Gauge("pln_cso_queue_oldest_wait_seconds",
                    "How long the oldest case waiting for a CSO has waited (0: none waits; "
                    "to the minute)")
READ_ERRORS = Counter("pln_cso_queue_read_errors",
                      "Scrapes that could not read the queue (the back office unavailable): "
                      "the queue's figures are those of the last read")

Row = Mapping[str, Any]


def observe(rows: Sequence[Row]) -> None:
    """The gauges from the console's queue rows (``holder`` None: waiting; ``waiting_min``)."""
    waiting = [row for row in rows if row.get("holder") is None]
    WAITING.set(len(waiting))
    TAKEN.set(len(rows) - len(waiting))
    OLDEST_WAIT.set(max((row.get("waiting_min") or 0 for row in waiting), default=0) * 60)


def refresher(queue: Callable[[], Awaitable[Sequence[Row]]],
              unavailable: type[Exception]) -> Callable[[], Awaitable[None]]:
    """What the console's ``/metrics`` runs before each scrape: the queue read, its
    figures set; ``unavailable`` (the back office down) counted, the last figures kept."""

    async def refresh() -> None:
        try:
            observe(await queue())
        except unavailable as error:
            READ_ERRORS.inc()
            logger.warning("CSO queue metrics not read: %s", type(error).__name__)

    return refresh
