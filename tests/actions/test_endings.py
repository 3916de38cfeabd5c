"""How a request ends: saved once, tickets recorded, a CSO takes over."""

import pytest

from actions.caller_and_clock import ActionRefreshConversationSlots
from actions.endings import ActionConcludeRequest, ActionHandOver
from tests.actions.conftest import kinds, make_tracker, slot_events, texts

pytestmark = pytest.mark.anyio

BUDI_READY = {
    "caller_known": True, "caller_name": "Budi Santoso", "caller_title": "Bapak",
    "caller_phone": "081234500101", "caller_phone_kind": "mobile", "nik_ready": True,
    "customer_number": "532110000101", "idpel": "532110000101", "customer_name": "Budi Santoso",
    "prepaid": True, "target_power_va": 2200, "tariff_confirmed": True, "stroom_awal_rp": 50000,
    "proceed": True, "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago",
    "owner_nik": "3273011508850001", "email": "budi@gmail.com", "caller_phone_usable": True,
    "mobile_phone": "081234500101", "data_confirmed": True,
}


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def conclude(domain, dispatcher, slots, sender_id="conv-budi", metadata=None):
    tracker = make_tracker(slots, "iya benar", "affirm", sender_id=sender_id,
                           metadata=metadata)
    return await ActionConcludeRequest().run(dispatcher, tracker, domain)


async def test_the_registration_is_dated_by_the_conversations_clock(client, domain,
                                                                   dispatcher, sync_client):
    """The message's metadata.now (31 December, 23:30 WIB), not the simulator's clock (the
    real one here), dates the registration, its number and the validity the customer
    hears; one clock for the whole stack."""
    events = slot_events(await conclude(domain, dispatcher, BUDI_READY, "conv-year-end",
                                        {"now": "2026-12-31T23:30:00+07:00"}))
    number = events["registration_number"]
    assert number.startswith("53211261231")
    assert events["registration_expires"] == "30 Januari 2027"
    saved = sync_client.get(f"/ap2t/registrations/{number}").json()
    assert saved["created_at"] == "2026-12-31T23:30:00+07:00"


async def test_saving_twice_gives_one_registration(client, domain, dispatcher, sync_client):
    first = slot_events(await conclude(domain, dispatcher, BUDI_READY))
    second = slot_events(await conclude(domain, dispatcher, BUDI_READY))
    number = first["registration_number"]
    assert number and second["registration_number"] == number
    saved = sync_client.get(f"/ap2t/registrations/{number}").json()
    assert saved["total_rp"] == 893300 and saved["target_va"] == 2200
    assert texts(dispatcher)[:3] == ["utter_registration_saved", "utter_documents",
                                     "utter_payment_places"]
    documents = next(m for m in dispatcher.messages if m.get("response") == "utter_documents")
    assert documents["stamps"] == 2 and documents["stamp_value"] == "Rp10.000"


async def test_a_new_mobile_number_is_written_to_the_dil(client, domain, dispatcher,
                                                         sync_client):
    slots = {**BUDI_READY, "caller_phone_usable": False, "mobile_phone": "081298765432"}
    await conclude(domain, dispatcher, slots, sender_id="conv-new-mobile")
    dil = sync_client.get("/ap2t/customers/532110000101").json()["dil_phones"]
    assert dil["mobile"] == "081298765432"


async def test_issued_closed_records_one_ticket_and_goes_to_the_closing(
        client, domain, dispatcher, sync_client):
    slots = {"sop_ending": "issued_closed", "sop_reason": "Pelanggan memiliki tunggakan",
             "sop_step": 4, "idpel": "511010000303", "customer_number": "511010000303",
             "outcome_details": {"arrears_rp": 356200, "arrears_months": 2}}
    for _ in range(2):  # a retried action records nothing twice
        events = await conclude(domain, dispatcher, slots, sender_id="conv-agus")
    tickets = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-agus"}).json()
    assert len(tickets) == 1
    assert tickets[0]["kind"] == "issued_closed" and tickets[0]["sop_step"] == 4
    assert ("followup", "closing_form") in kinds(events)


