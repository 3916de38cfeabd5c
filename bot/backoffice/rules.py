"""AP2T's business rules for a power change (tambah daya), as pure functions.

No web framework and no database here: each function takes the customer's record, its
unit and the regulations (``regulations.yaml``) and returns a result. Every figure comes
from the regulations; see ``shared/spec/domain-reference.md`` for the rules themselves.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from pydantic import BaseModel

from .records import Customer, Unit
from .regulations import Regulations


class Route(str, Enum):
    """Which SOP handles the request (SOP step 5)."""

    NONE = "none"  # this SOP: carry on
    DTKS = "dtks"  # SOP PD DTKS (subsidy check)
    R3 = "r3"  # SOP PD R3
    B2_I2 = "b2_i2"  # SOP B2-I2
    NOT_THIS_SOP = "not_this_sop"  # above the SOP's maximum, a decrease, a change of use


class RouteReason(str, Enum):
    ABOVE_MAX_POWER = "above_max_power"
    POWER_DECREASE = "power_decrease"
    CHANGE_OF_USE = "change_of_use"
    DTKS = "dtks_450_to_900"
    R3 = "r3_above_6600"
    B2_I2 = "b2_i2_100_to_200_kva"


class ServiceLevelReason(str, Enum):
    NO_PHASE_CHANGE = "no_phase_change"
    SR_WITHIN_30M = "sr_within_30m"
    JTR = "jtr"
    JTM = "jtm"
    SUPER_WOW = "super_wow"


class Ap2tNotification(BaseModel):
    """AP2T refuses the target via this channel (SOP step 7) and offers an alternative."""

    reason: str
    max_va: int
    alternative_va: int | None  # None: nothing higher than today's power can be offered


class PowerChangeCheck(BaseModel):
    idpel: str
    current_va: int
    target_va: int
    standard: bool  # a standard power step for the customer's installation
    higher: bool  # higher than today's power
    nearest_below_va: int | None  # for a non-standard target: nearest standard steps
    nearest_above_va: int | None
    current_tariff: str
    new_tariff: str | None  # None when no class of the customer's category covers it
    use: str  # peruntukan, e.g. "tempat tinggal"
    current_phase: int
    new_phase: int
    phase_change: bool
    route: Route
    route_reason: RouteReason | None
    notification: Ap2tNotification | None
    allowed: bool  # this SOP can register it: standard, higher, route none, no notification
    problems: list[str]  # why not, in Indonesian, for the assistant to relay


class QuoteProblem(ValueError):
    """A quote cannot be made; ``code`` is machine-readable, the message is Indonesian."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Quote(BaseModel):
    """The itemised cost of a power change (SOP step 9). Amounts in rupiah."""

    current_va: int
    target_va: int
    bp_rate_rp_per_va: int
    bp_rp: int
    ppn_rate: Decimal  # 0 when not due
    ppn_rp: int
    meterai_rp: int
    stroom_awal_rp: int  # 0 for postpaid
    ppj_rate: Decimal  # PPJ is inside the stroom awal nominal
    ppj_rp: int
    energy_rp: int  # stroom awal minus PPJ
    total_rp: int


class StroomAwalAdvice(BaseModel):
    """The stroom awal range and the amount to advise (SOP step 8). Amounts in rupiah."""

    min_rp: int
    max_rp: int
    advised_rp: int
    denominations_rp: list[int]
    days: int  # the advised token covers about this many days of typical use
    estimated_daily_rp: int  # typical use per day at the new power, PPJ included


class ServiceLevel(BaseModel):
    """How long the work takes, in hari kalender (SOP step 10)."""

    days: int
    reason: ServiceLevelReason
    phase_change: bool


# --- power steps and tariff classes ---------------------------------------------------


def standard_steps(regulations: Regulations, phase: int) -> list[int]:
    """The standard steps an installation with ``phase`` phases can go to. A 1-phase
    customer may stay on 1 phase or change to 3; a 3-phase customer stays on 3 phases
    (1-phase steps would be a change back to 1 phase, which this SOP does not cover)."""
    steps = regulations.power_steps
    if phase == 3:
        return sorted(steps.three_phase_va)
    return sorted(set(steps.single_phase_va) | set(steps.three_phase_va))


def step_phase(regulations: Regulations, power_va: int, current_phase: int) -> int:
    if power_va in regulations.power_steps.three_phase_va:
        return 3
    return current_phase if power_va not in regulations.power_steps.single_phase_va else 1


def nearest_steps(steps: list[int], target_va: int) -> tuple[int | None, int | None]:
    below = [step for step in steps if step < target_va]
    above = [step for step in steps if step > target_va]
    return (below[-1] if below else None), (above[0] if above else None)


