"""The shape of the seed data (``bot/backoffice/seed/customers.yaml``, the project's copy of
``shared/fixtures/customers.yaml``): units, customers, CRM.

These are the simulator's reference records; the rules and the storage both use them.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, root_validator

log = logging.getLogger(__name__)

# libyaml's loader when it is built in: several times faster than the pure-Python one.
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PpjBand(BaseModel):
    """Street-lighting tax (PPJ/PBJT) rate up to a power (``upto_va`` None: no upper bound)."""

    upto_va: int | None
    rate: Decimal


class LitTr(BaseModel):
    name: str
    pic: str
    phone: str


class Unit(BaseModel):
    code: str
    name: str
    address: str
    timezone: str
    ppj: list[PpjBand]
    areas: dict[str, list[str]]
    lit_tr: list[LitTr] = []


class DilPhones(BaseModel):
    mobile: str | None
    pstn: str | None


class Network(BaseModel):
    sr_length_m: int
    needs_jtr: bool
    needs_jtm: bool


class Ap2tLimit(BaseModel):
    max_va: int
    reason: str


class Customer(BaseModel):
    idpel: str
    meter_number: str | None
    name: str
    title: str
    nik: str
    address: str
    unit: str
    kecamatan: str
    kelurahan: str
    tariff: str
    power_va: int
    phase: int
    payment: str  # prabayar | pascabayar
    arrears_rp: int = 0
    arrears_months: int = 0
    dil_phones: DilPhones
    network: Network
    ap2t_limit: Ap2tLimit | None
    scenario: str | None

    @property
    def tariff_category(self) -> str:
        return self.tariff.split("-", 1)[0]

    @property
    def prepaid(self) -> bool:
        return self.payment == "prabayar"


class CrmEntry(BaseModel):
    phone: str
    type: str  # mobile | pstn
    name: str
    title: str
    idpel: str | None


class Applicant(BaseModel):
    """A person who is not an owner (the "yang dikuasakan" branch)."""

    nik: str
    name: str
    address: str


class InvalidNik(BaseModel):
    nik: str
    why: str


class Fixture(BaseModel):
    units: list[Unit]
    crm: list[CrmEntry] = []
    customers: list[Customer]
    unknown_numbers: list[str] = []
    applicants: list[Applicant] = Field(default_factory=list)
    invalid_niks: list[InvalidNik] = Field(default_factory=list)

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:
        """Each customer's unit exists and has the customer's kecamatan and kelurahan; IDPELs
        and meter numbers are unique."""
        units = {unit.code: unit for unit in values["units"]}
        problems = []
        for customer in values["customers"]:
            unit = units.get(customer.unit)
            if unit is None:
                problems.append(f"{customer.idpel}: unknown unit {customer.unit}")
            elif customer.kelurahan not in unit.areas.get(customer.kecamatan, []):
                problems.append(f"{customer.idpel}: {customer.kecamatan}/{customer.kelurahan} "
                                f"not in the areas of unit {unit.code}")
        numbers = [c.idpel for c in values["customers"]] + [
            c.meter_number for c in values["customers"] if c.meter_number]
        if len(numbers) != len(set(numbers)):
            problems.append("IDPELs and meter numbers must be unique")
        if problems:
            raise ValueError("; ".join(problems))
        return values


def floats_as_text(value):
    """YAML floats (tax rates) go through str() so that Decimal gets 0.03, not 0.0299..."""
    if isinstance(value, float):
        return str(value)
    if isinstance(value, dict):
        return {key: floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [floats_as_text(item) for item in value]
    return value


def parse_seed_yaml(text: str) -> dict:
    """The seed file's data (plain YAML)."""
    return yaml.load(text, Loader=YamlLoader)


def load_fixture(path: Path) -> Fixture:
    """Read the seed file as it is; a missing file is a clear error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"seed file not found: {path} (set PLN_SEED_FILE to the customers.yaml to load)"
        )
    data = parse_seed_yaml(path.read_text(encoding="utf-8"))
    return Fixture.parse_obj(floats_as_text(data))
