import pytest

from bot.sop.formatting import percent, power, rupiah, tariff_and_power


@pytest.mark.parametrize("amount, text", [
    (893300, "Rp893.300"), (843300, "Rp843.300"), (0, "Rp0"), (10000, "Rp10.000"),
    (12607000, "Rp12.607.000"), (1456, "Rp1.456")])
def test_rupiah_with_dot_thousands(amount, text):
    assert rupiah(amount) == text


def test_power_and_tariff_as_the_sop_writes_them():
    assert power(3500) == "3.500 VA"
    assert power(197000) == "197.000 VA"
    assert tariff_and_power("R-1", 1300) == "R1/1.300 VA"


@pytest.mark.parametrize("rate, text", [(0.03, "3%"), (0.024, "2,4%"), (0.11, "11%")])
def test_percent(rate, text):
    assert percent(rate) == text


def test_addressed_as():
    from bot.sop.formatting import addressed_as
    assert addressed_as("Bapak", "Budi Santoso") == "Bapak Budi Santoso"
    assert addressed_as(None, None) == "Bapak/Ibu"
    assert addressed_as("Ibu", None) == "Ibu"
    assert addressed_as("Bapak/Ibu", "CV Maju Bersama") == "CV Maju Bersama"


def test_long_date_in_indonesian():
    import datetime as dt

    from bot.sop.formatting import long_date
    assert long_date(dt.date(2026, 12, 27)) == "27 Desember 2026"
