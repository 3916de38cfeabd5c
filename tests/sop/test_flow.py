import pytest

from bot.sop.outcomes import Ending, HandoffReason
from bot.sop.perubahan_daya import PERUBAHAN_DAYA as SOP
from bot.sop.perubahan_daya.flow import (
    AUTHORISED,
    OWNER,
    Context,
    after_alternative,
    after_arrears,
    after_nik_ready,
    after_owner_nik_mismatch,
    after_proceed,
    after_route,
    after_tariff_confirmation,
)
from bot.sop.perubahan_daya.flow import (
    Question as Q,
)

KNOWN_MOBILE_PREPAID = Context(caller_known=True, caller_phone_kind="mobile", prepaid=True)


def test_unknown_caller_is_asked_the_name_first():
    assert SOP.remaining_questions({}, Context())[0] == Q.CALLER_NAME
    assert SOP.remaining_questions({}, KNOWN_MOBILE_PREPAID)[0] == Q.NIK_READY


def test_owner_on_a_known_mobile_prepaid_in_sop_order():
    answers = {"applicant_role": OWNER}
    assert SOP.remaining_questions(answers, KNOWN_MOBILE_PREPAID) == [
        Q.NIK_READY, Q.CUSTOMER_NUMBER, Q.TARGET_POWER, Q.TARIFF_CONFIRMED, Q.STROOM_AWAL,
        Q.PROCEED, Q.KECAMATAN, Q.KELURAHAN, Q.OWNER_NIK, Q.EMAIL, Q.CALLER_PHONE_USABLE,
        Q.DATA_CONFIRMED]


def test_postpaid_skips_stroom_awal_and_a_landline_caller_is_asked_a_mobile():
    context = Context(caller_known=True, caller_phone_kind="pstn", prepaid=False)
    remaining = SOP.remaining_questions({"applicant_role": OWNER}, context)
    assert Q.STROOM_AWAL not in remaining
    assert Q.CALLER_PHONE_USABLE not in remaining
    assert remaining[-2:] == [Q.MOBILE_PHONE, Q.DATA_CONFIRMED]


def test_a_mobile_that_cannot_be_used_leads_to_asking_another():
    answers = {"caller_phone_usable": False}
    assert Q.MOBILE_PHONE in SOP.remaining_questions(answers, KNOWN_MOBILE_PREPAID)
    answers = {"caller_phone_usable": True}
    assert Q.MOBILE_PHONE not in SOP.remaining_questions(answers, KNOWN_MOBILE_PREPAID)


def test_a_mobile_given_before_the_caller_id_was_known_answers_step_13():
    # no caller ID at first (13a asked), then the number comes with the caller ID
    # (Telegram's shared contact): 13b is not asked after it
    answers = {"applicant_role": OWNER, "mobile_phone": "081234500101"}
    remaining = SOP.remaining_questions(answers, KNOWN_MOBILE_PREPAID)
    assert Q.CALLER_PHONE_USABLE not in remaining and Q.MOBILE_PHONE not in remaining
    assert SOP.correction_answers(Q.MOBILE_PHONE, answers, KNOWN_MOBILE_PREPAID) == {}


def test_authorised_applicant_gives_own_nik_name_address_and_no_email():
    remaining = SOP.remaining_questions({"applicant_role": AUTHORISED}, KNOWN_MOBILE_PREPAID)
    assert remaining[remaining.index(Q.OWNER_NIK):][:4] == [
        Q.OWNER_NIK, Q.APPLICANT_NIK, Q.APPLICANT_NAME, Q.APPLICANT_ADDRESS]
    assert Q.EMAIL not in remaining


def test_ap2t_notification_adds_the_alternative_question_after_the_tariff():
    context = Context(caller_known=True, prepaid=True, ap2t_notification=True)
    remaining = SOP.remaining_questions({}, context)
    assert remaining.index(Q.ACCEPT_ALTERNATIVE) == remaining.index(Q.TARIFF_CONFIRMED) + 1


