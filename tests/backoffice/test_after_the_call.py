"""After the call (issue 15): the registration's summary by e-mail through a real SMTP
server in process, the payment the back office records, and the one reminder before an
unpaid registration expires, with a controlled clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
from email import policy

import httpx
import pytest
from aiosmtpd.controller import Controller
from backoffice_helpers import FIXED_NOW, free_port, registration_body, sqlite_settings
from fastapi.testclient import TestClient

from bot.backoffice.app import create_app
from bot.backoffice.schemas import Registration, ServiceInfo
from bot.channels.outbound import CustomerChannels, Unreachable
from bot.notify.mailer import Mailer, SmtpSettings
from bot.notify.reminders import ReminderLog, due, remind
from bot.notify.summary import summary_email

AT = {"X-PLN-Now": FIXED_NOW.isoformat()}
CV_MAJU = dict(key="cv-maju", idpel="211010000606", target_va=66000, stroom_awal_rp=None,
               owner_nik="7371014405800006", email="admin@majubersama.co.id",
               mobile_phone="081142106060", kecamatan="Panakkukang", kelurahan="Pandang")


@pytest.fixture()
def simulator(tmp_path):
    with TestClient(create_app(sqlite_settings(tmp_path)), raise_server_exceptions=False) as api:
        yield api


def saved(api, conversation_id: str = "telegram:4242", **body) -> Registration:
    request = registration_body(**body)
    request["conversation_id"] = conversation_id
    response = api.post("/ap2t/registrations", json=request, headers=AT)
    assert response.status_code == 201, response.text
    return Registration.parse_obj(response.json())


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture()
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def mailed(simulator, smtp, address: str, **body):
    inbox, port = smtp
    registration = saved(simulator, **body)
    info = ServiceInfo.parse_obj(simulator.get("/ap2t/info").json())
    message = summary_email(registration, info, body.get("email", "budi@example.com"), address,
                            "Bapak")
    mailer = Mailer(SmtpSettings(port=port, tls="none"))
    assert asyncio.run(mailer.send(message)) is True
    (received,) = inbox.messages
    return registration, received


def parts(message) -> tuple[str, str]:
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def test_budis_summary_has_every_figure_in_both_parts_and_no_nik(simulator, smtp):
    registration, message = mailed(simulator, smtp, "Jl. Dago No. 12, Bandung")
    assert message["Subject"] == (f"Tambah daya PLN {registration.registration_number}"
                                  " - ID pelanggan 532110000101")
    assert message["To"] == "budi@example.com" and "pln123" in message["From"]
    assert message["Message-ID"] and message.get_content_type() == "multipart/alternative"
    plain, html = parts(message)
    for text in (plain, html):
        for figure in (registration.registration_number, "532110000101", "Budi Santoso",
                       "R1/1.300 VA", "R1/2.200 VA", "Rp843.300", "Rp0", "Rp50.000",
                       "PPJ 3%", "Rp1.456", "Rp893.300", "27 Desember 2026",
                       "paling lama 5 hari kalender", "Jl. Dago No. 12, Bandung",
                       "ATM, minimarket, Kantor Pos dan Giro, dan internet banking",
                       "2 lembar meterai Rp10.000", "SPJBTL", "SLO"):
            assert figure in text, f"{figure} missing"
    raw = message.as_string()
    assert "3273011508850001" not in raw and "3273" not in plain


def test_cv_maju_bersamas_summary(simulator, smtp):
    registration, message = mailed(simulator, smtp, "Jl. Boulevard No. 8, Makassar", **CV_MAJU)
    plain, html = parts(message)
    for text in (plain, html):
        for figure in ("CV Maju Bersama", "B2/53.000 VA", "B2/66.000 VA", "Rp12.597.000",
                       "Rp10.000", "Rp12.607.000", "paling lama 15 hari kalender"):
            assert figure in text, f"{figure} missing"
        assert "Stroom awal" not in text and "PPN" not in text
    assert "7371014405800006" not in message.as_string()


def test_a_send_that_keeps_failing_is_retried_then_recorded_never_raised():
    sleeps: list[float] = []

    async def no_wait(seconds):
        sleeps.append(seconds)

    mailer = Mailer(SmtpSettings(port=free_port(), tls="none"), sleep=no_wait)  # nobody listens
    message = email.message.EmailMessage()
    message["To"], message["Subject"], message["Message-ID"] = "a@b.co", "x", "<1@x>"
    message.set_content("x")
    assert asyncio.run(mailer.send(message)) is False
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0] and mailer.failed == 1


def test_the_back_office_records_a_payment_once_and_never_for_an_expired_one(simulator):
    registration = saved(simulator)
    number = registration.registration_number
    assert [r["registration_number"] for r in
            simulator.get("/ap2t/registrations/unpaid", headers=AT).json()] == [number]
    paid = simulator.post(f"/ap2t/registrations/{number}/payment", headers=AT).json()
    assert paid["paid_at"] == FIXED_NOW.isoformat()
    again = simulator.post(f"/ap2t/registrations/{number}/payment", headers=AT).json()
    assert again["paid_at"] == paid["paid_at"]
    assert simulator.get("/ap2t/registrations/unpaid", headers=AT).json() == []
    late = saved(simulator, key="late")
    after = {"X-PLN-Now": (late.expires_at + dt.timedelta(minutes=1)).isoformat()}
    refused = simulator.post(f"/ap2t/registrations/{late.registration_number}/payment",
                             headers=after)
    assert refused.status_code == 422 and refused.json()["error"] == "registration_expired"
    assert simulator.get("/ap2t/registrations/unpaid", headers=after).json() == []


class Recorded(CustomerChannels):
    def __init__(self):
        super().__init__({})
        self.sent: list[tuple[str, str, list[str] | None]] = []

    async def send(self, conversation, messages, last_message_at=None,
                   template_parameters=None):
        if not conversation.startswith(("telegram:", "whatsapp:")):
            raise Unreachable("no channel")
        self.sent.append((conversation, messages[0]["text"], template_parameters))
        return conversation.split(":")[0]


def test_one_reminder_at_the_right_day_not_for_the_paid_not_twice_after_a_restart(
        simulator, tmp_path):
    unpaid = saved(simulator, conversation_id="telegram:4242")
    paid = saved(simulator, key="paid", conversation_id="whatsapp:628111")
    simulator.post(f"/ap2t/registrations/{paid.registration_number}/payment", headers=AT)
    voice = saved(simulator, key="voice", conversation_id="voice:+6281299990000")
    registrations = [Registration.parse_obj(r) for r in
                     simulator.get("/ap2t/registrations", params={"idpel": "532110000101"}).json()]
    channels, log = Recorded(), ReminderLog(tmp_path / "reminders.sqlite3")

    def at(moment):
        return asyncio.run(remind(registrations, moment, log, channels, days_before=3))

    expires = unpaid.expires_at
    assert at(expires - dt.timedelta(days=3, minutes=1)) == []  # a day too early
    assert due(registrations, expires - dt.timedelta(days=3)) != []
    assert at(expires - dt.timedelta(days=3)) == [unpaid.registration_number]
    assert at(expires - dt.timedelta(days=1)) == []  # once
    restarted = ReminderLog(tmp_path / "reminders.sqlite3")
    assert asyncio.run(remind(registrations, expires - dt.timedelta(hours=2), restarted,
                              channels, 3)) == []
    assert at(expires + dt.timedelta(minutes=1)) == []  # expired: none
    (conversation, text, parameters), = channels.sent
    assert conversation == "telegram:4242" and unpaid.registration_number in text
    assert "Rp893.300" in text and parameters == [unpaid.registration_number, "27 Desember 2026"]
    entries = restarted.entries()
    assert entries[unpaid.registration_number][0] == "sent"
    assert entries[voice.registration_number][0] == "no_channel"  # recorded, not retried
    assert paid.registration_number not in entries


def test_the_notifier_mails_the_summary_once_asked_and_refuses_strangers_and_bad_bodies(
        tmp_path, smtp):
    from backoffice_helpers import RunningServer

    from bot.notify.service import create_app as notifier

    inbox, port = smtp
    with RunningServer(sqlite_settings(tmp_path / "sim")) as simulator:
        with httpx.Client(base_url=simulator.url) as sim:
            registration = sim.post("/ap2t/registrations", json=registration_body(),
                                    headers=AT).json()
        env = {"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": simulator.url,
               "PLN_NOTIFY_TOKEN": "t0ken", "PLN_SMTP_PORT": str(port), "PLN_SMTP_SINK": "0",
               "PLN_SMTP_TLS": "none",
               "PLN_NOW": FIXED_NOW.isoformat()}
        with TestClient(notifier(env)) as api:
            asked = {"registration_number": registration["registration_number"],
                     "email": "budi@example.com", "address": "Jl. Dago No. 12, Bandung",
                     "title": "Bapak"}
            assert api.post("/summaries", json=asked).status_code == 403
            assert api.post("/summaries", json=asked,
                            headers={"X-PLN-Token": "guess"}).status_code == 403
            assert api.post("/summaries", json={"email": "x@y.id"},
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            assert api.post("/summaries", json=[1, 2],
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            assert api.post("/summaries", content=b"{not json",
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            assert api.post("/summaries", content=b"[" * 100_000,
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            assert api.post("/summaries", json=asked,  # a non-ASCII token: refused, no 500
                            headers={"X-PLN-Token": "t\u00f6ken".encode()}).status_code == 403
            unknown = api.post("/summaries", json={**asked, "registration_number": "999"},
                               headers={"X-PLN-Token": "t0ken"})
            assert unknown.status_code == 404
            answer = api.post("/summaries", json=asked, headers={"X-PLN-Token": "t0ken"})
            assert answer.status_code == 202 and answer.json() == {"email": "queued"}
            no_email = api.post("/summaries", json={**asked, "email": None},
                                headers={"X-PLN-Token": "t0ken"})
            assert no_email.json() == {"email": "none"}
    (message,) = inbox.messages  # the queued one was sent before the notifier stopped
    assert registration["registration_number"] in message["Subject"]
    assert "Jl. Dago No. 12, Bandung" in message.get_body(("plain",)).get_content()


def test_the_chat_summary_is_the_registrations_facts_without_the_validity_or_advice(simulator):
    from bot.notify.summary import chat_summary_text

    registration = saved(simulator)
    info = ServiceInfo.parse_obj(simulator.get("/ap2t/info").json())
    text = chat_summary_text(registration, info, "Jl. Dago No. 12, Bandung", "Bapak")
    for figure in (registration.registration_number, "R1/2.200 VA", "Rp843.300", "Rp893.300",
                   "ATM, minimarket, Kantor Pos dan Giro, internet banking"):
        assert figure in text, f"{figure} missing"
    for passive in ("berlaku", "27 Desember 2026", "SLO", "meterai Rp10.000", "SPJBTL"):
        assert passive not in text, f"{passive} told unasked"


def test_the_notifier_mails_the_information_of_a_customer_who_did_not_go_on(tmp_path, smtp):
    """Step 11b: the fees AP2T quotes, the requirements and how to apply again."""
    from backoffice_helpers import RunningServer

    from bot.notify.service import create_app as notifier

    inbox, port = smtp
    with RunningServer(sqlite_settings(tmp_path / "sim")) as simulator:
        env = {"PLN_DATA_DIR": str(tmp_path), "PLN_SIM_URL": simulator.url,
               "PLN_NOTIFY_TOKEN": "t0ken", "PLN_SMTP_PORT": str(port), "PLN_SMTP_SINK": "0",
               "PLN_SMTP_TLS": "none", "PLN_NOW": FIXED_NOW.isoformat()}
        with TestClient(notifier(env)) as api:
            assert api.post("/information", content=b"[" * 100_000,
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            asked = {"idpel": "532110000101", "target_va": 2200, "stroom_awal_rp": 50000,
                     "email": "budi@example.com", "title": "Bapak"}
            assert api.post("/information", json=asked).status_code == 403
            assert api.post("/information", json={**asked, "target_va": "banyak"},
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            assert api.post("/information", json={**asked, "email": None},
                            headers={"X-PLN-Token": "t0ken"}).status_code == 400
            answer = api.post("/information", json=asked, headers={"X-PLN-Token": "t0ken"})
            assert answer.status_code == 202 and answer.json() == {"email": "queued"}
    (message,) = inbox.messages
    assert message["To"] == "budi@example.com" and "532110000101" in message["Subject"]
    strict = email.message_from_bytes(message.as_bytes(), policy=email.policy.strict)
    assert strict["Date"].datetime.utcoffset() is not None  # dated, with its zone
    assert strict["Message-ID"].startswith("<") and not strict.defects
    text = message.get_body(("plain",)).get_content()
    for figure in ("Rp843.300", "Rp50.000", "Rp893.300", "1.300 VA ke 2.200 VA",
                   "Persyaratan tambah daya: NIK pemilik", "mengajukan tambah daya kembali"):
        assert figure in text, f"{figure} missing"


def test_the_summary_has_the_headers_a_mail_client_writes_under_the_strict_policy(simulator,
                                                                                   smtp):
    """RFC 5322: ``Date`` (the registration's time with its zone) and ``Message-ID``; every
    header on its own line as written (Subject's value on the Subject line), parsed by the
    standard library's strict policy without a defect."""
    registration, received = mailed(simulator, smtp, "Jl. Dago No. 12, Bandung")
    raw = received.as_bytes()
    strict = email.message_from_bytes(raw, policy=email.policy.strict)
    assert strict["Date"].datetime == registration.created_at
    assert strict["Date"].datetime.utcoffset() == registration.created_at.utcoffset()
    assert strict["Date"].datetime.utcoffset() is not None
    assert strict["Message-ID"].startswith("<") and strict["Message-ID"].endswith(">")
    headers = raw.split(b"\n\n", 1)[0].replace(b"\r", b"").split(b"\n")
    subject = [line for line in headers if line.startswith(b"Subject:")]
    assert subject == [b"Subject: Tambah daya PLN " + registration.registration_number.encode()
                       + b" - ID pelanggan 532110000101"]
    assert all(len(line) <= 78 for line in headers)
    assert not strict.defects and all(not part.defects for part in strict.walk())