async def test_a_cso_takes_over_with_a_ticket_and_the_assistant_pauses(
        client, domain, dispatcher, sync_client):
    slots = {"caller_name": "Siti Rahayu", "nik_ready": True,
             "owner_nik": "3174064302900002", "requested_slot": "target_power_va"}
    tracker = make_tracker(slots, "mau bicara sama petugas aja", "ask_human",
                           sender_id="conv-siti")
    events = await ActionHandOver().run(dispatcher, tracker, domain)
    assert ("pause", None) in kinds(events)
    assert ("active_loop", None) in kinds(events)
    ticket = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-siti"}).json()[0]
    assert ticket["kind"] == "cso_handoff" and ticket["sop_step"] == 5
    assert "3174064302900002" not in str(ticket)  # masked by APKT
    # steps 20-22 are the CSO's after a hand-over: no campaign, no goodbye
    assert texts(dispatcher) == ["utter_handoff"]


@pytest.mark.parametrize("slots, step", [
    ({"requested_slot": "more_help"}, 20),
    ({"requested_slot": "cancel_confirmed", "cancel_from": "owner_nik"}, 12),
])
async def test_the_hand_over_ticket_has_the_step_of_the_open_question(
        client, domain, dispatcher, sync_client, slots, step):
    tracker = make_tracker(slots, "mau bicara dengan petugas", "ask_human", sender_id="conv-h")
    await ActionHandOver().run(dispatcher, tracker, domain)
    ticket = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-h"}).json()[0]
    assert ticket["sop_step"] == step


async def test_the_hand_over_is_said_even_when_apkt_is_down(domain, dispatcher):
    from actions.backoffice import use_backoffice
    from bot.backoffice.client import AsyncBackofficeClient
    down = AsyncBackofficeClient("http://127.0.0.1:9", timeout=0.2, retries=0)
    use_backoffice(down)
    try:
        tracker = make_tracker({"sop_ending": "cso_handoff", "sop_reason": "x", "sop_step": 4},
                               "halo", sender_id="conv-down")
        events = await ActionHandOver().run(dispatcher, tracker, domain)
    finally:
        use_backoffice(None)
        await down.aclose()
    assert ("pause", None) in kinds(events)
    assert slot_events(events)["ticket_number"] is None
    assert "utter_handoff" in texts(dispatcher)


@pytest.mark.parametrize("now, day_part, intimacy", [
    ("2026-11-27T06:30:00+07:00", "pagi", "sehat"),
    ("2026-11-27T10:59:00+07:00", "pagi", "beraktifitas"),
    ("2026-11-27T14:59:00+07:00", "siang", "beraktifitas"),
    ("2026-11-27T17:59:00+07:00", "sore", "sehat"),
    ("2026-11-27T19:00:00+07:00", "malam", "beristirahat"),
])
async def test_clock_slots_follow_the_message_time(client, domain, dispatcher, now, day_part,
                                                   intimacy):
    tracker = make_tracker({}, "halo", "greet", metadata={"now": now})
    slots = slot_events(await ActionRefreshConversationSlots().run(dispatcher, tracker, domain))
    assert (slots["day_part"], slots["intimacy"]) == (day_part, intimacy)


async def test_a_known_caller_is_greeted_by_name_from_the_crm(client, domain, dispatcher):
    tracker = make_tracker({}, "halo", "greet", metadata={"caller_id": "+62 21 7201234"})
    slots = slot_events(await ActionRefreshConversationSlots().run(dispatcher, tracker, domain))
    assert slots["caller_known"] is True and slots["caller_display"] == "Ibu Siti Rahayu"
    assert slots["caller_phone_kind"] == "pstn" and slots["caller_phone"] == "0217201234"


async def test_a_new_request_clears_the_earlier_one_but_not_the_caller(domain, dispatcher):
    from actions.new_request import ActionStartNewRequest
    slots = {"caller_name": "Rina", "caller_display": "Bapak/Ibu Rina", "idpel": "541100001010",
             "target_power_va": 2200, "data_confirmed": True, "sop_ending": "saved",
             "registration_number": "54110261127000001", "more_help": None}
    tracker = make_tracker(slots, "mau tambah daya rumah lain", "request_power_change")
    cleared = slot_events(await ActionStartNewRequest().run(dispatcher, tracker, domain))
    assert cleared["idpel"] is None and cleared["target_power_va"] is None
    assert cleared["data_confirmed"] is None and cleared["sop_ending"] is None
    assert "caller_name" not in cleared and "caller_display" not in cleared
    assert "registration_number" not in cleared
    assert cleared["stroom_awal_rp"] is None and cleared["failed_attempts"] is None
    extended = {**domain, "slots": {**domain["slots"], "a_slot_added_later": {}}}
    cleared = slot_events(await ActionStartNewRequest().run(dispatcher, tracker, extended))
    assert cleared["a_slot_added_later"] is None  # nothing to remember when adding a slot


