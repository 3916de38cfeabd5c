"""A request continued across channels, as a CSO sees its case: the request's path (each
conversation in order, its channel, when it started and stopped, the step it reached) with
a link to each earlier conversation's transcript, masked like the case's own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from starlette.testclient import TestClient

from bot.backoffice.client import AsyncBackofficeClient
from bot.backoffice.schemas import Ticket, TicketChanges, TicketKind
from bot.console import views
from bot.console.app import create_app
from bot.console.upstream import Rasa
from bot.sop.perubahan_daya import PERUBAHAN_DAYA

PASSWORD = "sandi-rahasia-123"
WHATSAPP = "whatsapp:p-0a1b2c3d4e5f60718293a4b5"
PHONE = "voice:p-9f8e7d6c5b4a39281706f5e4"
TELEGRAM = "telegram:770001"
NIK = "3273011508850001"
AT = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.timezone.utc)
T0 = AT.timestamp()  # 10:00 WIB


def ticket(number: str, kind: TicketKind, conversation: str, data: dict) -> Ticket:
    return Ticket(ticket_number=number, kind=kind, reason="-", sop_step=3,
                  conversation_id=conversation, idpel=None, data=data, created_at=AT)


TICKETS = [
    ticket("APKT-1", TicketKind.ISSUED_CLOSED, WHATSAPP, {"closed_by": "continued"}),
    ticket("APKT-2", TicketKind.ISSUED_CLOSED, PHONE, {"closed_by": "continued"}),
    ticket("CSO-1", TicketKind.CSO_HANDOFF, TELEGRAM, {}),
]


def said(who: str, text: str, minutes: float) -> dict:
    return {"event": who, "text": text, "timestamp": T0 + minutes * 60}


def asked(question: str) -> dict:
    return {"event": "slot", "name": "requested_slot", "value": question}


def offer_of(conversation: str) -> dict:
    return {"event": "slot", "name": "continuation_offer",
            "value": {"conversation_id": conversation, "sop_step": 3, "step": "ID pelanggan",
                      "channel": "WhatsApp", "ago": "1 jam yang lalu"}}


EVENTS = {
    WHATSAPP: [said("user", "mau tambah daya", 0), asked("customer_number"),
               said("bot", "Berapa ID pelanggan Bapak?", 0.5),
               said("user", f"NIK saya {NIK}", 1)],
    PHONE: [said("user", "tambah daya", 60), offer_of(WHATSAPP),
            said("bot", "Lanjutkan dari sana?", 60.5), said("user", "ya", 61),
            {"event": "slot", "name": "continuation_offer", "value": None},
            asked("target_power_va"), said("bot", "Daya berapa yang diinginkan?", 62)],
    TELEGRAM: [said("user", "lanjut tambah daya", 120), offer_of(PHONE),
               {"event": "slot", "name": "continuation_offer", "value": None},
               asked("proceed"), said("bot", "Setuju dengan biayanya?", 125),
               said("user", "saya mau bicara dengan petugas", 130)],
}


@pytest.fixture()
def app(tmp_path, monkeypatch):
    async def tickets(_self):
        return TICKETS

    async def changes(_self, after=0):
        return TicketChanges(cursor=len(TICKETS), last=len(TICKETS), tickets=TICKETS[after:])

    async def events(_self, conversation):
        return EVENTS[conversation]

    monkeypatch.setattr(AsyncBackofficeClient, "tickets", tickets)
    monkeypatch.setattr(AsyncBackofficeClient, "ticket_changes", changes)
    monkeypatch.setattr(Rasa, "events", events)
    made = create_app({"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": "http://127.0.0.1:9"})
    made.state.store.add_user("sari", PASSWORD)
    return made


def signed_in_browser(app) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    page = browser.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    browser.post("/login", data={"name": "sari", "password": PASSWORD, "csrf": csrf})
    csrf = re.search(r'name="csrf" content="([^"]+)"', browser.get("/").text).group(1)
    assert browser.post("/cases/CSO-1/take", headers={"X-CSRF-Token": csrf}).status_code == 200
    return browser


def path_of(page: str) -> list[str]:
    section = re.search(r'<section id="request-path">(.*?)</section>', page, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
            for item in re.findall(r"<li.*?</li>", section, re.S)]


def test_the_case_view_shows_the_path_whatsapp_phone_telegram_with_links(app):
    browser = signed_in_browser(app)
    page = browser.get("/cases/CSO-1").text
    assert path_of(page) == [
        "WhatsApp · 01-12-2026 10:00–01-12-2026 10:01 · sampai ID pelanggan Buka percakapan",
        "telepon 123 · 01-12-2026 11:00–01-12-2026 11:02 · sampai daya yang diinginkan "
        "Buka percakapan",
        "Telegram · 01-12-2026 12:00–01-12-2026 12:10 · sampai persetujuan biaya "
        "(percakapan ini)"]
    assert re.findall(r'href="(/cases/CSO-1/path/\d+)"', page) == [
        "/cases/CSO-1/path/0", "/cases/CSO-1/path/1"]

    first = browser.get("/cases/CSO-1/path/0")
    assert first.status_code == 200
    assert "Berapa ID pelanggan Bapak?" in first.text and "mau tambah daya" in first.text
    assert NIK not in first.text and "0001" in first.text  # masked as the case's own
    assert "Daya berapa yang diinginkan?" in browser.get("/cases/CSO-1/path/1").text
    assert browser.get("/cases/CSO-1/path/3").status_code == 404
    log = [(e["action"], e["conversation"]) for e in app.state.store.audit_log("CSO-1")]
    assert log[-3:] == [("view", TELEGRAM), ("view_path", WHATSAPP), ("view_path", PHONE)]


def test_an_offer_not_taken_is_no_path():
    """Declined or not taken: APKT has no "continued" closing of the other conversation."""
    declined = [ticket("APKT-9", TicketKind.ISSUED_CLOSED, PHONE, {"closed_by": "declined"})]
    assert views.continued_from(EVENTS[TELEGRAM]) == PHONE
    assert not views.closed_as_continued(declined, PHONE)
    assert views.closed_as_continued(TICKETS, PHONE)
    assert views.continued_from(EVENTS[WHATSAPP]) is None


def test_a_case_begun_on_its_own_channel_shows_no_path(app, monkeypatch):
    async def events(_self, _conversation):
        return EVENTS[WHATSAPP]

    monkeypatch.setattr(Rasa, "events", events)
    page = signed_in_browser(app).get("/cases/CSO-1").text
    assert 'id="request-path"' not in page


def test_the_step_reached_is_read_as_people_read_it():
    assert views.step_reached(EVENTS[PHONE], PERUBAHAN_DAYA) == "daya yang diinginkan"
    assert views.step_reached([said("user", "halo", 0)], PERUBAHAN_DAYA) == "awal permohonan"
