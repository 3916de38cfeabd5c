"""Questions whose wording needs the back office: stroom awal (8), cost and duration with
"dilanjutkan?" (9-11), kecamatan/kelurahan lists (12), the read-back (14) and the LIT TR
choice (19c). Every sentence is a response of domain.yml; these actions fill it in."""

from __future__ import annotations

from typing import Any, NoReturn

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import BackofficeOutage, backoffice
from bot.backoffice.client import BackofficeError
from bot.identifiers import mask_address
from bot.sop.formatting import percent, rupiah
from bot.sop.names import REQUESTED_SLOT
from bot.sop.perubahan_daya import PERUBAHAN_DAYA, flow
from bot.sop.perubahan_daya.flow import Question


def backoffice_down(step: int) -> NoReturn:
    """The back office cannot be reached: the question is asked again at the customer's
    next message (``BackofficeOutage``)."""
    raise BackofficeOutage(f"back office unreachable asking at step {step}")


class ActionAskStroomAwal(Action):
    def name(self) -> str:
        return "action_ask_stroom_awal_rp"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            advice = await backoffice(tracker).stroom_awal_advice(
                tracker.get_slot("idpel"), int(tracker.get_slot("target_power_va")))
        except BackofficeError:
            return backoffice_down(PERUBAHAN_DAYA.step_of(Question.STROOM_AWAL.value))
        dispatcher.utter_message(response="utter_ask_stroom_awal_rp",
                                 min_amount=rupiah(advice.min_rp),
                                 max_amount=rupiah(advice.max_rp),
                                 advised_amount=rupiah(advice.advised_rp), days=advice.days)
        return [SlotSet("advised_stroom_awal_rp", advice.advised_rp)]


class ActionAskProceed(Action):
    """Steps 9, 10 and 11: the itemised cost, the service level, then "dilanjutkan?"."""

    def name(self) -> str:
        return "action_ask_proceed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        idpel, target = tracker.get_slot("idpel"), int(tracker.get_slot("target_power_va"))
        stroom = tracker.get_slot("stroom_awal_rp")
        client = backoffice(tracker)
        try:
            quote = await client.quote(idpel, target, int(stroom) if stroom else None)
            level = await client.service_level(idpel, target)
        except BackofficeError:
            return backoffice_down(flow.STEP_COST)
        items: dict[str, Any] = {"total": rupiah(quote.total_rp), "bp": rupiah(quote.bp_rp),
                                 "meterai": rupiah(quote.meterai_rp)}
        kind = "prepaid" if quote.stroom_awal_rp else "postpaid"
        if quote.stroom_awal_rp:
            items.update(stroom_awal=rupiah(quote.stroom_awal_rp),
                         ppj_rate=percent(quote.ppj_rate), ppj=rupiah(quote.ppj_rp))
        if quote.ppn_rp:
            kind += "_ppn"
            items.update(ppn_rate=percent(quote.ppn_rate), ppn=rupiah(quote.ppn_rp))
        dispatcher.utter_message(response=f"utter_total_cost_{kind}", **items)
        dispatcher.utter_message(response=f"utter_service_level_{level.reason.value}",
                                 days=level.days)
        dispatcher.utter_message(response="utter_ask_proceed")
        return [SlotSet("total_rp", quote.total_rp), SlotSet("total_text", rupiah(quote.total_rp)),
                SlotSet("service_level_days", level.days)]


class _AskPlace(Action):
    """Kecamatan and kelurahan, chosen from AP2T's list for the customer's unit (buttons)."""

    question = ""

    def name(self) -> str:
        return f"action_ask_{self.question}"

    def choices(self, areas: dict[str, list[str]], tracker: Tracker) -> list[str]:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            areas = (await backoffice(tracker).areas(tracker.get_slot("idpel"))).areas
        except BackofficeError:
            return backoffice_down(PERUBAHAN_DAYA.step_of(self.question))
        names = self.choices(areas, tracker)
        buttons = [{"title": name, "payload": name} for name in names]
        dispatcher.utter_message(response=f"utter_ask_{self.question}", buttons=buttons,
                                 choices=", ".join(names))
        return []


class ActionAskKecamatan(_AskPlace):
    question = "kecamatan"

    def choices(self, areas: dict[str, list[str]], tracker: Tracker) -> list[str]:
        return list(areas)


class ActionAskKelurahan(_AskPlace):
    question = "kelurahan"

    def choices(self, areas: dict[str, list[str]], tracker: Tracker) -> list[str]:
        return list(areas.get(tracker.get_slot("kecamatan") or "", []))


class ActionAskDataConfirmed(Action):
    """Step 14: name per IDPEL, power, tariff, total cost, address and phone, read back."""

    def name(self) -> str:
        return "action_ask_data_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        slot: Any = tracker.get_slot
        if slot("correction_invited"):  # just asked "data mana yang perlu diperbaiki?"
            return [SlotSet("correction_invited", False)]
        dispatcher.utter_message(
            response="utter_ask_data_confirmed",
            customer_name=slot("customer_name"), idpel=slot("idpel"),
            new_tariff_power=slot("new_tariff_power"), total=slot("total_text"),
            address=(slot("customer_address") if slot("owner_nik_verified")
                     else mask_address(slot("customer_address"))), kelurahan=slot("kelurahan"),
            kecamatan=slot("kecamatan"), phone=slot("mobile_phone"))
        return []


class ActionAskLitTrChoice(Action):
    """Step 19c: for a one-stop (LSP) request, AP2T's LIT TR of the customer's unit, each
    with its PIC's contact, to choose from (buttons)."""

    def name(self) -> str:
        return "action_ask_lit_tr_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            inspectors = await backoffice(tracker).lit_tr(tracker.get_slot("idpel"))
        except BackofficeError:
            inspectors = []
        if not inspectors:  # AP2T cannot list them now: chosen later; step 20 is asked
            dispatcher.utter_message(response="utter_lit_tr_not_chosen")
            dispatcher.utter_message(response="utter_ask_more_help")
            return [SlotSet(flow.LIT_TR_CHOICE, ""), SlotSet(REQUESTED_SLOT, flow.MORE_HELP)]
        listing = "; ".join(f"{i}. {lit.name} (PIC {lit.pic}, {lit.phone})"
                            for i, lit in enumerate(inspectors, start=1))
        buttons = [{"title": lit.name, "payload": lit.name} for lit in inspectors]
        dispatcher.utter_message(response="utter_ask_lit_tr_choice", lit_tr=listing,
                                 buttons=buttons)
        return []
