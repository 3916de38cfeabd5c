import pytest

from bot.sop.answers import address, applicant_role, person_name, yes_no


@pytest.mark.parametrize("intent, text, expected", [
    ("affirm", "iya", True), ("deny", "nggak", False), ("not_ready", "belum siap", False),
    ("inform", "iya bener", True), ("inform", "ok sip", True), ("nlu_fallback", "gas", True),
    ("inform", "ndak", False), ("inform", "ga jadi", False), ("inform", "nggih", True),
    ("inform", "532110000101", None), ("inform", "iya tapi belum", None),
    ("inform", "saya mau tanya soal biaya pemasangan dulu ya", None), ("inform", "", None),
])
def test_yes_no(intent, text, expected):
    assert yes_no(intent, text) is expected


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
