"""What happens to a registration after it is saved, as AP2T records it: the payment dates
the connection (the SOP's days of work, step 10, from the payment's day), the unit's work
order names the connection day, and a customer's registrations are found by the mobile
number they gave for the connection call."""

from __future__ import annotations

import datetime as dt

import pytest
from backoffice_helpers import FIXED_NOW, registration_body, sqlite_settings
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bot.backoffice.app import create_app
from bot.backoffice.client import BackofficeClient, Refused
from bot.backoffice.schemas import Registration, RegistrationRequest
from bot.backoffice.storage import Storage

AT = {"X-PLN-Now": FIXED_NOW.isoformat()}  # 27 November 2026, 10:00 WIB


@pytest.fixture()
def simulator(tmp_path):
    with TestClient(create_app(sqlite_settings(tmp_path)), raise_server_exceptions=False) as api:
        yield api


def saved(api, key: str = "k1", **changes) -> Registration:
    response = api.post("/ap2t/registrations", json=registration_body(key=key, **changes),
                        headers=AT)
    assert response.status_code == 201, response.text
    return Registration.parse_obj(response.json())


def at(moment: dt.datetime) -> dict[str, str]:
    return {"X-PLN-Now": moment.isoformat()}


def test_the_payment_dates_the_connection_by_the_sops_days_of_work(simulator):
    registration = saved(simulator)  # Budi 1.300 -> 2.200 VA, one phase: 5 hari kalender
    assert registration.service_level.days == 5
    assert registration.connection_due is None and registration.work_order is None
    late_evening = dt.datetime(2026, 11, 28, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    paid = simulator.post(f"/ap2t/registrations/{registration.registration_number}/payment",
                          headers=at(late_evening)).json()
    assert paid["connection_due"] == "2026-12-03"  # 28 November (the unit's day) + 5
    looked_up = simulator.get(f"/ap2t/registrations/{registration.registration_number}").json()
    assert looked_up["connection_due"] == "2026-12-03" and looked_up["work_order"] is None


def test_the_work_order_comes_after_the_payment_once_and_can_be_rescheduled(simulator):
    number = saved(simulator).registration_number
    refused = simulator.put(f"/ap2t/registrations/{number}/work-order", json={}, headers=AT)
    assert refused.status_code == 422 and refused.json()["error"] == "not_paid"

    simulator.post(f"/ap2t/registrations/{number}/payment", headers=AT)
    next_day = at(FIXED_NOW + dt.timedelta(days=1))
    order = simulator.put(f"/ap2t/registrations/{number}/work-order", json={},
                          headers=next_day).json()["work_order"]
    assert order["connection_date"] == "2026-12-02"  # by default the last day of the five
    assert order["number"].startswith("SPK261128") and len(order["number"]) == 15
    again = simulator.put(f"/ap2t/registrations/{number}/work-order", json={},
                          headers=next_day).json()["work_order"]
    assert again == order

    moved = simulator.put(f"/ap2t/registrations/{number}/work-order",
                          json={"connection_date": "2026-11-30"}, headers=next_day).json()
    assert moved["work_order"]["connection_date"] == "2026-11-30"
    assert moved["work_order"]["number"] == order["number"]
    assert simulator.get(f"/ap2t/registrations/{number}").json()["work_order"] == \
        moved["work_order"]

    past = simulator.put(f"/ap2t/registrations/{number}/work-order",
                         json={"connection_date": "2026-11-27"}, headers=next_day)
    assert past.status_code == 422 and past.json()["error"] == "connection_date_past"


def test_an_unknown_registration_has_no_work_order(simulator):
    missing = simulator.put("/ap2t/registrations/532112611270000000/work-order", json={})
    assert missing.status_code == 404


def test_registrations_are_found_by_the_connection_calls_mobile_number(simulator):
    first = saved(simulator, "k1").registration_number
    other = saved(simulator, "k2", mobile_phone="081299998888").registration_number
    second = saved(simulator, "k3", target_va=3500).registration_number

    def listed(phone: str) -> list[str]:
        response = simulator.get("/ap2t/registrations", params={"phone": phone})
        assert response.status_code == 200, response.text
        return [r["registration_number"] for r in response.json()]

    assert listed("081234500101") == [second, first]
    assert listed("+62 812-3450-0101") == [second, first]  # any common form
    assert listed("6281299998888") == [other]
    assert listed("081311112222") == []
    bad = simulator.get("/ap2t/registrations", params={"phone": "12ab"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_phone"


def test_a_database_from_before_the_mobile_column_gets_it_filled(tmp_path):
    settings = sqlite_settings(tmp_path)
    with TestClient(create_app(settings)) as api:
        number = saved(api).registration_number
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_registrations_mobile_phone"))
        connection.execute(text("ALTER TABLE registrations DROP COLUMN mobile_phone"))
    engine.dispose()
    storage = Storage.from_url(settings.database_url)
    storage.create_schema()
    assert [Registration.parse_raw(body).registration_number
            for body in storage.registrations_json(mobile_phone="081234500101")] == [number]
    storage.close()


def test_the_client_pays_orders_and_finds_by_phone(server):
    with BackofficeClient(server.url) as client:
        clocked = client.at(FIXED_NOW)
        registration = clocked.save_registration(
            RegistrationRequest.parse_obj(registration_body(key="client")))
        number = registration.registration_number
        with pytest.raises(Refused):
            clocked.work_order(number)
        clocked.record_payment(number)
        ordered = clocked.work_order(number, dt.date(2026, 11, 30))
        assert ordered.work_order.connection_date == dt.date(2026, 11, 30)
        assert [r.registration_number for r in clocked.registrations(phone="081234500101")] \
            == [number]
