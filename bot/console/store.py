"""The console's own records (SQLite): CSO accounts with bcrypt-hashed passwords and a role
(``cso``, or ``supervisor``: also the figures' page), sign-in
sessions with their CSRF token, who holds which case and in what state, and the audit
log: sign-ins (failed ones too), cases taken, opened and revealed fields, replies, hand
backs and closings, each entry chained to the one before by SHA-256, so that an edited or
removed entry shows (``verify_audit``, ``python -m bot.console verify-audit``).

A session is stored by the SHA-256 of its token, never the token: reading the database
does not let anyone sign in as a CSO. A session ends 12 hours after sign-in, after an idle
spell (30 minutes unless configured), at sign-out, and when its user's password is set."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from bot.console.settings import ConsoleSettings
from bot.untrusted import same_secret

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash BLOB NOT NULL,
    role TEXT NOT NULL DEFAULT 'cso');
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL,
    csrf TEXT NOT NULL, created REAL NOT NULL, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (key, at);
CREATE TABLE IF NOT EXISTS cases (ticket TEXT PRIMARY KEY, holder TEXT, state TEXT NOT NULL,
    updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS cases_by_update ON cases (updated);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,
    user TEXT NOT NULL, ticket TEXT NOT NULL, conversation TEXT NOT NULL,
    action TEXT NOT NULL, field TEXT, hash TEXT);
"""
DEFAULTS = ConsoleSettings()
AUDIT_FIELDS = ("at", "user", "ticket", "conversation", "action", "field")
GENESIS = "0" * 64  # what the first audit entry is chained to
UNKNOWN_NAME = "(tidak dikenal)"  # a failed sign-in's name that is no CSO's
OPEN, TAKEN, HANDED_BACK, CLOSED = "open", "taken", "handed_back", "closed"
CSO, SUPERVISOR = "cso", "supervisor"
ROLES = (CSO, SUPERVISOR)


class Conflict(Exception):
    """The case is held by another CSO (or no longer open)."""


@dataclass(frozen=True)
class Session:
    token: str
    user: str
    csrf: str
    role: str = CSO

    @property
    def supervisor(self) -> bool:
        return self.role == SUPERVISOR


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def attempt_keys(name: str, address: str) -> tuple[str, str]:
    """What the attempts table keeps of a name as typed and an address: hashes."""
    return (hashlib.sha256(f"account:{name.strip().casefold()}".encode()).hexdigest(),
            hashlib.sha256(f"address:{address}".encode()).hexdigest())


