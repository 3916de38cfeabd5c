"""The SOP "Perubahan Daya Reguler s.d. 197 kVA" as the engine runs it (``PERUBAHAN_DAYA``):
its questions and their steps, what applies when (``flow``), the facts given early
(``facts``), the closing's questions, the console audit's step labels and what the
console shows of the answers (``display``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sop.engine import Audit, Facts, Sop
from bot.sop.names import PERUBAHAN_DAYA_FORM
from bot.sop.perubahan_daya import facts, flow
from bot.sop.perubahan_daya.display import DISPLAY
from bot.sop.perubahan_daya.flow import Context, Question

# The 22 steps as a QA officer scores a call.
STEP_NAMES = {
    1: "Salam pembuka", 2: "Nama penelepon", 3: "Persyaratan (NIK)", 4: "ID pelanggan, tunggakan",
    5: "Daya dan tarif", 6: "Informasi peruntukan tarif", 7: "Notifikasi AP2T", 8: "Stroom awal",
    9: "Biaya", 10: "Waktu penyambungan", 11: "Dilanjutkan?", 12: "Pemilik / kuasa",
    13: "Nomor handphone", 14: "Verifikasi data", 15: "Simpan, nomor registrasi",
    16: "Dokumen", 17: "Pembayaran", 18: "Informasi jelas?", 19: "SLO / LIT TR",
    20: "Ada lagi?", 21: "Penutup", 22: "Salam keakraban",
}


def context_of(slots: Mapping[str, Any]) -> Context:
    """What the channel and the back office said, from the conversation's slots."""
    return Context(
        caller_known=bool(slots.get("caller_known")),
        caller_phone_kind=slots.get("caller_phone_kind"),
        prepaid=slots.get("prepaid"),
        ap2t_notification=bool(slots.get("ap2t_notification")),
    )


def why_skipped(step: int, slots: Mapping[str, Any], context: Context) -> str | None:
    """This SOP's reason a step did not run, where it has one."""
    if step == 2 and context.caller_known:
        return "tidak perlu: nama penelepon dari CRM"
    if step == 8 and slots.get("prepaid") is False:
        return "tidak berlaku: pelanggan pascabayar"
    if step == 7 and not context.ap2t_notification:
        return "tidak berlaku: AP2T tidak memberi notifikasi"
    return None


def _noted_answer(question: str, noted: Mapping[str, Any] | None,
                  slots: Mapping[str, Any]) -> tuple[str, str] | None:
    return facts.noted_answer(Question(question), noted, slots.get(Question.APPLICANT_ROLE.value))


PERUBAHAN_DAYA = Sop(
    form=PERUBAHAN_DAYA_FORM,
    questions=tuple(q.value for q in Question),
    steps={q.value: step for q, step in flow.SOP_STEP.items()},
    applicable=flow.applicable_questions,
    context_of=context_of,
    audit=Audit(
        step_names=STEP_NAMES,
        greeting_step=1,
        slot_steps={"registration_number": (15, 16, 17), "total_text": (9, 10),
                    "idpel": (6,)},  # the arrears are checked as the customer is found
        action_steps={"utter_closing": 21, "utter_intimacy": 22},
        skipped=why_skipped),
    depends_on={q.value: tuple(d.value for d in dependants)
                for q, dependants in flow.DEPENDS_ON.items()},
    read_back=Question.DATA_CONFIRMED.value,
    closing_steps=flow.CLOSING_STEP,
    closed_questions=frozenset(q.value for q in flow.CLOSED_QUESTIONS),
    named_in_answer={q.value: frozenset(n.value for n in named)
                     for q, named in flow.NAMED_IN_ANSWER.items()},
    amount_question=flow.AMOUNT_QUESTION.value,
    cancel_answers=flow.CANCEL_ANSWERS,
    implied_by_correction=flow.phone_implied_by_correction,
    facts=Facts(
        entity_questions={entity: q.value if q else None
                          for entity, q in facts.FACT_QUESTION.items()},
        note=facts.note,
        answered=facts.answered,
        noted_answer=_noted_answer),
    hand_back={Question.CUSTOMER_NUMBER.value: "ID pelanggan",
               Question.TARGET_POWER.value: "daya", Question.STROOM_AWAL.value: "stroom awal",
               Question.PROCEED.value: "dilanjutkan?",
               Question.APPLICANT_ROLE.value: "pemilik / kuasa",
               Question.OWNER_NIK.value: "NIK pemilik", Question.EMAIL.value: "e-mail",
               Question.MOBILE_PHONE.value: "nomor handphone",
               Question.DATA_CONFIRMED.value: "verifikasi data"},
    asked_by_action=frozenset(q.value for q in (
        Question.STROOM_AWAL, Question.PROCEED, Question.KECAMATAN, Question.KELURAHAN,
        Question.DATA_CONFIRMED)),
    display=DISPLAY,
    carried=frozenset(q.value for q in flow.CARRIED),
    progress={q.value: label for q, label in flow.PROGRESS.items()},
    verified_by=(Question.CUSTOMER_NUMBER.value, Question.OWNER_NIK.value),
    fees_agreed=Question.PROCEED.value,
)
