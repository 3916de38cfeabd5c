"""Conversation ids that name a customer without their phone number.

WhatsApp and the phone know a customer by their number. A conversation id is stored and
shown everywhere (the tracker, tickets, registrations, the console's queue and its live
stream, the audit log), so it carries a keyed pseudonym instead: the HMAC-SHA256 of the
number in E.164 under a key private to the service (``whatsapp:p-3f9c...``,
``voice:p-3f9c...``: the same customer has the same pseudonym on every channel, which
later work joins them by). Without the key nobody can test a guessed number against it.

The number itself is reachable only where a message must be sent: each channel's table of
its pseudonyms' addresses (``ChannelAddresses``, in the data directory's
``channels.sqlite3``, private to the service user), read by the channel that sends, and
shown to a CSO only through the console's audited reveal.

The key: the file ``PLN_PSEUDONYM_KEY_FILE`` names; by default the launcher creates
``$PLN_DATA_DIR/pseudonym.key`` (0600) once and keeps it, since a new key would give every
returning customer a new conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path

from bot.identifiers import digits_only, parse_phone

KEY_FILE_SETTING = "PLN_PSEUDONYM_KEY_FILE"
KEY_FILE_NAME = "pseudonym.key"
PREFIX = "p-"
DIGEST_CHARS = 24  # 96 bits: no two customers share one
ADDRESS_RETENTION_DAYS = 60.0  # past a registration's 30 days and its reminders
REFRESH_S = 3600.0  # a customer's row is rewritten at most this often (not every message)
RECENT_KEPT = 100_000


class PseudonymKeyMissing(RuntimeError):
    """No key: conversation ids would carry numbers in clear."""


def e164(number: str) -> str:
    """The number as +<country><number> (an Indonesian 08... read as +628...)."""
    phone = parse_phone(number)
    if phone is not None:
        return phone.e164
    return f"+{digits_only(number)}"


def pseudonym(key: bytes, number: str) -> str:
    """The customer's pseudonym: the HMAC-SHA256 of their number in E.164 under ``key``."""
    digest = hmac.new(key, e164(number).encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGEST_CHARS]


def is_pseudonym(address: str) -> bool:
    return address.startswith(PREFIX) and len(address) == len(PREFIX) + DIGEST_CHARS


def load_key(path: str | Path) -> bytes:
    text = Path(path).read_text().strip()
    if not text:
        raise PseudonymKeyMissing(f"the pseudonym key file {path} is empty")
    return text.encode()


def ensure_key_file(data_dir: str | Path) -> Path:
    """``$PLN_DATA_DIR/pseudonym.key``, created once (0600) with 256 random bits."""
    path = Path(data_dir) / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    return path


SCHEMA = """
CREATE TABLE IF NOT EXISTS channel_addresses (
    channel TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    address TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (channel, pseudonym)
)"""


class ChannelAddresses:
    """Where a channel reaches a pseudonym's customer (a WhatsApp ``wa_id``): written when
    the customer writes, read only to send; kept ``ADDRESS_RETENTION_DAYS`` after the
    customer last wrote."""

    def __init__(self, path: str | Path, key: bytes,
                 retention_days: float = ADDRESS_RETENTION_DAYS):
        self.key = key
        self.retention = dt.timedelta(days=retention_days)
        if str(path) != ":memory:":
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        # (channel, pseudonym) -> when this process last wrote it: a customer's messages
        # cost a database write once an hour, not each
        self._written: OrderedDict[tuple[str, str], float] = OrderedDict()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute(SCHEMA)

    def pseudonym(self, number: str) -> str:
        return pseudonym(self.key, number)

    def remember(self, channel: str, address: str, number: str | None = None) -> str:
        """Record where ``channel`` reaches the customer of ``number`` (default: the
        address itself); the customer's pseudonym."""
        name = self.pseudonym(number or address)
        if time.monotonic() - self._written.get((channel, name), -REFRESH_S) < REFRESH_S:
            return name
        now = dt.datetime.now(dt.timezone.utc)
        with self._lock:
            self._db.execute(
                "INSERT INTO channel_addresses VALUES (?, ?, ?, ?) ON CONFLICT (channel, "
                "pseudonym) DO UPDATE SET address = excluded.address, seen_at = "
                "excluded.seen_at", (channel, name, address, now.isoformat()))
            self._db.execute("DELETE FROM channel_addresses WHERE seen_at < ?",
                             ((now - self.retention).isoformat(),))
        self._written[(channel, name)] = time.monotonic()
        self._written.move_to_end((channel, name))
        while len(self._written) > RECENT_KEPT:
            self._written.popitem(last=False)
        return name

    def address(self, channel: str, name: str) -> str | None:
        """Where ``channel`` reaches the pseudonym's customer, if it still knows."""
        with self._lock:
            row = self._db.execute("SELECT address FROM channel_addresses WHERE channel = ? "
                                   "AND pseudonym = ?", (channel, name)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
