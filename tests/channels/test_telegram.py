"""The Telegram channel against a local fake Bot API server (PTB's base_url pointed at it):
what each kind of update becomes for the assistant, and what the customer is sent.

The assistant here is a recording double (``Assistant``): these tests are about the
channel's translation; the whole conversation through Telegram on the real stack is in
tests/e2e/test_channel_telegram.py."""

from __future__ import annotations

import asyncio

import pytest
from fake_telegram import FakeTelegram, button_update, contact_update, message_update
from telegram import Update

from bot.channels.contract import Inbound
from bot.channels.replies import HANDOFF_NOTICE, PAUSED_NOTICE
from bot.channels.telegram import (
    CONTACT_NOT_OWN,
    GROUP_REFUSED,
    MAX_TEXT_CHARS,
    SHARE_PHONE_BUTTON,
    TelegramChannel,
    TelegramSettings,
    callback_data,
    retry_delay,
)
from bot.channels.verified_numbers import VerifiedNumbers


@pytest.fixture(scope="module")
def fake():
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture()
def telegram(fake, tmp_path):
    fake.clear()
    settings = TelegramSettings(token=fake.token, secret_token="s3cret", api_url=fake.api_url,
                                numbers_db=str(tmp_path / "channels.sqlite3"))
    return settings


class Assistant:
    """Answers each message with the replies queued for it (Rasa's message dicts), and
    records what it was given."""

    def __init__(self, *answers: list[dict]):
        self.answers = list(answers)
        self.received: list[Inbound] = []

    async def __call__(self, message: Inbound) -> list[dict]:
        self.received.append(message)
        await asyncio.sleep(0)
        return self.answers.pop(0) if self.answers else [{"text": f"diterima: {message.text}"}]


def run(settings: TelegramSettings, assistant: Assistant, *updates: dict,
        sleeps: list[float] | None = None) -> TelegramChannel:
    """Feed ``updates`` one after the other, as the webhook does, then wait for every reply
    to be sent."""

    async def scenario() -> TelegramChannel:
        async def no_wait(seconds: float) -> None:
            if sleeps is not None:
                sleeps.append(seconds)

        channel = TelegramChannel(settings, sleep=no_wait)
        for update in updates:
            await channel.handle(Update.de_json(update, channel.bot), assistant)
        await channel.outbox.idle()
        await channel.stop()
        return channel

    return asyncio.run(scenario())


def test_a_text_is_one_turn_with_the_contracts_sender_metadata_and_typing(fake, telegram):
    assistant = Assistant([{"text": "PLN 123 selamat pagi, ada yang bisa dibantu?"}])
    update = message_update(chat_id=101, text="mau tambah daya")
    run(telegram, assistant, update)
    (message,) = assistant.received
    assert message.sender_id == "telegram:101"
    assert message.text == "mau tambah daya"
    assert message.metadata == {"channel": "telegram",
                                "message_id": f"update-{update['update_id']}"}
    methods = [c.method for c in fake.sent(chat_id=101)]
    assert methods == ["sendChatAction", "sendMessage"]
    assert fake.sent("sendChatAction")[0].params["action"] == "typing"
    assert fake.texts(101) == ["PLN 123 selamat pagi, ada yang bisa dibantu?"]
    assert "parse_mode" not in fake.sent("sendMessage")[0].params  # nothing read as markup


def test_start_is_a_greeting(fake, telegram):
    assistant = Assistant()
    run(telegram, assistant, message_update(chat_id=102, text="/start"))
    assert assistant.received[0].text == "halo"


