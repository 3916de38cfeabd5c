"""Validation of the Perubahan Daya form (``PERUBAHAN_DAYA``): one check per question of
the SOP (steps 2-14).

Each check reads the customer's words with ``bot.language`` / ``bot.sop.answers``, asks the
back office through the client, and returns a ``Verdict``; what the answer leads to is
``bot.sop``'s decision (``flow``, ``power``). What the customer is told is a response of
``domain.yml``, named here.
"""

from __future__ import annotations

from typing import Any, NoReturn

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice import BackofficeOutage, backoffice
from actions.conversation import now
from actions.custom_forms import Answer, SopFormValidationAction, Verdict
from bot.backoffice.client import BackofficeError, NotFound, Refused
from bot.identifiers import PhoneKind
from bot.language import (
    parse_amount,
    parse_customer_number,
    parse_email,
    parse_nik,
    parse_phone_number,
    parse_power,
)
from bot.places import match_place
from bot.sop import power
from bot.sop.answers import (
    address,
    alternative_accepted,
    applicant_role,
    caller_display,
    nik_ready,
    person_name,
    takes_the_advice,
    yes_no,
)
from bot.sop.answers import proceed as read_proceed
from bot.sop.formatting import power as power_text
from bot.sop.formatting import rupiah, tariff_and_power
from bot.sop.perubahan_daya import PERUBAHAN_DAYA, flow
from bot.sop.perubahan_daya.flow import Question

NO_EMAIL = ""  # the email question answered "tidak punya email"

# What a refusal of the back office (its error code) is told as; anything else is the
# generic utter_backoffice_refused.
REFUSALS = {
    "invalid_power": "utter_power_out_of_range",
    "stroom_awal_out_of_range": "utter_amount_out_of_range",
}


def unavailable(tracker: Tracker) -> NoReturn:
    """The back office cannot be reached: the question stays open (``BackofficeOutage``)."""
    raise BackofficeOutage(f"back office unreachable at {tracker.get_slot('requested_slot')}")


def refused(refusal: Refused, dispatcher: CollectingDispatcher, **values: Any) -> Verdict:
    dispatcher.utter_message(response=REFUSALS.get(refusal.code or "",
                                                   "utter_backoffice_refused"), **values)
    return Verdict.refuse()