def tariff_class(regulations: Regulations, category: str, power_va: int) -> str | None:
    """The class of ``category`` (R, B, I, S, P) that covers ``power_va``, e.g. R-2."""
    for tariff in regulations.tariff.classes:
        if tariff.category == category and tariff.covers(power_va):
            return tariff.code
    return None


def use_of(regulations: Regulations, category: str) -> str:
    """Peruntukan of a tariff category: R -> "tempat tinggal", B -> "usaha", ..."""
    return regulations.tariff.categories[category].use


# --- routing and the AP2T check -------------------------------------------------------


def route_for(
    regulations: Regulations,
    customer: Customer,
    target_va: int,
    new_tariff: str | None,
    requested_use: str | None = None,
) -> tuple[Route, RouteReason | None]:
    """Which SOP handles the request ("What the SOP routes elsewhere", domain-reference)."""
    sop = regulations.sop
    routes = sop.routes
    category = customer.tariff_category
    if target_va > sop.max_power_va:
        return Route.NOT_THIS_SOP, RouteReason.ABOVE_MAX_POWER
    if target_va < customer.power_va:
        return Route.NOT_THIS_SOP, RouteReason.POWER_DECREASE
    if requested_use is not None and requested_use.strip().lower() != use_of(regulations, category):
        return Route.NOT_THIS_SOP, RouteReason.CHANGE_OF_USE
    if (
        category == routes.dtks.category
        and customer.power_va <= routes.dtks.current_max_va
        and target_va == routes.dtks.target_va
    ):
        return Route.DTKS, RouteReason.DTKS
    if category == routes.r3.category and target_va > routes.r3.target_above_va:
        return Route.R3, RouteReason.R3
    if (
        new_tariff in routes.b2_i2.tariff_classes
        and routes.b2_i2.target_min_va <= target_va <= routes.b2_i2.target_max_va
    ):
        return Route.B2_I2, RouteReason.B2_I2
    return Route.NONE, None


def ap2t_notification(
    regulations: Regulations, customer: Customer, target_va: int
) -> Ap2tNotification | None:
    """AP2T's refusal when the customer's location cannot take ``target_va``, with the
    highest standard step it can serve that is still higher than today's power."""
    limit = customer.ap2t_limit
    if limit is None or target_va <= limit.max_va:
        return None
    candidates = [
        step
        for step in standard_steps(regulations, customer.phase)
        if customer.power_va < step <= limit.max_va
    ]
    return Ap2tNotification(
        reason=limit.reason, max_va=limit.max_va, alternative_va=max(candidates, default=None)
    )


def route_explanation(regulations: Regulations, reason: RouteReason) -> str:
    """Why the request goes elsewhere, in Indonesian, with the regulations' figures."""
    routes = regulations.sop.routes
    texts = {
        RouteReason.ABOVE_MAX_POWER: "Daya di atas {max} dilayani di luar SOP ini.",
        RouteReason.POWER_DECREASE: "Penurunan daya tidak dilayani melalui SOP tambah daya.",
        RouteReason.CHANGE_OF_USE: "Perubahan peruntukan tidak dilayani melalui SOP ini.",
        RouteReason.DTKS: "Tambah daya rumah tangga {dtks_from} ke {dtks_to} dilayani melalui "
        "SOP PD DTKS.",
        RouteReason.R3: "Tambah daya rumah tangga di atas {r3} dilayani melalui SOP PD R3.",
        RouteReason.B2_I2: "Tambah daya {b2_i2_classes} {b2_i2_min} sampai {b2_i2_max} "
        "dilayani melalui SOP B2-I2.",
    }
    return texts[reason].format(
        max=_va(regulations.sop.max_power_va),
        dtks_from=_va(routes.dtks.current_max_va),
        dtks_to=_va(routes.dtks.target_va),
        r3=_va(routes.r3.target_above_va),
        b2_i2_classes="/".join(routes.b2_i2.tariff_classes),
        b2_i2_min=_va(routes.b2_i2.target_min_va),
        b2_i2_max=_va(routes.b2_i2.target_max_va),
    )


def _va(value: int) -> str:
    return f"{value:,}".replace(",", ".") + " VA"


