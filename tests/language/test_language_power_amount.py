"""Powers and amounts: units, context, the dari/ke rule, and None when it cannot tell."""

import pytest

from bot.language import MentionKind, entities, extract, parse_amount, parse_power


@pytest.mark.parametrize(
    ("text", "power_va"),
    [
        ("3500", 3_500),
        ("3.500 VA", 3_500),
        ("3,5 kVA", 3_500),
        ("tiga ribu lima ratus", 3_500),
        ("tiga koma lima kVA", 3_500),
        ("tiga setengah kva", 3_500),
        ("1,3 kva", 1_300),
        ("3.5 kva", 3_500),
        ("3.5kva", 3_500),
        ("dua ribu dua ratus", 2_200),
        ("3rb5ratus", 3_500),
        ("3 ribu 5 ratus watt", 3_500),
        ("2200 watt", 2_200),
        ("2200w", 2_200),
        ("3500 wat", 3_500),
        ("3500an", 3_500),
        ("5,5", 5_500),  # a bare decimal is kVA when that is a standard step
        ("23", 23_000),
        ("23 kva", 23_000),
        ("7,7 KVA", 7_700),
        ("16,5 kVA", 16_500),
        ("10.600 VA", 10_600),
        ("197 kva", 197_000),
        ("3.500 kva", 3_500),  # a VA figure with the wrong unit
        ("3000 VA", 3_000),  # not a standard step: the form offers the nearest ones
        ("naik ke 4.400 ya kak", 4_400),
        ("eh salah, dayanya 4.400 saja", 4_400),
        ("dari 1300 ke 2200", 2_200),
        ("dari 1.300 VA menjadi 2.200 VA", 2_200),
        ("1300 jadi 2200", 2_200),
        ("sekarang 1300 watt mau jadi 2200 watt", 2_200),
        ("daya sekarang 1300, mau naik 2200", 2_200),
        ("tahun 2024 mau naik ke 3500", 3_500),
        ("th 2019 pasang 900, mau 2200 sekarang", 2_200),
        ("tgl 17 agustus 2024 mau naik 4400", 4_400),
        ("17/08/2024 mau 3500 VA", 3_500),
        ("bukan 3500 tapi 4400", 4_400),
        ("4400 aja, eh salah 5500", 5_500),
        ("dari 1300 ke 2200, ralat ke 3500", 3_500),
        ("3500 VA, iya 3500 VA", 3_500),  # the same value twice is one value
        ("MAU NAIK KE 5500 VA", 5_500),
        ("mau naik 2 tingkat ke 3500", 3_500),  # "2 tingkat" is no power
        ("naik daya ke tiga ribu lima ratus va", 3_500),
        ("dari sembilan ratus ke seribu tiga ratus", 1_300),
        ("naik ke dua ribu dua ratus", 2_200),
        ("mau ke tiga koma lima kva", 3_500),
        ("3.500VA", 3_500),
        ("idpel lima tiga dua satu satu nol nol nol nol satu nol satu, mau naik ke tiga ribu lima ratus", 3_500),
        ("hp 08123456789 3500", 3_500),
    ],
)
def test_parse_power(text, power_va):
    assert parse_power(text) == power_va


@pytest.mark.parametrize(
    "text",
    [
        "nol",  # 0 is a number, never a power
        "0",
        "2",  # neither VA nor a standard step in kVA
        "300",
        "mau 2200 atau 3500",  # two targets
        "mau 3500 atau 4400",
        "daya saya 1300, mau 3500 atau 4400",
        "1300 2200",  # two figures, no marker
        "dari 2200 ke 2200",
        "tahun 2024",  # a year
        "tgl 17 agustus",  # a date
        "jam 10",
        "5 hari",
        "idpel 532110000101",  # an IDPEL is not a power
        "0812 3456 7890",  # a phone number is not a power
        "3,5 va",  # 3,5 VA is not a whole number of VA
        "saya mau daya 3 500 VA",  # 3.500 with a space, or 3 and 500? never 500
        "450 900",
        "1300-2200",
        "Rp 3.500",  # money, not power
        "saya mau tambah daya",
        "",
    ],
)
def test_parse_power_refuses(text):
    assert parse_power(text) is None


def test_dari_ke_gives_current_and_target():
    result = extract("saya mau tambah daya dari 900 VA ke 1300 VA")
    assert (result.current_power_va, result.power_va) == (900, 1_300)


def test_unmarked_value_before_target_is_current():
    result = extract("1300 ke 2200")
    assert (result.current_power_va, result.power_va) == (1_300, 2_200)


def test_current_alone_is_no_target():
    result = extract("daya saya sekarang dari 1300")
    assert (result.current_power_va, result.power_va) == (1_300, None)


@pytest.mark.parametrize(
    ("text", "power_va"),
    [
        ("3500", 3_500),  # a standard step alone is a power even without "daya"
        ("2200 VA", 2_200),
        ("mau ke 3500, bayar 50rb", 3_500),
        ("biaya tambah daya ke 3500 berapa?", 3_500),
        ("naik daya 3rb5ratus", 3_500),
    ],
)
def test_extract_power_without_expectation(text, power_va):
    assert extract(text).power_va == power_va


