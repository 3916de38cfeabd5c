"""WhatsApp on the real stack: Meta's webhook verification, signed deliveries posted to
Rasa's WhatsApp webhook as Meta posts them, the replies read from the fake Graph API's log
(``fake_whatsapp``)."""

from __future__ import annotations

import time

import httpx
import pytest
from conversation_harness import simulator_registrations
from e2e_support import StackProblem, conversation_of
from fake_graph import VERIFY_TOKEN, FakeGraph, as_bytes, button_reply, list_reply, message, sign

pytestmark = pytest.mark.e2e


class Chat:
    def __init__(self, stack, client: httpx.Client, fake: FakeGraph, wa_id: str):
        self.url = (f"http://{stack.env['PLN_HOST']}:{stack.env['PLN_RASA_PORT']}"
                    "/webhooks/whatsapp/webhook")
        self.client, self.fake, self.wa_id = client, fake, wa_id

    def post(self, body: dict, signature: str | None = "sign") -> httpx.Response:
        raw = as_bytes(body)
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(raw)
        elif signature:
            headers["X-Hub-Signature-256"] = signature
        return self.client.post(self.url, content=raw, headers=headers)

    def send(self, body: dict) -> list:
        before = len(self.fake.sent(self.wa_id))
        response = self.post(body)
        assert response.status_code == 200, response.text
        self.fake.wait_for(lambda: len(self.fake.sent(self.wa_id)) > before)
        count = -1
        while count != len(self.fake.sent(self.wa_id)):  # until the turn's replies are all out
            count = len(self.fake.sent(self.wa_id))
            time.sleep(0.3)
        return self.fake.sent(self.wa_id)[before:]

    def say(self, text: str) -> list:
        return self.send(message(self.wa_id, text=text))


def texts(calls) -> str:
    return "\n".join(c.text or "" for c in calls)


@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    return e2e_stack


def test_meta_verifies_the_webhook_with_the_verify_token(stack, e2e_client):
    url = (f"http://{stack.env['PLN_HOST']}:{stack.env['PLN_RASA_PORT']}"
           "/webhooks/whatsapp/webhook")
    ok = e2e_client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                     "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = e2e_client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                        "hub.challenge": "1"})
    assert wrong.status_code == 403


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc"])
def test_a_delivery_without_a_valid_signature_is_refused(stack, e2e_client, fake_whatsapp,
                                                         signature):
    chat = Chat(stack, e2e_client, fake_whatsapp, "6281200000777")
    response = chat.post(message(chat.wa_id, text="mau tambah daya"), signature=signature)
    assert response.status_code == 403
    time.sleep(0.3)
    assert fake_whatsapp.sent(chat.wa_id) == []


def test_budi_registers_on_whatsapp_with_buttons_and_lists(stack, e2e_client, fake_whatsapp):
    chat = Chat(stack, e2e_client, fake_whatsapp, "6281234500101")  # Budi's number
    assert "bisa dibantu" in texts(chat.say("halo"))
    replies = chat.say("mau tambah daya")
    assert "Bapak Budi Santoso" in texts(replies)  # wa_id is the caller id: the CRM's name
    question = replies[-1]
    assert question.kind == "interactive" and question.body["interactive"]["type"] == "button"
    assert "ID pelanggan" in texts(chat.send(button_reply(chat.wa_id, "sudah", "Sudah")))
    assert "Daya yang diinginkan" in texts(chat.say("532110000101"))
    chat.say("2200")
    assert "stroom awal" in texts(chat.send(button_reply(chat.wa_id, "ya", "Ya")))
    assert "Rp893.300" in texts(chat.say("50rb"))
    chat.send(button_reply(chat.wa_id, "ya", "Ya"))
    replies = chat.send(button_reply(chat.wa_id, "pemilik", "Pemilik"))
    assert replies[-1].body["interactive"]["type"] == "button"  # 3 short kecamatan names
    replies = chat.send(button_reply(chat.wa_id, "Coblong", "Coblong"))
    kelurahan = replies[-1].body["interactive"]
    assert kelurahan["type"] == "list"  # 6 kelurahan: a list
    assert "NIK pemilik" in texts(chat.send(list_reply(chat.wa_id, "Dago", "Dago")))
    chat.say("3273011508850001")
    assert "dapat dikonfirmasi" in texts(chat.say("budi.santoso@gmail.com"))
    readback = chat.send(button_reply(chat.wa_id, "ya", "Ya"))
    assert "081234500101" in texts(readback) and "Jl. Dago No. 12" in texts(readback)
    # a redelivery of the confirmation is processed once: one registration
    confirm = button_reply(chat.wa_id, "ya", "Ya")
    saved = chat.send(confirm)
    assert "nomor registrasinya" in texts(saved)
    assert chat.post(confirm).status_code == 200
    registrations = simulator_registrations(e2e_client, stack.endpoints,
                                            conversation_of(stack.env, "whatsapp", "+6281234500101"))
    assert len(registrations) == 1 and registrations[0]["idpel"] == "532110000101"
    # the conversation is named by Budi's pseudonym everywhere it is stored, not his number
    assert "6281234500101" not in registrations[0]["conversation_id"]
    assert conversation_ids_holding(stack.env, "81234500101") == []
    assert fake_whatsapp.sent(kind="read")  # messages were marked as read


def conversation_ids_holding(env: dict[str, str], digits: str) -> list[str]:
    """Every conversation id in the stack's stores (the tracker's events, AP2T's
    registrations, APKT's tickets: what the console's queue and stream show) that holds
    ``digits``."""
    import sqlite3

    stores = {env["PLN_TRACKER_SQLITE"]: ("SELECT DISTINCT sender_id FROM events",),
              env["PLN_SIM_DATABASE_URL"].removeprefix("sqlite:///"): (
                  "SELECT conversation_id FROM registrations",
                  "SELECT conversation_id FROM tickets")}
    found = []
    for path, queries in stores.items():
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            found += [row[0] for query in queries for row in db.execute(query)
                      if row[0] and digits in row[0]]
    return found
