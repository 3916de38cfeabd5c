"""The voice channel's translation (bot/channels/voice.py) with a recording assistant: the
call's messages, the TwiML per question, menus, silences, transfer and hang-up. The whole
call on the real stack, signed, is tests/e2e/test_channel_voice.py."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ElementTree

import pytest

from bot.channels.contract import CALL_ENDED, CALLER_SILENT, Inbound
from bot.channels.replies import Button
from bot.channels.voice import VoiceChannel, VoiceSettings, chosen, spoken_menu

SETTINGS = VoiceSettings(auth_token="t", public_url="https://ivr.example.id")
CALL = {"CallSid": "CA1", "From": "+6281234500101", "To": "+62123"}


class Assistant:
    def __init__(self, *answers: list[dict], asking: str | None = None):
        self.answers = list(answers)
        self.received: list[Inbound] = []
        self.question = asking

    async def __call__(self, message: Inbound) -> list[dict]:
        self.received.append(message)
        if message.text.startswith("/restart"):
            return []
        return self.answers.pop(0) if self.answers else [{"text": "Baik."}]

    async def asking(self, sender: str) -> str | None:
        return self.question


def xml(twiml: str) -> ElementTree.Element:
    return ElementTree.fromstring(twiml)


def test_a_call_starts_a_fresh_conversation_with_the_callers_number():
    assistant = Assistant([{"text": "PLN 123 selamat pagi, ada yang bisa dibantu?"}])
    channel = VoiceChannel(SETTINGS)
    root = xml(asyncio.run(channel.incoming(CALL, assistant, assistant.asking)))
    restart, greet = assistant.received
    assert (restart.text, greet.text) == ("/restart", "/greet")
    assert greet.sender_id == "voice:+6281234500101"
    assert greet.metadata == {"channel": "voice", "message_id": "CA1:greet",
                              "caller_id": "+6281234500101"}
    gather = root.find("Gather")
    assert gather.get("action").startswith("https://ivr.example.id/webhooks/voice/gather?turn=")
    assert gather.find("Say").text == "P L N seratus dua puluh tiga selamat pagi, ada yang bisa dibantu?"


def test_a_hidden_number_is_a_conversation_of_its_own_call():
    assistant = Assistant()
    asyncio.run(VoiceChannel(SETTINGS).incoming({**CALL, "From": "anonymous"}, assistant,
                                                assistant.asking))
    assert assistant.received[-1].sender_id == "voice:CA1"
    assert "caller_id" not in assistant.received[-1].metadata


@pytest.mark.parametrize("question, timeout, hint", [
    ("owner_nik", "12", "$OOV_CLASS_DIGIT_SEQUENCE"),
    ("customer_number", "10", "$OOV_CLASS_DIGIT_SEQUENCE"),
    ("stroom_awal_rp", "8", "ribu"),
    ("target_power_va", "8", "2200"),
    (None, "6", None),
])
def test_listening_fits_the_open_question(question, timeout, hint):
    assistant = Assistant(asking=question)
    root = xml(asyncio.run(VoiceChannel(SETTINGS).incoming(CALL, assistant, assistant.asking)))
    gather = root.find("Gather")
    assert gather.get("timeout") == timeout
    assert (gather.get("hints") is None) if hint is None else hint in gather.get("hints")


def test_choices_are_a_spoken_menu_and_a_key_is_the_choice():
    buttons = (Button("Coblong", "Coblong"), Button("Sukajadi", "Sukajadi"))
    assert spoken_menu(buttons) == "Silakan tekan satu untuk Coblong, tekan dua untuk Sukajadi."
    assert chosen("2", buttons) == "Sukajadi"
    assert chosen("7", buttons) == "7" and chosen("2", ()) == "2"
    asked = [{"text": "Lokasi bangunan berada di kecamatan apa?",
              "buttons": [{"title": "Coblong", "payload": "Coblong"},
                          {"title": "Sukajadi", "payload": "Sukajadi"}]}]
    assistant = Assistant(asked, [{"text": "Kelurahannya apa?"}])
    channel = VoiceChannel(SETTINGS)

    async def scenario():
        await channel.incoming(CALL, assistant, assistant.asking)
        return await channel.gather({**CALL, "Digits": "2"}, assistant, assistant.asking)

    asyncio.run(scenario())
    assert assistant.received[-1].text == "Sukajadi"


def test_silence_twice_reprompts_in_other_words_then_goes_to_a_cso():
    handoff = [{"text": "Baik Bapak, percakapan ini kami teruskan kepada petugas kami (CSO)."},
               {"custom": {"handoff": True, "ticket": "APKT2611270001"}}]
    assistant = Assistant([{"text": "Daya yang diinginkan berapa?"}], handoff)
    channel = VoiceChannel(SETTINGS)

    async def scenario():
        await channel.incoming(CALL, assistant, assistant.asking)
        return [await channel.gather(CALL, assistant, assistant.asking) for _ in range(3)]

    first, second, third = (xml(t) for t in asyncio.run(scenario()))
    assert first.find("Gather/Say").text == ("Mohon maaf, suara Bapak atau Ibu belum "
                                             "terdengar. Daya yang diinginkan berapa?")
    assert "menekan tombol angka" in second.find("Gather/Say").text
    assert second.find("Gather/Say").text.endswith("Daya yang diinginkan berapa?")
    assert [m.text for m in assistant.received] == ["/restart", "/greet", CALLER_SILENT]
    assert third.find("Gather") is None
    assert third.find("Enqueue").text == "cso-pln123"
    said = third.find("Say").text
    assert "Nomor tiket Bapak atau Ibu: A P K T" in said  # letters, then digits in groups
    assert said.endswith("petugas C S O kami.")


def test_with_a_cso_number_the_call_is_dialled_and_the_cso_hears_the_ticket_first():
    settings = VoiceSettings(auth_token="t", public_url="https://ivr.example.id",
                             cso_number="+62221234567")
    handoff = [{"text": "Kami teruskan."}, {"custom": {"handoff": True, "ticket": "T-77"}}]
    assistant = Assistant([{"text": "Halo"}], handoff)
    channel = VoiceChannel(settings)

    async def scenario():
        await channel.incoming(CALL, assistant, assistant.asking)
        return await channel.gather({**CALL, "SpeechResult": "mau bicara dengan CS"},
                                    assistant, assistant.asking)

    root = xml(asyncio.run(scenario()))
    number = root.find("Dial/Number")
    assert number.text == "+62221234567"
    assert number.get("url") == "https://ivr.example.id/webhooks/voice/whisper?ticket=T-77"
    assert "T, tujuh tujuh" in xml(channel.whisper("T-77")).find("Say").text


def test_the_conversations_end_hangs_up_and_the_calls_end_is_told_to_the_assistant():
    closing = [{"text": "Terimakasih telah menghubungi PLN 123."},
               {"text": "Bapak Budi, Selamat beraktifitas."}, {"custom": {"ends": True}}]
    assistant = Assistant([{"text": "Ada lagi yang bisa dibantu?"}], closing)
    channel = VoiceChannel(SETTINGS)

    async def scenario():
        await channel.incoming(CALL, assistant, assistant.asking)
        goodbye = await channel.gather({**CALL, "SpeechResult": "tidak"}, assistant,
                                       assistant.asking)
        await channel.status({**CALL, "CallStatus": "in-progress"}, assistant)
        await channel.status({**CALL, "CallStatus": "completed"}, assistant)
        await channel.status({**CALL, "CallStatus": "completed"}, assistant)  # once only
        return goodbye

    root = xml(asyncio.run(scenario()))
    assert root.find("Hangup") is not None and root.find("Gather") is None
    assert [m.text for m in assistant.received].count(CALL_ENDED) == 1


def test_a_twilio_retry_of_the_same_gather_is_one_turn():
    assistant = Assistant([{"text": "Daya?"}], [{"text": "Baik, 2.200 VA."}])
    channel = VoiceChannel(SETTINGS)
    form = {**CALL, "SpeechResult": "dua ribu dua ratus", "turn": "5"}

    async def scenario():
        await channel.incoming(CALL, assistant, assistant.asking)
        return [await channel.gather(form, assistant, assistant.asking) for _ in range(2)]

    first, again = asyncio.run(scenario())
    assert [m.text for m in assistant.received].count("dua ribu dua ratus") == 1
    assert xml(first).find("Gather/Say").text == xml(again).find("Gather/Say").text


def test_a_turn_that_fails_is_said_and_the_question_asked_again():
    """The assistant behind the call is down for a moment (its database, an instance): the
    caller hears it in Indonesian, then the last prompt, and the call goes on."""
    assistant = Assistant([{"text": "Berapa nomor ID pelanggan Bapak?"}])
    channel = VoiceChannel(SETTINGS)
    asyncio.run(channel.incoming(CALL, assistant, assistant.asking))

    async def broken(message: Inbound) -> list[dict]:
        raise ConnectionError("tracker store down")

    root = xml(asyncio.run(channel.gather({**CALL, "SpeechResult": "lima tiga dua",
                                           "turn": "5"}, broken, assistant.asking)))
    said = root.find("Gather").find("Say").text
    assert said.startswith("Mohon maaf, jawaban Bapak/Ibu belum dapat kami proses karena "
                           "gangguan sistem.")
    assert said.endswith("Berapa nomor I D pelanggan Bapak?")  # the prompt as spoken
    # the next answer goes through as usual, the prompt unchanged
    root = xml(asyncio.run(channel.gather({**CALL, "SpeechResult": "lima tiga dua",
                                           "turn": "6"}, assistant, assistant.asking)))
    assert root.find("Gather") is not None
