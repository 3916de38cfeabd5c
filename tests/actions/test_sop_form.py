"""ValidatePerubahanDayaForm on tracker fixtures, against the simulator in-process."""

import pytest

from actions.sop_form import ValidatePerubahanDayaForm
from tests.actions.conftest import make_tracker, slot_events, texts

pytestmark = pytest.mark.anyio
FORM = "perubahan_daya_form"
BUDI = {"caller_known": True, "caller_name": "Budi Santoso", "caller_title": "Bapak",
        "caller_phone": "081234500101", "caller_phone_kind": "mobile", "nik_ready": True}


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def answer(domain, dispatcher, slots, text, requested, intent="inform", entities=None):
    tracker = make_tracker(slots, text, intent, entities, requested_slot=requested, form=FORM)
    events = await ValidatePerubahanDayaForm().run(dispatcher, tracker, domain)
    return slot_events(events)


async def budi_found(domain, dispatcher):
    found = await answer(domain, dispatcher, BUDI, "lima tiga dua satu satu nol nol nol nol "
                         "satu nol satu", "customer_number")
    return {**BUDI, **{k: v for k, v in found.items() if k != "requested_slot"}}


async def test_customer_found_by_spoken_idpel_then_target_power_is_asked(
        client, domain, dispatcher):
    slots = await answer(domain, dispatcher, BUDI,
                         "lima tiga dua satu satu nol nol nol nol satu nol satu", "customer_number")
    assert slots["customer_number"] == "532110000101"
    assert slots["idpel"] == "532110000101" and slots["prepaid"] is True
    assert slots["current_tariff_power"] == "R1/1.300 VA"
    assert slots["requested_slot"] == "target_power_va"
    assert "utter_customer_found" in texts(dispatcher)


async def test_meter_number_finds_the_same_customer(client, domain, dispatcher):
    slots = await answer(domain, dispatcher, BUDI, "nomor meter 141 0000 0101", "customer_number")
    assert slots["idpel"] == "532110000101"


async def test_unknown_number_is_asked_again_then_closed_after_two_retries(
        client, domain, dispatcher):
    slots = await answer(domain, dispatcher, BUDI, "999999999999", "customer_number")
    assert slots["customer_number"] is None and slots["unknown_numbers"] == 1
    assert slots["requested_slot"] == "customer_number"
    assert "utter_customer_not_found" in texts(dispatcher)
    slots = await answer(domain, dispatcher, {**BUDI, "unknown_numbers": 2}, "53211000000",
                         "customer_number")
    assert slots["sop_ending"] == "issued_closed" and slots["sop_step"] == 4
    assert slots["requested_slot"] is None  # the form stops


async def test_arrears_end_the_request_with_issued_closed(client, domain, dispatcher):
    slots = await answer(domain, dispatcher, BUDI, "511010000303", "customer_number")
    assert slots["sop_ending"] == "issued_closed"
    assert slots["outcome_details"] == {"arrears_rp": 356200, "arrears_months": 2}
    arrears = next(m for m in dispatcher.messages if m.get("response") == "utter_arrears")
    assert arrears["amount"] == "Rp356.200"


async def test_two_failed_attempts_at_one_question_hand_over_to_a_cso(
        client, domain, dispatcher):
    slots = await answer(domain, dispatcher, BUDI, "asdfgh", "customer_number")
    assert slots["failed_attempts"] == 1 and slots["requested_slot"] == "customer_number"
    slots = await answer(domain, dispatcher, {**BUDI, "failed_attempts": 1}, "😀😀😀",
                         "customer_number")
    assert slots["sop_ending"] == "cso_handoff"
    assert slots["handoff_reason"] == "repeated_failures" and slots["sop_step"] == 4
    assert texts(dispatcher).count("utter_invalid_customer_number") == 2


async def test_target_power_in_words_gives_the_tariff_to_confirm(client, domain, dispatcher):
    slots = await budi_found(domain, dispatcher)
    result = await answer(domain, dispatcher, slots, "dua ribu dua ratus", "target_power_va")
    assert result["target_power_va"] == 2200
    assert result["new_tariff_power"] == "R1/2.200 VA" and result["use"] == "tempat tinggal"
    assert result["requested_slot"] == "tariff_confirmed"


