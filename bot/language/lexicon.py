"""Indonesian words for numbers, units and the cues around them (all lower case).

Kept deliberately small and conservative: a word is here only when it has one reading in
a customer's message about power, money or identifiers. Typos are listed one by one (no
fuzzy matching): a fuzzy "ratu" or "rib" would turn ordinary words into numbers.
"""

from __future__ import annotations

from decimal import Decimal

# --- number words -----------------------------------------------------------------------

DIGIT_WORDS: dict[str, int] = {
    "nol": 0, "kosong": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
}

# "se-" forms that are a whole group below one thousand.
SE_TENS: dict[str, int] = {"sepuluh": 10, "sebelas": 11}
SE_HUNDRED = "seratus"
HALF = "setengah"  # 0,5: "setengah juta" = 500.000, "satu setengah juta" = 1.500.000

# "se-" forms of a scale: "seribu" = 1 x 1.000.
SE_SCALES: dict[str, int] = {"seribu": 1_000, "sejuta": 1_000_000, "semiliar": 1_000_000_000}

BELAS = frozenset({"belas"})
PULUH = frozenset({"puluh"})
RATUS = frozenset({"ratus", "ratuss"})

# Scale words and their slang/typo forms. "ribuan"/"jutaan" after a number mean "about".
SCALES: dict[str, int] = {
    "ribu": 1_000, "rb": 1_000, "rbu": 1_000, "ribuu": 1_000, "rebu": 1_000,
    "juta": 1_000_000, "jt": 1_000_000, "jta": 1_000_000,
    "miliar": 1_000_000_000, "milyar": 1_000_000_000, "triliun": 1_000_000_000_000,
}
APPROX_SCALES: dict[str, int] = {"ribuan": 1_000, "rbuan": 1_000, "jutaan": 1_000_000}
# Only directly after digits ("50k", "50 k"): alone, "k" is too short to trust.
K_SCALE = "k"
# Scale words that mark money rather than a power ("50rb", "1jt").
MONEY_SCALE_WORDS = frozenset({"rb", "rbu", "rebu", "k", "juta", "jt", "jta", "jutaan",
                               "ribuan", "rbuan", "miliar", "milyar", "triliun"})

KOMA = "koma"  # decimal comma, spoken: "tiga koma lima" = 3,5

# Hokkien-derived money slang with a single meaning. Left out on purpose: "cepek" (100,
# but also said for 100.000), "gocap" (50, but also said for 50.000), "gopek" (500 or
# 500.000): a wrong amount is worse than asking again.
MONEY_SLANG: dict[str, int] = {"seceng": 1_000, "goceng": 5_000, "ceban": 10_000, "goban": 50_000}
# Where only an amount of thousands can be meant (an amount was asked: the stroom awal,
# Rp5.000 to Rp1.000.000; or the message is about stroom/token), those two have one
# meaning: 50.000 and 100.000.
AMOUNT_ONLY_SLANG: dict[str, int] = {"gocap": 50_000, "cepek": 100_000}

# "dobel satu" = "11", "tripel nol" = "000" (spoken phone numbers and IDs).
REPEAT_WORDS: dict[str, int] = {
    "dobel": 2, "double": 2, "dabel": 2, "tripel": 3, "triple": 3, "tripple": 3,
}

# --- units ----------------------------------------------------------------------------

# Power units and their factor to VA. Customers say watt for VA; the assistant takes it so.
POWER_UNITS: dict[str, int] = {
    "va": 1, "kva": 1000, "watt": 1, "wat": 1, "watts": 1, "w": 1,
    "kw": 1000, "kilowatt": 1000,
}
MONEY_PREFIXES = frozenset({"rp", "idr"})
MONEY_SUFFIXES = frozenset({"rupiah", "perak", "idr"})

