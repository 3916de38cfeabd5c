"""Telegram on the real stack: updates posted to Rasa's Telegram webhook as Telegram posts
them, replies read from the fake Bot API server's log (``fake_telegram``).

The whole happy path ends with the registration saved in the simulator, with buttons
pressed (callback queries) and the customer's own contact shared at the phone step. The
transcript it produces is the example chat of ``docs/telegram-transcript.md`` (
rewritten by ``PLN_WRITE_TRANSCRIPT=1``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conversation_harness import simulator_registrations
from e2e_support import StackProblem
from fake_telegram import message_update
from telegram_chat import Chat, texts

pytestmark = pytest.mark.e2e

TRANSCRIPT = Path(__file__).resolve().parents[2] / "docs" / "telegram-transcript.md"


@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    return e2e_stack


def test_budi_registers_through_telegram_with_buttons_and_his_own_contact(
        stack, e2e_client, fake_telegram):
    chat = Chat(stack, e2e_client, fake_telegram, chat_id=880001)
    assert re.search(r"PLN 123 selamat \w+", texts(chat.say("/start")))
    assert "dengan Bapak/Ibu siapa" in texts(chat.say("mau tambah daya"))
    (asked,) = chat.say("Budi Santoso")
    assert "sudah mempersiapkan persyaratannya" in asked.text
    assert "ID pelanggan atau nomor meternya" in texts(chat.press(asked, "Sudah"))
    assert "Daya yang diinginkan berapa?" in texts(chat.say("532110000101"))
    replies = chat.say("2200")
    assert "R1/1.300 VA ke daya R1/2.200 VA" in replies[-1].text
    replies = chat.press(replies[-1], "Ya")
    assert "stroom awal" in texts(replies)
    replies = chat.say("50rb")
    assert "Total biaya penyambungan sebesar Rp893.300" in texts(replies)
    replies = chat.press(replies[-1], "Ya")
    assert "pemilik bangunan atau yang dikuasakan" in replies[-1].text
    replies = chat.press(replies[-1], "Pemilik")
    assert "kecamatan" in replies[-1].text
    replies = chat.press(replies[-1], "Coblong")
    assert "Kelurahan" in replies[-1].text
    replies = chat.press(replies[-1], "Dago")
    assert "NIK pemilik bangunan" in texts(replies)
    assert "alamat email" in texts(chat.say("3273011508850001"))
    (phone_question,) = chat.say("budi.santoso@gmail.com")
    assert "nomor handphone" in phone_question.text
    assert phone_question.markup["keyboard"] == [[{"text": "Bagikan nomor",
                                                   "request_contact": True}]]
    replies = chat.share_contact("+6281234500101")
    readback = replies[-1].text
    assert "Budi Santoso (532110000101)" in readback and "081234500101" in readback
    assert "Jl. Dago No. 12" in readback
    replies = chat.press(replies[-1], "Ya")
    saved = re.search(r"nomor registrasinya: (\d{10,})", texts(replies))
    assert saved, texts(replies)

    registrations = simulator_registrations(e2e_client, stack.endpoints, "telegram:880001")
    assert [r["registration_number"] for r in registrations] == [saved.group(1)]
    assert registrations[0]["idpel"] == "532110000101"
    # every button press was answered, each keyboard replaced by the choice
    presses = [what for who, what in chat.log if what.startswith("[menekan")]
    assert len(presses) == 7
    assert len(fake_telegram.sent("answerCallbackQuery")) >= len(presses)
    assert any(c.text.endswith("Pilihan: Coblong")
               for c in fake_telegram.sent("editMessageText", 880001))
    if os.environ.get("PLN_WRITE_TRANSCRIPT"):
        _write_transcript(chat.log)


def test_the_shared_number_is_the_caller_id_of_the_next_conversation(
        stack, e2e_client, fake_telegram):
    chat = Chat(stack, e2e_client, fake_telegram, chat_id=880002)
    chat.say("/start")
    chat.share_contact("081234500101")  # Budi's number, known to the CRM
    replies = chat.say("mau tambah daya")
    assert "Bapak Budi Santoso" in texts(replies)  # the CRM's name: no "siapa" asked
    assert "dengan Bapak/Ibu siapa" not in texts(replies)


def test_the_webhook_refuses_an_update_without_the_secret(stack, e2e_client, fake_telegram):
    chat = Chat(stack, e2e_client, fake_telegram, chat_id=880003)
    for secret in (None, "wrong-secret"):
        response = chat.post(message_update(880003, "mau tambah daya"), secret=secret)
        assert response.status_code == 403
    response = chat.post({"not": "an update"})
    assert response.status_code == 400
    assert fake_telegram.sent(chat_id=880003) == []  # nothing processed, nothing sent


def _write_transcript(log: list[tuple[str, str]]) -> None:
    lines = ["# A chat on Telegram (rendered from the fake Bot API server's log)", "",
             "Written by `tests/e2e/test_channel_telegram.py` (`PLN_WRITE_TRANSCRIPT=1`): "
             "every line below is what the stack received as a Telegram update or sent "
             "through the Bot API. Buttons are shown in [brackets].", ""]
    for who, what in log:
        speaker = "**Pelanggan**" if who == "customer" else "**PLN 123**"
        body = what.replace("\n", "  \n")
        lines.append(f"{speaker}: {body}")
        lines.append("")
    TRANSCRIPT.write_text("\n".join(lines))
