"""E-mail addresses, typed or dictated."""

import pytest

from bot.language import extract, parse_email


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("budi@gmail.com", "budi@gmail.com"),
        ("Budi.Santoso@Gmail.COM", "budi.santoso@gmail.com"),
        ("budi_santoso85@yahoo.co.id", "budi_santoso85@yahoo.co.id"),
        ("alamat email: siti-nur@ymail.com, terima kasih", "siti-nur@ymail.com"),
        ("budi at gmail titik com", "budi@gmail.com"),
        ("budi et gmail dot com", "budi@gmail.com"),
        ("budi at gmail.com", "budi@gmail.com"),
        ("budi @ gmail.com", "budi@gmail.com"),
        ("budi a keong gmail titik com", "budi@gmail.com"),
        ("emailnya budi titik santoso at gmail titik com", "budi.santoso@gmail.com"),
        ("kirim ke andi garis bawah 99 at yahoo titik co titik id ya", "andi_99@yahoo.co.id"),
        ("saya budi, email budi delapan lima at gmail titik com", "budi85@gmail.com"),
        ("andi strip jaya at pln titik co titik id", "andi-jaya@pln.co.id"),
        ("BUDI AT GMAIL TITIK COM", "budi@gmail.com"),
        # two bare words are joined (speech recognisers split names); the garis bawah stays
        # where it was said
        ("email saya budi santoso garis bawah 85 at yahoo titik co titik id",
         "budisantoso_85@yahoo.co.id"),
    ],
)
def test_parse_email(text, email):
    assert parse_email(text) == email


@pytest.mark.parametrize(
    "text",
    [
        "budi at gmail",  # no top-level domain: ".com" is not invented
        "at gmail titik com",  # no local part
        "budi at gmail titik com dan ani at gmail titik com",  # two addresses
        "ketemu at kantor",
        "tolong budi santoso wibowo at gmail titik com",  # three bare words: chatter or name?
        "budi@gmail",
        "",
    ],
)
def test_parse_email_refuses(text):
    assert parse_email(text) is None


def test_email_digits_are_not_numbers():
    result = extract("budi delapan lima at gmail titik com")
    assert result.email == "budi85@gmail.com"
    assert result.numbers == ()
