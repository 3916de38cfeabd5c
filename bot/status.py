"""Asking about a registration: where it stands in AP2T, and what the customer is told.

A customer asks "cek status permohonan", "nomor registrasi saya 53211...", "sudah bayar
kok belum dipasang?". The registration is found by its number, or by the customer's
verified number (the channel's caller id: WhatsApp's number, a Telegram contact shared of
themself, the phone's caller id; the mobile number AP2T holds for the connection call).
Its stage is told at once; anything beyond it (the amount, the dates, the registration
number when the customer did not give it) only once the owner's NIK has been checked
against AP2T, since a caller id can be forged and a registration number overheard.

Framework-free: the stage and the answers are decided from AP2T's ``Registration`` and the
conversation's clock; the adapters (``actions/status.py``) find the registration, check
the NIK and say the answers (responses of ``domain.yml`` by name, with their values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.backoffice.rules import connection_due
from bot.backoffice.schemas import Registration
from bot.identifiers import digits_only, is_registration_number
from bot.language import MentionKind, extract
from bot.sop.formatting import long_date, rupiah
from bot.sop.perubahan_daya.flow import MAX_OWNER_NIK_MISMATCHES

MAX_NUMBER_ATTEMPTS = 2  # a number not found (or not one) is asked once more


class Stage(str, Enum):
    """Where a registration stands in AP2T."""

    UNPAID = "unpaid"  # saved, the connection fee not paid, still valid
    PAID = "paid"  # paid: the unit is to issue the work order
    WORK_ORDER = "work_order"  # the unit's work order names the connection day
    EXPIRED = "expired"  # not paid within its validity: a new request is needed


@dataclass(frozen=True)
class Say:
    """One response of the domain, with the values it is filled with."""

    response: str
    values: dict[str, Any] = field(default_factory=dict)


def stage(registration: Registration, now: dt.datetime) -> Stage:
    if registration.work_order is not None:
        return Stage.WORK_ORDER
    if registration.paid_at is not None:
        return Stage.PAID
    if now >= registration.expires_at:
        return Stage.EXPIRED
    return Stage.UNPAID


def needs_owner(current: Stage) -> bool:
    """Whether there is more to tell than the stage, for the owner alone: an expired
    registration has nothing more (the customer applies again)."""
    return current is not Stage.EXPIRED


def the_stage(registration: Registration, now: dt.datetime, number_given: bool) -> Say:
    """What is said before the owner's NIK is checked: the stage, and nothing personal
    (no name, amount or date). The registration number is repeated only when the customer
    gave it; found by the caller's number, it is "the request of this number"."""
    current = stage(registration, now)
    values = {"registration_number": registration.registration_number} if number_given else {}
    which = "number" if number_given else "phone"
    return Say(f"utter_status_{current.value}_{which}", values)


def details(registration: Registration, now: dt.datetime) -> list[Say]:
    """What the owner is told once their NIK matched, by stage."""
    current = stage(registration, now)
    number = registration.registration_number
    if current is Stage.UNPAID:
        return [Say("utter_status_unpaid_details", {
                    "registration_number": number, "amount": rupiah(registration.total_rp),
                    "expires": long_date(registration.expires_at.date())}),
                Say("utter_payment_places")]
    if current is Stage.PAID:
        return [Say("utter_status_paid_details", {
            "registration_number": number,
            "paid_on": long_date(registration.paid_at.date()),
            "days": registration.service_level.days,
            "due": long_date(_due(registration))})]
    if current is Stage.WORK_ORDER:
        order = registration.work_order
        past = order.connection_date < now.astimezone(registration.created_at.tzinfo).date()
        return [Say("utter_status_work_order_past" if past else "utter_status_work_order_details",
                    {"registration_number": number, "work_order": order.number,
                     "connection_date": long_date(order.connection_date)})]
    return []


def _due(registration: Registration) -> dt.date:
    """The last day of the SOP's days of work (step 10), from the payment's day."""
    if registration.connection_due is not None:
        return registration.connection_due
    paid_on = registration.paid_at.astimezone(registration.created_at.tzinfo).date()
    return connection_due(paid_on, registration.service_level)


def newest_open(registrations: list[Registration]) -> Registration | None:
    """Of the registrations found by the caller's number (newest first), the one asked
    about: the newest."""
    return registrations[0] if registrations else None


def registration_number_in(text: str) -> str | None:
    """The registration number a message gives: written ("53211261127123456"), in groups
    ("53211 261127 123456") or spoken digit by digit; None when it holds none, or several.
    The rule of the number is ``bot.identifiers.is_registration_number``."""
    found = {mention.digits for mention in extract(text).numbers
             if mention.kind in (MentionKind.DIGITS, MentionKind.NIK) and mention.digits
             and is_registration_number(mention.digits)}
    if len(found) == 1:
        return found.pop()
    if not found and is_registration_number(digits_only(text)):
        return digits_only(text)  # written in groups the reader keeps apart
    return None


@dataclass(frozen=True)
class NumberProblem:
    """A number that finds nothing: said, and asked again unless the attempts are used."""

    say: Say
    gives_up: bool


def number_problem(given: str | None, attempts: int) -> NumberProblem:
    """``given``: the registration number read in the message (None: none in it);
    ``attempts``: the failed ones, this one included."""
    if attempts >= MAX_NUMBER_ATTEMPTS:
        return NumberProblem(Say("utter_status_not_found_final"), True)
    if given is None:
        return NumberProblem(Say("utter_status_number_invalid"), False)
    return NumberProblem(Say("utter_status_not_found", {"registration_number": given}), False)


@dataclass(frozen=True)
class NikOutcome:
    """What follows an owner-NIK check: what is said, whether the caller is the owner on
    record, and whether the question is over (no more asking)."""

    say: list[Say]
    verified: bool
    over: bool


def after_owner_nik(match: bool, held: bool, mismatches: int,
                    registration: Registration, now: dt.datetime) -> NikOutcome:
    """AP2T's answer to the owner-NIK check (the same check, counted the same way, as the
    request's step 12): a match tells the details; a mismatch is asked once more, then
    (as when AP2T holds the IDPEL's checks for the day) nothing more is told, and the
    caller never learns whether a NIK was right."""
    if held:
        return NikOutcome([Say("utter_status_nik_not_on_record")], False, True)
    if match:
        return NikOutcome(details(registration, now), True, True)
    if mismatches >= MAX_OWNER_NIK_MISMATCHES:
        return NikOutcome([Say("utter_status_nik_not_on_record")], False, True)
    return NikOutcome([Say("utter_status_nik_mismatch")], False, False)
