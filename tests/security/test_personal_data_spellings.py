"""A NIK or a phone number is masked however the customer spelled it (as the assistant
itself reads numbers, ``bot.language.digits``): in every log record, in the stored
conversation once its registration is saved (the database and its write-ahead log), and
in the CSO console's transcript."""

from __future__ import annotations

import asyncio
import logging

import pytest
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from bot import log_privacy
from bot.console import views
from bot.language.digits import find_digit_runs
from bot.language.tokens import Sentence, plain_atoms
from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore
from bot.redaction import REDACT_SLOT
from tests.rasa_runtime.test_personal_data_storage import DOMAIN

NIK, PHONE = "3273011508850001", "081234500101"
SPELLINGS = {
    "NIK in groups with slashes": ("3273/0115/0885/0001", NIK),
    "phone with spaced dashes": ("0812 - 3450 - 0101", PHONE),
    "NIK digit by digit": (" ".join(NIK), NIK),
    "phone in words": ("nol delapan satu dua tiga empat lima nol nol satu nol satu", PHONE),
    "NIK in words with commas": ("tiga dua tujuh tiga, nol satu satu lima, nol delapan "
                                 "delapan lima, nol nol nol satu", NIK),
}


def readable_numbers(text: str) -> set[str]:
    """Every number of 8 digits or more the assistant could read in ``text``."""
    return {run.digits for run in find_digit_runs(Sentence(text, plain_atoms))
            if len(run.digits) >= 8}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_log_record_masks_the_number_however_it_is_spelled(spelling, caplog):
    written, digits = SPELLINGS[spelling]
    log_privacy.install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("pln.test").info("pelanggan menulis: %s", written)
    (logged,) = [r.getMessage() for r in caplog.records if r.name == "pln.test"]
    assert digits not in readable_numbers(logged), logged
    assert logged.endswith(digits[-4:])  # masked down to its last 4 digits, not dropped


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_console_transcript_masks_the_number_however_it_is_spelled(spelling):
    written, digits = SPELLINGS[spelling]
    (line,) = views.transcript([{"event": "user", "text": f"ini nomornya {written}"}])
    assert digits not in readable_numbers(line.text), line.text


def test_the_stored_conversation_keeps_no_spelling_of_them_in_either_sqlite_file(tmp_path):
    db = tmp_path / "tracker.sqlite3"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    sender = "rest:spelled"

    async def scenario():
        tracker = await store.get_or_create_tracker(sender)
        for written, _ in SPELLINGS.values():
            tracker.update_with_events([ActionExecuted("action_listen"),
                                        UserUttered(f"nomor saya {written}")], DOMAIN)
        await store.save(tracker)
        tracker.update_with_events([SlotSet(REDACT_SLOT, True)], DOMAIN)
        await store.save(tracker)
        return await store.retrieve_full_tracker(sender)

    stored = asyncio.run(scenario())
    texts = " | ".join(e.text for e in stored.events if isinstance(e, UserUttered))
    assert not readable_numbers(texts) & {NIK, PHONE}, texts
    for path in (db, db.with_name(db.name + "-wal")):
        content = path.read_bytes() if path.exists() else b""
        for written, _ in SPELLINGS.values():
            assert written.encode() not in content, (path.name, written)
