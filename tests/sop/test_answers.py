import pytest

from bot.sop.answers import (
    address,
    alternative_accepted,
    applicant_role,
    asks_to_repeat,
    caller_display,
    cancel_confirmation,
    choice,
    info_clear,
    is_correction,
    more_help,
    person_name,
    proceed,
    takes_the_advice,
    yes_no,
)


@pytest.mark.parametrize("intent, text, expected", [
    ("affirm", "iya", True), ("deny", "nggak", False), ("not_ready", "belum siap", False),
    ("inform", "iya bener", True), ("inform", "ok sip", True), ("nlu_fallback", "gas", True),
    ("inform", "ndak", False), ("inform", "ga jadi", False), ("inform", "nggih", True),
    ("inform", "532110000101", None), ("inform", "iya tapi belum", None),
    ("inform", "saya mau tanya soal biaya pemasangan dulu ya", None), ("inform", "", None),
    # a yes or no before the first comma, whatever the explanation after it
    ("nlu_fallback", "tidak, pakai nomor lain saja", False),
    ("request_power_change", "iya betul, lanjutkan prosesnya sekarang juga", True),
    ("inform", "mungkin, tergantung biayanya berapa", None),
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
    # a title and a role or an organisation, as people give them
    ("Bu Ratna dari CV Sinar", "Ibu", "Ratna"),
    ("dengan pak Bambang, bendahara yayasan", "Bapak", "Bambang"),
    ("saya Wayan, pengelola villa", None, "Wayan"),
    ("saya Putu selaku pengurus pura", None, "Putu"),
    # a yes or no word answers a question; it is nobody's name
    ("sudah", None, None), ("iya sudah", None, None), ("belum", None, None),
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


# --- issue 8: the customer's own words ----------------------------------------------

@pytest.mark.parametrize("text, intent, expected", [
    ("iya, batalin aja", "cancel", True), ("ya udah batal", None, True),
    ("beneran batal", None, True), ("yakin", None, True), ("iya", "affirm", True),
    ("eh jangan", None, False), ("jangan dibatalin", "cancel", False),
    ("lanjut aja", None, False), ("nggak jadi batal", None, False), ("tidak", "deny", False),
    ("hmm", "nlu_fallback", None), ("berapa lama ya", None, None),
])
def test_cancel_confirmation(text, intent, expected):
    assert cancel_confirmation(intent, text) is expected


@pytest.mark.parametrize("text, intent, expected", [
    ("eh salah, dayanya 4.400 aja", "inform", True), ("ralat nomornya 0812", None, True),
    ("maksud saya 3500", None, True), ("ganti jadi 2200", None, True),
    ("bukan 2200 tapi 3500", None, True), ("2200", "correct", True),
    ("Jl. Merdeka 5, kec. Sukajadi", "inform", False),
    ("nggak, saya maunya tetap 4400", "deny", False), ("3500", "inform", False),
])
def test_a_correction_needs_the_customer_to_correct(text, intent, expected):
    assert is_correction(intent, text) is expected


def test_declining_the_alternative_by_naming_the_first_power():
    assert alternative_accepted("deny", "nggak, saya maunya tetap 4400", 4400, 4400, 2200) is False
    assert alternative_accepted("inform", "saya maunya tetap 4400", 4400, 4400, 2200) is False
    assert alternative_accepted("inform", "ya yang 2200 aja", 2200, 4400, 2200) is True
    assert alternative_accepted("deny", "nggak mau yang 2200", 2200, 4400, 2200) is False
    assert alternative_accepted("affirm", "boleh deh", None, 4400, 2200) is True
    assert alternative_accepted(None, "hmm gimana ya", None, 4400, 2200) is None


def test_ga_jadi_at_dilanjutkan_is_no():
    assert proceed("cancel", "ga jadi deh") is False
    assert proceed(None, "nanti dulu") is False and proceed("affirm", "siap lanjut") is True


@pytest.mark.parametrize("text, expected", [
    ("yang disarankan aja", True), ("sesuai saran aja kak", True), ("ikut saran", True),
    ("yang direkomendasikan", True), ("50rb", False), ("saya mau saran dulu", False)])
def test_taking_the_advice(text, expected):
    assert takes_the_advice(text) is expected


LIT_TR = ["PT Inspeksi Listrik Nusantara", "CV Laik Operasi Parahyangan"]


@pytest.mark.parametrize("text, expected", [
    ("yang pertama", 0), ("1", 0), ("nomor dua", 1), ("yang kedua aja", 1),
    ("PT Inspeksi Listrik Nusantara", 0), ("cv laik operasi", 1), ("inspeksi listrik", 0),
    ("terserah", None), ("yang ketiga", None), ("satu atau dua", None)])
def test_choosing_from_a_short_list(text, expected):
    assert choice(text, LIT_TR) == expected


@pytest.mark.parametrize("text, expected", [
    ("maksudnya?", True), ("apa tadi", True), ("bisa diulang", True), ("hah?", True),
    ("gimana mbak", True), ("dengan pak hadi", False), ("Budi Santoso", False)])
def test_what_asks_to_repeat(text, expected):
    assert asks_to_repeat(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("eee udah mbak udah saya siapin", True), ("nggak mau ah kalau cuma 2200", False),
    ("nggak bisa, pake nomor lain aja", False), ("saya belum siap mbak", False),
    ("gak usah deh", False), ("iya mbak betul", True)])
def test_fillers_say_nothing_and_a_negated_yes_is_a_no(text, expected):
    assert yes_no(None, text) is expected


def test_lit_tr_data_and_not_now():
    from bot.sop.answers import asks_for_lit_tr, not_now

    assert asks_for_lit_tr("LIT TR nya ada di mana saja?") and not asks_for_lit_tr(
        "SLO itu apa sih mbak?")
    assert not_now("nanti aja deh") and not not_now("stop")


@pytest.mark.parametrize("text, intent, wanted", [
    ("mau", "affirm", True), ("boleh, sekalian saja", "affirm", True),
    ("tidak usah", "deny", False), ("nanti saja", "inform", False),
    ("saya urus sendiri", "inform", False), ("ga usah deh", "affirm", False),
])
def test_the_offer_of_layanan_satu_pintu_is_taken_or_declined(text, intent, wanted):
    from bot.sop.answers import lsp_wanted
    assert lsp_wanted(intent, text) is wanted


@pytest.mark.parametrize("text, intent, ready", [
    ("KTP-nya sudah saya pegang", "not_ready", True), ("ada, lengkap", "affirm", True),
    ("beres semua", "affirm", True), ("sudah siap", "affirm", True),
    ("belum ada", "not_ready", False), ("KTP-nya ketinggalan", "not_ready", False),
    ("ktp itu apa?", "ask_documents", None),
])
def test_readiness_in_the_customers_words_at_step_3(text, intent, ready):
    from bot.sop.answers import nik_ready
    assert nik_ready(intent, text) is ready


@pytest.mark.parametrize("text, about", [
    ("tunggakannya berapa ya?", True), ("saya kira sudah lunas, kok masih ada?", True),
    ("bisa dilunasi lewat apa?", True), ("mau tambah daya", False),
])
def test_questions_about_the_arrears(text, about):
    from bot.sop.answers import about_the_arrears
    assert about_the_arrears(text) is about


@pytest.mark.parametrize("text, intent", [("cukup", "goodbye"), ("sudah itu saja", "inform")])
def test_enough_at_the_lsp_offer_declines_it(text, intent):
    from bot.sop.answers import lsp_wanted
    assert lsp_wanted(intent, text) is False
