"""IDPEL, meter number, NIK and phone numbers: typed with any spacing or read digit by digit."""

import pytest

from bot.identifiers import CustomerNumberKind, PhoneKind
from bot.language import (
    Expectation,
    MentionKind,
    extract,
    parse_customer_number,
    parse_nik,
    parse_phone_number,
)

IDPEL = "532110000101"


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("532110000101", IDPEL, CustomerNumberKind.IDPEL),
        ("5321 1000 0101", IDPEL, CustomerNumberKind.IDPEL),
        ("5321-1000-0101", IDPEL, CustomerNumberKind.IDPEL),
        ("5321 - 1000 - 0101", IDPEL, CustomerNumberKind.IDPEL),
        ("5321.1000.0101", IDPEL, CustomerNumberKind.IDPEL),
        ("idpel saya 532110000101 kak", IDPEL, CustomerNumberKind.IDPEL),
        ("lima tiga dua satu satu nol nol nol nol satu nol satu", IDPEL, CustomerNumberKind.IDPEL),
        ("lima tiga dua satu, satu nol nol nol, nol satu nol satu", IDPEL, CustomerNumberKind.IDPEL),
        ("lima tiga dua satu satu tripel nol nol satu nol satu", IDPEL, CustomerNumberKind.IDPEL),
        ("lima tiga dua dobel satu nol nol nol nol satu nol satu", IDPEL, CustomerNumberKind.IDPEL),
        ("5321 satu nol nol nol 0101", IDPEL, CustomerNumberKind.IDPEL),
        ("LIMA TIGA DUA SATU SATU NOL NOL NOL NOL SATU NOL SATU", IDPEL, CustomerNumberKind.IDPEL),
        ("nomor meter 14123456789", "14123456789", CustomerNumberKind.METER),
        ("14123456789", "14123456789", CustomerNumberKind.METER),
        ("141 2345 6789", "14123456789", CustomerNumberKind.METER),
        ("628123450010", "628123450010", CustomerNumberKind.IDPEL),  # expected: customer number
    ],
)
def test_parse_customer_number(text, value, kind):
    result = parse_customer_number(text)
    assert result is not None
    assert (result.value, result.kind) == (value, kind)


@pytest.mark.parametrize(
    "text",
    [
        "5321100001",  # 10 digits: neither
        "5321100001011",  # 13 digits: neither
        "081234500101",  # a phone number
        "532110000101 dan 532110000102",  # two customer numbers
        "3500",
        "lima tiga dua",
    ],
)
def test_parse_customer_number_refuses(text):
    assert parse_customer_number(text) is None


def test_idpel_is_not_a_power_nor_an_amount():
    result = extract("idpel 532110000101 mau naik daya")
    assert (result.customer_number, result.power_va, result.amount_rp) == (IDPEL, None, None)


@pytest.mark.parametrize(
    ("text", "national", "kind"),
    [
        ("081234500101", "081234500101", PhoneKind.MOBILE),
        ("0812 3450 0101", "081234500101", PhoneKind.MOBILE),
        ("0812-3450-0101", "081234500101", PhoneKind.MOBILE),
        ("+62 812-3450-0101", "081234500101", PhoneKind.MOBILE),
        ("+6281234500101", "081234500101", PhoneKind.MOBILE),
        ("6281234500101", "081234500101", PhoneKind.MOBILE),
        ("no hp saya 0812.3450.0101 ya", "081234500101", PhoneKind.MOBILE),
        ("nol delapan satu dua tiga empat lima nol nol satu nol satu", "081234500101", PhoneKind.MOBILE),
        ("kosong delapan satu dua, tiga empat lima nol, nol satu nol satu", "081234500101", PhoneKind.MOBILE),
        ("nol delapan satu dua tiga empat lima dobel nol satu nol satu", "081234500101", PhoneKind.MOBILE),
        ("plus enam dua delapan satu dua tiga empat lima nol nol satu nol satu", "081234500101", PhoneKind.MOBILE),
        ("0812 tiga empat lima nol 0101", "081234500101", PhoneKind.MOBILE),
        ("+62 (0) 812 3450 0101", "081234500101", PhoneKind.MOBILE),
        ("0062 812 3450 0101", "081234500101", PhoneKind.MOBILE),
        ("hp: 0812-3450-0101.", "081234500101", PhoneKind.MOBILE),
        ("(022) 7001100", "0227001100", PhoneKind.PSTN),
        ("021-5551234", "0215551234", PhoneKind.PSTN),
        ("628123450010", "08123450010", PhoneKind.MOBILE),  # expected: a phone number
        ("81234500101", "081234500101", PhoneKind.MOBILE),  # no prefix, but a phone was asked
    ],
)
def test_parse_phone_number(text, national, kind):
    phone = parse_phone_number(text)
    assert phone is not None
    assert (phone.national, phone.kind) == (national, kind)