async def test_non_standard_power_is_refused_with_the_nearest_steps(client, domain, dispatcher):
    slots = await budi_found(domain, dispatcher)
    result = await answer(domain, dispatcher, slots, "3000 va", "target_power_va")
    assert result["target_power_va"] is None
    assert not result.get("failed_attempts")  # the customer cannot know the steps
    refusal = next(m for m in dispatcher.messages
                   if m.get("response") == "utter_power_not_standard")
    assert refusal["nearest"] == "2.200 VA atau 3.500 VA"


async def test_non_standard_power_in_a_route_band_is_refused_not_routed(
        client, domain, dispatcher):
    """"50000" for a 1.300 VA household is no standard step: the nearest steps are offered
    and the question asked again; it is not handed over as an R3 request."""
    slots = await budi_found(domain, dispatcher)
    result = await answer(domain, dispatcher, slots, "50000", "target_power_va")
    assert result["target_power_va"] is None and "sop_ending" not in result
    assert result["requested_slot"] == "target_power_va"
    refusal = next(m for m in dispatcher.messages
                   if m.get("response") == "utter_power_not_standard")
    assert refusal["nearest"] == "41.500 VA atau 53.000 VA"


async def test_a_lower_power_is_refused_with_todays_power(client, domain, dispatcher):
    slots = await budi_found(domain, dispatcher)
    result = await answer(domain, dispatcher, slots, "900 VA", "target_power_va")
    assert result["target_power_va"] is None and "sop_ending" not in result
    refusal = next(m for m in dispatcher.messages
                   if m.get("response") == "utter_power_not_higher")
    assert refusal["target"] == "900 VA" and refusal["current"] == "1.300 VA"


async def test_r3_route_hands_over_to_a_cso(client, domain, dispatcher):
    hendra = {**BUDI, "idpel": "541100000505", "customer_number": "541100000505"}
    result = await answer(domain, dispatcher, hendra, "7700", "target_power_va")
    assert result["sop_ending"] == "cso_handoff" and result["handoff_reason"] == "route_r3"


async def test_ap2t_notification_asks_for_the_alternative(client, domain, dispatcher):
    yusuf = {**BUDI, "idpel": "532110000909", "customer_number": "532110000909",
             "prepaid": True}
    result = await answer(domain, dispatcher, yusuf, "3500", "target_power_va")
    assert result["ap2t_notification"] is True and result["alternative_va"] == 2200
    assert result["alternative_power"] == "2.200 VA"


async def test_a_correction_of_the_power_clears_only_what_depends_on_it(
        client, domain, dispatcher):
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 3500,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago"}
    result = await answer(domain, dispatcher, slots, "eh salah, dayanya 2200 aja", "owner_nik",
                          intent="correct",
                          entities=[{"entity": "power_va", "value": "2200"}])
    assert result["target_power_va"] == 2200
    assert result["tariff_confirmed"] is None and result["proceed"] is None
    assert "kecamatan" not in result and "stroom_awal_rp" not in result
    assert result["requested_slot"] == "tariff_confirmed"  # asked again, in SOP order
    assert "utter_correction_taken" in texts(dispatcher)


async def test_cancel_pending_asks_the_confirmation_first(client, domain, dispatcher):
    """After "batal" (action_confirm_cancel) the form asks "yakin?" before anything else."""
    slots = {**BUDI, "cancel_pending": True, "cancel_from": "customer_number"}
    tracker = make_tracker(slots, "batal", "cancel", form=FORM)
    required = await ValidatePerubahanDayaForm().required_slots([], dispatcher, tracker, domain)
    assert required[0] == "cancel_confirmed" and "customer_number" in required


async def test_batal_remembers_the_interrupted_question_and_asks_yakin(
        client, domain, dispatcher):
    result = await answer(domain, dispatcher, BUDI, "batal aja", "target_power_va",
                          intent="cancel")
    assert result["cancel_pending"] is True and result["cancel_from"] == "target_power_va"
    assert result["requested_slot"] == "cancel_confirmed"
    assert "failed_attempts" not in result  # no failed attempt
    assert dispatcher.messages == []  # the form asks utter_ask_cancel_confirmed


