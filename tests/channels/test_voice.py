"""The voice channel's translation (bot/channels/voice.py) with a recording assistant: the
call's messages, the TwiML per question, menus, silences, transfer and hang-up. The whole
call on the real stack, signed, is tests/e2e/test_channel_voice.py."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from bot.channels.contract import CALL_ENDED, CALLER_SILENT, Inbound
from bot.channels.replies import Button
from bot.channels.voice import VoiceChannel, VoiceSettings, chosen
from bot.channels.voice_prompts import spoken_menu
from bot.pseudonyms import load_key, pseudonym

PSEUDONYM_KEY_FILE = Path(__file__).resolve().parents[1] / "pseudonym.key"
SETTINGS = VoiceSettings(auth_token="t", public_url="https://ivr.example.id",
                         pseudonym_key_file=str(PSEUDONYM_KEY_FILE))
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


def said(root: ElementTree.Element) -> str:
    """The words of the response's <Say> (its SSML marks left out)."""
    return " ".join("".join(root.find(".//Say").itertext()).split())


def digits(root: ElementTree.Element) -> list[str]:
    """The groups of a number said slowly (SSML's say-as)."""
    return [e.text for e in root.iter("say-as")]


def test_a_call_starts_a_fresh_conversation_with_the_callers_number():
    assistant = Assistant([{"text": "PLN 123 selamat pagi, ada yang bisa dibantu?"}])
    channel = VoiceChannel(SETTINGS)
    root = xml(asyncio.run(channel.incoming(CALL, assistant, assistant.asking)))
    restart, greet = assistant.received
    assert (restart.text, greet.text) == ("/restart", "/greet")
    # the caller's pseudonym, the same as on WhatsApp; never the number
    assert greet.sender_id == "voice:" + pseudonym(load_key(PSEUDONYM_KEY_FILE), "+6281234500101")
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
    ("status_number", "12", "$OOV_CLASS_DIGIT_SEQUENCE"),
    ("status_owner_nik", "12", "$OOV_CLASS_DIGIT_SEQUENCE"),
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
    assert spoken_menu(buttons) == "Tekan satu untuk Coblong, dua untuk Sukajadi."
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
        said = [await channel.gather(CALL, assistant, assistant.asking) for _ in range(3)]
        while xml(said[-1]).find("Gather") is not None:  # the ticket's prompts go on
            said.append(await channel.gather(CALL, assistant, assistant.asking))
        return said

    first, second, *transfer = (xml(t) for t in asyncio.run(scenario()))
    assert first.find("Gather/Say").text == ("Mohon maaf, suara Bapak atau Ibu belum "
                                             "terdengar. Daya yang diinginkan berapa?")
    assert "menekan tombol angka" in second.find("Gather/Say").text
    assert second.find("Gather/Say").text.endswith("Daya yang diinginkan berapa?")
    assert [m.text for m in assistant.received] == ["/restart", "/greet", CALLER_SILENT]
    told, ticket, again, transferred = transfer
    assert said(told).startswith("Baik Bapak, percakapan ini kami teruskan")
    assert said(ticket).startswith("Nomor tiket Bapak atau Ibu:")
    assert digits(ticket) == ["APKT", "2611", "270", "001"]  # letters, then digits in groups
    assert said(again).startswith("Sekali lagi:")
    assert "Tekan satu untuk mengulang nomor tiket, tekan dua untuk melanjutkan." in said(again)
    assert transferred.find("Gather") is None
    assert transferred.find("Enqueue").text == "cso-pln123"
    assert said(transferred).endswith("petugas C S O kami.")


def test_with_a_cso_number_the_call_is_dialled_and_the_cso_hears_the_ticket_first():
    settings = VoiceSettings(auth_token="t", public_url="https://ivr.example.id",
                             cso_number="+62221234567", pseudonym_key_file=str(PSEUDONYM_KEY_FILE))
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
    spoken = root.find("Gather").find("Say").text
    assert spoken.startswith("Mohon maaf, jawaban Bapak atau Ibu belum dapat kami proses "
                             "karena gangguan sistem.")
    assert spoken.endswith("Berapa nomor I D pelanggan Bapak?")  # the prompt as spoken
    # the next answer goes through as usual, the prompt unchanged
    root = xml(asyncio.run(channel.gather({**CALL, "SpeechResult": "lima tiga dua",
                                           "turn": "6"}, assistant, assistant.asking)))
    assert root.find("Gather") is not None


# --- prompts the caller moves through (bot/channels/voice_prompts.py) ----------------------

