"""A request continued on another channel, on tracker fixtures against the simulator:
kept while it goes on, offered to the same verified number elsewhere, the owner's NIK
before anything carried is used, said or saved."""

from __future__ import annotations

import pytest

from actions.continuation import OPEN_REQUESTS, ActionAskContinueRequest
from actions.sop_form import ValidatePerubahanDayaForm
from bot.pseudonyms import pseudonym
from bot.sop.continuation import OpenRequests
from tests.actions.conftest import make_tracker, slot_events, texts

pytestmark = pytest.mark.anyio
FORM = "perubahan_daya_form"
KEY = b"test-pseudonym-key"
NUMBER = "+6281234500101"
CUSTOMER = pseudonym(KEY, NUMBER)
BUDI = {"caller_known": True, "caller_name": "Budi Santoso", "caller_title": "Bapak",
        "caller_phone": "081234500101", "caller_phone_kind": "mobile"}
OWNER_NIK = "3273011508850001"
STARTED = "2026-11-27T09:30:00+07:00"
LATER = "2026-11-27T11:30:00+07:00"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def store():
    kept = OpenRequests(":memory:")
    OPEN_REQUESTS.use(kept, KEY)
    yield kept
    OPEN_REQUESTS.use(None, None)
    kept.shut()


def at(monkeypatch, moment: str) -> None:
    """The stack's clock at ``moment`` (its settings read afresh)."""
    from bot import conversation_settings

    monkeypatch.setenv("PLN_NOW", moment)
    conversation_settings.reset()


def on(channel: str, number: str | None = NUMBER) -> dict:
    return {"channel": channel, **({"caller_id": number} if number else {})}


async def turn(domain, dispatcher, slots, text, requested, channel="whatsapp", number=NUMBER,
               sender="whatsapp:p-budi", intent="inform"):
    tracker = make_tracker(slots, text, intent, metadata=on(channel, number),
                           requested_slot=requested, form=FORM, sender_id=sender)
    return slot_events(await ValidatePerubahanDayaForm().run(dispatcher, tracker, domain))


async def start(domain, dispatcher, channel="voice", number=NUMBER, sender="voice:p-budi"):
    """The form's activation in a new conversation (no question asked yet)."""
    tracker = make_tracker(BUDI, "mau tambah daya", "request_power_change",
                           metadata=on(channel, number), form=FORM, sender_id=sender)
    return slot_events(await ValidatePerubahanDayaForm().run(dispatcher, tracker, domain))


async def left_on_whatsapp(domain, dispatcher, monkeypatch):
    """Budi on WhatsApp: requirements ready, customer number, 2.200 VA, then silence."""
    at(monkeypatch, STARTED)
    slots = {**BUDI, "nik_ready": True}
    found = await turn(domain, dispatcher, slots, "532110000101", "customer_number")
    slots.update({k: v for k, v in found.items() if k != "requested_slot"})
    power = await turn(domain, dispatcher, slots, "2200", "target_power_va")
    slots.update({k: v for k, v in power.items() if k != "requested_slot"})
    return slots


async def test_a_request_going_on_is_kept_under_the_customers_pseudonym(
        client, store, domain, dispatcher, monkeypatch):
    await left_on_whatsapp(domain, dispatcher, monkeypatch)
    kept = store.open_request(CUSTOMER)
    assert kept.conversation_id == "whatsapp:p-budi" and kept.channel == "whatsapp"
    assert kept.question == "tariff_confirmed"
    assert kept.answers == {"nik_ready": True, "customer_number": "532110000101",
                            "target_power_va": 2200}


async def test_the_same_number_on_the_phone_is_offered_the_request(
        client, store, domain, dispatcher, monkeypatch):
    await left_on_whatsapp(domain, dispatcher, monkeypatch)
    at(monkeypatch, LATER)
    started = await start(domain, dispatcher)
    assert started["requested_slot"] == "continue_request"
    assert started["continuation_offer"]["conversation_id"] == "whatsapp:p-budi"
    asked = make_tracker({**BUDI, **started}, form=FORM, sender_id="voice:p-budi")
    await ActionAskContinueRequest().run(dispatcher, asked, domain)
    offer = dispatcher.messages[-1]
    assert offer["response"] == "utter_offer_continuation"
    assert (offer["step"], offer["channel"], offer["ago"]) == (
        "konfirmasi daya dan tarif", "WhatsApp", "2 jam yang lalu")


@pytest.mark.parametrize("channel, number", [("rest", NUMBER), ("voice", None)])
async def test_no_offer_without_a_verified_number(client, store, domain, dispatcher,
                                                  monkeypatch, channel, number):
    await left_on_whatsapp(domain, dispatcher, monkeypatch)
    started = await start(domain, dispatcher, channel, number, sender="rest-1")
    assert "continuation_offer" not in started
    assert started.get("requested_slot") != "continue_request"


async def test_an_expired_request_is_not_offered(client, store, domain, dispatcher,
                                                 monkeypatch):
    await left_on_whatsapp(domain, dispatcher, monkeypatch)
    at(monkeypatch, "2026-11-28T09:31:00+07:00")  # 24 hours and a minute later
    started = await start(domain, dispatcher)
    assert "continuation_offer" not in started


async def offered_on_the_phone(domain, dispatcher, monkeypatch) -> dict:
    await left_on_whatsapp(domain, dispatcher, monkeypatch)
    at(monkeypatch, LATER)
    started = await start(domain, dispatcher)
    return {**BUDI, **{k: v for k, v in started.items() if k != "requested_slot"}}


