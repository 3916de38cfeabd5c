"""Conversation locks shared by several Rasa processes through Redis: upstream's
``RedisLockStore`` lets two processes hold one conversation at once (its ticket is read,
edited and written back); ``AtomicRedisLockStore`` does not, serves tickets in order,
survives long turns and frees a killed holder's conversation within the lifetime.

The processes are spawned (each its own store and Redis connection), on Redis db 12,
every key under a prefix of the test's own, deleted at the end. Skipped when Redis is not
reachable on 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import signal
import socket
import time
from collections.abc import Iterator

import pytest

REDIS_DB = 12
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def prefix() -> Iterator[str]:
    """An alphanumeric key prefix of this test's own; its keys are deleted afterwards."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import redis

    name = f"t{secrets.token_hex(4)}"
    yield name
    red = redis.Redis(db=REDIS_DB)
    for key in red.scan_iter(f"{name}:*"):
        red.delete(key)
    red.close()


def _redis():
    import redis

    return redis.Redis(db=REDIS_DB)


def _lock_keys(prefix: str) -> list[bytes]:
    return list(_redis().scan_iter(f"{prefix}:lock:*"))


def _atomic(prefix: str, **settings):
    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    return AtomicRedisLockStore(host="127.0.0.1", port=6379, db=REDIS_DB, key_prefix=prefix,
                                **settings)


def _store(kind: str, prefix: str, **hook):
    """The store of ``kind`` ("upstream" or "atomic"); with ``hook`` (the events
    ``read``, ``go``), it pauses while it issues a ticket: upstream between reading the
    conversation's lock and saving it with the new ticket, the atomic store before its
    (single-step) issue. It records the tickets it issued in ``issued``."""
    from rasa.core.lock_store import RedisLockStore

    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    class Upstream(RedisLockStore):
        def get_or_create_lock(self, conversation_id):
            lock = super().get_or_create_lock(conversation_id)
            if hook:
                hook["read"].set()
                hook["go"].wait(10)
            return lock

        def issue_ticket(self, conversation_id, lock_lifetime=10):
            self.issued.append(super().issue_ticket(conversation_id, lock_lifetime))
            return self.issued[-1]

    class Atomic(AtomicRedisLockStore):
        def issue_ticket(self, conversation_id, lock_lifetime=None):
            if hook:
                hook["read"].set()
                hook["go"].wait(10)
            self.issued.append(super().issue_ticket(conversation_id, lock_lifetime))
            return self.issued[-1]

    cls = Upstream if kind == "upstream" else Atomic
    store = cls(host="127.0.0.1", port=6379, db=REDIS_DB, key_prefix=prefix)
    store.issued = []
    return store


# -- the processes (module level: spawned children import them) -------------------------

def _paused_turn(kind, prefix, conversation, read, go, inside, results):
    """Takes the conversation's lock pausing while it issues its ticket (until ``go``),
    then says it is ``inside``."""
    store = _store(kind, prefix, read=read, go=go)

    async def turn():
        async with store.lock(conversation, 10, wait_time_in_seconds=0.01):
            entered = time.monotonic()
            inside.set()
            await asyncio.sleep(0.2)
        return entered

    entered = asyncio.run(turn())
    results.put(("paused", store.issued, entered))


def _plain_turn(kind, prefix, conversation, read, go, inside, results):
    """Once the other process has read the lock, takes it and, holding it, lets the other
    go on, then waits up to 2 s for the other to say it is inside too."""
    store = _store(kind, prefix)
    read.wait(10)

    async def turn():
        async with store.lock(conversation, 10, wait_time_in_seconds=0.01):
            go.set()
            both = await asyncio.get_running_loop().run_in_executor(None, inside.wait, 2.0)
            left = time.monotonic()
        return both, left

    both, left = asyncio.run(turn())
    results.put(("plain", store.issued, both, left))


def _contend(kind, prefix, conversation, sections, start, results):
    """``sections`` critical sections of one conversation, each a non-atomic
    read-sleep-write of a Redis counter, counting the times it found another process
    inside; a LockError is counted, not raised."""
    from rasa.core.lock_store import LockError

    store = _store(kind, prefix)
    red = _redis()
    inside, counter = f"{prefix}:inside", f"{prefix}:counter"

    async def run():
        overlaps = errors = 0
        for _ in range(sections):
            try:
                async with store.lock(conversation, wait_time_in_seconds=0.002):
                    if red.incr(inside) > 1:
                        overlaps += 1
                    value = int(red.get(counter) or 0)
                    await asyncio.sleep(0.001)
                    red.set(counter, value + 1)
                    red.decr(inside)
            except LockError:
                errors += 1
        return overlaps, errors

    start.wait(30)
    results.put(asyncio.run(run()))


def _hold(prefix, conversation, lifetime, held):
    """Takes the conversation's lock and keeps it (until killed)."""
    store = _atomic(prefix, lock_lifetime=lifetime)

    async def forever():
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            held.set()
            await asyncio.sleep(3600)

    asyncio.run(forever())


