"""A second SOP (tests/sop/second_sop.py) through the same engine, the same form base class
and the same console audit as Perubahan Daya, on rasa-sdk trackers built here (its form
is no part of domain.yml: the domain given names it)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.custom_forms import Answer, SopFormValidationAction, Verdict
from bot.console import views
from bot.identifiers import PhoneKind
from bot.language import parse_customer_number, parse_phone_number
from bot.sop.answers import yes_no
from bot.sop.engine import Display
from tests.actions.conftest import make_tracker, slot_events, texts
from tests.sop.second_sop import (
    CONFIRMED,
    FORM,
    IDPEL,
    METER_REPORT,
    PHONE,
    SPARKS,
    after_confirmation,
    after_sparks,
)

pytestmark = pytest.mark.anyio
DOMAIN = {"forms": {FORM: {"required_slots": [*METER_REPORT.questions, "cancel_confirmed"]}}}
LANDLINE = {"caller_phone": "0215550101", "caller_phone_kind": "pstn"}
MOBILE = {"caller_phone": "081234500101", "caller_phone_kind": "mobile"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


class ValidateMeterReportForm(SopFormValidationAction):
    """The second SOP's form: one check per question, nothing else."""

    sop = METER_REPORT

    async def check_fault_idpel(self, answer: Answer, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Verdict:
        number = parse_customer_number(answer.text)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_customer_number")
            return Verdict.refuse()
        return Verdict.accept(number.value)

    async def check_sparks_seen(self, answer: Answer, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Verdict:
        seen = self.yes_or_no(yes_no, answer, dispatcher)
        if seen is None:
            return Verdict.refuse()
        danger = after_sparks(seen)
        if danger is not None:
            dispatcher.utter_message(response="utter_handoff")
            return Verdict.end(danger, True)
        return Verdict.accept(False)

    async def check_contact_phone(self, answer: Answer, dispatcher: CollectingDispatcher,
                                  tracker: Tracker) -> Verdict:
        phone = parse_phone_number(answer.text)
        if phone is None or phone.kind != PhoneKind.MOBILE:
            dispatcher.utter_message(response="utter_invalid_phone")
            return Verdict.refuse()
        return Verdict.accept(phone.national)

    async def check_report_confirmed(self, answer: Answer, dispatcher: CollectingDispatcher,
                                     tracker: Tracker) -> Verdict:
        confirmed = self.yes_or_no(yes_no, answer, dispatcher)
        if confirmed is None:
            return Verdict.refuse()
        if not confirmed:
            dispatcher.utter_message(response="utter_ask_which_correction")
            return Verdict.refuse(penalised=False)
        return Verdict.end(after_confirmation(), True)


class Conversation:
    """The second SOP's form, message after message; its events as the console reads
    them (what the channel said of the caller, the assistant's greeting first)."""

    def __init__(self, caller: dict[str, Any]):
        self.slots: dict[str, Any] = dict(caller)
        self.events: list[dict[str, Any]] = [
            *({"event": "slot", "name": name, "value": value} for name, value in caller.items()),
            {"event": "bot", "text": "Halo"}]
        self.dispatcher = CollectingDispatcher()

    async def say(self, text: str, intent: str = "inform",
                  entities: list[dict] | None = None) -> dict[str, Any]:
        requested = self.slots.get("requested_slot")
        tracker = make_tracker(self.slots, text, intent, entities, requested_slot=requested,
                               form=FORM)
        events = await ValidateMeterReportForm().run(self.dispatcher, tracker, DOMAIN)
        self.events += events
        changed = slot_events(events)
        self.slots.update(changed)
        return changed

    async def start(self) -> dict[str, Any]:
        """The form's first run: nothing requested yet, the first question is asked."""
        return await self.say("meter saya rusak", intent="report_meter")


async def test_the_questions_come_in_the_sops_order_and_the_read_back_records_the_report():
    talk = Conversation(LANDLINE)
    assert (await talk.start())["requested_slot"] == IDPEL
    assert (await talk.say("532110000101"))["requested_slot"] == SPARKS
    assert (await talk.say("tidak", "deny"))["requested_slot"] == PHONE  # a landline caller
    assert (await talk.say("0812 9876 5432"))["requested_slot"] == CONFIRMED
    ended = await talk.say("ya betul", "affirm")
    assert ended["sop_ending"] == "issued_closed" and ended["sop_step"] == 5
    assert ended["sop_reason"] == "Laporan meter rusak diteruskan ke unit"
    assert ended["requested_slot"] is None  # the form stops
    assert talk.slots[IDPEL] == "532110000101" and talk.slots[PHONE] == "081298765432"


async def test_a_mobile_caller_is_not_asked_a_number():
    talk = Conversation(MOBILE)
    await talk.start()
    await talk.say("532110000101")
    assert (await talk.say("nggak ada", "deny"))["requested_slot"] == CONFIRMED


async def test_sparks_go_to_a_cso_at_once():
    talk = Conversation(LANDLINE)
    await talk.start()
    await talk.say("532110000101")
    ended = await talk.say("iya ada percikan", "affirm")
    assert ended["sop_ending"] == "cso_handoff" and ended["sop_step"] == 3
    assert ended["requested_slot"] is None
    assert "utter_handoff" in texts(talk.dispatcher)


async def test_two_failed_attempts_hand_over_at_the_questions_step():
    talk = Conversation(LANDLINE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("tidak", "deny")
    assert (await talk.say("asdf"))["failed_attempts"] == 1
    ended = await talk.say("qwerty")
    assert ended["sop_ending"] == "cso_handoff" and ended["sop_step"] == 4
    assert ended["handoff_reason"] == "repeated_failures"


async def test_a_new_number_at_the_read_back_corrects_it_and_asks_again_what_depends_on_it():
    talk = Conversation(MOBILE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("tidak", "deny")
    corrected = await talk.say("eh 511010000303", entities=[
        {"entity": "idpel", "value": "511010000303", "start": 3, "end": 15}])
    assert corrected[IDPEL] == "511010000303"
    assert corrected[SPARKS] is None and corrected[CONFIRMED] is None
    assert corrected["requested_slot"] == SPARKS  # another meter: asked again
    assert "utter_correction_taken" in texts(talk.dispatcher)


async def test_a_confirmed_cancel_ends_at_the_step_reached():
    talk = Conversation(LANDLINE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("tidak", "deny")
    pending = await talk.say("batal aja", "cancel")
    assert pending["cancel_pending"] is True and pending["requested_slot"] == "cancel_confirmed"
    ended = await talk.say("ya", "affirm")
    assert ended["sop_ending"] == "issued_closed" and ended["sop_step"] == 4
    assert ended["outcome_details"] == {"cancelled": True}


async def test_a_number_given_before_it_was_asked_answers_its_question():
    talk = Conversation({**LANDLINE, "noted_facts": {IDPEL: "532110000101"}})
    started = await talk.start()
    assert started[IDPEL] == "532110000101" and started["noted_facts"] is None
    assert started["requested_slot"] == SPARKS


async def test_the_console_audits_the_second_sop_with_its_own_steps():
    talk = Conversation(MOBILE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("iya berasap", "affirm")
    audit = {step.step: step for step in views.sop_audit(talk.events, METER_REPORT)}
    assert list(audit) == [1, 2, 3, 4, 5, 6]
    assert [audit[step].order for step in (1, 2, 3)] == [1, 2, 3]
    assert audit[2].name == "ID pelanggan" and audit[3].name == "Keamanan"
    assert audit[3].note == "berakhir di sini: Meter berasap/berpercik: petugas segera dikirim"
    assert audit[5].note == "tidak sampai: permohonan berakhir di langkah 3 (cso_handoff)"


async def test_the_console_says_why_a_step_of_the_second_sop_did_not_run():
    talk = Conversation(MOBILE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("tidak", "deny")
    await talk.say("ya", "affirm")
    talk.events.append({"event": "action", "name": "utter_goodbye"})
    audit = {step.step: step for step in views.sop_audit(talk.events, METER_REPORT)}
    assert not audit[4].ran and audit[4].note == "tidak perlu: nomor penelepon dipakai"
    assert [audit[step].order for step in (1, 2, 3, 5, 6)] == [1, 2, 3, 4, 5]
    assert audit[5].note == "berakhir di sini: Laporan meter rusak diteruskan ke unit"


async def test_the_console_shows_what_the_second_sop_collected_with_its_own_labels():
    talk = Conversation(LANDLINE)
    await talk.start()
    await talk.say("532110000101")
    await talk.say("tidak", "deny")
    await talk.say("0812 9876 5432")
    slots = views.slots_of(talk.events)
    fields = {f.name: (f.label, f.shown, f.personal)
              for f in views.collected(slots, METER_REPORT)}
    assert list(fields) == ["caller_phone", IDPEL, SPARKS, PHONE]  # the caller first
    assert fields[IDPEL] == ("ID pelanggan", "532110000101", False)
    assert fields[SPARKS] == ("Berasap/berpercik", "tidak", False)
    assert fields[PHONE] == ("Nomor kontak", "********5432", True)
    assert views.personal_fields(METER_REPORT) == {"caller_phone", PHONE}
    revealed = views.collected(slots, METER_REPORT, frozenset({PHONE}))
    assert {f.name: f.shown for f in revealed}[PHONE] == "081298765432"


def test_an_sop_without_a_display_shows_only_the_caller():
    bare = dataclasses.replace(METER_REPORT, display=Display())
    shown = views.collected({"caller_phone": "0215550101", IDPEL: "532110000101"}, bare)
    assert [f.name for f in shown] == ["caller_phone"]
    assert "owner_nik" not in views.personal_fields(bare)  # nothing of Perubahan Daya


def test_the_console_hands_back_at_the_second_sops_questions():
    assert METER_REPORT.hand_back_choices() == [
        (IDPEL, "langkah 2: ID pelanggan"), (CONFIRMED, "langkah 5: konfirmasi laporan")]
    assert METER_REPORT.questions_from(SPARKS) == [SPARKS, PHONE, CONFIRMED]


def test_the_form_is_named_after_the_sops_form():
    assert ValidateMeterReportForm().name() == "validate_laporan_meter_form"
