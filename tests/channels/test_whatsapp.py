"""The WhatsApp channel against a local fake Graph API (``tests/fake_graph.py``): what each
webhook delivery becomes for the assistant, and what the customer is sent. The assistant
here is a recording double; the whole conversation on the real stack is
tests/e2e/test_channel_whatsapp.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fake_graph import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraph,
    as_bytes,
    button_reply,
    list_reply,
    message,
    sign,
    status,
)

from bot.channels.contract import Inbound
from bot.channels.replies import HANDOFF_NOTICE, PAUSED_NOTICE
from bot.channels.whatsapp import (
    WhatsAppChannel,
    WhatsAppSettings,
    retry_delay,
    signature_matches,
    verification_challenge,
)
from bot.pseudonyms import load_key, pseudonym

PSEUDONYM_KEY_FILE = Path(__file__).resolve().parents[1] / "pseudonym.key"
TEST_KEY = load_key(PSEUDONYM_KEY_FILE)

WA = "6281234500101"


@pytest.fixture(scope="module")
def fake():
    server = FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture()
def settings(fake):
    fake.calls.clear()
    return WhatsAppSettings(access_token=ACCESS_TOKEN, app_secret=APP_SECRET,
                            verify_token=VERIFY_TOKEN, phone_number_id=PHONE_NUMBER_ID,
                            api_url=fake.api_url, pseudonym_key_file=str(PSEUDONYM_KEY_FILE))


class Assistant:
    def __init__(self, *answers: list[dict]):
        self.answers = list(answers)
        self.received: list[Inbound] = []

    async def __call__(self, inbound: Inbound) -> list[dict]:
        self.received.append(inbound)
        return self.answers.pop(0) if self.answers else [{"text": f"diterima: {inbound.text}"}]


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(settings, assistant, *deliveries, sleeps=None, clock=None,
        after=None) -> WhatsAppChannel:
    async def scenario() -> WhatsAppChannel:
        async def no_wait(seconds: float) -> None:
            if sleeps is not None:
                sleeps.append(seconds)

        channel = WhatsAppChannel(settings, clock=clock or Clock(), sleep=no_wait)
        for body in deliveries:
            await channel.handle(body, assistant)
        if after is not None:
            after(channel)
        await channel.outbox.idle()
        await channel.stop()
        return channel

    return asyncio.run(scenario())


def test_a_text_is_one_turn_with_the_verified_number_and_is_marked_read(fake, settings):
    assistant = Assistant([{"text": "PLN 123 selamat pagi, ada yang bisa dibantu?"}])
    body = message(WA, text="halo", message_id="wamid.A1")
    run(settings, assistant, body)
    (received,) = assistant.received
    # named by the customer's pseudonym, never the number (bot.pseudonyms)
    assert received.sender_id == "whatsapp:" + pseudonym(TEST_KEY, "+6281234500101")
    assert "6281234500101" not in received.sender_id
    assert received.metadata == {"channel": "whatsapp", "caller_id": "+6281234500101",
                                 "message_id": "wamid.A1"}
    read, text = fake.sent()
    assert read.body == {"messaging_product": "whatsapp", "status": "read",
                         "message_id": "wamid.A1"}
    assert text.body == {"messaging_product": "whatsapp", "to": WA, "type": "text",
                         "text": {"body": "PLN 123 selamat pagi, ada yang bisa dibantu?",
                                  "preview_url": False}}


def test_yes_no_are_reply_buttons_and_a_press_acts_as_the_typed_word(fake, settings):
    asked = [{"text": "Apakah proses tambah daya akan dilanjutkan?",
              "buttons": [{"title": "Ya", "payload": "ya"}, {"title": "Tidak", "payload": "tidak"}]}]
    assistant = Assistant(asked)
    run(settings, assistant, message(WA, text="50rb"), button_reply(WA, "tidak", "Tidak"))
    (interactive,) = fake.sent(WA, "interactive")
    assert interactive.body["interactive"] == {
        "type": "button", "body": {"text": "Apakah proses tambah daya akan dilanjutkan?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "ya", "title": "Ya"}},
                               {"type": "reply", "reply": {"id": "tidak", "title": "Tidak"}}]}}
    assert assistant.received[1].text == "tidak"


def test_many_or_long_choices_are_a_list_and_a_row_acts_as_the_typed_word(fake, settings):
    names = ["Dago", "Lebak Siliwangi", "Sekeloa", "Cipaganti", "Lebak Gede", "Sadang Serang"]
    kelurahan = [{"text": "Kelurahannya apa?",
                  "buttons": [{"title": n, "payload": n} for n in names]}]
    lit = [{"text": "LIT TR mana?", "buttons": [
        {"title": "PT Inspeksi Listrik Nusantara Jaya", "payload": "PT Inspeksi Listrik Nusantara Jaya"}]}]
    assistant = Assistant(kelurahan, lit)
    run(settings, assistant, message(WA, text="Coblong"), list_reply(WA, "Sekeloa", "Sekeloa"),
        message(WA, text="x"))
    first, second = fake.sent(WA, "interactive")
    assert first.body["interactive"]["type"] == "list"
    rows = first.body["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == names and all(len(r["title"]) <= 24 for r in rows)
    assert first.body["interactive"]["action"]["button"] == "Pilih"
    assert assistant.received[1].text == "Sekeloa"
    (row,) = second.body["interactive"]["action"]["sections"][0]["rows"]
    assert row["title"] == "PT Inspeksi Listrik Nus…" and len(row["title"]) == 24
    assert row["description"] == "PT Inspeksi Listrik Nusantara Jaya"
    assert row["id"] == "PT Inspeksi Listrik Nusantara Jaya"  # the whole name is chosen


def test_more_than_ten_choices_stay_in_the_text(fake, settings):
    many = [{"text": "Pilihan: " + ", ".join(f"K{i}" for i in range(12)),
             "buttons": [{"title": f"K{i}", "payload": f"K{i}"} for i in range(12)]}]
    run(settings, Assistant(many), message(WA, text="x"))
    assert [c.kind for c in fake.sent(WA)] == ["text"]


def test_long_texts_split_at_4096_and_a_long_question_keeps_its_buttons(fake, settings):
    sentence = "Mohon agar mempersiapkan dua lembar meterai untuk penandatanganan SPJBTL. "
    asked = [{"text": sentence * 80, "buttons": [{"title": "Ya", "payload": "ya"}]}]
    run(settings, Assistant(asked), message(WA, text="x"))
    kinds = [c.kind for c in fake.sent(WA)]
    assert kinds == ["text", "text", "interactive"]
    texts = fake.texts(WA)
    assert all(len(t) <= 4096 for t in texts)
    assert texts[-1] == "Silakan pilih:"


def test_statuses_are_recorded_not_messages(fake, settings):
    assistant = Assistant()
    channel = run(settings, assistant, status(WA, "wamid.OUT7", "sent"),
                  status(WA, "wamid.OUT7", "delivered"), status(WA, "wamid.OUT7", "read"),
                  status(WA, "wamid.OUT8", "failed"))
    assert assistant.received == []
    assert channel.statuses == {"wamid.OUT7": "read", "wamid.OUT8": "failed"}
    assert fake.sent() == []


def test_a_redelivered_message_is_processed_once(fake, settings):
    assistant = Assistant([{"text": "Daya yang diinginkan berapa?"}])
    body = message(WA, text="532110000101", message_id="wamid.SAME")
    run(settings, assistant, body, body)
    assert len(assistant.received) == 1
    assert fake.texts(WA) == ["Daya yang diinginkan berapa?"]


@pytest.mark.parametrize("kind, content, name", [
    ("image", {"image": {"id": "1", "mime_type": "image/jpeg"}}, "gambar"),
    ("audio", {"audio": {"id": "2", "mime_type": "audio/ogg", "voice": True}}, "pesan suara"),
    ("sticker", {"sticker": {"id": "3", "mime_type": "image/webp"}}, "stiker"),
    ("location", {"location": {"latitude": -6.9, "longitude": 107.6}}, "lokasi"),
    ("document", {"document": {"id": "4", "filename": "ktp.pdf"}}, "dokumen"),
    ("video", {"video": {"id": "5"}}, "video"),
    ("unsupported", {"errors": [{"code": 131051}]}, "pesan jenis ini"),
])
def test_non_text_messages_get_a_clear_reply(fake, settings, kind, content, name):
    assistant = Assistant()
    run(settings, assistant, message(WA, kind, **content))
    assert assistant.received == []
    (text,) = fake.texts(WA)
    assert f"belum dapat membaca {name}." in text and "pesan teks" in text


def test_rate_limits_and_server_errors_back_off_nothing_lost_order_kept(fake, settings):
    assistant = Assistant([{"text": "satu"}, {"text": "dua"}], [{"text": "tiga"}])
    fake.fail(2, status=429, code=130429)
    fake.fail(1, status=500, code=2)
    sleeps: list[float] = []
    run(settings, assistant, message(WA, text="a"), message(WA, text="b"), sleeps=sleeps)
    assert fake.texts(WA) == ["satu", "dua", "tiga"]
    assert sleeps  # each failure waited before the next attempt


def test_retry_policy():
    from bot.channels.whatsapp import GraphError
    assert retry_delay(GraphError(429, 130429, "rate"), 1) == 1.0
    assert retry_delay(GraphError(400, 80007, "rate"), 3) == 4.0
    assert retry_delay(GraphError(503, None, "down"), 2) == 2.0
    assert retry_delay(GraphError(400, 131047, "re-engagement"), 1) is None
    assert retry_delay(GraphError(401, 190, "token"), 1) is None
    assert retry_delay(GraphError(500, 1, "x"), 8) is None


def test_the_24_hour_window_free_text_inside_a_template_outside(fake, settings):
    clock = Clock()
    decisions = []

    def later(channel):  # what this process saw of the customer decides
        reminder = [{"text": "Pengingat pembayaran"}]
        decisions.append(channel.deliver(WA, reminder, template_parameters=["532112611270001"]))
        clock.now += 24 * 3600 + 1
        decisions.append(channel.deliver(WA, reminder, template_parameters=["532112611270001"]))
        decisions.append(channel.deliver("6289999", reminder, template_parameters=["x"]))

    run(settings, Assistant([{"text": "halo"}]), message(WA, text="halo"), clock=clock,
        after=later)
    assert decisions == ["free-form", "template", "template"]
    template = fake.sent(WA, "template")[0].body["template"]
    assert template["name"] == settings.reminder_template
    assert template["language"] == {"code": "id"}
    assert template["components"][0]["parameters"] == [{"type": "text",
                                                        "text": "532112611270001"}]


def test_a_handover_and_a_paused_conversation(fake, settings):
    handoff = [{"text": "Kami teruskan kepada petugas kami (CSO)."}, {"custom": {"handoff": True}}]
    run(settings, Assistant(handoff, []), message(WA, text="mau bicara dengan CS"),
        message(WA, text="halo?"))
    first, second = fake.texts(WA)
    assert first.endswith(HANDOFF_NOTICE) and second == PAUSED_NOTICE


def test_signature_and_verification_rules():
    body = as_bytes(message(WA, text="halo"))
    assert signature_matches(APP_SECRET, body, sign(body))
    assert not signature_matches(APP_SECRET, body, None)
    assert not signature_matches(APP_SECRET, body, sign(body, "another-secret"))
    assert not signature_matches(APP_SECRET, body + b" ", sign(body))
    assert not signature_matches(APP_SECRET, body, sign(body).replace("sha256=", "sha1="))
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    assert verification_challenge(params, VERIFY_TOKEN) == "42"
    assert verification_challenge({**params, "hub.verify_token": "x"}, VERIFY_TOKEN) is None
    assert verification_challenge({**params, "hub.mode": "unsubscribe"}, VERIFY_TOKEN) is None


def test_a_message_outside_a_turn_keeps_the_24_hour_rule_by_the_conversations_clock(
        fake, settings):
    clock = Clock()
    how = []

    def later(channel):  # a CSO's reply: the console knows when the customer last wrote
        how.append(channel.deliver(WA, [{"text": "Halo, saya Sari dari PLN 123."}],
                                   last_message_at=clock.now - 3600))
        how.append(channel.deliver(WA, [{"text": "Masih ada yang bisa dibantu?"}],
                                   last_message_at=clock.now - 25 * 3600))

    run(settings, Assistant(), clock=clock, after=later)
    assert how == ["free-form", "template"]
    assert fake.texts(WA) == ["Halo, saya Sari dari PLN 123."]
    assert len(fake.sent(WA, "template")) == 1
