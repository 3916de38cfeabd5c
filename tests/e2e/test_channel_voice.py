"""The phone on the real stack: Twilio's form webhooks, signed as Twilio signs them
(HMAC-SHA1 of the public URL and the form with the auth token), posted to Rasa's voice
channel; the TwiML it answers is read back as Twilio would (the Gather's action, what is
said, the hints and timeouts)."""

from __future__ import annotations

import re

import pytest
from conversation_harness import simulator_registrations, simulator_tickets
from e2e_support import VOICE_PUBLIC_URL, StackProblem
from voice_caller import Caller

pytestmark = pytest.mark.e2e

@pytest.fixture()
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.reason)
    return e2e_stack


def test_budi_registers_by_phone_with_speech_keypad_and_spoken_menus(stack, e2e_client):
    caller = Caller(stack.env, e2e_client, "+6281234500101")
    greeting = caller.dial()
    assert re.search(r"P L N seratus dua puluh tiga selamat \w+", greeting.said)
    gather = greeting.gather
    assert gather.get("input") == "speech dtmf" and gather.get("language") == "id-ID"
    assert gather.get("bargeIn") == "true" and gather.get("finishOnKey") == "#"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.find("Say").get("language") == "id-ID"

    asked = caller.say("mau tambah daya")
    assert "Bapak Budi Santoso" in asked.said
    assert "Silakan tekan satu untuk Sudah, tekan dua untuk Belum." in asked.said
    asked = caller.key("1")  # the menu's first choice: "sudah"
    assert "I D pelanggan atau nomor meternya berapa?" in asked.said
    assert asked.gather.get("timeout") == "10"
    assert "$OOV_CLASS_DIGIT_SEQUENCE" in asked.gather.get("hints")
    asked = caller.key("532110000101#")  # keypad entry ended with #
    assert "lima tiga dua satu, satu nol nol nol, nol satu nol satu atas nama Budi Santoso" \
        in asked.said
    asked = caller.say("dua ribu dua ratus")
    assert ("dari R satu, seribu tiga ratus volt ampere ke daya R satu, dua ribu dua ratus "
            "volt ampere") in asked.said
    asked = caller.say("iya betul")
    assert "lima ribu rupiah sampai dengan satu juta rupiah" in asked.said
    asked = caller.say("lima puluh ribu")
    assert "delapan ratus sembilan puluh tiga ribu tiga ratus rupiah" in asked.said
    assert not re.search(r"\d", asked.said)  # every figure in words
    asked = caller.say("ya lanjut")
    assert "tekan satu untuk Pemilik, tekan dua untuk Dikuasakan" in asked.said
    asked = caller.key("1")
    assert "tekan satu untuk Coblong, tekan dua untuk Sukajadi, tekan tiga untuk Cidadap" in asked.said
    assert "Coblong" in asked.gather.get("hints")
    asked = caller.say("Coblong")  # the spoken name works as well as the key
    assert "tekan satu untuk Dago" in asked.said
    asked = caller.key("1")
    assert "N I K pemilik bangunan" in asked.said
    assert asked.gather.get("timeout") == "12"  # a 16-digit NIK takes time to say
    asked = caller.key("3273011508850001")
    assert "alamat email" in asked.said
    asked = caller.say("budi titik santoso at gmail titik com")
    assert "dapat dikonfirmasi" in asked.said
    readback = caller.key("1")  # yes: this number
    assert "nol delapan satu dua, tiga empat lima nol, nol satu nol satu" in readback.said
    assert "Jalan Dago nomor dua belas" in readback.said
    saved = caller.say("ya benar")
    assert "nomor registrasinya:" in saved.said
    assert "Apakah informasinya sudah jelas" in saved.said
    asked = caller.say("sudah jelas")
    assert "tekan satu untuk P T Inspeksi Listrik Nusantara" in asked.said
    asked = caller.key("1")
    assert "Ada lagi yang bisa dibantu?" in asked.said
    goodbye = caller.say("tidak ada, terima kasih")
    assert "Terimakasih telah menghubungi P L N seratus dua puluh tiga" in goodbye.said
    assert goodbye.hung_up and goodbye.gather is None
    caller.hang_up()

    registrations = simulator_registrations(e2e_client, stack.endpoints, "voice:+6281234500101")
    assert len(registrations) == 1 and registrations[0]["idpel"] == "532110000101"
    assert simulator_tickets(e2e_client, stack.endpoints, "voice:+6281234500101") == []


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
    transferred = caller.silence()
    assert transferred.enqueued == "cso-pln123"
    assert "petugas C S O" in transferred.said and "Nomor tiket" in transferred.said
    assert transferred.gather is None
    (ticket,) = simulator_tickets(e2e_client, stack.endpoints, "voice:+6285700000042")
    assert ticket["reason"] == "Penelepon tidak menjawab tiga kali berturut-turut"
    spoken_ticket = transferred.said.split("Nomor tiket Bapak atau Ibu:")[1]
    assert spoken_ticket.count(",") >= 1  # said digit by digit, in groups


def test_hanging_up_mid_request_records_it_for_a_call_back(stack, e2e_client):
    caller = Caller(stack.env, e2e_client, "+6281390500505")
    caller.dial()
    caller.say("saya mau tambah daya")
    caller.key("1")
    caller.hang_up()
    (ticket,) = simulator_tickets(e2e_client, stack.endpoints, "voice:+6281390500505")
    assert ticket["reason"].startswith("Panggilan terputus sebelum permohonan selesai")
    assert ticket["sop_step"] == 4
    # the next call starts afresh, greeted
    again = Caller(stack.env, e2e_client, "+6281390500505").dial()
    assert "selamat" in again.said and "bisa dibantu" in again.said


@pytest.mark.parametrize("signature", [None, "d3Jvbmc=", "other-url"])
def test_a_request_without_twilios_valid_signature_is_refused(stack, e2e_client, signature):
    caller = Caller(stack.env, e2e_client, "+6281234599999")
    url = f"{VOICE_PUBLIC_URL}/webhooks/voice/call"
    form = caller._form(CallStatus="ringing")
    if signature == "other-url":  # signed, but for another address
        signature = caller.validator.compute_signature("https://evil.example/webhooks/voice/call",
                                                       form)
    response = caller.post(url, form, signature=signature)
    assert response.status_code == 403
    assert simulator_tickets(e2e_client, stack.endpoints, "voice:+6281234599999") == []
