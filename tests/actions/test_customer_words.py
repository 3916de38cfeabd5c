"""Issue 8 on tracker fixtures: facts given early, corrections only when correcting, the
step-7 branches, the stroom awal in the customer's words, the step-19 LIT TR choice, and a
saved registration always told."""

from types import SimpleNamespace

import pytest

import actions.sop_form as sop_form
from actions.closing_form import ValidateClosingForm
from actions.endings import ActionConcludeRequest
from actions.sop_form import ValidatePerubahanDayaForm
from bot.backoffice.client import Refused, Unavailable
from tests.actions.conftest import make_tracker, slot_events, texts
from tests.actions.test_endings import BUDI_READY

pytestmark = pytest.mark.anyio
FORM = "perubahan_daya_form"
BUDI = {"caller_known": True, "caller_name": "Budi Santoso", "caller_title": "Bapak",
        "caller_phone": "081234500101", "caller_phone_kind": "mobile"}
BUDI_FOUND = {**BUDI, "nik_ready": True, "customer_number": "532110000101",
              "idpel": "532110000101", "prepaid": True, "current_power_va": 1300,
              "unit_name": "ULP Bandung Utara", "unit_address": "Jl. Cikapayang No. 1, Bandung"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def validate(domain, dispatcher, slots, text, requested, intent="inform", entities=None,
                   form_class=ValidatePerubahanDayaForm, form=FORM):
    tracker = make_tracker(slots, text, intent, entities, requested_slot=requested, form=form)
    return slot_events(await form_class().run(dispatcher, tracker, domain))


# --- facts given before they are asked ----------------------------------------------


async def test_an_idpel_and_a_power_of_the_first_message_are_confirmed_not_asked(
        client, domain, dispatcher):
    noted = {"customer_number": "532110000101", "target_power_va": "2200"}
    result = await validate(domain, dispatcher, {**BUDI, "noted_facts": noted}, "sudah",
                            "nik_ready", intent="affirm")
    assert result["customer_number"] == "532110000101" and result["idpel"] == "532110000101"
    assert result["target_power_va"] == 2200 and result["new_tariff_power"] == "R1/2.200 VA"
    assert result["requested_slot"] == "tariff_confirmed"  # "... ke R1/2.200 VA ... ya?"
    assert result["noted_facts"] is None
    assert "utter_customer_found" in texts(dispatcher)  # "Baik, ID pelanggan ... atas nama"


async def test_the_kecamatan_given_with_the_owner_answer_is_taken(client, domain, dispatcher):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True,
             "stroom_awal_rp": 50000, "proceed": True, "noted_facts": {"kecamatan": "Coblong"}}
    result = await validate(domain, dispatcher, slots, "rumah saya sendiri, di kecamatan coblong",
                            "applicant_role", intent="owner")
    assert result["applicant_role"] == "owner" and result["kecamatan"] == "Coblong"
    assert result["requested_slot"] == "kelurahan"
    assert "utter_noted_kecamatan" in texts(dispatcher)


async def test_an_email_given_with_the_nik_is_not_asked(client, domain, dispatcher):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True,
             "stroom_awal_rp": 50000, "proceed": True, "applicant_role": "owner",
             "kecamatan": "Coblong", "kelurahan": "Dago",
             "noted_facts": {"email": "budi@gmail.com"}}
    result = await validate(domain, dispatcher, slots, "3273011508850001 emailnya budi@gmail.com",
                            "owner_nik")
    assert result["owner_nik"] == "3273011508850001" and result["email"] == "budi@gmail.com"
    assert result["requested_slot"] == "caller_phone_usable"
    assert "utter_noted_email" in texts(dispatcher)


async def test_the_answer_to_the_question_asked_is_no_fact_for_later(client, domain, dispatcher):
    slots = {**BUDI_FOUND, "noted_facts": {"target_power_va": "2200"}}
    result = await validate(domain, dispatcher, slots, "3500", "target_power_va")
    assert result["target_power_va"] == 3500 and result["noted_facts"] is None