@pytest.mark.parametrize(
    "text",
    [
        "0800 1234 567",  # toll-free: not a personal number
        "0812",
        "081234500101 atau 081234500102",  # two numbers
        "tiga ribu",
        "",
    ],
)
def test_parse_phone_number_refuses(text):
    assert parse_phone_number(text) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("hp 0812 3450 0101", "phone", "081234500101"),
        ("idpel 628123450010", "customer_number", "628123450010"),
        ("wa saya 628123450010", "phone", "08123450010"),
        ("14123456789", "customer_number", "14123456789"),  # no prefix: a meter number
    ],
)
def test_context_words_settle_62_and_meter_lengths(text, field, value):
    result = extract(text)
    actual = result.phone.national if field == "phone" and result.phone else getattr(result, field)
    assert actual == value


def test_62_prefixed_12_digits_without_context_is_nothing():
    result = extract("628123450010")
    assert (result.customer_number, result.phone) == (None, None)
    assert [m.kind for m in result.numbers] == [MentionKind.DIGITS]


def test_phone_is_not_a_power_nor_an_amount():
    result = extract("hp 0812 3456 7890 mau tambah daya")
    assert result.phone is not None
    assert (result.power_va, result.amount_rp, result.customer_number) == (None, None, None)


def test_two_identifiers_next_to_each_other_are_read_one_by_one():
    result = extract("532110000101 081234500101")
    assert result.customer_number == IDPEL
    assert result.phone is not None and result.phone.national == "081234500101"


@pytest.mark.parametrize(
    ("text", "nik", "problem_part"),
    [
        ("3201011501900001", "3201011501900001", None),
        ("3201 0115 0190 0001", "3201011501900001", None),
        ("nik saya 3201015501900001", "3201015501900001", None),  # a woman: day + 40
        ("tiga dua nol satu nol satu satu lima nol satu sembilan nol nol nol nol satu",
         "3201011501900001", None),
        ("3201011501900000", "3201011501900000", "0000"),
        ("9901011501900001", "9901011501900001", "provinsi"),
        ("3201011513900001", "3201011513900001", "Bulan"),
        ("320101150190001", "320101150190001", "16 digit"),  # a NIK was asked: say why
    ],
)
def test_parse_nik(text, nik, problem_part):
    check = parse_nik(text)
    assert check is not None
    assert check.nik == nik
    if problem_part is None:
        assert check.valid
    else:
        assert not check.valid and problem_part in check.problem


def test_malformed_nik_reported_by_extract():
    result = extract("NIK 3201011501900000")
    assert result.nik == "3201011501900000"
    assert result.nik_problem is not None and "0000" in result.nik_problem


def test_15_digits_without_nik_context_is_no_nik():
    assert extract("320101150190001").nik is None
    assert extract("320101150190001", Expectation.NIK).nik == "320101150190001"


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("dobel satu", "11"),
        ("tripel nol", "000"),
        ("double 5", "55"),
        ("satu dua tiga", "123"),
    ],
)
def test_spoken_digit_strings(text, digits):
    (mention,) = extract(text).numbers
    assert (mention.kind, mention.digits) == (MentionKind.DIGITS, digits)


# --- numbers read in groups, as on the phone ------------------------------------------


@pytest.mark.parametrize("text, idpel", [
    ("lima ratus sebelas, nol sepuluh, nol nol nol, tujuh ratus tujuh", "511010000707"),
    ("idpel saya lima ratus sebelas, nol sepuluh, nol nol nol, tujuh ratus tujuh",
     "511010000707"),
    ("lima ratus tiga puluh dua, seratus sepuluh, nol nol nol, seratus satu", "532110000101"),
    ("lima tiga dua, satu satu nol, nol nol nol, seratus satu", "532110000101"),
])
def test_an_idpel_read_in_groups(text, idpel):
    assert parse_customer_number(text).value == idpel


@pytest.mark.parametrize("text", [
    "lima ratus sebelas nol sepuluh nol nol nol tujuh ratus tujuh",  # no groups: 511+10+707?
    "lima ratus sebelas, nol sepuluh, dua ribu, tujuh ratus tujuh",  # a group of thousands
    "lima ratus sebelas, nol sepuluh",  # too short for any identifier
])
def test_what_is_truly_ambiguous_in_groups_is_still_refused(text):
    assert parse_customer_number(text) is None


def test_quantities_in_a_list_are_not_read_as_groups():
    from bot.language import parse_power

    assert parse_power("tiga ribu lima ratus, dua ribu dua ratus") is None
    assert parse_power("dua ribu dua ratus, ya") == 2200
