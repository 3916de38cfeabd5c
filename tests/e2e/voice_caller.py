"""A phone call to the stack as Twilio makes it: signed form webhooks in, TwiML read back
(the Gather's action for the next step, what is said, hints and timeouts), and each
prompt's length as espeak-ng's Indonesian voice says it. Used by the voice channel's
tests, `make ivr-demo` and benchmarks/voice_latency.py."""

from __future__ import annotations

import collections
import contextlib
import itertools
import subprocess
import tempfile
import time
import wave
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape

import httpx
from e2e_support import (
    TWILIO_AUTH_TOKEN,
    VOICE_PUBLIC_URL,
    StackProblem,
    conversation_of,
    running_stack,
)
from twilio.request_validator import RequestValidator

from tests.twilio_payloads import (
    gather_digits,
    gather_nothing,
    gather_speech,
    status_callback,
    voice_request,
)

_call_ids = itertools.count(1)


@dataclass
class Twiml:
    root: ElementTree.Element

    @property
    def said(self) -> str:
        """The words said (SSML's marks left out)."""
        return " ".join(" ".join(" ".join(e.itertext()).split()) for e in self.root.iter("Say"))

    @property
    def ssml(self) -> str:
        """What is said as an SSML document (what a speech engine reads)."""
        inner = "".join(escape(e.text or "") + "".join(ElementTree.tostring(c, "unicode")
                                                       for c in e)
                        for e in self.root.iter("Say"))
        return f"<speak>{inner}</speak>"

    @property
    def goes_on(self) -> bool:
        """A prompt that leads to the next one of its turn (one key, or silence)."""
        return self.gather is not None and self.gather.get("numDigits") == "1"

    @property
    def offers_number_again(self) -> bool:
        return self.goes_on and "tekan satu untuk mengulang" in self.said.lower()

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
        self.env = env
        self.token = env["PLN_RASA_TOKEN"]
        self.exchanged: list[tuple[str, str]] = []  # (what was posted, the TwiML answer)
        self.client, self.number = client, number
        self.call_sid = f"CA{next(_call_ids):032d}"
        self.next_url = f"{VOICE_PUBLIC_URL}/webhooks/voice/gather"
        self.validator = RequestValidator(TWILIO_AUTH_TOKEN)

    def post(self, public_url: str, form: list[tuple[str, str]],
             signature: str | None = "sign") -> httpx.Response:
        """POST Twilio's parameters (blank ones included) as Twilio does: urlencoded in its
        order, signed by ``twilio``'s own validator for the URL it called."""
        parts = urlsplit(public_url)
        local = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            headers["X-Twilio-Signature"] = self.validator.compute_signature(public_url,
                                                                             dict(form))
        elif signature:
            headers["X-Twilio-Signature"] = signature
        response = self.client.post(local, content=urlencode(form).encode(), headers=headers)
        posted = {k: v for k, v in form if k in ("SpeechResult", "Digits", "CallStatus")}
        self.exchanged.append((f"POST {parts.path} {posted}", response.text))
        return response

    def _twiml(self, response: httpx.Response) -> Twiml:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        twiml = Twiml(ElementTree.fromstring(response.text))
        if twiml.gather is not None:
            self.next_url = twiml.gather.get("action")
        return twiml

    def dial(self) -> Twiml:
        return self._twiml(self.post(f"{VOICE_PUBLIC_URL}/webhooks/voice/call",
                                     voice_request(self.call_sid, self.number)))

    def say(self, words: str) -> Twiml:
        return self._twiml(self.post(self.next_url, gather_speech(self.call_sid, self.number,
                                                                   words)))

    def key(self, digits: str) -> Twiml:
        return self._twiml(self.post(self.next_url, gather_digits(self.call_sid, self.number,
                                                                   digits)))

    def silence(self) -> Twiml:
        return self._twiml(self.post(self.next_url, gather_nothing(self.call_sid, self.number)))

    def question(self) -> str | None:
        """The question the conversation has open (the form's requested slot), from Rasa's
        tracker: what a person on the line knows from what was asked."""
        conversation = conversation_of(self.env, "voice", self.number)
        response = self.client.get(f"{self.base}/conversations/{conversation}/tracker",
                                   params={"token": self.token})
        response.raise_for_status()
        return (response.json().get("slots") or {}).get("requested_slot")

    def hang_up(self) -> None:
        response = self.post(f"{VOICE_PUBLIC_URL}/webhooks/voice/status",
                             status_callback(self.call_sid, self.number))
        assert response.status_code == 204, response.text