def test_not_going_on_asks_owner_then_email_only_for_owner_or_authorised():
    answered = {q.value: "x" for q in (Q.NIK_READY, Q.CUSTOMER_NUMBER, Q.TARGET_POWER,
                                        Q.TARIFF_CONFIRMED, Q.STROOM_AWAL)}
    answered["proceed"] = False
    assert SOP.remaining_questions(answered, KNOWN_MOBILE_PREPAID) == [Q.DECLINER_IS_OWNER]
    assert SOP.remaining_questions({**answered, "decliner_is_owner": True},
                               KNOWN_MOBILE_PREPAID) == [Q.EMAIL]
    assert SOP.remaining_questions({**answered, "decliner_is_owner": False},
                               KNOWN_MOBILE_PREPAID) == []


def test_answered_questions_are_not_asked_again():
    answers = {"nik_ready": True, "customer_number": "532110000101"}
    remaining = SOP.remaining_questions(answers, KNOWN_MOBILE_PREPAID)
    assert remaining[0] == Q.TARGET_POWER


def test_correcting_the_power_asks_again_only_what_depends_on_it():
    again = SOP.invalidated_by(Q.TARGET_POWER)
    assert Q.TARIFF_CONFIRMED in again and Q.PROCEED in again and Q.DATA_CONFIRMED in again
    assert Q.CUSTOMER_NUMBER not in again and Q.OWNER_NIK not in again
    assert Q.EMAIL not in again and Q.MOBILE_PHONE not in again


def test_correcting_the_phone_only_needs_the_read_back_again():
    assert SOP.invalidated_by(Q.MOBILE_PHONE) == [Q.DATA_CONFIRMED]


def test_correcting_the_kecamatan_asks_the_kelurahan_again():
    assert SOP.invalidated_by(Q.KECAMATAN) == [Q.KELURAHAN, Q.DATA_CONFIRMED]


def test_nik_not_ready_ends_with_issued_closed_at_step_3():
    assert after_nik_ready(True).carries_on
    outcome = after_nik_ready(False)
    assert (outcome.ending, outcome.sop_step) == (Ending.ISSUED_CLOSED, 3)


def test_arrears_end_with_issued_closed_and_keep_the_amount():
    assert after_arrears(0, 0).carries_on
    outcome = after_arrears(356200, 2)
    assert outcome.ending == Ending.ISSUED_CLOSED
    assert outcome.details == {"arrears_rp": 356200, "arrears_months": 2}


@pytest.mark.parametrize("route, reason", [
    ("dtks", HandoffReason.ROUTE_DTKS), ("r3", HandoffReason.ROUTE_R3),
    ("b2_i2", HandoffReason.ROUTE_B2_I2), ("not_this_sop", HandoffReason.NOT_THIS_SOP)])
def test_routes_of_other_sops_hand_over_to_a_cso(route, reason):
    outcome = after_route(route)
    assert (outcome.ending, outcome.handoff, outcome.sop_step) == (Ending.CSO_HANDOFF, reason, 5)
    assert outcome.reason


def test_no_route_carries_on_and_a_change_of_use_is_handed_over():
    assert after_route(None).carries_on and after_route("none").carries_on
    assert after_tariff_confirmation(False).handoff == HandoffReason.NOT_THIS_SOP


def test_declining_the_alternative_is_an_mbl_escalation_naming_the_unit():
    assert after_alternative(True, "ULP Bandung Utara", "Jl. Cikapayang No. 1").carries_on
    outcome = after_alternative(False, "ULP Bandung Utara", "Jl. Cikapayang No. 1, Bandung")
    assert (outcome.ending, outcome.sop_step) == (Ending.MBL, 7)
    assert outcome.details["unit_name"] == "ULP Bandung Utara"