async def test_ga_jadi_at_dilanjutkan_is_the_sops_no_not_a_cancel(client, domain, dispatcher):
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000}
    result = await answer(domain, dispatcher, slots, "ga jadi deh", "proceed", intent="cancel")
    assert result["proceed"] is False and "cancel_pending" not in result
    assert result["requested_slot"] == "decliner_is_owner"  # step 11b


@pytest.mark.parametrize("text, intent, confirmed", [
    ("iya, batalin aja", "cancel", True), ("ya udah batal", "affirm", True),
    ("beneran batal", "inform", True), ("eh jangan", "deny", False),
    ("lanjut aja", "affirm", False), ("nggak jadi batal", "deny", False),
])
async def test_the_cancel_confirmation_in_the_customers_words(client, domain, dispatcher, text,
                                                              intent, confirmed):
    slots = {**BUDI, "cancel_pending": True, "cancel_from": "customer_number"}
    result = await answer(domain, dispatcher, slots, text, "cancel_confirmed", intent=intent)
    assert (result.get("sop_ending") == "issued_closed") is confirmed
    assert result["cancel_pending"] is False


async def test_cancel_confirmed_ends_with_issued_closed(client, domain, dispatcher):
    slots = {**BUDI, "cancel_pending": True, "cancel_from": "target_power_va"}
    result = await answer(domain, dispatcher, slots, "iya", "cancel_confirmed", intent="affirm")
    assert result["sop_ending"] == "issued_closed" and result["cancel_pending"] is False
    assert result["sop_step"] == 5  # the step of the interrupted question
    assert "utter_cancelled" in texts(dispatcher)


async def test_cancel_withdrawn_asks_the_same_question_again(client, domain, dispatcher):
    slots = {**BUDI, "cancel_pending": True, "cancel_from": "customer_number"}
    result = await answer(domain, dispatcher, slots, "tidak, lanjut saja", "cancel_confirmed",
                          intent="deny")
    assert result["cancel_pending"] is False and "sop_ending" not in result
    assert result["requested_slot"] == "customer_number"
    assert "utter_cancel_withdrawn" in texts(dispatcher)


async def test_an_unclear_cancel_answer_is_asked_once_more_then_the_request_goes_on(
        client, domain, dispatcher):
    slots = {**BUDI, "cancel_pending": True, "cancel_from": "customer_number"}
    result = await answer(domain, dispatcher, slots, "hmm", "cancel_confirmed",
                          intent="nlu_fallback")
    assert result["requested_slot"] == "cancel_confirmed" and "sop_ending" not in result
    assert result["cancel_unclear"] is True
    assert "utter_expect_yes_no" in texts(dispatcher)
    result = await answer(domain, dispatcher, {**slots, "cancel_unclear": True}, "hmm",
                          "cancel_confirmed", intent="nlu_fallback")
    assert result["cancel_pending"] is False and "sop_ending" not in result  # never loops
    assert result["requested_slot"] == "customer_number"
    assert texts(dispatcher)[-1] == "utter_cancel_withdrawn"


async def test_phone_correction_at_the_read_back_replaces_the_caller_number(
        client, domain, dispatcher):
    """Caller's own mobile accepted (13b), then "nomor hp nya 0812..." at the read-back:
    the new number is taken and read back again, nothing else is asked again."""
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago",
             "owner_nik": "3273011508850001", "email": "budi@gmail.com",
             "caller_phone_usable": True, "mobile_phone": "081234500101"}
    result = await answer(domain, dispatcher, slots, "nomor hp nya 081298765432",
                          "data_confirmed", entities=[{"entity": "phone",
                                                       "value": "081298765432"}])
    assert result["mobile_phone"] == "081298765432"
    assert result["caller_phone_usable"] is False and result["data_confirmed"] is None
    assert result["requested_slot"] == "data_confirmed"
    assert "utter_correction_taken" in texts(dispatcher)


