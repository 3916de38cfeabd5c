"""Focused readers for form validation: one value of one kind, or None.

Each passes the expectation to ``extract`` (the form knows what it asked), so a bare
"3500" is a power for ``parse_power`` and a "62..." 12-digit string a phone number for
``parse_phone_number``. None means "ask again": the message had no such value, or more
than one and it could not tell which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.identifiers import CustomerNumberKind, NikCheck, Phone, check_nik
from bot.language.digits import Expectation
from bot.language.extract import extract


@dataclass(frozen=True)
class CustomerNumber:
    value: str  # digits only
    kind: CustomerNumberKind  # IDPEL (12 digits) or METER (11)


def parse_power(text: str) -> int | None:
    """The wanted power in VA: "3500", "3.500 VA", "3,5 kVA", "tiga ribu lima ratus",
    "dari 1300 ke 2200" (2200)."""
    return extract(text, Expectation.POWER).power_va


def parse_amount(text: str) -> int | None:
    """An amount in rupiah: "50rb", "Rp50.000,-", "lima puluh ribu", "goceng"; and, since
    an amount is what was asked, "gocap" (50.000) and "cepek" (100.000)."""
    return extract(text, Expectation.AMOUNT).amount_rp


def parse_customer_number(text: str) -> CustomerNumber | None:
    """A 12-digit IDPEL or an 11-digit meter number, typed or spoken, with any spacing."""
    result = extract(text, Expectation.CUSTOMER_NUMBER)
    if result.customer_number is None or result.customer_number_kind is None:
        return None
    return CustomerNumber(result.customer_number, result.customer_number_kind)


def parse_nik(text: str, today: dt.date | None = None) -> NikCheck | None:
    """The NIK in ``text`` checked by bot.identifiers.check_nik (``.valid``, ``.problem``)
    as of ``today`` (the conversation's date), or None when the message holds no NIK-like
    digit string (or several)."""
    result = extract(text, Expectation.NIK)
    return check_nik(result.nik, today) if result.nik is not None else None


def parse_phone_number(text: str) -> Phone | None:
    """An Indonesian phone number (mobile or landline: ``Phone.kind``)."""
    return extract(text, Expectation.PHONE).phone


def parse_email(text: str) -> str | None:
    """An e-mail address, written or spoken, lower case."""
    return extract(text, Expectation.EMAIL).email


def entities(text: str) -> list[dict[str, int | str]]:
    """Rasa-style entities {entity, value, start, end} (offsets in ``text``), with entity
    names power_va, amount_rp, idpel, meter_number, nik, phone, email."""
    return [entity.as_dict() for entity in extract(text).entities]
