"""The HTTP contract of the simulator (pydantic v1), shared by the service and the client.

The rule results (``PowerChangeCheck``, ``Quote``, ``ServiceLevel``) are defined once, in
``rules``, and re-exported here.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Any

from pydantic import BaseModel, StrictInt, conint, constr, validator

from .records import DilPhones, LitTr
from .rules import (  # noqa: F401 - re-exported as part of the contract
    Ap2tNotification,
    PowerChangeCheck,
    Quote,
    Route,
    RouteReason,
    ServiceLevel,
    ServiceLevelReason,
    StroomAwalAdvice,
)

ShortText = constr(strict=True, strip_whitespace=True, min_length=1, max_length=200)
LongText = constr(strict=True, strip_whitespace=True, min_length=1, max_length=2000)
NumberText = constr(strict=True, strip_whitespace=True, min_length=1, max_length=40)
IdempotencyKey = constr(strict=True, strip_whitespace=True, min_length=1, max_length=100)


class _Request(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt field is an error, not silently ignored


class ErrorBody(BaseModel):
    error: str  # machine-readable code, e.g. "not_found", "invalid_request"
    message: str  # for people (Indonesian or English)
    kind: str | None  # CRM: the kind of an unknown but valid phone number
    details: list[dict[str, Any]] | None


class Health(BaseModel):
    status: str


class ServiceInfo(BaseModel):
    """Regulated figures the assistant tells as they are (steps 8, 15, 16)."""

    stamp_duty_rp: int  # today's meterai value
    spjbtl_stamps: int  # stamps needed to sign the SPJBTL
    registration_validity_days: int
    stroom_awal_min_rp: int
    stroom_awal_max_rp: int
    token_denominations_rp: list[int]
    max_power_va: int


# --- AP2T: customers -----------------------------------------------------------------


class UnitInfo(BaseModel):
    code: str
    name: str
    address: str
    timezone: str


class CustomerInfo(BaseModel):
    idpel: str
    meter_number: str | None
    name: str
    title: str
    address: str
    tariff: str
    power_va: int
    phase: int
    payment: str  # prabayar | pascabayar
    unit: UnitInfo
    dil_phones: DilPhones  # with the DIL mobile updates applied
    kecamatan: str
    kelurahan: str


class Arrears(BaseModel):
    idpel: str
    amount_rp: int
    months: int


class Areas(BaseModel):
    """The unit's kecamatan, each with its kelurahan (SOP step 12)."""

    idpel: str
    unit_code: str
    areas: dict[str, list[str]]


# --- AP2T: registrations ---------------------------------------------------------------


class ApplicantRole(str, Enum):
    OWNER = "owner"
    AUTHORISED = "authorised"  # "yang dikuasakan"


class ApplicantIn(_Request):
    role: ApplicantRole
    owner_nik: NumberText
    applicant_nik: NumberText | None
    applicant_name: ShortText | None
    applicant_address: LongText | None
    email: constr(strict=True, strip_whitespace=True, max_length=254) | None
    mobile_phone: NumberText
    kecamatan: ShortText
    kelurahan: ShortText


class RegistrationRequest(_Request):
    idempotency_key: IdempotencyKey
    idpel: NumberText
    target_va: StrictInt
    stroom_awal_rp: StrictInt | None
    applicant: ApplicantIn
    conversation_id: ShortText | None  # the assistant's conversation (sender id), to find it by


class WorkOrder(BaseModel):
    """The unit's order to connect the new power (perintah kerja), made once the fee is
    paid; the connection day is within the SOP's days of work (step 10) unless the unit
    reschedules it."""

    number: str
    issued_at: dt.datetime
    connection_date: dt.date  # the day the unit's officers connect the new power


class WorkOrderRequest(_Request):
    # default: the last day of the SOP's days of work (the registration's connection_due)
    connection_date: dt.date | None