def check_power_change(
    regulations: Regulations,
    customer: Customer,
    target_va: int,
    requested_use: str | None = None,
) -> PowerChangeCheck:
    """Everything SOP steps 5 and 7 need to know about ``target_va`` for this customer."""
    steps = standard_steps(regulations, customer.phase)
    standard = target_va in steps
    higher = target_va > customer.power_va
    below, above = (None, None) if standard else nearest_steps(steps, target_va)
    category = customer.tariff_category
    new_tariff = tariff_class(regulations, category, target_va)
    new_phase = step_phase(regulations, target_va, customer.phase)
    route, route_reason = route_for(regulations, customer, target_va, new_tariff, requested_use)
    notification = ap2t_notification(regulations, customer, target_va)

    problems: list[str] = []
    if not standard:
        nearest = " atau ".join(_va(step) for step in (below, above) if step is not None)
        problems.append(
            f"{_va(target_va)} bukan daya standar; daya standar terdekat: {nearest}."
        )
    if not higher:
        # also the explanation of the not_this_sop route for a decrease
        problems.append(
            f"Daya tujuan {_va(target_va)} tidak lebih tinggi dari daya saat ini "
            f"{_va(customer.power_va)}."
        )
    if standard and new_tariff is None and route is Route.NONE:
        problems.append(f"Tidak ada golongan tarif {category} untuk daya {_va(target_va)}.")
    if route_reason is not None and route_reason is not RouteReason.POWER_DECREASE:
        problems.append(route_explanation(regulations, route_reason))
    if notification is not None:
        problems.append(f"AP2T: {notification.reason}; maksimal {_va(notification.max_va)}.")

    return PowerChangeCheck(
        idpel=customer.idpel,
        current_va=customer.power_va,
        target_va=target_va,
        standard=standard,
        higher=higher,
        nearest_below_va=below,
        nearest_above_va=above,
        current_tariff=customer.tariff,
        new_tariff=new_tariff,
        use=use_of(regulations, category),
        current_phase=customer.phase,
        new_phase=new_phase,
        phase_change=customer.phase == 1 and new_phase == 3,
        route=route,
        route_reason=route_reason,
        notification=notification,
        allowed=not problems,
        problems=problems,
    )


# --- money ---------------------------------------------------------------------------


def round_rupiah(amount: Decimal) -> int:
    """Half up to whole rupiah."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def bp_rate(regulations: Regulations, new_va: int) -> int:
    """Rp/VA of the connection-fee band that the NEW power falls in."""
    for band in regulations.connection_fee.bands:
        if new_va <= band.upto_va:
            return band.rate_rp_per_va
    raise QuoteProblem(
        "above_max_power", f"Tidak ada tarif biaya penyambungan untuk {_va(new_va)}."
    )


def ppj_rate(unit: Unit, new_va: int) -> Decimal:
    """The unit's street-lighting tax rate for the NEW power (bands ascending)."""
    for band in sorted(unit.ppj, key=lambda b: float("inf") if b.upto_va is None else b.upto_va):
        if band.upto_va is None or new_va <= band.upto_va:
            return band.rate
    raise QuoteProblem("no_ppj_rate", f"Unit {unit.code} tidak punya tarif PPJ untuk {_va(new_va)}.")


def vat_due(regulations: Regulations, customer: Customer, new_va: int) -> bool:
    vat = regulations.vat
    return customer.tariff_category in vat.tariff_categories and new_va > vat.above_va


def quote(
    regulations: Regulations,
    customer: Customer,
    unit: Unit,
    target_va: int,
    stroom_awal_rp: int | None = None,
) -> Quote:
    """The fees of SOP step 9: BP, PPN (when due), meterai (when due), stroom awal with
    its PPJ (prepaid only) and the total. Refuses what cannot be registered as a fee:
    a non-standard or not higher target, or a stroom awal out of range / for postpaid."""
    steps = standard_steps(regulations, customer.phase)
    if target_va not in steps:
        raise QuoteProblem("non_standard_power", f"{_va(target_va)} bukan daya standar.")
    if target_va <= customer.power_va:
        raise QuoteProblem(
            "not_higher", f"Daya tujuan harus lebih tinggi dari {_va(customer.power_va)}."
        )
    if target_va > regulations.sop.max_power_va:
        raise QuoteProblem("above_max_power", f"{_va(target_va)} di atas batas SOP ini.")
    stroom = _checked_stroom_awal(regulations, customer, stroom_awal_rp)

    rate = bp_rate(regulations, target_va)
    bp = (target_va - customer.power_va) * rate
    vat_rate = regulations.vat.rate if vat_due(regulations, customer, target_va) else Decimal(0)
    ppn = round_rupiah(bp * vat_rate)
    stamp = regulations.stamp_duty
    meterai = stamp.amount_rp if bp + ppn + stroom > stamp.due_above_rp else 0
    if stroom:
        ppj_rate_value = ppj_rate(unit, target_va)
        ppj = round_rupiah(stroom * ppj_rate_value / (1 + ppj_rate_value))
    else:
        ppj_rate_value, ppj = Decimal(0), 0
    return Quote(
        current_va=customer.power_va,
        target_va=target_va,
        bp_rate_rp_per_va=rate,
        bp_rp=bp,
        ppn_rate=vat_rate,
        ppn_rp=ppn,
        meterai_rp=meterai,
        stroom_awal_rp=stroom,
        ppj_rate=ppj_rate_value,
        ppj_rp=ppj,
        energy_rp=stroom - ppj,
        total_rp=bp + ppn + meterai + stroom,
    )


