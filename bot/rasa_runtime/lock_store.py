"""Rasa's Redis lock store with tickets issued and released atomically, and kept alive.

Rasa serialises the turns of one conversation with a ticket lock (``LockStore.lock``):
a turn takes the next ticket and waits until it is the first one of the conversation's
queue. Upstream ``RedisLockStore`` keeps the queue as one JSON value and changes it by
reading it, editing it in the process and writing it back. Between the read and the write
another Rasa instance can do the same: both read the same queue, both take the same
next number, the second write replaces the first, and each believes it is served: two
turns of one conversation run at once, and the later one saves a tracker that misses the
other's events (``tests/rasa_runtime/test_lock_store.py`` shows it with two processes). The same
read-edit-write in the release can overwrite a ticket just issued (its turn fails with a
``LockError``) or put back a finished one (the next turn waits for it to expire). Fixed
only in Rasa Pro (rasa PR #11256); and a ticket lives ``TICKET_LOCK_LIFETIME`` (60 s) from
its issue whatever happens: a process killed while it holds a conversation blocks it for
up to a minute, a turn longer than that loses its lock while it runs, and the keys never
expire (an emptied queue stays in Redis).

``AtomicRedisLockStore`` keeps a conversation's queue in one Redis hash (the key
upstream uses, ``<key_prefix>:lock:<conversation id>``): ticket number -> expiry (ms, the
Redis server's clock). Issuing, the check "am I first", renewing and releasing are each
one Lua script, so each is atomic whatever the number of Rasa instances. Tickets are
served in their numbers' order (first come, first served, as upstream); the numbers only
grow, from the server's clock in microseconds, so a number is never given twice, even
after the conversation's key was deleted. Every script drops the expired tickets and
deletes the hash when no ticket remains, otherwise sets it to expire with its last
ticket: no key outlives its tickets, nothing grows per conversation.

A ticket lives ``lock_lifetime`` seconds (default 10; ``lock_lifetime`` in endpoints.yml,
else the ``TICKET_LOCK_LIFETIME`` environment variable as upstream, else 10), and while
its turn waits or runs a task on the turn's event loop renews it every third of that: a
turn longer than the lifetime keeps its lock. A process killed with ``kill -9`` renews
nothing: its tickets expire within the lifetime and the conversation's next turn (on
any instance) is served at its next check (every ``wait_time_in_seconds``, 1 s as
upstream). A turn whose event loop is blocked for more than two thirds of the lifetime
can lose its ticket (logged as an error); no turn blocks it that long (the model is warmed before
the server answers, ``warm_up``).

Otherwise as upstream: the same ``lock(conversation_id, lock_lifetime,
wait_time_in_seconds)`` context manager (Rasa's ``Agent.handle_message``, reminders and
the HTTP API), a ``LockError`` when the ticket cannot be issued or is gone while it waits,
Redis commands that time out after ``socket_timeout`` (10 s) instead of hanging, a
connection made at the first command. A Redis error while issuing or waiting is raised as
a ``LockError`` (Rasa's REST channel logs the failed message; the HTTP API answers 500);
one while releasing is logged, not raised over the turn's own outcome: the ticket expires
within the lifetime. Its keys are upstream's but hold a hash, not a string: instances with
upstream's store must not run beside it on the same Redis and prefix (stop them all to
switch).

Configure it in endpoints.yml like the Redis lock store:

    lock_store:
      type: bot.rasa_runtime.lock_store.AtomicRedisLockStore
      url: localhost
      port: 6379
      db: 1
      password: ...
      key_prefix: pln123
      use_ssl: false
      lock_lifetime: 10
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig

from bot.identifiers import mask
from bot.rasa_runtime.settings import DEFAULT_LOCK_LIFETIME_S, LockSettings

logger = logging.getLogger(__name__)

RENEWALS_PER_LIFETIME = 3

# KEYS[1]: the conversation's hash; ARGV: operation, ticket number, lifetime (ms).
# issue -> the new ticket's number; status -> 0 when the ticket is served, else how many
# tickets are before it, -1 when it is gone; renew -> 1, 0 when it is gone; release -> 0.
_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local key, op, mine = KEYS[1], ARGV[1], ARGV[2]
local clock = redis.call('TIME')
local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local now = math.floor(now_us / 1000)
if op == 'release' then redis.call('HDEL', key, mine) end
local mine_number = tonumber(mine)
local seq, live, latest, ahead, found = 0, 0, 0, 0, false
local flat = redis.call('HGETALL', key)
for i = 1, #flat, 2 do
  local field, value = flat[i], tonumber(flat[i + 1])
  if field == 'seq' then
    seq = value
  elseif value <= now then
    redis.call('HDEL', key, field)
  else
    live = live + 1
    if value > latest then latest = value end
    if field == mine then
      found = true
    elseif mine_number and tonumber(field) < mine_number then
      ahead = ahead + 1
    end
  end
end
local result = 0
if op == 'issue' then
  local number = math.max(seq + 1, now_us)
  local expires = now + tonumber(ARGV[3])
  local field = string.format('%d', number)
  redis.call('HSET', key, 'seq', field, field, expires)
  live = live + 1
  latest = math.max(latest, expires)
  result = number
elseif op == 'renew' then
  if found then
    local expires = now + tonumber(ARGV[3])
    redis.call('HSET', key, mine, expires)
    latest = math.max(latest, expires)
    result = 1
  end
elseif op == 'status' then
  if found then result = ahead else result = -1 end
end
if live == 0 then
  redis.call('DEL', key)
else
  redis.call('PEXPIREAT', key, latest)
end
return result
"""


