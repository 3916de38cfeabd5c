"""bot.identifiers: customer numbers, NIK, phone numbers and masking."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.identifiers import (
    CustomerNumberKind,
    PhoneKind,
    check_nik,
    customer_number_kind,
    digits_only,
    mask,
    mask_email,
    parse_phone,
)


@pytest.mark.parametrize("text,kind", [
    ("532110000101", CustomerNumberKind.IDPEL), ("14100000101", CustomerNumberKind.METER),
    ("1410000010", None), ("5321100001011", None), ("53211000010a", None), ("", None)])
def test_customer_number_kind(text, kind):
    assert customer_number_kind(text) == kind


def test_digits_only():
    assert digits_only("5321-1000 01.01") == "532110000101"


# --- NIK ---------------------------------------------------------------------------------


@pytest.mark.parametrize("nik,born,female", [
    ("3273011508850001", dt.date(1985, 8, 15), False),
    ("3174064302900002", dt.date(1990, 2, 3), True),
    ("3578054907920007", dt.date(1992, 7, 9), True),
    ("9171013012800008", dt.date(1980, 12, 30), False),
    ("3204101203910015", dt.date(1991, 3, 12), False),
    ("3273-0115-0885-0001", dt.date(1985, 8, 15), False),
])
def test_valid_niks(nik, born, female):
    check = check_nik(nik)
    assert check.valid, check.problem
    assert (check.birth_date, check.female) == (born, female)


@pytest.mark.parametrize("nik,why", [
    ("3273011508850000", "0000"), ("9973011508850001", "provinsi"),
    ("3273013208850001", "Tanggal"), ("3273011513850001", "Bulan"),
    ("327301150885001", "16 digit"), ("3200011508850001", "kabupaten"),
    ("3273001508850001", "kecamatan"), ("3273017208850001", "Tanggal"),
    ("3273010002850001", "Tanggal"), ("3273012902010001", "Tanggal"),  # 29-02-2001 / 1901
])
def test_invalid_niks(nik, why):
    check = check_nik(nik)
    assert not check.valid and why in check.problem


def test_fixture_invalid_niks_are_refused():
    from bot.backoffice.records import load_fixture
    from bot.backoffice.settings import DEFAULT_SEED_FILE

    for entry in load_fixture(DEFAULT_SEED_FILE).invalid_niks:
        assert not check_nik(entry.nik).valid, entry.why


@pytest.mark.parametrize("today", [dt.date(2026, 11, 30), dt.date(2026, 12, 31),
                                   dt.date(2028, 2, 28), dt.date(2028, 2, 29)])
def test_nik_birth_date_is_never_after_the_conversations_today(today):
    """A NIK whose date would be tomorrow is of the previous century, whatever the date
    (also on 31 December, where tomorrow is next year, and around 29 February)."""
    tomorrow = today + dt.timedelta(days=1)
    nik = f"327301{tomorrow:%d%m%y}0001"
    check = check_nik(nik, today)
    assert check.valid and check.birth_date == dt.date(tomorrow.year - 100, tomorrow.month,
                                                       tomorrow.day)
    born_today = check_nik(f"327301{today:%d%m%y}0001", today)
    assert born_today.valid and born_today.birth_date == today


# --- phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["081234500101", "+62 812-3450-0101", "6281234500101",
                                  "+6281234500101", "0812 3450 0101", "0062 812 3450 0101",
                                  "+62 (0)812 3450 0101", "62-812-3450-0101"])
def test_mobile_forms(text):
    phone = parse_phone(text)
    assert phone is not None
    assert (phone.national, phone.e164, phone.kind) == ("081234500101", "+6281234500101",
                                                         PhoneKind.MOBILE)


@pytest.mark.parametrize("text,national", [
    ("0217201234", "0217201234"), ("(021) 720-1234", "0217201234"),
    ("+62 21 7201234", "0217201234"), ("(022) 7001100", "0227001100"),
    ("04114660606", "04114660606"), ("0315310707", "0315310707"),
    ("+62 (0)22 7001100", "0227001100")])
def test_landline_forms(text, national):
    phone = parse_phone(text)
    assert phone is not None and phone.kind is PhoneKind.PSTN and phone.national == national


@pytest.mark.parametrize("text", ["0800123456", "08041234567", "0809123456", "0812345",
                                  "081234567890123", "+1 650 253 0000", "hello", "",
                                  "0812abc45678", "1234"])
def test_not_personal_phone_numbers(text):
    assert parse_phone(text) is None


# --- masking -----------------------------------------------------------------------


def test_mask():
    assert mask("3273011508850001") == "************0001"
    assert mask("081234500101") == "********0101"
    assert mask("12345678") == "********"
    assert mask(None) is None


def test_mask_email():
    assert mask_email("budi@gmail.com") == "b***@gmail.com"
    assert mask_email("@x.id") == "***@x.id"
    assert mask_email("no-at-sign-here") == "***********here"
    assert mask_email(None) is None


def test_only_ascii_digits_make_identifiers():
    """Full-width or superscript digits are not an IDPEL, and never reach a stored phone."""
    from bot.identifiers import digits_only, is_idpel, is_meter_number, parse_phone
    assert not is_idpel("５３２１１００００１０１")
    assert not is_idpel("53211000010²")
    assert not is_meter_number("1410000010１")
    assert digits_only("０８１２-3450-0101") == "34500101"
    assert parse_phone("０８１２３４５００１０１") is None