YES_NO = [{"title": "Ya", "payload": "ya"}, {"title": "Tidak", "payload": "tidak"}]
SAVED = [
    {"text": "Baik Bapak, mohon dicatat nomor registrasinya: 53211261127000001. Nomor "
             "registrasi digunakan untuk melakukan pembayaran biaya penyambungan, mohon agar "
             "Bapak melakukan pembayaran secepatnya."},
    {"text": "Mohon agar mempersiapkan 2 lembar meterai Rp10.000 untuk penandatanganan SPJBTL "
             "(Surat Perjanjian Jual Beli Tenaga Listrik) dan 2 lembar fotokopi KTP pemilik."},
    {"text": "Bapak dapat melakukan pembayaran melalui tempat-tempat pembayaran yang bekerja "
             "sama dengan PLN, antara lain melalui ATM, minimarket, Kantor Pos dan Giro, dan "
             "internet banking."},
    {"text": "Apakah informasinya sudah jelas, Bapak?", "buttons": YES_NO},
]
READ_BACK = [{"text": "Kami konfirmasi data permohonannya: nama sesuai ID pelanggan Budi Santoso "
                      "(532110000101), tambah daya ke R1/2.200 VA, total biaya Rp893.300, alamat "
                      "Jl. Dago No. 12, Kel. Dago, Kec. Coblong, nomor handphone 081234500101. "
                      "Apakah data tersebut sudah benar?", "buttons": YES_NO}]
KECAMATAN = [{"text": "Lokasi bangunan berada di kecamatan apa? Pilihan: Coblong, Sukajadi, "
                      "Cidadap.",
              "buttons": [{"title": t, "payload": t} for t in ("Coblong", "Sukajadi", "Cidadap")]}]
LIT_TR = [{"text": "Untuk Layanan Satu Pintu, silakan Bapak memilih salah satu LIT TR berikut: "
                   "1. PT Inspeksi Listrik Nusantara (PIC Andi, 0227001100); 2. PT Sertifikasi "
                   "Instalasi Jaya (PIC Bayu, 0217003300). Bapak memilih yang mana?",
           "buttons": [{"title": t, "payload": t} for t in (
               "PT Inspeksi Listrik Nusantara", "PT Sertifikasi Instalasi Jaya")]}]


class Phone:
    """One call to a channel whose assistant answers with ``turns`` in order."""

    def __init__(self, *turns: list[dict], asking: str | None = "info_clear"):
        self.assistant = Assistant(*turns, asking=asking)
        self.channel = VoiceChannel(SETTINGS)
        self.turn = 0
        self.heard = [xml(asyncio.run(self.channel.incoming(CALL, self.assistant,
                                                            self.assistant.asking)))]

    def post(self, **form: str) -> ElementTree.Element:
        self.turn += 1
        twiml = asyncio.run(self.channel.gather({**CALL, "turn": str(self.turn), **form},
                                                self.assistant, self.assistant.asking))
        self.heard.append(xml(twiml))
        return self.heard[-1]

    def through(self) -> list[ElementTree.Element]:
        """Silence at every prompt that goes on, to the question: what was heard."""
        start = len(self.heard) - 1
        while goes_on(self.heard[-1]):
            self.post()
        return self.heard[start:]

    @property
    def said_to_assistant(self) -> list[str]:
        return [m.text for m in self.assistant.received]


def goes_on(root: ElementTree.Element) -> bool:
    gather = root.find("Gather")
    return gather is not None and gather.get("numDigits") == "1"


def test_a_long_turn_is_prompts_the_caller_moves_through_with_the_question_last():
    phone = Phone(SAVED)
    prompts = phone.through()
    assert len(prompts) >= 5
    assert all(goes_on(p) for p in prompts[:-1]) and not goes_on(prompts[-1])
    for prompt in prompts[:-1]:  # a key (one is enough) or 2 s of silence goes on
        gather = prompt.find("Gather")
        assert gather.get("finishOnKey") == "" and gather.get("bargeIn") == "true"
        assert int(gather.get("timeout")) <= 5
    question = said(prompts[-1])
    assert question.endswith("Apakah informasinya sudah jelas, Bapak?")  # the last thing said
    assert "tekan dua untuk melanjutkan" not in question
    # the keys are told once in the call, on its first prompt that goes on
    told = [said(p) for p in prompts if "Bintang untuk mengulang" in said(p)]
    assert len(told) == 1 and told[0].endswith(". Bintang untuk mengulang.")
    # every word of the replies is said, once, in order
    words = " ".join(said(p) for p in prompts)
    for part in ("mohon dicatat nomor registrasinya", "pembayaran secepatnya",
                 "fotokopi K T P pemilik", "internet banking", "sudah jelas"):
        assert words.count(part) == 1, part
    assert phone.said_to_assistant == ["/restart", "/greet"]  # moving on is the phone's own


