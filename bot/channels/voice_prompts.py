"""What one turn says on the phone: prompts short enough to follow, the question last.

A chat message can be read again; a call cannot be scrolled back. ``prompts_of`` turns the
assistant's replies for one turn into ``Prompt``s the caller moves through (each is a
``<Gather>`` of its own: a key, or a moment of silence, goes on; ``*`` or "ulangi" says it
again), by rules on the replies' content and marks, never on particular sentences:

- length: no prompt says more than ``PROMPT_SECONDS`` of speech (``speaking_seconds``):
  texts are cut after sentences, a sentence too long after its clauses, and packed in
  order; the turn's question, with its menu, is the last thing said;
- a number to write down, which the assistant introduces as "nomor <apa>: <number>" (a
  registration number, a hand-over's ticket, the chosen contact's phone), is said alone,
  slowly, in groups with pauses, then a second time with the offer to hear it again
  ("tekan satu untuk mengulang nomor registrasi, tekan dua untuk melanjutkan");
- a list of the choices in a text ("Pilihan: Coblong, Sukajadi.", "1. PT A (PIC Andi,
  0227001100); 2. PT B (...)") is left to the spoken menu, which names them; what the
  list said of each choice is kept (``Spoken.details``) and said for the one chosen only,
  after the next reply that names it (a phone number in it as a number to write down).

The SSML of a number (``<prosody>``, ``<say-as interpret-as="characters">``, ``<break>``)
is what Twilio's ``<Say>`` passes to Google's and Amazon's voices: "characters" spells a
digit at a time in both (and in espeak-ng, which `make ivr-demo` speaks with), where
"digits" is Amazon's only and read as a whole number by espeak-ng.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from twilio.twiml.voice_response import Say

from bot.channels.replies import Button, Reply
from bot.identifiers import parse_phone
from bot.language.spoken import ABBREVIATIONS, number_words, speakable, speaking_seconds

PROMPT_SECONDS = 20.0  # estimated; espeak-ng measures the demo's prompts within 25 s
MENU_FIRST, MENU_ITEM = "Tekan {key} untuk {title}", "{key} untuk {title}"
AGAIN = "Sekali lagi:"
OFFER = "Tekan satu untuk mengulang {name}, tekan dua untuk melanjutkan."
# Said once in a call, on its first prompt that goes on to another.
KEYS_HINT = "Bintang untuk mengulang."
GROUP_DIGITS = 4  # a number is said in groups of at most this many characters
GROUP_PAUSE, NUMBER_PAUSE, NUMBER_RATE = "400ms", "300ms", "slow"
# What the pauses and the slower rate add to a number's digits when estimating.
PAUSE_SECONDS = {GROUP_PAUSE: 0.4, NUMBER_PAUSE: 0.3}
SLOW_FACTOR = 1.3

# "nomor registrasinya: 5321...", "Nomor tiket Bapak/Ibu: APKT2611..."
_NUMBER_TO_KEEP = re.compile(
    r"\b(?P<name>nomor\s+[a-z]+?)(?:nya)?(?:\s+[^\s:.,;]+){0,2}\s*:\s*"
    r"(?P<value>[A-Z]{0,8}\d[\d -]{4,}\d)\b", re.IGNORECASE)
_GAP = re.compile(r"(?<=[,;:.?!])\s+")
_PHONE_LIKE = re.compile(r"\+?\d[\d -]{5,}\d")


@dataclass(frozen=True)
class Number:
    """A number the caller writes down."""

    name: str  # "nomor registrasi": what the offer to hear it again calls it
    value: str  # "53211261127000001", "APKT2611270001"

    def groups(self) -> list[str]:
        """Letters apart, then digits in groups as even as they go ("53211261127000001"
        -> 5321 1261 127 000 001)."""
        found = []
        for run in re.findall(r"[A-Za-z]+|\d+", self.value):
            count = -(-len(run) // GROUP_DIGITS)
            size, extra = divmod(len(run), count)
            start = 0
            for i in range(count):
                end = start + size + (1 if i < extra else 0)
                found.append(run[start:end])
                start = end
        return found

    def seconds(self) -> float:
        digits = " ".join(" ".join(number_words(int(c)) if c.isdigit() else c for c in g)
                          for g in self.groups())
        pauses = (len(self.groups()) - 1) * PAUSE_SECONDS[GROUP_PAUSE]
        return SLOW_FACTOR * speaking_seconds(digits) + pauses + PAUSE_SECONDS[NUMBER_PAUSE]


@dataclass(frozen=True)
class Prompt:
    """What the caller hears before the next key or word: ``words``, then (if any) a
    ``number`` said slowly; ``again`` marks its second reading, with the offer."""

    words: str = ""
    number: Number | None = None
    again: bool = False
    replay: int = 0  # the prompt "ulangi" goes back to, in the turn's prompts

    @property
    def offers_again(self) -> bool:
        return self.number is not None and self.again

    def seconds(self) -> float:
        return speaking_seconds(self.words) + (self.number.seconds() if self.number else 0.0) \
            + (speaking_seconds(self._offer()) if self.offers_again else 0.0)

    def _offer(self) -> str:
        return OFFER.format(name=self.number.name) if self.number else ""

    def text(self) -> str:
        """The words alone (SSML left out): what a test or a log reads."""
        said = [self.words]
        if self.number:
            said.append(" ".join(self.number.groups()))
        if self.offers_again:
            said.append(self._offer())
        return " ".join(s for s in said if s)

    def say(self, voice: str, language: str, before: str = "") -> Say:
        say = Say(voice=voice, language=language)
        lead = " ".join(s for s in (before, self.words) if s)
        if self.number is None:
            say.nest(lead)
            return say
        if lead:
            say.nest(lead)
        say.break_(time=NUMBER_PAUSE)
        slow = say.prosody(rate=NUMBER_RATE)
        for i, group in enumerate(self.number.groups()):
            if i:
                slow.break_(time=GROUP_PAUSE)
            slow.say_as(group, interpret_as="characters")
        say.break_(time=NUMBER_PAUSE)
        if self.offers_again:
            say.nest(self._offer())
        return say


@dataclass(frozen=True)
class Spoken:
    prompts: list[Prompt]
    details: dict[str, str] = field(default_factory=dict)  # a choice's details, by title


@dataclass(frozen=True)
class _Piece:
    words: str
    reply: int  # which reply of the turn it comes from
    number: Number | None = None


def spoken_menu(buttons: tuple[Button, ...]) -> str:
    """"Tekan satu untuk Coblong, dua untuk Sukajadi, tiga untuk Cidadap." """
    items = [(MENU_FIRST if i == 1 else MENU_ITEM).format(key=number_words(i),
                                                          title=speakable(b.title))
             for i, b in enumerate(buttons, 1)]
    return ", ".join(items) + "." if items else ""


def without_listing(text: str, buttons: tuple[Button, ...]) -> tuple[str, dict[str, str]]:
    """``text`` without the list of ``buttons``' titles it holds (with the word and colon
    that introduce it), and what the list said of each in brackets, by title."""
    if len(buttons) < 2:
        return text, {}
    items = [rf"(?:\d+\.\s*)?{re.escape(b.title)}(?:\s*\((?P<d{i}>[^()]*)\))?"
             for i, b in enumerate(buttons)]
    listing = re.compile(r"(?:\b[\w-]+\s*:\s*)?\(?" + r"\s*(?:[,;/]\s*)?(?:dan\s+|atau\s+)?"
                         .join(items) + r"\)?", re.IGNORECASE)
    match = listing.search(text)
    if match is None:
        return text, {}
    details = {b.title: match.group(f"d{i}").strip() for i, b in enumerate(buttons)
               if match.group(f"d{i}")}
    rest = (text[:match.start()].rstrip() + text[match.end():]).strip()
    return re.sub(r"\s+([.?!,])", r"\1", re.sub(r"([.?!])[.,]", r"\1", rest)), details


def listed_details(replies: list[Reply]) -> dict[str, str]:
    """What the replies' lists of their choices said of each choice, by title."""
    return {title: detail for reply in replies
            for title, detail in without_listing(reply.text, reply.buttons)[1].items()}


