"""Twilio's voice webhooks as Twilio posts them: every parameter its documentation lists
for the request, blank ones included, in the order Twilio sends them.

Sources (Twilio docs, "TwiML for Programmable Voice: Twilio's request to your
application", "<Gather>: action attributes", "Call status callbacks"): an Indonesian
caller's number has no city, state or zip, so ``FromCity``, ``FromState``, ``FromZip``,
``CallerCity``... are posted empty; a Gather ended by its digit count or timeout, not by
``#``, posts ``FinishedOnKey`` empty. Twilio signs the URL and every posted parameter,
empty ones included (``twilio.request_validator``)."""

from __future__ import annotations

ACCOUNT_SID = "AC" + "5" * 32
API_VERSION = "2010-04-01"


def voice_request(call_sid: str, caller: str, called: str = "+62215550123",
                  status: str = "ringing") -> list[tuple[str, str]]:
    """The parameters of every voice webhook for a call from an Indonesian mobile."""
    return [
        ("AccountSid", ACCOUNT_SID), ("ApiVersion", API_VERSION), ("CallSid", call_sid),
        ("CallStatus", status), ("CallToken", ""), ("Called", called), ("CalledCity", ""),
        ("CalledCountry", "ID"), ("CalledState", ""), ("CalledZip", ""), ("Caller", caller),
        ("CallerCity", ""), ("CallerCountry", "ID"), ("CallerState", ""), ("CallerZip", ""),
        ("Direction", "inbound"), ("From", caller), ("FromCity", ""), ("FromCountry", "ID"),
        ("FromState", ""), ("FromZip", ""), ("StirVerstat", ""), ("To", called),
        ("ToCity", ""), ("ToCountry", "ID"), ("ToState", ""), ("ToZip", ""),
    ]


def gather_speech(call_sid: str, caller: str, words: str,
                  confidence: str = "0.9176") -> list[tuple[str, str]]:
    """A Gather's action request after speech (``Language`` as asked, ``msg`` as sent)."""
    return [*voice_request(call_sid, caller, status="in-progress"),
            ("Confidence", confidence), ("Language", "id-ID"), ("SpeechResult", words),
            ("msg", "Gather End")]


def gather_digits(call_sid: str, caller: str, digits: str,
                  finished_on_key: str = "") -> list[tuple[str, str]]:
    """A Gather's action request after keys: ``FinishedOnKey`` empty unless ``#`` ended it."""
    return [*voice_request(call_sid, caller, status="in-progress"),
            ("Digits", digits), ("FinishedOnKey", finished_on_key), ("msg", "Gather End")]


def gather_nothing(call_sid: str, caller: str) -> list[tuple[str, str]]:
    """A Gather's action request when the caller said and keyed nothing (actionOnEmpty)."""
    return [*voice_request(call_sid, caller, status="in-progress"), ("msg", "Gather End")]


def status_callback(call_sid: str, caller: str, status: str = "completed",
                    duration: str = "42") -> list[tuple[str, str]]:
    """The call's status callback when it ends."""
    return [*voice_request(call_sid, caller, status=status),
            ("CallDuration", duration), ("CallbackSource", "call-progress-events"),
            ("Duration", str(max(1, -(-int(duration) // 60)))),
            ("SequenceNumber", "0"), ("SipResponseCode", "200"),
            ("Timestamp", "Tue, 08 Dec 2026 03:10:42 +0000")]
