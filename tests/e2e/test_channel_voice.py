"""The phone on the real stack: Twilio's form webhooks, signed as Twilio signs them
(HMAC-SHA1 of the public URL and the form with the auth token), posted to Rasa's voice
channel; the TwiML it answers is read back as Twilio would (the Gather's action, what is
said, the hints and timeouts), and the whole call measured as espeak-ng speaks it."""

from __future__ import annotations

import re
import shutil

import pytest
from conversation_harness import simulator_registrations, simulator_tickets
from e2e_support import VOICE_PUBLIC_URL, StackProblem, conversation_of
from voice_caller import BUDI_ANSWERS, Caller, Twiml, play, spoken_seconds

from tests.twilio_payloads import voice_request

pytestmark = pytest.mark.e2e
BUDI = "+6281234500101"  # the CRM knows the number: Budi Santoso

@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message)
    return e2e_stack


def through(caller: Caller, twiml: Twiml) -> tuple[str, Twiml]:
    """The prompts that go on, let go on (#, or 2 at a number's offer): everything said,
    and the question's prompt."""
    said = [twiml.said]
    while twiml.goes_on:
        twiml = caller.key("2" if twiml.offers_number_again else "#")
        said.append(twiml.said)
    return " ".join(said), twiml


def say_as(twiml: Twiml) -> list[str]:
    """The groups of a number said slowly (SSML's say-as)."""
    return [e.text for e in twiml.root.iter("say-as")]