class ValidatePerubahanDayaForm(SopFormValidationAction):
    sop = PERUBAHAN_DAYA
    continues_requests = True  # offered on another channel when left open

    def confirm_noted(self, question: str, verdict: Verdict,
                      dispatcher: CollectingDispatcher) -> None:
        """A fact given earlier, taken now: said back (the customer number and the power are
        said back by their own step already)."""
        value = verdict.value
        said = {Question.STROOM_AWAL.value: lambda: {"amount": rupiah(int(value))},
                Question.KECAMATAN.value: lambda: {"kecamatan": value},
                Question.KELURAHAN.value: lambda: {"kelurahan": value},
                Question.EMAIL.value: lambda: {"email": value},
                Question.OWNER_NIK.value: dict, Question.APPLICANT_NIK.value: dict,
                Question.MOBILE_PHONE.value: lambda: {"phone": value},
                Question.CALLER_PHONE_USABLE.value: lambda: {
                    "phone": verdict.slots.get("mobile_phone")}}
        if question in said:
            name = "mobile_phone" if question == Question.CALLER_PHONE_USABLE.value else question
            dispatcher.utter_message(response=f"utter_noted_{name}", **said[question]())

    # --- step 2: name ----------------------------------------------------------------

    async def check_caller_name(self, answer: Answer, dispatcher: CollectingDispatcher,
                                tracker: Tracker) -> Verdict:
        title, name = person_name(answer.text)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_caller_name")
            return Verdict.refuse()
        title = title or tracker.get_slot("caller_title") or "Bapak/Ibu"
        return Verdict.accept(name, caller_title=title, caller_display=caller_display(title, name))

    # --- step 3: NIK ready -----------------------------------------------------------

    async def check_nik_ready(self, answer: Answer, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        ready = self.yes_or_no(nik_ready, answer, dispatcher)
        if ready is None:
            return Verdict.refuse()
        if not ready:
            dispatcher.utter_message(response="utter_nik_not_ready")
            return Verdict.end(flow.after_nik_ready(False), False)
        return Verdict.accept(True)

    # --- step 4: IDPEL or meter number, arrears --------------------------------------

    async def check_customer_number(self, answer: Answer, dispatcher: CollectingDispatcher,
                                    tracker: Tracker) -> Verdict:
        if answer.intent in ("not_ready", "deny"):
            dispatcher.utter_message(response="utter_customer_number_not_ready")
            return Verdict.end(flow.after_customer_number_unavailable())
        number = parse_customer_number(answer.text)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_customer_number")
            return Verdict.refuse()
        client = backoffice(tracker)
        try:
            customer = await client.customer(number.value)
            arrears = await client.arrears(customer.idpel)
        except NotFound:
            unknown = int(tracker.get_slot("unknown_numbers") or 0) + 1
            given_up = flow.after_unknown_number(unknown)
            if given_up is not None:
                dispatcher.utter_message(response="utter_customer_number_not_ready")
                return Verdict.end(given_up, unknown_numbers=unknown)
            dispatcher.utter_message(response="utter_customer_not_found", number=number.value)
            return Verdict.refuse(penalised=False, unknown_numbers=unknown)
        except BackofficeError:
            return unavailable(tracker)
        customer_slots = {
            "idpel": customer.idpel,
            "customer_name": customer.name,
            "customer_title": customer.title,
            "customer_address": customer.address,
            "current_power_va": customer.power_va,
            "current_tariff": customer.tariff,
            "current_tariff_power": tariff_and_power(customer.tariff, customer.power_va),
            "prepaid": customer.payment == "prabayar",
            "unit_code": customer.unit.code,
            "unit_name": customer.unit.name,
            "unit_address": customer.unit.address,
            "unit_timezone": customer.unit.timezone,  # the time-of-day words from now on
            "unknown_numbers": 0,
        }
        outcome = flow.after_arrears(arrears.amount_rp, arrears.months)
        if not outcome.carries_on:
            dispatcher.utter_message(response="utter_arrears", amount=rupiah(arrears.amount_rp),
                                     months=arrears.months)
            return Verdict.end(outcome, number.value, **customer_slots)
        dispatcher.utter_message(response="utter_customer_found", idpel=customer.idpel,
                                 customer_name=customer.name,
                                 current_tariff_power=customer_slots["current_tariff_power"])
        return Verdict.accept(number.value, **customer_slots)

    # --- step 5 and 7: target power, tariff, AP2T notification ------------------------

    async def _decide_power(self, target: int, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> tuple[power.PowerDecision, Any] | Verdict:
        """AP2T's check of ``target`` and the SOP's decision; a Verdict when it cannot be
        made (refused, unreachable)."""
        try:
            check = await backoffice(tracker).power_change(tracker.get_slot("idpel"), target)
        except Refused as refusal:
            return refused(refusal, dispatcher)
        except BackofficeError:
            return unavailable(tracker)
        notification = check.notification
        decision = power.decide(
            power.Ap2tCheck(
                current_va=check.current_va, higher=check.higher, standard=check.standard,
                nearest_below_va=check.nearest_below_va, nearest_above_va=check.nearest_above_va,
                route=check.route.value if check.route else None, notified=notification is not None,
                alternative_va=notification.alternative_va if notification else None),
            tracker.get_slot("unit_name") or "", tracker.get_slot("unit_address") or "")
        return decision, check

    def _say_why_not(self, decision: power.PowerDecision, target: int, current_va: int,
                     dispatcher: CollectingDispatcher) -> Verdict:
        """A figure that is no request yet (not higher, not a standard step): the customer
        is told why and asked again, without a failed attempt."""
        if decision.verdict is power.PowerVerdict.NOT_HIGHER:
            dispatcher.utter_message(response="utter_power_not_higher", target=power_text(target),
                                     current=power_text(current_va))
        else:
            dispatcher.utter_message(response="utter_power_not_standard", target=power_text(target),
                                     nearest=" atau ".join(power_text(va)
                                                           for va in decision.nearest_va))
        return Verdict.refuse(penalised=False)

    async def check_target_power_va(self, answer: Answer, dispatcher: CollectingDispatcher,
                                    tracker: Tracker) -> Verdict:
        target = parse_power(answer.text)
        if target is None:
            dispatcher.utter_message(response="utter_invalid_power")
            return Verdict.refuse()
        decided = await self._decide_power(target, dispatcher, tracker)
        if isinstance(decided, Verdict):
            return decided
        decision, check = decided
        if decision.asks_again:
            return self._say_why_not(decision, target, check.current_va, dispatcher)
        if decision.verdict is power.PowerVerdict.ROUTED:
            dispatcher.utter_message(response=f"utter_route_{check.route.value}")
            return Verdict.end(decision.outcome, target)
        if decision.verdict is power.PowerVerdict.UNIT:
            dispatcher.utter_message(response="utter_ap2t_refused_to_unit",
                                     target_power=power_text(target),
                                     notification_reason=check.notification.reason)
            return Verdict.end(decision.outcome, target)
        slots: dict[str, Any] = {
            "new_tariff": check.new_tariff,
            "new_tariff_power": tariff_and_power(check.new_tariff or "", target),
            "use": check.use,
            "phase_change": check.phase_change,
            "ap2t_notification": decision.verdict is power.PowerVerdict.ALTERNATIVE,
            "alternative_va": decision.alternative_va,
            "alternative_power": (power_text(decision.alternative_va)
                                  if decision.alternative_va else None),
            "notification_reason": check.notification.reason if check.notification else None,
            "target_power": power_text(target),
        }
        return Verdict.accept(target, **slots)

    async def check_tariff_confirmed(self, answer: Answer, dispatcher: CollectingDispatcher,
                                     tracker: Tracker) -> Verdict:
        confirmed = self.yes_or_no(yes_no, answer, dispatcher)
        if confirmed is None:
            return Verdict.refuse()
        if not confirmed:  # the use is not the one in AP2T: a change of use
            dispatcher.utter_message(response="utter_route_not_this_sop")
            return Verdict.end(flow.after_tariff_confirmation(False), False)
        dispatcher.utter_message(response="utter_tariff_policy")  # step 6
        return Verdict.accept(True)

    async def check_accept_alternative(self, answer: Answer, dispatcher: CollectingDispatcher,
                                       tracker: Tracker) -> Verdict:
        alternative = int(tracker.get_slot("alternative_va") or 0)
        accepted = alternative_accepted(
            answer.intent, answer.text, parse_power(answer.text),
            int(tracker.get_slot("target_power_va") or 0), alternative)
        if accepted is None:
            dispatcher.utter_message(response="utter_expect_yes_no")
            return Verdict.refuse()
        if not accepted:
            dispatcher.utter_message(response="utter_directed_to_unit")
            return Verdict.end(flow.after_alternative(
                False, tracker.get_slot("unit_name") or "",
                tracker.get_slot("unit_address") or ""), False)
        decided = await self._decide_power(alternative, dispatcher, tracker)
        if isinstance(decided, Verdict):
            return decided
        decision, check = decided
        if decision.verdict is power.PowerVerdict.ROUTED:  # the same routes as any target
            dispatcher.utter_message(response=f"utter_route_{check.route.value}")
            return Verdict.end(decision.outcome, True, target_power_va=alternative)
        new_tariff_power = tariff_and_power(check.new_tariff or "", alternative)
        dispatcher.utter_message(response="utter_alternative_taken",
                                 new_tariff_power=new_tariff_power)
        return Verdict.accept(True, target_power_va=alternative, new_tariff=check.new_tariff,
                              new_tariff_power=new_tariff_power, use=check.use,
                              phase_change=check.phase_change,
                              target_power=power_text(alternative))

    # --- step 8: stroom awal -----------------------------------------------------------

    async def check_stroom_awal_rp(self, answer: Answer, dispatcher: CollectingDispatcher,
                                   tracker: Tracker) -> Verdict:
        advised = tracker.get_slot("advised_stroom_awal_rp")
        text = answer.text
        amount = int(advised) if advised and takes_the_advice(text) else parse_amount(text)
        if amount is None:
            dispatcher.utter_message(response="utter_invalid_amount")
            return Verdict.refuse()
        client = backoffice(tracker)
        try:
            await client.quote(tracker.get_slot("idpel"),
                               int(tracker.get_slot("target_power_va")), amount)
        except Refused as refusal:
            try:
                info = await client.info()
            except BackofficeError:
                return unavailable(tracker)
            return refused(refusal, dispatcher, min_amount=rupiah(info.stroom_awal_min_rp),
                           max_amount=rupiah(info.stroom_awal_max_rp))
        except BackofficeError:
            return unavailable(tracker)
        return Verdict.accept(amount)

    # --- step 11: proceed, and the owner-or-authorised question when not --------------

    async def check_proceed(self, answer: Answer, dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Verdict:
        proceed = self.yes_or_no(read_proceed, answer, dispatcher)
        if proceed is None:
            return Verdict.refuse()
        return Verdict.accept(proceed)

    async def check_decliner_is_owner(self, answer: Answer, dispatcher: CollectingDispatcher,
                                      tracker: Tracker) -> Verdict:
        is_owner = (True if applicant_role(answer.intent, answer.text)
                    else yes_no(answer.intent, answer.text))
        if is_owner is None:
            dispatcher.utter_message(response="utter_expect_owner_or_authorised")
            return Verdict.refuse()
        outcome = flow.after_decliner(is_owner)
        if not outcome.carries_on:
            dispatcher.utter_message(response="utter_not_proceeding")
            return Verdict.end(outcome, False)
        return Verdict.accept(True)

    # --- step 12: owner or authorised, area, NIKs, applicant, email --------------------

    async def check_applicant_role(self, answer: Answer, dispatcher: CollectingDispatcher,
                                   tracker: Tracker) -> Verdict:
        role = applicant_role(answer.intent, answer.text)
        if role is None:
            dispatcher.utter_message(response="utter_expect_owner_or_authorised")
            return Verdict.refuse()
        if role == flow.AUTHORISED:
            dispatcher.utter_message(response="utter_bring_power_of_attorney")
        return Verdict.accept(role)

    async def _areas(self, tracker: Tracker) -> dict[str, list[str]]:
        return (await backoffice(tracker).areas(tracker.get_slot("idpel"))).areas

    async def check_kecamatan(self, answer: Answer, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        try:
            areas = await self._areas(tracker)
        except BackofficeError:
            return unavailable(tracker)
        matches = match_place(answer.text, areas)
        if not matches:
            dispatcher.utter_message(response="utter_invalid_kecamatan",
                                     choices=", ".join(areas))
            return Verdict.refuse()
        return Verdict.accept(matches[0][0])

    async def check_kelurahan(self, answer: Answer, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        try:
            areas = await self._areas(tracker)
        except BackofficeError:
            return unavailable(tracker)
        choices = areas.get(tracker.get_slot("kecamatan") or "", [])
        matches = match_place(answer.text, choices)
        if not matches:
            dispatcher.utter_message(response="utter_invalid_kelurahan",
                                     choices=", ".join(choices))
            return Verdict.refuse()
        return Verdict.accept(matches[0][0])

    async def _nik(self, text: str, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> Verdict:
        nik = parse_nik(text, now(tracker).date())
        if nik is None:
            dispatcher.utter_message(response="utter_invalid_nik")
            return Verdict.refuse()
        if not nik.valid:
            dispatcher.utter_message(response=f"utter_invalid_nik_{nik.code}",
                                     digits=len(nik.nik))
            return Verdict.refuse()
        return Verdict.accept(nik.nik)

    async def check_owner_nik(self, answer: Answer, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        verdict = await self._nik(answer.text, dispatcher, tracker)
        if not verdict.accepted:
            return verdict
        try:
            checked = await backoffice(tracker).owner_nik_check(tracker.get_slot("idpel"),
                                                                verdict.value)
        except BackofficeError:
            return unavailable(tracker)
        if checked.held:
            return Verdict.end(flow.after_owner_nik_held(), None, owner_nik_verified=False)
        if checked.match:
            return Verdict.accept(verdict.value, owner_nik_verified=True)
        mismatches = int(tracker.get_slot("owner_nik_mismatches") or 0) + 1
        outcome = flow.after_owner_nik_mismatch(mismatches)
        if outcome is not None:
            dispatcher.utter_message(response="utter_owner_nik_not_on_record")
            return Verdict.end(outcome, None, owner_nik_mismatches=mismatches,
                               owner_nik_verified=False)
        dispatcher.utter_message(response="utter_owner_nik_mismatch")
        return Verdict.refuse(penalised=False, owner_nik_mismatches=mismatches,
                              owner_nik_verified=False)

    async def check_applicant_nik(self, answer: Answer, dispatcher: CollectingDispatcher,
                                  tracker: Tracker) -> Verdict:
        return await self._nik(answer.text, dispatcher, tracker)

    async def check_applicant_name(self, answer: Answer, dispatcher: CollectingDispatcher,
                                   tracker: Tracker) -> Verdict:
        _title, name = person_name(answer.text)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_applicant_name")
            return Verdict.refuse()
        return Verdict.accept(name)

    async def check_applicant_address(self, answer: Answer, dispatcher: CollectingDispatcher,
                                      tracker: Tracker) -> Verdict:
        tidy = address(answer.text)
        if tidy is None:
            dispatcher.utter_message(response="utter_invalid_address")
            return Verdict.refuse()
        return Verdict.accept(tidy)

    async def check_email(self, answer: Answer, dispatcher: CollectingDispatcher,
                          tracker: Tracker) -> Verdict:
        email = parse_email(answer.text)
        declining = tracker.get_slot("proceed") is False
        if email is None and yes_no(answer.intent, answer.text) is False:
            # "tidak punya email": the request goes on without one (the registration
            # number is what counts); one who does not go on gets the closing (11b)
            if declining:
                dispatcher.utter_message(response="utter_not_proceeding")
                return Verdict.end(flow.after_proceed(False, decliner_is_owner=True), NO_EMAIL)
            dispatcher.utter_message(response="utter_no_email")
            return Verdict.accept(NO_EMAIL)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return Verdict.refuse()
        if declining:  # step 11b: information sent by email
            dispatcher.utter_message(response="utter_not_proceeding_email")
            return Verdict.end(flow.after_proceed(False, decliner_is_owner=True,
                                                  email_given=True), email)
        return Verdict.accept(email)

    # --- step 13: phone -----------------------------------------------------------------

    async def check_caller_phone_usable(self, answer: Answer, dispatcher: CollectingDispatcher,
                                        tracker: Tracker) -> Verdict:
        phone = parse_phone_number(answer.text)
        if phone is not None:  # answered with a number: the one to use (13b/13c)
            if phone.national == tracker.get_slot("caller_phone"):
                return Verdict.accept(True, mobile_phone=phone.national)
            if phone.kind != PhoneKind.MOBILE:
                dispatcher.utter_message(response="utter_phone_not_mobile")
                return Verdict.refuse()
            return Verdict.accept(False, mobile_phone=phone.national)
        usable = self.yes_or_no(yes_no, answer, dispatcher)
        if usable is None:
            return Verdict.refuse()
        if usable:
            return Verdict.accept(True, mobile_phone=tracker.get_slot("caller_phone"))
        return Verdict.accept(False)

    async def check_mobile_phone(self, answer: Answer, dispatcher: CollectingDispatcher,
                                 tracker: Tracker) -> Verdict:
        phone = parse_phone_number(answer.text)
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
            return Verdict.refuse()
        if phone.kind != PhoneKind.MOBILE:
            dispatcher.utter_message(response="utter_phone_not_mobile")
            return Verdict.refuse()
        return Verdict.accept(phone.national)

    # --- step 14: read-back -------------------------------------------------------------

    async def check_data_confirmed(self, answer: Answer, dispatcher: CollectingDispatcher,
                                   tracker: Tracker) -> Verdict:
        confirmed = self.yes_or_no(yes_no, answer, dispatcher)
        if confirmed is None:
            return Verdict.refuse()
        if not confirmed:
            dispatcher.utter_message(response="utter_ask_which_correction")
            return Verdict.refuse(penalised=False, correction_invited=True)
        return Verdict.accept(True)
