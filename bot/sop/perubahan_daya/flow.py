"""What the assistant asks next, and how each answer ends or carries on the SOP.

The questions are named by ``Question`` (the Rasa slots use the same names), each at its
step of the SOP (``SOP_STEP``). Given what has been answered and what the back office said
(``Context``), ``applicable_questions`` lists, in SOP order, every question that applies.
The ``after_*`` functions turn an answer into an ``Outcome`` (``bot.sop.outcomes``): carry
on, or end the request in one of the SOP's ways (APKT Issued Closed, MBL escalation,
hand-over to a CSO, saved registration). ``PERUBAHAN_DAYA`` (this package) is the SOP as
the engine runs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.sop.outcomes import (
    CARRY_ON,
    Ending,
    HandoffReason,
    Outcome,
    hand_over,
    issued_closed,
)


class Question(str, Enum):
    CALLER_NAME = "caller_name"  # step 2, only when the CRM does not know the caller
    NIK_READY = "nik_ready"  # step 3
    CUSTOMER_NUMBER = "customer_number"  # step 4: IDPEL or meter number
    TARGET_POWER = "target_power_va"  # step 5
    TARIFF_CONFIRMED = "tariff_confirmed"  # step 5: "... peruntukan untuk tempat tinggal ya?"
    ACCEPT_ALTERNATIVE = "accept_alternative"  # step 7, only after an AP2T notification
    STROOM_AWAL = "stroom_awal_rp"  # step 8, prepaid only
    PROCEED = "proceed"  # step 11
    DECLINER_IS_OWNER = "decliner_is_owner"  # step 11b: owner or authorised (when not going on)
    APPLICANT_ROLE = "applicant_role"  # step 12: owner | authorised
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    OWNER_NIK = "owner_nik"
    APPLICANT_NIK = "applicant_nik"  # authorised only
    APPLICANT_NAME = "applicant_name"
    APPLICANT_ADDRESS = "applicant_address"
    EMAIL = "email"  # owner (step 12a), and owner who does not go on (step 11b)
    CALLER_PHONE_USABLE = "caller_phone_usable"  # step 13b: caller ID is a mobile
    MOBILE_PHONE = "mobile_phone"  # step 13a/13b
    DATA_CONFIRMED = "data_confirmed"  # step 14


SOP_STEP = {
    Question.CALLER_NAME: 2, Question.NIK_READY: 3, Question.CUSTOMER_NUMBER: 4,
    Question.TARGET_POWER: 5, Question.TARIFF_CONFIRMED: 5, Question.ACCEPT_ALTERNATIVE: 7,
    Question.STROOM_AWAL: 8, Question.PROCEED: 11, Question.DECLINER_IS_OWNER: 11,
    Question.APPLICANT_ROLE: 12, Question.KECAMATAN: 12, Question.KELURAHAN: 12,
    Question.OWNER_NIK: 12, Question.APPLICANT_NIK: 12, Question.APPLICANT_NAME: 12,
    Question.APPLICANT_ADDRESS: 12, Question.EMAIL: 12, Question.CALLER_PHONE_USABLE: 13,
    Question.MOBILE_PHONE: 13, Question.DATA_CONFIRMED: 14,
}

# The answers a request carries to another channel (bot.sop.continuation): none is
# personal data (the NIKs, the applicant's name and address, the e-mail and the phone are
# asked again), and the caller's name and phone belong to the new channel.
CARRIED = (Question.NIK_READY, Question.CUSTOMER_NUMBER, Question.TARGET_POWER,
           Question.TARIFF_CONFIRMED, Question.ACCEPT_ALTERNATIVE, Question.STROOM_AWAL,
           Question.PROCEED, Question.DECLINER_IS_OWNER, Question.APPLICANT_ROLE,
           Question.KECAMATAN, Question.KELURAHAN)

# The step a request stopped at, as the customer reads it ("... belum selesai (sampai
# pilihan daya, ...)"), by the open question.
PROGRESS = {
    Question.CALLER_NAME: "nama", Question.NIK_READY: "persiapan NIK",
    Question.CUSTOMER_NUMBER: "ID pelanggan", Question.TARGET_POWER: "daya yang diinginkan",
    Question.TARIFF_CONFIRMED: "konfirmasi daya dan tarif",
    Question.ACCEPT_ALTERNATIVE: "daya alternatif", Question.STROOM_AWAL: "stroom awal",
    Question.PROCEED: "persetujuan biaya", Question.DECLINER_IS_OWNER: "data pemilik",
    Question.APPLICANT_ROLE: "data pemilik", Question.KECAMATAN: "kecamatan",
    Question.KELURAHAN: "kelurahan", Question.OWNER_NIK: "NIK pemilik",
    Question.APPLICANT_NIK: "NIK pemohon", Question.APPLICANT_NAME: "nama pemohon",
    Question.APPLICANT_ADDRESS: "alamat pemohon", Question.EMAIL: "alamat email",
    Question.CALLER_PHONE_USABLE: "nomor handphone", Question.MOBILE_PHONE: "nomor handphone",
    Question.DATA_CONFIRMED: "konfirmasi data",
}

# The closing questions (closing_form), outside the request's questions.
INFO_CLEAR, LSP_WANTED, LIT_TR_CHOICE, MORE_HELP = (
    "info_clear", "lsp_wanted", "lit_tr_choice", "more_help")
CLOSING_STEP = {INFO_CLEAR: 18, LSP_WANTED: 19, LIT_TR_CHOICE: 19, MORE_HELP: 20}

# Steps that are no question of the form: the cost and service level told before
# "dilanjutkan?", the save, the closing.
STEP_COST = 9
STEP_SAVE = 15
STEP_CLOSING = 20

# An unknown IDPEL "at most 2 retries" (step 4).
MAX_UNKNOWN_NUMBERS = 3


def closing_questions(saved: bool, lsp_available: bool,
                      lsp_wanted: bool | None = None) -> list[str]:
    """Steps 18-20: "sudah jelas?" after a saved request (its answer brings the SLO advice,
    19a); where the unit offers Layanan Satu Pintu (LIT TR partners, not Super WOW) the
    offer, and only for a customer who wants it the LIT TR choice (19c); "ada lagi?"."""
    questions = []
    if saved:
        questions.append(INFO_CLEAR)
        if lsp_available:
            questions.append(LSP_WANTED)
            if lsp_wanted:
                questions.append(LIT_TR_CHOICE)
    return [*questions, MORE_HELP]


OWNER = "owner"
AUTHORISED = "authorised"


@dataclass(frozen=True)
class Context:
    """What the channel and the back office said, which shapes the questions."""

    caller_known: bool = False  # the CRM popped up a name for the caller's number
    caller_phone_kind: str | None = None  # "mobile" | "pstn" | None (unknown or none)
    prepaid: bool | None = None  # known once the customer is found
    ap2t_notification: bool = False  # AP2T refused the target and offered an alternative


def applicable_questions(answers: Mapping[str, Any], context: Context) -> list[Question]:
    """Every question that applies to this conversation, in SOP order, answered or not.
    An answer of None is "not asked yet"; branches follow the answers given so far."""
    wanted: list[Question] = []
    if not context.caller_known:
        wanted.append(Question.CALLER_NAME)
    wanted += [Question.NIK_READY, Question.CUSTOMER_NUMBER, Question.TARGET_POWER,
               Question.TARIFF_CONFIRMED]
    if context.ap2t_notification:
        wanted.append(Question.ACCEPT_ALTERNATIVE)
    if context.prepaid is not False:  # asked for prepaid; unknown until the lookup
        wanted.append(Question.STROOM_AWAL)
    wanted.append(Question.PROCEED)
    if answers.get(Question.PROCEED.value) is False:
        wanted.append(Question.DECLINER_IS_OWNER)
        if answers.get(Question.DECLINER_IS_OWNER.value) is True:
            wanted.append(Question.EMAIL)
        return wanted
    wanted += [Question.APPLICANT_ROLE, Question.KECAMATAN, Question.KELURAHAN,
               Question.OWNER_NIK]
    role = answers.get(Question.APPLICANT_ROLE.value)
    if role == AUTHORISED:
        wanted += [Question.APPLICANT_NIK, Question.APPLICANT_NAME, Question.APPLICANT_ADDRESS]
    elif role == OWNER:
        wanted.append(Question.EMAIL)
    # A mobile number already given answers step 13, even if a caller ID came later (a
    # Telegram customer who shares their own contact at 13a is not asked 13b after it).
    phone_given_at_13a = (answers.get(Question.MOBILE_PHONE.value) is not None
                          and answers.get(Question.CALLER_PHONE_USABLE.value) is None)
    if context.caller_phone_kind == "mobile" and not phone_given_at_13a:
        wanted.append(Question.CALLER_PHONE_USABLE)
        if answers.get(Question.CALLER_PHONE_USABLE.value) is False:
            wanted.append(Question.MOBILE_PHONE)
    else:  # a landline, or no caller ID at all: ask for a mobile (step 13a)
        wanted.append(Question.MOBILE_PHONE)
    wanted.append(Question.DATA_CONFIRMED)
    return wanted


# What depends on what: changing an answer clears only the answers that depend on it.
DEPENDS_ON: dict[Question, tuple[Question, ...]] = {
    Question.CUSTOMER_NUMBER: (Question.TARGET_POWER, Question.TARIFF_CONFIRMED,
                               Question.ACCEPT_ALTERNATIVE, Question.STROOM_AWAL,
                               Question.PROCEED, Question.KECAMATAN, Question.KELURAHAN,
                               Question.DATA_CONFIRMED),
    Question.TARGET_POWER: (Question.TARIFF_CONFIRMED, Question.ACCEPT_ALTERNATIVE,
                            Question.PROCEED, Question.DATA_CONFIRMED),
    Question.STROOM_AWAL: (Question.PROCEED, Question.DATA_CONFIRMED),
    Question.APPLICANT_ROLE: (Question.APPLICANT_NIK, Question.APPLICANT_NAME,
                              Question.APPLICANT_ADDRESS, Question.EMAIL,
                              Question.DATA_CONFIRMED),
    Question.KECAMATAN: (Question.KELURAHAN, Question.DATA_CONFIRMED),
}


# --- outcomes ----------------------------------------------------------------------------

ROUTE_HANDOFF = {
    "dtks": HandoffReason.ROUTE_DTKS,
    "r3": HandoffReason.ROUTE_R3,
    "b2_i2": HandoffReason.ROUTE_B2_I2,
    "not_this_sop": HandoffReason.NOT_THIS_SOP,
}


MAX_OWNER_NIK_MISMATCHES = 2


def after_owner_nik_mismatch(mismatches: int) -> Outcome | None:
    """Step 12: the owner's NIK given is not the one AP2T holds for the customer. Asked
    once more; the second time the caller is not the owner on record, and the request
    cannot be made in the owner's name: the authorised path needs the owner's NIK too, so
    a CSO takes over (docs/personal-data.md). Never a registration."""
    if mismatches < MAX_OWNER_NIK_MISMATCHES:
        return None
    return hand_over(HandoffReason.OWNER_NIK_MISMATCH, SOP_STEP[Question.OWNER_NIK])


def after_owner_nik_held() -> Outcome:
    """Step 12: AP2T no longer checks NIKs for this IDPEL today (too many wrong ones, in
    any conversation): an officer verifies the caller; the assistant never says whether
    the NIK given was right."""
    return hand_over(HandoffReason.OWNER_NIK_HELD, SOP_STEP[Question.OWNER_NIK])


def after_unknown_number(unknown: int) -> Outcome | None:
    """Step 4: after the last retry an unknown number is "cannot give it" (Issued Closed)."""
    return after_customer_number_unavailable() if unknown >= MAX_UNKNOWN_NUMBERS else None


def after_nik_ready(ready: bool) -> Outcome:
    """Step 3: without the NIK the customer is told what to prepare (Issued Closed)."""
    if ready:
        return CARRY_ON
    return issued_closed("Persyaratan NIK pemilik/pemohon belum disiapkan",
                         SOP_STEP[Question.NIK_READY])


def after_customer_number_unavailable() -> Outcome:
    """Step 4: the caller cannot give an IDPEL or meter number (or two unknown ones)."""
    return issued_closed("ID pelanggan/nomor meter belum dapat diinformasikan",
                         SOP_STEP[Question.CUSTOMER_NUMBER])


def after_arrears(amount_rp: int, months: int) -> Outcome:
    """Step 4: arrears in AP2T must be settled in full first."""
    if amount_rp <= 0:
        return CARRY_ON
    return issued_closed("Pelanggan memiliki tunggakan yang harus dilunasi",
                         SOP_STEP[Question.CUSTOMER_NUMBER],
                         arrears_rp=amount_rp, arrears_months=months)


def after_route(route: str | None) -> Outcome:
    """Step 5: requests another SOP handles go to a CSO with the data collected."""
    if not route or route == "none":
        return CARRY_ON
    return hand_over(ROUTE_HANDOFF[route], SOP_STEP[Question.TARGET_POWER], route=route)


def after_tariff_confirmation(confirmed: bool) -> Outcome:
    """Step 5: a customer who says the use is not the one in AP2T wants a change of use,
    which is not this SOP."""
    if confirmed:
        return CARRY_ON
    return hand_over(HandoffReason.NOT_THIS_SOP, SOP_STEP[Question.TARIFF_CONFIRMED],
                     change_of_use=True)


def after_alternative(accepted: bool, unit_name: str, unit_address: str) -> Outcome:
    """Step 7: declining AP2T's alternative sends the customer to the unit (MBL)."""
    if accepted:
        return CARRY_ON
    return Outcome(Ending.MBL, "Pelanggan tidak bersedia dengan alternatif produk AP2T",
                   SOP_STEP[Question.ACCEPT_ALTERNATIVE],
                   details={"unit_name": unit_name, "unit_address": unit_address})


