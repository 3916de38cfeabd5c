"""A second, small SOP for the engine: a report of a faulty meter ("laporan meter rusak").

Four questions: the customer number (step 2), whether sparks or smoke are seen (step 3:
"yes" goes to a CSO at once), a mobile number for the field officer when the caller's is
not one (step 4), and the read-back (step 5: "yes" records the report, the one ending).
It shares nothing with Perubahan Daya but the engine (``bot.sop.engine``), the outcomes
and the names: the same form base class, the same console audit and hand back run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.identifiers import mask
from bot.sop.engine import Audit, Display, Facts, Shown, Sop
from bot.sop.outcomes import Ending, Outcome, issued_closed

FORM = "laporan_meter_form"
IDPEL, SPARKS, PHONE, CONFIRMED = ("fault_idpel", "sparks_seen", "contact_phone",
                                   "report_confirmed")


@dataclass(frozen=True)
class MeterContext:
    caller_has_mobile: bool = False  # the caller's own number is a mobile


def context_of(slots: Mapping[str, Any]) -> MeterContext:
    return MeterContext(caller_has_mobile=slots.get("caller_phone_kind") == "mobile")


def applicable(answers: Mapping[str, Any], context: MeterContext) -> list[str]:
    wanted = [IDPEL, SPARKS]
    if not context.caller_has_mobile:
        wanted.append(PHONE)
    return [*wanted, CONFIRMED]


def after_sparks(seen: bool) -> Outcome | None:
    """Step 3: sparks or smoke are a danger: a CSO sends a field officer at once."""
    if not seen:
        return None
    return Outcome(Ending.CSO_HANDOFF, "Meter berasap/berpercik: petugas segera dikirim", 3)


def after_confirmation() -> Outcome:
    """Step 5: the report is recorded (APKT Issued Closed): the one ending of the SOP."""
    return issued_closed("Laporan meter rusak diteruskan ke unit", 5)


def _note(noted: Mapping[str, Any] | None, entities: list[Mapping[str, Any]],
          answers: Mapping[str, Any], intent: str | None,
          requested: str | None) -> dict[str, Any]:
    """A customer number or a phone number given before it was asked, not answered yet."""
    facts = dict(noted or {})
    for found in entities:
        question = {"idpel": IDPEL, "phone": PHONE}.get(found.get("entity"))
        if question and question != requested and answers.get(question) is None:
            facts[question] = str(found.get("value"))
    return facts


def _answered(noted: Mapping[str, Any] | None, question: str) -> dict[str, Any]:
    facts = dict(noted or {})
    facts.pop(question, None)
    return facts


def _noted_answer(question: str, noted: Mapping[str, Any] | None,
                  slots: Mapping[str, Any]) -> tuple[str, str] | None:
    noted = noted or {}
    return (question, noted[question]) if question in noted else None


METER_REPORT = Sop(
    form=FORM,
    questions=(IDPEL, SPARKS, PHONE, CONFIRMED),
    steps={IDPEL: 2, SPARKS: 3, PHONE: 4, CONFIRMED: 5},
    applicable=applicable,
    context_of=context_of,
    audit=Audit(
        step_names={1: "Salam", 2: "ID pelanggan", 3: "Keamanan", 4: "Nomor kontak",
                    5: "Konfirmasi laporan", 6: "Penutup"},
        greeting_step=1,
        action_steps={"utter_goodbye": 6},
        skipped=lambda step, slots, context: (
            "tidak perlu: nomor penelepon dipakai"
            if step == 4 and context.caller_has_mobile else None)),
    depends_on={IDPEL: (SPARKS,)},
    read_back=CONFIRMED,
    closed_questions=frozenset({SPARKS, CONFIRMED}),
    facts=Facts(entity_questions={"idpel": IDPEL, "phone": PHONE}, note=_note,
                answered=_answered, noted_answer=_noted_answer),
    hand_back={IDPEL: "ID pelanggan", CONFIRMED: "konfirmasi laporan"},
    display=Display(
        shown=(Shown(IDPEL, "ID pelanggan"), Shown(SPARKS, "Berasap/berpercik"),
               Shown(PHONE, "Nomor kontak", mask)),
        said={"True": "ya", "False": "tidak"}),
)
