"""The cached SQL tracker store reads what the database holds, and the event-type table
answers as upstream's walk does."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

import bot.rasa_runtime as runtime
from bot.rasa_runtime.lock_store import AtomicRedisLockStore
from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(autouse=True)
def installed():
    runtime.install()


def test_every_event_type_resolves_as_upstream():
    upstream = Event.resolve_by_type.__wrapped__
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is upstream(cls.type_name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nonsense")


def store(db: Path) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))


def turn(tracker, text: str, slot: str, value) -> None:
    tracker.update_with_events([ActionExecuted("action_listen"), UserUttered(text),
                                SlotSet(slot, value)], DOMAIN)


async def another_instance_goes_on(one, other, sender: str):
    """``one`` saves a turn, ``other`` (another Rasa instance on the same database) goes
    on with the conversation: ``one`` then reads it, not its kept copy."""
    tracker = await one.get_or_create_tracker(sender)
    turn(tracker, "halo", "idpel", "532110000101")
    await one.save(tracker)
    elsewhere = await other.retrieve(sender)
    turn(elsewhere, "3500", "target_power_va", 3500.0)
    await other.save(elsewhere)
    seen = await one.retrieve(sender)
    assert seen is not tracker and seen.get_slot("target_power_va") == 3500.0
    return seen


def test_a_saved_conversation_is_kept_and_what_the_database_holds(tmp_path):
    async def scenario():
        one = store(tmp_path / "t.db")
        tracker = await one.get_or_create_tracker("c-1")
        turn(tracker, "halo", "idpel", "532110000101")
        await one.save(tracker)
        again = await one.retrieve("c-1")
        assert again is tracker  # kept: no read of every event
        turn(again, "2200", "target_power_va", 2200.0)
        await one.save(again)
        fresh = await store(tmp_path / "t.db").retrieve("c-1")  # from the database
        assert [e.as_dict() for e in fresh.events] == [e.as_dict() for e in again.events]
        assert fresh.get_slot("target_power_va") == 2200.0

    asyncio.run(scenario())


def test_another_writer_or_a_failed_turn_makes_it_read_the_database(tmp_path):
    async def scenario():
        one, other = store(tmp_path / "t.db"), store(tmp_path / "t.db")
        seen = await another_instance_goes_on(one, other, "c-2")
        await one.save(seen)
        # a turn that failed half-way: changed, never saved
        half = await one.retrieve("c-2")
        turn(half, "rusak", "target_power_va", 9999.0)
        reread = await one.retrieve("c-2")
        assert reread is not half and reread.get_slot("target_power_va") == 3500.0

    asyncio.run(scenario())


def test_the_cache_is_bounded(tmp_path):
    async def scenario():
        small = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite",
                                      db=str(tmp_path / "t.db"), cache_size=2)
        for n in range(5):
            tracker = await small.get_or_create_tracker(f"c-{n}")
            await small.save(tracker)
        assert list(small._kept) == ["c-3", "c-4"]

    asyncio.run(scenario())


@pytest.mark.postgres
def test_the_production_endpoints_give_postgresql_and_redis(monkeypatch, new_postgres_database):
    """endpoints.production.yml read as Rasa reads it, with its ${...} from the environment:
    the cached store on PostgreSQL (two instances sharing it) and Redis locks."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints

    name = new_postgres_database("pln_tracker_test").rsplit("/", 1)[1]
    for variable, value in {
            "PLN_ACTIONS_URL": "http://127.0.0.1:5055", "PLN_TRACKER_DB_HOST": "127.0.0.1",
            "PLN_TRACKER_DB_PORT": "5432", "PLN_TRACKER_DB_NAME": name,
            "PLN_TRACKER_DB_USER": "postgres", "PLN_TRACKER_DB_PASSWORD": "",
            "PLN_REDIS_HOST": "127.0.0.1", "PLN_REDIS_PORT": "6379",
            "PLN_REDIS_DB": "12", "PLN_ACTIONS_TOKEN": "actions-t"}.items():
        monkeypatch.setenv(variable, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints.action.headers == {"X-PLN-Token": "actions-t"}  # its token, from the env

    async def scenario():
        one = TrackerStore.create(endpoints.tracker_store, domain=DOMAIN)
        other = TrackerStore.create(endpoints.tracker_store, domain=DOMAIN)
        assert isinstance(one, CachedSQLTrackerStore)
        assert one.engine.dialect.name == "postgresql"
        await another_instance_goes_on(one, other, "p-1")
        for store_ in (one, other):
            store_.engine.dispose()

        locks = LockStore.create(endpoints.lock_store)
        assert isinstance(locks, AtomicRedisLockStore)
        assert locks.lock_lifetime == 10.0
        async with locks.lock(f"p-{secrets.token_hex(4)}"):
            pass

    asyncio.run(scenario())


@pytest.mark.postgres
def test_a_server_databases_round_trips_do_not_stall_the_event_loop(new_postgres_database):
    """On PostgreSQL every query of the store runs on its database threads: while one
    conversation waits for a slow database, the event loop serves the others."""
    import threading
    import time

    url = new_postgres_database("pln_tracker_test")
    store_ = CachedSQLTrackerStore(DOMAIN, dialect="postgresql", host="127.0.0.1", port=5432,
                                   db=url.rsplit("/", 1)[1], username="postgres")
    threads: list[str] = []
    slow = store_._replies_to

    def slow_replies_to(sender_id, message_id):
        threads.append(threading.current_thread().name)
        time.sleep(0.6)  # a database that takes its time
        return slow(sender_id, message_id)

    store_._replies_to = slow_replies_to

    async def scenario():
        tracker = DialogueStateTracker.from_events("pg-1", [
            ActionExecuted("action_listen"),
            UserUttered("halo", metadata={"message_id": "m1"})], slots=DOMAIN.slots)
        await store_.save(tracker)
        ticks = 0

        async def ticking():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.create_task(ticking())
        replies = await store_.replies_to("pg-1", "m1")
        ticker.cancel()
        again = await store_.retrieve("pg-1")
        return replies, ticks, again

    try:
        replies, ticks, again = asyncio.run(scenario())
    finally:
        store_.engine.dispose()
    assert replies == [] and again.latest_message.text == "halo"
    assert threads and all(name.startswith("tracker-store") for name in threads)
    assert ticks >= 8  # the loop went on for the 0.6 s (12 ticks of 50 ms at best)