def _lifetime(configured: Any) -> float:
    """``configured`` (endpoints.yml), else ``TICKET_LOCK_LIFETIME``, else 10 s."""
    value = configured if configured not in (None, "") else LockSettings.from_env().lifetime_s
    lifetime = float(value) if value not in (None, "", "0", 0) else DEFAULT_LOCK_LIFETIME_S
    if lifetime <= 0:
        raise ValueError(f"lock_lifetime must be positive, not {value!r}")
    return lifetime


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis, each change one atomic script, tickets renewed while their
    turn lives."""

    def __init__(self, endpoint_config: EndpointConfig | None = None,
                 **settings: Any) -> None:
        """Rasa passes ``endpoint_config`` (its ``url`` is the host); the settings of
        ``RedisLockStore`` and ``lock_lifetime`` may also be given by name."""
        if endpoint_config is not None:
            settings = {**endpoint_config.kwargs, **settings}
            if endpoint_config.url:
                settings.setdefault("host", endpoint_config.url)
        self._configure(**settings)
        super().__init__()

    def _configure(
        self,
        host: str = "localhost",
        port: int | str = 6379,
        db: int | str = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        ssl_ca_certs: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float | str = DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
        lock_lifetime: float | str | None = None,
    ) -> None:
        self.red = redis.StrictRedis(
            host=host, port=int(port), db=int(db), username=username, password=password,
            ssl=use_ssl, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
            ssl_ca_certs=ssl_ca_certs, socket_timeout=float(socket_timeout),
            socket_connect_timeout=float(socket_timeout))
        self.lock_lifetime = _lifetime(lock_lifetime)
        # as upstream: "<prefix>:lock:" for an alphanumeric prefix, else "lock:"
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        if key_prefix:
            if isinstance(key_prefix, str) and key_prefix.isalnum():
                self.key_prefix = f"{key_prefix}:{DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX}"
            else:
                logger.warning("Omitting provided non-alphanumeric redis key prefix: '%s'. "
                               "Using default '%s' instead.", key_prefix, self.key_prefix)
        self._script = self.red.register_script(_SCRIPT)

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _run(self, operation: str, conversation_id: str, ticket: int | None = None,
             lifetime: float = 0.0) -> int:
        return int(self._script(
            keys=[self._key(conversation_id)],
            args=[operation, "" if ticket is None else str(ticket),
                  str(max(1, round(lifetime * 1000)))]))

    # the ticket lock's steps, each one script

    def issue_ticket(self, conversation_id: str, lock_lifetime: float | None = None) -> int:
        """A new ticket, last of the conversation's queue, living ``lock_lifetime``."""
        lifetime = self.lock_lifetime if lock_lifetime is None else float(lock_lifetime)
        logger.debug("Issuing ticket for conversation '%s'.", mask(conversation_id))
        try:
            return self._run("issue", conversation_id, lifetime=lifetime)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def renew_ticket(self, conversation_id: str, ticket: int, lock_lifetime: float) -> bool:
        """The ticket lives ``lock_lifetime`` from now; False when it is gone."""
        return bool(self._run("renew", conversation_id, ticket, lock_lifetime))

    def tickets_before(self, conversation_id: str, ticket: int) -> int:
        """0 when ``ticket`` is served, else how many tickets are before it; -1 when it
        is gone (expired)."""
        return self._run("status", conversation_id, ticket)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket (and the conversation's key when no ticket remains)."""
        self._run("release", conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """As upstream: the ticket goes, the lock with it when no one waits (one step)."""
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets."""
        self._run("status", conversation_id)

    # the upstream interface, read-only: the queue as a TicketLock

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """A snapshot of the conversation's tickets (None without any)."""
        stored = self.red.hgetall(self._key(conversation_id))
        tickets = sorted(
            (Ticket(int(number), int(expires) / 1000.0)
             for number, expires in stored.items() if number != b"seq"),
            key=lambda ticket: ticket.number)
        return TicketLock(conversation_id, deque(tickets)) if tickets else None

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(self._key(conversation_id))))

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError(
            "AtomicRedisLockStore changes tickets only by its atomic scripts")

    def is_someone_waiting(self, conversation_id: str) -> bool:
        lock = self.get_lock(conversation_id)
        return bool(lock and lock.is_someone_waiting())

    # Rasa's entry point

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold ``conversation_id``'s lock for the ``async with`` block: wait for it,
        checking every ``wait_time_in_seconds``; the ticket (``lock_lifetime``, default
        the store's) is renewed while it waits and while the block runs. Raises
        ``LockError`` when the ticket cannot be issued or expired while waiting."""
        lifetime = self.lock_lifetime if lock_lifetime is None else float(lock_lifetime)
        ticket = self.issue_ticket(conversation_id, lifetime)
        renewal = asyncio.create_task(self._keep_alive(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            renewal.cancel()
            try:
                self.cleanup(conversation_id, ticket)
            except redis.RedisError as error:
                logger.error("Could not release the lock of conversation '%s' (%s): it "
                             "expires within %.0f s.", mask(conversation_id), error, lifetime)

    async def _acquire_lock(self, conversation_id: str, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        logger.debug("Acquiring lock for conversation '%s'.", mask(conversation_id))
        while True:
            try:
                before = self.tickets_before(conversation_id, ticket)
                if before == 0:
                    logger.debug("Acquired lock for conversation '%s'.",
                                 mask(conversation_id))
                    return self.get_lock(conversation_id) or self.create_lock(conversation_id)
            except redis.RedisError as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            if before < 0:
                break
            logger.debug("Failed to acquire lock for conversation ID '%s' because %d other "
                         "item(s) for this conversation ID have to be finished processing "
                         "first. Retrying in %s seconds ...", mask(conversation_id), before,
                         wait_time_in_seconds)
            await asyncio.sleep(wait_time_in_seconds)
        raise LockError(
            f"Could not acquire lock for conversation_id '{mask(conversation_id)}'.")

    async def _keep_alive(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        """Renew the ticket every third of its lifetime until cancelled (a Redis error is
        logged and the renewal tried again at the next third)."""
        while True:
            await asyncio.sleep(lifetime / RENEWALS_PER_LIFETIME)
            try:
                if not self.renew_ticket(conversation_id, ticket, lifetime):
                    logger.error("The lock of conversation '%s' expired while its turn "
                                 "lived (its event loop was blocked for %.0f s?).",
                                 mask(conversation_id), lifetime)
                    return
            except redis.RedisError as error:
                logger.warning("Could not renew the lock of conversation '%s': %s",
                               mask(conversation_id), error)