def _finish(processes, timeout: float = 30.0) -> None:
    for process in processes:
        process.join(timeout)
    for process in processes:
        if process.is_alive():  # only the processes this test started, by their pid
            os.kill(process.pid, signal.SIGKILL)
            process.join()


# -- the tests ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["upstream", "atomic"])
def test_a_ticket_issued_while_another_process_reads_the_lock(kind, prefix):
    """Process A reads the conversation's lock (empty) and pauses before saving its
    ticket; process B takes the lock and, inside, lets A go on. Upstream: A saves the lock
    it read plus its ticket, over B's: both drew ticket 0, A is served at once and the
    two critical sections run together. Atomic: A's ticket comes after B's and A waits
    until B is out."""
    read, go, inside = SPAWN.Event(), SPAWN.Event(), SPAWN.Event()
    results = SPAWN.Queue()
    args = (kind, prefix, "c-1", read, go, inside, results)
    processes = [SPAWN.Process(target=_paused_turn, args=args),
                 SPAWN.Process(target=_plain_turn, args=args)]
    for process in processes:
        process.start()
    try:
        got = {result[0]: result[1:] for result in (results.get(timeout=20),
                                                     results.get(timeout=20))}
    finally:
        _finish(processes)
    paused_tickets, paused_entered = got["paused"]
    plain_tickets, both_inside, plain_left = got["plain"]
    if kind == "upstream":
        assert paused_tickets == plain_tickets == [0]  # the same ticket, twice
        assert both_inside  # the race: two turns of one conversation at once
        assert paused_entered < plain_left
    else:
        assert paused_tickets[0] > plain_tickets[0]
        assert not both_inside
        assert paused_entered > plain_left
        assert _lock_keys(prefix) == []


def test_three_processes_contending_never_overlap_nor_lose_an_increment(prefix):
    processes_, sections = 3, 200
    start, results = SPAWN.Event(), SPAWN.Queue()
    processes = [SPAWN.Process(target=_contend,
                               args=("atomic", prefix, "c-2", sections, start, results))
                 for _ in range(processes_)]
    for process in processes:
        process.start()
    try:
        start.set()
        outcomes = [results.get(timeout=60) for _ in processes]
    finally:
        _finish(processes)
    assert outcomes == [(0, 0)] * processes_  # (overlaps, LockErrors) per process
    red = _redis()
    assert int(red.get(f"{prefix}:counter")) == processes_ * sections
    assert _lock_keys(prefix) == []


def test_tickets_are_served_in_their_order(prefix):
    store = _atomic(prefix)
    order = []

    async def turn(number):
        async with store.lock("c-3", wait_time_in_seconds=0.005):
            order.append(number)
            await asyncio.sleep(0.005)

    async def scenario():
        await asyncio.gather(*(turn(number) for number in range(10)))

    asyncio.run(scenario())
    assert order == list(range(10))
    assert _lock_keys(prefix) == []


def test_a_killed_holder_frees_the_conversation_within_the_lifetime(prefix):
    lifetime = 2.0
    held = SPAWN.Event()
    holder = SPAWN.Process(target=_hold, args=(prefix, "c-4", lifetime, held))
    holder.start()
    try:
        assert held.wait(20)
        store = _atomic(prefix, lock_lifetime=lifetime)

        async def take():
            async with store.lock("c-4", wait_time_in_seconds=0.05):
                return time.monotonic()

        # alive, the holder keeps its lock past its lifetime (renewed)
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(asyncio.wait_for(take(), 1.5 * lifetime))
        os.kill(holder.pid, signal.SIGKILL)
        killed = time.monotonic()
        taken = asyncio.run(asyncio.wait_for(take(), lifetime + 5))
    finally:
        _finish([holder], timeout=5)
    assert taken - killed <= lifetime + 1.0
    assert _lock_keys(prefix) == []


def test_a_turn_longer_than_the_lifetime_keeps_its_lock(prefix, monkeypatch):
    """Two stores (as two processes): the second waits while the first's turn lasts four
    lifetimes. Without the renewal the second gets in during that turn."""
    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    lifetime, turn_s = 0.5, 2.0
    red = _redis()
    key = f"{prefix}:lock:c-5"

    async def scenario():
        first, second = _atomic(prefix, lock_lifetime=lifetime), _atomic(prefix)
        times = {}

        async def long_turn():
            async with first.lock("c-5", wait_time_in_seconds=0.01):
                times["first in"] = time.monotonic()
                ttls = []
                while time.monotonic() - times["first in"] < turn_s:
                    ttls.append(red.pttl(key))
                    await asyncio.sleep(0.05)
                times["ttl"] = max(ttls)
                times["first out"] = time.monotonic()

        async def next_turn():
            await asyncio.sleep(0.1)
            async with second.lock("c-5", lifetime, wait_time_in_seconds=0.01):
                times["second in"] = time.monotonic()

        await asyncio.gather(long_turn(), next_turn())
        return times

    times = asyncio.run(scenario())
    assert times["second in"] >= times["first out"]
    assert 0 < times["ttl"] <= lifetime * 1000  # and the key never lives longer
    assert _lock_keys(prefix) == []

    async def no_renewal(self, *_args):
        return None

    monkeypatch.setattr(AtomicRedisLockStore, "_keep_alive", no_renewal)
    times = asyncio.run(scenario())
    assert times["second in"] < times["first out"]