def _checked_stroom_awal(
    regulations: Regulations, customer: Customer, stroom_awal_rp: int | None
) -> int:
    token = regulations.initial_token
    if not customer.prepaid:
        if stroom_awal_rp:
            raise QuoteProblem(
                "stroom_awal_postpaid", "Pelanggan pascabayar tidak membeli stroom awal."
            )
        return 0
    if stroom_awal_rp is None:
        raise QuoteProblem(
            "stroom_awal_required", "Pelanggan prabayar: nominal stroom awal wajib diisi."
        )
    if not token.min_rp <= stroom_awal_rp <= token.max_rp:
        raise QuoteProblem(
            "stroom_awal_out_of_range",
            f"Stroom awal harus antara Rp {token.min_rp:,} dan Rp {token.max_rp:,}.".replace(
                ",", "."
            ),
        )
    return stroom_awal_rp


def stroom_awal_advice(
    regulations: Regulations, customer: Customer, unit: Unit, target_va: int
) -> StroomAwalAdvice:
    """An amount that covers a few days of typical use at the new power: the smallest token
    denomination (within the range) at or above the estimate, else the range's maximum."""
    token = regulations.initial_token
    advice = regulations.initial_token_advice
    new_tariff = tariff_class(regulations, customer.tariff_category, target_va)
    daily_kwh = Decimal(target_va) / 1000 * advice.full_power_hours_per_day
    daily_energy = daily_kwh * regulations.energy_tariff.rate(new_tariff)
    daily = daily_energy * (1 + ppj_rate(unit, target_va))
    needed = daily * advice.days
    in_range = sorted(d for d in token.denominations_rp if token.min_rp <= d <= token.max_rp)
    advised = next((d for d in in_range if d >= needed), token.max_rp)
    return StroomAwalAdvice(
        min_rp=token.min_rp,
        max_rp=token.max_rp,
        advised_rp=advised,
        denominations_rp=in_range,
        days=advice.days,
        estimated_daily_rp=round_rupiah(daily),
    )


# --- service level -------------------------------------------------------------------


def service_level(regulations: Regulations, customer: Customer, target_va: int,
                  on: dt.date | None = None) -> ServiceLevel:
    """Days of work (SOP step 10) from the customer's network data; the Super WOW
    promotion's days where and when it runs (``on``: the request's date)."""
    days = regulations.service_level
    new_phase = step_phase(regulations, target_va, customer.phase)
    phase_change = customer.phase == 1 and new_phase == 3
    if on is not None and regulations.super_wow.applies(customer.unit, on):
        return ServiceLevel(days=days.super_wow_days, reason=ServiceLevelReason.SUPER_WOW,
                            phase_change=phase_change)
    network = customer.network
    if not phase_change and customer.phase == 1:
        return ServiceLevel(
            days=days.no_phase_change_days,
            reason=ServiceLevelReason.NO_PHASE_CHANGE,
            phase_change=False,
        )
    if network.needs_jtm:
        return ServiceLevel(
            days=days.medium_voltage_network_days, reason=ServiceLevelReason.JTM,
            phase_change=phase_change,
        )
    if network.needs_jtr:
        return ServiceLevel(
            days=days.low_voltage_network_days, reason=ServiceLevelReason.JTR,
            phase_change=phase_change,
        )
    if network.sr_length_m <= days.service_line_max_m:
        return ServiceLevel(
            days=days.service_line_days, reason=ServiceLevelReason.SR_WITHIN_30M,
            phase_change=phase_change,
        )
    # A service line longer than 30 m with no network flag: the SOP names no figure for it;
    # a longer line needs low-voltage network work, so it is treated as JTR.
    return ServiceLevel(
        days=days.low_voltage_network_days, reason=ServiceLevelReason.JTR,
        phase_change=phase_change,
    )


def connection_due(paid_on: dt.date, level: ServiceLevel) -> dt.date:
    """The latest day the new power is connected: the SOP's days of work (step 10),
    counted in hari kalender from the day the connection fee was paid."""
    return paid_on + dt.timedelta(days=level.days)
