"""The HTTP API: lookups, CRM, registrations, tickets, DIL updates and bad input."""

from __future__ import annotations

import pytest
from backoffice_helpers import SEED, idpel_of, registration_body, sqlite_settings


def test_meter_number_and_idpel_give_the_same_customer(read_only_api):
    for customer in SEED.customers:
        if customer.meter_number is None:
            continue
        by_idpel = read_only_api.get(f"/ap2t/customers/{customer.idpel}")
        by_meter = read_only_api.get(f"/ap2t/customers/{customer.meter_number}")
        assert by_idpel.status_code == by_meter.status_code == 200
        assert by_idpel.json() == by_meter.json()
        assert by_idpel.json()["name"] == customer.name


def test_customer_record(read_only_api):
    body = read_only_api.get("/ap2t/customers/511010000707").json()
    assert body["name"] == "Dewi Lestari" and body["title"] == "Ibu"
    assert body["tariff"] == "R-1" and body["power_va"] == 2200 and body["phase"] == 1
    assert body["payment"] == "prabayar"
    assert body["unit"] == {"code": "51101", "name": "ULP Surabaya Kota",
                            "address": "Jl. Embong Trengguli No. 19, Surabaya",
                            "timezone": "Asia/Jakarta"}
    assert body["dil_phones"] == {"mobile": "087855700707", "pstn": "0315310707"}
    assert body["kecamatan"] == "Tegalsari" and body["kelurahan"] == "Keputran"
    assert "nik" not in body


def test_customer_number_with_spaces_and_dashes(read_only_api):
    assert read_only_api.get("/ap2t/customers/5321 1000 0101").json()["name"] == "Budi Santoso"
    assert read_only_api.get("/ap2t/customers/141-0000-0101").json()["name"] == "Budi Santoso"


@pytest.mark.parametrize("number", SEED.unknown_numbers)
def test_unknown_numbers_are_404(read_only_api, number):
    response = read_only_api.get(f"/ap2t/customers/{number}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found" and response.json()["message"]


@pytest.mark.parametrize("number", ["abc", "12345", "5321100001011", "53211000010a"])
def test_malformed_numbers_are_422(read_only_api, number):
    response = read_only_api.get(f"/ap2t/customers/{number}")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_customer_number"


# --- CRM -----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["081234500101", "+62 812-3450-0101", "6281234500101",
                                  "+6281234500101", "0812 3450 0101", "%2B62%20812-3450-0101"])
def test_phone_forms_give_the_same_crm_record(read_only_api, form):
    response = read_only_api.get(f"/crm/callers/{form}")
    assert response.status_code == 200, response.text
    assert response.json() == {"phone": "081234500101", "type": "mobile", "name": "Budi Santoso",
                               "title": "Bapak", "idpel": "532110000101",
                               "timezone": "Asia/Jakarta"}


def test_the_crm_record_gives_the_zone_of_the_callers_unit(read_only_api):
    assert read_only_api.get("/crm/callers/082199800808").json()["timezone"] == "Asia/Jayapura"
    assert read_only_api.get("/crm/callers/04114660606").json()["timezone"] == "Asia/Makassar"


def test_landline_caller(read_only_api):
    body = read_only_api.get("/crm/callers/(021) 720-1234").json()
    assert body["type"] == "pstn" and body["name"] == "Siti Rahayu" and body["title"] == "Ibu"


def test_unknown_valid_number_is_404_with_its_kind(read_only_api):
    response = read_only_api.get("/crm/callers/081311001010")  # Rina: not in the CRM
    assert response.status_code == 404 and response.json()["kind"] == "mobile"


@pytest.mark.parametrize("text", ["hello", "0800123456", "12", "+1 650 253 0000"])
def test_not_a_phone_number_is_422(read_only_api, text):
    assert read_only_api.get(f"/crm/callers/{text}").status_code == 422


# --- registrations -----------------------------------------------------------------