def test_buttons_are_an_inline_keyboard_and_a_press_acts_as_the_typed_word(fake, telegram):
    asked = [{"text": "Lokasi bangunan berada di kecamatan apa?",
              "buttons": [{"title": "Coblong", "payload": "Coblong"},
                          {"title": "Sukajadi", "payload": "Sukajadi"}]}]
    assistant = Assistant(asked, [{"text": "Kelurahannya apa?"}])
    keyboard = [[{"text": "Coblong", "callback_data": "Coblong"}],
                [{"text": "Sukajadi", "callback_data": "Sukajadi"}]]
    press = button_update(103, "Sukajadi", "Lokasi bangunan berada di kecamatan apa?", keyboard)
    run(telegram, assistant, message_update(chat_id=103, text="pemilik"), press)

    first = fake.sent("sendMessage", 103)[0]
    assert first.markup == {"inline_keyboard": keyboard}
    assert assistant.received[1].text == "Sukajadi"  # exactly as if typed
    answered = fake.sent("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [
        press["callback_query"]["id"]]
    edited = fake.sent("editMessageText", 103)
    assert edited[0].text.endswith("Pilihan: Sukajadi")
    assert "reply_markup" not in edited[0].params  # the keyboard is gone once used
    assert fake.texts(103)[-1] == "Kelurahannya apa?"


def test_yes_no_buttons_send_the_word(fake, telegram):
    asked = [{"text": "Apakah proses tambah daya akan dilanjutkan?",
              "buttons": [{"title": "Ya", "payload": "ya"}, {"title": "Tidak", "payload": "tidak"}]}]
    assistant = Assistant(asked)
    run(telegram, assistant, message_update(chat_id=104, text="50rb"),
        button_update(104, "tidak"))
    assert assistant.received[1].text == "tidak"
    keyboard = fake.sent("sendMessage", 104)[0].markup["inline_keyboard"]
    assert keyboard == [[{"text": "Ya", "callback_data": "ya"}],
                        [{"text": "Tidak", "callback_data": "tidak"}]]


def test_a_long_button_payload_fits_telegrams_64_bytes():
    assert callback_data("Dago", "Dago") == "Dago"
    long_name = "Kelurahan " + "Sukamaju " * 10
    assert len(callback_data(long_name, "Sukamaju").encode()) <= 64
    assert callback_data(long_name, "Sukamaju") == "Sukamaju"
    assert len(callback_data("é" * 60, "ü" * 60).encode()) <= 64


PHONE_QUESTION = [{"text": "Bisa dibantu nomor handphone yang dapat dikonfirmasi?"},
                  {"custom": {"share_phone": True}}]


def test_the_phone_question_offers_the_share_button_and_takes_the_senders_own_contact(
        fake, telegram):
    assistant = Assistant(PHONE_QUESTION, [{"text": "Kami konfirmasi data permohonannya"}],
                          [{"text": "berikutnya"}])
    run(telegram, assistant, message_update(chat_id=105, text="ya"),
        contact_update(105, "+6281234500101", contact_user_id=105),
        message_update(chat_id=105, text="ya benar"))
    asked = fake.sent("sendMessage", 105)[0]
    assert asked.markup["keyboard"] == [[{"text": SHARE_PHONE_BUTTON, "request_contact": True}]]
    assert asked.markup["one_time_keyboard"] is True
    shared = assistant.received[1]
    assert shared.text == "+6281234500101"
    assert shared.metadata["caller_id"] == "+6281234500101"
    # the verified number goes with every later message (the CRM's greeting next time)
    assert assistant.received[2].metadata["caller_id"] == "+6281234500101"
    # and the keyboard is taken away with the next reply
    assert fake.sent("sendMessage", 105)[1].markup == {"remove_keyboard": True}


def test_a_verified_number_outlives_the_process(fake, telegram):
    run(telegram, Assistant(), contact_update(106, "081234500101", contact_user_id=106))
    numbers = VerifiedNumbers(telegram.numbers_db)
    assert numbers.get("telegram", "106") == "081234500101"
    numbers.close()
    assistant = Assistant()
    run(telegram, assistant, message_update(chat_id=106, text="halo"))
    assert assistant.received[0].metadata["caller_id"] == "081234500101"


def test_someone_elses_or_a_forwarded_contact_is_refused_politely(fake, telegram):
    assistant = Assistant()
    run(telegram, assistant, contact_update(107, "+6281299998888", contact_user_id=999),
        contact_update(107, "+6281299998888", contact_user_id=None))
    assert assistant.received == []
    assert fake.texts(107) == [CONTACT_NOT_OWN, CONTACT_NOT_OWN]
    numbers = VerifiedNumbers(telegram.numbers_db)
    assert numbers.get("telegram", "107") is None
    numbers.close()


