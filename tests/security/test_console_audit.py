"""The console's audit log as an auditor reads it and an insider would edit it: sign-ins
(failed ones too), takes and views are recorded, never a password, and each entry is
chained to the one before so that an edited or removed row shows (``verify-audit``)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from starlette.testclient import TestClient

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import Ticket, TicketChanges, TicketKind
from bot.console import __main__ as console_cli
from bot.console.app import create_app
from bot.console.store import UNKNOWN_NAME, ConsoleStore
from bot.console.upstream import Rasa

PASSWORD = "sandi-rahasia-123"
TICKET = Ticket(ticket_number="CSO-1", kind=TicketKind.CSO_HANDOFF,
                reason="Pelanggan meminta berbicara dengan petugas", sop_step=5,
                conversation_id="telegram:770001", idpel=None, data={},
                created_at=dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.timezone.utc))


def write_entries(store: ConsoleStore) -> None:
    store.audit_sign_in("sari", "10.0.0.1", "sign_in")
    store.audit("sari", "CSO-1", "telegram:770001", "take")
    store.audit("sari", "CSO-1", "telegram:770001", "reveal", "owner_nik")
    store.audit("sari", "CSO-1", "telegram:770001", "reply")


@pytest.fixture()
def store(tmp_path):
    made = ConsoleStore(tmp_path / "console.sqlite3")
    made.add_user("sari", PASSWORD)
    write_entries(made)
    return made


def tamper(tmp_path, statement: str) -> None:
    database = sqlite3.connect(tmp_path / "console.sqlite3")
    database.execute(statement)
    database.commit()
    database.close()


def test_an_intact_log_verifies(store, tmp_path, monkeypatch, capsys):
    check = store.verify_audit()
    assert (check.entries, check.broken) == (4, None)
    monkeypatch.setenv("PLN_DATA_DIR", str(tmp_path))
    assert console_cli.main(["verify-audit"]) == 0
    assert f"intact: 4 entries, last hash {check.head}" in capsys.readouterr().out


@pytest.mark.parametrize(("statement", "broken"), [
    ("UPDATE audit SET field = 'customer_address' WHERE id = 3", 3),  # another field revealed
    ("UPDATE audit SET user = 'joko' WHERE id = 2", 2),
    ("UPDATE audit SET at = at + 3600 WHERE id = 4", 4),
    ("DELETE FROM audit WHERE id = 3", 4),  # a reveal removed: the next entry breaks
])
def test_an_edited_row_is_found_by_the_verify_command(
        store, tmp_path, monkeypatch, capsys, statement, broken):
    tamper(tmp_path, statement)
    assert store.verify_audit().broken == broken
    monkeypatch.setenv("PLN_DATA_DIR", str(tmp_path))
    assert console_cli.main(["verify-audit"]) == 1
    assert f"BROKEN at entry {broken}" in capsys.readouterr().out


def test_a_rehashed_edit_still_breaks_the_next_entry(store, tmp_path):
    from bot.console.store import GENESIS, audit_hash

    (previous,) = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT hash FROM audit WHERE id = 2").fetchone() or (GENESIS,)
    row = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT at, user, ticket, conversation, action FROM audit WHERE id = 3").fetchone()
    forged = audit_hash(previous, 3, (*row, "customer_address"))
    tamper(tmp_path, f"UPDATE audit SET field = 'customer_address', hash = '{forged}' "
                     "WHERE id = 3")
    assert store.verify_audit().broken == 4


def test_a_log_from_before_the_chain_is_chained_as_it_stands(tmp_path):
    old = sqlite3.connect(tmp_path / "console.sqlite3")
    old.executescript(
        "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
        "user TEXT NOT NULL, ticket TEXT NOT NULL, conversation TEXT NOT NULL, "
        "action TEXT NOT NULL, field TEXT);"
        "INSERT INTO audit (at, user, ticket, conversation, action, field) "
        "VALUES (1.5, 'sari', 'T1', 'telegram:1', 'reveal', 'owner_nik');")
    old.commit()
    old.close()
    store = ConsoleStore(tmp_path / "console.sqlite3")
    store.audit("sari", "T1", "telegram:1", "reply")
    assert (store.verify_audit().entries, store.verify_audit().broken) == (2, None)


@pytest.fixture()
def app(tmp_path, monkeypatch):
    async def tickets(_self):
        return [TICKET]

    async def changes(_self, after=0):
        return TicketChanges(cursor=1, last=1, tickets=[TICKET][after:])

    async def events(_self, _conversation):
        return [{"event": "user", "text": "mau tambah daya", "timestamp": 1764558001.0}]

    monkeypatch.setattr(AsyncBackofficeClient, "tickets", tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", changes)
    monkeypatch.setattr(Rasa, "events", events)
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    made.state.store.add_user("sari", PASSWORD)
    return made


def sign_in(browser: TestClient, name: str, password: str):
    page = browser.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return browser.post("/login", data={"name": name, "password": password, "csrf": csrf})


def test_sign_ins_takes_and_views_are_audited_never_a_password(app, tmp_path):
    browser = TestClient(app, client=("10.0.0.7", 50000), follow_redirects=False)
    sign_in(browser, "sari", "salah-sandi-1")
    sign_in(browser, "3273011508850001", "salah-sandi-2")  # a NIK typed as the name
    sign_in(browser, "sari", PASSWORD)
    csrf = re.search(r'name="csrf" content="([^"]+)"', browser.get("/").text).group(1)
    assert browser.post("/cases/CSO-1/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert browser.get("/cases/CSO-1").status_code == 200
    assert browser.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    log = [(e["user"], e["ticket"], e["action"], e["field"])
           for e in app.state.store.audit_log()]
    assert log == [("sari", "", "sign_in_failed", "10.0.0.7"),
                   (UNKNOWN_NAME, "", "sign_in_failed", "10.0.0.7"),
                   ("sari", "", "sign_in", "10.0.0.7"),
                   ("sari", "CSO-1", "take", None), ("sari", "CSO-1", "view", None),
                   ("sari", "", "sign_out", None)]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("console.sqlite3*"))
    assert b"salah-sandi" not in stored and b"3273011508850001" not in stored
    assert app.state.store.verify_audit().broken is None
