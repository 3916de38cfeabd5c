"""Personal data in the tracker store (issue 16): once the registration is saved, the
stored conversation keeps no NIK, phone number, e-mail or address in clear; conversations
silent for longer than the retention are deleted."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore
from bot.redaction import REDACT_SLOT, personal_values, redacted

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
NIK, PHONE, EMAIL = "3273011508850001", "081234500101", "budi.santoso@gmail.com"
ADDRESS = "Jl. Dago No. 12, Bandung"
SECRETS = (NIK, PHONE, EMAIL, "Jl. Dago No. 12", "6281234500101", "santoso@")


def stored_rows(db: Path, sender: str) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]


def a_registration(tracker, saved: bool) -> None:
    metadata = {"caller_id": "+6281234500101", "channel": "whatsapp"}
    events = [
        ActionExecuted("action_listen"),
        UserUttered(f"nik saya {NIK}", {"name": "inform"},
                    [{"entity": "nik", "value": NIK, "start": 9, "end": 25}],
                    metadata=metadata),
        SlotSet("owner_nik", NIK), SlotSet("customer_address", ADDRESS),
        ActionExecuted("action_listen"),
        UserUttered(f"email {EMAIL}", {"name": "inform"}, metadata=metadata),
        SlotSet("email", EMAIL), SlotSet("mobile_phone", PHONE),
        BotUttered(f"Kami konfirmasi: alamat {ADDRESS}, Kel. Dago, nomor handphone {PHONE}."),
        SlotSet("registration_number", "532112611270001"),
    ]
    if saved:
        events += [SlotSet(name, None) for name in ("owner_nik", "email", "mobile_phone",
                                                    "customer_address")]
        events.append(SlotSet(REDACT_SLOT, True))
    tracker.update_with_events(events, DOMAIN)


def run(coroutine):
    return asyncio.run(coroutine)


def sqlite_store(tmp_path) -> tuple[CachedSQLTrackerStore, Path]:
    db = tmp_path / "tracker.sqlite3"
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)), db


def test_a_saved_registration_leaves_no_personal_data_in_the_stored_conversation(tmp_path):
    store, db = sqlite_store(tmp_path)

    async def scenario():
        tracker = await store.get_or_create_tracker("whatsapp:6281234500101")
        a_registration(tracker, saved=True)
        await store.save(tracker)
        return await store.retrieve("whatsapp:6281234500101")

    again = run(scenario())
    rows = stored_rows(db, "whatsapp:6281234500101")
    text = "\n".join(rows)
    for secret in SECRETS:
        assert secret not in text, f"{secret} is still stored in clear"
    assert "************0001" in text and "b***@gmail.com" in text  # masked, not deleted
    assert "532112611270001" in text  # the registration number is not personal
    assert again.get_slot("registration_number") == "532112611270001"
    assert again.get_slot("owner_nik") is None


def test_the_turn_that_ends_the_saved_request_is_redacted_too(tmp_path):
    """The closing turn clears every request slot, the redaction's own included, while
    its message still carries the caller id and the refresh sets the caller's phone."""
    store, db = sqlite_store(tmp_path)

    async def scenario():
        tracker = await store.get_or_create_tracker("rest:budi")
        a_registration(tracker, saved=True)
        await store.save(tracker)
        tracker = await store.retrieve("rest:budi")
        tracker.update_with_events([
            ActionExecuted("action_listen"),
            UserUttered("tidak ada", {"name": "deny"}, metadata={"caller_id": PHONE}),
            SlotSet("caller_phone", PHONE), SlotSet(REDACT_SLOT, None)], DOMAIN)
        await store.save(tracker)

    run(scenario())
    text = "\n".join(stored_rows(db, "rest:budi"))
    assert PHONE not in text and "tidak ada" in text


def test_a_conversation_not_yet_saved_keeps_its_data(tmp_path):
    store, db = sqlite_store(tmp_path)

    async def scenario():
        tracker = await store.get_or_create_tracker("rest:andi")
        a_registration(tracker, saved=False)
        await store.save(tracker)

    run(scenario())
    assert NIK in "\n".join(stored_rows(db, "rest:andi"))  # a CSO may still need it


def test_silent_conversations_are_deleted_after_the_retention(tmp_path):
    db = tmp_path / "tracker.sqlite3"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), retention_days=30)

    async def scenario():
        for sender in ("old", "recent"):
            tracker = await store.get_or_create_tracker(sender)
            tracker.update_with_events([UserUttered("halo")], DOMAIN)
            await store.save(tracker)

    run(scenario())
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # "old" last spoke 31 days ago
        connection.execute(sa.text("UPDATE events SET timestamp = :t WHERE sender_id = 'old'"),
                           {"t": time.time() - 31 * 86400})
    assert store.purge_silent_conversations() == 1
    assert stored_rows(db, "old") == [] and stored_rows(db, "recent")
    assert run(store.retrieve("old")) is None


def test_redaction_reads_the_values_from_the_conversation_itself():
    events = [{"event": "slot", "name": "customer_address", "value": ADDRESS},
              {"event": "user", "text": f"alamat saya {ADDRESS}", "metadata":
               {"caller_id": "+6281234500101"}, "parse_data": {"entities": [
                   {"entity": "email", "value": EMAIL}]}},
              {"event": "bot", "text": "nomor lain 0813 5555 0707 dicatat"}]
    values = personal_values(events)
    assert set(values) == {ADDRESS, "+6281234500101", EMAIL}
    clean = [redacted(e, values) for e in events]
    dumped = json.dumps(clean)
    assert ADDRESS not in dumped and EMAIL not in dumped and "6281234500101" not in dumped
    assert "0813 5555 0707" not in dumped  # any phone in a text, as in the logs
    assert clean[0]["value"] == "J*. D*** N*. **, Bandung"
