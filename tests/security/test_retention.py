"""Personal data is kept only as long as it serves: the tracker's retention runs on a
timer (a quiet night included, not only when traffic arrives), and a Telegram user's
shared number is forgotten after its retention, its bytes gone from the file too."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from bot.channels.verified_numbers import VerifiedNumbers
from bot.rasa_runtime import tracker_store
from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore
from tests.rasa_runtime.test_personal_data_storage import DOMAIN, NIK, a_registration

NOW = dt.datetime(2026, 12, 8, 3, 0, tzinfo=dt.timezone.utc)
PHONE = "+6281234500101"


def test_a_shared_number_is_not_used_after_its_retention_and_then_deleted(tmp_path):
    db = tmp_path / "channels.sqlite3"
    numbers = VerifiedNumbers(db, retention_days=180)
    numbers.remember("telegram", "42", PHONE, now=NOW - dt.timedelta(days=181))
    numbers.remember("telegram", "43", "+6281299990000", now=NOW - dt.timedelta(days=10))
    assert numbers.get("telegram", "42", now=NOW) is None  # expired: not used
    assert numbers.get("telegram", "43", now=NOW) == "+6281299990000"
    assert numbers.forget_expired(now=NOW) == 1
    numbers.close()
    for path in (db, db.with_name(db.name + "-wal")):
        assert not path.exists() or PHONE.encode() not in path.read_bytes(), path.name


def test_the_tracker_deletes_silent_conversations_on_its_timer_without_traffic(
        tmp_path, monkeypatch):
    monkeypatch.setattr(tracker_store, "PURGE_EVERY_S", 0.2)
    db = tmp_path / "tracker.sqlite3"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db),
                                  retention_days=1 / 86400)  # one second

    async def scenario():
        tracker = await store.get_or_create_tracker("rest:quiet")
        a_registration(tracker, saved=False)
        await store.save(tracker)

    asyncio.run(scenario())
    deadline = time.monotonic() + 10
    while NIK.encode() in db.read_bytes() + _wal(db) and time.monotonic() < deadline:
        time.sleep(0.2)  # no message arrives: only the timer can delete it
    assert NIK.encode() not in db.read_bytes() + _wal(db)


def _wal(db) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_expired_console_sessions_are_deleted_not_only_refused(tmp_path):
    from bot.console.store import ConsoleStore

    now = [1_000_000.0]
    store = ConsoleStore(tmp_path / "console.sqlite3", clock=lambda: now[0])
    store.add_user("sari", "kata-sandi-panjang")
    left = store.sign_in("sari", "kata-sandi-panjang")
    now[0] += store.settings.idle_s + 1  # left idle, never used again
    store.sign_in("sari", "kata-sandi-panjang")  # anyone's later sign-in clears it
    rows = store._db.execute("SELECT count(*) FROM sessions").fetchone()[0]
    assert rows == 1 and store.session(left.token) is None


def test_the_development_mail_sink_keeps_messages_only_days(tmp_path):
    import os

    from bot.notify.sink import SaveToFolder

    folder = tmp_path / "mail"
    folder.mkdir()
    old, new = folder / "old.eml", folder / "new.eml"
    for path in (old, new):
        path.write_text("To: budi@example.com\n\nJl. Dago No. 12")
    os.utime(old, (time.time() - 8 * 86400,) * 2)
    SaveToFolder(folder, keep_days=7)
    assert not old.exists() and new.exists()


def test_apkt_tickets_are_deleted_after_their_retention(tmp_path):
    from fastapi.testclient import TestClient

    from bot.backoffice.app import create_app
    from tests.backoffice.backoffice_helpers import sqlite_settings

    ticket = {"kind": "cso_handoff", "reason": "Pelanggan minta CS", "sop_step": 5,
              "conversation_id": "whatsapp:p-0123456789abcdef01234567", "data": {}}
    created = dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    settings = sqlite_settings(tmp_path, fixed_now=created)
    with TestClient(create_app(settings)) as api:
        assert api.post("/apkt/tickets", json=ticket).status_code == 201
    a_year_later = sqlite_settings(tmp_path, fixed_now=created + dt.timedelta(days=366))
    with TestClient(create_app(a_year_later)) as api:  # the purge runs before it serves
        assert api.get("/apkt/tickets", params={"conversation_id":
                                                ticket["conversation_id"]}).json() == []
