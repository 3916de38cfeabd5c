"""What the phone says: money, power, identifiers, dates and the rest as Indonesian words
(bot/language/spoken.py)."""

import pytest

from bot.language.spoken import digits_words, number_words, speakable, spell_code

NUMBERS = [
    (0, "nol"), (1, "satu"), (7, "tujuh"), (10, "sepuluh"), (11, "sebelas"),
    (12, "dua belas"), (19, "sembilan belas"), (20, "dua puluh"), (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"), (100, "seratus"), (101, "seratus satu"),
    (110, "seratus sepuluh"), (111, "seratus sebelas"), (200, "dua ratus"),
    (450, "empat ratus lima puluh"), (900, "sembilan ratus"),
    (1_000, "seribu"), (1_001, "seribu satu"), (1_300, "seribu tiga ratus"),
    (1_456, "seribu empat ratus lima puluh enam"), (2_026, "dua ribu dua puluh enam"),
    (2_200, "dua ribu dua ratus"), (10_600, "sepuluh ribu enam ratus"),
    (11_000, "sebelas ribu"), (66_000, "enam puluh enam ribu"),
    (100_000, "seratus ribu"), (197_000, "seratus sembilan puluh tujuh ribu"),
    (843_300, "delapan ratus empat puluh tiga ribu tiga ratus"),
    (893_300, "delapan ratus sembilan puluh tiga ribu tiga ratus"),
    (1_000_000, "satu juta"), (1_500_000, "satu juta lima ratus ribu"),
    (4_363_600, "empat juta tiga ratus enam puluh tiga ribu enam ratus"),
    (2_000_000_000, "dua miliar"), (-5, "minus lima"),
]


@pytest.mark.parametrize("number, words", NUMBERS)
def test_number_words(number, words):
    assert number_words(number) == words


SPOKEN = [
    # money
    ("Rp893.300", "delapan ratus sembilan puluh tiga ribu tiga ratus rupiah"),
    ("Rp0", "nol rupiah"),
    ("Rp5.000 s.d. Rp1.000.000", "lima ribu rupiah sampai dengan satu juta rupiah"),
    ("biaya meterai Rp10.000", "biaya meterai sepuluh ribu rupiah"),
    ("Rp 50.000,-", "lima puluh ribu rupiah"),
    ("total Rp4.363.600.", "total empat juta tiga ratus enam puluh tiga ribu enam ratus rupiah."),
    # power and tariffs
    ("2.200 VA", "dua ribu dua ratus V A"),
    ("3.500 VA", "tiga ribu lima ratus V A"),
    ("197 kVA", "seratus sembilan puluh tujuh K V A"),
    ("3,5 kVA", "tiga koma lima K V A"),
    ("R1/1.300 VA", "R satu, seribu tiga ratus V A"),
    ("ke daya R1/2.200 VA dan", "ke daya R satu, dua ribu dua ratus V A dan"),
    ("B2/66.000 VA", "B dua, enam puluh enam ribu V A"),
    ("tarif R3 di atas 6.600 VA", "tarif R tiga di atas enam ribu enam ratus V A"),
    ("pemakaian 120 kWh", "pemakaian seratus dua puluh kilowatt jam"),
    # identifiers, digit by digit in groups of four
    ("532110000101", "lima tiga dua satu, satu nol nol nol, nol satu nol satu"),
    ("ID pelanggan 532110000101", "I D pelanggan lima tiga dua satu, satu nol nol nol, nol satu nol satu"),
    ("3273011508850001", "tiga dua tujuh tiga, nol satu satu lima, nol delapan delapan lima, nol nol nol satu"),
    ("081234500101", "nol delapan satu dua, tiga empat lima nol, nol satu nol satu"),
    ("0812-3450-0101", "nol delapan satu dua, tiga empat lima nol, nol satu nol satu"),
    ("+62 812 3450 0101", "plus enam dua delapan satu, dua tiga empat lima, nol nol satu nol, satu"),
    ("(PIC Andi, 0227001100)", "P I C Andi, nol dua dua tujuh, nol nol satu satu, nol nol"),
    ("nomor registrasinya: 532112611270001.",
     "nomor registrasinya: lima tiga dua satu, satu dua enam satu, satu dua tujuh nol, nol nol satu."),
    ("meter 14123456789", "meter satu empat satu dua, tiga empat lima enam, tujuh delapan sembilan"),
    ("kode 12345", "kode satu dua tiga empat, lima"),
    # dates, times, percentages, counts
    ("sampai dengan 27 Desember 2026", "sampai dengan dua puluh tujuh Desember dua ribu dua puluh enam"),
    ("29 Februari 2028", "dua puluh sembilan Februari dua ribu dua puluh delapan"),
    ("1 Januari 2027", "satu Januari dua ribu dua puluh tujuh"),
    ("pukul 09.00", "pukul sembilan"),
    ("pukul 14.30", "pukul empat belas lewat tiga puluh menit"),
    ("PPJ 3%", "P P J tiga persen"),
    ("PPN 11%", "P P N sebelas persen"),
    ("diskon 2,5%", "diskon dua koma lima persen"),
    ("paling lama 5 hari kalender", "paling lama lima hari kalender"),
    ("berlaku selama 30 hari", "berlaku selama tiga puluh hari"),
    ("2 lembar meterai", "dua lembar meterai"),
    ("sekitar 7 hari pertama", "sekitar tujuh hari pertama"),
    ("No. 12", "nomor dua belas"),
    # addresses and abbreviations
    ("Jl. Dago No. 12, Bandung, Kel. Dago, Kec. Coblong",
     "Jalan Dago nomor dua belas, Bandung, Kelurahan Dago, Kecamatan Coblong"),
    ("RT 03/RW 05", "R T tiga atau R W lima"),
    # e-mail, spelled
    ("budi.santoso@gmail.com", "budi titik santoso et gmail titik com"),
    ("budi_s99@yahoo.co.id", "budi garis bawah s sembilan sembilan et yahoo titik co titik id"),
    ("a-b@pln.co.id", "a strip b et pln titik co titik id"),
    # acronyms letter by letter, capitals for emphasis as words
    ("PLN 123", "P L N seratus dua puluh tiga"),
    ("petugas kami (CSO)", "petugas kami, C S O"),
    ("menyesuaikan SLO", "menyesuaikan S L O"),
    ("kami SARANKAN untuk", "kami sarankan untuk"),
    ("fotokopi KTP pemilik", "fotokopi K T P pemilik"),
    ("penandatanganan SPJBTL", "penandatanganan S P J B T L"),
    ("program Super WOW", "program Super wow"),
    ("melalui ATM, minimarket", "melalui A T M, minimarket"),
    # no emoji, markup or quotes
    ("Halo 😀 *ya*", "Halo ya"),
    ("mohon dijawab \"ya\" atau \"tidak\".", "mohon dijawab ya atau tidak."),
    ("<b>penting</b>", "penting"),
    ("Total biaya penyambungan sebesar Rp893.300, dengan rincian: biaya penyambungan "
     "Rp843.300, biaya meterai Rp0, stroom awal Rp50.000 (listrik prabayar, sudah "
     "termasuk PPJ 3% sebesar Rp1.456).",
     "Total biaya penyambungan sebesar delapan ratus sembilan puluh tiga ribu tiga ratus "
     "rupiah, dengan rincian: biaya penyambungan delapan ratus empat puluh tiga ribu tiga "
     "ratus rupiah, biaya meterai nol rupiah, stroom awal lima puluh ribu rupiah, listrik "
     "prabayar, sudah termasuk P P J tiga persen sebesar seribu empat ratus lima puluh enam "
     "rupiah."),
    ("Waktu penyambungan paling lama 15 hari kalender karena memerlukan pembangunan "
     "jaringan tegangan rendah (JTR).",
     "Waktu penyambungan paling lama lima belas hari kalender karena memerlukan "
     "pembangunan jaringan tegangan rendah, J T R."),
    ("Pilihan: Coblong, Sukajadi, Cidadap.", "Pilihan: Coblong, Sukajadi, Cidadap."),
    ("Terimakasih & sampai jumpa", "Terimakasih dan sampai jumpa"),
    ("Apakah Bapak sudah mempersiapkan persyaratannya, yaitu NIK pemilik?",
     "Apakah Bapak sudah mempersiapkan persyaratannya, yaitu N I K pemilik?"),
    ("stroom awal Rp100.000 agar mencukupi", "stroom awal seratus ribu rupiah agar mencukupi"),
    ("daya 900 VA ke 1.300 VA", "daya sembilan ratus V A ke seribu tiga ratus V A"),
    ("", ""),
]


@pytest.mark.parametrize("text, said", SPOKEN)
def test_speakable(text, said):
    assert speakable(text) == said


def test_the_table_is_at_least_sixty_cases():
    assert len(SPOKEN) >= 60


def test_whole_sop_sentences_keep_no_digit_or_symbol():
    sentence = ("Kami konfirmasi data permohonannya: nama sesuai ID pelanggan Budi Santoso "
                "(532110000101), tambah daya ke R1/2.200 VA, total biaya Rp893.300, alamat "
                "Jl. Dago No. 12, Bandung, Kel. Dago, Kec. Coblong, nomor handphone "
                "081234500101. Apakah data tersebut sudah benar?")
    said = speakable(sentence)
    assert not any(c.isdigit() for c in said)
    assert not set(said) & set("()/%*\"")
    assert "delapan ratus sembilan puluh tiga ribu tiga ratus rupiah" in said


def test_digits_words_groups():
    assert digits_words("12345678", 4) == "satu dua tiga empat, lima enam tujuh delapan"
    assert digits_words("0812 3450", 3) == "nol delapan satu, dua tiga empat, lima nol"


def test_a_reference_is_spelled_letters_then_digits_in_groups():
    assert spell_code("APKT26112712345678") == (
        "A P K T, dua enam satu satu, dua tujuh satu dua, tiga empat lima enam, tujuh delapan")
    assert spell_code("T-77") == "T, tujuh tujuh"
