"""The console's own records (SQLite): CSO accounts with bcrypt-hashed passwords, sign-in
sessions with their CSRF token, who holds which case and in what state, and the audit
log of every revealed field."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt

SESSION_TTL_S = 12 * 3600.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password_hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, user TEXT NOT NULL,
    csrf TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cases (ticket TEXT PRIMARY KEY, holder TEXT, state TEXT NOT NULL,
    updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,
    user TEXT NOT NULL, ticket TEXT NOT NULL, conversation TEXT NOT NULL,
    action TEXT NOT NULL, field TEXT);
"""
OPEN, TAKEN, HANDED_BACK, CLOSED = "open", "taken", "handed_back", "closed"


class Conflict(Exception):
    """The case is held by another CSO (or no longer open)."""


@dataclass(frozen=True)
class Session:
    token: str
    user: str
    csrf: str


class ConsoleStore:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    # --- accounts and sessions -----------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        if not name.strip() or len(password) < 8:
            raise ValueError("a CSO needs a name and a password of at least 8 characters")
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
        with self._lock:
            self._db.execute("INSERT INTO users VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                             "SET password_hash = excluded.password_hash", (name.strip(), hashed))

    def sign_in(self, name: str, password: str) -> Session | None:
        with self._lock:
            row = self._db.execute("SELECT password_hash FROM users WHERE name = ?",
                                   (name.strip(),)).fetchone()
        if row is None:
            bcrypt.checkpw(b"x", bcrypt.hashpw(b"y", bcrypt.gensalt()))  # same time either way
            return None
        if not bcrypt.checkpw(password.encode(), row[0]):
            return None
        session = Session(secrets.token_urlsafe(32), name.strip(), secrets.token_urlsafe(32))
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                             (session.token, session.user, session.csrf, time.time()))
        return session

    def session(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            row = self._db.execute("SELECT user, csrf, created FROM sessions WHERE token = ?",
                                   (token,)).fetchone()
        if row is None or time.time() - row[2] > SESSION_TTL_S:
            return None
        return Session(token, row[0], row[1])

    def sign_out(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE token = ?", (token,))

    # --- cases ---------------------------------------------------------------------------

    def cases(self) -> dict[str, tuple[str | None, str]]:
        """ticket -> (holder, state), for every case the console has touched."""
        with self._lock:
            rows = self._db.execute("SELECT ticket, holder, state FROM cases").fetchall()
        return {ticket: (holder, state) for ticket, holder, state in rows}

    def take(self, ticket: str, user: str) -> None:
        """The case is ``user``'s, and no one else's; ``Conflict`` when another holds it or
        it is over."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT holder, state FROM cases WHERE ticket = ?",
                                       (ticket,)).fetchone()
                if row is not None and (row[1] in (HANDED_BACK, CLOSED) or
                                        (row[1] == TAKEN and row[0] != user)):
                    raise Conflict(f"case {ticket} is {row[1]} by {row[0]}")
                self._db.execute("INSERT INTO cases VALUES (?, ?, ?, ?) ON CONFLICT (ticket) "
                                 "DO UPDATE SET holder = excluded.holder, state = excluded.state,"
                                 " updated = excluded.updated", (ticket, user, TAKEN, time.time()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def holder(self, ticket: str) -> str | None:
        holder, state = self.cases().get(ticket, (None, OPEN))
        return holder if state == TAKEN else None

    def finish(self, ticket: str, user: str, state: str) -> None:
        if self.holder(ticket) != user:
            raise Conflict(f"case {ticket} is not held by {user}")
        with self._lock:
            self._db.execute("UPDATE cases SET state = ?, updated = ? WHERE ticket = ?",
                             (state, time.time(), ticket))

    # --- audit ---------------------------------------------------------------------------

    def audit(self, user: str, ticket: str, conversation: str, action: str,
              field: str | None = None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO audit (at, user, ticket, conversation, action, field)"
                             " VALUES (?, ?, ?, ?, ?, ?)",
                             (time.time(), user, ticket, conversation, action, field))

    def audit_log(self, ticket: str | None = None) -> list[dict]:
        query = "SELECT at, user, ticket, conversation, action, field FROM audit"
        args: tuple = ()
        if ticket:
            query, args = query + " WHERE ticket = ?", (ticket,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        keys = ("at", "user", "ticket", "conversation", "action", "field")
        return [dict(zip(keys, row, strict=True)) for row in rows]