def test_no_prompt_says_more_than_about_twenty_seconds():
    from bot.channels.replies import replies_of
    from bot.channels.voice_prompts import PROMPT_SECONDS, prompts_of

    for turn in (SAVED, READ_BACK, KECAMATAN, LIT_TR):
        prompts = prompts_of(replies_of(turn)).prompts
        assert all(p.seconds() <= PROMPT_SECONDS for p in prompts), [p.text() for p in prompts]
    assert len(prompts_of(replies_of(READ_BACK)).prompts) >= 2  # 35 s of read-back, cut


def test_the_registration_number_is_said_alone_slowly_in_groups_twice_then_offered_again():
    phone = Phone(SAVED)
    first = phone.heard[-1]
    assert said(first).startswith("Baik Bapak, mohon dicatat nomor registrasinya:")
    assert "pembayaran" not in said(first)  # the number alone, with what introduces it
    slow = first.find(".//Say/prosody")
    assert slow.get("rate") == "slow"
    assert [e.text for e in slow.iter("say-as")] == ["5321", "1261", "127", "000", "001"]
    assert all(e.get("interpret-as") == "characters" for e in slow.iter("say-as"))
    assert len(slow.findall("break")) == 4  # a pause between the groups
    second = phone.post()  # a moment of silence: the second reading
    assert said(second).startswith("Sekali lagi:")
    assert digits(second) == digits(first)
    assert said(second).endswith("Tekan satu untuk mengulang nomor registrasi, tekan dua "
                                 "untuk melanjutkan.")
    assert second.find("Gather").get("timeout") == "5"
    assert said(phone.post(Digits="1")) == said(first)  # 1: the number from its start
    phone.post()
    assert said(phone.post(SpeechResult="satu")) == said(first)
    phone.post()
    after = phone.post(Digits="2")  # 2: on
    assert said(after).startswith("Nomor registrasi digunakan untuk melakukan pembayaran")
    assert phone.said_to_assistant == ["/restart", "/greet"]


def prompt_before(phone: Phone, place: str) -> tuple[ElementTree.Element, ElementTree.Element]:
    """The call brought to ``place``: (the prompt said there, the one its reply began at)."""
    if place == "registration number":  # its offer; "ulangi" says the number again
        return phone.post(), phone.heard[-2]
    prompts = phone.through()
    return prompts[-1], prompts[0]


@pytest.mark.parametrize("ask", [{"Digits": "*"}, {"SpeechResult": "ulangi"},
                                 {"SpeechResult": "Tolong diulangi, Mbak."}],
                         ids=["star key", "ulangi", "tolong diulangi"])
@pytest.mark.parametrize("place, turn, question", [
    ("registration number", SAVED, "info_clear"),
    ("read-back", READ_BACK, "data_confirmed"),
    ("menu", LIT_TR, "lit_tr_choice"),
])
def test_the_star_key_or_ulangi_says_the_last_prompt_again_and_is_no_answer(
        place, turn, question, ask):
    phone = Phone(turn, asking=question)
    at, began = prompt_before(phone, place)
    again = phone.post(**ask)
    assert said(again) == said(began)  # from where its reply began
    assert digits(again) == digits(began)
    while goes_on(phone.heard[-1]) and said(phone.heard[-1]) != said(at):
        phone.post()
    assert said(phone.heard[-1]) == said(at)
    # the assistant heard nothing of it: no answer, no failed attempt of the form
    assert phone.said_to_assistant == ["/restart", "/greet"]
    if place == "menu":  # and the menu's key works after it
        phone.post(Digits="2")
        assert phone.said_to_assistant[-1] == "PT Sertifikasi Instalasi Jaya"


def test_the_read_back_is_said_whole_in_prompts_cut_between_its_parts_then_asked():
    phone = Phone(READ_BACK, asking="data_confirmed")
    *parts, last = phone.through()
    assert said(parts[0]).startswith("Kami konfirmasi data permohonannya")
    told = " ".join(said(p) for p in (*parts, last))
    # cut between the parts, never inside one: each number whole, in its groups
    assert "lima tiga dua satu, satu nol nol nol, nol satu nol satu" in told
    assert "nomor handphone nol delapan satu dua, tiga empat lima nol, nol satu nol satu." \
        in told
    assert all(said(p).endswith((",", ".")) for p in parts)  # cut between parts
    assert said(last).endswith("Apakah data tersebut sudah benar?")
    assert last.find("Gather").get("finishOnKey") == "#"