async def test_a_noted_value_refused_is_dropped_and_the_question_asked(client, domain,
                                                                         dispatcher):
    noted = {"customer_number": "999999999999"}
    result = await validate(domain, dispatcher, {**BUDI, "noted_facts": noted}, "sudah",
                            "nik_ready", intent="affirm")
    assert result["requested_slot"] == "customer_number" and result["noted_facts"] is None
    assert "utter_customer_not_found" in texts(dispatcher)


# --- a correction only when the customer corrects ----------------------------------------


async def test_an_address_naming_a_kecamatan_is_the_applicants_address(client, domain,
                                                                       dispatcher):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True,
             "stroom_awal_rp": 50000, "proceed": True, "applicant_role": "authorised",
             "kecamatan": "Coblong", "kelurahan": "Dago", "owner_nik": "3273011508850001",
             "applicant_nik": "3204101203910015", "applicant_name": "Joko Prasetyo"}
    result = await validate(domain, dispatcher, slots, "Jl. Merdeka 5, kec. Sukajadi",
                            "applicant_address",
                            entities=[{"entity": "kecamatan", "value": "Sukajadi"}])
    assert result["applicant_address"] == "Jl. Merdeka 5, kec. Sukajadi"
    assert "kecamatan" not in result and "utter_correction_taken" not in texts(dispatcher)


YUSUF = {**BUDI_FOUND, "idpel": "532110000909", "customer_number": "532110000909",
         "target_power_va": 4400, "tariff_confirmed": True, "ap2t_notification": True,
         "alternative_va": 2200}


async def test_refusing_the_alternative_by_repeating_the_power_goes_to_the_unit(
        client, domain, dispatcher):
    result = await validate(domain, dispatcher, YUSUF, "nggak, saya maunya tetap 4400",
                            "accept_alternative", intent="correct",
                            entities=[{"entity": "power_va", "value": "4400"}])
    assert result["sop_ending"] == "mbl" and result["sop_step"] == 7
    assert "target_power_va" not in result  # the power first wanted is no correction
    assert "utter_directed_to_unit" in texts(dispatcher)


# --- step 7 edge cases -------------------------------------------------------------------


def fake_check(route="none", notified=False, alternative=None, new_tariff="R-1"):
    notification = (SimpleNamespace(reason="Trafo penuh", max_va=1300, alternative_va=alternative)
                    if notified else None)
    return SimpleNamespace(current_va=1300, higher=True, standard=True, nearest_below_va=None,
                           nearest_above_va=None, route=SimpleNamespace(value=route),
                           notification=notification, new_tariff=new_tariff,
                           use="tempat tinggal", phase_change=False)


class FakeBackoffice:
    def __init__(self, checks):
        self.checks = checks

    def at(self, _moment):
        return self

    async def power_change(self, _idpel, target):
        return self.checks[target]


async def test_a_notification_without_an_alternative_goes_to_the_unit(domain, dispatcher,
                                                                      monkeypatch):
    fake = FakeBackoffice({4400: fake_check(notified=True, alternative=None)})
    monkeypatch.setattr(sop_form, "backoffice", lambda tracker=None: fake)
    result = await validate(domain, dispatcher, BUDI_FOUND, "4400", "target_power_va")
    assert result["sop_ending"] == "mbl"
    refusal = next(m for m in dispatcher.messages
                   if m.get("response") == "utter_ap2t_refused_to_unit")
    assert refusal["target_power"] == "4.400 VA"  # never "ke daya None"
    assert refusal["notification_reason"] == "Trafo penuh"


async def test_an_accepted_alternative_is_routed_like_any_target(domain, dispatcher,
                                                                  monkeypatch):
    fake = FakeBackoffice({900: fake_check(route="dtks")})
    monkeypatch.setattr(sop_form, "backoffice", lambda tracker=None: fake)
    sri = {**BUDI_FOUND, "target_power_va": 1300, "tariff_confirmed": True,
           "ap2t_notification": True, "alternative_va": 900}
    result = await validate(domain, dispatcher, sri, "iya boleh", "accept_alternative",
                            intent="affirm")
    assert result["sop_ending"] == "cso_handoff" and result["handoff_reason"] == "route_dtks"
    assert "utter_route_dtks" in texts(dispatcher)