# Budi Santoso's call (1.300 -> 2.200 VA), by speech and keypad: the answer to each question
# the conversation asks (the form's requested slot; None: none open yet, the greeting), as
# (how, what). A yes/no question not listed here is answered YES.
BUDI_ANSWERS: dict[str | None, tuple[str, str]] = {
    None: ("say", "halo, saya mau tambah daya"),
    "caller_name": ("say", "Budi Santoso"),  # only when the CRM does not know the number
    "nik_ready": ("key", "1"),
    "customer_number": ("key", "532110000101#"),
    "target_power_va": ("say", "dua ribu dua ratus"),
    "tariff_confirmed": ("say", "iya betul"),
    "stroom_awal_rp": ("say", "lima puluh ribu"),
    "proceed": ("say", "ya lanjut"),
    "applicant_role": ("key", "1"),
    "kecamatan": ("say", "Coblong"),
    "kelurahan": ("say", "Dago"),
    "owner_nik": ("key", "3273011508850001#"),
    "email": ("say", "budi titik santoso at gmail titik com"),
    "caller_phone_usable": ("key", "1"),
    "data_confirmed": ("say", "ya benar"),
    "info_clear": ("say", "sudah jelas"),
    "lsp_wanted": ("say", "tidak"),  # the one-stop service (LSP) declined
    "more_help": ("say", "tidak ada, terima kasih"),
}
YES = ("say", "ya")
MAX_ASKED = 3  # the same question asked more often: the call is stuck


def answer(caller: Caller, twiml: Twiml, answers: dict[str | None, tuple[str, str]],
           asked: collections.Counter) -> Twiml:
    """The caller's next step: a prompt that goes on is let go on (key 2 at a number's
    offer, # otherwise); a question is answered from ``answers``."""
    if twiml.goes_on:
        return caller.key("2" if twiml.offers_number_again else "#")
    question = caller.question()
    asked[question] += 1
    if asked[question] > MAX_ASKED:
        raise AssertionError(f"asked {question!r} {asked[question]} times: {twiml.said}")
    how, what = answers.get(question, YES)
    return caller.key(what) if how == "key" else caller.say(what)


def play(caller: Caller, answers: dict[str | None, tuple[str, str]] = BUDI_ANSWERS,
         timings: list[float] | None = None) -> list[Twiml]:
    """The call from dialling to hanging up; each prompt's TwiML, and (``timings``) each
    webhook's latency in seconds."""
    def timed(step):
        started = time.perf_counter()
        heard = step()
        if timings is not None:
            timings.append(time.perf_counter() - started)
        return heard

    prompts = [timed(caller.dial)]
    asked: collections.Counter = collections.Counter()
    while prompts[-1].gather is not None:
        prompts.append(timed(lambda: answer(caller, prompts[-1], answers, asked)))
    caller.hang_up()
    return prompts


def spoken_seconds(twiml: Twiml, wav: Path) -> float:
    """How long espeak-ng's Indonesian voice takes to say the prompt, at 150 words a
    minute, reading its SSML as SSML (``-m``); the speech is kept in ``wav``."""
    subprocess.run(["espeak-ng", "-m", "-v", "id", "-s", "150", "-w", str(wav), twiml.ssml],
                   check=True)
    with wave.open(str(wav)) as speech:
        return speech.getnframes() / speech.getframerate()


@contextlib.contextmanager
def voice_stack():
    """The stack as `make run` serves it, with the phone channel on (this module's Twilio
    token and public URL), in a throwaway data folder; ``RuntimeError`` when it does not
    start. For the scripts outside the tests (the demo, the latency benchmark)."""
    settings = {"TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN, "VOICE_PUBLIC_URL": VOICE_PUBLIC_URL}
    with tempfile.TemporaryDirectory(prefix="pln-voice-") as data, \
            running_stack(Path(data), settings=settings) as stack:
        if isinstance(stack, StackProblem):
            raise RuntimeError(stack.message)
        yield stack
