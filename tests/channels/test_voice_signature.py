"""The phone's webhooks as Twilio really posts them (every documented parameter, blank ones
included, urlencoded in Twilio's order), signed by ``twilio``'s own ``RequestValidator``,
through the check the voice channel's routes make (``signed_form``). The routes on the real
stack, a whole call included: tests/e2e/test_channel_voice.py."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.channels.voice_input import posted_form, signed_form
from tests.twilio_payloads import (
    gather_digits,
    gather_nothing,
    gather_speech,
    status_callback,
    voice_request,
)

AUTH_TOKEN = "twilio-auth-token-of-the-tests"
PUBLIC_URL = "https://ivr.pln123.example.id"
CALL, CALLER = "CA" + "1" * 32, "+6281234500101"
VALIDATOR = RequestValidator(AUTH_TOKEN)


class Posted(dict):
    """A form as Twilio's validator reads one with repeated keys (``getlist``)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        super().__init__()
        for key, value in pairs:
            self.setdefault(key, []).append(value)

    def getlist(self, key):
        return self[key]


def twilio_signature(url: str, pairs: list[tuple[str, str]]) -> str:
    return VALIDATOR.compute_signature(url, Posted(pairs))


WEBHOOKS = {
    "incoming call": ("/webhooks/voice/call", voice_request(CALL, CALLER)),
    "gather, speech": ("/webhooks/voice/gather?turn=1",
                       gather_speech(CALL, CALLER, "ya, saya pemiliknya")),
    "gather, a menu key without #": ("/webhooks/voice/gather?turn=2",
                                     gather_digits(CALL, CALLER, "1")),
    "gather, digits ended by #": ("/webhooks/voice/gather?turn=3",
                                  gather_digits(CALL, CALLER, "532110000101", "#")),
    "gather, nothing": ("/webhooks/voice/gather?turn=4", gather_nothing(CALL, CALLER)),
    "status callback": ("/webhooks/voice/status", status_callback(CALL, CALLER)),
}


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_each_webhook_twilio_signs_is_accepted_with_its_blank_parameters(webhook):
    path, pairs = WEBHOOKS[webhook]
    url = PUBLIC_URL + path
    form = signed_form(VALIDATOR, url, urlencode(pairs).encode(), twilio_signature(url, pairs))
    assert form is not None
    assert form["CallSid"] == CALL and form["FromCity"] == "" and form["CallerZip"] == ""
    if "FinishedOnKey" in dict(pairs):
        assert form["FinishedOnKey"] == dict(pairs)["FinishedOnKey"]


def test_the_signature_covers_the_query_string_the_url_and_every_parameter():
    path, pairs = WEBHOOKS["gather, a menu key without #"]
    body, url = urlencode(pairs).encode(), PUBLIC_URL + path
    without_query = twilio_signature(PUBLIC_URL + "/webhooks/voice/gather", pairs)
    other_host = twilio_signature("https://evil.example" + path, pairs)
    without_blanks = twilio_signature(url, [(k, v) for k, v in pairs if v])
    changed = twilio_signature(url, [(k, "2" if k == "Digits" else v) for k, v in pairs])
    for signature in (without_query, other_host, without_blanks, changed, "", None):
        assert signed_form(VALIDATOR, url, body, signature) is None


def test_the_form_is_read_as_posted_blank_and_repeated_values_kept():
    pairs = [("Digits", "1"), ("FinishedOnKey", ""), ("Tag", "a"), ("Tag", "b"),
             ("FromCity", ""), ("SpeechResult", "nol delapan satu dua & tiga")]
    form = posted_form(urlencode(pairs).encode())
    assert form.getlist("FinishedOnKey") == [""] and form.getlist("FromCity") == [""]
    assert form.getlist("Tag") == ["a", "b"]
    assert form.get("SpeechResult") == "nol delapan satu dua & tiga"
    url = PUBLIC_URL + "/webhooks/voice/gather"
    assert signed_form(VALIDATOR, url, urlencode(pairs).encode(),
                       twilio_signature(url, pairs)) is not None
