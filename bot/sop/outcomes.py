"""How a request ends: the SOP's endings, the reasons a CSO takes over, and the ``Outcome``
an answer leads to (carry on, or end). Shared by every SOP the engine runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# "Two failed attempts at the same question: hand to a CSO" (sop-behaviour.md).
MAX_FAILED_ATTEMPTS = 2


class Ending(str, Enum):
    ISSUED_CLOSED = "issued_closed"  # APKT ticket recorded and closed: information given
    MBL = "mbl"  # APKT escalation "Mohon Bantuan Layanan" to the unit
    CSO_HANDOFF = "cso_handoff"  # a person takes the conversation over
    SAVED = "saved"  # registration saved in AP2T


class HandoffReason(str, Enum):
    ROUTE_DTKS = "route_dtks"
    ROUTE_R3 = "route_r3"
    ROUTE_B2_I2 = "route_b2_i2"
    NOT_THIS_SOP = "not_this_sop"  # above 197 kVA, change of use
    CUSTOMER_ASKED = "customer_asked"
    REPEATED_FAILURES = "repeated_failures"
    BACKOFFICE_UNAVAILABLE = "backoffice_unavailable"
    BACKOFFICE_REFUSED = "backoffice_refused"  # AP2T refused to save what it had allowed
    DIL_UPDATE_FAILED = "dil_update_failed"  # saved, but the DIL mobile (13c) needs a hand
    ASSISTANT_FAILED = "assistant_failed"  # the action server could not run a step
    CALLER_SILENT = "caller_silent"  # on the phone: no answer heard, three times
    CALL_DROPPED = "call_dropped"  # on the phone: hung up before the request was done
    OWNER_NIK_MISMATCH = "owner_nik_mismatch"  # step 12: not the owner's NIK AP2T holds
    OWNER_NIK_HELD = "owner_nik_held"  # step 12: AP2T holds the IDPEL's checks for today


HANDOFF_REASON_TEXT = {
    HandoffReason.ROUTE_DTKS: "Permohonan 450 VA ke 900 VA rumah tangga mengikuti SOP PD DTKS",
    HandoffReason.ROUTE_R3: "Permohonan tarif R3 di atas 6.600 VA mengikuti SOP PD R3",
    HandoffReason.ROUTE_B2_I2: "Permohonan B2/I2 100 kVA s.d. 200 kVA mengikuti SOP B2-I2",
    HandoffReason.NOT_THIS_SOP: "Permohonan di luar SOP Perubahan Daya Reguler s.d. 197 kVA",
    HandoffReason.CUSTOMER_ASKED: "Pelanggan meminta berbicara dengan petugas",
    HandoffReason.REPEATED_FAILURES: "Dua kali gagal menjawab pertanyaan yang sama",
    HandoffReason.BACKOFFICE_UNAVAILABLE: "Aplikasi AP2T/APKT tidak dapat dihubungi",
    HandoffReason.BACKOFFICE_REFUSED: "AP2T menolak menyimpan permohonan",
    HandoffReason.DIL_UPDATE_FAILED: "Pembaruan nomor handphone DIL gagal; mohon diperbarui",
    HandoffReason.ASSISTANT_FAILED: "Gangguan sistem: aksi asisten tidak dapat dijalankan; "
                                    "mohon ditindaklanjuti bila pelanggan tidak melanjutkan",
    HandoffReason.CALLER_SILENT: "Penelepon tidak menjawab tiga kali berturut-turut",
    HandoffReason.CALL_DROPPED: "Panggilan terputus sebelum permohonan selesai; mohon "
                                "pelanggan dihubungi kembali",
    HandoffReason.OWNER_NIK_MISMATCH: "NIK pemilik yang disebutkan dua kali tidak sesuai data "
                                      "pelanggan di AP2T; penelepon bukan pemilik terdaftar",
    HandoffReason.OWNER_NIK_HELD: "Pemeriksaan NIK pemilik untuk ID pelanggan ini ditahan "
                                  "AP2T karena terlalu banyak NIK salah hari ini; mohon "
                                  "verifikasi identitas oleh petugas",
}


@dataclass(frozen=True)
class Outcome:
    """Carry on (``ending`` None) or end the request; ``reason`` goes on the APKT ticket."""

    ending: Ending | None = None
    reason: str | None = None
    sop_step: int | None = None
    handoff: HandoffReason | None = None
    details: dict = field(default_factory=dict)

    @property
    def carries_on(self) -> bool:
        return self.ending is None


CARRY_ON = Outcome()


def issued_closed(reason: str, step: int, **details: Any) -> Outcome:
    return Outcome(Ending.ISSUED_CLOSED, reason, step, details=details)


def hand_over(why: HandoffReason, step: int, **details: Any) -> Outcome:
    return Outcome(Ending.CSO_HANDOFF, HANDOFF_REASON_TEXT[why], step, why, details)


def after_call_ended(ending: str | None, requesting: bool, step: int) -> Outcome | None:
    """A phone call that ended (the caller hung up): a request begun (the SOP's form
    active) and not concluded goes to a CSO to call back, at the ``step`` reached;
    otherwise there is nothing to record."""
    if ending is not None or not requesting:
        return None
    return hand_over(HandoffReason.CALL_DROPPED, step)


def after_failed_attempt(failures: int, question: str | None, step: int) -> Outcome | None:
    """The hand-over once ``question`` (at ``step``) has failed ``MAX_FAILED_ATTEMPTS``
    times in a row."""
    if failures < MAX_FAILED_ATTEMPTS:
        return None
    return hand_over(HandoffReason.REPEATED_FAILURES, step, question=question)


def cancelled(step: int) -> Outcome:
    """"Batal", confirmed: Issued Closed at the step the customer was at."""
    return issued_closed("Pelanggan membatalkan permohonan", step, cancelled=True)