class ConsoleStore:
    def __init__(self, path: str | Path, settings: ConsoleSettings = DEFAULTS,
                 clock: Callable[[], float] = time.time):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self.settings, self.clock = settings, clock
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")  # what is deleted is overwritten
            self._end_clear_sessions()
            self._db.executescript(SCHEMA)
            self._add_roles()
            self._chain_audit()
        self.end_expired_sessions()
        # an unknown name is checked against this, so that it costs one bcrypt run too
        self._no_such_user = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt())

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _end_clear_sessions(self) -> None:
        """Sessions kept by their token in clear (an older schema) may have been read
        already: they end, and their CSOs sign in again."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        if "token" in columns:
            self._db.execute("DROP TABLE sessions")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _add_roles(self) -> None:
        """Accounts from before roles: each is a CSO's."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(users)")}
        if "role" not in columns:
            self._db.execute(f"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT '{CSO}'")

    # --- accounts and sessions -----------------------------------------------------------

    def add_user(self, name: str, password: str, role: str = CSO) -> None:
        """A new account, or a new password and role for one."""
        if not name.strip() or len(password) < 8:
            raise ValueError("a CSO needs a name and a password of at least 8 characters")
        if role not in ROLES:
            raise ValueError(f"the role is one of {', '.join(ROLES)}")
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
        with self._transaction():  # a new password ends every session of the account
            self._db.execute("INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET password_hash = "
                             "excluded.password_hash, role = excluded.role",
                             (name.strip(), hashed, role))
            self._db.execute("DELETE FROM sessions WHERE user = ?", (name.strip(),))

    def sign_in(self, name: str, password: str) -> Session | None:
        with self._lock:
            row = self._db.execute("SELECT password_hash, role FROM users WHERE name = ?",
                                   (name.strip(),)).fetchone()
        # one bcrypt run whether or not the name exists
        known = bcrypt.checkpw(password.encode(), row[0] if row else self._no_such_user)
        if row is None or not known:
            return None
        session = Session(secrets.token_urlsafe(32), name.strip(), secrets.token_urlsafe(32),
                          row[1])
        self.end_expired_sessions()
        now = self.clock()
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                             (token_hash(session.token), session.user, session.csrf, now, now))
        return session

    def session(self, token: str | None, touch: bool = True) -> Session | None:
        """The live session of ``token``; ``touch`` counts this as activity (a request
        of the CSO's, not the queue's live stream)."""
        if not token:
            return None
        key, now = token_hash(token), self.clock()
        with self._lock:
            row = self._db.execute(
                "SELECT s.user, s.csrf, s.created, s.seen, u.role FROM sessions s "
                "LEFT JOIN users u ON u.name = s.user WHERE s.token_hash = ?",
                (key,)).fetchone()
            if row is None:
                return None
            if now - row[2] > self.settings.lifetime_s or now - row[3] > self.settings.idle_s:
                self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
                return None
            if touch:
                self._db.execute("UPDATE sessions SET seen = ? WHERE token_hash = ?", (now, key))
        return Session(token, row[0], row[1], row[4] or CSO)

    def end_expired_sessions(self) -> int:
        """Delete every session past its lifetime or idle time (the console opens, and at
        every sign-in): none is kept longer than it can be used; how many went."""
        now = self.clock()
        with self._lock:
            return self._db.execute(
                "DELETE FROM sessions WHERE ? - created > ? OR ? - seen > ?",
                (now, self.settings.lifetime_s, now, self.settings.idle_s)).rowcount

    def sign_out(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    # --- throttling sign-ins --------------------------------------------------------------

    def begin_attempt(self, name: str, address: str) -> float:
        """Count a sign-in attempt against the account (the name as typed, known or not)
        and the client's address; the seconds to wait instead when either has had its
        share of attempts in the window (nothing is counted then, and no password checked).
        """
        keys = attempt_keys(name, address)
        limits = (self.settings.failures_per_account, self.settings.failures_per_address)
        now = self.clock()
        start = now - self.settings.failure_window_s
        with self._transaction():
            self._db.execute("DELETE FROM attempts WHERE at <= ?", (start,))
            waits = [self._wait(key, limit, start) for key, limit in zip(keys, limits, strict=True)]
            if any(waits):
                return max(waits)
            self._db.executemany("INSERT INTO attempts (key, at) VALUES (?, ?)",
                                 [(key, now) for key in keys])
        return 0.0

    def _wait(self, key: str, limit: int, start: float) -> float:
        count, oldest = self._db.execute("SELECT count(*), min(at) FROM attempts WHERE key = ?",
                                         (key,)).fetchone()
        return 0.0 if count < limit else oldest - start

    def attempt_succeeded(self, name: str, address: str) -> None:
        """A sign-in that worked: that account's count starts again (no other's), and this
        attempt no longer counts against the address."""
        account, by_address = attempt_keys(name, address)
        with self._transaction():
            self._db.execute("DELETE FROM attempts WHERE key = ?", (account,))
            self._db.execute("DELETE FROM attempts WHERE id = (SELECT max(id) FROM attempts "
                             "WHERE key = ?)", (by_address,))

    # --- cases ---------------------------------------------------------------------------

    def cases(self) -> dict[str, tuple[str | None, str]]:
        """ticket -> (holder, state), for every case the console has touched."""
        with self._lock:
            rows = self._db.execute("SELECT ticket, holder, state FROM cases").fetchall()
        return {ticket: (holder, state) for ticket, holder, state in rows}

    def cases_since(self, since: float) -> tuple[dict[str, tuple[str | None, str]], float]:
        """The cases changed at or after ``since`` (ticket -> (holder, state)), and the
        time to ask from next: what a watcher of the queue reads instead of every case."""
        with self._lock:
            rows = self._db.execute("SELECT ticket, holder, state, updated FROM cases "
                                    "WHERE updated >= ?", (since,)).fetchall()
        latest = max((updated for *_case, updated in rows), default=since)
        return {ticket: (holder, state) for ticket, holder, state, _at in rows}, latest

    def take(self, ticket: str, user: str) -> None:
        """The case is ``user``'s, and no one else's; ``Conflict`` when another holds it or
        it is over."""
        with self._transaction():
            row = self._db.execute("SELECT holder, state FROM cases WHERE ticket = ?",
                                   (ticket,)).fetchone()
            if row is not None and (row[1] in (HANDED_BACK, CLOSED) or
                                    (row[1] == TAKEN and row[0] != user)):
                raise Conflict(f"case {ticket} is {row[1]} by {row[0]}")
            self._db.execute("INSERT INTO cases VALUES (?, ?, ?, ?) ON CONFLICT (ticket) "
                             "DO UPDATE SET holder = excluded.holder, state = excluded.state,"
                             " updated = excluded.updated", (ticket, user, TAKEN, self.clock()))

    def holder(self, ticket: str) -> str | None:
        holder, state = self.cases().get(ticket, (None, OPEN))
        return holder if state == TAKEN else None

    def finish(self, ticket: str, user: str, state: str) -> None:
        if self.holder(ticket) != user:
            raise Conflict(f"case {ticket} is not held by {user}")
        with self._lock:
            self._db.execute("UPDATE cases SET state = ?, updated = ? WHERE ticket = ?",
                             (state, self.clock(), ticket))

    # --- audit ---------------------------------------------------------------------------

    def audit(self, user: str, ticket: str, conversation: str, action: str,
              field: str | None = None) -> None:
        with self._transaction():
            self._append_audit((self.clock(), user, ticket, conversation, action, field))

    def audit_sign_in(self, name: str, address: str, action: str) -> None:
        """A sign-in, failed sign-in or refused one, from ``address``: the name as typed is
        kept only when it is a CSO's (it may be anything, a password typed there too)."""
        with self._transaction():
            known = self._db.execute("SELECT 1 FROM users WHERE name = ?",
                                     (name.strip(),)).fetchone()
            self._append_audit((self.clock(), name.strip() if known else UNKNOWN_NAME, "", "",
                                action, address))

    def _append_audit(self, values: tuple) -> None:
        """Inside a transaction: the entry, chained to the one before it."""
        last = self._db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        entry = self._db.execute(f"INSERT INTO audit ({', '.join(AUDIT_FIELDS)}) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", values).lastrowid
        self._db.execute("UPDATE audit SET hash = ? WHERE id = ?",
                         (audit_hash(last[0] if last else GENESIS, entry, values), entry))

    def _chain_audit(self) -> None:
        """An audit log from before the chain: its entries are chained as they stand."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(audit)")}
        if "hash" in columns:
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("ALTER TABLE audit ADD COLUMN hash TEXT")
        previous = GENESIS
        for entry, *values in self._db.execute(
                f"SELECT id, {', '.join(AUDIT_FIELDS)} FROM audit ORDER BY id").fetchall():
            previous = audit_hash(previous, entry, tuple(values))
            self._db.execute("UPDATE audit SET hash = ? WHERE id = ?", (previous, entry))
        self._db.execute("COMMIT")

    def verify_audit(self) -> AuditCheck:
        """Every entry's hash recomputed from the one before it and its own content."""
        with self._lock:
            rows = self._db.execute(f"SELECT id, hash, {', '.join(AUDIT_FIELDS)} FROM audit "
                                    "ORDER BY id").fetchall()
        previous = GENESIS
        for entry, stored, *values in rows:
            expected = audit_hash(previous, entry, tuple(values))
            if not same_hash(stored, expected):
                return AuditCheck(len(rows), entry, previous)
            previous = expected
        return AuditCheck(len(rows), None, previous)

    def audit_log(self, ticket: str | None = None) -> list[dict]:
        query = f"SELECT {', '.join(AUDIT_FIELDS)} FROM audit"
        args: tuple = ()
        if ticket:
            query, args = query + " WHERE ticket = ?", (ticket,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [dict(zip(AUDIT_FIELDS, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    broken: int | None  # the first entry whose hash does not follow
    head: str  # the last good hash: worth keeping elsewhere, it also shows a cut tail


def audit_hash(previous: str, entry: int, values: tuple) -> str:
    """SHA-256 of the previous entry's hash and this entry's id and content."""
    content = json.dumps([entry, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + content).encode()).hexdigest()


def same_hash(stored: object, expected: str) -> bool:
    return isinstance(stored, str) and same_secret(stored, expected)
