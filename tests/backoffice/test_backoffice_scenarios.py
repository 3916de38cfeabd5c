"""Every figure of the fixture's scenarios, checked through the HTTP API."""

from __future__ import annotations

import pytest
from backoffice_helpers import idpel_of

# (customer, target VA, stroom awal, field, expected): one case per scenario figure.
QUOTE_FIGURES = [
    ("Budi", 2200, 50000, "bp_rp", 843300),
    ("Budi", 2200, 50000, "ppj_rp", 1456),
    ("Budi", 2200, 50000, "ppj_rate", 0.03),
    ("Budi", 2200, 50000, "ppn_rp", 0),
    ("Budi", 2200, 50000, "meterai_rp", 0),
    ("Budi", 2200, 50000, "total_rp", 893300),
    ("Budi", 3500, 50000, "bp_rp", 2131800),
    ("Siti", 3500, None, "bp_rp", 1259700),
    ("Siti", 3500, None, "total_rp", 1259700),
    ("Sri", 1300, 20000, "bp_rp", 796450),
    ("Hendra", 6600, 20000, "bp_rp", 1065900),
    ("Hendra", 6600, 20000, "ppn_rp", 0),
    ("Hendra", 6600, 20000, "ppj_rate", 0.04),
    ("CV Maju", 66000, None, "bp_rp", 12597000),
    ("CV Maju", 66000, None, "meterai_rp", 10000),
    ("CV Maju", 66000, None, "ppn_rp", 0),
    ("CV Maju", 66000, None, "total_rp", 12607000),
    ("Dewi", 6600, 100000, "bp_rp", 4263600),
    ("Dewi", 6600, 100000, "meterai_rp", 0),
    ("Dewi", 6600, 100000, "total_rp", 4363600),
    ("Rudi", 6600, 20000, "bp_rp", 3003900),
    ("Rina", 2200, 20000, "bp_rp", 843300),
    ("Toko", 4400, 20000, "bp_rp", 2131800),
    ("PT Sinar", 23000, None, "bp_rp", 9496200),
    ("PT Sinar", 23000, None, "meterai_rp", 10000),
    ("PT Sinar", 23000, None, "total_rp", 9506200),
    ("Masjid", 2200, 50000, "bp_rp", 843300),
    ("Masjid", 2200, 50000, "ppj_rate", 0.05),
]


@pytest.mark.parametrize("name,target,stroom,field,expected", QUOTE_FIGURES)
def test_quote_figure(read_only_api, name, target, stroom, field, expected):
    params = {"target_va": target}
    if stroom is not None:
        params["stroom_awal_rp"] = stroom
    response = read_only_api.get(f"/ap2t/customers/{idpel_of(name)}/quote", params=params)
    assert response.status_code == 200, response.text
    assert response.json()[field] == expected


def test_quote_parts_add_up(read_only_api):
    quote = read_only_api.get(f"/ap2t/customers/{idpel_of('Budi')}/quote",
                    params={"target_va": 2200, "stroom_awal_rp": 50000}).json()
    assert quote["energy_rp"] + quote["ppj_rp"] == quote["stroom_awal_rp"] == 50000
    assert quote["total_rp"] == (quote["bp_rp"] + quote["ppn_rp"] + quote["meterai_rp"]
                                 + quote["stroom_awal_rp"])


SERVICE_LEVELS = [
    ("Budi", 2200, 5, "no_phase_change"),
    ("Siti", 3500, 5, "no_phase_change"),
    ("Hendra", 6600, 5, "sr_within_30m"),
    ("CV Maju", 66000, 15, "jtr"),
    ("Dewi", 6600, 15, "jtr"),
    ("Rudi", 6600, 25, "jtm"),
    ("PT Sinar", 23000, 5, "sr_within_30m"),
]


@pytest.mark.parametrize("name,target,days,reason", SERVICE_LEVELS)
def test_service_level(read_only_api, name, target, days, reason):
    response = read_only_api.get(f"/ap2t/customers/{idpel_of(name)}/service-level",
                       params={"target_va": target})
    assert response.status_code == 200, response.text
    assert response.json()["days"] == days
    assert response.json()["reason"] == reason


