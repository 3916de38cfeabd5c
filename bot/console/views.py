"""What the console shows of a conversation, from its events (Rasa's tracker, as its HTTP
API gives them): the transcript, what was collected (personal fields masked until a CSO
reveals one), and the SOP audit (which of the 22 steps ran, in which order, which were
skipped and why). Framework-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.identifiers import mask, mask_address, mask_email
from bot.redaction import personal_values, redacted
from bot.sop import flow
from bot.sop.flow import Question

# What the CSO sees of the collected data, in this order; the personal ones masked.
FIELDS = (
    ("caller_name", "Penelepon"), ("caller_phone", "Nomor penelepon"),
    ("idpel", "ID pelanggan"), ("customer_name", "Nama pelanggan"),
    ("current_tariff_power", "Daya saat ini"), ("new_tariff_power", "Daya baru"),
    ("total_text", "Total biaya"), ("applicant_role", "Pemohon"),
    ("kecamatan", "Kecamatan"), ("kelurahan", "Kelurahan"),
    ("customer_address", "Alamat"), ("owner_nik", "NIK pemilik"),
    ("applicant_nik", "NIK pemohon"), ("applicant_name", "Nama pemohon"),
    ("applicant_address", "Alamat pemohon"), ("email", "E-mail"),
    ("mobile_phone", "Nomor handphone"), ("registration_number", "Nomor registrasi"),
)
SAID = {flow.OWNER: "pemilik", flow.AUTHORISED: "dikuasakan"}
PERSONAL = {"caller_phone": mask, "customer_address": mask_address, "owner_nik": mask,
            "applicant_nik": mask, "applicant_address": mask_address, "email": mask_email,
            "mobile_phone": mask}

STEP_NAMES = {
    1: "Salam pembuka", 2: "Nama penelepon", 3: "Persyaratan (NIK)", 4: "ID pelanggan, tunggakan",
    5: "Daya dan tarif", 6: "Informasi peruntukan tarif", 7: "Notifikasi AP2T", 8: "Stroom awal",
    9: "Biaya", 10: "Waktu penyambungan", 11: "Dilanjutkan?", 12: "Pemilik / kuasa",
    13: "Nomor handphone", 14: "Verifikasi data", 15: "Simpan, nomor registrasi",
    16: "Dokumen", 17: "Pembayaran", 18: "Informasi jelas?", 19: "SLO / LIT TR",
    20: "Ada lagi?", 21: "Penutup", 22: "Salam keakraban",
}


@dataclass(frozen=True)
class Line:
    who: str  # "pelanggan", "asisten", "cso"
    text: str
    at: str  # HH:MM:SS


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    shown: str
    personal: bool


@dataclass(frozen=True)
class StepAudit:
    step: int
    name: str
    ran: bool
    order: int | None  # the position in which it ran
    note: str  # why it was skipped, or what happened


def _time(event: Mapping[str, Any]) -> str:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.timezone(dt.timedelta(hours=7))).strftime("%H:%M:%S")


def transcript(events: Sequence[Mapping[str, Any]]) -> list[Line]:
    """Who said what, with the conversation's NIKs, phone numbers, e-mails and addresses
    masked (a CSO reveals one in the collected data, audited)."""
    personal = personal_values(events)

    def masked(text: Any) -> str:
        return redacted({"text": str(text)}, personal)["text"]

    lines = []
    for event in events:
        text = event.get("text")
        if event.get("event") == "user" and text and not str(text).startswith("/"):
            lines.append(Line("pelanggan", masked(text), _time(event)))
        elif event.get("event") == "bot" and text:
            cso = (event.get("metadata") or {}).get("cso")
            lines.append(Line(f"cso ({cso})" if cso else "asisten", masked(text), _time(event)))
    return lines


def slots_of(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            slots[event.get("name")] = event.get("value")
        elif event.get("event") == "restart":
            slots.clear()
    return slots


def collected(slots: Mapping[str, Any], revealed: frozenset[str] = frozenset()) -> list[Field]:
    fields = []
    for name, label in FIELDS:
        value = slots.get(name)
        if value in (None, ""):
            continue
        masker = PERSONAL.get(name)
        shown = str(value) if masker is None or name in revealed else (masker(str(value)) or "")
        shown = SAID.get(shown, shown)
        fields.append(Field(name, label, shown, masker is not None))
    return fields


def sop_audit(events: Sequence[Mapping[str, Any]]) -> list[StepAudit]:
    """The 22 steps as a QA officer scores a call: the steps the conversation went
    through (from the questions asked and what the assistant did), in order, and for the
    others why they did not run."""
    order: list[int] = []

    def ran(step: int) -> None:
        if step not in order:
            order.append(step)

    slots: dict[str, Any] = {}
    for event in events:
        kind = event.get("event")
        if kind == "bot" and len(order) == 0:
            ran(1)
        if kind == "slot":
            slots[event.get("name")] = event.get("value")
            if event.get("name") == "requested_slot" and event.get("value"):
                ran(flow.step_of(event["value"]))
            if event.get("name") == "registration_number" and event.get("value"):
                for step in (15, 16, 17):
                    ran(step)
            if event.get("name") == "total_text" and event.get("value"):
                for step in (9, 10):
                    ran(step)
            if event.get("name") == "idpel" and event.get("value"):
                ran(6)  # the arrears are checked as the customer is found
        if kind == "action" and event.get("name") == "utter_closing":
            ran(21)
        if kind == "action" and event.get("name") == "utter_intimacy":
            ran(22)
    ending, step_ended = slots.get("sop_ending"), slots.get("sop_step")
    context = flow.Context(caller_known=bool(slots.get("caller_known")),
                           caller_phone_kind=slots.get("caller_phone_kind"),
                           prepaid=slots.get("prepaid"),
                           ap2t_notification=bool(slots.get("ap2t_notification")))
    answers = {q.value: slots.get(q.value) for q in Question}
    applicable = {flow.SOP_STEP[q] for q in flow.applicable_questions(answers, context)
                  if q in flow.SOP_STEP}
    audit = []
    for step in range(1, 23):
        if step in order:
            note = ""
            if ending and step == step_ended:
                note = f"berakhir di sini: {slots.get('sop_reason') or ending}"
            audit.append(StepAudit(step, STEP_NAMES[step], True, order.index(step) + 1, note))
            continue
        if ending and step_ended and step > int(step_ended):
            why = f"tidak sampai: permohonan berakhir di langkah {step_ended} ({ending})"
        elif step == 2 and context.caller_known:
            why = "tidak perlu: nama penelepon dari CRM"
        elif step == 8 and slots.get("prepaid") is False:
            why = "tidak berlaku: pelanggan pascabayar"
        elif step == 7 and not context.ap2t_notification:
            why = "tidak berlaku: AP2T tidak memberi notifikasi"
        elif step in flow.SOP_STEP.values() and step not in applicable:
            why = "tidak berlaku untuk jalur percakapan ini"
        else:
            why = "belum dijalankan"
        audit.append(StepAudit(step, STEP_NAMES[step], False, None, why))
    return audit


def hand_back_choices() -> list[tuple[str, str]]:
    """(question, "step N: label") for the questions a conversation can resume at."""
    labels = {Question.CUSTOMER_NUMBER: "ID pelanggan", Question.TARGET_POWER: "daya",
              Question.STROOM_AWAL: "stroom awal", Question.PROCEED: "dilanjutkan?",
              Question.APPLICANT_ROLE: "pemilik / kuasa", Question.OWNER_NIK: "NIK pemilik",
              Question.EMAIL: "e-mail", Question.MOBILE_PHONE: "nomor handphone",
              Question.DATA_CONFIRMED: "verifikasi data"}
    return [(q.value, f"langkah {flow.SOP_STEP[q]}: {label}") for q, label in labels.items()]


def questions_from(question: str) -> list[str]:
    """The question and every one after it in SOP order: what a hand back asks again."""
    values = [q.value for q in Question]
    return values[values.index(question):] if question in values else []


UNITS = (("hari", 86400), ("jam", 3600), ("menit", 60), ("detik", 1))


def duration(seconds: float, smallest: str = "menit") -> str:
    """A time span as people say it: its two largest units, down to ``smallest``
    ("2 jam 5 menit", "10 hari 17 jam", "7 menit 30 detik"); under one ``smallest`` unit,
    "kurang dari 1 menit" (or "0 detik")."""
    names = [name for name, _size in UNITS]
    units = UNITS[:names.index(smallest) + 1]
    left, parts = round(max(0.0, seconds)), []
    for name, size in units:
        count, left = divmod(left, size)
        if count or parts:
            parts.append((count, name))
    said = [f"{count} {name}" for count, name in parts[:2] if count]
    if said:
        return " ".join(said)
    return "0 detik" if smallest == "detik" else f"kurang dari 1 {smallest}"