async def test_yes_asks_the_owners_nik_before_anything_carried(
        client, store, domain, dispatcher, monkeypatch):
    slots = await offered_on_the_phone(domain, dispatcher, monkeypatch)
    said = await turn(domain, dispatcher, slots, "ya", "continue_request", "voice",
                      sender="voice:p-budi", intent="affirm")
    assert said["continue_request"] is True and said["requested_slot"] == "continuation_nik"
    assert "customer_number" not in said and "idpel" not in said


async def test_a_wrong_nik_hears_and_gets_nothing_carried(
        client, store, domain, dispatcher, sync_client, monkeypatch):
    """A forged caller id: the offer's yes, then a NIK that is not the owner's."""
    slots = await offered_on_the_phone(domain, dispatcher, monkeypatch)
    slots["continue_request"] = True
    heard = len(dispatcher.messages)
    said = await turn(domain, dispatcher, slots, "3273013208850001", "continuation_nik",
                      "voice", sender="voice:p-budi")
    carried = {"customer_number", "idpel", "customer_name", "target_power_va",
               "current_tariff_power", "customer_address", "owner_nik"}
    assert not carried & {k for k, v in said.items() if v is not None}
    assert said["requested_slot"] == "continuation_nik"
    replies = dispatcher.messages[heard:]
    assert [m["response"] for m in replies][:1] in (["utter_owner_nik_mismatch"],
                                                    ["utter_invalid_nik_date"])
    for reply in replies:  # nothing of the request is said
        assert "Budi" not in str(reply) and "532110000101" not in str(reply)
    assert sync_client.get("/apkt/tickets", params={
        "conversation_id": "whatsapp:p-budi"}).json() == []
    assert store.open_request(CUSTOMER).conversation_id == "whatsapp:p-budi"


async def test_the_owners_nik_carries_the_answers_and_goes_on_at_the_open_question(
        client, store, domain, dispatcher, sync_client, monkeypatch):
    slots = await offered_on_the_phone(domain, dispatcher, monkeypatch)
    slots["continue_request"] = True
    said = await turn(domain, dispatcher, slots, OWNER_NIK, "continuation_nik", "voice",
                      sender="voice:p-budi")
    assert said["owner_nik"] == OWNER_NIK and said["owner_nik_verified"] is True
    assert said["customer_number"] == "532110000101" and said["idpel"] == "532110000101"
    assert said["nik_ready"] is True and said["target_power_va"] == 2200
    assert said["continuation_offer"] is None
    assert said["requested_slot"] == "tariff_confirmed"  # where it stopped on WhatsApp
    assert "utter_continuation_taken" in texts(dispatcher)
    ticket, = sync_client.get("/apkt/tickets", params={
        "conversation_id": "whatsapp:p-budi"}).json()
    assert ticket["kind"] == "issued_closed" and "dilanjutkan" in ticket["reason"]
    assert store.open_request(CUSTOMER).conversation_id == "voice:p-budi"


async def test_no_starts_afresh_and_closes_the_old_request_in_apkt(
        client, store, domain, dispatcher, sync_client, monkeypatch):
    slots = await offered_on_the_phone(domain, dispatcher, monkeypatch)
    said = await turn(domain, dispatcher, slots, "tidak", "continue_request", "voice",
                      sender="voice:p-budi", intent="deny")
    assert said["continue_request"] is False and said["continuation_offer"] is None
    assert said["requested_slot"] == "nik_ready"  # the new request's first question
    ticket, = sync_client.get("/apkt/tickets", params={
        "conversation_id": "whatsapp:p-budi"}).json()
    assert ticket["kind"] == "issued_closed" and ticket["idpel"] is None
    assert store.open_request(CUSTOMER) is None


async def test_on_another_day_the_fees_are_quoted_again(
        client, store, domain, dispatcher, monkeypatch):
    at(monkeypatch, STARTED)
    slots = {**BUDI, "nik_ready": True}
    for text, question in (("532110000101", "customer_number"), ("2200", "target_power_va"),
                           ("ya", "tariff_confirmed"), ("50000", "stroom_awal_rp"),
                           ("ya", "proceed")):
        said = await turn(domain, dispatcher, slots, text, question,
                          intent="affirm" if text == "ya" else "inform")
        slots.update({k: v for k, v in said.items() if k != "requested_slot"})
    assert store.open_request(CUSTOMER).answers["proceed"] is True
    at(monkeypatch, "2026-11-28T08:00:00+07:00")
    offered = {**BUDI, **{k: v for k, v in (await start(domain, dispatcher)).items()
                          if k != "requested_slot"}, "continue_request": True}
    said = await turn(domain, dispatcher, offered, OWNER_NIK, "continuation_nik", "voice",
                      sender="voice:p-budi")
    assert said["stroom_awal_rp"] == 50000 and said.get("proceed") is None
    assert said["requested_slot"] == "proceed"  # the fees of the day, then "dilanjutkan?"


async def test_no_nik_at_hand_starts_afresh_with_nothing_carried(
        client, store, domain, dispatcher, monkeypatch):
    slots = await offered_on_the_phone(domain, dispatcher, monkeypatch)
    slots["continue_request"] = True
    said = await turn(domain, dispatcher, slots, "nanti dulu, KTP-nya belum ada",
                      "continuation_nik", "voice", sender="voice:p-budi", intent="not_ready")
    assert said["continuation_offer"] is None and said["continue_request"] is False
    assert said.get("customer_number") is None and said["requested_slot"] == "nik_ready"
    assert texts(dispatcher)[-1] == "utter_continuation_restarted"
    assert store.open_request(CUSTOMER).conversation_id == "whatsapp:p-budi"  # still open
