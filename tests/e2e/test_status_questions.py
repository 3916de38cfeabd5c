"""Asking about a registration on the real stack (trained model, action server, simulator):
each stage AP2T records (unpaid, paid, work order, expired), asked with the registration
number and by the customer's verified number alone; the stage at once, the details only
after the owner's NIK, nothing more after a wrong one."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
import pytest
from e2e_support import StackProblem

from bot.backoffice.client import BackofficeClient
from bot.backoffice.schemas import RegistrationRequest

pytestmark = pytest.mark.e2e

WIB = dt.timezone(dt.timedelta(hours=7))
SAVED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=WIB)
ASKED = dt.datetime(2026, 11, 27, 9, 0, tzinfo=WIB)
BUDI_NIK = "3273011508850001"


@pytest.fixture
def stack(e2e_stack):
    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    return e2e_stack.endpoints


def registration(stack, stage: str, mobile: str) -> str:
    """A registration of Budi's at ``stage``, with ``mobile`` for the connection call."""
    saved_at = dt.datetime(2026, 10, 1, 10, 0, tzinfo=WIB) if stage == "expired" else SAVED
    request = RegistrationRequest.parse_obj(dict(
        idempotency_key=f"e2e-status-{uuid.uuid4().hex}", idpel="532110000101",
        target_va=2200, stroom_awal_rp=50000,
        applicant=dict(role="owner", owner_nik=BUDI_NIK, mobile_phone=mobile,
                       kecamatan="Coblong", kelurahan="Dago")))
    with BackofficeClient(stack.simulator_url, token=stack.simulator_token) as client:
        number = client.at(saved_at).save_registration(request).registration_number
        if stage in ("paid", "work_order"):
            client.at(SAVED + dt.timedelta(days=1)).record_payment(number)
        if stage == "work_order":
            client.at(SAVED + dt.timedelta(days=2)).work_order(number, dt.date(2026, 11, 30))
    return number


class Chat:
    def __init__(self, stack, client: httpx.Client, caller_id: str | None = None):
        self.url = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.client = client
        self.sender = f"e2e-status-{uuid.uuid4().hex[:10]}"
        self.metadata = {"now": ASKED.isoformat()}
        if caller_id:
            self.metadata["caller_id"] = caller_id

    def say(self, text: str) -> str:
        response = self.client.post(self.url, json={"sender": self.sender, "message": text,
                                                    "metadata": self.metadata})
        assert response.status_code == 200, response.text
        return "\n".join(reply.get("text", "") for reply in response.json())


STAGE_SAID = {
    "unpaid": r"menunggu pembayaran",
    "paid": r"Pembayaran.*sudah kami terima",
    "work_order": r"perintah kerja penyambungannya sudah terbit",
    "expired": r"sudah tidak berlaku",
}
DETAILS = {
    "unpaid": [r"total biaya Rp ?893\.300", r"berlaku sampai dengan 20 Desember 2026",
               r"ATM, minimarket"],
    "paid": [r"kami terima pada 21 November 2026", r"paling lama 5 hari kalender",
             r"paling lambat 26 November 2026"],
    "work_order": [r"Perintah kerja SPK\d{12}", r"dijadwalkan pada 30 November 2026"],
}


@pytest.mark.parametrize("stage", ["unpaid", "paid", "work_order"])
def test_with_the_number_the_stage_then_the_nik_then_the_details(stack, e2e_client, stage):
    number = registration(stack, stage, "081277700001")
    chat = Chat(stack, e2e_client)
    first = chat.say(f"nomor registrasi saya {number}")
    assert re.search(STAGE_SAID[stage], first), first
    assert number in first and "NIK pemilik" in first
    assert "Rp" not in first and "November" not in first  # nothing more before the NIK
    details = chat.say(BUDI_NIK)
    for pattern in DETAILS[stage]:
        assert re.search(pattern, details), (pattern, details)
    assert "Ada lagi yang bisa dibantu" in details


def test_the_nik_given_is_not_kept_in_the_stored_conversation(stack, e2e_client):
    """Once the NIK check is over, the stored conversation (all its events, through Rasa's
    HTTP API) keeps the NIK masked, as after a saved registration."""
    number = registration(stack, "unpaid", "081277700002")
    chat = Chat(stack, e2e_client)
    chat.say(f"nomor registrasi saya {number}")
    assert "Ada lagi yang bisa dibantu" in chat.say(BUDI_NIK)
    response = e2e_client.get(f"{stack.rasa_url}/conversations/rest:{chat.sender}/tracker",
                              params={"token": stack.token, "include_events": "ALL"})
    response.raise_for_status()
    assert BUDI_NIK not in response.text and "************0001" in response.text


@pytest.mark.parametrize("stage, mobile", [("unpaid", "081277700011"),
                                           ("paid", "081277700012"),
                                           ("work_order", "081277700013")])
