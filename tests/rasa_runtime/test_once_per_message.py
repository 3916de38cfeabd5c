"""A customer message is processed once, whichever instance it reaches: the conversation in
the tracker store answers whether it was (``CachedSQLTrackerStore.replies_to``), and the
processor sends the replies it had instead of a second turn (``once_per_message``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.rasa_runtime as runtime
from bot.rasa_runtime.once_per_message import handle_message_once
from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
ODD_ID = 'wamid.a%b_c\\d"e'  # LIKE's wildcards, a backslash and a quote


@pytest.fixture
def store(tmp_path):
    return CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.sqlite3"))


def conversation(sender: str = "c1") -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("halo", metadata={"message_id": "m1", "channel": "rest"}),
        BotUttered("Selamat siang", metadata={"utter_action": "utter_greet"}),
        ActionExecuted("action_listen"),
        UserUttered("mau tambah daya", metadata={"message_id": ODD_ID}),
        BotUttered("Sudah siap?", data={"buttons": [{"title": "Sudah", "payload": "sudah"}]}),
        BotUttered("", data={"custom": {"handoff": True}}),
        ActionExecuted("action_listen"),
        UserUttered("sudah", metadata={"message_id": "m3"}),
    ]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


def test_the_store_tells_the_replies_to_a_message_it_holds(store):
    asyncio.run(store.save(conversation()))
    assert asyncio.run(store.replies_to("c1", "m1")) == [{"text": "Selamat siang"}]
    assert asyncio.run(store.replies_to("c1", ODD_ID)) == [
        {"text": "Sudah siap?", "buttons": [{"title": "Sudah", "payload": "sudah"}]},
        {"custom": {"handoff": True}}]
    assert asyncio.run(store.replies_to("c1", "m3")) == []  # held, nothing answered yet
    assert asyncio.run(store.replies_to("c1", "m9")) is None
    assert asyncio.run(store.replies_to("c2", "m1")) is None  # another customer's id
    assert asyncio.run(store.replies_to("c1", "wamid.aXbYc\\d\"e")) is None  # no wildcard


class Processor:
    def __init__(self, tracker_store):
        self.tracker_store = tracker_store
        self.processed = []


async def upstream(processor, message):
    processor.processed.append(message.text)
    await message.output_channel.send_response(message.sender_id, {"text": "baru"})
    return message.output_channel.messages


def message(message_id: str | None) -> UserMessage:
    metadata = {"message_id": message_id} if message_id else {}
    return UserMessage("halo", CollectingOutputChannel(), "c1", metadata=metadata)


def test_a_message_held_is_answered_again_without_a_turn(store):
    asyncio.run(store.save(conversation()))
    # as Rasa holds it: inside its own wrappers
    processor = Processor(FailSafeTrackerStore(store))
    again = asyncio.run(handle_message_once(upstream, processor, message(ODD_ID)))
    assert processor.processed == []
    assert again == [
        {"recipient_id": "c1", "text": "Sudah siap?",
         "buttons": [{"title": "Sudah", "payload": "sudah"}]},
        {"recipient_id": "c1", "custom": {"handoff": True}}]


def test_a_new_message_or_one_without_an_id_is_processed(store):
    asyncio.run(store.save(conversation()))
    processor = Processor(store)
    assert asyncio.run(handle_message_once(upstream, processor, message("m4")))[0]["text"] == "baru"
    assert asyncio.run(handle_message_once(upstream, processor, message(None)))[0]["text"] == "baru"
    assert processor.processed == ["halo", "halo"]


def test_a_store_that_cannot_tell_leaves_rasa_as_it_is():
    processor = Processor(object())  # no replies_to: e.g. the in-memory store of `rasa shell`
    asyncio.run(handle_message_once(upstream, processor, message("m1")))
    assert processor.processed == ["halo"]


class BrokenStore:
    async def retrieve(self, sender_id):
        raise ConnectionError("database down")

    async def retrieve_full_tracker(self, sender_id):
        raise ConnectionError("database down")

    async def save(self, tracker):
        raise ConnectionError("database down")


def test_a_failing_tracker_store_fails_the_message_instead_of_forgetting_it():
    """Upstream answers None (a new conversation mid-request) and saves in one process's
    memory; here the failure reaches the channel, which tells the customer."""
    runtime.install()
    wrapped = FailSafeTrackerStore.__new__(FailSafeTrackerStore)
    wrapped._tracker_store, wrapped._fallback_tracker_store = BrokenStore(), None
    for call in (wrapped.retrieve("c1"), wrapped.retrieve_full_tracker("c1"),
                 wrapped.save(conversation())):
        with pytest.raises(ConnectionError):
            asyncio.run(call)
    assert wrapped._fallback_tracker_store is None  # nothing kept in memory


def test_a_failing_database_is_logged_without_the_customers_words(caplog):
    """SQLAlchemy's error text carries the statement's parameters (a NIK, an address): the
    log keeps the driver's first line only."""
    import sqlalchemy as sa

    class RefusingStore(BrokenStore):
        async def save(self, tracker):
            raise sa.exc.IntegrityError("INSERT INTO events (data) VALUES (%(data)s)",
                                        {"data": "NIK 3273011508850001, Jl. Dago Asri 7"},
                                        Exception("duplicate key value\nDETAIL: Key (id)"))

    runtime.install()
    wrapped = FailSafeTrackerStore.__new__(FailSafeTrackerStore)
    wrapped._tracker_store, wrapped._fallback_tracker_store = RefusingStore(), None
    with pytest.raises(sa.exc.IntegrityError):
        asyncio.run(wrapped.save(conversation()))
    assert "could not save a conversation (IntegrityError: duplicate key value)" in caplog.text
    assert "Dago" not in caplog.text and "3273011508850001" not in caplog.text
