"""Phone numbers a channel has verified as its user's own (Telegram: a contact the user
shared of themself), so that later conversations know the caller (SOP step 1: the CRM's
name; step 13: the number to confirm) without asking again.

One small SQLite table (``PLN_DATA_DIR/channels.sqlite`` by default): (channel, user id) ->
the number, and when it was verified. The numbers are personal data: they are never
logged.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS verified_numbers (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    PRIMARY KEY (channel, user_id)
)"""


class VerifiedNumbers:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)

    def remember(self, channel: str, user_id: str, phone: str,
                 now: dt.datetime | None = None) -> None:
        moment = (now or dt.datetime.now(dt.timezone.utc)).isoformat()
        with self._lock:
            self._db.execute(
                "INSERT INTO verified_numbers (channel, user_id, phone, verified_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, user_id) DO UPDATE SET "
                "phone = excluded.phone, verified_at = excluded.verified_at",
                (channel, str(user_id), phone, moment))

    def get(self, channel: str, user_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT phone FROM verified_numbers WHERE channel = ? AND user_id = ?",
                (channel, str(user_id))).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
