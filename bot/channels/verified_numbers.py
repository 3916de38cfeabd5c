"""Phone numbers a channel has verified as its user's own (Telegram: a contact the user
shared of themself), so that later conversations know the caller (SOP step 1: the CRM's
name; step 13: the number to confirm) without asking again.

One small SQLite table (``PLN_DATA_DIR/channels.sqlite`` by default): (channel, user id) ->
the number, and when it was verified. The numbers are personal data: they are never
logged, and a number is kept ``retention_days`` after it was last shared
(``PLN_VERIFIED_NUMBER_DAYS``, default 180): past that it is not used, and it is deleted
(with ``secure_delete``: its bytes too) when the table is opened and at every new share.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from pydantic import Field

from bot.settings_base import EnvSettings

SCHEMA = """
CREATE TABLE IF NOT EXISTS verified_numbers (
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    PRIMARY KEY (channel, user_id)
)"""


DEFAULT_RETENTION_DAYS = 180.0


class VerifiedNumberSettings(EnvSettings):
    retention_days: float = Field(DEFAULT_RETENTION_DAYS, env="PLN_VERIFIED_NUMBER_DAYS", gt=0)


def _utc(moment: dt.datetime | None) -> str:
    """A moment as stored: ISO 8601 in UTC, so that text order is time order."""
    return (moment or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat()


class VerifiedNumbers:
    def __init__(self, path: str | Path, retention_days: float | None = None):
        self.path = str(path)
        if retention_days is None:  # the channel's own: read once, when it starts
            retention_days = VerifiedNumberSettings.from_env().retention_days
        self.retention = dt.timedelta(days=retention_days)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute(SCHEMA)
        self.forget_expired()

    def _cutoff(self, now: dt.datetime | None) -> str:
        return _utc((now or dt.datetime.now(dt.timezone.utc)) - self.retention)

    def forget_expired(self, now: dt.datetime | None = None) -> int:
        """Delete the numbers shared longer ago than the retention; how many went."""
        with self._lock:
            gone = self._db.execute("DELETE FROM verified_numbers WHERE verified_at < ?",
                                    (self._cutoff(now),)).rowcount
            if gone:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone

    def remember(self, channel: str, user_id: str, phone: str,
                 now: dt.datetime | None = None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO verified_numbers (channel, user_id, phone, verified_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, user_id) DO UPDATE SET "
                "phone = excluded.phone, verified_at = excluded.verified_at",
                (channel, str(user_id), phone, _utc(now)))
        self.forget_expired(now)

    def get(self, channel: str, user_id: str, now: dt.datetime | None = None) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT phone FROM verified_numbers WHERE channel = ? AND user_id = ? "
                "AND verified_at >= ?", (channel, str(user_id), self._cutoff(now))).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
