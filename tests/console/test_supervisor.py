"""The supervisor's page without a browser: the role (accounts migrated, the CLI), who may
see it, what it shows for the filters, its CSV cell for cell, its plots without script;
the queue's waits as people say them; a CSO's take recorded for the figures."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from kpi_scenario import played
from starlette.testclient import TestClient

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import TicketChanges
from bot.console import __main__ as console_cli
from bot.console.app import create_app
from bot.console.store import CSO, SUPERVISOR, ConsoleStore
from bot.console.supervisor import BadFilter, filters_of
from bot.console.views import duration
from bot.kpi import KpiStore

PASSWORD = "sandi-rahasia-123"
RANGE = "start=2026-12-01&end=2026-12-02"


class Tables(HTMLParser):
    """Every table of a page by its id: header and rows of cell texts; and the SVGs."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs = 0
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        if tag == "table" and dict(attrs).get("id"):
            self._table = self.tables.setdefault(dict(attrs)["id"].removeprefix("kpi-"), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


async def no_tickets(_self):
    return []


async def no_changes(_self, after=0):
    return TicketChanges(cursor=after, last=after, tickets=[])


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setattr(AsyncBackofficeClient, "tickets", no_tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", no_changes)
    kpi = KpiStore(f"sqlite:///{tmp_path / 'kpi.sqlite3'}")
    played(kpi)
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"},
                      kpi=kpi)
    made.state.store.add_user("sari", PASSWORD)
    made.state.store.add_user("wati", PASSWORD, role=SUPERVISOR)
    return made


def signed_in(app, name: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    return client


def test_accounts_from_before_roles_are_csos(tmp_path):
    path = tmp_path / "console.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE users (name TEXT PRIMARY KEY, password_hash BLOB NOT NULL)")
    import bcrypt
    old.execute("INSERT INTO users VALUES (?, ?)",
                ("sari", bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt())))
    old.commit()
    old.close()
    store = ConsoleStore(path)
    session = store.sign_in("sari", PASSWORD)
    assert session is not None and session.role == CSO and not session.supervisor
    store.add_user("sari", PASSWORD, role=SUPERVISOR)
    assert store.sign_in("sari", PASSWORD).supervisor
    with pytest.raises(ValueError):
        store.add_user("joko", PASSWORD, role="admin")


def test_the_account_command_gives_the_role(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLN_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert console_cli.main(["add-user", "wati", "--role", "supervisor"]) == 0
    assert "supervisor wati can sign in" in capsys.readouterr().out
    store = ConsoleStore(tmp_path / "console.sqlite3")
    assert store.sign_in("wati", PASSWORD).role == SUPERVISOR
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert console_cli.main(["add-user", "joko", "--role", "boss"]) == 1


def test_a_cso_without_the_role_is_refused(app):
    sari = signed_in(app, "sari")
    assert sari.get(f"/supervisor?{RANGE}").status_code == 403
    assert sari.get(f"/supervisor/containment.csv?{RANGE}").status_code == 403
    queue = sari.get("/", headers={"Accept": "text/html"})
    assert queue.status_code == 200 and 'href="/supervisor"' not in queue.text
    assert 'href="/supervisor"' in signed_in(app, "wati").get(
        "/", headers={"Accept": "text/html"}).text
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/supervisor", headers={"Accept": "application/json"}
                         ).status_code == 401


def test_the_page_shows_the_figures_for_the_filters(app):
    wati = signed_in(app, "wati")
    page = wati.get(f"/supervisor?{RANGE}")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'none'")
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline
    shown = Tables(page.text)
    assert shown.svgs == 4 and 'class="service-level"' in page.text
    containment = dict(shown.tables["containment"][1:])
    assert containment == {"Permohonan": "9", "Tuntas tanpa CSO": "3",
                           "Containment": "33,3%", "Tuntas, tanpa kontak baru 24 jam": "2",
                           "Containment ketat": "22,2%"}
    queue = dict(shown.tables["queue"][1:])
    assert queue["Rata-rata waktu tunggu hingga diambil (ASA)"] == "30 detik"
    assert queue["Service level"] == "25,0%"
    assert queue["Rata-rata waktu penanganan"] == "7 menit 30 detik"
    assert dict(shown.tables["assistant"][1:])["Latensi giliran p95"] == "3.000 ms"
    assert len(shown.tables["funnel"]) == 23  # header and the 22 steps
    telegram = Tables(wati.get(f"/supervisor?{RANGE}&channel=telegram").text)
    assert dict(telegram.tables["containment"][1:])["Permohonan"] == "4"
    unit = Tables(wati.get(f"/supervisor?{RANGE}&unit=53212").text)
    assert dict(unit.tables["queue"][1:])["Dialihkan ke CSO"] == "2"
    assert wati.get("/supervisor?start=kemarin").status_code == 400
    assert wati.get("/supervisor?channel=fax").status_code == 400


def test_every_table_as_csv_is_the_page(app):
    wati = signed_in(app, "wati")
    query = f"{RANGE}&channel=voice"
    shown = Tables(wati.get(f"/supervisor?{query}").text)
    assert len(shown.tables) == 11
    for name, rows in shown.tables.items():
        answer = wati.get(f"/supervisor/{name}.csv?{query}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(
            "text/csv")
        assert list(csv.reader(io.StringIO(answer.text))) == rows, name
    assert wati.get(f"/supervisor/nothing.csv?{query}").status_code == 404


def test_the_filters_default_to_the_last_week_and_are_checked():
    import datetime as dt
    today = dt.date(2026, 12, 8)
    assert filters_of({}, today) == filters_of({"start": "2026-12-02", "end": "2026-12-08"},
                                                today)
    for bad in ({"start": "2026-12-09", "end": "2026-12-08"}, {"unit": "53 211"},
                {"start": "2025-01-01", "end": "2026-12-08"}):
        with pytest.raises(BadFilter):
            filters_of(bad, today)


def test_waits_are_said_as_people_say_them():
    assert duration(125 * 60) == "2 jam 5 menit"
    assert duration(15448 * 60) == "10 hari 17 jam"
    assert duration(20) == "kurang dari 1 menit"
    assert duration(450, smallest="detik") == "7 menit 30 detik"


def test_a_take_in_the_console_is_recorded_for_the_figures(app, monkeypatch):
    async def tickets(_self):
        return [SimpleNamespace(ticket_number="T6", conversation_id="whatsapp:p-e")]

    sari = signed_in(app, "sari")
    csrf = re.search(r'name="csrf" content="([^"]+)"',
                     sari.get("/", headers={"Accept": "text/html"}).text).group(1)
    monkeypatch.setattr(AsyncBackofficeClient, "tickets", tickets)
    assert sari.post("/cases/T6/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert app.state.kpi.request_of("T6") == "r6"
    with app.state.kpi.engine.connect() as db:
        from sqlalchemy import text
        kinds = [k for (k,) in db.execute(text(
            "SELECT kind FROM kpi_events WHERE ticket = 'T6' ORDER BY seq"))]
    assert kinds == ["handed_over", "taken"]