# --- step 8 in the customer's words ----------------------------------------------------


@pytest.mark.parametrize("text, amount", [("yang disarankan aja", 100000), ("gocap", 50000),
                                          ("cepek aja kak", 100000), ("sejuta", 1000000)])
async def test_stroom_awal_slang_and_the_advice(client, domain, dispatcher, text, amount):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True,
             "advised_stroom_awal_rp": 100000}
    result = await validate(domain, dispatcher, slots, text, "stroom_awal_rp")
    assert result["stroom_awal_rp"] == amount


async def test_an_amount_out_of_range_says_the_range_from_domain_yml(client, domain, dispatcher):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True}
    result = await validate(domain, dispatcher, slots, "2 juta", "stroom_awal_rp")
    assert result["stroom_awal_rp"] is None
    refusal = next(m for m in dispatcher.messages
                   if m.get("response") == "utter_amount_out_of_range")
    assert (refusal["min_amount"], refusal["max_amount"]) == ("Rp5.000", "Rp1.000.000")


# --- saved, then the closing ----------------------------------------------------------


async def saved(domain, dispatcher, sender):
    tracker = make_tracker(BUDI_READY, "iya benar", "affirm", sender_id=sender)
    return slot_events(await ActionConcludeRequest().run(dispatcher, tracker, domain))


async def test_the_lit_tr_chosen_is_recorded_with_the_registration(client, domain, dispatcher,
                                                                    sync_client):
    events = await saved(domain, dispatcher, "conv-lsp")
    assert events["lsp_available"] is True
    number = events["registration_number"]
    assert sync_client.get(f"/ap2t/registrations/{number}").json()["one_stop_service"] is False
    slots = {**BUDI_READY, "sop_ending": "saved", "info_clear": True, "lsp_available": True,
             "registration_number": number}
    result = await validate(domain, dispatcher, slots, "boleh, mau", "lsp_wanted",
                            intent="affirm", form_class=ValidateClosingForm, form="closing_form")
    assert result["lsp_wanted"] is True
    slots["lsp_wanted"] = True
    result = await validate(domain, dispatcher, slots, "yang kedua aja", "lit_tr_choice",
                            form_class=ValidateClosingForm, form="closing_form")
    assert result["lit_tr_choice"] == "CV Laik Operasi Parahyangan"
    assert texts(dispatcher)[-1] == "utter_lit_tr_chosen"
    stored = sync_client.get(f"/ap2t/registrations/{number}").json()
    assert stored["lit_tr_choice"] == "CV Laik Operasi Parahyangan"
    assert stored["one_stop_service"] is True


async def test_declining_layanan_satu_pintu_asks_no_lit_tr(client, domain, dispatcher):
    slots = {**BUDI_READY, "sop_ending": "saved", "info_clear": True, "lsp_available": True,
             "registration_number": "x"}
    result = await validate(domain, dispatcher, slots, "tidak usah", "lsp_wanted",
                            intent="deny", form_class=ValidateClosingForm, form="closing_form")
    assert result["lsp_wanted"] is False and result["lit_tr_choice"] == ""
    assert "more_help" not in result  # "Ada lagi?" next


async def test_lit_tr_data_without_layanan_satu_pintu_is_answered_by_esdm(client, domain,
                                                                          dispatcher):
    slots = {**BUDI_READY, "sop_ending": "saved", "info_clear": True, "lsp_available": True,
             "registration_number": "x"}
    result = await validate(domain, dispatcher, slots, "nggak usah, LIT TR nya di mana saja?",
                            "lsp_wanted", intent="deny",
                            form_class=ValidateClosingForm, form="closing_form")
    assert result["lsp_wanted"] is False
    assert "utter_lit_tr_esdm" in texts(dispatcher)


