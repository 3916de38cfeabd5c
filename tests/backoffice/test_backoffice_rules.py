"""The pure rules and the configuration, without HTTP or a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from backoffice_helpers import CUSTOMERS, SEED, idpel_of

from bot.backoffice import rules
from bot.backoffice.records import (
    Customer,
    Unit,
    load_fixture,
)
from bot.backoffice.regulations import DEFAULT_REGULATIONS_FILE, load_regulations

REGULATIONS = load_regulations()
UNITS = {unit.code: unit for unit in SEED.units}


def customer(name: str, **changes) -> Customer:
    return Customer.parse_obj({**CUSTOMERS[idpel_of(name)].dict(), **changes})


def test_regulations_cite_their_sources():
    for section in ("connection_fee", "vat", "stamp_duty", "initial_token", "service_level",
                    "power_steps", "tariff", "sop"):
        assert getattr(REGULATIONS, section).source.strip()


def test_regulated_figures():
    assert [b.rate_rp_per_va for b in REGULATIONS.connection_fee.bands] == [937, 969, 775]
    assert REGULATIONS.vat.rate == Decimal("0.11") and REGULATIONS.vat.above_va == 6600
    assert REGULATIONS.stamp_duty.amount_rp == 10000
    assert REGULATIONS.stamp_duty.due_above_rp == 5_000_000
    assert (REGULATIONS.initial_token.min_rp, REGULATIONS.initial_token.max_rp) == (5000, 1_000_000)
    assert REGULATIONS.sop.max_power_va == 197000
    assert REGULATIONS.sop.registration_validity_days == 30


def test_regulations_file_from_environment(tmp_path, monkeypatch):
    data = yaml.safe_load(DEFAULT_REGULATIONS_FILE.read_text())
    data["stamp_duty"]["amount_rp"] = 12000
    other = tmp_path / "regulations.yaml"
    other.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("PLN_REGULATIONS_FILE", str(other))
    changed = load_regulations()
    assert changed.stamp_duty.amount_rp == 12000
    cv = customer("CV Maju")
    assert rules.quote(changed, cv, UNITS[cv.unit], 66000).total_rp == 12_597_000 + 12000


def test_missing_regulations_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="regulations file not found"):
        load_regulations(tmp_path / "nope.yaml")


@pytest.mark.parametrize("power,expected", [(450, "R-1"), (2200, "R-1"), (3500, "R-2"),
                                            (5500, "R-2"), (6600, "R-3"), (197000, "R-3")])
def test_household_classes(power, expected):
    assert rules.tariff_class(REGULATIONS, "R", power) == expected


@pytest.mark.parametrize("category,power,expected", [
    ("B", 5500, "B-1"), ("B", 6600, "B-2"), ("I", 13900, "I-1"), ("I", 16500, "I-2"),
    ("S", 197000, "S-1"), ("P", 6600, "P-1"), ("B", 250000, None)])
def test_other_classes(category, power, expected):
    assert rules.tariff_class(REGULATIONS, category, power) == expected


def test_non_standard_target_gets_the_nearest_steps():
    check = rules.check_power_change(REGULATIONS, customer("Budi"), 3000)
    assert not check.standard and not check.allowed
    assert (check.nearest_below_va, check.nearest_above_va) == (2200, 3500)
    assert "bukan daya standar" in check.problems[0]


def test_three_phase_customer_steps_are_three_phase():
    check = rules.check_power_change(REGULATIONS, customer("PT Sinar"), 15000)
    assert (check.nearest_below_va, check.nearest_above_va) == (13200, 16500)
    assert not rules.check_power_change(REGULATIONS, customer("Ahmad"), 7700).standard


def test_lower_target_is_a_decrease_routed_elsewhere():
    check = rules.check_power_change(REGULATIONS, customer("Budi"), 900)
    assert not check.higher and check.route == "not_this_sop"
    assert check.route_reason == "power_decrease"
    assert any("tidak lebih tinggi" in problem for problem in check.problems)


def test_same_power_is_not_higher():
    check = rules.check_power_change(REGULATIONS, customer("Budi"), 1300)
    assert not check.higher and not check.allowed


def test_above_197_kva_is_not_this_sop():
    check = rules.check_power_change(REGULATIONS, customer("CV Maju"), 250000)
    assert check.route == "not_this_sop" and check.route_reason == "above_max_power"


def test_change_of_use_is_not_this_sop():
    check = rules.check_power_change(REGULATIONS, customer("Budi"), 2200, requested_use="usaha")
    assert check.route == "not_this_sop" and check.route_reason == "change_of_use"
    same = rules.check_power_change(REGULATIONS, customer("Budi"), 2200, "Tempat Tinggal")
    assert same.route == "none"


def test_dtks_only_from_450():
    assert rules.check_power_change(REGULATIONS, customer("Sri"), 900).route == "dtks"
    assert rules.check_power_change(REGULATIONS, customer("Sri"), 2200).route == "none"


def test_notification_without_alternative():
    limited = customer("Yusuf", ap2t_limit={"max_va": 1300, "reason": "penuh"})
    notification = rules.ap2t_notification(REGULATIONS, limited, 2200)
    assert notification.alternative_va is None and notification.reason == "penuh"


def test_vat_for_households_above_6600():
    household = customer("Ahmad", phase=3)
    quote = rules.quote(REGULATIONS, household, UNITS[household.unit], 10600)
    assert quote.bp_rp == 4000 * 969
    assert quote.ppn_rp == round(4000 * 969 * 0.11) and quote.ppn_rate == Decimal("0.11")


def test_meterai_threshold_counts_bp_ppn_and_stroom():
    dewi = customer("Dewi")  # BP 4.263.600
    unit = UNITS[dewi.unit]
    assert rules.quote(REGULATIONS, dewi, unit, 6600, 736400).meterai_rp == 0  # exactly 5 juta
    assert rules.quote(REGULATIONS, dewi, unit, 6600, 736401).meterai_rp == 10000


def test_ppj_band_by_new_power():
    unit: Unit = UNITS["54110"]
    assert rules.ppj_rate(unit, 2200) == Decimal("0.024")
    assert rules.ppj_rate(unit, 3500) == Decimal("0.03")
    assert rules.ppj_rate(unit, 6600) == Decimal("0.04")


def test_ppj_split_of_a_real_receipt():
    unit = UNITS["21101"]  # 5%: Rp 20.000 = 19.048 energy + 952 PPJ
    quote = rules.quote(REGULATIONS, customer("Masjid"), unit, 2200, 20000)
    assert (quote.energy_rp, quote.ppj_rp) == (19048, 952)


@pytest.mark.parametrize("stroom,code", [(None, "stroom_awal_required"),
                                         (4999, "stroom_awal_out_of_range"),
                                         (1_000_001, "stroom_awal_out_of_range")])
def test_stroom_awal_checks(stroom, code):
    budi = customer("Budi")
    with pytest.raises(rules.QuoteProblem) as problem:
        rules.quote(REGULATIONS, budi, UNITS[budi.unit], 2200, stroom)
    assert problem.value.code == code


def test_postpaid_refuses_stroom_awal():
    siti = customer("Siti")
    with pytest.raises(rules.QuoteProblem):
        rules.quote(REGULATIONS, siti, UNITS[siti.unit], 3500, 20000)


def test_long_service_line_without_network_flags_counts_as_jtr():
    long_line = customer("PT Sinar", network={"sr_length_m": 45, "needs_jtr": False,
                                              "needs_jtm": False})
    level = rules.service_level(REGULATIONS, long_line, 23000)
    assert (level.days, level.reason) == (15, "jtr")


def test_one_phase_without_phase_change_ignores_the_network():
    assert rules.service_level(REGULATIONS, customer("Rudi"), 4400).days == 5


def test_fixture_applicant_address_is_whole():
    assert SEED.applicants[0].address == "Jl. Raya Soreang No. 15, Kabupaten Bandung"


def test_missing_seed_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="PLN_SEED_FILE"):
        load_fixture(tmp_path / "customers.yaml")


def test_inconsistent_seed_is_refused():
    from bot.backoffice.records import Fixture

    data = SEED.dict()
    data["customers"][0]["kelurahan"] = "Atlantis"
    with pytest.raises(ValueError, match="Atlantis"):
        Fixture.parse_obj(data)


def test_masking_of_nested_personal_data():
    from bot.backoffice.masking import mask_personal_data

    masked = mask_personal_data({
        "address": {"street": "Jl. Dago No. 12", "city": "Bandung Utara"},
        "phones": ["081234500101", "0217201234"], "emails": ["budi@gmail.com"],
        "note": "NIK 3273011508850001, hp +62 812-3450-0101, budi@gmail.com",
        "target_va": 2200, "confirmed": True, "name": "Budi Santoso"})
    assert masked["address"] == {"street": "*" * 11 + ". 12", "city": "*" * 9 + "tara"}
    assert masked["phones"] == ["********0101", "******1234"]
    assert masked["emails"] == ["b***@gmail.com"]
    assert "3273011508850001" not in masked["note"] and "812-3450" not in masked["note"]
    assert "budi@gmail.com" not in masked["note"]
    assert (masked["target_va"], masked["confirmed"], masked["name"]) == (2200, True, "Budi Santoso")