async def test_no_earlier_request_nothing_is_cleared(domain, dispatcher):
    from actions.new_request import ActionStartNewRequest
    tracker = make_tracker({"nik_ready": True}, "mau tambah daya", "request_power_change")
    assert await ActionStartNewRequest().run(dispatcher, tracker, domain) == []


async def test_more_help_yes_invites_the_customer_without_asking_again(domain, dispatcher):
    from actions.closing_form import ActionAskMoreHelp, ValidateClosingForm
    tracker = make_tracker({"sop_ending": "issued_closed"}, "iya", "affirm",
                           requested_slot="more_help", form="closing_form")
    events = slot_events(await ValidateClosingForm().run(dispatcher, tracker, domain))
    assert events["more_help_invited"] is True and events["more_help"] is None
    assert texts(dispatcher) == ["utter_how_else_can_help"]
    asked = make_tracker({"more_help_invited": True}, "iya", "affirm")
    assert slot_events(await ActionAskMoreHelp().run(dispatcher, asked, domain)) == {
        "more_help_invited": False}
    assert texts(dispatcher) == ["utter_how_else_can_help"]  # nothing more said
    await ActionAskMoreHelp().run(dispatcher, make_tracker({}, "berapa biayanya", "ask_cost"),
                                  domain)
    assert texts(dispatcher)[-1] == "utter_ask_more_help"


async def test_a_very_long_sender_id_still_saves_and_records(client, domain, dispatcher,
                                                             sync_client):
    from actions.endings import conversation_id
    long_sender = "rest-" + "x" * 400
    events = await conclude(domain, dispatcher, BUDI_READY, sender_id=long_sender)
    assert slot_events(events)["registration_number"]
    reference = conversation_id(make_tracker({}, sender_id=long_sender))
    assert reference.startswith("sha256:") and len(reference) <= 200
    saved = sync_client.get("/ap2t/registrations", params={"conversation_id": reference}).json()
    assert len(saved) == 1


MBL = {"sop_ending": "mbl", "sop_reason": "Pelanggan tidak bersedia dengan alternatif produk AP2T",
       "sop_step": 7, "idpel": "532110000101", "caller_title": "Bapak"}


async def test_the_unit_is_said_to_have_the_request_once_the_mbl_ticket_exists(
        client, domain, dispatcher, sync_client):
    events = slot_events(await conclude(domain, dispatcher, MBL, "conv-mbl"))
    assert events["ticket_number"]
    assert texts(dispatcher) == ["utter_mbl_forwarded"]
    (ticket,) = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-mbl"}).json()
    assert ticket["kind"] == "mbl" and ticket["sop_step"] == 7


async def test_an_mbl_not_recorded_is_not_said_forwarded_and_runs_again(
        client, domain, dispatcher, monkeypatch):
    import actions.endings as endings
    from actions.backoffice import BackofficeOutage
    from bot.backoffice.client import Unavailable

    class Down:
        def at(self, _moment):
            return self

        async def create_ticket(self, _request):
            raise Unavailable("APKT down")

    monkeypatch.setattr(endings, "backoffice", lambda tracker=None: Down())
    with pytest.raises(BackofficeOutage):
        await conclude(domain, dispatcher, MBL, "conv-mbl-down")
    assert "utter_mbl_forwarded" not in texts(dispatcher)


async def test_a_decliner_who_gave_an_email_is_sent_the_information_then_it_is_forgotten(
        client, domain, dispatcher, sync_client, monkeypatch):
    import actions.endings as endings

    asked = []

    async def request_information(*args):
        asked.append(args)
        return True

    monkeypatch.setattr(endings, "request_information", request_information)
    slots = {**BUDI_READY, "proceed": False, "decliner_is_owner": True,
             "sop_ending": "issued_closed", "sop_step": 11,
             "sop_reason": "Pelanggan tidak melanjutkan permohonan; informasi dikirim ke email"}
    events = slot_events(await conclude(domain, dispatcher, slots, "conv-11b"))
    assert asked == [("532110000101", 2200, 50000, "budi@gmail.com", "Bapak")]
    assert events["email"] is None and events["personal_data_redacted"] is True
    (ticket,) = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-11b"}).json()
    assert ticket["kind"] == "issued_closed" and ticket["sop_step"] == 11
