"""What a customer asking about a registration is told, for each stage AP2T records, before
and after the owner's NIK is checked (``bot.status``), with a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.backoffice.schemas import Registration, WorkOrder
from bot.identifiers import is_registration_number, registration_number
from bot.status import (
    Say,
    Stage,
    after_owner_nik,
    details,
    needs_owner,
    newest_open,
    number_problem,
    registration_number_in,
    stage,
    the_stage,
)

WIB = dt.timezone(dt.timedelta(hours=7))
SAVED_AT = dt.datetime(2026, 11, 27, 9, 30, tzinfo=WIB)
NUMBER = "53211261127123456"


def registration(**changes) -> Registration:
    quote = dict(current_va=1300, target_va=2200, bp_rate_rp_per_va=843, bp_rp=758700,
                 ppn_rate=0, ppn_rp=0, meterai_rp=10000, stroom_awal_rp=50000,
                 ppj_rate="0.024", ppj_rp=1172, energy_rp=48828, total_rp=818700)
    values = dict(
        registration_number=NUMBER, idpel="532110000101", customer_name="Budi Santoso",
        created_at=SAVED_AT, expires_at=SAVED_AT + dt.timedelta(days=30), validity_days=30,
        current_va=1300, target_va=2200, current_tariff="R-1", new_tariff="R-1",
        use="tempat tinggal", phase_change=False, quote=quote,
        service_level=dict(days=5, reason="no_phase_change", phase_change=False),
        total_rp=818700, role="owner", applicant_name="Budi Santoso",
        owner_nik_masked="************0001", applicant_nik_masked=None, email_masked=None,
        mobile_phone="081234500101", kecamatan="Coblong", kelurahan="Dago",
        conversation_id="whatsapp:p-0123456789abcdef01234567")
    values.update(changes)
    return Registration.parse_obj(values)


NOW = SAVED_AT + dt.timedelta(days=2)
PAID_AT = dt.datetime(2026, 11, 28, 23, 30, tzinfo=WIB)
ORDER = WorkOrder(number="SPK261129123456", issued_at=PAID_AT + dt.timedelta(hours=10),
                  connection_date=dt.date(2026, 12, 2))


def test_the_stage_of_a_registration_by_what_ap2t_recorded_and_the_clock():
    assert stage(registration(), NOW) is Stage.UNPAID
    assert stage(registration(), SAVED_AT + dt.timedelta(days=30)) is Stage.EXPIRED
    paid = registration(paid_at=PAID_AT, connection_due=dt.date(2026, 12, 3))
    assert stage(paid, NOW) is Stage.PAID
    assert stage(paid, SAVED_AT + dt.timedelta(days=40)) is Stage.PAID  # paid: never expires
    assert stage(registration(paid_at=PAID_AT, work_order=ORDER), NOW) is Stage.WORK_ORDER
    assert [needs_owner(s) for s in Stage] == [True, True, True, False]


@pytest.mark.parametrize("changes, now, response", [
    ({}, NOW, "utter_status_unpaid"),
    ({}, SAVED_AT + dt.timedelta(days=31), "utter_status_expired"),
    ({"paid_at": PAID_AT}, NOW, "utter_status_paid"),
    ({"paid_at": PAID_AT, "work_order": ORDER}, NOW, "utter_status_work_order"),
])
def test_before_the_nik_only_the_stage_and_the_number_only_when_the_customer_gave_it(
        changes, now, response):
    found = registration(**changes)
    assert the_stage(found, now, number_given=True) == Say(
        f"{response}_number", {"registration_number": NUMBER})
    assert the_stage(found, now, number_given=False) == Say(f"{response}_phone", {})


def test_unpaid_details_amount_validity_and_where_to_pay():
    assert details(registration(), NOW) == [
        Say("utter_status_unpaid_details", {"registration_number": NUMBER,
                                            "amount": "Rp818.700",
                                            "expires": "27 Desember 2026"}),
        Say("utter_payment_places")]


def test_paid_details_when_what_next_and_the_sops_connection_time():
    paid = registration(paid_at=PAID_AT, connection_due=dt.date(2026, 12, 3))
    assert details(paid, NOW) == [Say("utter_status_paid_details", {
        "registration_number": NUMBER, "paid_on": "28 November 2026", "days": 5,
        "due": "3 Desember 2026"})]
    # paid before AP2T recorded the due day: the same rule computes it
    assert details(registration(paid_at=PAID_AT), NOW)[0].values["due"] == "3 Desember 2026"


def test_work_order_details_the_connection_day_and_a_day_gone_by():
    ordered = registration(paid_at=PAID_AT, work_order=ORDER)
    assert details(ordered, NOW) == [Say("utter_status_work_order_details", {
        "registration_number": NUMBER, "work_order": "SPK261129123456",
        "connection_date": "2 Desember 2026"})]
    late = dt.datetime(2026, 12, 3, 8, 0, tzinfo=WIB)
    assert details(ordered, late)[0].response == "utter_status_work_order_past"


def test_expired_has_nothing_more_to_tell():
    assert details(registration(), SAVED_AT + dt.timedelta(days=31)) == []


def test_the_owners_nik_match_tells_the_details_a_mismatch_asks_once_more_then_nothing():
    found = registration()
    matched = after_owner_nik(True, False, 0, found, NOW)
    assert matched.verified and matched.over and matched.say == details(found, NOW)
    once = after_owner_nik(False, False, 1, found, NOW)
    assert (once.verified, once.over, once.say) == (False, False,
                                                    [Say("utter_status_nik_mismatch")])
    twice = after_owner_nik(False, False, 2, found, NOW)
    assert (twice.verified, twice.over) == (False, True)
    assert twice.say == [Say("utter_status_nik_not_on_record")]
    held = after_owner_nik(False, True, 0, found, NOW)
    assert (held.verified, held.over, held.say) == (False, True, twice.say)


@pytest.mark.parametrize("text, number", [
    ("nomor registrasi saya 53211261127123456", NUMBER),
    ("cek status no reg 53211 261127 123456 ya", NUMBER),
    ("lima tiga dua satu satu dua enam satu satu dua tujuh satu dua tiga empat lima enam",
     NUMBER),
    ("cek status permohonan", None),
    ("sudah bayar kok belum dipasang?", None),
    ("idpel saya 532110000101", None),
    ("53211261327123456", None),  # no 27th month
    ("53211261127123456 atau 53211261127654321", None),  # which one?
])
def test_the_registration_number_in_a_message(text, number):
    assert registration_number_in(text) == number


def test_the_registration_number_rule_is_the_one_ap2t_numbers_by():
    made = registration_number("53211", dt.date(2026, 11, 27), "123456")
    assert made == NUMBER and is_registration_number(made)
    assert not is_registration_number("5321126112712345")  # 16 digits: a NIK's length


def test_a_number_that_finds_nothing_is_asked_once_more():
    assert number_problem(None, 1).say == Say("utter_status_number_invalid")
    assert not number_problem(None, 1).gives_up
    assert number_problem(NUMBER, 1).say == Say("utter_status_not_found",
                                               {"registration_number": NUMBER})
    assert number_problem(NUMBER, 2) == number_problem(None, 2)
    assert number_problem(NUMBER, 2).gives_up


def test_the_newest_registration_of_the_callers_number_is_the_one_asked_about():
    newer, older = registration(registration_number="53211261128000001"), registration()
    assert newest_open([newer, older]) is newer
    assert newest_open([]) is None
