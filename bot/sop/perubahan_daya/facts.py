"""Facts the customer gives before they are asked, kept until the SOP needs them.

"Mau naikin daya dari 900 ke 1300, idpelnya 511010000303" at the start, "rumah saya
sendiri, di kecamatan gubeng" at the owner question, an e-mail together with the NIK: each
value that answers a question not asked yet is *noted* (``note``). When the form reaches
that question it takes the noted value as the answer (through the same check as a typed
one) and confirms it, instead of asking (``noted_answer``).

A value for a question already answered is never noted: changing an answer is a
correction, and only the customer's correction makes one (``answers.is_correction``).
The value for the question being asked is the answer itself, not a fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sop.perubahan_daya.flow import AUTHORISED, OWNER, Question

# Which question an entity of the NLU answers. A NIK given early is the caller's own
# ("NIK saya ..."): the owner's when the caller is the owner, the applicant's when
# authorised (``noted_answer``).
FACT_QUESTION: dict[str, Question | None] = {
    "idpel": Question.CUSTOMER_NUMBER,
    "meter_number": Question.CUSTOMER_NUMBER,
    "power_va": Question.TARGET_POWER,
    "amount_rp": Question.STROOM_AWAL,
    "kecamatan": Question.KECAMATAN,
    "kelurahan": Question.KELURAHAN,
    "email": Question.EMAIL,
    "phone": Question.MOBILE_PHONE,
    "nik": None,  # see NIK_QUESTIONS
}
NIK_FACT = "nik"
NIK_QUESTIONS = (Question.OWNER_NIK, Question.APPLICANT_NIK)


# Messages whose figures are no facts about the request: a question ("berapa biaya ke
# 5500?" does not ask for 5.500 VA), gibberish, a cancel.
NOT_STATING = ("ask_", "out_of_scope", "bot_challenge", "cancel", "nlu_fallback")


def _question_of(entity: str) -> tuple[Question, ...]:
    question = FACT_QUESTION.get(entity)
    return NIK_QUESTIONS if question is None else (question,)


def note(noted: Mapping[str, Any] | None, entities: list[Mapping[str, Any]],
         answers: Mapping[str, Any], intent: str | None = None,
         requested: str | None = None) -> dict[str, Any]:
    """``noted`` with the facts of this message added (a later value replaces an earlier
    one): every entity (``{entity, value, start, end}``, the NLU's) that answers a
    question not answered yet, unless the message asks something rather than states it.
    Words that answer the question asked are that answer only: "Tegalsari" at the
    kecamatan question is no kelurahan too."""
    facts = dict(noted or {})
    if intent and intent.startswith(NOT_STATING):
        return facts
    answering = [(e.get("start"), e.get("end")) for e in entities
                 if e.get("entity") in FACT_QUESTION
                 and any(q.value == requested for q in _question_of(e["entity"]))]
    for found in entities:
        entity, value = found.get("entity"), found.get("value")
        if entity not in FACT_QUESTION or value in (None, ""):
            continue
        questions = _question_of(entity)
        # (the answer itself is noted too, and dropped by the form when it reads it)
        if all(q.value != requested for q in questions) and any(
                _overlap((found.get("start"), found.get("end")), span) for span in answering):
            continue  # these words answer the question asked
        if all(answers.get(q.value) is not None for q in questions):
            continue  # answered already: only a correction changes it
        facts[NIK_FACT if entity == NIK_FACT else questions[0].value] = str(value)
    return facts


def _overlap(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    if None in a or None in b:
        return False
    return a[0] < b[1] and b[0] < a[1]


def answered(noted: Mapping[str, Any] | None, question: str) -> dict[str, Any]:
    """``noted`` without what the answer to ``question`` took (its own fact)."""
    facts = dict(noted or {})
    facts.pop(question, None)
    if question in (q.value for q in NIK_QUESTIONS):
        facts.pop(NIK_FACT, None)
    if question == Question.CALLER_PHONE_USABLE.value:
        facts.pop(Question.MOBILE_PHONE.value, None)
    return facts


def noted_answer(question: Question, noted: Mapping[str, Any] | None,
                 role: str | None) -> tuple[str, str] | None:
    """(key in ``noted``, value) of the fact that answers ``question``, if one was noted."""
    noted = noted or {}
    if question.value in noted:
        return question.value, noted[question.value]
    mobile = Question.MOBILE_PHONE.value
    if question is Question.CALLER_PHONE_USABLE and mobile in noted:
        return mobile, noted[mobile]  # a number given: the one to use (step 13b)
    owner_nik = question is Question.OWNER_NIK and role == OWNER
    applicant_nik = question is Question.APPLICANT_NIK and role == AUTHORISED
    if (owner_nik or applicant_nik) and NIK_FACT in noted:
        return NIK_FACT, noted[NIK_FACT]
    return None