def test_a_redelivered_update_is_processed_once_and_answered_once(fake, telegram):
    assistant = Assistant([{"text": "Daya yang diinginkan berapa?"}])
    update = message_update(chat_id=108, text="532110000101")
    run(telegram, assistant, update, update)
    assert len(assistant.received) == 1
    assert fake.texts(108) == ["Daya yang diinginkan berapa?"]


def test_429_waits_what_telegram_says_and_keeps_the_order(fake, telegram):
    assistant = Assistant([{"text": "satu"}, {"text": "dua"}, {"text": "tiga"}])
    fake.fail("sendMessage", times=2, status=429, retry_after=3)
    sleeps: list[float] = []
    channel = run(telegram, assistant, message_update(chat_id=109, text="x"), sleeps=sleeps)
    assert fake.texts(109) == ["satu", "dua", "tiga"]
    assert sleeps == [3.0, 3.0]
    assert channel.outbox.failed == 0
    failed = [c for c in fake.calls if c.method == "sendMessage" and c.status == 429]
    assert len(failed) == 2


def test_network_errors_back_off_and_nothing_is_lost(fake, telegram):
    assistant = Assistant([{"text": "pertama"}], [{"text": "kedua"}])
    fake.fail("sendMessage", times=3, status=502)
    sleeps: list[float] = []
    run(telegram, assistant, message_update(chat_id=110, text="a"),
        message_update(chat_id=110, text="b"), sleeps=sleeps)
    assert fake.texts(110) == ["pertama", "kedua"]
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_policy_gives_up_on_refusals_and_after_the_attempts():
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    assert retry_delay(RetryAfter(7), 1) == 7.0
    assert retry_delay(TimedOut(), 2) == 1.0
    assert retry_delay(NetworkError("Bad Gateway"), 20) is None
    assert retry_delay(BadRequest("message is too long"), 1) is None
    assert retry_delay(Forbidden("bot was blocked by the user"), 1) is None


