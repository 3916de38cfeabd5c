"""``closing_form``: "Apakah informasinya sudah jelas?" (18, after a saved request) with
the SLO advice (19), then "Ada lagi yang bisa dibantu?" (20). When it stops, the rules
say the campaign and closing (21) and the customer-intimacy phrase (22)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.custom_forms import SopFormValidationAction, Verdict
from bot.backoffice.client import BackofficeError
from bot.sop.answers import info_clear, more_help
from bot.sop.flow import Ending

FORM = "closing_form"


class ValidateClosingForm(SopFormValidationAction):
    takes_corrections = False

    def name(self) -> str:
        return f"validate_{FORM}"

    def questions(self, tracker: Tracker) -> list[str]:
        saved = tracker.get_slot("sop_ending") == Ending.SAVED.value
        return (["info_clear"] if saved else []) + ["more_help"]

    async def check_info_clear(self, text: str, dispatcher: CollectingDispatcher,
                               tracker: Tracker) -> Verdict:
        clear = self.yes_or_no(info_clear, text, dispatcher, tracker)
        if clear is None:
            return Verdict.refuse(penalised=False)
        if not clear:  # explain again what was asked (step 18)
            dispatcher.utter_message(response="utter_registration_saved",
                                     registration_number=tracker.get_slot("registration_number"))
            dispatcher.utter_message(response="utter_payment_places")
            return Verdict.refuse(penalised=False)
        dispatcher.utter_message(response="utter_slo_advice")  # step 19a
        await utter_lit_tr_list(dispatcher, tracker)
        return Verdict.accept(True)

    async def check_more_help(self, text: str, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        more = self.yes_or_no(more_help, text, dispatcher, tracker)
        if more is None:
            return Verdict.refuse(penalised=False)
        if more:  # "Silakan, apa yang bisa kami bantu?": the next message is heard as such
            dispatcher.utter_message(response="utter_how_else_can_help")
            return Verdict.refuse(penalised=False, **{MORE_HELP_INVITED: True})
        return Verdict.accept(False)


MORE_HELP_INVITED = "more_help_invited"


class ActionAskMoreHelp(Action):
    """Step 20 "Ada lagi yang bisa dibantu?" - not right after "Silakan, apa yang bisa kami
    bantu?" (the customer says what else; a question is answered and this is asked again,
    a new "tambah daya" starts a new request, "tidak" closes)."""

    def name(self) -> str:
        return "action_ask_more_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(MORE_HELP_INVITED):
            return [SlotSet(MORE_HELP_INVITED, False)]
        dispatcher.utter_message(response="utter_ask_more_help")
        return []


async def utter_lit_tr_list(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Step 19b/c: LIT TR data via CC ESDM 136; for the one-stop service (LSP), AP2T's
    list of the customer's unit with each PIC's contact."""
    idpel = tracker.get_slot("idpel")
    try:
        inspectors = await backoffice(tracker).lit_tr(idpel) if idpel else []
    except BackofficeError:
        inspectors = []
    if inspectors:
        listing = "; ".join(f"{i}. {lit.name} (PIC {lit.pic}, {lit.phone})"
                            for i, lit in enumerate(inspectors, start=1))
        dispatcher.utter_message(response="utter_lit_tr_list", lit_tr=listing)
    else:
        dispatcher.utter_message(response="utter_lit_tr_esdm")