async def test_invalid_nik_says_why_and_a_valid_one_is_kept(client, domain, dispatcher):
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago"}
    result = await answer(domain, dispatcher, slots, "3273013208850001", "owner_nik")
    assert result["owner_nik"] is None
    # why, as a response of domain.yml (day 32 of the month is no birth date)
    assert "utter_invalid_nik_date" in texts(dispatcher)
    result = await answer(domain, dispatcher, slots, "3273 0115 0885 0001", "owner_nik")
    assert result["owner_nik"] == "3273011508850001"


async def test_kelurahan_with_a_typo_is_matched_in_the_chosen_kecamatan(
        client, domain, dispatcher):
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong"}
    result = await answer(domain, dispatcher, slots, "kel. lebak siliwangy", "kelurahan")
    assert result["kelurahan"] == "Lebak Siliwangi"
    result = await answer(domain, dispatcher, slots, "pasteur", "kelurahan")  # not in Coblong
    assert result["kelurahan"] is None
    assert "utter_invalid_kelurahan" in texts(dispatcher)


async def test_a_landline_is_not_taken_as_the_mobile_for_the_connection_call(
        client, domain, dispatcher):
    slots = {**BUDI, "caller_phone_kind": "pstn"}
    result = await answer(domain, dispatcher, slots, "0217201234", "mobile_phone")
    assert result["mobile_phone"] is None
    assert "utter_phone_not_mobile" in texts(dispatcher)


@pytest.mark.parametrize("text, usable, phone", [
    ("pakai nomor 0812 9876 5432 saja", False, "081298765432"),
    ("nol delapan satu dua tiga empat lima nol nol satu nol satu", True, "081234500101"),
])
async def test_a_number_given_for_can_this_phone_be_used_is_the_one_to_use(
        client, domain, dispatcher, text, usable, phone):
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago",
             "owner_nik": "3273011508850001", "email": "budi@gmail.com"}
    result = await answer(domain, dispatcher, slots, text, "caller_phone_usable")
    assert result["caller_phone_usable"] is usable and result["mobile_phone"] == phone
    assert result["requested_slot"] == "data_confirmed"  # no second phone question


@pytest.mark.parametrize("proceed, ending, said", [
    (True, None, "utter_no_email"), (False, "issued_closed", "utter_not_proceeding"),
])
async def test_no_email_is_an_answer(client, domain, dispatcher, proceed, ending, said):
    """"tidak punya email": the request goes on without one; one who does not go on is
    closed (11b) without an email, not asked again until a CSO takes over."""
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": proceed}
    slots.update({"applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago",
                  "owner_nik": "3273011508850001"} if proceed else {"decliner_is_owner": True})
    result = await answer(domain, dispatcher, slots, "saya tidak punya email", "email",
                          intent="deny")
    assert result["email"] == "" and result.get("sop_ending") == ending
    assert said in texts(dispatcher) and "utter_invalid_email" not in texts(dispatcher)


async def test_no_at_the_read_back_asks_which_field_without_reading_back_again(
        client, domain, dispatcher):
    from actions.asking import ActionAskDataConfirmed
    slots = {**(await budi_found(domain, dispatcher)), "target_power_va": 2200,
             "tariff_confirmed": True, "stroom_awal_rp": 50000, "proceed": True,
             "applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago",
             "owner_nik": "3273011508850001", "email": "budi@gmail.com",
             "caller_phone_usable": True, "mobile_phone": "081234500101"}
    result = await answer(domain, dispatcher, slots, "tidak", "data_confirmed", intent="deny")
    assert result["correction_invited"] is True and result["requested_slot"] == "data_confirmed"
    dispatcher.messages.clear()
    tracker = make_tracker({**slots, "correction_invited": True}, "tidak", "deny")
    events = slot_events(await ActionAskDataConfirmed().run(dispatcher, tracker, domain))
    assert events == {"correction_invited": False} and dispatcher.messages == []