def detail_to_say(detail: str) -> str:
    """A choice's details as said once it is chosen: a phone number in it becomes a
    number to write down ("PIC Andi, 0227001100" -> "PIC Andi, nomor telepon: 0227001100")."""
    match = _PHONE_LIKE.search(detail)
    if match is None:
        return detail
    name = "nomor telepon" if parse_phone(match.group()) else "nomor"
    before = detail[:match.start()].rstrip(" ,")
    return f"{before}, {name}: {match.group()}." if before else f"{name}: {match.group()}."


def _sentences(text: str) -> list[list[str]]:
    """The text's sentences, each as its clauses (cut after a comma, semicolon, colon or
    stop followed by a space, never after an abbreviation such as "Kec.")."""
    sentences: list[list[str]] = [[]]
    start = 0
    for gap in _GAP.finditer(text):
        if any(re.search(f"(?:{pattern})$", text[:gap.start()]) for pattern, _ in ABBREVIATIONS):
            continue
        sentences[-1].append(text[start:gap.start()])
        start = gap.end()
        if text[gap.start() - 1] in ".?!":
            sentences.append([])
    sentences[-1].append(text[start:])
    return [[c for c in s if c.strip()] for s in sentences if any(c.strip() for c in s)]


def _spoken(clauses: list[str]) -> str:
    """Clauses as words, each keeping the mark that ends it (a pause)."""
    words = []
    for clause in clauses:
        said = speakable(clause)
        end = clause.rstrip()[-1:]
        words.append(said + end if end in ",;:" and said and not said.endswith(end) else said)
    return " ".join(w for w in words if w)


