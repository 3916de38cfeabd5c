"""``status_form`` on rasa-sdk trackers, against the real simulator in process: a
registration found by the number given or by the caller's verified number, its stage told
at once, the details only after the owner's NIK matched, and the NIK never kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from actions.status import ActionStartStatusQuestion, ValidateStatusForm
from bot import status
from bot.rasa_runtime.tracker_store import CachedSQLTrackerStore
from bot.redaction import REDACT_SLOT
from tests.actions.conftest import make_tracker, slot_events, texts

pytestmark = pytest.mark.anyio

NOW = "2026-11-27T10:00:00+07:00"
LATER = "2026-11-29T10:00:00+07:00"
BUDI_NIK = "3273011508850001"
BUDI_PHONE = "081234500101"
RASA_DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))


@pytest.fixture
def anyio_backend():
    return "asyncio"


def saved(sync_client, key: str, at: str = NOW) -> str:
    body = dict(idempotency_key=key, idpel="532110000101", target_va=2200, stroom_awal_rp=50000,
                applicant=dict(role="owner", owner_nik=BUDI_NIK, mobile_phone=BUDI_PHONE,
                               kecamatan="Coblong", kelurahan="Dago"))
    response = sync_client.post("/ap2t/registrations", json=body, headers={"X-PLN-Now": at})
    assert response.status_code == 201, response.text
    return response.json()["registration_number"]


async def ask(domain, dispatcher, text: str, slots=None, intent="cek_status_permohonan",
              requested=None, now=LATER) -> dict:
    tracker = make_tracker(slots, text, intent, metadata={"now": now},
                           requested_slot=requested, form="status_form")
    return slot_events(await ValidateStatusForm().run(dispatcher, tracker, domain))


async def test_by_number_the_stage_at_once_the_details_after_the_owners_nik(
        client, domain, dispatcher, sync_client):
    number = saved(sync_client, "unpaid")
    found = await ask(domain, dispatcher, f"nomor registrasi saya {number}")
    assert texts(dispatcher) == ["utter_status_unpaid_number"]
    assert dispatcher.messages[0]["registration_number"] == number
    assert found["status_number"] == number and found["status_stage"] == "unpaid"

    details = await ask(domain, dispatcher.__class__(), BUDI_NIK, {**found},
                        intent="inform", requested="status_owner_nik")
    assert details["status_owner_nik"] == "checked"  # never the NIK itself


async def test_the_unpaid_details_amount_validity_and_where_to_pay(client, domain, dispatcher,
                                                                  sync_client):
    number = saved(sync_client, "unpaid-details")
    slots = {"status_number": number, "status_stage": "unpaid"}
    await ask(domain, dispatcher, BUDI_NIK, slots, intent="inform",
              requested="status_owner_nik")
    assert texts(dispatcher) == ["utter_status_unpaid_details", "utter_payment_places"]
    assert dispatcher.messages[0]["amount"] == "Rp893.300"
    assert dispatcher.messages[0]["expires"] == "27 Desember 2026"


async def test_by_the_verified_caller_id_the_stage_without_the_number(client, domain,
                                                                      dispatcher, sync_client):
    number = saved(sync_client, "paid")
    sync_client.post(f"/ap2t/registrations/{number}/payment", headers={"X-PLN-Now": LATER})
    found = await ask(domain, dispatcher, "sudah bayar kok belum dipasang?",
                      {"caller_phone": BUDI_PHONE})
    assert texts(dispatcher) == ["utter_status_paid_phone"]
    assert "registration_number" not in dispatcher.messages[0]
    assert found["status_stage"] == "paid"

    told = dispatcher.__class__()
    await ask(domain, told, BUDI_NIK, found, intent="inform", requested="status_owner_nik")
    assert texts(told) == ["utter_status_paid_details"]
    assert told.messages[0]["days"] == 5 and told.messages[0]["due"] == "4 Desember 2026"


async def test_without_a_number_or_a_known_caller_the_form_asks(client, domain, dispatcher):
    asked = await ask(domain, dispatcher, "cek status permohonan",
                      {"caller_phone": "081311112222"})
    assert texts(dispatcher) == [] and asked.get("status_number") is None


async def test_a_number_not_found_is_asked_once_more_then_given_up(client, domain,
                                                                  dispatcher):
    first = await ask(domain, dispatcher, "53211261127000000", intent="inform",
                      requested="status_number")
    assert texts(dispatcher) == ["utter_status_not_found"]
    assert first["status_number"] is None and first["status_number_attempts"] == 1
    second = await ask(domain, dispatcher, "lupa nomornya", first, intent="inform",
                       requested="status_number")
    assert texts(dispatcher)[-1] == "utter_status_not_found_final"
    assert second["status_number"] == ""  # filled: the form ends, "ada lagi?" follows


async def test_a_wrong_nik_twice_tells_nothing_more(client, domain, dispatcher, sync_client):
    number = saved(sync_client, "guessed")
    slots = {"status_number": number, "status_stage": "unpaid"}
    once = await ask(domain, dispatcher, "3273011508850002", slots, intent="inform",
                     requested="status_owner_nik")
    assert once["status_owner_nik"] is None and once["status_nik_mismatches"] == 1
    twice = await ask(domain, dispatcher, "3273011508850003", {**slots, **once},
                      intent="inform", requested="status_owner_nik")
    assert texts(dispatcher) == ["utter_status_nik_mismatch", "utter_status_nik_not_on_record"]
    assert twice["status_owner_nik"] == "checked"
    assert all(BUDI_NIK[:6] not in str(value) for value in {**once, **twice}.values())


async def test_the_nik_typed_leaves_the_stored_conversation_when_the_check_is_over(
        client, domain, dispatcher, sync_client, tmp_path):
    """As after a saved registration (bot.redaction): the form's last turn has the tracker
    store mask the stored events, the customer's NIK in their words included."""
    number = saved(sync_client, "stored")
    said = f"nik saya {BUDI_NIK}"
    tracker = make_tracker({"status_number": number, "status_stage": "unpaid"}, said,
                           metadata={"now": LATER}, requested_slot="status_owner_nik",
                           form="status_form")
    ended = slot_events(await ValidateStatusForm().run(dispatcher, tracker, domain))
    assert ended["status_owner_nik"] == "checked" and REDACT_SLOT in ended
    assert ended[REDACT_SLOT] is None  # this turn only: nothing else to keep masked

    store = CachedSQLTrackerStore(domain=RASA_DOMAIN, dialect="sqlite",
                                  db=str(tmp_path / "tracker.sqlite3"))
    conversation = await store.get_or_create_tracker("rest:budi")
    conversation.update_with_events([
        SlotSet("status_number", number), ActionExecuted("action_listen"),
        UserUttered(said, {"name": "inform"},
                    [{"entity": "nik", "value": BUDI_NIK, "start": 9, "end": 25}]),
        *(SlotSet(name, value) for name, value in ended.items())], RASA_DOMAIN)
    await store.save(conversation)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.sqlite3'}")
    with engine.connect() as connection:
        stored = "\n".join(row[0] for row in connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = 'rest:budi'")))
    engine.dispose()
    assert BUDI_NIK not in stored and "************0001" in stored
    assert number in stored  # the registration number is not personal


async def test_a_requests_unsaved_data_is_not_masked_by_a_status_question(
        client, domain, dispatcher, sync_client):
    number = saved(sync_client, "during-request")
    slots = {"status_number": number, "status_stage": "unpaid", "owner_nik": BUDI_NIK}
    ended = await ask(domain, dispatcher, BUDI_NIK, slots, intent="inform",
                      requested="status_owner_nik")
    assert ended["status_owner_nik"] == "checked" and REDACT_SLOT not in ended
    saved_before = {**slots, "owner_nik": None, REDACT_SLOT: True}
    again = await ask(domain, dispatcher.__class__(), BUDI_NIK, saved_before, intent="inform",
                      requested="status_owner_nik")
    assert again[REDACT_SLOT] is True  # a saved registration's redaction goes on


async def test_an_expired_registration_needs_no_nik(client, domain, dispatcher, sync_client):
    number = saved(sync_client, "expired", at="2026-10-01T10:00:00+07:00")
    found = await ask(domain, dispatcher, f"cek status {number}", now=NOW)
    assert texts(dispatcher) == ["utter_status_expired_number"]
    tracker = make_tracker({**found}, "", form="status_form")
    assert await ValidateStatusForm().required_slots([], dispatcher, tracker, domain) == [
        "status_number"]


async def test_a_work_order_tells_the_connection_day(client, domain, dispatcher, sync_client):
    number = saved(sync_client, "ordered")
    sync_client.post(f"/ap2t/registrations/{number}/payment", headers={"X-PLN-Now": NOW})
    sync_client.put(f"/ap2t/registrations/{number}/work-order", json={},
                    headers={"X-PLN-Now": NOW})
    found = await ask(domain, dispatcher, f"no reg {number}")
    await ask(domain, dispatcher, BUDI_NIK, found, intent="inform", requested="status_owner_nik")
    assert texts(dispatcher) == ["utter_status_work_order_number",
                                 "utter_status_work_order_details"]
    assert dispatcher.messages[1]["connection_date"] == "2 Desember 2026"


async def test_each_status_question_starts_afresh(domain, dispatcher):
    tracker = make_tracker({"status_number": "53211261127123456", "status_stage": "paid"})
    events = await ActionStartStatusQuestion().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"status_number": None, "status_stage": None}


def test_every_response_the_status_answers_name_is_in_the_domain(domain):
    names = {f"utter_status_{stage.value}_{which}" for stage in status.Stage
             for which in ("number", "phone")}
    names |= {"utter_status_unpaid_details", "utter_status_paid_details",
              "utter_status_work_order_details", "utter_status_work_order_past",
              "utter_status_not_found", "utter_status_not_found_final",
              "utter_status_number_invalid", "utter_status_nik_mismatch",
              "utter_status_nik_not_on_record", "utter_ask_status_number",
              "utter_ask_status_owner_nik", "utter_payment_places"}
    assert names <= set(domain["responses"])
    moment = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    assert status.number_problem(None, 1).say.response in domain["responses"]
    assert moment  # the clock the unit tests fix: tests/test_status.py
