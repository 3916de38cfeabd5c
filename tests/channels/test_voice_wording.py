"""The phone's own wording (domain.voice.yml through bot/channels/voice_wording.py): each a
variation of a domain response for the voice channel only, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain

from bot.channels.voice_wording import VoiceWording, voice_wording, with_voice_wording

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
WORDING = voice_wording()


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("name", sorted(WORDING))
def test_each_wording_is_of_a_domain_response_and_says_only_what_its_chat_text_has(name):
    chat = {p for variation in DOMAIN.responses[name] for p in placeholders(variation["text"])}
    for variation in WORDING[name]:
        assert placeholders(variation["text"]) <= chat, variation["text"]
        assert set(variation) <= {"text", "condition", "buttons", "custom"}


def test_the_voice_channel_gets_the_wording_every_other_channel_the_chat_text():
    nlg = VoiceWording(domain=DOMAIN)
    for channel, expected in (("voice", WORDING["utter_payment_places"][0]["text"]),
                              ("telegram", DOMAIN.responses["utter_payment_places"][0]["text"]),
                              ("rest", DOMAIN.responses["utter_payment_places"][0]["text"])):
        assert nlg._random_response_for("utter_payment_places", channel, {})["text"] == expected
    chat = DOMAIN.responses["utter_ask_data_confirmed"][0]
    spoken = nlg._random_response_for("utter_ask_data_confirmed", "voice", {})
    assert spoken["text"] != chat["text"] and spoken["buttons"] == chat["buttons"]  # kept


def test_a_wording_of_a_response_the_domain_does_not_have_is_refused():
    with pytest.raises(ValueError, match="utter_gone"):
        with_voice_wording(DOMAIN.responses, {"utter_gone": [{"text": "x"}]})


def test_both_endpoints_files_use_it():
    for name in ("endpoints.yml", "endpoints.production.yml"):
        config = yaml.safe_load((ROOT / name).read_text())
        assert config["nlg"]["type"] == "bot.channels.voice_wording.VoiceWording"


def test_the_wording_is_added_to_the_responses_rasa_gives_when_it_loads_a_model():
    nlg = VoiceWording()  # as Rasa starts it: no domain yet
    assert nlg.responses == {}
    nlg.responses = DOMAIN.responses  # what Rasa's agent does once the model is loaded
    assert nlg._random_response_for("utter_documents", "voice", {})["text"] == \
        WORDING["utter_documents"][0]["text"]
