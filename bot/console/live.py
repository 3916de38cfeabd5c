"""The queue as every open page sees it, read once for all of them and only for what
changed: the hand-over tickets recorded since the last read (the simulator's
``/apkt/tickets/changes`` after a cursor) and the cases the console changed since then
(``ConsoleStore.cases_since``), at most once a tick however many pages are open.

The queue keeps in memory the hand-overs not yet handed back or closed; a ticket that is
handed back or closed never comes back to the queue, so it is forgotten. When the
simulator's store was emptied (its last cursor below ours), everything is read again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bot.backoffice.schemas import Ticket, TicketKind
from bot.channels.outbound import CustomerChannels
from bot.console.store import CLOSED, HANDED_BACK, OPEN, ConsoleStore
from bot.console.views import duration

OVER = (HANDED_BACK, CLOSED)


class LiveQueue:
    def __init__(self, simulator: Any, store: ConsoleStore, tick_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.simulator, self.store, self.tick_s, self.clock = simulator, store, tick_s, clock
        self._tickets: dict[str, Ticket] = {}  # open hand-overs, by number
        self._cases: dict[str, tuple[str | None, str]] = {}
        self._cursor, self._cases_since = 0, 0.0
        self._read_at: float | None = None
        self._lock = asyncio.Lock()
        self.reads = 0  # how many times the simulator was asked (the tests count them)

    async def rows(self, now: float | None = None, fresh: bool = False) -> list[dict[str, Any]]:
        """The queue: open hand-overs, oldest first, with their holder and wait; ``fresh``:
        the simulator's changes read now, even within the tick (a metrics scrape)."""
        async with self._lock:
            moment = self.clock()
            if fresh or self._read_at is None or moment - self._read_at >= self.tick_s:
                await self._read_tickets()
                self._read_at = moment
            self._read_cases()
        return [self._row(ticket, now) for ticket in
                sorted(self._tickets.values(), key=lambda t: t.created_at)]

    async def _read_tickets(self) -> None:
        while True:
            self.reads += 1
            changes = await self.simulator.ticket_changes(self._cursor)
            if changes.last < self._cursor:  # the simulator's store was emptied
                self._tickets.clear()
                self._cursor = 0
                continue
            for ticket in changes.tickets:
                state = self._cases.get(ticket.ticket_number, (None, OPEN))[1]
                if ticket.kind == TicketKind.CSO_HANDOFF and state not in OVER:
                    self._tickets[ticket.ticket_number] = ticket
            self._cursor = changes.cursor
            if not changes.tickets or changes.cursor >= changes.last:
                break

    def _read_cases(self) -> None:
        changed, self._cases_since = self.store.cases_since(self._cases_since)
        self._cases.update(changed)
        for number, (_holder, state) in changed.items():
            if state in OVER:
                self._tickets.pop(number, None)

    def _row(self, ticket: Ticket, now: float | None) -> dict[str, Any]:
        holder, _state = self._cases.get(ticket.ticket_number, (None, OPEN))
        waited = waiting_minutes(ticket, now)
        return {"ticket": ticket.ticket_number, "reason": ticket.reason,
                "step": ticket.sop_step, "conversation": ticket.conversation_id,
                "channel": CustomerChannels.kind(ticket.conversation_id),
                "waiting_min": waited, "waiting": duration(waited * 60.0), "holder": holder}


def waiting_minutes(ticket: Ticket, now: float | None = None) -> int:
    return max(0, int(((time.time() if now is None else now)
                       - ticket.created_at.timestamp()) // 60))
