"""A request continued on another channel, on the real stack: begun on WhatsApp, offered
on the phone to the same (verified) number, the owner's NIK before anything carried is
used; declined; expired; a forged caller id that hears and saves nothing.

Each test has a number of its own (the offer is by number, across the whole stack). The
time since the request stopped is set by moving the stored request's time back in the
stack's store (``$PLN_DATA_DIR/open_requests.sqlite3``): the stack's own clock is real."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conversation_harness import simulator_registrations, simulator_tickets
from e2e_support import StackProblem, conversation_of
from fake_graph import button_reply
from telegram_chat import Chat as TelegramChat
from telegram_chat import texts as telegram_texts
from test_channel_whatsapp import Chat, texts
from voice_caller import Caller

pytestmark = pytest.mark.e2e
RINA_IDPEL = "541100001010"
RINA_NIK = "3174055705880010"  # the owner's NIK on AP2T's record
WRONG_NIK = "3174055705880099"  # well formed, not the owner's
CSO_PASSWORD = "sandi-rahasia-123"


@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    return e2e_stack


def left_on_whatsapp(stack, client, fake, wa_id: str) -> None:
    """Rina on WhatsApp: her name, requirements ready, her customer number, 2.200 VA; then
    she goes quiet at the tariff's confirmation."""
    chat = Chat(stack, client, fake, wa_id)
    chat.say("halo")
    assert "siapa" in texts(chat.say("mau tambah daya"))
    chat.say("Rina Marlina")
    assert "ID pelanggan" in texts(chat.send(button_reply(wa_id, "sudah", "Sudah")))
    assert "Daya yang diinginkan" in texts(chat.say(RINA_IDPEL))
    assert "R1/1.300 VA ke daya R1/2.200 VA" in texts(chat.say("2200"))


def stopped_ago(stack, hours: float) -> None:
    """Every open request of the stack stopped ``hours`` earlier than it did."""
    path = Path(stack.env["PLN_DATA_DIR"]) / "open_requests.sqlite3"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT customer, updated_at FROM open_requests").fetchall()
        for customer, at in rows:
            earlier = dt.datetime.fromisoformat(at) - dt.timedelta(hours=hours)
            db.execute("UPDATE open_requests SET updated_at = ? WHERE customer = ?",
                       (earlier.isoformat(), customer))


def offered(caller: Caller) -> str:
    """Dial, ask for tambah daya: what is said up to the offer's question."""
    caller.dial()
    said = [caller.say("mau tambah daya")]
    while said[-1].goes_on and "Lanjutkan dari sana" not in said[-1].said:
        said.append(caller.key("#"))
    return " ".join(t.said for t in said)