def test_a_waiting_ticket_that_expired_raises_lock_error(prefix, monkeypatch):
    from rasa.core.lock_store import LockError

    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    store = _atomic(prefix)
    holder = store.issue_ticket("c-6", 5.0)

    async def no_renewal(self, *_args):
        return None

    monkeypatch.setattr(AtomicRedisLockStore, "_keep_alive", no_renewal)

    async def wait():
        async with store.lock("c-6", 0.3, wait_time_in_seconds=0.05):
            pass

    with pytest.raises(LockError, match="Could not acquire lock"):
        asyncio.run(wait())
    store.cleanup("c-6", holder)
    assert _lock_keys(prefix) == []


def test_no_key_outlives_its_tickets(prefix):
    store = _atomic(prefix)
    red = _redis()

    async def scenario():
        async with store.lock("c-7", wait_time_in_seconds=0.01):
            pass
        with pytest.raises(RuntimeError):
            async with store.lock("c-8", wait_time_in_seconds=0.01):
                raise RuntimeError("the turn failed")
        with pytest.raises(asyncio.TimeoutError):  # cancelled while waiting
            async with store.lock("c-9", wait_time_in_seconds=0.01):
                await asyncio.wait_for(_take(store, "c-9"), 0.1)

    asyncio.run(scenario())
    assert _lock_keys(prefix) == []

    store.issue_ticket("c-10", 0.3)  # never released (its process died)
    assert 0 < red.pttl(f"{prefix}:lock:c-10") <= 300
    time.sleep(0.4)
    assert _lock_keys(prefix) == []


async def _take(store, conversation):
    async with store.lock(conversation, wait_time_in_seconds=0.01):
        pass


def test_redis_unreachable_or_silent_raises_lock_error_in_time(prefix):
    from rasa.core.lock_store import LockError

    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    silent = socket.socket()  # listens, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, not listening: refused
    try:
        for port in (closed.getsockname()[1], silent.getsockname()[1]):
            store = AtomicRedisLockStore(host="127.0.0.1", port=port, socket_timeout=0.5)

            async def turn(store=store):
                async with store.lock("c-11"):
                    pass

            started = time.monotonic()
            with pytest.raises(LockError):
                asyncio.run(turn())
            assert time.monotonic() - started < 2.0
    finally:
        silent.close()
        closed.close()


def test_rasa_builds_it_from_the_endpoint_config(prefix, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_runtime.lock_store import AtomicRedisLockStore

    def create(**settings):
        return LockStore.create(EndpointConfig.from_dict({
            "type": "bot.rasa_runtime.lock_store.AtomicRedisLockStore", "url": "127.0.0.1",
            "port": "6379", "db": str(REDIS_DB), "key_prefix": prefix, **settings}))

    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    store = create(lock_lifetime="3")
    assert isinstance(store, AtomicRedisLockStore)
    assert store.lock_lifetime == 3.0
    assert store.key_prefix == f"{prefix}:lock:"
    assert store.red.connection_pool.connection_kwargs["db"] == REDIS_DB
    assert create().lock_lifetime == 10.0
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "7")
    assert create().lock_lifetime == 7.0
    assert create(lock_lifetime=4).lock_lifetime == 4.0

    async def turn():
        async with store.lock("c-12") as lock:  # upstream's context manager
            return [ticket.number for ticket in lock.tickets]

    assert len(asyncio.run(turn())) == 1
    assert _lock_keys(prefix) == []


def test_the_upstream_it_reproduces_is_rasa_3_6_21s():
    """The store keeps the behaviour of these upstream functions (read them again before
    trusting it on another Rasa)."""
    from rasa.core import lock_store as upstream

    import bot.rasa_runtime as runtime

    expected = {
        upstream.LockStore.lock: "8b9b716c031a3444",
        upstream.LockStore._acquire_lock: "ead2fff373291c24",
        upstream.LockStore.cleanup: "f2ba1745c8153f92",
        upstream.LockStore.issue_ticket: "4dfdfb5e62c1dda9",
        upstream.RedisLockStore.__init__: "829e898a8cddff8d",
        upstream._create_from_endpoint_config: "ae5a478106fa1e5a",
    }
    for function, fingerprint in expected.items():
        assert runtime.fingerprint(getattr(function, "__wrapped__", function)) == fingerprint