def test_budi_registers_by_phone_with_speech_keypad_spoken_menus_and_repeats(stack, e2e_client):
    caller = Caller(stack.env, e2e_client, BUDI)
    greeting = caller.dial()
    assert re.search(r"P L N seratus dua puluh tiga selamat \w+", greeting.said)
    gather = greeting.gather
    assert gather.get("input") == "speech dtmf" and gather.get("language") == "id-ID"
    assert gather.get("bargeIn") == "true" and gather.get("finishOnKey") == "#"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.find("Say").get("language") == "id-ID"

    said, asked = through(caller, caller.say("mau tambah daya"))
    assert "Bapak Budi Santoso" in said
    assert "tekan" not in said.lower()  # a question answered in words: no menu read
    asked = caller.key("1")  # its keys work all the same: the first choice, "sudah"
    assert "I D pelanggan atau nomor meternya berapa?" in asked.said
    assert asked.gather.get("timeout") == "10"
    assert "$OOV_CLASS_DIGIT_SEQUENCE" in asked.gather.get("hints")
    said, asked = through(caller, caller.key("532110000101#"))  # keypad, ended with #
    assert "atas nama Budi Santoso" in said
    said, asked = through(caller, caller.say("dua ribu dua ratus"))
    assert "dari R satu, seribu tiga ratus V A ke R satu, dua ribu dua ratus V A" in said
    said, asked = through(caller, caller.say("iya betul"))
    assert "lima ribu rupiah sampai satu juta rupiah" in said
    said, asked = through(caller, caller.say("lima puluh ribu"))
    # the fees in one short sentence: the total, then each fee (the phone's own wording)
    assert ("Total biayanya delapan ratus sembilan puluh tiga ribu tiga ratus rupiah: "
            "penyambungan delapan ratus empat puluh tiga ribu tiga ratus rupiah") in said
    assert "dengan rincian" not in said
    assert not re.search(r"\d", said)  # every figure in words
    said, asked = through(caller, caller.say("ya lanjut"))
    assert asked.said == "Apakah Bapak sebagai pemilik bangunan atau yang dikuasakan?"
    asked = caller.key("1")
    assert asked.said == "Lokasi bangunan berada di kecamatan apa?"
    assert "Coblong" in asked.gather.get("hints")  # the names, listened for
    said, asked = through(caller, caller.say("Coblong"))
    assert asked.said == "Kelurahannya apa?"
    said, asked = through(caller, caller.key("1"))  # the keys work in the list's order
    assert "N I K pemilik bangunan" in said
    assert asked.gather.get("timeout") == "12"  # a 16-digit NIK takes time to say
    said, asked = through(caller, caller.key("3273011508850001"))
    assert "email Bapak" in said
    said, asked = through(caller, caller.say("budi titik santoso at gmail titik com"))
    assert "bisa dihubungi saat penyambungan" in said
    readback, question = through(caller, caller.key("1"))  # yes: this number
    assert readback.startswith("Kami konfirmasi: Budi Santoso")
    assert "nol delapan satu dua, tiga empat lima nol, nol satu nol satu" in readback
    assert "Jalan Dago nomor dua belas" in readback
    assert question.said.endswith("Apakah sudah benar?") and not question.goes_on
    again, question_again = through(caller, caller.say("ulangi"))  # the read-back again
    assert again.startswith("Kami konfirmasi: Budi Santoso")
    assert "Jalan Dago nomor dua belas" in again and question_again.said == question.said
    again, question_again = through(caller, caller.key("*"))  # or the star key
    assert again.startswith("Kami konfirmasi: Budi Santoso")

    number = caller.say("ya benar")
    assert number.said.startswith("Baik Bapak, mohon dicatat nomor registrasinya:")
    groups = say_as(number)
    assert "".join(groups).startswith("53211") and len("".join(groups)) == 17
    assert caller.key("*").said == number.said  # the registration number again
    offer = caller.key("#")
    assert offer.offers_number_again and say_as(offer) == groups
    assert caller.key("1").said == number.said  # 1: once more
    caller.key("#")
    assert caller.say("ulangi").said == number.said
    caller.key("#")
    said, asked = through(caller, caller.key("2"))
    assert "Mohon segera bayar biaya penyambungan dengan nomor ini" in said
    assert "fotokopi K T P" in said and "internet banking" in said
    assert asked.said.startswith("Apakah informasinya sudah jelas")
    said, offer = through(caller, caller.say("sudah jelas"))
    assert "Layanan Satu Pintu" in offer.said  # step 19c: offered; Budi wants it
    said, menu = through(caller, caller.say("ya"))
    assert "Tekan satu untuk P T Inspeksi Listrik Nusantara, dua untuk" in menu.said
    assert "Andi" not in said  # no PIC before a choice
    assert caller.key("*").said == menu.said  # a menu again: the star key
    assert caller.say("ulangi").said == menu.said  # or "ulangi"
    said, asked = through(caller, caller.key("1"))
    assert "P I C Andi, nomor telepon:" in said
    assert "Ada lagi yang bisa dibantu?" in asked.said
    goodbye = caller.say("tidak ada, terima kasih")
    assert "Terimakasih telah menghubungi P L N seratus dua puluh tiga" in goodbye.said
    assert goodbye.hung_up and goodbye.gather is None
    caller.hang_up()

    registrations = simulator_registrations(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", BUDI))
    assert [r["idpel"] for r in registrations] == ["532110000101"]
    assert "".join(groups) == registrations[0]["registration_number"]
    assert simulator_tickets(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", BUDI)) == []
    # the repeats were the phone's own: the assistant never heard them (no failed attempt)
    events = e2e_client.get(f"{stack.endpoints.rasa_url}/conversations/{conversation_of(stack.env, 'voice', BUDI)}/tracker",
                            params={"token": stack.endpoints.token,
                                    "include_events": "ALL"}).json()["events"]
    heard = [e.get("text") for e in events if e.get("event") == "user"]
    assert "ulangi" not in heard and "*" not in heard and "mau tambah daya" in heard


def test_the_whole_call_speaks_at_most_240_s_and_no_prompt_over_25_s(stack, e2e_client,
                                                                     tmp_path):
    """Budi's call as `make ivr-demo` plays it, each prompt spoken by espeak-ng's
    Indonesian voice at 150 words a minute (its SSML as SSML) and measured."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: scripts/install-system-packages.sh espeak-ng")
    prompts = play(Caller(stack.env, e2e_client, BUDI), BUDI_ANSWERS)
    assert prompts[-1].hung_up
    seconds = [spoken_seconds(p, tmp_path / f"{n}.wav") for n, p in enumerate(prompts)]
    longest = max(range(len(prompts)), key=seconds.__getitem__)
    assert seconds[longest] <= 25, (seconds[longest], prompts[longest].said)
    assert sum(seconds) <= 240, seconds
    (registration,) = simulator_registrations(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", BUDI))
    said = [p for p in prompts if p.root.find(".//say-as") is not None]
    assert "".join(say_as(said[0])) == registration["registration_number"]


def test_silence_is_asked_again_in_other_words_twice_then_a_cso_takes_the_call(
        stack, e2e_client):
    caller = Caller(stack.env, e2e_client, "+6285700000042")  # unknown to the CRM
    caller.dial()
    asked = caller.say("mau tambah daya")
    assert "dengan Bapak/Ibu siapa" in asked.said.replace("atau", "/").replace(" / ", "/") \
        or "siapa saya berbicara" in asked.said
    first = caller.silence()
    assert first.said.startswith("Mohon maaf, suara Bapak atau Ibu belum terdengar.")
    assert "siapa saya berbicara" in first.said
    second = caller.silence()
    assert "menekan tombol angka" in second.said and "siapa saya berbicara" in second.said
    told = caller.silence()  # a CSO takes the call: what is said goes on, silence moves on
    while told.goes_on and not say_as(told):
        told = caller.silence()
    assert told.said.startswith("Nomor tiket Bapak atau Ibu:")
    ticket = say_as(told)
    assert len(ticket) >= 2  # said slowly, in groups
    offer = caller.silence()
    assert offer.offers_number_again and "mengulang nomor tiket" in offer.said
    assert say_as(caller.key("1")) == ticket  # the ticket number again
    caller.silence()
    transferred = caller.key("2")
    assert transferred.enqueued == "cso-pln123"
    assert "petugas C S O" in transferred.said
    assert transferred.gather is None
    (recorded,) = simulator_tickets(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", "+6285700000042"))
    assert recorded["reason"] == "Penelepon tidak menjawab tiga kali berturut-turut"
    assert "".join(ticket) == recorded["ticket_number"]


def test_hanging_up_mid_request_records_it_for_a_call_back(stack, e2e_client):
    caller = Caller(stack.env, e2e_client, "+6281390500505")
    caller.dial()
    caller.say("saya mau tambah daya")
    caller.key("1")
    caller.hang_up()
    (ticket,) = simulator_tickets(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", "+6281390500505"))
    assert ticket["reason"].startswith("Panggilan terputus sebelum permohonan selesai")
    assert ticket["sop_step"] == 4
    # the next call starts afresh, greeted
    again = Caller(stack.env, e2e_client, "+6281390500505").dial()
    assert "selamat" in again.said and "bisa dibantu" in again.said


@pytest.mark.parametrize("signature", [None, "d3Jvbmc=", "other-url"])
def test_a_request_without_twilios_valid_signature_is_refused(stack, e2e_client, signature):
    caller = Caller(stack.env, e2e_client, "+6281234599999")
    url = f"{VOICE_PUBLIC_URL}/webhooks/voice/call"
    form = voice_request(caller.call_sid, caller.number)
    if signature == "other-url":  # signed, but for another address
        signature = caller.validator.compute_signature("https://evil.example/webhooks/voice/call",
                                                       dict(form))
    response = caller.post(url, form, signature=signature)
    assert response.status_code == 403
    assert simulator_tickets(e2e_client, stack.endpoints, conversation_of(stack.env, "voice", "+6281234599999")) == []