def after_proceed(proceed: bool, decliner_is_owner: bool | None = None,
                  email_given: bool = False) -> Outcome:
    """Step 11: going on carries on; not going on ends with Issued Closed (after asking
    owner-or-authorised, and an email from an owner-or-authorised caller)."""
    if proceed:
        return CARRY_ON
    step = SOP_STEP[Question.PROCEED]
    if decliner_is_owner:
        return issued_closed("Pelanggan tidak melanjutkan permohonan; informasi dikirim "
                             "ke email" if email_given else
                             "Pelanggan tidak melanjutkan permohonan", step)
    return issued_closed("Pelanggan tidak melanjutkan permohonan", step)


def after_decliner(is_owner: bool) -> Outcome:
    """Step 11b: a decliner who is the owner (or authorised) is asked an e-mail first;
    one who is not ends here (Issued Closed)."""
    return CARRY_ON if is_owner else after_proceed(False, decliner_is_owner=False)


# "Ga jadi" at step 11 ("dilanjutkan?") is the SOP's own "no" (11b: owner or authorised,
# e-mail, Issued Closed), not a cancel to confirm; at the closing it means nothing more is
# wanted.
CANCEL_ANSWERS = frozenset({Question.PROCEED.value, *CLOSING_STEP})

# The form's one answer in rupiah: an amount in a correction can only change it.
AMOUNT_QUESTION = Question.STROOM_AWAL

