"""Personal data leaves the tracker's SQLite files, not only its rows: after a redaction
(and a retention purge) neither the database file nor its write-ahead log (``-wal``) holds
a NIK, phone number, e-mail or address in clear, in any page, free ones included."""

from __future__ import annotations

import asyncio
import time

from rasa.shared.core.events import UserUttered

from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore
from tests.rasa_runtime.test_personal_data_storage import DOMAIN, NIK, a_registration

SENDER = "whatsapp:6281234500101"


def clear_bytes(db) -> dict[str, bool]:
    """Whether each SQLite file holds the NIK in clear."""
    files = {"database": db, "write-ahead log": db.with_name(db.name + "-wal")}
    return {name: path.exists() and NIK.encode() in path.read_bytes()
            for name, path in files.items()}


def test_a_redaction_leaves_no_clear_bytes_in_the_database_or_its_write_ahead_log(tmp_path):
    db = tmp_path / "tracker.sqlite3"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))

    async def scenario():
        tracker = await store.get_or_create_tracker(SENDER)
        a_registration(tracker, saved=False)  # the turns before the save: clear, as they run
        await store.save(tracker)
        assert any(clear_bytes(db).values())  # written in clear until the save
        for event in (UserUttered("nomor registrasinya?"),):
            tracker.update(event)
        a_registration(tracker, saved=True)
        await store.save(tracker)

    asyncio.run(scenario())
    assert clear_bytes(db) == {"database": False, "write-ahead log": False}


def test_a_purged_conversation_leaves_no_clear_bytes_either(tmp_path):
    db = tmp_path / "tracker.sqlite3"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), retention_days=1)

    async def scenario():
        tracker = await store.get_or_create_tracker(SENDER)
        a_registration(tracker, saved=False)
        await store.save(tracker)

    asyncio.run(scenario())
    assert store.purge_silent_conversations(now=time.time() + 3 * 86400) == 1
    assert clear_bytes(db) == {"database": False, "write-ahead log": False}
