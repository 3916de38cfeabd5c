"""How figures are said to customers: "Rp843.300", "3.500 VA", "R1/1.300 VA"."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALE = "id_ID"


def rupiah(amount: int) -> str:
    """893300 -> "Rp893.300" (babel's Indonesian format, no decimals)."""
    return format_currency(amount, "IDR", locale=LOCALE, format="¤#,##0", currency_digits=False)


def power(va: int) -> str:
    """3500 -> "3.500 VA"."""
    return f"{format_decimal(va, locale=LOCALE)} VA"


def tariff_label(tariff: str) -> str:
    """"R-1" -> "R1", as the SOP writes it ("dari R1/ 1.300 VA")."""
    return tariff.replace("-", "")


def tariff_and_power(tariff: str, va: int) -> str:
    """("R-1", 1300) -> "R1/1.300 VA"."""
    return f"{tariff_label(tariff)}/{power(va)}"


def percent(rate: float) -> str:
    """0.03 -> "3%", 0.024 -> "2,4%"."""
    return f"{format_decimal(round(float(rate) * 100, 2), locale=LOCALE)}%"


def addressed_as(title: str | None, name: str | None) -> str:
    """How the customer is addressed: "Bapak Budi Santoso"; "Bapak/Ibu" without a name.
    Organisations (title "Bapak/Ibu") are addressed by name alone: "CV Maju Bersama"."""
    title = title or "Bapak/Ibu"
    if not name:
        return title
    return name if title == "Bapak/Ibu" else f"{title} {name}"


def long_date(moment: dt.date) -> str:
    """A date as said to customers: "27 Desember 2026"."""
    return format_date(moment, format="long", locale=LOCALE)