async def test_stop_at_the_closing_ends_it(client, domain, dispatcher):
    slots = {**BUDI_READY, "sop_ending": "saved"}
    result = await validate(domain, dispatcher, slots, "stop", "info_clear", intent="cancel",
                            form_class=ValidateClosingForm, form="closing_form")
    assert result["info_clear"] is True and result["more_help"] is False
    assert result["lit_tr_choice"] == "" and result["lsp_wanted"] is False  # the closing follows


class BrokenDil:
    """The save works; the DIL mobile update does not."""

    def __init__(self, real):
        self.real = real

    def at(self, moment):
        self.real = self.real.at(moment)
        return self

    def __getattr__(self, name):
        return getattr(self.real, name)

    async def update_dil_mobile(self, *_args):
        raise Unavailable("DIL down")


async def test_a_saved_registration_is_told_even_if_the_dil_update_fails(
        client, domain, dispatcher, sync_client, monkeypatch):
    import actions.endings as endings

    broken = BrokenDil(client)
    monkeypatch.setattr(endings, "backoffice", lambda tracker=None: broken)
    slots = {**BUDI_READY, "caller_phone_usable": False, "mobile_phone": "081298765432"}
    tracker = make_tracker(slots, "iya benar", "affirm", sender_id="conv-dil")
    events = slot_events(await ActionConcludeRequest().run(dispatcher, tracker, domain))
    assert events["sop_ending"] == "saved" and events["registration_number"]
    assert texts(dispatcher)[0] == "utter_registration_saved"
    tickets = sync_client.get("/apkt/tickets", params={"conversation_id": "conv-dil"}).json()
    assert [t["reason"] for t in tickets] == [
        "Pembaruan nomor handphone DIL gagal; mohon diperbarui"]


async def test_a_refusal_to_save_is_no_outage(client, domain, dispatcher, monkeypatch):
    import actions.endings as endings

    class Refusing(BrokenDil):
        async def save_registration(self, _request):
            raise Refused("arrears", 422, "arrears")

    monkeypatch.setattr(endings, "backoffice", lambda tracker=None: Refusing(client))
    tracker = make_tracker(BUDI_READY, "iya benar", "affirm", sender_id="conv-refused")
    events = slot_events(await ActionConcludeRequest().run(dispatcher, tracker, domain))
    assert events["handoff_reason"] == "backoffice_refused"
    assert events["sop_reason"] == "AP2T menolak menyimpan permohonan"


async def test_naming_the_alternative_accepts_it_not_corrects_the_power(client, domain,
                                                                       dispatcher):
    result = await validate(domain, dispatcher, YUSUF, "boleh deh yang 2200",
                            "accept_alternative", intent="inform",
                            entities=[{"entity": "power_va", "value": "2200"}])
    assert result["accept_alternative"] is True and result["target_power_va"] == 2200
    assert "utter_correction_taken" not in texts(dispatcher)
    assert "utter_alternative_taken" in texts(dispatcher)


async def test_refusing_the_alternative_in_words_goes_to_the_unit(client, domain, dispatcher):
    result = await validate(domain, dispatcher, YUSUF, "nggak mau ah kalau cuma 2200",
                            "accept_alternative", intent="deny",
                            entities=[{"entity": "power_va", "value": "2200"}])
    assert result["sop_ending"] == "mbl"


async def test_a_slang_amount_in_a_correction_changes_the_stroom_awal(client, domain,
                                                                     dispatcher):
    slots = {**BUDI_FOUND, "target_power_va": 2200, "tariff_confirmed": True,
             "stroom_awal_rp": 5000}
    result = await validate(domain, dispatcher, slots, "ralat gocap aja deh", "proceed",
                            intent="correct")
    assert result["stroom_awal_rp"] == 50000 and result["proceed"] is None
    assert "utter_correction_taken" in texts(dispatcher)


async def test_not_now_at_the_lit_tr_choice_is_no_stop(client, domain, dispatcher):
    slots = {**BUDI_READY, "sop_ending": "saved", "info_clear": True, "lsp_available": True,
             "lsp_wanted": True, "registration_number": "x"}
    result = await validate(domain, dispatcher, slots, "nanti aja deh", "lit_tr_choice",
                            intent="cancel", form_class=ValidateClosingForm, form="closing_form")
    assert result["lit_tr_choice"] == "" and "more_help" not in result  # "Ada lagi?" next
    assert "utter_lit_tr_not_chosen" in texts(dispatcher)


