"""One place for each fact: the forms' questions are the SOP's (bot.sop.perubahan_daya.flow) and each has
its check; every sentence an action sends is a response of domain.yml; every form slot
ignores the same questions off the script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions import continuation
from actions.closing_form import ValidateClosingForm
from actions.custom_forms import CANCEL_CONFIRMED_SLOT
from actions.sop_form import ValidatePerubahanDayaForm
from bot.backoffice.rules import ServiceLevelReason
from bot.sop.perubahan_daya import flow
from bot.sop.perubahan_daya.flow import Question

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
ACTIONS = sorted((ROOT / "actions").glob("*.py"))


def checks(form_class) -> set[str]:
    return {name.removeprefix("check_") for name in dir(form_class)
            if name.startswith("check_")}


def test_the_sop_forms_questions_are_the_sops_and_each_has_its_check():
    domain_questions = set(DOMAIN["forms"]["perubahan_daya_form"]["required_slots"])
    sop_questions = {question.value for question in Question}
    assert domain_questions == sop_questions | {CANCEL_CONFIRMED_SLOT, *continuation.SLOTS}
    assert checks(ValidatePerubahanDayaForm) == sop_questions


def test_the_closing_forms_questions_are_the_sops_and_each_has_its_check():
    domain_questions = set(DOMAIN["forms"]["closing_form"]["required_slots"])
    assert domain_questions == set(flow.CLOSING_STEP)
    assert checks(ValidateClosingForm) == set(flow.CLOSING_STEP)
    assert flow.closing_questions(saved=True, lsp_available=True,
                                  lsp_wanted=True) == list(flow.CLOSING_STEP)


def test_every_form_slot_ignores_the_same_questions_off_the_script():
    form_slots = {slot for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    lists = set()
    for name in form_slots:
        for mapping in DOMAIN["slots"][name]["mappings"]:
            assert mapping["type"] == "from_text", name
            lists.add(tuple(mapping["not_intent"]))
    assert len(lists) == 1, lists


RESPONSE = re.compile(r'response\s*=\s*"(utter_\w+)"')
DYNAMIC = re.compile(r'response\s*=\s*f"(utter_\w*)\{')

# The responses the actions name with a variable part, and every value that part takes.
FAMILIES = {
    "utter_route_": [route for route in flow.ROUTE_HANDOFF],
    "utter_service_level_": [reason.value for reason in ServiceLevelReason],
    "utter_total_cost_": ["prepaid", "prepaid_ppn", "postpaid", "postpaid_ppn"],
    "utter_invalid_nik_": ["length", "province", "regency", "district", "month", "date",
                           "serial"],
    "utter_noted_": ["stroom_awal_rp", "kecamatan", "kelurahan", "email", "owner_nik",
                     "applicant_nik", "mobile_phone"],
    "utter_ask_": ["kecamatan", "kelurahan"],
}


@pytest.mark.parametrize("path", ACTIONS, ids=[path.name for path in ACTIONS])
def test_every_sentence_an_action_sends_is_a_response_of_the_domain(path):
    source = path.read_text()
    assert "utter_message(text=" not in source, "customer text belongs in domain.yml"
    responses = DOMAIN["responses"]
    for name in RESPONSE.findall(source):
        assert name in responses, f"{path.name}: {name} is not in domain.yml"
    for prefix in DYNAMIC.findall(source):
        assert prefix in FAMILIES, f"{path.name}: unknown response family {prefix}"
        for value in FAMILIES[prefix]:
            assert f"{prefix}{value}" in responses, f"{prefix}{value} is not in domain.yml"


def test_no_customer_text_in_the_actions_besides_the_responses():
    """Indonesian sentences in the actions' code (not docstrings or comments) would be
    customer text outside domain.yml."""
    # a string of three words or more with a word only customer text has
    sentence = re.compile(r'"(?=(?:[^"\n]*\s){2})[^"\n]*\b(mohon|silakan|baik|bapak|ibu|gagal)\b'
                          r'[^"\n]*"', re.IGNORECASE)
    for path in ACTIONS:
        code = [line.split("  #")[0] for line in path.read_text().splitlines()
                if not line.strip().startswith("#") and '"""' not in line]
        hits = [line.strip() for line in code if sentence.search(line)]
        assert not hits, f"{path.name}: {hits}"


def test_the_default_assistant_name_is_the_domains_initial_one():
    from bot.sop.phrases import DEFAULT_ASSISTANT_NAME

    assert DOMAIN["slots"]["assistant_name"]["initial_value"] == DEFAULT_ASSISTANT_NAME


def test_the_action_server_registers_every_form_and_no_form_base_class():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")  # a base class without an SOP would raise here
    assert {f"validate_{form}" for form in DOMAIN["forms"]} <= set(executor.actions)