@pytest.fixture
async def backoffice_down():
    """A client whose simulator is not there (nothing listens on port 9)."""
    from actions.backoffice import use_backoffice
    from bot.backoffice.client import AsyncBackofficeClient
    down = AsyncBackofficeClient("http://127.0.0.1:9", timeout=0.2, retries=0)
    use_backoffice(down)
    yield down
    use_backoffice(None)
    await down.aclose()


async def test_an_unreachable_back_office_keeps_the_question_open(backoffice_down, domain,
                                                                   dispatcher):
    """The outage is raised out of the action: Rasa tells the customer and keeps the open
    question (bot.rasa_runtime.action_failures, tested there and in tests/scaled)."""
    from actions.backoffice import BackofficeOutage
    with pytest.raises(BackofficeOutage, match="customer_number"):
        await answer(domain, dispatcher, BUDI, "532110000101", "customer_number")
    assert texts(dispatcher) == []  # nothing half-said


async def test_a_question_that_needs_the_back_office_is_asked_again_when_it_is_back(
        backoffice_down, domain, dispatcher):
    from actions.asking import ActionAskProceed
    from actions.backoffice import BackofficeOutage
    tracker = make_tracker({**BUDI, "idpel": "532110000101", "target_power_va": 2200,
                            "stroom_awal_rp": 50000}, "50rb", form=FORM)
    with pytest.raises(BackofficeOutage):
        await ActionAskProceed().run(dispatcher, tracker, domain)
    assert "utter_ask_proceed" not in texts(dispatcher)


# --- step 12: the owner's NIK against AP2T's record (issue 16) ------------------------------

AT_OWNER_NIK = {"applicant_role": "owner", "kecamatan": "Coblong", "kelurahan": "Dago"}


async def test_the_owners_nik_on_record_is_accepted_and_marked_verified(
        client, domain, dispatcher):
    slots = {**await budi_found(domain, dispatcher), **AT_OWNER_NIK}
    result = await answer(domain, dispatcher, slots, "3273011508850001", "owner_nik")
    assert result["owner_nik"] == "3273011508850001"
    assert result["owner_nik_verified"] is True


async def test_another_valid_nik_is_asked_once_more_then_a_cso_never_a_registration(
        client, domain, dispatcher):
    slots = {**await budi_found(domain, dispatcher), **AT_OWNER_NIK}
    # Siti's NIK: valid, but not the owner's on Budi's IDPEL
    first = await answer(domain, dispatcher, slots, "3174064302900002", "owner_nik")
    assert first["owner_nik"] is None and first["owner_nik_mismatches"] == 1
    assert first.get("failed_attempts") is None  # a NIK, just not the owner's: no failure
    assert "utter_owner_nik_mismatch" in texts(dispatcher)
    second = await answer(domain, dispatcher, {**slots, "owner_nik_mismatches": 1},
                          "3578010407870003", "owner_nik")
    assert second["sop_ending"] == "cso_handoff"
    assert second["handoff_reason"] == "owner_nik_mismatch" and second["sop_step"] == 12
    assert second.get("owner_nik") is None
    assert "utter_owner_nik_not_on_record" in texts(dispatcher)


async def test_nik_guesses_across_conversations_are_held_and_a_cso_takes_over(
        client, domain, dispatcher):
    """Each conversation used to be a fresh pair of guesses. AP2T counts an IDPEL's failed
    checks per day: past the limit (3) even the owner's right NIK is not checked; a CSO
    takes over with a ticket, and the caller is not told whether the NIK was right."""
    slots = {**await budi_found(domain, dispatcher), **AT_OWNER_NIK}
    for guess in ("3174064302900002", "3578010407870003", "3174064302900002"):  # 3 callers
        wrong = await answer(domain, dispatcher, slots, guess, "owner_nik")
        assert wrong["owner_nik_mismatches"] == 1
    held = await answer(domain, dispatcher, slots, "3273011508850001", "owner_nik")
    assert held["sop_ending"] == "cso_handoff" and held["handoff_reason"] == "owner_nik_held"
    assert held["sop_step"] == 12 and held.get("owner_nik") is None
    assert held["owner_nik_verified"] is False
