"""``/metrics`` on the services built in this process: who may read it (open in
development, the scrape token in production), the exposition parsed as Prometheus parses
it, and each figure moving with what it counts."""

from __future__ import annotations

import asyncio
import datetime as dt
import types

import httpx
import pytest
from fastapi.testclient import TestClient
from metrics_support import PROCESS_METRICS, SCRAPE_TOKEN, Scrape

from bot.backoffice.app import create_app as create_simulator
from bot.backoffice.client import AsyncBackofficeClient, BackofficeClient, NotFound
from bot.backoffice.schemas import Ticket, TicketChanges, TicketKind
from bot.backoffice.settings import Settings
from bot.console import live
from bot.console.app import create_app as create_console
from bot.metrics import MetricsAccess, given_token
from bot.metrics.backoffice_calls import endpoint
from bot.notify import mailer as mailer_module
from bot.notify.mailer import Mailer, SmtpSettings
from bot.notify.service import create_app as create_notifier

WIB = dt.timezone(dt.timedelta(hours=7))
HANDED_OVER_AT = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
PRODUCTION = {"PLN_ENV": "production", "PLN_METRICS_TOKEN": SCRAPE_TOKEN}


def scrape(client: TestClient, **headers: str) -> Scrape:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return Scrape(answer.text)


def refused(client: TestClient) -> None:
    for headers in ({}, {"X-PLN-Token": "guessed"}, {"Authorization": "Bearer guessed"},
                    {"X-PLN-Token": "ü".encode()}):
        answer = client.get("/metrics", headers=headers)
        assert answer.status_code == 401, (headers, answer.status_code)
        assert answer.json()["error"] == "unauthorized"


# --- who may read ----------------------------------------------------------------------