def test_registration_is_saved_with_the_recomputed_quote(api):
    response = api.post("/ap2t/registrations", json=registration_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["total_rp"] == 893300 and body["quote"]["bp_rp"] == 843300
    assert body["service_level"] == {"days": 5, "reason": "no_phase_change",
                                     "phase_change": False}
    assert body["created_at"].startswith("2026-11-27T10:00:00")
    assert body["expires_at"].startswith("2026-12-27T10:00:00")
    assert body["owner_nik_masked"] == "************0001"
    assert body["registration_number"].startswith("53211261127")
    again = api.get(f"/ap2t/registrations/{body['registration_number']}")
    assert again.status_code == 200 and again.json() == body


def test_same_key_twice_gives_one_registration(api):
    first = api.post("/ap2t/registrations", json=registration_body(key="same"))
    second = api.post("/ap2t/registrations", json=registration_body(key="same"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert api.app.state.storage.count("registrations") == 1


def test_same_key_with_another_body_is_409(api):
    api.post("/ap2t/registrations", json=registration_body(key="k"))
    response = api.post("/ap2t/registrations", json=registration_body(key="k", target_va=3500))
    assert response.status_code == 409 and response.json()["error"] == "idempotency_conflict"
    assert api.app.state.storage.count("registrations") == 1


def test_authorised_applicant(api):
    applicant = SEED.applicants[0]
    response = api.post("/ap2t/registrations", json=registration_body(
        role="authorised", applicant_nik=applicant.nik, applicant_name=applicant.name,
        applicant_address=applicant.address))
    assert response.status_code == 201, response.text
    assert response.json()["applicant_name"] == "Joko Prasetyo"
    assert response.json()["applicant_nik_masked"] == "************0015"


def test_area_names_are_matched_without_case(api):
    body = api.post("/ap2t/registrations",
                    json=registration_body(kecamatan="coblong", kelurahan="lebak gede")).json()
    assert (body["kecamatan"], body["kelurahan"]) == ("Coblong", "Lebak Gede")


def test_postpaid_registration_without_stroom_awal(api):
    body = registration_body(idpel=idpel_of("Siti"), target_va=3500, stroom_awal_rp=None,
                             owner_nik="3174064302900002", kecamatan="Kebayoran Baru",
                             kelurahan="Gunung", mobile_phone="081311112222")
    response = api.post("/ap2t/registrations", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["total_rp"] == 1259700


# --- DIL mobile updates ------------------------------------------------------------


def test_dil_mobile_update(api):
    response = api.put("/ap2t/customers/511010000707/dil/mobile", json={"phone": "+62 811 2222 3333"})
    assert response.status_code == 200
    assert response.json() == {"mobile": "081122223333", "pstn": "0315310707"}
    assert api.get("/ap2t/customers/14100000707").json()["dil_phones"]["mobile"] == "081122223333"


def test_dil_mobile_refuses_a_landline(api):
    response = api.put("/ap2t/customers/511010000707/dil/mobile", json={"phone": "0217201234"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_mobile_phone"


# --- APKT ----------------------------------------------------------------------------


def test_ticket_personal_data_is_masked(api):
    request = {"kind": "cso_handoff", "reason": "Pelanggan minta CS, hp 081234500101",
               "sop_step": 5, "conversation_id": "conv-1", "idpel": "532110000101",
               "data": {"owner_nik": "3273011508850001", "mobile_phone": "081234500101",
                        "email": "budi@example.com", "address": "Jl. Dago No. 12, Bandung",
                        "target_va": 7700, "applicant": {"nik": "3204101203910015"}}}
    response = api.post("/apkt/tickets", json=request)
    assert response.status_code == 201, response.text
    stored = api.get("/apkt/tickets", params={"conversation_id": "conv-1"}).json()
    assert len(stored) == 1 and stored[0] == response.json()
    data = stored[0]["data"]
    assert data["owner_nik"] == "************0001"
    assert data["mobile_phone"] == "********0101"
    assert data["email"] == "b***@example.com"
    assert "Dago" not in data["address"]
    assert data["applicant"]["nik"] == "************0015"
    assert data["target_va"] == 7700
    assert "081234500101" not in stored[0]["reason"]
    assert stored[0]["ticket_number"].startswith("APKT")


def test_ticket_idempotency_key(api):
    request = {"kind": "issued_closed", "reason": "NIK belum siap", "sop_step": 3,
               "conversation_id": "conv-2", "idempotency_key": "t-1"}
    first, second = api.post("/apkt/tickets", json=request), api.post("/apkt/tickets", json=request)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert len(api.get("/apkt/tickets", params={"conversation_id": "conv-2"}).json()) == 1


# --- bad input: 4xx, the error shape, and nothing stored -------------------------------

BUDI = "532110000101"
BAD_REQUESTS = [
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=3000&stroom_awal_rp=50000", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=900&stroom_awal_rp=50000", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=2200&stroom_awal_rp=-1", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=2200&stroom_awal_rp=4999", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=2200&stroom_awal_rp=1000001", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=2200&stroom_awal_rp=99999999999999999999", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=2200", None),  # prepaid needs stroom
    ("GET", "/ap2t/customers/541100000202/quote?target_va=3500&stroom_awal_rp=20000", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=abc", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote?target_va=1e309", None),
    ("GET", f"/ap2t/customers/{BUDI}/quote", None),
    ("GET", f"/ap2t/customers/{BUDI}/power-change?target_va=-3500", None),
    ("GET", f"/ap2t/customers/{BUDI}/power-change?target_va=99999999999", None),
    ("GET", f"/ap2t/customers/{BUDI}/service-level?target_va=3000", None),
    ("GET", "/ap2t/customers/999999999999/quote?target_va=2200&stroom_awal_rp=50000", None),
    ("GET", "/ap2t/registrations/NOPE", None),
    ("GET", "/ap2t/registrations", None),  # a listing needs conversation_id and/or idpel
    ("GET", "/ap2t/registrations?idpel=12ab", None),
    ("POST", "/ap2t/registrations", dict(registration_body(), conversation_id="")),
    ("POST", "/ap2t/registrations", dict(registration_body(), conversation_id="c" * 201)),
    ("POST", "/ap2t/registrations", registration_body(target_va=3000)),
    ("POST", "/ap2t/registrations", registration_body(target_va=900)),
    ("POST", "/ap2t/registrations", registration_body(target_va=-2200)),
    ("POST", "/ap2t/registrations", registration_body(target_va="2200")),
    ("POST", "/ap2t/registrations", registration_body(target_va=2200.5)),
    ("POST", "/ap2t/registrations", registration_body(stroom_awal_rp=-50000)),
    ("POST", "/ap2t/registrations", registration_body(stroom_awal_rp=10**15)),
    ("POST", "/ap2t/registrations", registration_body(stroom_awal_rp=None)),
    ("POST", "/ap2t/registrations", registration_body(idpel="999999999999")),
    ("POST", "/ap2t/registrations", registration_body(idpel="12ab")),
    ("POST", "/ap2t/registrations", registration_body(owner_nik="3273011508850000")),
    ("POST", "/ap2t/registrations", registration_body(owner_nik="327301150885001")),
    ("POST", "/ap2t/registrations", registration_body(mobile_phone="0217201234")),
    ("POST", "/ap2t/registrations", registration_body(mobile_phone="not a phone")),
    ("POST", "/ap2t/registrations", registration_body(email="budi@")),
    ("POST", "/ap2t/registrations", registration_body(kecamatan="Tebet")),
    ("POST", "/ap2t/registrations", registration_body(kelurahan="Ledeng")),  # Cidadap's
    ("POST", "/ap2t/registrations", registration_body(role="authorised")),  # incomplete
    ("POST", "/ap2t/registrations", registration_body(role="boss")),
    ("POST", "/ap2t/registrations", registration_body(idpel=idpel_of("Agus"), target_va=1300,
                                                      stroom_awal_rp=None)),  # arrears
    ("POST", "/ap2t/registrations", registration_body(idpel=idpel_of("Hendra"), target_va=7700,
                                                      owner_nik="3174092111780005",
                                                      kecamatan="Tebet",
                                                      kelurahan="Tebet Barat")),  # r3 route
    ("POST", "/ap2t/registrations", registration_body(idpel=idpel_of("Yusuf"), target_va=3500,
                                                      kecamatan="Cidadap",
                                                      kelurahan="Ciumbuleuit")),  # notification
    ("POST", "/ap2t/registrations", {"idpel": BUDI, "target_va": 2200}),  # missing fields
    ("POST", "/ap2t/registrations", dict(registration_body(), surprise=1)),
    ("POST", "/ap2t/registrations", []),
    ("POST", "/ap2t/registrations", "not json"),
    ("POST", "/ap2t/registrations", dict(registration_body(), idempotency_key="x" * 500)),
    ("POST", "/ap2t/registrations", dict(registration_body(), padding="x" * 70_000)),  # > 64 KiB
    ("PUT", "/ap2t/customers/999999999999/dil/mobile", {"phone": "081234500199"}),
    ("PUT", f"/ap2t/customers/{BUDI}/dil/mobile", {"phone": "0800123456"}),
    ("PUT", f"/ap2t/customers/{BUDI}/dil/mobile", {"phone": 81234500199}),
    ("PUT", f"/ap2t/customers/{BUDI}/dil/mobile", {}),
    ("POST", "/apkt/tickets", {"kind": "closed", "reason": "x", "sop_step": 3,
                               "conversation_id": "c"}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "reason": "x", "sop_step": 23,
                               "conversation_id": "c"}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "reason": "x", "sop_step": "3",
                               "conversation_id": "c"}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "reason": "x", "sop_step": 3,
                               "conversation_id": "c", "idpel": "123"}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "reason": "", "sop_step": 3,
                               "conversation_id": "c"}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "sop_step": 3}),
    ("POST", "/apkt/tickets", {"kind": "mbl", "reason": "x", "sop_step": 3,
                               "conversation_id": "c", "data": {"x": [[[[[[[[[[1]]]]]]]]]]}}),
    ("POST", "/apkt/tickets", '{"kind": "mbl", "reason": "x", "sop_step": 3, '
                              '"conversation_id": "c", "data": {"x": NaN}}'),
    ("POST", "/apkt/tickets", '{"kind": "mbl", "reason": "x", "sop_step": 3, '
                              '"conversation_id": "c", "data": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("POST", "/ap2t/registrations", "\xff\xfe"),
    ("DELETE", "/ap2t/registrations/anything", None),
]


def _stored(api) -> tuple:
    storage = api.app.state.storage
    return (storage.count("registrations"), storage.count("tickets"),
            storage.count("dil_mobile_updates"), storage.count("customers"),
            api.get(f"/ap2t/customers/{BUDI}").json())


@pytest.mark.parametrize("method,path,body", BAD_REQUESTS)
def test_bad_input_is_refused_and_changes_nothing(api, method, path, body):
    before = _stored(api)
    if isinstance(body, str):
        response = api.request(method, path, content=body,
                               headers={"content-type": "application/json"})
    else:
        response = api.request(method, path, json=body)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()
    assert isinstance(error["error"], str) and isinstance(error["message"], str)
    assert error["message"]
    assert _stored(api) == before


def test_oversized_body_is_413(api):
    response = api.post("/ap2t/registrations",
                        json=dict(registration_body(), padding="x" * 70_000))
    assert response.status_code == 413 and response.json()["error"] == "body_too_large"


def test_logs_carry_no_personal_data(api, caplog):
    caplog.set_level("INFO", logger="simulator")
    api.get("/crm/callers/081234500101")
    api.get(f"/ap2t/customers/{BUDI}")
    api.post("/ap2t/registrations", json=registration_body(key="log-check"))
    text = caplog.text
    assert "081234500101" not in text and BUDI not in text and "3273011508850001" not in text
    assert "/crm/callers/" in text  # the access log is there, masked


# --- regulated figures and the stroom awal advice ------------------------------------


def test_info_tells_the_regulated_figures(read_only_api):
    assert read_only_api.get("/ap2t/info").json() == {
        "stamp_duty_rp": 10000, "spjbtl_stamps": 2, "registration_validity_days": 30,
        "stroom_awal_min_rp": 5000, "stroom_awal_max_rp": 1000000,
        "token_denominations_rp": [20000, 50000, 100000, 250000, 500000, 1000000],
        "max_power_va": 197000}


def test_stroom_awal_advice_covers_a_week_of_typical_use(read_only_api):
    advice = read_only_api.get(f"/ap2t/customers/{BUDI}/stroom-awal-advice",
                               params={"target_va": 2200}).json()
    assert (advice["min_rp"], advice["max_rp"]) == (5000, 1000000)
    assert advice["advised_rp"] in advice["denominations_rp"]
    assert advice["advised_rp"] >= advice["estimated_daily_rp"] * advice["days"]
    smaller = [d for d in advice["denominations_rp"] if d < advice["advised_rp"]]
    assert all(d < advice["estimated_daily_rp"] * advice["days"] for d in smaller)
    bigger = read_only_api.get(f"/ap2t/customers/{BUDI}/stroom-awal-advice",
                               params={"target_va": 13900}).json()
    assert bigger["advised_rp"] > advice["advised_rp"]


@pytest.mark.parametrize("path", [
    "/ap2t/customers/541100000202/stroom-awal-advice?target_va=3500",  # postpaid
    f"/ap2t/customers/{BUDI}/stroom-awal-advice?target_va=3000",  # non-standard
    f"/ap2t/customers/{BUDI}/stroom-awal-advice?target_va=900",  # lower
])
def test_stroom_awal_advice_refusals(read_only_api, path):
    assert read_only_api.get(path).status_code == 422


def test_an_unexpected_error_is_a_json_500_without_personal_data_in_the_log(api, caplog):
    def broken():
        raise RuntimeError("NIK 3273011508850001 in an exception message")

    api.app.add_api_route("/broken", broken)
    caplog.set_level("INFO")
    response = api.get("/broken")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "Kesalahan pada simulator."}
    assert "RuntimeError" in caplog.text and "3273011508850001" not in caplog.text


def test_registration_dates_are_in_the_unit_time_zone(api):
    """Rudi's unit is in Jayapura (WIT, +09:00); the fixed clock is 10:00 WIB."""
    body = registration_body(idpel=idpel_of("Rudi"), target_va=6600, stroom_awal_rp=50000,
                             owner_nik="9171013012800008", kecamatan="Jayapura Utara",
                             kelurahan="Imbi", mobile_phone="082199800808")
    registration = api.post("/ap2t/registrations", json=body).json()
    assert registration["created_at"] == "2026-11-27T12:00:00+09:00"
    assert registration["expires_at"] == "2026-12-27T12:00:00+09:00"
    assert registration["service_level"]["days"] == 25


# --- the conversation's clock (X-PLN-Now) --------------------------------------------


@pytest.mark.parametrize("now, created, expires, number_date", [
    # a month end, a year end late in the evening, 29 February and the day before it
    ("2027-01-31T23:45:00+07:00", "2027-01-31T23:45:00+07:00", "2027-03-02T23:45:00+07:00", "270131"),
    ("2026-12-31T23:30:00+07:00", "2026-12-31T23:30:00+07:00", "2027-01-30T23:30:00+07:00", "261231"),
    ("2028-02-29T10:00:00+07:00", "2028-02-29T10:00:00+07:00", "2028-03-30T10:00:00+07:00", "280229"),
    ("2028-02-28T16:30:00Z", "2028-02-28T23:30:00+07:00", "2028-03-29T23:30:00+07:00", "280228"),
])
def test_a_registration_is_dated_by_the_conversations_clock(api, now, created, expires,
                                                            number_date):
    """The simulator's own clock (FIXED_NOW, 27 November) is not the conversation's: the
    assistant sends its clock with every call, and the registration, its number and its
    validity follow it, in the unit's zone (Budi: Bandung, WIB)."""
    response = api.post("/ap2t/registrations", json=registration_body(key=f"k-{now}"),
                        headers={"X-PLN-Now": now})
    assert response.status_code == 201, response.text
    registration = response.json()
    assert (registration["created_at"], registration["expires_at"]) == (created, expires)
    assert registration["registration_number"].startswith("53211" + number_date)


def test_the_conversations_clock_crosses_midnight_in_the_units_zone(api):
    """23:30 WIB on 31 December is already 1 January 2027 in Jayapura (WIT)."""
    body = registration_body(idpel=idpel_of("Rudi"), target_va=6600, stroom_awal_rp=50000,
                             owner_nik="9171013012800008", kecamatan="Jayapura Utara",
                             kelurahan="Imbi", mobile_phone="082199800808")
    registration = api.post("/ap2t/registrations", json=body,
                            headers={"X-PLN-Now": "2026-12-31T23:30:00+07:00"}).json()
    assert registration["created_at"] == "2027-01-01T01:30:00+09:00"
    assert registration["registration_number"].startswith("81101270101")


def test_a_replay_at_a_later_time_is_the_same_registration(api):
    """A retried save carries a later clock (real time): same key, same registration, no
    conflict."""
    first = api.post("/ap2t/registrations", json=registration_body(key="replay"),
                     headers={"X-PLN-Now": "2026-11-27T09:00:00+07:00"})
    again = api.post("/ap2t/registrations", json=registration_body(key="replay"),
                     headers={"X-PLN-Now": "2026-11-27T09:00:07+07:00"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_tickets_and_dil_updates_are_dated_by_the_conversations_clock(api):
    ticket = api.post("/apkt/tickets", headers={"X-PLN-Now": "2026-12-31T23:30:00+07:00"},
                      json={"kind": "issued_closed", "reason": "x", "sop_step": 3,
                            "conversation_id": "c-1"}).json()
    assert ticket["created_at"] == "2026-12-31T23:30:00+07:00"
    assert ticket["ticket_number"].startswith("APKT261231")
    updated = api.put(f"/ap2t/customers/{idpel_of('Budi')}/dil/mobile",
                      json={"phone": "081299990000"},
                      headers={"X-PLN-Now": "2026-12-31T23:30:00+07:00"})
    assert updated.status_code == 200


@pytest.mark.parametrize("header", ["yesterday", "2026-11-27T09:00:00", "2026-13-01T00:00:00+07:00",
                                    "x" * 65])
def test_a_malformed_clock_is_refused_and_nothing_is_saved(api, header):
    response = api.post("/ap2t/registrations", json=registration_body(key="bad-clock"),
                        headers={"X-PLN-Now": header})
    assert response.status_code == 422
    assert response.json()["error"] in ("invalid_now", "invalid_request")
    assert api.get("/ap2t/registrations", params={"idpel": idpel_of("Budi")}).json() == []


# --- step 19c: the one-stop service (LSP) and Super WOW --------------------------------


def test_a_registration_is_one_stop_only_once_the_customer_chose_a_lit_tr(api):
    saved = api.post("/ap2t/registrations", json=registration_body(key="lsp")).json()
    assert saved["lsp_available"] is True and saved["super_wow"] is False
    assert saved["one_stop_service"] is False and saved["lit_tr_choice"] is None
    number = saved["registration_number"]
    chosen = api.put(f"/ap2t/registrations/{number}/lit-tr",
                     json={"lit_tr": "cv laik operasi parahyangan"})
    assert chosen.status_code == 200
    assert chosen.json()["lit_tr_choice"] == "CV Laik Operasi Parahyangan"
    assert chosen.json()["one_stop_service"] is True
    assert api.get(f"/ap2t/registrations/{number}").json()["lit_tr_choice"] == \
        "CV Laik Operasi Parahyangan"
    unknown = api.put(f"/ap2t/registrations/{number}/lit-tr", json={"lit_tr": "PT Lain"})
    assert (unknown.status_code, unknown.json()["error"]) == (422, "unknown_lit_tr")
    missing = api.put("/ap2t/registrations/999/lit-tr", json={"lit_tr": "PT Lain"})
    assert missing.status_code == 404


def test_a_unit_without_lit_tr_partners_has_no_one_stop_service(api):
    body = registration_body(key="rudi", idpel=idpel_of("Rudi"), target_va=6600,
                             owner_nik="9171013012800008", kecamatan="Jayapura Utara",
                             kelurahan="Imbi", mobile_phone="082199800808")
    saved = api.post("/ap2t/registrations", json=body).json()
    assert saved["one_stop_service"] is False and saved["lsp_available"] is False
    refused = api.put(f"/ap2t/registrations/{saved['registration_number']}/lit-tr",
                      json={"lit_tr": "PT Laik Operasi Celebes"})
    assert refused.json()["error"] == "not_one_stop_service"


@pytest.fixture
def super_wow_api(tmp_path):
    """The Super WOW promotion running at ULP Bandung Utara in December 2026."""
    from bot.backoffice.app import create_app
    from bot.backoffice.regulations import DEFAULT_REGULATIONS_FILE

    text = DEFAULT_REGULATIONS_FILE.read_text().replace(
        'units: []', 'units: ["53211"]').replace("from_date: 2026-01-01", "from_date: 2026-12-01")
    regulations = tmp_path / "regulations.yaml"
    regulations.write_text(text)
    from fastapi.testclient import TestClient
    with TestClient(create_app(sqlite_settings(tmp_path, regulations_file=regulations))) as client:
        yield client


def test_super_wow_takes_five_days_and_no_lit_tr_choice(super_wow_api):
    december = {"X-PLN-Now": "2026-12-10T09:00:00+07:00"}
    level = super_wow_api.get(f"/ap2t/customers/{idpel_of('Budi')}/service-level",
                              params={"target_va": 2200}, headers=december).json()
    assert level == {"days": 5, "reason": "super_wow", "phase_change": False}
    saved = super_wow_api.post("/ap2t/registrations", json=registration_body(key="wow"),
                               headers=december).json()
    assert saved["super_wow"] is True and saved["lsp_available"] is False
    refused = super_wow_api.put(f"/ap2t/registrations/{saved['registration_number']}/lit-tr",
                                json={"lit_tr": "CV Laik Operasi Parahyangan"}, headers=december)
    assert refused.json()["error"] == "not_one_stop_service"
    # before the campaign: the regular service level, and the one-stop choice
    november = {"X-PLN-Now": "2026-11-27T09:00:00+07:00"}
    saved = super_wow_api.post("/ap2t/registrations", json=registration_body(key="nov"),
                               headers=november).json()
    assert saved["super_wow"] is False and saved["lsp_available"] is True
    assert saved["service_level"]["reason"] == "no_phase_change"


def test_the_owners_nik_is_checked_and_never_given_out(read_only_api):
    for customer in SEED.customers:
        check = read_only_api.post(f"/ap2t/customers/{customer.idpel}/owner-nik-check",
                                   json={"nik": customer.nik})
        assert check.status_code == 200 and check.json() == {"match": True, "held": False}
        assert customer.nik not in check.text
    spaced = read_only_api.post("/ap2t/customers/532110000101/owner-nik-check",
                                json={"nik": "3273 0115 0885 0001"})
    assert spaced.json() == {"match": True, "held": False}
    # another customer's NIK, valid in itself, is not Budi's
    other = read_only_api.post("/ap2t/customers/532110000101/owner-nik-check",
                               json={"nik": "3174064302900002"})
    assert other.json() == {"match": False, "held": False}
    unknown = read_only_api.post("/ap2t/customers/999999999999/owner-nik-check",
                                 json={"nik": "3174064302900002"})
    assert unknown.status_code == 404
    bad = read_only_api.post("/ap2t/customers/532110000101/owner-nik-check",
                             json={"nik": "x", "extra": 1})
    assert bad.status_code in (400, 422)


def test_failed_nik_checks_are_counted_per_idpel_and_day_across_conversations(api):
    """A stranger guessing the owner's NIK: each conversation was a fresh guess. After
    three failures in a day (any conversation) AP2T holds the IDPEL's checks: even the
    right NIK is not checked, an officer serves; other IDPELs and the next day are not
    held."""
    budi, wrong, right = "532110000101", "3174064302900002", "3273011508850001"

    def check(nik, idpel=budi, day="2026-11-27T09:00:00+07:00"):
        return api.post(f"/ap2t/customers/{idpel}/owner-nik-check", json={"nik": nik},
                        headers={"X-PLN-Now": day}).json()

    for _ in range(3):
        assert check(wrong) == {"match": False, "held": False}
    assert check(right) == {"match": False, "held": True}
    assert check(wrong) == {"match": False, "held": True}
    other = SEED.customers[1]
    assert check(other.nik, other.idpel) == {"match": True, "held": False}
    assert check(right, day="2026-11-28T09:00:00+07:00") == {"match": True, "held": False}
