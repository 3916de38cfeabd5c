"""The console's sessions as an attacker with a copy of ``console.sqlite3`` or a CSO's
idle browser would try them: no token in the database, an idle timeout beside the
12-hour lifetime, and every session of an account ended when its password is set."""

from __future__ import annotations

import io
import sqlite3

import pytest

from bot.console import __main__ as console_cli
from bot.console.settings import ConsoleSettings
from bot.console.store import ConsoleStore

PASSWORD = "sandi-rahasia-123"


class Clock:
    def __init__(self, now: float = 1_764_558_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def store(tmp_path, clock):
    made = ConsoleStore(tmp_path / "console.sqlite3", clock=clock)
    made.add_user("sari", PASSWORD)
    made.add_user("joko", PASSWORD)
    return made


def database_bytes(tmp_path) -> bytes:
    return b"".join(path.read_bytes() for path in tmp_path.glob("console.sqlite3*"))


def test_reading_the_database_does_not_give_a_session(tmp_path):
    store = ConsoleStore(tmp_path / "console.sqlite3")
    store.add_user("sari", PASSWORD)
    session = store.sign_in("sari", PASSWORD)
    assert session.token.encode() not in database_bytes(tmp_path)
    rows = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT * FROM sessions").fetchall()
    stolen = [value for row in rows for value in row if isinstance(value, str)]
    assert stolen and all(store.session(value) is None for value in stolen)
    assert store.session(session.token) == session  # the cookie itself still works


def test_sessions_kept_in_clear_by_an_older_console_end(tmp_path):
    old = sqlite3.connect(tmp_path / "console.sqlite3")
    old.executescript("CREATE TABLE sessions (token TEXT PRIMARY KEY, user TEXT NOT NULL, "
                      "csrf TEXT NOT NULL, created REAL NOT NULL);"
                      "INSERT INTO sessions VALUES ('old-token', 'sari', 'c', 1e12);")
    old.commit()
    old.close()
    store = ConsoleStore(tmp_path / "console.sqlite3")
    assert store.session("old-token") is None
    assert b"old-token" not in database_bytes(tmp_path)


def test_an_idle_session_ends_an_active_one_lasts_12_hours(store, clock):
    idle, active = store.sign_in("sari", PASSWORD), store.sign_in("joko", PASSWORD)
    for _ in range(23):  # a request every 29 minutes: 11 h 7 min
        clock.advance(29)
        assert store.session(active.token) is not None
    assert store.session(idle.token) is None  # 30 minutes without a request
    clock.advance(29)
    assert store.session(active.token) is not None
    clock.advance(29)  # past 12 hours since sign-in, however active
    assert store.session(active.token) is None


def test_the_live_queue_does_not_keep_a_session_awake(store, clock):
    session = store.sign_in("sari", PASSWORD)
    for _ in range(31):
        clock.advance(1)
        store.session(session.token, touch=False)
    assert store.session(session.token) is None


def test_the_idle_timeout_is_a_setting():
    assert ConsoleSettings.from_env({}).idle_s == 30 * 60
    assert ConsoleSettings.from_env({"PLN_CONSOLE_IDLE_MINUTES": "10"}).idle_s == 10 * 60


def test_setting_a_password_ends_every_session_of_that_account(store):
    sari = [store.sign_in("sari", PASSWORD) for _ in range(2)]
    joko = store.sign_in("joko", PASSWORD)
    store.add_user("sari", "sandi-baru-456789")
    assert [store.session(s.token) for s in sari] == [None, None]
    assert store.session(joko.token) == joko


def test_the_set_password_command_ends_the_sessions(store, tmp_path, monkeypatch, capsys):
    session = store.sign_in("sari", PASSWORD)
    monkeypatch.setenv("PLN_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("sandi-baru-456789\n"))
    assert console_cli.main(["add-user", "sari"]) == 0
    assert store.session(session.token) is None
    assert store.sign_in("sari", "sandi-baru-456789") is not None