def test_begun_on_whatsapp_continued_by_phone_finished_on_telegram(
        stack, e2e_client, fake_whatsapp, fake_telegram):
    wa_id = "6281200010011"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    stopped_ago(stack, 2)
    caller = Caller(stack.env, e2e_client, f"+{wa_id}")
    said = offered(caller)
    # as the phone says it: the brackets a pause, the figures in words
    assert ("Bapak atau Ibu memiliki permohonan tambah daya yang belum selesai, sampai "
            "konfirmasi daya dan tarif, lewat WhatsApp, dua jam yang lalu. Lanjutkan dari sana?") in said
    assert "Rina" not in said and RINA_IDPEL not in said
    asked = caller.key("1")  # keypad: the first choice, yes
    assert "NIK pemilik bangunan" in asked.said.replace("N I K", "NIK")
    taken = caller.key(RINA_NIK)
    heard = taken.said
    while taken.goes_on:
        taken = caller.key("#")
        heard += " " + taken.said
    assert "NIK sesuai" in heard.replace("N I K", "NIK")
    assert "siapa saya berbicara" in heard  # the phone's caller: asked, not carried
    tariff = caller.say("Rina Marlina")  # speech
    heard = tariff.said
    while tariff.goes_on:
        tariff = caller.key("#")
        heard += " " + tariff.said
    # where it stopped on WhatsApp, AP2T asked again: the tariff's confirmation
    assert "R satu, seribu tiga ratus V A ke R satu, dua ribu dua ratus V A" in heard
    caller.hang_up()  # the call drops at the tariff's confirmation
    old = conversation_of(stack.env, "whatsapp", f"+{wa_id}")
    (closed,) = simulator_tickets(e2e_client, stack.endpoints, old)
    assert closed["kind"] == "issued_closed" and "dilanjutkan" in closed["reason"]
    assert simulator_registrations(e2e_client, stack.endpoints, old) == []

    # finished on Telegram, where Rina shares her own contact (a verified number)
    chat = TelegramChat(stack, e2e_client, fake_telegram, chat_id=880011)
    chat.say("/start")
    chat.share_contact(f"+{wa_id}")
    (offer,) = chat.say("mau tambah daya")[-1:]
    assert ("memiliki permohonan tambah daya yang belum selesai (sampai konfirmasi daya dan "
            "tarif, lewat telepon 123, baru saja). Lanjutkan dari sana?") in offer.text
    assert [b["text"] for row in offer.markup["inline_keyboard"] for b in row] == ["Ya", "Tidak"]
    assert "NIK pemilik" in telegram_texts(chat.press(offer, "Ya"))
    replies = chat.say(RINA_NIK)
    assert "NIK sesuai" in telegram_texts(replies)
    assert "siapa saya berbicara" in replies[-1].text  # this channel's caller: asked
    replies = chat.say("Rina Marlina")
    assert "R1/1.300 VA ke daya R1/2.200 VA" in replies[-1].text  # the open question
    replies = chat.press(replies[-1], "Ya")
    assert "stroom awal" in telegram_texts(replies)
    replies = chat.say("50rb")
    assert "Rp893.300" in telegram_texts(replies)
    replies = chat.press(replies[-1], "Ya")
    replies = chat.press(replies[-1], "Pemilik")
    replies = chat.press(replies[-1], "Kebayoran Baru")
    replies = chat.say("Senayan")
    assert "NIK" not in replies[-1].text  # checked already in this request
    replies = chat.say("rina.marlina@gmail.com")
    replies = chat.press(replies[-1], "Ya") if replies[-1].markup.get("inline_keyboard") \
        else chat.share_contact(f"+{wa_id}")
    assert "Rina Marlina (541100001010)" in replies[-1].text  # the read-back
    saved = chat.press(replies[-1], "Ya")
    assert "nomor registrasinya" in telegram_texts(saved)
    (registration,) = simulator_registrations(e2e_client, stack.endpoints, "telegram:880011")
    assert registration["idpel"] == RINA_IDPEL


def test_a_forged_caller_id_hears_and_saves_nothing_before_the_owners_nik(
        stack, e2e_client, fake_whatsapp):
    wa_id = "6281200010012"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    forger = Caller(stack.env, e2e_client, f"+{wa_id}")  # the customer's number, forged
    said = offered(forger)
    assert "Lanjutkan dari sana?" in said
    heard = [forger.say("ya").said]
    heard.append(forger.key(WRONG_NIK).said)
    everything = " ".join(heard)
    for carried in ("Rina", "Marlina", RINA_IDPEL, "1.300", "seribu tiga ratus",
                    "dua ribu dua ratus", "Jalan", "Jl."):
        assert carried not in everything, carried
    assert "belum sesuai" in everything
    forger.hang_up()
    old = conversation_of(stack.env, "whatsapp", f"+{wa_id}")
    new = conversation_of(stack.env, "voice", f"+{wa_id}")
    assert simulator_tickets(e2e_client, stack.endpoints, old) == []  # the old one stays open
    assert simulator_registrations(e2e_client, stack.endpoints, new) == []
    tracker = e2e_client.get(f"{stack.endpoints.rasa_url}/conversations/{new}/tracker",
                             params={"token": stack.endpoints.token}).json()
    slots = tracker["slots"]
    for name in ("customer_number", "idpel", "customer_name", "target_power_va", "owner_nik"):
        assert slots.get(name) is None, name


def test_declining_starts_afresh_and_closes_the_old_request(stack, e2e_client, fake_whatsapp):
    wa_id = "6281200010013"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    caller = Caller(stack.env, e2e_client, f"+{wa_id}")
    assert "Lanjutkan dari sana?" in offered(caller)
    answer = caller.say("tidak")
    heard = answer.said
    while answer.goes_on:
        answer = caller.key("#")
        heard += " " + answer.said
    assert "permohonan baru" in heard and "siapa saya berbicara" in heard
    caller.hang_up()
    old = conversation_of(stack.env, "whatsapp", f"+{wa_id}")
    (closed,) = simulator_tickets(e2e_client, stack.endpoints, old)
    assert closed["kind"] == "issued_closed" and "baru" in closed["reason"]


