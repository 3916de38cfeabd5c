"""The engine on an SOP other than Perubahan Daya (tests/sop/second_sop.py)."""

import asyncio
from pathlib import Path

from bot.sop.clock import Clock
from bot.sop.refresh import Message, refreshed
from tests.sop import second_sop
from tests.sop.second_sop import CONFIRMED, IDPEL, METER_REPORT, PHONE, SPARKS, MeterContext


def test_the_second_sop_needs_nothing_of_perubahan_daya():
    assert "perubahan_daya" not in Path(second_sop.__file__).read_text()


def test_its_questions_apply_by_its_own_branches():
    assert METER_REPORT.remaining_questions({}, MeterContext()) == [IDPEL, SPARKS, PHONE,
                                                                     CONFIRMED]
    answered = {IDPEL: "532110000101", SPARKS: False}
    assert METER_REPORT.remaining_questions(answered, MeterContext(caller_has_mobile=True)) == [
        CONFIRMED]


def test_its_steps_and_what_a_correction_asks_again():
    assert METER_REPORT.step_of(SPARKS) == 3 and METER_REPORT.step_of(None) == 1
    assert METER_REPORT.invalidated_by(IDPEL) == [SPARKS, CONFIRMED]
    assert METER_REPORT.invalidated_by(PHONE) == [CONFIRMED]
    assert METER_REPORT.takes_corrections_unsaid(CONFIRMED)
    assert not METER_REPORT.takes_corrections_unsaid(PHONE)


def test_its_failed_attempts_and_dropped_calls_end_at_its_steps():
    assert METER_REPORT.after_failed_attempt(1, PHONE) is None
    assert METER_REPORT.after_failed_attempt(2, PHONE).sop_step == 4
    dropped = METER_REPORT.after_call_ended(None, requesting=True, question=SPARKS)
    assert dropped.ending == "cso_handoff" and dropped.sop_step == 3


def test_the_conversation_reader_notes_the_second_sops_facts():
    async def no_crm(number, now):
        raise AssertionError("no caller id: the CRM is not asked")

    message = Message({}, {}, {}, [{"entity": "idpel", "value": "532110000101"}], "inform")
    slots = asyncio.run(refreshed(message, no_crm, Clock(), "Asisten", METER_REPORT))
    assert slots["noted_facts"] == {IDPEL: "532110000101"}
    assert slots["assistant_name"] == "Asisten"