def test_development_is_open_and_production_needs_the_scrape_token():
    assert MetricsAccess.from_env({}).allows({})
    production = MetricsAccess.from_env(PRODUCTION)
    assert production.production
    assert not production.allows({})
    assert not production.allows({"X-PLN-Token": "guessed"})
    assert production.allows({"X-PLN-Token": SCRAPE_TOKEN})
    assert production.allows({"authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert not production.allows({"authorization": f"Basic {SCRAPE_TOKEN}"})


def test_a_production_service_without_a_scrape_token_refuses_every_scrape():
    closed = MetricsAccess.from_env({"PLN_ENV": "production"})
    assert not closed.allows({})
    assert not closed.allows({"X-PLN-Token": ""})
    assert given_token({"authorization": "Bearer "}) is None


def test_the_scrape_token_can_come_from_a_file(tmp_path):
    token_file = tmp_path / "metrics-token"
    token_file.write_text(SCRAPE_TOKEN + "\n")
    access = MetricsAccess.from_env({"PLN_ENV": "production",
                                     "PLN_METRICS_TOKEN_FILE": str(token_file)})
    assert access.allows({"X-PLN-Token": SCRAPE_TOKEN})


# --- the simulator ----------------------------------------------------------------------


def simulator(tmp_path, production: bool) -> TestClient:
    return TestClient(create_simulator(Settings(
        database_url=f"sqlite:///{tmp_path / 'simulator.sqlite3'}", token="simulator-token",
        production=production)))


def test_the_simulator_is_scraped_without_its_own_token_in_development(tmp_path, monkeypatch):
    monkeypatch.delenv("PLN_METRICS_TOKEN", raising=False)
    with simulator(tmp_path, production=False) as client:
        assert PROCESS_METRICS <= scrape(client).names()
        assert client.get("/ap2t/info").status_code == 401  # the rest still needs its token


def test_the_simulator_needs_the_scrape_token_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("PLN_METRICS_TOKEN", SCRAPE_TOKEN)
    with simulator(tmp_path, production=True) as client:
        refused(client)
        # its own token is not the scrape token
        assert client.get("/metrics", headers={"X-PLN-Token": "simulator-token"}
                          ).status_code == 401
        assert "process_resident_memory_bytes" in scrape(client, **{
            "X-PLN-Token": SCRAPE_TOKEN}).names()
        assert "process_resident_memory_bytes" in scrape(client, **{
            "Authorization": f"Bearer {SCRAPE_TOKEN}"}).names()


# --- the notifier -----------------------------------------------------------------------


def notifier(tmp_path, **env: str) -> TestClient:
    return TestClient(create_notifier({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL":
                                       "http://127.0.0.1:9", "PLN_REMINDER_CHECK_S": "3600",
                                       **env}))


def test_the_notifier_counts_e_mails_sent_and_failed(tmp_path, monkeypatch):
    outcomes = iter([None, OSError("refused")] + [OSError("refused")] * 10)

    async def send(message, **_connection):
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    async def no_wait(_seconds):
        return None

    monkeypatch.setattr(mailer_module.aiosmtplib, "send", send)
    with notifier(tmp_path) as client:
        before = scrape(client)
        mailer = Mailer(SmtpSettings(tls="none"), sleep=no_wait)
        from email.message import EmailMessage

        for _ in range(2):
            message = EmailMessage()
            message["To"] = "budi@example.com"
            assert asyncio.run(mailer.send(message)) in (True, False)
        after = scrape(client)
    assert after.value("pln_emails_total", outcome="sent") == \
        before.value("pln_emails_total", outcome="sent") + 1
    assert after.value("pln_emails_total", outcome="failed") == \
        before.value("pln_emails_total", outcome="failed") + 1
    assert PROCESS_METRICS <= after.names()


def test_the_notifier_counts_reminders_by_outcome(tmp_path):
    from bot.notify.reminders import ReminderLog, remind

    class Channels:
        async def send(self, conversation, messages, template_parameters=None):
            if conversation.startswith("telegram:"):
                return "chat"
            raise RuntimeError("provider down")

    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    due = [types.SimpleNamespace(registration_number=f"REG{n}", idpel="532110000101",
                                 conversation_id=conversation, total_rp=843300, paid_at=None,
                                 expires_at=now + dt.timedelta(days=1))
           for n, conversation in enumerate(("telegram:1", "whatsapp:2"))]
    with notifier(tmp_path) as client:
        before = scrape(client)
        sent = asyncio.run(remind(due, now, ReminderLog(tmp_path / "r.sqlite3"), Channels()))
        after = scrape(client)
    assert sent == ["REG0"]
    for outcome, more in (("sent", 1), ("failed", 1)):
        assert after.value("pln_reminders_total", outcome=outcome) == \
            before.value("pln_reminders_total", outcome=outcome) + more


def test_the_notifier_needs_the_scrape_token_in_production(tmp_path):
    with notifier(tmp_path, **PRODUCTION, PLN_SMTP_HOST="127.0.0.1") as client:
        refused(client)
        assert PROCESS_METRICS <= scrape(client, **{"X-PLN-Token": SCRAPE_TOKEN}).names()


# --- the console ------------------------------------------------------------------------


def handover(number: str, minutes_earlier: int) -> Ticket:
    return Ticket(ticket_number=number, kind=TicketKind.CSO_HANDOFF, reason="diminta",
                  sop_step=7, conversation_id=f"rest:{number}", idpel=None, data={},
                  created_at=HANDED_OVER_AT - dt.timedelta(minutes=minutes_earlier))


@pytest.fixture
def console_tickets(monkeypatch):
    """The simulator's tickets as the console reads them; the clock at the hand-overs."""
    tickets: list[Ticket] = []

    async def read(_client, conversation_id=None):
        return list(tickets)

    async def changes(_client, after=0):
        return TicketChanges(cursor=len(tickets), last=len(tickets), tickets=tickets[after:])

    monkeypatch.setattr(AsyncBackofficeClient, "tickets", read)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", changes)
    monkeypatch.setattr(live, "time", types.SimpleNamespace(
        time=lambda: HANDED_OVER_AT.timestamp()))
    return tickets


def test_the_console_shows_the_cso_queue(tmp_path, console_tickets):
    app = create_console({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    with TestClient(app) as client:
        empty = scrape(client)
        assert empty.value("pln_cso_queue_length") == 0
        assert empty.value("pln_cso_queue_oldest_wait_seconds") == 0
        console_tickets += [handover("APKT1", 125), handover("APKT2", 5),
                            handover("APKT3", 30)]
        app.state.store.take("APKT1", "sari")  # the oldest is in an officer's hands
        queue = scrape(client)
    assert queue.value("pln_cso_queue_length") == 2
    assert queue.value("pln_cso_cases_taken") == 1
    assert queue.value("pln_cso_queue_oldest_wait_seconds") == 30 * 60
    assert PROCESS_METRICS <= queue.names()


def test_the_console_keeps_its_figures_when_the_back_office_is_down(tmp_path):
    app = create_console({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    with TestClient(app) as client:
        before = scrape(client).value("pln_cso_queue_read_errors_total")
        assert scrape(client).value("pln_cso_queue_read_errors_total") == before + 1


def test_the_console_needs_the_scrape_token_in_production(tmp_path, console_tickets):
    app = create_console({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9",
                          **PRODUCTION})
    with TestClient(app) as client:
        refused(client)
        assert "pln_cso_queue_length" in scrape(client, **{"X-PLN-Token": SCRAPE_TOKEN}
                                                ).names()


# --- the back-office client (the action server's calls) ---------------------------------


def test_endpoints_are_named_by_template_never_by_a_number():
    assert endpoint("/ap2t/customers/532110000101/quote") == "/ap2t/customers/{id}/quote"
    assert endpoint("/ap2t/customers/532110000101") == "/ap2t/customers/{id}"
    assert endpoint("/crm/callers/%2B6281234500101") == "/crm/callers/{id}"
    assert endpoint("/ap2t/registrations/unpaid") == "/ap2t/registrations/unpaid"
    assert endpoint("/ap2t/registrations/REG-1/payment") == "/ap2t/registrations/{id}/payment"
    assert endpoint("/apkt/tickets") == "/apkt/tickets"


def test_back_office_calls_are_timed_and_their_errors_counted():
    from prometheus_client import REGISTRY, generate_latest

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/539876543210"):
            return httpx.Response(404, json={"error": "not_found", "message": "tidak ada"})
        return httpx.Response(200, json={"status": "ok"})

    def figures() -> Scrape:
        return Scrape(generate_latest(REGISTRY).decode())

    labels = {"method": "GET", "endpoint": "/ap2t/customers/{id}"}
    before = figures()
    client = BackofficeClient("http://backoffice", transport=httpx.MockTransport(answer))
    with pytest.raises(NotFound):
        client.customer("539876543210")

    async def health():
        async with AsyncBackofficeClient("http://backoffice",
                                         transport=httpx.MockTransport(answer)) as calls:
            return await calls.health()

    assert asyncio.run(health()).status == "ok"
    after = figures()
    count = "pln_backoffice_call_duration_seconds_count"
    assert after.value(count, **labels) == before.value(count, **labels) + 1
    assert after.value(count, method="GET", endpoint="/health") == \
        before.value(count, method="GET", endpoint="/health") + 1
    errors = "pln_backoffice_call_errors_total"
    assert after.value(errors, error="not_found", **labels) == \
        before.value(errors, error="not_found", **labels) + 1
    assert after.value(errors, endpoint="/health") == before.value(errors, endpoint="/health")
    assert "539876543210" not in generate_latest(REGISTRY).decode()
