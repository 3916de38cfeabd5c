"""words_to_number: Indonesian numbers in words, digits and slang to exact values."""

from decimal import Decimal

import pytest

from bot.language import words_to_number
from bot.language.numbers import parse_written


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # units, teens, tens, hundreds
        ("nol", 0),
        ("kosong", 0),
        ("satu", 1),
        ("sembilan", 9),
        ("sepuluh", 10),
        ("sebelas", 11),
        ("dua belas", 12),
        ("sembilan belas", 19),
        ("dua puluh", 20),
        ("dua puluh lima", 25),
        ("sembilan puluh sembilan", 99),
        ("seratus", 100),
        ("seratus lima", 105),
        ("seratus dua puluh", 120),
        ("tiga ratus", 300),
        ("sembilan ratus sembilan puluh sembilan", 999),
        # scales
        ("seribu", 1_000),
        ("sebelas ribu", 11_000),
        ("tujuh belas ribu", 17_000),  # kata2angka says 10007
        ("seratus lima ribu", 105_000),
        ("dua ribu dua ratus", 2_200),
        ("dua ribu lima", 2_005),
        ("tiga ribu lima ratus", 3_500),
        ("sepuluh ribu", 10_000),
        ("lima puluh ribu", 50_000),
        ("sembilan ratus sembilan puluh sembilan ribu", 999_000),
        ("satu juta", 1_000_000),
        ("sejuta", 1_000_000),
        ("setengah juta", 500_000),
        ("satu setengah juta", 1_500_000),
        ("satu juta lima ratus ribu", 1_500_000),
        ("dua miliar", 2_000_000_000),
        # spoken decimals
        ("tiga koma lima", Decimal("3.5")),
        ("satu koma tiga", Decimal("1.3")),
        ("nol koma dua lima", Decimal("0.25")),
        ("satu koma lima juta", 1_500_000),
        ("setengah", Decimal("0.5")),
        # digits, Indonesian separators
        ("3500", 3_500),
        ("3.500", 3_500),
        ("1.300.000", 1_300_000),
        ("1,3", Decimal("1.3")),
        ("3.5", Decimal("3.5")),
        ("1,300,000", 1_300_000),
        ("50.000,00", 50_000),
        # mixed and slang
        ("3 ribu 5 ratus", 3_500),
        ("3rb5ratus", 3_500),
        ("3rb 500", 3_500),
        ("50rb", 50_000),
        ("50 rb", 50_000),
        ("50ribu", 50_000),
        ("50k", 50_000),
        ("50 k", 50_000),
        ("100 ribuan", 100_000),
        ("1jt", 1_000_000),
        ("1,5 jt", 1_500_000),
        ("1jt 500rb", 1_500_000),
        ("5 ratus", 500),
        ("goceng", 5_000),
        ("ceban", 10_000),
        ("goban", 50_000),
        # upper case, typos kept on purpose
        ("DUA RIBU DUA RATUS", 2_200),
        ("dua ribuu", 2_000),
        ("lima rbu", 5_000),
        ("lima rebu", 5_000),
        ("tiga ratuss", 300),
    ],
)
def test_words_to_number(text, value):
    assert words_to_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ribu",  # a scale with no number
        "ribuan",
        "ratusan ribu",  # "hundreds of thousands": no figure
        "koma",
        "lima tiga dua",  # digits read one by one, not a quantity
        "dua ribu atau tiga ribu",  # two numbers
        "dua ribu 5000",  # a group as big as the scale before it: two numbers
        "gocap",  # 50 or 50.000: left out on purpose
        "cepek",  # 100 or 100.000: left out on purpose
        "ratu",  # not a typo of "ratus" we accept
        "k",
        "0812",  # a digit string, not a quantity
        "tiga ribu lima ratus va",  # a unit is not part of the number
    ],
)
def test_words_to_number_refuses(text):
    assert words_to_number(text) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3.500", Decimal(3500)),
        ("1.300.000", Decimal(1300000)),
        ("1,5", Decimal("1.5")),
        ("3.5", Decimal("3.5")),
        ("1.300,50", Decimal("1300.50")),
        ("0101", None),
        ("5321.1000.0101", None),
    ],
)
def test_parse_written(raw, value):
    assert parse_written(raw) == value