# Questions answered "ya"/"tidak" (or owner/authorised, or with a number to use): a value
# for another question cannot be part of such an answer, so a new one changes that earlier
# answer ("stroom awalnya 100 ribu saja deh" at "dilanjutkan?"). At any other question a
# value for another question is part of the answer ("Jl. Merdeka 5, kec. Sukajadi") unless
# the customer says it corrects.
CLOSED_QUESTIONS = frozenset({
    Question.NIK_READY, Question.TARIFF_CONFIRMED, Question.ACCEPT_ALTERNATIVE,
    Question.PROCEED, Question.DECLINER_IS_OWNER, Question.APPLICANT_ROLE,
    Question.CALLER_PHONE_USABLE, Question.DATA_CONFIRMED,
})


# Questions whose answer may name another question's value as part of it: "boleh deh yang
# 2200" or "nggak, tetap 4400" at AP2T's alternative (step 7), a number at "can this
# number be used?" (13b). Such a value is the answer, never a correction.
NAMED_IN_ANSWER: dict[Question, frozenset[Question]] = {
    Question.ACCEPT_ALTERNATIVE: frozenset({Question.TARGET_POWER}),
    Question.CALLER_PHONE_USABLE: frozenset({Question.MOBILE_PHONE}),
}


def phone_implied_by_correction(question: str, answers: Mapping[str, Any],
                                applicable: list[str]) -> dict[str, Any] | None:
    """The other answers a correction of an answered question that no longer applies
    implies; None when it cannot be corrected now.

    The phone (step 13) is the one question whose answer may have come from another: a
    caller whose own mobile "can be used" has ``mobile_phone`` set without being asked
    for one; a new number then means that the caller's number is not the one to use."""
    if (question == Question.MOBILE_PHONE and Question.CALLER_PHONE_USABLE in applicable
            and answers.get(Question.CALLER_PHONE_USABLE.value) is True):
        return {Question.CALLER_PHONE_USABLE.value: False}
    return None
