"""Regulated figures (rates, taxes, limits), loaded from ``regulations.yaml``.

The file path can be overridden with the environment variable ``PLN_REGULATIONS_FILE``.
Rates are Decimals so that money is computed exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, validator

from .records import YamlLoader, floats_as_text
from .settings import DEFAULT_REGULATIONS_FILE, DataFiles  # noqa: F401 - the file, named here too


class _Config(BaseModel):
    class Config:
        extra = "forbid"
        allow_mutation = False


class FeeBand(_Config):
    upto_va: int
    rate_rp_per_va: int


class ConnectionFee(_Config):
    source: str
    bands: list[FeeBand]

    @validator("bands")
    def _ascending(cls, bands: list[FeeBand]) -> list[FeeBand]:
        limits = [band.upto_va for band in bands]
        if not bands or limits != sorted(limits):
            raise ValueError("fee bands must be listed in ascending order of upto_va")
        return bands


class Vat(_Config):
    source: str
    rate: Decimal
    tariff_categories: list[str]
    above_va: int


class StampDuty(_Config):
    source: str
    amount_rp: int
    due_above_rp: int
    spjbtl_stamps: int


class InitialToken(_Config):
    source: str
    min_rp: int
    max_rp: int
    denominations_rp: list[int]


class ServiceLevelDays(_Config):
    source: str
    no_phase_change_days: int
    service_line_max_m: int
    service_line_days: int
    low_voltage_network_days: int
    medium_voltage_network_days: int
    super_wow_days: int


class SuperWow(_Config):
    """Where and when the "Super WOW" promotion runs (data of a campaign, not code)."""

    source: str
    units: list[str]
    from_date: dt.date
    until_date: dt.date

    def applies(self, unit: str, on: dt.date) -> bool:
        return unit in self.units and self.from_date <= on <= self.until_date


class PowerSteps(_Config):
    source: str
    single_phase_va: list[int]
    three_phase_va: list[int]


class TariffCategory(_Config):
    use: str


class TariffClass(_Config):
    code: str
    category: str
    min_va: int
    max_va: int | None

    def covers(self, power_va: int) -> bool:
        return power_va >= self.min_va and (self.max_va is None or power_va <= self.max_va)


class Tariff(_Config):
    source: str
    categories: dict[str, TariffCategory]
    classes: list[TariffClass]


class DtksRoute(_Config):
    category: str
    current_max_va: int
    target_va: int


class R3Route(_Config):
    category: str
    target_above_va: int


class B2I2Route(_Config):
    tariff_classes: list[str]
    target_min_va: int
    target_max_va: int


class Routes(_Config):
    dtks: DtksRoute
    r3: R3Route
    b2_i2: B2I2Route


class Sop(_Config):
    source: str
    max_power_va: int
    registration_validity_days: int
    routes: Routes


class EnergyTariff(_Config):
    source: str
    rp_per_kwh: dict[str, Decimal]
    default_rp_per_kwh: Decimal

    def rate(self, tariff_class: str | None) -> Decimal:
        return self.rp_per_kwh.get(tariff_class or "", self.default_rp_per_kwh)


class InitialTokenAdvice(_Config):
    source: str
    days: int
    full_power_hours_per_day: Decimal


class Regulations(_Config):
    connection_fee: ConnectionFee
    vat: Vat
    stamp_duty: StampDuty
    initial_token: InitialToken
    service_level: ServiceLevelDays
    super_wow: SuperWow
    power_steps: PowerSteps
    tariff: Tariff
    sop: Sop
    energy_tariff: EnergyTariff
    initial_token_advice: InitialTokenAdvice


def load_regulations(path: Path | None = None) -> Regulations:
    """The regulations from ``path``; without one, from the file the environment names
    (``DataFiles``: $PLN_REGULATIONS_FILE, else the packaged file)."""
    if path is None:
        path = DataFiles.from_env().regulations_file
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YamlLoader)
    except FileNotFoundError as error:
        raise FileNotFoundError(f"regulations file not found: {path}") from error
    return Regulations.parse_obj(floats_as_text(raw))


@lru_cache(maxsize=1)
def default_regulations() -> Regulations:
    return load_regulations()
