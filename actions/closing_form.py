"""``closing_form``: "Apakah informasinya sudah jelas?" (18, after a saved request) with
the SLO advice (19a), the offer of Layanan Satu Pintu where the unit has it and, for a
customer who wants it, the LIT TR choice (19c), then "Ada lagi
yang bisa dibantu?" (20). When it stops, the rules say the campaign and closing (21) and
the customer-intimacy phrase (22). Which questions apply is ``bot.sop.perubahan_daya.flow``'s."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice import backoffice
from actions.custom_forms import Answer, SopFormValidationAction, Verdict
from bot.backoffice.client import BackofficeError
from bot.sop.answers import (
    asks_for_lit_tr,
    choice,
    info_clear,
    lsp_wanted,
    more_help,
    not_now,
    proceed,
)
from bot.sop.names import CLOSING_FORM, SOP_ENDING
from bot.sop.outcomes import Ending
from bot.sop.perubahan_daya import PERUBAHAN_DAYA, flow

MORE_HELP_INVITED = "more_help_invited"


class ValidateClosingForm(SopFormValidationAction):
    sop = PERUBAHAN_DAYA
    takes_corrections = False
    takes_facts = False

    def name(self) -> str:
        return f"validate_{CLOSING_FORM}"

    def questions(self, tracker: Tracker) -> list[str]:
        return flow.closing_questions(
            saved=tracker.get_slot(SOP_ENDING) == Ending.SAVED.value,
            lsp_available=bool(tracker.get_slot("lsp_available")),
            lsp_wanted=tracker.get_slot(flow.LSP_WANTED))

    def repeats(self, question: str) -> bool:
        # at "sudah jelas?" "maksudnya?" is "not clear"; at the LIT TR choice an ordinal
        # ("yang pertama") can read as one, and a real one gets the choices again
        return question == flow.MORE_HELP

    @staticmethod
    def _stops(answer: Answer) -> bool:
        """"Stop" / "batal" at the closing: nothing more is wanted; the closing follows
        ("nanti aja deh" is not now, not a stop)."""
        return answer.intent == "cancel" and not not_now(answer.text)

    @staticmethod
    def _off_topic(answer: Answer, dispatcher: CollectingDispatcher) -> Verdict | None:
        if answer.intent != "out_of_scope":
            return None
        dispatcher.utter_message(response="utter_out_of_scope")
        return Verdict.refuse(penalised=False)

    async def check_info_clear(self, answer: Answer, dispatcher: CollectingDispatcher,
                               tracker: Tracker) -> Verdict:
        if self._stops(answer):
            return Verdict.accept(True, lsp_wanted=False, lit_tr_choice="", more_help=False)
        verdict = self._off_topic(answer, dispatcher)
        if verdict is not None:
            return verdict
        clear = self.yes_or_no(info_clear, answer, dispatcher)
        if clear is None:
            return Verdict.refuse(penalised=False)
        if not clear:  # explain again what was asked (step 18)
            dispatcher.utter_message(response="utter_registration_saved",
                                     registration_number=tracker.get_slot("registration_number"))
            dispatcher.utter_message(response="utter_payment_places")
            return Verdict.refuse(penalised=False)
        dispatcher.utter_message(response="utter_slo_advice")  # step 19a
        return Verdict.accept(True)

    async def check_lsp_wanted(self, answer: Answer, dispatcher: CollectingDispatcher,
                               tracker: Tracker) -> Verdict:
        """Step 19c: Layanan Satu Pintu offered; who wants it chooses an LIT TR next, who
        does not goes on to "Ada lagi?" (asking for LIT TR data then is 19b's answer)."""
        if self._stops(answer):
            return Verdict.accept(False, lit_tr_choice="", more_help=False)
        wanted = lsp_wanted(answer.intent, answer.text)
        if wanted is None and choice(answer.text, await lit_tr_names(tracker)) is not None:
            # "yang pertama" at the offer: LSP wanted, and that LIT TR chosen
            chosen = await choose_lit_tr(answer, dispatcher, tracker)
            return Verdict.accept(True, lit_tr_choice=chosen.value)
        if wanted is None and asks_for_lit_tr(answer.text):
            dispatcher.utter_message(response="utter_lit_tr_esdm")  # step 19b
            return Verdict.refuse(penalised=False)
        if wanted is None:
            wanted = self.yes_or_no(lsp_wanted, answer, dispatcher)
            if wanted is None:
                return Verdict.refuse(penalised=False)
        if not wanted:
            dispatcher.utter_message(response="utter_lsp_declined")
            if asks_for_lit_tr(answer.text):
                dispatcher.utter_message(response="utter_lit_tr_esdm")  # step 19b
            return Verdict.accept(False, lit_tr_choice="")
        return Verdict.accept(True)

    async def check_lit_tr_choice(self, answer: Answer, dispatcher: CollectingDispatcher,
                                  tracker: Tracker) -> Verdict:
        if self._stops(answer):
            return Verdict.accept("", more_help=False)
        return await choose_lit_tr(answer, dispatcher, tracker)

    async def check_more_help(self, answer: Answer, dispatcher: CollectingDispatcher,
                              tracker: Tracker) -> Verdict:
        if self._stops(answer):
            return Verdict.accept(False)
        verdict = self._off_topic(answer, dispatcher)
        if verdict is not None:
            return verdict
        more = self.yes_or_no(more_help, answer, dispatcher)
        if more is None:
            return Verdict.refuse(penalised=False)
        if more:  # "Silakan, apa yang bisa kami bantu?": the next message is heard as such
            dispatcher.utter_message(response="utter_how_else_can_help")
            return Verdict.refuse(penalised=False, **{MORE_HELP_INVITED: True})
        return Verdict.accept(False)


async def lit_tr_names(tracker: Tracker) -> list[str]:
    """AP2T's LIT TR of the customer's unit (none when AP2T cannot be reached)."""
    try:
        return [lit.name for lit in await backoffice(tracker).lit_tr(tracker.get_slot("idpel"))]
    except BackofficeError:
        return []


async def choose_lit_tr(answer: Answer, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> Verdict:
    """Step 19c: the LIT TR named (by position or name) is recorded with the registration;
    "nanti saja" / "cukup" choose none now; anything else gets the choices again."""
    names = await lit_tr_names(tracker)
    chosen = choice(answer.text, names) if names else None
    if chosen is None:
        intent, text = answer.intent, answer.text
        if not names or proceed(intent, text) is False or more_help(intent, text) is False:
            dispatcher.utter_message(response="utter_lit_tr_not_chosen")
            return Verdict.accept("")
        dispatcher.utter_message(response="utter_invalid_lit_tr_choice",
                                 choices=", ".join(names))
        return Verdict.refuse(penalised=False)
    try:
        await backoffice(tracker).choose_lit_tr(tracker.get_slot("registration_number"),
                                                names[chosen])
    except BackofficeError:
        dispatcher.utter_message(response="utter_lit_tr_not_chosen")
        return Verdict.accept("")
    dispatcher.utter_message(response="utter_lit_tr_chosen", lit_tr=names[chosen])
    return Verdict.accept(names[chosen])


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
