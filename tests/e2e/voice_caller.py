"""A phone call to the stack as Twilio makes it: signed form webhooks in, TwiML read back
(the Gather's action for the next step, what is said, hints and timeouts). Used by the
voice channel's tests, `make ivr-demo` and benchmarks/voice_latency.py."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from e2e_support import TWILIO_AUTH_TOKEN, VOICE_PUBLIC_URL, StackProblem, running_stack
from twilio.request_validator import RequestValidator

_call_ids = itertools.count(1)


@dataclass
class Twiml:
    root: ElementTree.Element

    @property
    def said(self) -> str:
        return " ".join((e.text or "") for e in self.root.iter("Say"))

    @property
    def gather(self) -> ElementTree.Element | None:
        return self.root.find("Gather")

    @property
    def hung_up(self) -> bool:
        return self.root.find("Hangup") is not None

    @property
    def enqueued(self) -> str | None:
        element = self.root.find("Enqueue")
        return element.text if element is not None else None


class Caller:
    """One phone call to the stack, as Twilio makes it."""

    def __init__(self, env: dict[str, str], client: httpx.Client, number: str):
        self.base = f"http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}"
        self.exchanged: list[tuple[str, str]] = []  # (what was posted, the TwiML answer)
        self.client, self.number = client, number
        self.call_sid = f"CA{next(_call_ids):032d}"
        self.next_url = f"{VOICE_PUBLIC_URL}/webhooks/voice/gather"
        self.validator = RequestValidator(TWILIO_AUTH_TOKEN)

    def post(self, public_url: str, form: dict, signature: str | None = "sign") -> httpx.Response:
        parts = urlsplit(public_url)
        local = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {}
        if signature == "sign":
            headers["X-Twilio-Signature"] = self.validator.compute_signature(public_url, form)
        elif signature:
            headers["X-Twilio-Signature"] = signature
        response = self.client.post(local, data=form, headers=headers)
        posted = {k: v for k, v in form.items() if k in ("SpeechResult", "Digits", "CallStatus")}
        self.exchanged.append((f"POST {parts.path} {posted}", response.text))
        return response

    def _form(self, **fields: str) -> dict:
        return {"AccountSid": "AC" + "0" * 32, "CallSid": self.call_sid, "From": self.number,
                "To": "+62123", "Direction": "inbound", "CallStatus": "in-progress", **fields}

    def _twiml(self, response: httpx.Response) -> Twiml:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        twiml = Twiml(ElementTree.fromstring(response.text))
        if twiml.gather is not None:
            self.next_url = twiml.gather.get("action")
        return twiml

    def dial(self) -> Twiml:
        return self._twiml(self.post(f"{VOICE_PUBLIC_URL}/webhooks/voice/call",
                                     self._form(CallStatus="ringing")))

    def say(self, words: str) -> Twiml:
        return self._twiml(self.post(self.next_url, self._form(SpeechResult=words,
                                                               Confidence="0.92")))

    def key(self, digits: str) -> Twiml:
        return self._twiml(self.post(self.next_url, self._form(Digits=digits)))

    def silence(self) -> Twiml:
        return self._twiml(self.post(self.next_url, self._form()))

    def hang_up(self) -> None:
        response = self.post(f"{VOICE_PUBLIC_URL}/webhooks/voice/status",
                             self._form(CallStatus="completed", CallDuration="42"))
        assert response.status_code == 204, response.text


# A whole call by Budi Santoso (1.300 -> 2.200 VA), by speech and keypad: (how, what) for
# each prompt after the greeting. `from_known_number`: the CRM knows the caller (no name
# asked); otherwise the name is given first.
def budi_call(from_known_number: bool = True) -> list[tuple[str, str]]:
    name = [] if from_known_number else [("say", "Budi Santoso")]
    return [("say", "halo, saya mau tambah daya"), *name, ("key", "1"),
            ("key", "532110000101#"), ("say", "dua ribu dua ratus"), ("say", "iya betul"),
            ("say", "lima puluh ribu"), ("say", "ya lanjut"), ("key", "1"),
            ("say", "Coblong"), ("key", "1"), ("key", "3273011508850001#"),
            ("say", "budi titik santoso at gmail titik com"), ("key", "1"),
            ("say", "ya benar"), ("say", "sudah jelas"), ("key", "1"),
            ("say", "tidak ada, terima kasih")]


def play(caller: Caller, script: list[tuple[str, str]],
         timings: list[float] | None = None) -> list[Twiml]:
    """The call from dialling to hanging up; each prompt's TwiML, and (``timings``) each
    webhook's latency in seconds."""
    def timed(step):
        started = time.perf_counter()
        answer = step()
        if timings is not None:
            timings.append(time.perf_counter() - started)
        return answer

    prompts = [timed(caller.dial)]
    for how, what in script:
        step = caller.key if how == "key" else caller.say
        prompts.append(timed(lambda step=step, what=what: step(what)))
        if prompts[-1].hung_up:
            break
    caller.hang_up()
    return prompts


@contextlib.contextmanager
def voice_stack():
    """The stack as `make run` serves it, with the phone channel on (this module's Twilio
    token and public URL), in a throwaway data folder; ``RuntimeError`` when it does not
    start. For the scripts outside the tests (the demo, the latency benchmark)."""
    settings = {"TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN, "VOICE_PUBLIC_URL": VOICE_PUBLIC_URL}
    with tempfile.TemporaryDirectory(prefix="pln-voice-") as data, \
            running_stack(Path(data), settings=settings) as stack:
        if isinstance(stack, StackProblem):
            raise RuntimeError(stack.reason)
        yield stack
