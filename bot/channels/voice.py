"""The phone (IVR) on the channel contract: Twilio Voice webhooks in, TwiML out.

Twilio posts a form for each step of a call; this answers with TwiML (``twilio``'s
``VoiceResponse``). Only translation lives here:

- a call: the caller's number (``From``) is the caller id (SOP step 1: the CRM's name;
  step 13); the conversation is ``voice:<pseudonym>``, the keyed pseudonym of ``From``
  (``bot.pseudonyms``; ``voice:<CallSid>`` for a hidden number), started afresh at every
  call (``/restart``, then the greeting);
- each turn: what the assistant says, as words a voice reads right
  (``bot.language.spoken``), inside a ``<Gather input="speech dtmf" language="id-ID">``
  whose hints and timeouts fit the open question (digits for IDPEL/NIK/phone, with ``#``
  to end a keypad entry; amounts; ya/tidak; the choices' names); the caller can interrupt
  the prompt (barge-in);
- a turn's replies become prompts the caller moves through (``voice_prompts``): none
  longer than about 20 s, the question last; a prompt that goes on waits a moment for a
  key or a word (any key, or silence, goes on); a number to write down is said slowly,
  twice, then offered again (key 1);
- "ulangi" or ``*``, at any prompt, says it again (from where its reply began), without
  the assistant hearing it: no failed attempt;
- choices: the key and the spoken name both work; a spoken menu ("tekan satu untuk
  Coblong, ...") is said when the caller needs it (``_says_menu``);
- silence: the question again in other words, twice; the third time the call goes to a
  CSO (the assistant records the hand-over ticket: ``/caller_silent``);
- a hand-over: the ticket number is said, then ``<Enqueue>`` to the CSO queue (or
  ``<Dial>`` a number); the conversation's end: ``<Hangup>``;
- the call's end (status callback ``completed``): ``/call_ended``, which records an
  unfinished request for a call back.

A call's few facts between webhooks (its prompts, the menu, the silences) are
kept here per ``CallSid``, bounded; ``VoiceChannel`` is framework-free (tested with signed
Twilio forms), ``voice_input.VoiceInput`` plugs it into Rasa.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Gather, Say, VoiceResponse

from bot.channels.contract import (
    CALL_ENDED,
    CALLER_SILENT,
    Inbound,
    Process,
    RecentReplies,
    Refused,
    conversation_id,
    inbound,
)
from bot.channels.replies import Button, Reply, replies_of
from bot.channels.voice_prompts import (
    KEYS_HINT,
    PROMPT_SECONDS,
    Prompt,
    listed_details,
    prompts_of,
)
from bot.identifiers import mask
from bot.language.spoken import speakable, spell_code
from bot.pseudonyms import load_key, pseudonym

logger = logging.getLogger(__name__)

CHANNEL = "voice"
GREET = "/greet"
RESTART = "/restart"
MAX_SILENCES = 2  # reprompts; the next silence goes to a CSO
MAX_CALLS = 10_000  # calls remembered at once (oldest forgotten first)
CALL_TTL_S = 4 * 3600.0
# A turn that could not be processed at all (the channel contract's TURN_FAILED, spoken):
# the caller hears it, then the open question again, and the call goes on.
TURN_FAILED_SPOKEN = ("Mohon maaf, jawaban Bapak/Ibu belum dapat kami proses karena gangguan "
                      "sistem. Mohon diulangi beberapa saat lagi.")

# The question again "in other words": what comes before it after each silence.
SILENCE_PREFACES = (
    "Mohon maaf, suara Bapak/Ibu belum terdengar.",
    "Bapak/Ibu dapat menjawab dengan berbicara, atau dengan menekan tombol angka di "
    "telepon lalu diakhiri tanda pagar.",
)
TRANSFER_NOTICE = "Mohon tunggu, panggilan Bapak/Ibu kami sambungkan ke petugas CSO kami."
TICKET_NOTICE = "Nomor tiket Bapak/Ibu:"
# What a caller says to hear the last prompt again ("ulangi", "tolong diulang", "bisa
# diulangi lagi?", "sekali lagi"); the key is REPEAT_KEY. Nothing else is taken for it.
_ASKS_AGAIN = re.compile(
    r"^(?:(?:tolong|mohon|bisa|coba|maaf|mbak|mas|pak|bu)\s+)*"
    r"(?:(?:di)?ulang(?:i|in|kan)?|sekali lagi)(?:\s+(?:lagi|dong|ya|mbak|mas|pak|bu))*$")
REPEAT_KEY = "*"
AGAIN_KEY, AGAIN_WORDS = "1", ("satu", "nomor satu", "yang satu")  # at a number's offer
LISTEN, TRANSFER, HANG_UP = "listen", "transfer", "hang up"  # what the last prompt leads to


@dataclass(frozen=True)
class Listening:
    """How a question is listened for: Twilio's ``hints``, ``timeout`` (seconds before
    the caller starts) and ``speechTimeout`` (silence that ends the answer)."""

    hints: str = ""
    timeout: int = 6
    speech_timeout: str = "auto"


DIGITS = "$OOV_CLASS_DIGIT_SEQUENCE"
YES_NO_HINTS = "ya, tidak, sudah, belum, benar, bisa, lanjut, pemilik, dikuasakan"
# By the form's open question (``requested_slot``); a long number needs time to say.
LISTENING: dict[str, Listening] = {
    "customer_number": Listening(DIGITS, timeout=10, speech_timeout="3"),
    "owner_nik": Listening(DIGITS, timeout=12, speech_timeout="3"),
    "applicant_nik": Listening(DIGITS, timeout=12, speech_timeout="3"),
    # a question about a registration already made (actions/status.py): its number (17
    # digits) and the owner's NIK, said or keyed in like the request's
    "status_number": Listening(DIGITS, timeout=12, speech_timeout="3"),
    "status_owner_nik": Listening(DIGITS, timeout=12, speech_timeout="3"),
    "mobile_phone": Listening(DIGITS, timeout=10, speech_timeout="3"),
    "caller_phone_usable": Listening(f"{YES_NO_HINTS}, {DIGITS}", timeout=8),
    "target_power_va": Listening("volt ampere, VA, kVA, 900, 1300, 2200, 3500, 4400, 5500, "
                                 "6600, 7700, 10600, 11000, 13200, 16500, 23000", timeout=8),
    "stroom_awal_rp": Listening("ribu, puluh ribu, ratus ribu, rupiah, $OOV_CLASS_DIGIT_SEQUENCE",
                                timeout=8),
    "email": Listening("et, titik, gmail, yahoo, com, co id, tidak punya", timeout=10,
                       speech_timeout="3"),
    "caller_name": Listening(timeout=8),
    "applicant_name": Listening(timeout=8),
    "applicant_address": Listening("jalan, nomor, RT, RW, gang, blok", timeout=10,
                                   speech_timeout="3"),
}
DEFAULT_LISTENING = Listening()
# A prompt that goes on: a moment for a key (one is enough) or "ulangi", then the next.
GOING_ON = Listening("ulangi, lanjut, satu, dua", timeout=2)
OFFERING = Listening("ulangi, lanjut, satu, dua", timeout=5)  # a number's offer: time to press


@dataclass(frozen=True)
class VoiceSettings:
    auth_token: str  # Twilio's: the key of every request's X-Twilio-Signature
    public_url: str  # where Twilio reaches this server, e.g. https://ivr.example.id
    voice: str = "Google.id-ID-Standard-A"
    language: str = "id-ID"
    cso_queue: str = "cso-pln123"  # <Enqueue> the call here for the CSOs
    cso_number: str | None = None  # or <Dial> this number instead
    pseudonym_key_file: str = ""  # the key of the conversations' pseudonyms (bot.pseudonyms)

    def __post_init__(self):
        if not self.auth_token:
            raise ValueError("the voice channel needs TWILIO_AUTH_TOKEN: every request's "
                             "signature is checked with it")
        if not self.public_url.startswith(("https://", "http://")):
            raise ValueError("the voice channel needs its public URL (VOICE_PUBLIC_URL), "
                             "e.g. https://ivr.example.id: Twilio signs the URL it calls")
        if not self.pseudonym_key_file:
            raise ValueError("the voice channel needs the pseudonym key (PLN_PSEUDONYM_KEY_FILE):"
                             " a conversation is never named by the caller's number")


@dataclass
class Call:
    sender: str
    caller_id: str | None
    prompts: list[Prompt] = field(default_factory=lambda: [Prompt()])  # the turn's
    at: int = 0  # the prompt said last
    leads_to: str = LISTEN  # what follows the turn's last prompt
    menu: tuple[Button, ...] = ()
    details: dict[str, str] = field(default_factory=dict)  # the menu's choices' details
    hinted: bool = False  # KEYS_HINT said
    ticket: str | None = None  # a hand-over's
    question: str | None = None
    silences: int = 0
    answers: int = 0  # TwiML documents answered (each Gather's action is unique)
    last: tuple[str, str] = ("", "")  # the last webhook's turn and its answer (a retry)
    seen: float = field(default_factory=time.monotonic)

    @property
    def prompt(self) -> Prompt:
        return self.prompts[self.at]

    @property
    def going_on(self) -> bool:
        """Whether the prompt said last leads to another of the turn (not the question)."""
        return self.at < len(self.prompts) - 1


# the conversation's open question (the form's requested slot), or None
Asking = Callable[[str], Awaitable["str | None"]]


def asks_again(keyed: str, heard: str) -> bool:
    """Whether the caller asks to hear the last prompt again (``*`` or "ulangi")."""
    words = " ".join(re.sub(r"[^\w\s]", " ", heard.lower()).split())
    return keyed == REPEAT_KEY or (not keyed and bool(_ASKS_AGAIN.match(words)))


def chosen(text: str, menu: tuple[Button, ...]) -> str:
    """A key pressed at a menu is the choice's word; anything else stays as it is."""
    if text.isdigit() and menu and 1 <= int(text) <= len(menu):
        return menu[int(text) - 1].payload
    return text


