"""SOP steps 5 and 7: what a wanted power leads to, from what AP2T says of it.

``decide(...)`` turns AP2T's check of a target power into one ``PowerDecision``:

- ``NOT_HIGHER`` / ``NOT_STANDARD``: no request yet. The customer is told why (with the
  nearest standard steps above today's power) and asked again; this is no failed attempt
  (the customer cannot know the steps).
- ``ROUTED``: a request another SOP handles (DTKS, R3, B2-I2, not this SOP): a CSO takes
  it over with the data collected (``outcome``).
- ``ALTERNATIVE``: AP2T refuses the target via this channel and offers a lower power: the
  customer is asked whether to go on with it (step 7).
- ``UNIT``: AP2T refuses and has nothing to offer: directed to the unit, MBL (step 7).
- ``ACCEPTED``: the request goes on with this target.

An alternative the customer accepts is decided again like any target (the same routes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bot.sop.perubahan_daya.flow import CARRY_ON, Outcome, after_alternative, after_route


class PowerVerdict(str, Enum):
    NOT_HIGHER = "not_higher"
    NOT_STANDARD = "not_standard"
    ROUTED = "routed"
    ALTERNATIVE = "alternative"
    UNIT = "unit"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class PowerDecision:
    verdict: PowerVerdict
    nearest_va: list[int] = field(default_factory=list)  # NOT_STANDARD: steps to offer
    alternative_va: int | None = None  # ALTERNATIVE: AP2T's offer
    outcome: Outcome = CARRY_ON  # ROUTED, UNIT: how the request ends

    @property
    def asks_again(self) -> bool:
        return self.verdict in (PowerVerdict.NOT_HIGHER, PowerVerdict.NOT_STANDARD)


@dataclass(frozen=True)
class Ap2tCheck:
    """What AP2T answers about a target power (the back office's ``PowerChangeCheck``)."""

    current_va: int
    higher: bool
    standard: bool
    nearest_below_va: int | None = None
    nearest_above_va: int | None = None
    route: str | None = None  # "none" | "dtks" | "r3" | "b2_i2" | "not_this_sop"
    notified: bool = False  # AP2T refuses the target via this channel
    alternative_va: int | None = None


def decide(check: Ap2tCheck, unit_name: str = "", unit_address: str = "") -> PowerDecision:
    """Step 5 first (a possible request is routed only once it is one), then step 7."""
    if not check.higher:
        return PowerDecision(PowerVerdict.NOT_HIGHER)
    if not check.standard:
        nearest = [va for va in (check.nearest_below_va, check.nearest_above_va)
                   if va and va > check.current_va]
        return PowerDecision(PowerVerdict.NOT_STANDARD, nearest_va=nearest)
    routed = after_route(check.route)
    if not routed.carries_on:
        return PowerDecision(PowerVerdict.ROUTED, outcome=routed)
    if check.notified:
        if check.alternative_va:
            return PowerDecision(PowerVerdict.ALTERNATIVE, alternative_va=check.alternative_va)
        return PowerDecision(PowerVerdict.UNIT,
                             outcome=after_alternative(False, unit_name, unit_address))
    return PowerDecision(PowerVerdict.ACCEPTED)