def test_not_proceeding_is_issued_closed_at_step_11():
    assert after_proceed(True).carries_on
    assert after_proceed(False, decliner_is_owner=False).ending == Ending.ISSUED_CLOSED
    with_email = after_proceed(False, decliner_is_owner=True, email_given=True)
    assert "email" in with_email.reason and with_email.sop_step == 11


def test_corrections_only_of_answered_questions_that_apply():
    answers = {"applicant_role": OWNER, "target_power_va": 2200, "kecamatan": "Coblong"}
    assert SOP.correction_answers(Q.TARGET_POWER, answers, KNOWN_MOBILE_PREPAID) == {}
    assert SOP.correction_answers(Q.STROOM_AWAL, answers, KNOWN_MOBILE_PREPAID) is None
    assert SOP.correction_answers(Q.EMAIL, {**answers, "applicant_role": AUTHORISED,
                                        "email": "x@y.id"}, KNOWN_MOBILE_PREPAID) is None


def test_a_new_phone_replaces_the_callers_own_mobile():
    """13b: the caller's mobile was accepted, so mobile_phone was never asked; a new number
    at the read-back means the caller's number is not the one to use."""
    answers = {"applicant_role": OWNER, "caller_phone_usable": True,
               "mobile_phone": "081234500101"}
    assert SOP.correction_answers(Q.MOBILE_PHONE, answers, KNOWN_MOBILE_PREPAID) == {
        "caller_phone_usable": False}
    landline = Context(caller_known=True, caller_phone_kind="pstn", prepaid=False)
    assert SOP.correction_answers(Q.MOBILE_PHONE, {"applicant_role": OWNER,
                                               "mobile_phone": "081277201234"}, landline) == {}


def test_step_of_a_requested_slot():
    assert SOP.step_of("target_power_va") == 5 and SOP.step_of("owner_nik") == 12
    assert SOP.step_of("info_clear") == 18 and SOP.step_of("more_help") == 20
    assert SOP.step_of(None) == 1 and SOP.step_of("cancel_confirmed", default=7) == 7


def test_a_call_that_ends_mid_request_goes_to_a_cso_to_call_back():
    dropped = SOP.after_call_ended(None, requesting=True, question="customer_number")
    assert dropped.ending == Ending.CSO_HANDOFF
    assert dropped.handoff == HandoffReason.CALL_DROPPED and dropped.sop_step == 4
    assert SOP.after_call_ended(Ending.ISSUED_CLOSED.value, True, "email") is None  # concluded
    assert SOP.after_call_ended(None, requesting=False, question=None) is None  # nothing begun


def test_a_nik_not_the_owners_on_record_is_asked_once_more_then_a_cso():
    assert after_owner_nik_mismatch(1) is None
    outcome = after_owner_nik_mismatch(2)
    assert outcome.ending == Ending.CSO_HANDOFF and outcome.sop_step == 12
    assert outcome.handoff == HandoffReason.OWNER_NIK_MISMATCH
    assert "bukan pemilik terdaftar" in outcome.reason


def test_layanan_satu_pintu_is_offered_and_the_lit_tr_chosen_only_by_who_wants_it():
    from bot.sop.perubahan_daya.flow import closing_questions
    assert closing_questions(saved=True, lsp_available=True) == [
        "info_clear", "lsp_wanted", "more_help"]
    assert closing_questions(saved=True, lsp_available=True, lsp_wanted=False) == [
        "info_clear", "lsp_wanted", "more_help"]
    assert closing_questions(saved=True, lsp_available=True, lsp_wanted=True) == [
        "info_clear", "lsp_wanted", "lit_tr_choice", "more_help"]


def test_no_layanan_satu_pintu_offer_without_lit_tr_partners_or_under_super_wow():
    from bot.sop.perubahan_daya.flow import closing_questions
    assert closing_questions(saved=True, lsp_available=False, lsp_wanted=True) == [
        "info_clear", "more_help"]
    assert closing_questions(saved=False, lsp_available=True) == ["more_help"]