def test_by_the_verified_number_the_stage_without_the_number_until_the_nik(
        stack, e2e_client, stage, mobile):
    number = registration(stack, stage, mobile)
    chat = Chat(stack, e2e_client, caller_id=mobile)
    first = chat.say("cek status permohonan")
    assert re.search(STAGE_SAID[stage], first), first
    assert "atas nomor" in first and number not in first
    details = chat.say(BUDI_NIK)
    assert number in details
    for pattern in DETAILS[stage]:
        assert re.search(pattern, details), (pattern, details)


def test_expired_with_the_number_apply_again_no_nik(stack, e2e_client):
    number = registration(stack, "expired", "081277700021")
    chat = Chat(stack, e2e_client)
    answer = chat.say(f"cek status {number}")
    assert re.search(STAGE_SAID["expired"], answer) and "mengajukan permohonan kembali" in answer
    assert "NIK" not in answer and "Ada lagi yang bisa dibantu" in answer
    # a new request starts: step 2, the caller unknown to the CRM
    assert "siapa saya berbicara" in chat.say("mau tambah daya")


def test_expired_by_the_verified_number(stack, e2e_client):
    number = registration(stack, "expired", "081277700022")
    answer = Chat(stack, e2e_client, caller_id="081277700022").say(
        "sudah bayar kok belum dipasang?")
    assert re.search(STAGE_SAID["expired"], answer) and number not in answer


def test_without_a_number_the_number_is_asked_then_a_wrong_nik_twice_tells_nothing(
        stack, e2e_client):
    number = registration(stack, "unpaid", "081277700031")
    chat = Chat(stack, e2e_client)
    assert "nomor registrasi" in chat.say("mau cek status permohonan")
    assert "tidak kami temukan" in chat.say("53211261127000000")
    assert re.search(STAGE_SAID["unpaid"], chat.say(number))
    assert "belum sesuai" in chat.say("3273011508850002")
    last = chat.say("3273011508850003")
    assert "hanya dapat kami sampaikan kepada pemilik" in last
    assert "Rp" not in last and "Desember" not in last


def test_on_whatsapp_by_the_number_whatsapp_verified(e2e_stack, e2e_client, fake_whatsapp):
    """WhatsApp's wa_id is the verified number: the registration of the connection call's
    mobile is found without its number (dated by the stack's clock: any day)."""
    from test_channel_whatsapp import Chat as WhatsAppChat
    from test_channel_whatsapp import texts as whatsapp_texts

    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    request = RegistrationRequest.parse_obj(dict(
        idempotency_key=f"e2e-status-{uuid.uuid4().hex}", idpel="532110000101",
        target_va=2200, stroom_awal_rp=50000,
        applicant=dict(role="owner", owner_nik=BUDI_NIK, mobile_phone="081277700041",
                       kecamatan="Coblong", kelurahan="Dago")))
    endpoints = e2e_stack.endpoints
    with BackofficeClient(endpoints.simulator_url, token=endpoints.simulator_token) as client:
        number = client.save_registration(request).registration_number
        client.record_payment(number)
    chat = WhatsAppChat(e2e_stack, e2e_client, fake_whatsapp, "6281277700041")
    first = whatsapp_texts(chat.say("sudah bayar kok belum dipasang?"))
    assert re.search(STAGE_SAID["paid"], first) and number not in first, first
    details = whatsapp_texts(chat.say(BUDI_NIK))
    assert number in details and "paling lama 5 hari kalender" in details, details


def test_on_the_phone_by_the_caller_id_spoken_then_the_nik_keyed(e2e_stack, e2e_client):
    """The phone: the caller id finds the registration, the stage is said in the phone's
    own words, the NIK is keyed, the details are said with every figure in words."""
    from test_channel_voice import through
    from voice_caller import Caller

    if isinstance(e2e_stack, StackProblem):
        pytest.fail(e2e_stack.message, pytrace=False)
    request = RegistrationRequest.parse_obj(dict(
        idempotency_key=f"e2e-status-{uuid.uuid4().hex}", idpel="532110000101",
        target_va=2200, stroom_awal_rp=50000,
        applicant=dict(role="owner", owner_nik=BUDI_NIK, mobile_phone="081277700051",
                       kecamatan="Coblong", kelurahan="Dago")))
    endpoints = e2e_stack.endpoints
    with BackofficeClient(endpoints.simulator_url, token=endpoints.simulator_token) as client:
        number = client.save_registration(request).registration_number
    caller = Caller(e2e_stack.env, e2e_client, "+6281277700051")
    caller.dial()
    said, asked = through(caller, caller.say("cek status permohonan"))
    assert "atas nomor ini, dan masih menunggu pembayaran" in said, said
    assert "N I K pemilik bangunan" in asked.said
    said, _ = through(caller, caller.key(BUDI_NIK + "#"))
    assert "Total biayanya delapan ratus sembilan puluh tiga ribu tiga ratus rupiah" in said
    assert "Nomor registrasinya lima tiga dua satu, satu" in said  # to pay with, in groups
    assert not re.search(r"\d", said) and number not in said
