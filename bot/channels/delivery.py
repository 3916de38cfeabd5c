"""Sending to a provider in order, with retries: one outbox per recipient.

A channel puts what it sends (a text, a "typing..." signal) into its recipient's queue and
goes on; one task per recipient sends the queue in order. A failure the provider asks to
wait for (HTTP 429 with ``retry_after``) or a network error is retried after the delay
``retry_after(error, attempt)`` gives; ``None`` (the provider refused the item for good, or
the attempts are used up) logs it and moves on to the next item, so that one bad item
never blocks a customer's later replies. Nothing is dropped without a log line, and
``failed`` counts what was given up.

Provider-agnostic: Telegram now, WhatsApp next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.identifiers import mask

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    send: Callable[[], Awaitable[Any]]  # one provider call
    what: str  # for the log: "sendMessage", never the text
    retried: bool = True  # a best-effort signal ("typing...") is not


# (the error, attempts made so far) -> seconds to wait before the next attempt, or None
RetryAfter = Callable[[BaseException, int], "float | None"]


class Outbox:
    def __init__(self, retry_after: RetryAfter,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.retry_after = retry_after
        self.sleep = sleep
        self.failed = 0
        self._queues: dict[str, deque[Item]] = {}
        self._workers: dict[str, asyncio.Task] = {}

    def put(self, recipient: str, items: Iterable[Item]) -> None:
        """Queue ``items`` after what ``recipient`` already has queued."""
        queue = self._queues.setdefault(recipient, deque())
        queue.extend(items)
        if recipient not in self._workers and queue:
            self._workers[recipient] = asyncio.get_running_loop().create_task(
                self._drain(recipient))

    async def idle(self) -> None:
        """Wait until every queue is empty (tests, shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def _drain(self, recipient: str) -> None:
        queue = self._queues[recipient]
        try:
            while queue:
                await self._deliver(recipient, queue[0])
                queue.popleft()
        finally:
            del self._workers[recipient]
            if queue:  # cancelled mid-queue: what is left is logged, not lost silently
                logger.error("%d item(s) for %s not sent (outbox stopped)", len(queue),
                             mask(recipient))
                self.failed += len(queue)
            self._queues.pop(recipient, None)

    async def _deliver(self, recipient: str, item: Item) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await item.send()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the provider's errors are many
                delay = self.retry_after(error, attempt) if item.retried else None
                if delay is None:
                    if item.retried:
                        self.failed += 1
                        logger.error("%s to %s given up after %d attempt(s): %s", item.what,
                                     mask(recipient), attempt, type(error).__name__)
                    return
                logger.warning("%s to %s failed (%s), retry %d in %.1f s", item.what,
                               mask(recipient), type(error).__name__, attempt, delay)
                await self.sleep(delay)


class OneAtATime:
    """One turn at a time per customer: ``async with turns(chat):``; later turns of the
    same chat wait in arrival order, other chats do not wait. Holds a lock only while a
    turn of that chat runs or waits."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def __call__(self, key: Hashable) -> AsyncIterator[None]:
        lock, holders = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            lock, holders = self._locks[key]
            if holders == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, holders - 1)

    def __len__(self) -> int:
        return len(self._locks)
