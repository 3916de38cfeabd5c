import pytest

from bot.sop.answers import (
    address,
    applicant_role,
    caller_display,
    info_clear,
    more_help,
    person_name,
    proceed,
    yes_no,
)


@pytest.mark.parametrize("intent, text, expected", [
    ("affirm", "iya", True), ("deny", "nggak", False), ("not_ready", "belum siap", False),
    ("inform", "iya bener", True), ("inform", "ok sip", True), ("nlu_fallback", "gas", True),
    ("inform", "ndak", False), ("inform", "ga jadi", False), ("inform", "nggih", True),
    ("inform", "532110000101", None), ("inform", "iya tapi belum", None),
    ("inform", "saya mau tanya soal biaya pemasangan dulu ya", None), ("inform", "", None),
])
def test_yes_no(intent, text, expected):
    assert yes_no(intent, text) is expected


@pytest.mark.parametrize("text, expected", [
    ("\U0001F600\U0001F600\U0001F600", None), ("...", None), ("\U0001F64F", None), ("?", None),
    ("\U0001F44D", True), ("\U0001F44D\U0001F3FD", True), ("\u2705\uFE0F", True), ("\U0001F44E", False),
])
def test_yes_no_symbols_only_ignore_the_intent(text, expected):
    """The NLU classifies any emoji as affirm: only yes/no emoji are an answer."""
    assert yes_no("affirm", text) is expected


@pytest.mark.parametrize("intent, text, expected", [
    ("owner", "saya", "owner"), ("authorised", "x", "authorised"),
    ("inform", "saya pemiliknya", "owner"), ("inform", "saya anaknya", "authorised"),
    ("inform", "disuruh bapak saya", "authorised"), ("inform", "dikuasakan", "authorised"),
    ("inform", "bukan pemilik, saya penyewa", "authorised"), ("affirm", "iya", None),
])
def test_applicant_role(intent, text, expected):
    assert applicant_role(intent, text) == expected


@pytest.mark.parametrize("text, title, name", [
    ("nama saya budi santoso", None, "Budi Santoso"), ("dengan ibu siti", "Ibu", "Siti"),
    ("Joko", None, "Joko"), ("saya pak rina marlina", "Bapak", "Rina Marlina"),
    ("nama saya ibu Rina Marlina.", "Ibu", "Rina Marlina"), ("a.n. Joko Prasetyo", None, "Joko Prasetyo"),
    ("532110000101", None, None), ("😀😀", None, None), ("x" * 80, None, None),
])
def test_person_name(text, title, name):
    assert person_name(text) == (title, name)


def test_address_is_tidied_and_checked():
    assert address("alamat saya: Jl. Raya Soreang No. 15, Kab. Bandung") == \
        "Jl. Raya Soreang No. 15, Kab. Bandung"
    assert address("rumah") is None
    assert address("12345678901") is None
    assert address("Jl. " + "a" * 300) is None


@pytest.mark.parametrize("intent, text, expected", [
    ("goodbye", "cukup", False), ("goodbye", "sudah cukup, terima kasih", False),
    ("thanks", "terima kasih", False), ("deny", "tidak ada", False), ("affirm", "ada", True),
    ("nlu_fallback", "hmm", None), ("affirm", "sudah", False), ("inform", "udah itu aja", False),
    ("affirm", "sudah cukup kak", False), ("affirm", "iya", True),
])
def test_more_help(intent, text, expected):
    assert more_help(intent, text) is expected


@pytest.mark.parametrize("intent, text, expected", [
    ("ask_repeat", "belum jelas", False), ("ask_repeat", "maksudnya?", False),
    ("inform", "masih kurang jelas", False), ("deny", "tidak jelas", False),
    ("affirm", "sudah jelas", True), ("inform", "jelas", True), ("inform", "hmm", None),
    ("thanks", "oke, terima kasih", True),
])
def test_info_clear(intent, text, expected):
    assert info_clear(intent, text) is expected


@pytest.mark.parametrize("title, name, shown", [
    ("Ibu", "Rina Marlina", "Ibu Rina Marlina"), (None, "Rina", "Bapak/Ibu Rina"),
    ("Bapak/Ibu", "Joko", "Bapak/Ibu Joko"), ("Bapak/Ibu", "PT Sinar Plastik", "PT Sinar Plastik"),
    (None, "Masjid Al-ikhlas", "Masjid Al-ikhlas"), (None, "Toko Sumber Rejeki", "Toko Sumber Rejeki"),
])
def test_caller_display(title, name, shown):
    assert caller_display(title, name) == shown


def test_organisation_acronyms_stay_upper_case():
    assert person_name("pt sinar plastik") == (None, "PT Sinar Plastik")
    assert person_name("dengan CV maju bersama") == (None, "CV Maju Bersama")


@pytest.mark.parametrize("intent, text, expected", [
    ("inform", "nanti saja", False), ("nlu_fallback", "pikir-pikir dulu ya", False),
    ("affirm", "lain kali saja", False), ("affirm", "ya lanjut", True), ("deny", "tidak", False),
    ("inform", "hmm", None),
])
def test_proceed(intent, text, expected):
    assert proceed(intent, text) is expected