def test_names_the_caller_knows_are_listened_for_and_said_as_a_menu_when_asked_again():
    invalid = [{"text": "Mohon maaf, kecamatan tersebut tidak ada dalam daftar wilayah unit "
                        "pelanggan. Pilihan: Coblong, Sukajadi, Cidadap.",
                "buttons": KECAMATAN[0]["buttons"]}]
    phone = Phone(KECAMATAN, invalid, asking="kecamatan")
    first = phone.heard[-1]
    assert said(first) == "Lokasi bangunan berada di kecamatan apa?"  # no list, no menu
    assert "Coblong, Sukajadi, Cidadap" in first.find("Gather").get("hints")
    again = phone.post(SpeechResult="cibeunying")  # not taken: the same question again
    assert said(again) == ("Mohon maaf, kecamatan tersebut tidak ada dalam daftar wilayah unit "
                           "pelanggan. Tekan satu untuk Coblong, dua untuk Sukajadi, tiga "
                           "untuk Cidadap.")
    phone.post(Digits="3")
    assert phone.said_to_assistant[-1] == "Cidadap"


def test_a_menu_the_question_names_is_not_said_and_its_keys_work():
    role = [{"text": "Apakah Bapak sebagai pemilik bangunan atau yang dikuasakan?",
             "buttons": [{"title": "Pemilik", "payload": "pemilik"},
                         {"title": "Dikuasakan", "payload": "dikuasakan"}]}]
    phone = Phone(role, asking="applicant_role")
    assert said(phone.heard[-1]) == "Apakah Bapak sebagai pemilik bangunan atau yang dikuasakan?"
    phone.post(Digits="2")
    assert phone.said_to_assistant[-1] == "dikuasakan"


def test_the_lit_tr_menu_names_them_and_only_the_chosen_pics_phone_is_read_and_repeatable():
    chosen_reply = [{"text": "Baik, LIT TR PT Inspeksi Listrik Nusantara kami catat pada "
                             "permohonan Bapak."},
                    {"text": "Ada lagi yang bisa dibantu?", "buttons": YES_NO}]
    phone = Phone(LIT_TR, chosen_reply, asking="lit_tr_choice")
    menu = said(phone.heard[-1])
    assert "Tekan satu untuk P T Inspeksi Listrik Nusantara, dua untuk P T Sertifikasi " \
           "Instalasi Jaya." in menu
    assert "Andi" not in menu and "Bayu" not in menu and not digits(phone.heard[-1])
    confirmed = phone.post(Digits="1")
    assert phone.said_to_assistant[-1] == "PT Inspeksi Listrik Nusantara"
    assert said(confirmed).startswith("Baik, L I T T R P T Inspeksi Listrik Nusantara kami")
    pic = phone.post()
    assert said(pic).startswith("P I C Andi, nomor telepon:")
    assert digits(pic) == ["0227", "001", "100"]
    offer = phone.post()
    assert said(offer).endswith("Tekan satu untuk mengulang nomor telepon, tekan dua untuk "
                                "melanjutkan.")
    assert said(phone.post(Digits="*")) == said(pic)  # repeatable
    phone.post()
    question = phone.post(Digits="2")
    assert said(question).startswith("Ada lagi yang bisa dibantu?")
    assert "Bayu" not in " ".join(said(p) for p in phone.heard)  # the other PIC: never


def test_a_yes_no_question_is_asked_alone_and_its_menu_said_when_it_is_asked_again():
    asked = [{"text": "Apakah proses tambah daya akan dilanjutkan?", "buttons": YES_NO}]
    phone = Phone(asked, [{"text": "Mohon maaf, mohon dijawab \"ya\" atau \"tidak\"."}, *asked],
                  asking="proceed")
    assert said(phone.heard[-1]) == "Apakah proses tambah daya akan dilanjutkan?"
    assert "Ya, Tidak" in phone.heard[-1].find("Gather").get("hints")  # words first
    again = phone.post(SpeechResult="hmm entahlah")  # the same question again: the menu too
    assert said(again).endswith("Tekan satu untuk Ya, dua untuk Tidak.")
    phone.post(Digits="1")
    assert phone.said_to_assistant[-1] == "ya"


def test_twilio_posting_a_prompts_webhook_twice_moves_on_once():
    phone = Phone(SAVED)
    form = {**CALL, "turn": "77"}

    async def twice():
        channel, assistant = phone.channel, phone.assistant
        return [await channel.gather(form, assistant, assistant.asking) for _ in range(2)]

    first, again = asyncio.run(twice())
    assert first == again and said(xml(first)).startswith("Sekali lagi")
