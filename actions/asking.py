"""Questions whose wording needs the back office: stroom awal (8), cost and duration with
"dilanjutkan?" (9-11), kecamatan/kelurahan lists (12) and the read-back (14)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.custom_forms import outcome_slots
from bot.backoffice.client import BackofficeError
from bot.sop import flow
from bot.sop.flow import HandoffReason
from bot.sop.formatting import percent, rupiah

SERVICE_LEVEL_REASON_TEXT = {
    "no_phase_change": "tanpa perubahan fasa",
    "sr_within_30m": "dengan panjang sambungan rumah (SR) sampai dengan 30 meter",
    "jtr": "karena memerlukan pembangunan jaringan tegangan rendah (JTR)",
    "jtm": "karena memerlukan pembangunan jaringan tegangan menengah (JTM) dan trafo distribusi",
}


def backoffice_down(tracker: Tracker, step: int) -> list[EventType]:
    """End the form and hand over: the back office cannot be reached."""
    slots = outcome_slots(flow.hand_over(HandoffReason.BACKOFFICE_UNAVAILABLE, step))
    return [SlotSet(name, value) for name, value in slots.items()] + [
        SlotSet("requested_slot", None)]


class ActionAskStroomAwal(Action):
    def name(self) -> str:
        return "action_ask_stroom_awal_rp"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        try:
            advice = await backoffice(tracker).stroom_awal_advice(
                tracker.get_slot("idpel"), int(tracker.get_slot("target_power_va")))
        except BackofficeError:
            return backoffice_down(tracker, 8)
        dispatcher.utter_message(response="utter_ask_stroom_awal_rp",
                                 min_amount=rupiah(advice.min_rp),
                                 max_amount=rupiah(advice.max_rp),
                                 advised_amount=rupiah(advice.advised_rp), days=advice.days)
        return []


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
            return backoffice_down(tracker, 9)
        details = [f"biaya penyambungan {rupiah(quote.bp_rp)}",
                   f"biaya meterai {rupiah(quote.meterai_rp)}"]
        if quote.stroom_awal_rp:
            details.append(f"stroom awal {rupiah(quote.stroom_awal_rp)} (listrik prabayar, "
                           f"sudah termasuk PPJ {percent(quote.ppj_rate)} sebesar "
                           f"{rupiah(quote.ppj_rp)})")
        if quote.ppn_rp:
            details.append(f"PPN {percent(quote.ppn_rate)} sebesar {rupiah(quote.ppn_rp)}")
        dispatcher.utter_message(response="utter_total_cost", total=rupiah(quote.total_rp),
                                 details=", ".join(details))
        dispatcher.utter_message(response="utter_service_level", days=level.days,
                                 reason=SERVICE_LEVEL_REASON_TEXT.get(level.reason.value, ""))
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
            return backoffice_down(tracker, 12)
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
            address=f"{slot('customer_address')}, Kel. {slot('kelurahan')}, "
                    f"Kec. {slot('kecamatan')}",
            phone=slot("mobile_phone"))
        return []
