"""SOP steps 5 and 7 (bot.sop.power) and the facts given before they are asked
(bot.sop.perubahan_daya.facts): decisions without Rasa."""

import pytest

from bot.sop.outcomes import Ending, HandoffReason
from bot.sop.perubahan_daya import facts
from bot.sop.perubahan_daya.flow import AUTHORISED, OWNER, Question
from bot.sop.power import Ap2tCheck, PowerVerdict, decide


def test_a_lower_power_is_no_request_and_asks_again():
    decision = decide(Ap2tCheck(current_va=2200, higher=False, standard=True))
    assert decision.verdict is PowerVerdict.NOT_HIGHER and decision.asks_again


def test_a_non_standard_power_offers_only_steps_above_todays():
    decision = decide(Ap2tCheck(current_va=1300, higher=True, standard=False,
                                nearest_below_va=900, nearest_above_va=2200))
    assert decision.verdict is PowerVerdict.NOT_STANDARD and decision.nearest_va == [2200]
    decision = decide(Ap2tCheck(current_va=1300, higher=True, standard=False,
                                nearest_below_va=2200, nearest_above_va=3500))
    assert decision.nearest_va == [2200, 3500]


@pytest.mark.parametrize("route, reason", [("dtks", HandoffReason.ROUTE_DTKS),
                                           ("r3", HandoffReason.ROUTE_R3),
                                           ("b2_i2", HandoffReason.ROUTE_B2_I2),
                                           ("not_this_sop", HandoffReason.NOT_THIS_SOP)])
def test_another_sops_request_goes_to_a_cso_before_any_ap2t_notification(route, reason):
    decision = decide(Ap2tCheck(current_va=450, higher=True, standard=True, route=route,
                                notified=True, alternative_va=900))
    assert decision.verdict is PowerVerdict.ROUTED
    assert decision.outcome.ending is Ending.CSO_HANDOFF and decision.outcome.handoff is reason


def test_an_ap2t_notification_offers_the_alternative_or_sends_to_the_unit():
    offered = decide(Ap2tCheck(current_va=1300, higher=True, standard=True, route="none",
                               notified=True, alternative_va=2200))
    assert offered.verdict is PowerVerdict.ALTERNATIVE and offered.alternative_va == 2200
    nothing = decide(Ap2tCheck(current_va=2200, higher=True, standard=True, route="none",
                               notified=True, alternative_va=None), "ULP X", "Jl. Y")
    assert nothing.verdict is PowerVerdict.UNIT  # never "ke daya None"
    assert nothing.outcome.ending is Ending.MBL and nothing.outcome.sop_step == 7
    assert nothing.outcome.details == {"unit_name": "ULP X", "unit_address": "Jl. Y"}


def test_a_servable_power_is_accepted():
    assert decide(Ap2tCheck(current_va=1300, higher=True, standard=True, route="none")
                  ).verdict is PowerVerdict.ACCEPTED


# --- facts ---------------------------------------------------------------------------


def ents(**values):
    """NLU entities without spans."""
    return [{"entity": name, "value": value} for name, value in values.items()]


def test_facts_of_the_first_message_are_noted_for_their_questions():
    noted = facts.note(None, ents(power_va="1300", idpel="511010000303"), {},
                       "request_power_change")
    assert noted == {"target_power_va": "1300", "customer_number": "511010000303"}


def test_a_question_already_answered_takes_no_fact_and_a_question_asked_is_noted_too():
    noted = facts.note({}, ents(power_va="4400", kecamatan="Gubeng"),
                       {"target_power_va": 2200.0}, "inform")
    assert noted == {"kecamatan": "Gubeng"}  # only a correction changes 2.200 VA
    # the answer's own value is dropped by the form once it has read the answer
    assert facts.answered({"kecamatan": "Gubeng", "email": "a@b.co"}, "kecamatan") == {
        "email": "a@b.co"}


@pytest.mark.parametrize("intent", ["ask_cost", "ask_duration", "out_of_scope", "cancel"])
def test_questions_and_cancels_state_no_facts(intent):
    assert facts.note({}, ents(power_va="5500"), {}, intent) == {}


def test_a_nik_given_early_is_the_callers_own():
    noted = facts.note({}, ents(nik="3273011508850001"), {}, "affirm")
    assert facts.noted_answer(Question.OWNER_NIK, noted, OWNER) == ("nik", "3273011508850001")
    assert facts.noted_answer(Question.OWNER_NIK, noted, AUTHORISED) is None
    assert facts.noted_answer(Question.APPLICANT_NIK, noted, AUTHORISED) == (
        "nik", "3273011508850001")
    assert facts.answered(noted, "owner_nik") == {}


def test_a_number_given_early_answers_whether_the_callers_number_can_be_used():
    noted = facts.note({}, ents(phone="081298765432"), {}, "inform")
    assert facts.noted_answer(Question.CALLER_PHONE_USABLE, noted, OWNER) == (
        "mobile_phone", "081298765432")


def test_the_words_that_answer_the_question_asked_are_no_second_fact():
    """"Tegalsari" is a kecamatan and a kelurahan: at the kecamatan question it is the
    kecamatan only."""
    same_word = [{"entity": "kecamatan", "value": "Tegalsari", "start": 0, "end": 9},
                 {"entity": "kelurahan", "value": "Tegalsari", "start": 0, "end": 9}]
    assert facts.note({}, same_word, {}, "inform", requested="kecamatan") == {
        "kecamatan": "Tegalsari"}
    both = [{"entity": "kecamatan", "value": "Coblong", "start": 4, "end": 11},
            {"entity": "kelurahan", "value": "Dago", "start": 16, "end": 20}]
    assert facts.note({}, both, {}, "inform", requested="kecamatan") == {
        "kecamatan": "Coblong", "kelurahan": "Dago"}