def test_every_kind_the_assistant_cannot_read_gets_a_clear_reply(fake, telegram):
    kinds = {
        "photo": ([{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}], "foto"),
        "sticker": ({"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                     "is_animated": False, "is_video": False, "type": "regular"}, "stiker"),
        "voice": ({"file_id": "v", "file_unique_id": "v", "duration": 3}, "pesan suara"),
        "document": ({"file_id": "d", "file_unique_id": "d"}, "dokumen"),
        "location": ({"latitude": -6.9, "longitude": 107.6}, "lokasi"),
        "video": ({"file_id": "w", "file_unique_id": "w", "width": 1, "height": 1,
                   "duration": 1}, "video"),
        "audio": ({"file_id": "a", "file_unique_id": "a", "duration": 1}, "audio"),
    }
    assistant = Assistant()
    updates = [message_update(chat_id=111, text=None, **{kind: value})
               for kind, (value, _name) in kinds.items()]
    run(telegram, assistant, *updates)
    assert assistant.received == []
    texts = fake.texts(111)
    assert len(texts) == len(kinds)
    for text, (_value, name) in zip(texts, kinds.values(), strict=True):
        assert f"belum dapat membaca {name}." in text
        assert "pesan teks" in text


def test_group_chats_are_refused(fake, telegram):
    assistant = Assistant()
    run(telegram, assistant, message_update(chat_id=-5001, text="tambah daya",
                                            chat_type="group"))
    assert assistant.received == []
    assert fake.texts(-5001) == [GROUP_REFUSED]


def test_a_long_reply_is_split_on_sentences_under_telegrams_limit(fake, telegram):
    sentence = "Mohon agar mempersiapkan dua lembar meterai untuk penandatanganan SPJBTL. "
    long_text = sentence * 120  # about 8,900 characters
    assistant = Assistant([{"text": long_text, "buttons": [{"title": "Ya", "payload": "ya"}]}])
    run(telegram, assistant, message_update(chat_id=112, text="x"))
    parts = fake.sent("sendMessage", 112)
    assert len(parts) == 3
    assert all(len(p.text) <= MAX_TEXT_CHARS and p.text.endswith("SPJBTL.") for p in parts)
    assert " ".join(p.text for p in parts) == long_text.strip()
    assert [bool(p.markup) for p in parts] == [False, False, True]  # buttons on the last


def test_markup_in_a_reply_is_sent_as_plain_text(fake, telegram):
    text = "Nomor <b>registrasi</b> *penting* & _ini_"
    run(telegram, Assistant([{"text": text}]), message_update(chat_id=113, text="x"))
    (sent,) = fake.sent("sendMessage", 113)
    assert sent.text == text and "parse_mode" not in sent.params


def test_a_handover_says_the_cso_answers_here_and_a_paused_chat_is_acknowledged(
        fake, telegram):
    handoff = [{"text": "Baik Bapak, percakapan ini kami teruskan kepada petugas kami (CSO)."},
               {"custom": {"handoff": True}}]
    assistant = Assistant(handoff, [])  # then paused: Rasa answers nothing
    run(telegram, assistant, message_update(chat_id=114, text="mau bicara dengan CS"),
        message_update(chat_id=114, text="halo? masih di sana?"))
    first, second = fake.texts(114)
    assert first.endswith(HANDOFF_NOTICE)
    assert second == PAUSED_NOTICE
    assert len(assistant.received) == 2  # the CSO's console still sees the message


def test_a_failed_turn_is_told_to_the_customer(fake, telegram):
    async def broken(message: Inbound) -> list[dict]:
        raise RuntimeError("lock store down")

    run(telegram, broken, message_update(chat_id=115, text="halo"))
    assert "belum dapat kami proses" in fake.texts(115)[0]


def test_turns_of_one_chat_are_answered_in_order_even_when_delivered_together(fake, telegram):
    class Slow(Assistant):
        async def __call__(self, message: Inbound) -> list[dict]:
            await asyncio.sleep(0.05 if message.text == "pertama" else 0)
            return [{"text": f"jawaban {message.text}"}]

    async def scenario() -> None:
        channel = TelegramChannel(telegram)
        slow = Slow()
        updates = [Update.de_json(message_update(chat_id=116, text=t), channel.bot)
                   for t in ("pertama", "kedua")]
        await asyncio.gather(*(channel.handle(u, slow) for u in updates))
        await channel.outbox.idle()
        await channel.stop()

    asyncio.run(scenario())
    assert fake.texts(116) == ["jawaban pertama", "jawaban kedua"]


def test_long_polling_takes_updates_from_get_updates(fake, telegram):
    from dataclasses import replace

    settings = replace(telegram, mode="polling", secret_token=None)
    assistant = Assistant([{"text": "halo juga"}])
    fake.updates.append(message_update(chat_id=117, text="halo"))

    async def scenario() -> str:
        channel = TelegramChannel(settings)
        started = await channel.start(assistant)
        for _ in range(200):
            if fake.texts(117):
                break
            await asyncio.sleep(0.02)
        await channel.stop()
        return started

    started = asyncio.run(scenario())
    assert "polling" in started
    assert fake.texts(117) == ["halo juga"]
    assert fake.sent("deleteWebhook")


def test_messages_outside_a_turn_are_rendered_and_sent_in_order(fake, telegram):
    from dataclasses import replace

    async def scenario():
        channel = TelegramChannel(replace(telegram, mode="send", secret_token=None))
        channel.deliver(118, [{"text": "Halo, saya Sari dari PLN 123."},
                              {"text": "Bisa dibantu nomor handphone?"},
                              {"custom": {"share_phone": True}}])
        await channel.outbox.idle()
        await channel.stop()

    asyncio.run(scenario())
    first, second = fake.sent("sendMessage", 118)
    assert first.text == "Halo, saya Sari dari PLN 123."
    assert second.markup["keyboard"][0][0]["request_contact"] is True