class Registration(BaseModel):
    registration_number: str
    idpel: str
    customer_name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    validity_days: int
    current_va: int
    target_va: int
    current_tariff: str
    new_tariff: str
    use: str
    phase_change: bool
    quote: Quote
    service_level: ServiceLevel
    total_rp: int
    role: ApplicantRole
    applicant_name: str
    owner_nik_masked: str
    applicant_nik_masked: str | None
    email_masked: str | None
    mobile_phone: str
    kecamatan: str
    kelurahan: str
    conversation_id: str | None  # None for registrations saved without one
    super_wow: bool = False  # the "Super WOW" promotion applies (step 10)
    # Layanan Satu Pintu can be offered (step 19c): the unit has LIT TR partners and the
    # request is not Super WOW. It is a one-stop (LSP) request only once the customer who
    # wants it has chosen an LIT TR of the unit.
    lsp_available: bool = False
    one_stop_service: bool = False
    lit_tr_choice: str | None = None
    paid_at: dt.datetime | None = None  # when the connection fee was paid (POST .../payment)
    # the last day of the SOP's days of work (step 10) counted from the payment's day
    connection_due: dt.date | None = None
    work_order: WorkOrder | None = None  # PUT .../work-order, after the payment


class LitTrChoice(_Request):
    lit_tr: LongText  # the name of one of the unit's LIT TR


class DilMobileUpdate(_Request):
    phone: NumberText


class OwnerNikCheck(_Request):
    nik: NumberText  # the NIK the caller gave as the owner's


class OwnerNikVerdict(BaseModel):
    match: bool  # never the NIK AP2T holds: only whether the one given is it
    # too many failed checks of this IDPEL today: not checked (match false); an officer
    # serves the customer (the owner cannot be locked out by a stranger, only the guesser
    # slowed down)
    held: bool = False


# --- APKT ----------------------------------------------------------------------------


class TicketKind(str, Enum):
    ISSUED_CLOSED = "issued_closed"  # recorded and closed at once (information given)
    MBL = "mbl"  # Mohon Bantuan Layanan: escalated to a unit
    CSO_HANDOFF = "cso_handoff"  # handed to a person with the data collected


MAX_DATA_DEPTH = 8


def check_plain_json(value: Any, max_depth: int = MAX_DATA_DEPTH) -> Any:
    """Refuse data nested deeper than ``max_depth`` or holding NaN/Infinity (not JSON).
    Iterative, so that hostile nesting cannot exhaust the stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers must be finite")
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise ValueError(f"data nested deeper than {max_depth} levels")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return value


class TicketRequest(_Request):
    kind: TicketKind
    reason: LongText
    sop_step: conint(strict=True, ge=1, le=22)
    conversation_id: ShortText
    idpel: NumberText | None
    data: dict[str, Any] = {}
    idempotency_key: IdempotencyKey | None

    @validator("data")
    def _plain_data(cls, data: dict[str, Any]) -> dict[str, Any]:
        return check_plain_json(data)


class Ticket(BaseModel):
    ticket_number: str
    kind: TicketKind
    reason: str  # masked like data
    sop_step: int
    conversation_id: str
    idpel: str | None
    data: dict[str, Any]  # personal data masked
    created_at: dt.datetime


class TicketChanges(BaseModel):
    """The tickets recorded after a cursor: ``tickets``, the ``cursor`` to ask after next,
    and ``last``, the store's last cursor (below the one asked after: the store was
    emptied, read it all again)."""

    cursor: int
    last: int
    tickets: list[Ticket]


# --- CRM -----------------------------------------------------------------------------


class Caller(BaseModel):
    phone: str  # national form, e.g. 081234500101
    type: str  # mobile | pstn
    name: str
    title: str
    idpel: str | None
    timezone: str | None = None  # the zone of the customer's unit (with the IDPEL)


__all__ = [
    "Ap2tNotification", "ApplicantIn", "ApplicantRole", "Areas", "Arrears", "Caller",
    "CustomerInfo", "DilMobileUpdate", "DilPhones", "ErrorBody", "Health", "LitTr",
    "PowerChangeCheck", "Quote", "Registration", "RegistrationRequest", "Route",
    "RouteReason", "ServiceInfo", "ServiceLevel", "ServiceLevelReason", "StroomAwalAdvice",
    "Ticket", "TicketKind",
    "TicketRequest", "UnitInfo", "WorkOrder", "WorkOrderRequest",
]