def test_a_request_older_than_the_kept_time_is_not_offered(stack, e2e_client, fake_whatsapp):
    wa_id = "6281200010014"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    stopped_ago(stack, 24.5)  # default: kept 24 hours
    caller = Caller(stack.env, e2e_client, f"+{wa_id}")
    said = offered(caller)
    assert "Lanjutkan dari sana" not in said and "siapa saya berbicara" in said
    caller.hang_up()


def test_a_caller_id_a_rest_client_claims_is_never_offered_the_request(
        stack, e2e_client, fake_whatsapp):
    wa_id = "6281200010015"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    rest = f"{stack.endpoints.rasa_url}/webhooks/rest/webhook"
    sender = "e2e-rest-claims-6281200010015"
    said = []
    for text in ("halo", "mau tambah daya"):
        replies = e2e_client.post(rest, json={"sender": sender, "message": text,
                                               "metadata": {"caller_id": f"+{wa_id}"}}).json()
        said += [reply.get("text") or "" for reply in replies]
    assert not any("Lanjutkan dari sana" in text for text in said), said
    old = conversation_of(stack.env, "whatsapp", f"+{wa_id}")
    assert simulator_tickets(e2e_client, stack.endpoints, old) == []  # still open


def sign_in_to_console(stack, console: httpx.Client) -> None:
    """A CSO of the stack's console (an account made as ``add-user`` makes it), signed in."""
    env = {**os.environ, **stack.env}
    made = subprocess.run([sys.executable, "-m", "bot.console", "add-user", "dewi"],
                          input=CSO_PASSWORD + "\n", env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    page = console.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    console.post("/login", data={"name": "dewi", "password": CSO_PASSWORD, "csrf": csrf})


def test_the_console_shows_the_path_of_a_request_continued_on_telegram(
        stack, e2e_client, fake_whatsapp, fake_telegram):
    wa_id = "6281200010016"
    left_on_whatsapp(stack, e2e_client, fake_whatsapp, wa_id)
    chat = TelegramChat(stack, e2e_client, fake_telegram, chat_id=880016)
    chat.say("/start")
    chat.share_contact(f"+{wa_id}")
    (offer,) = chat.say("mau tambah daya")[-1:]
    assert "NIK pemilik" in telegram_texts(chat.press(offer, "Ya"))
    assert "NIK sesuai" in telegram_texts(chat.say(RINA_NIK))
    assert "petugas kami (CSO)" in telegram_texts(chat.say("saya mau bicara dengan petugas"))
    (handed,) = [t for t in simulator_tickets(e2e_client, stack.endpoints, "telegram:880016")
                 if t["kind"] == "cso_handoff"]
    ticket = handed["ticket_number"]

    console_url = f"http://{stack.env['PLN_HOST']}:{stack.env['PLN_CONSOLE_PORT']}"
    with httpx.Client(base_url=console_url, follow_redirects=False, trust_env=False,
                      timeout=30) as console:
        sign_in_to_console(stack, console)
        csrf = re.search(r'name="csrf" content="([^"]+)"', console.get("/").text).group(1)
        assert console.post(f"/cases/{ticket}/take",
                            headers={"X-CSRF-Token": csrf}).status_code == 200
        page = console.get(f"/cases/{ticket}").text
        path = re.search(r'<section id="request-path">(.*?)</section>', page, re.S).group(1)
        legs = re.findall(r"<li.*?</li>", path, re.S)
        assert len(legs) == 2
        assert "WhatsApp" in legs[0] and "konfirmasi daya dan tarif" in legs[0]
        assert "Telegram" in legs[1] and "(percakapan ini)" in legs[1]
        assert f'href="/cases/{ticket}/path/0"' in legs[0]
        earlier = console.get(f"/cases/{ticket}/path/0")
        assert earlier.status_code == 200 and "mau tambah daya" in earlier.text
        assert RINA_NIK not in page and RINA_NIK not in earlier.text
