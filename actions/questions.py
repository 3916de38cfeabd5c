"""Questions off the script, answered at any point; the form then asks again where it was.

Where the conversation already knows the figure (the quote, the service level, the
registration) the answer gives it; otherwise the general rule of the SOP.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.closing_form import choose_lit_tr, lit_tr_names
from actions.conversation import latest_intent, latest_text
from actions.custom_forms import Answer
from bot.backoffice.client import BackofficeError
from bot.sop.answers import (
    about_the_arrears,
    asks_for_lit_tr,
    choice,
    lsp_wanted,
    nik_ready,
    not_now,
    not_now_despite_a_question,
    yes_no,
)
from bot.sop.formatting import rupiah
from bot.sop.names import CLOSING_FORM, OUTCOME_DETAILS, REQUESTED_SLOT
from bot.sop.perubahan_daya import flow

STATIC_ANSWERS = {
    "ask_payment_places": "utter_payment_places",
    "ask_why_nik": "utter_why_nik",
    "bot_challenge": "utter_bot_challenge",
    "out_of_scope": "utter_out_of_scope",
}


class ActionNotUnderstood(Action):
    """Outside a request, a message the NLU was unsure of: a plain "no" or "not now"
    ("nggak dulu deh", "belum siap") is read as one and leads to "Ada lagi yang bisa
    dibantu?" (step 20); anything else gets "saya belum memahami"."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        if told_the_arrears(dispatcher, tracker, text):
            return []
        if not_now(text) or yes_no(None, text) is False:
            return [FollowupAction(CLOSING_FORM)]
        dispatcher.utter_message(response="utter_default")
        return []


def told_the_arrears(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                     asked: bool = False) -> bool:
    """After the arrears stop (step 4), a question about them ("tunggakannya berapa?",
    "bisa dilunasi lewat apa?") is answered with the amount and where to pay. ``asked``:
    the NLU already took it for a cost or payment question."""
    details = tracker.get_slot(OUTCOME_DETAILS) or {}
    amount = details.get("arrears_rp") if isinstance(details, dict) else None
    if not amount or not (asked or about_the_arrears(text)):
        return False
    dispatcher.utter_message(response="utter_arrears_answer", amount=rupiah(int(amount)),
                             months=details.get("arrears_months") or "")
    return True


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        if not_now_despite_a_question(requested, text):
            return [SlotSet(requested, False)]  # the form asks owner-or-authorised (11b)
        if requested == flow.Question.NIK_READY.value and nik_ready(None, text):
            # "KTP-nya sudah saya pegang" reads like a question about documents: a yes
            return [SlotSet(requested, True)]
        if requested == flow.LSP_WANTED and lsp_wanted(None, text) is False:
            # "nggak usah, LIT TR nya di mana?": LSP declined, and 19b for the LIT TR data
            dispatcher.utter_message(response="utter_lsp_declined")
            if asks_for_lit_tr(text):
                dispatcher.utter_message(response="utter_lit_tr_esdm")
            return [SlotSet(requested, False), SlotSet(flow.LIT_TR_CHOICE, "")]
        intent = latest_intent(tracker)
        if told_the_arrears(dispatcher, tracker, text,
                            asked=intent in ("ask_cost", "ask_payment_places")):
            return []
        if (requested == flow.LIT_TR_CHOICE
                and choice(text, await lit_tr_names(tracker)) is not None):
            # "PT Inspeksi Listrik Nusantara" at the LIT TR choice reads like a question
            # about LIT TR: a name of the list is the answer
            chosen = await choose_lit_tr(Answer(text, intent), dispatcher, tracker)
            return [SlotSet(flow.LIT_TR_CHOICE, chosen.value)]
        slot = tracker.get_slot
        if intent == "ask_cost":
            if slot("total_text"):
                dispatcher.utter_message(response="utter_cost_known", total=slot("total_text"))
            else:
                dispatcher.utter_message(response="utter_cost_general")
        elif intent == "ask_duration":
            if slot("service_level_days"):
                dispatcher.utter_message(response="utter_duration_known",
                                         days=int(slot("service_level_days")))
            else:
                dispatcher.utter_message(response="utter_duration_general")
        elif intent == "ask_documents":
            await self.documents(dispatcher, tracker)
        elif intent == "ask_registration_validity":
            await self.validity(dispatcher, tracker)
        elif intent == "ask_slo":  # step 19a; 19b only for LIT TR data (ESDM)
            dispatcher.utter_message(response="utter_slo_advice")
            if asks_for_lit_tr(text):
                dispatcher.utter_message(response="utter_lit_tr_esdm")
        else:
            dispatcher.utter_message(response=STATIC_ANSWERS.get(intent, "utter_out_of_scope"))
        return []

    @staticmethod
    async def documents(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        try:
            info = await backoffice(tracker).info()
        except BackofficeError:
            dispatcher.utter_message(response="utter_documents_general")
            return
        dispatcher.utter_message(response="utter_documents_info", stamps=info.spjbtl_stamps,
                                 stamp_value=rupiah(info.stamp_duty_rp))

    @staticmethod
    async def validity(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        try:
            info = await backoffice(tracker).info()
        except BackofficeError:
            info = None
        days = info.registration_validity_days if info else None
        number = tracker.get_slot("registration_number")
        if number and tracker.get_slot("registration_expires"):
            dispatcher.utter_message(response="utter_validity_known", registration_number=number,
                                     expires=tracker.get_slot("registration_expires"),
                                     days=days or "")
        elif days:
            dispatcher.utter_message(response="utter_validity_general", days=days)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