class VoiceChannel:
    def __init__(self, settings: VoiceSettings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.clock = clock
        self.pseudonym_key = load_key(settings.pseudonym_key_file)
        self._calls: OrderedDict[str, Call] = OrderedDict()
        self.recent = RecentReplies()  # a webhook Twilio posts twice is one turn

    # --- the three webhooks -------------------------------------------------------------

    async def incoming(self, form: Mapping[str, str], process: Process, asking: Asking) -> str:
        """A new call: a fresh conversation, greeted."""
        call_sid = form.get("CallSid") or ""
        number = (form.get("From") or "").strip()
        caller_id = number if number.lstrip("+").isdigit() else None
        # the caller's pseudonym, never the number; a hidden number: this call's own
        sender = conversation_id(CHANNEL, pseudonym(self.pseudonym_key, caller_id)
                                 if caller_id else call_sid)
        call = self._remember(call_sid, Call(sender, caller_id))
        try:
            await process(self._inbound(call, RESTART, f"{call_sid}:restart"))
        except Exception:  # noqa: BLE001 - the caller hears it; the log has the error
            logger.exception("call of %s could not start", mask(call.sender))
            return self._listen(call, Prompt(speakable(TURN_FAILED_SPOKEN)))
        return await self._turn(call, GREET, f"{call_sid}:greet", process, asking)

    async def gather(self, form: Mapping[str, str], process: Process, asking: Asking) -> str:
        """What the caller said or keyed in answer to the last prompt (or nothing)."""
        call = self._calls.get(form.get("CallSid") or "")
        if call is None:  # a call this server does not know (restarted): begin again
            return await self.incoming(form, process, asking)
        call.seen = self.clock()
        turn = form.get("turn") or ""
        if turn and call.last[0] == turn:  # Twilio posted this webhook again
            return call.last[1]
        answer = await self._heard(call, form, process, asking)
        call.last = (turn, answer) if turn else ("", "")
        return answer

    async def _heard(self, call: Call, form: Mapping[str, str], process: Process,
                     asking: Asking) -> str:
        heard = (form.get("SpeechResult") or "").strip()
        keyed = (form.get("Digits") or "").strip().rstrip("#")
        if asks_again(keyed, heard) or (call.prompt.offers_again and (
                keyed == AGAIN_KEY or heard.lower().strip(" .!?") in AGAIN_WORDS)):
            call.at = call.prompt.replay  # said again: the assistant hears nothing of it
            return self._show(call)
        if call.going_on:  # any other key, word or silence: the next prompt (words said
            # before the question is asked are no answer to it)
            call.at += 1
            return self._show(call)
        text = chosen(keyed, call.menu) if keyed else heard
        turn_id = f"{form.get('CallSid')}:{form.get('turn') or ''}"
        if not text:
            return await self._silence(call, turn_id, process, asking)
        call.silences = 0
        try:
            return await self._turn(call, text, turn_id, process, asking)
        except Refused:
            return self._listen(call, call.prompt, before=SILENCE_PREFACES[0])

    async def status(self, form: Mapping[str, str], process: Process) -> None:
        """The call's status callback: once it has ended, the conversation is closed."""
        if form.get("CallStatus") not in ("completed", "busy", "failed", "no-answer",
                                          "canceled"):
            return
        call = self._calls.pop(form.get("CallSid") or "", None)
        if call is None:
            return
        await process(self._inbound(call, CALL_ENDED, f"{form.get('CallSid')}:ended"))

    # --- turns --------------------------------------------------------------------------

    async def _turn(self, call: Call, text: str, message_id: str, process: Process,
                    asking: Asking) -> str:
        message = self._inbound(call, text, message_id)
        before = call.question
        try:
            replies = replies_of(await self.recent.once(message, lambda: process(message)))
            call.question = await asking(call.sender)
        except Exception:  # noqa: BLE001 - the caller hears it; the log has the error
            logger.exception("turn of %s failed", mask(call.sender))
            return self._listen(call, call.prompt, before=TURN_FAILED_SPOKEN)
        return self._answer(call, replies, asked_again=before is not None
                            and before == call.question)

    async def _silence(self, call: Call, turn_id: str, process: Process,
                       asking: Asking) -> str:
        call.silences += 1
        if call.silences <= MAX_SILENCES:
            return self._listen(call, call.prompt, before=SILENCE_PREFACES[call.silences - 1])
        logger.info("caller of %s silent %d times: to a CSO", mask(call.sender), call.silences)
        return await self._turn(call, CALLER_SILENT, f"{turn_id}:silent", process, asking)

    def _inbound(self, call: Call, text: str, message_id: str) -> Inbound:
        metadata = {"message_id": message_id[-128:]}
        if call.caller_id:
            metadata["caller_id"] = call.caller_id
        if text.startswith("/"):  # the channel's own intents, never a caller's words
            return Inbound(call.sender, text, {"channel": CHANNEL, **metadata})
        return inbound(CHANNEL, call.sender, text, metadata)

    # --- TwiML --------------------------------------------------------------------------

    def _answer(self, call: Call, replies: list[Reply], asked_again: bool = False) -> str:
        """The turn's replies as prompts; the first is said now."""
        handoff = next((r for r in replies if r.handoff), None)
        call.ticket = handoff.ticket if handoff else None
        closing = ""
        if handoff is not None:
            call.leads_to = TRANSFER
            if handoff.ticket:
                closing = f"{TICKET_NOTICE} {handoff.ticket}. "
            closing += TRANSFER_NOTICE
        elif any(r.ends for r in replies):
            call.leads_to = HANG_UP
        else:
            call.leads_to = LISTEN
        menu = next((r.buttons for r in reversed(replies) if r.buttons), ())
        spoken = prompts_of(replies, closing, call.details,
                            say_menu=self._says_menu(replies, menu, asked_again))
        call.menu, call.details = menu, spoken.details
        call.prompts, call.at = self._hinted(call, spoken.prompts), 0
        return self._show(call)

    @staticmethod
    def _says_menu(replies: list[Reply], menu: tuple[Button, ...], asked_again: bool) -> bool:
        """Whether the menu is said: when the question is asked again (the answer was not
        taken), or when the text listed the choices with details the caller must hear to
        choose (the LIT TR and their PICs). Otherwise the question alone is asked: the
        caller answers in words (the choices' names are the recogniser's hints: ya, tidak,
        their kecamatan) and the menu's keys work all the same."""
        return bool(menu) and (asked_again or bool(listed_details(replies)))

    def _hinted(self, call: Call, prompts: list[Prompt]) -> list[Prompt]:
        """Once in a call, the first prompt that goes on (and has room) tells the keys."""
        if call.hinted:
            return prompts
        hint = speakable(KEYS_HINT)
        for i, prompt in enumerate(prompts[:-1]):
            hinted = replace(prompt, words=f"{prompt.words} {hint}")
            if prompt.number is None and prompt.words.endswith((".", "?", "!")) \
                    and hinted.seconds() <= PROMPT_SECONDS:
                call.hinted = True
                return [*prompts[:i], hinted, *prompts[i + 1:]]
        return prompts

    def _show(self, call: Call) -> str:
        """The TwiML of the prompt the call is at."""
        if call.going_on:
            return self._listen(call, call.prompt, listening=OFFERING
                                if call.prompt.offers_again else GOING_ON)
        if call.leads_to == TRANSFER:
            return self._transfer(call)
        if call.leads_to == HANG_UP:
            return self._goodbye(call.prompt)
        return self._listen(call, call.prompt)

    def _say(self, prompt: Prompt, before: str = "") -> Say:
        return prompt.say(self.settings.voice, self.settings.language,
                          before=speakable(before) if before else "")

    def _listen(self, call: Call, prompt: Prompt, before: str = "",
                listening: Listening | None = None) -> str:
        """``prompt`` (after ``before``) inside a ``<Gather>``: for the question, as it
        is listened for; for a prompt that goes on, a moment for one key or a word."""
        goes_on = listening is not None
        if listening is None:
            listening = LISTENING.get(call.question or "", DEFAULT_LISTENING)
        menu = ", ".join(b.title for b in call.menu) if not goes_on else ""
        hints = ", ".join(h for h in (listening.hints, menu) if h)
        call.answers += 1
        turn = f"{int(self.clock() * 1000)}-{call.answers}"
        response = VoiceResponse()
        gather = Gather(input="speech dtmf", language=self.settings.language,
                        action=self._url("gather", turn=turn), method="POST",
                        timeout=listening.timeout, speech_timeout=listening.speech_timeout,
                        finish_on_key="" if goes_on else "#",
                        num_digits=1 if goes_on else None, action_on_empty_result=True,
                        barge_in=True, hints=hints or None, profanity_filter=False)
        gather.append(self._say(prompt, before))
        response.append(gather)
        return str(response)

    def _transfer(self, call: Call) -> str:
        """Said, then to a CSO: ``<Dial>`` a number, whose CSO first hears the ticket
        (``whisper``), or ``<Enqueue>`` in the CSOs' queue."""
        response = VoiceResponse()
        response.append(self._say(call.prompt))
        ticket = call.ticket
        if self.settings.cso_number:
            dial = Dial()
            dial.number(self.settings.cso_number,
                        url=self._url("whisper", ticket=ticket) if ticket else None)
            response.append(dial)
        else:
            response.enqueue(self.settings.cso_queue)
        return str(response)

    def whisper(self, ticket: str) -> str:
        """What the CSO hears on answering a transferred call, before the caller."""
        response = VoiceResponse()
        response.say(f"Panggilan dari asisten virtual, tiket nomor {spell_code(ticket)}.",
                     voice=self.settings.voice, language=self.settings.language)
        return str(response)

    def _goodbye(self, prompt: Prompt) -> str:
        response = VoiceResponse()
        response.append(self._say(prompt))
        response.hangup()
        return str(response)

    def _url(self, path: str, **query: str) -> str:
        base = f"{self.settings.public_url.rstrip('/')}/webhooks/{CHANNEL}/{path}"
        return f"{base}?{urlencode(query)}" if query else base

    def _remember(self, call_sid: str, call: Call) -> Call:
        now = self.clock()
        while self._calls and (len(self._calls) >= MAX_CALLS
                               or now - next(iter(self._calls.values())).seen > CALL_TTL_S):
            self._calls.popitem(last=False)
        self._calls[call_sid] = call
        return call