# Words after a number that make it a count or a measure, never a power or an amount.
MEASURE_WORDS = frozenset({
    "hari", "hr", "minggu", "mgg", "bulan", "bln", "tahun", "thn", "th", "jam", "menit",
    "mnt", "detik", "kali", "x", "orang", "org", "lembar", "lbr", "buah", "bh", "meter",
    "m", "km", "cm", "a", "amp", "ampere", "kwh", "persen", "%", "digit", "angka", "lantai",
    "unit", "kamar", "fasa", "phase", "phasa", "ph", "lampu", "ac", "tiang", "gardu",
    "rumah", "ruko", "kantor", "toko", "pintu", "hal", "halaman",
})

MONTHS = frozenset({
    "januari", "februari", "pebruari", "maret", "april", "mei", "juni", "juli", "agustus",
    "september", "oktober", "november", "nopember", "desember",
    "jan", "feb", "peb", "mar", "apr", "jun", "jul", "agu", "agt", "ags", "agus", "sep",
    "sept", "okt", "nov", "nop", "des",
})
DATE_WORDS = frozenset({"tgl", "tanggal", "tg", "tang"})
YEAR_WORDS = frozenset({"tahun", "thn", "th", "taun"})
TIME_WORDS = frozenset({"jam", "pukul", "pkl"})

# --- cues for which number is which ---------------------------------------------------

POWER_CUES = frozenset({
    "daya", "dayanya", "va", "kva", "watt", "wat", "w", "kw", "kilowatt", "naik",
    "naikkan", "menaikkan", "dinaikkan", "upgrade", "mcb",
})
AMOUNT_CUES = frozenset({
    "rp", "rupiah", "perak", "token", "stroom", "strom", "setrum", "pulsa", "bayar",
    "biaya", "harga", "saldo", "isi", "beli", "nominal", "uang", "duit", "transfer",
    "tagihan", "tunggakan", "idr",
})
PHONE_CUES = frozenset({
    "hp", "handphone", "wa", "whatsapp", "telp", "telepon", "telpon", "tlp", "ponsel",
    "nohp", "kontak", "seluler", "selular", "ditelepon", "dihubungi", "telephone", "phone",
})
CUSTOMER_NUMBER_CUES = frozenset({"idpel", "pelanggan", "meter", "meteran", "token", "kwh"})
NIK_CUES = frozenset({"nik", "ktp", "kependudukan"})

# Words just before a power that mark it as the current or the wanted one.
CURRENT_MARKERS = frozenset({
    "dari", "dr", "sekarang", "skrg", "skrang", "semula", "awal", "awalnya", "lama", "asal",
    "sebelumnya", "saat", "kini",
})
TARGET_MARKERS = frozenset({
    "ke", "jadi", "menjadi", "jd", "mjd", "hingga", "sampai", "smp", "sampe", "target",
})
# Weaker: "tambah daya 1300 ke 2200" is about the current power until "ke" says otherwise.
WEAK_TARGET_MARKERS = frozenset({
    "mau", "ingin", "pengen", "pingin", "minta", "naik", "naikin", "tambah", "upgrade",
})
NEGATION_MARKERS = frozenset({"bukan", "bkn", "jangan"})
# A value after these replaces every value said before it ("4400 aja, eh salah 5500").
CORRECTION_MARKERS = frozenset({"salah", "ralat", "koreksi", "maksudnya", "tapi", "tp", "melainkan"})

# Standard power steps (VA), domain-reference.md "Tariff classes and power". Used only to
# read a bare "5,5" as 5,5 kVA and to give a bare "2200" a power reading; the form
# validation decides what is allowed.
STANDARD_POWER_STEPS_VA = frozenset({
    450, 900, 1_300, 2_200, 3_500, 4_400, 5_500, 7_700, 11_000, 13_900,
    6_600, 10_600, 13_200, 16_500, 23_000, 33_000, 41_500, 53_000, 66_000, 82_500,
    105_000, 131_000, 147_000, 164_000, 197_000,
})

ONE_THOUSAND = Decimal(1000)