# (customer, target, field, expected)
POWER_CHANGE_FIGURES = [
    ("Budi", 2200, "new_tariff", "R-1"),
    ("Budi", 2200, "route", "none"),
    ("Budi", 3500, "new_tariff", "R-2"),
    ("Siti", 3500, "new_tariff", "R-2"),
    ("Sri", 900, "route", "dtks"),
    ("Sri", 1300, "route", "none"),
    ("Hendra", 7700, "route", "r3"),
    ("Hendra", 6600, "route", "none"),
    ("Hendra", 6600, "new_tariff", "R-3"),
    ("Hendra", 6600, "phase_change", True),
    ("Dewi", 6600, "phase_change", True),
    ("Rudi", 6600, "phase_change", True),
    ("CV Maju", 105000, "route", "b2_i2"),
    ("CV Maju", 66000, "route", "none"),
    ("CV Maju", 66000, "new_tariff", "B-2"),
    ("CV Maju", 66000, "use", "usaha"),
    ("Ahmad", 10600, "route", "r3"),
    ("Toko", 4400, "new_tariff", "B-1"),
    ("Toko", 4400, "use", "usaha"),
    ("PT Sinar", 23000, "new_tariff", "I-2"),
    ("PT Sinar", 23000, "route", "none"),
    ("PT Sinar", 23000, "use", "industri"),
    ("Masjid", 2200, "new_tariff", "S-1"),
    ("Masjid", 2200, "use", "sosial"),
    ("Budi", 2200, "use", "tempat tinggal"),
    ("Budi", 2200, "allowed", True),
    ("Sri", 900, "allowed", False),
]


@pytest.mark.parametrize("name,target,field,expected", POWER_CHANGE_FIGURES)
def test_power_change_figure(read_only_api, name, target, field, expected):
    response = read_only_api.get(f"/ap2t/customers/{idpel_of(name)}/power-change",
                       params={"target_va": target})
    assert response.status_code == 200, response.text
    assert response.json()[field] == expected


@pytest.mark.parametrize("target", [3500, 4400, 5500, 6600, 10600])
def test_yusuf_notification_above_2200_offers_2200(read_only_api, target):
    check = read_only_api.get(f"/ap2t/customers/{idpel_of('Yusuf')}/power-change",
                    params={"target_va": target}).json()
    assert check["notification"]["alternative_va"] == 2200
    assert check["notification"]["reason"] == "Kapasitas trafo distribusi di lokasi terbatas"
    assert check["allowed"] is False


def test_yusuf_2200_has_no_notification(read_only_api):
    check = read_only_api.get(f"/ap2t/customers/{idpel_of('Yusuf')}/power-change",
                    params={"target_va": 2200}).json()
    assert check["notification"] is None and check["allowed"] is True


def test_arrears_of_agus(read_only_api):
    body = read_only_api.get(f"/ap2t/customers/{idpel_of('Agus')}/arrears").json()
    assert body == {"idpel": idpel_of("Agus"), "amount_rp": 356200, "months": 2}


def test_no_arrears_for_budi(read_only_api):
    assert read_only_api.get(f"/ap2t/customers/{idpel_of('Budi')}/arrears").json()["amount_rp"] == 0


def test_rudi_unit_has_no_lit_tr(read_only_api):
    assert read_only_api.get(f"/ap2t/customers/{idpel_of('Rudi')}/lit-tr").json() == []


def test_lit_tr_of_bandung(read_only_api):
    names = [item["name"] for item in read_only_api.get(f"/ap2t/customers/{idpel_of('Budi')}/lit-tr").json()]
    assert names == ["PT Inspeksi Listrik Nusantara", "CV Laik Operasi Parahyangan"]


def test_areas_of_the_unit(read_only_api):
    body = read_only_api.get(f"/ap2t/customers/{idpel_of('Budi')}/areas").json()
    assert body["unit_code"] == "53211"
    assert "Dago" in body["areas"]["Coblong"] and "Ledeng" in body["areas"]["Cidadap"]