@pytest.mark.parametrize(
    "text",
    [
        "3000",  # not a standard step and nothing says it is a power
        "3rb5ratus",  # 3.500 VA or Rp3.500: cannot tell
        "50000",
        "bayar 5500",  # a standard step next to money words
    ],
)
def test_extract_power_none_without_expectation(text):
    assert extract(text).power_va is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("50rb", 50_000),
        ("50 rb", 50_000),
        ("50ribu", 50_000),
        ("50k", 50_000),
        ("Rp50.000,-", 50_000),
        ("Rp 50.000", 50_000),
        ("Rp. 50.000", 50_000),
        ("rp50rb", 50_000),
        ("IDR 20.000", 20_000),
        ("lima puluh ribu", 50_000),
        ("lima puluh ribu rupiah", 50_000),
        ("seratus ribu perak", 100_000),
        ("100 ribuan", 100_000),
        ("sejuta", 1_000_000),
        ("satu juta", 1_000_000),
        ("1jt", 1_000_000),
        ("1,5 jt", 1_500_000),
        ("setengah juta", 500_000),
        ("goceng", 5_000),
        ("ceban", 10_000),
        ("100rb aja kak", 100_000),
        ("50.000", 50_000),
        ("dua puluh ribu", 20_000),
        ("stroom awal 100 ribu", 100_000),
    ],
)
def test_parse_amount(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "50rb atau 100rb",  # two amounts
        "antara 20 ribu sampai 50 ribu",
        "20rb-50rb",
        "gopek",  # 500 or 500.000: not guessed
        "Rp 1.444,70",  # not whole rupiah
        "tgl 17 agustus",
        "nol",
        "081234500101",  # a phone number is not an amount
    ],
)
def test_parse_amount_refuses(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(("text", "amount"), [("gocap", 50_000), ("cepek aja", 100_000),
                                              ("Gocap deh", 50_000)])
def test_gocap_and_cepek_are_thousands_where_an_amount_is_asked(text, amount):
    """In the stroom awal range (Rp5.000 to Rp1.000.000) only the thousands fit."""
    assert parse_amount(text) == amount
    assert not [e for e in entities(text) if e["entity"] == "amount_rp"]  # no NLU guess


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("stroom 50rb aja", 50_000),
        ("token 100rb", 100_000),
        ("isi token seratus ribu", 100_000),
        ("stroom 20000", 20_000),
        ("total Rp843.300", 843_300),
        ("biayanya 843.300", 843_300),
        ("50rb", 50_000),
    ],
)
def test_extract_amount_without_expectation(text, amount):
    assert extract(text).amount_rp == amount


@pytest.mark.parametrize("text", ["lima puluh ribu", "seribu", "3500", "tgl 17 agustus"])
def test_extract_amount_none_without_money_words(text):
    assert extract(text).amount_rp is None


@pytest.mark.parametrize(
    ("text", "current", "target"),
    [
        ("tambah daya 1300 ke 2200 biayanya berapa", 1_300, 2_200),  # "tambah" is no target
        ("sy mau naikin daya dr 900 ke 1300", 900, 1_300),
        ("mau naik jadi 3500 VA dari 1300 VA", 1_300, 3_500),
        ("Mohon info, saya mau upgrade 2200 ke 3500", 2_200, 3_500),
        ("1.300 ke 2.200", 1_300, 2_200),
    ],
)
def test_current_and_target(text, current, target):
    result = extract(text)
    assert (result.current_power_va, result.power_va) == (current, target)


def test_everything_in_one_message():
    result = extract("daya 900va mau ke 2200va, token 50rb, hp 08123450010, idpel 532110000101")
    assert (result.current_power_va, result.power_va, result.amount_rp) == (900, 2_200, 50_000)
    assert result.customer_number == "532110000101"
    assert result.phone is not None and result.phone.national == "08123450010"


def test_power_and_amount_in_one_message():
    result = extract("mau naik ke 3500 VA, stroomnya Rp 100.000")
    assert (result.power_va, result.amount_rp) == (3_500, 100_000)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("tahun 2024", MentionKind.YEAR),
        ("tgl 17", MentionKind.DATE),
        ("17 agustus", MentionKind.DATE),
        ("17/08/2024", MentionKind.DATE),
        ("jam 14:30", MentionKind.TIME),
        ("5 hari", MentionKind.MEASURE),
        ("30 meter", MentionKind.MEASURE),
        ("dua rumah", MentionKind.MEASURE),
        ("sebelas", MentionKind.NUMBER),
        ("nol", MentionKind.NUMBER),
    ],
)
def test_number_kinds(text, kind):
    (mention,) = extract(text).numbers
    assert mention.kind is kind


def test_nol_alone_is_the_number_zero():
    (mention,) = extract("nol").numbers
    assert (mention.kind, mention.value) == (MentionKind.NUMBER, 0)
    assert extract("nol").power_va is None


@pytest.mark.parametrize("text, power, amount", [
    # both cue words in one message: the one just before a figure decides
    ("naikin daya ke 6600 terus stroom awalnya lima puluh ribu aja", 6600, 50_000),
    ("daya 2200 token 100 ribu", 2200, 100_000),
    # gocap/cepek are thousands when the message is about stroom or token
    ("ralat, stroom awalnya gocap aja deh", None, 50_000),
    ("token cepek aja", None, 100_000),
])
def test_the_cue_next_to_a_figure_and_slang_about_money(text, power, amount):
    found = {e["entity"]: e["value"] for e in entities(text)}
    assert found.get("power_va") == power and found.get("amount_rp") == amount
    assert not [e for e in entities("ralat gocap aja deh") if e["entity"] == "amount_rp"]