@pytest.mark.parametrize("text, closes", [("nggak dulu deh", True), ("belum siap mbak", True),
                                          ("nanti aja", True), ("asdf qwerty", False)])
async def test_an_unsure_no_outside_a_request_asks_ada_lagi(domain, dispatcher, text, closes):
    from actions.questions import ActionNotUnderstood

    tracker = make_tracker({}, text, "nlu_fallback")
    events = await ActionNotUnderstood().run(dispatcher, tracker, domain)
    assert (events == [{"event": "followup", "timestamp": None, "name": "closing_form"}]) is closes
    assert (texts(dispatcher) == ["utter_default"]) is not closes


async def test_nanti_dulu_read_as_a_cost_question_at_dilanjutkan_is_no(domain, dispatcher):
    from actions.questions import ActionAnswerQuestion

    tracker = make_tracker({"requested_slot": "proceed"}, "waduh mahal juga, nanti dulu deh",
                           "ask_cost", form=FORM)
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"proceed": False} and dispatcher.messages == []


async def test_ktp_in_hand_read_as_a_documents_question_at_step_3_is_a_yes(domain, dispatcher):
    from actions.questions import ActionAnswerQuestion

    tracker = make_tracker({"requested_slot": "nik_ready"}, "KTP-nya sudah saya pegang",
                           "ask_documents", form=FORM)
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"nik_ready": True} and dispatcher.messages == []


ARREARS_TOLD = {"sop_ending": "issued_closed", "sop_step": 4,
                "outcome_details": {"arrears_rp": 250000, "arrears_months": 2}}


@pytest.mark.parametrize("text, intent", [
    ("tunggakannya berapa ya?", "ask_cost"), ("bisa dilunasi lewat apa?", "ask_payment_places"),
    ("saya kira sudah lunas, kok masih ada?", "nlu_fallback"),
])
async def test_questions_after_the_arrears_stop_get_the_amount_and_where_to_pay(
        domain, dispatcher, text, intent):
    from actions.questions import ActionAnswerQuestion, ActionNotUnderstood

    action = ActionNotUnderstood() if intent == "nlu_fallback" else ActionAnswerQuestion()
    await action.run(dispatcher, make_tracker(ARREARS_TOLD, text, intent), domain)
    (told,) = dispatcher.messages
    assert told["response"] == "utter_arrears_answer" and told["amount"] == "Rp250.000"


async def test_no_lsp_with_a_lit_tr_question_is_declined_and_answered_by_esdm(domain, dispatcher):
    from actions.questions import ActionAnswerQuestion

    tracker = make_tracker({"requested_slot": "lsp_wanted"}, "nggak usah, LIT TR nya di mana?",
                           "ask_slo", form="closing_form")
    events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    assert slot_events(events) == {"lsp_wanted": False, "lit_tr_choice": ""}
    assert texts(dispatcher) == ["utter_lsp_declined", "utter_lit_tr_esdm"]


async def test_a_lit_tr_named_at_the_lsp_offer_takes_lsp_and_records_it(client, domain,
                                                                         dispatcher, sync_client):
    events = await saved(domain, dispatcher, "conv-lsp-first")
    number = events["registration_number"]
    slots = {**BUDI_READY, "sop_ending": "saved", "info_clear": True, "lsp_available": True,
             "registration_number": number}
    result = await validate(domain, dispatcher, slots, "yang pertama", "lsp_wanted",
                            intent="nlu_fallback", form_class=ValidateClosingForm,
                            form="closing_form")
    assert result["lsp_wanted"] is True
    assert result["lit_tr_choice"] == "PT Inspeksi Listrik Nusantara"
    stored = sync_client.get(f"/ap2t/registrations/{number}").json()
    assert stored["one_stop_service"] is True
