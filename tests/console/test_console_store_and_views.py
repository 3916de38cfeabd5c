"""The console's records (accounts, sessions, who holds a case, the audit) and what its
pages show of a conversation's events."""

import pytest

from bot.console import views
from bot.console.store import CLOSED, HANDED_BACK, Conflict, ConsoleStore
from bot.sop.perubahan_daya import PERUBAHAN_DAYA


@pytest.fixture()
def store(tmp_path):
    return ConsoleStore(tmp_path / "console.sqlite3")


def test_passwords_are_hashed_and_checked(store, tmp_path):
    store.add_user("sari", "sandi-rahasia-123")
    import sqlite3
    (stored,) = sqlite3.connect(tmp_path / "console.sqlite3").execute(
        "SELECT password_hash FROM users").fetchone()
    assert stored.startswith(b"$2b$") and b"sandi-rahasia-123" not in stored  # bcrypt
    assert store.sign_in("sari", "salah") is None and store.sign_in("nobody", "x") is None
    session = store.sign_in("sari", "sandi-rahasia-123")
    assert store.session(session.token) == session and len(session.csrf) >= 32
    store.sign_out(session.token)
    assert store.session(session.token) is None
    with pytest.raises(ValueError):
        store.add_user("joko", "short")


def test_a_case_is_one_csos_until_it_is_handed_back_or_closed(store):
    store.take("T1", "sari")
    store.take("T1", "sari")  # taking again is harmless
    with pytest.raises(Conflict):
        store.take("T1", "joko")
    with pytest.raises(Conflict):
        store.finish("T1", "joko", CLOSED)
    store.finish("T1", "sari", HANDED_BACK)
    with pytest.raises(Conflict):
        store.take("T1", "sari")  # over
    assert store.cases() == {"T1": ("sari", HANDED_BACK)}


def test_reveals_are_audited(store):
    store.audit("sari", "T1", "telegram:1", "reveal", "owner_nik")
    (entry,) = store.audit_log("T1")
    assert (entry["user"], entry["action"], entry["field"]) == ("sari", "reveal", "owner_nik")


EVENTS = [
    {"event": "action", "name": "action_listen", "timestamp": 1764558000.0},
    {"event": "user", "text": "mau tambah daya", "timestamp": 1764558001.0},
    {"event": "bot", "text": "PLN 123 selamat pagi", "timestamp": 1764558002.0},
    {"event": "slot", "name": "caller_known", "value": True},
    {"event": "slot", "name": "prepaid", "value": False},
    {"event": "slot", "name": "requested_slot", "value": "nik_ready"},
    {"event": "slot", "name": "requested_slot", "value": "customer_number"},
    {"event": "slot", "name": "idpel", "value": "532110000101"},
    {"event": "slot", "name": "requested_slot", "value": "target_power_va"},
    {"event": "slot", "name": "owner_nik", "value": "3273011508850001"},
    {"event": "slot", "name": "customer_address", "value": "Jl. Dago No. 12, Bandung"},
    {"event": "user", "text": "/caller_silent"},
    {"event": "bot", "text": "Halo Pak", "metadata": {"cso": "sari"}},
    {"event": "slot", "name": "sop_ending", "value": "cso_handoff"},
    {"event": "slot", "name": "sop_step", "value": 5},
    {"event": "slot", "name": "sop_reason", "value": "Pelanggan meminta berbicara dengan petugas"},
]


def test_the_transcript_names_who_spoke_and_leaves_out_channel_events():
    lines = views.transcript(EVENTS)
    assert [(line.who, line.text) for line in lines] == [
        ("pelanggan", "mau tambah daya"), ("asisten", "PLN 123 selamat pagi"),
        ("cso (sari)", "Halo Pak")]
    assert lines[0].at == "10:00:01"  # WIB


def test_the_transcript_masks_personal_data():
    events = [*EVENTS, {"event": "user", "text": "nik saya 3273011508850001, alamat Jl. Dago "
                                                  "No. 12, Bandung"}]
    said = views.transcript(events)[-1].text
    assert "3273011508850001" not in said and "Jl. Dago No. 12" not in said
    assert "************0001" in said


def test_personal_fields_are_masked_until_revealed():
    slots = views.slots_of(EVENTS)
    shown = {f.name: f.shown for f in views.collected(slots, PERUBAHAN_DAYA)}
    assert shown["owner_nik"] == "************0001"
    assert shown["customer_address"] == "J*. D*** N*. **, Bandung"
    assert shown["idpel"] == "532110000101"  # not personal: said at step 4
    revealed = {f.name: f.shown for f in views.collected(slots, PERUBAHAN_DAYA, frozenset({"owner_nik"}))}
    assert revealed["owner_nik"] == "3273011508850001"
    assert "owner_nik" in views.personal_fields(PERUBAHAN_DAYA)
    assert "idpel" not in views.personal_fields(PERUBAHAN_DAYA)


def test_the_sop_audit_scores_the_22_steps():
    audit = {a.step: a for a in views.sop_audit(EVENTS, PERUBAHAN_DAYA)}
    assert len(audit) == 22
    assert [s for s in sorted(audit, key=lambda s: audit[s].order or 99) if audit[s].ran] == [
        1, 3, 4, 6, 5]
    assert "berakhir di sini" in audit[5].note
    assert audit[2].note == "tidak perlu: nama penelepon dari CRM"
    assert audit[14].note.startswith("tidak sampai: permohonan berakhir di langkah 5")


def test_a_hand_back_asks_the_chosen_question_and_every_later_one_again():
    assert PERUBAHAN_DAYA.questions_from("mobile_phone") == ["mobile_phone", "data_confirmed"]
    assert PERUBAHAN_DAYA.questions_from("nonsense") == []
    assert ("owner_nik", "langkah 12: NIK pemilik") in PERUBAHAN_DAYA.hand_back_choices()


def test_the_sop_audit_names_arrears_at_step_4_and_the_tariff_information_at_step_6():
    audit = {a.step: a for a in views.sop_audit(EVENTS, PERUBAHAN_DAYA)}
    assert "tunggakan" in audit[4].name.lower()
    assert audit[6].name == "Informasi peruntukan tarif"