def _said(text: str, reply: int) -> list[_Piece]:
    """Sentences as pieces; a sentence too long for a prompt, as its clauses."""
    pieces = []
    for clauses in _sentences(text):
        words = _spoken(clauses)
        if speaking_seconds(words) <= PROMPT_SECONDS:
            pieces.append(_Piece(words, reply))
        else:
            pieces += [_Piece(_spoken([c]), reply) for c in clauses]
    return [p for p in pieces if p.words]


def _pieces(text: str, reply: int) -> list[_Piece]:
    """A reply's text as pieces: sentences, and a number to keep as a piece of its own,
    introduced by the words before it in its sentence."""
    match = _NUMBER_TO_KEEP.search(text)
    if match is None:
        return _said(text, reply)
    *before, lead = _sentences(text[:match.start("value")]) or [[]]
    number = Number(match.group("name").lower(), re.sub(r"[ -]", "", match.group("value")))
    return [*_said(" ".join(" ".join(s) for s in before), reply),
            _Piece(_spoken(lead), reply, number),
            *_pieces(text[match.end():].lstrip(" .,;"), reply)]


def prompts_of(replies: list[Reply], closing: str = "",
               chosen_details: Mapping[str, str] | None = None, say_menu: bool = True
               ) -> Spoken:
    """The turn's prompts: its replies' texts, a detail of the choice a reply names (from
    the previous menu's ``chosen_details``), then ``closing`` (what the channel adds: a
    ticket, the transfer), the menu of the last reply with choices at the very end
    (unless not ``say_menu``)."""
    buttons = next((r.buttons for r in reversed(replies) if r.buttons), ())
    pieces: list[_Piece] = []
    details: dict[str, str] = {}
    for index, reply in enumerate(replies):
        text, found = without_listing(reply.text, reply.buttons)
        details.update(found)
        pieces += _pieces(text, index)
        for title, detail in (chosen_details or {}).items():
            if not reply.buttons and title.lower() in reply.text.lower():
                pieces += _pieces(detail_to_say(detail), index)
    pieces += _pieces(closing, len(replies))
    if buttons and say_menu:
        last = pieces.pop() if pieces else _Piece("", len(replies))
        pieces.append(replace(last, words=f"{last.words} {spoken_menu(buttons)}".strip()))
    return Spoken(_packed(pieces), details)


def _packed(pieces: list[_Piece]) -> list[Prompt]:
    """Pieces into prompts of at most ``PROMPT_SECONDS`` each, in order; a number to keep
    makes two (said; said again with the offer). "Ulangi" goes back to the prompt where
    the reply being said began, and from a number's second reading to its first."""
    prompts: list[Prompt] = []
    began: dict[int, int] = {}  # reply -> the prompt it began at (since its last number)
    current: list[_Piece] = []

    def flush() -> None:
        if current:
            reply = current[0].reply
            began.setdefault(reply, len(prompts))
            prompts.append(Prompt(" ".join(p.words for p in current), replay=began[reply]))
            current.clear()

    for piece in pieces:
        if piece.number is not None:
            flush()
            first = len(prompts)
            prompts.append(Prompt(piece.words, piece.number, replay=first))
            prompts.append(Prompt(AGAIN.format(name=piece.number.name), piece.number,
                                  again=True, replay=first))
            began.pop(piece.reply, None)
            continue
        if current and speaking_seconds(" ".join(p.words for p in (*current, piece))) \
                > PROMPT_SECONDS:
            flush()
        current.append(piece)
    flush()
    return prompts or [Prompt()]
