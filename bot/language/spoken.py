"""What the assistant writes, as a voice should say it (the IVR channel).

A text-to-speech voice reads "Rp893.300" as "R P delapan ratus sembilan puluh tiga titik
tiga ratus", "081234500101" as one huge number and "Kec." as a word. ``speakable`` turns
the assistant's sentences into words:

- money: "Rp893.300" -> "delapan ratus sembilan puluh tiga ribu tiga ratus rupiah";
- power: "2.200 VA" -> "dua ribu dua ratus V A", "R1/2.200 VA" -> "R satu, dua ribu dua
  ratus V A" (said "ve a", as Indonesians say it);
- identifiers (IDPEL, NIK, phone and registration numbers: five digits or more) digit by
  digit, in groups of four: "0812 3450 0101" -> "nol delapan satu dua, tiga empat ...";
- dates, percentages, decimals, other numbers as words; e-mail addresses spelled;
- abbreviations said in full ("Kec." -> "Kecamatan"), acronyms letter by letter ("PLN"
  -> "P L N"), a word in capitals for emphasis ("SARANKAN") as a word;
- no emoji, markup or quotes.

``number_words`` is the Indonesian reading of a whole number ("terbilang"). Nothing here
imports Rasa or a channel.
"""

from __future__ import annotations

import re
import unicodedata

ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
SCALES = ((1_000_000_000_000, "triliun"), (1_000_000_000, "miliar"), (1_000_000, "juta"),
          (1_000, "ribu"))
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")

# Said letter by letter (what the SOP and the back office abbreviate); any other word in
# capitals is read as a word ("SARANKAN", "WOW").
ACRONYMS = frozenset({
    "PLN", "CSO", "NIK", "KTP", "SLO", "LIT", "TR", "SPJBTL", "PPJ", "PPN", "ATM", "JTR",
    "JTM", "DJK", "ESDM", "CC", "LSP", "MBL", "DIL", "AP2T", "APKT", "CRM", "IDPEL", "SMS",
    "PT", "CV", "HP", "PIC", "ID", "UU", "PDP", "RT", "RW", "VA", "KVA",
})
# Abbreviations said in full (case-sensitive, with their dot).
ABBREVIATIONS = (
    (r"\bs\.d\.", "sampai dengan"), (r"\bs/d\b", "sampai dengan"),
    (r"\bKec\.", "Kecamatan"), (r"\bKel\.", "Kelurahan"), (r"\bJl\.", "Jalan"),
    (r"\bNo\.", "nomor"), (r"\bKab\.", "Kabupaten"), (r"\bdll\.", "dan lain-lain"),
    (r"\byth\.", "yang terhormat"), (r"\bmis\.", "misalnya"),
)
# "VA" as Indonesians say it, letter by letter ("seribu tiga ratus ve a")
UNITS = {"VA": "V A", "kVA": "K V A", "KVA": "K V A",
         "kWh": "kilowatt jam", "KWH": "kilowatt jam"}
EMAIL_SYMBOLS = {".": " titik ", "@": " et ", "_": " garis bawah ", "-": " strip ",
                 "+": " plus "}


def number_words(n: int) -> str:
    """1_300 -> "seribu tiga ratus"; 893_300 -> "delapan ratus sembilan puluh tiga ribu
    tiga ratus"."""
    if n < 0:
        return "minus " + number_words(-n)
    if n < 10:
        return ONES[n]
    if n < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(n) or f"{ONES[n - 10]} belas"
    if n < 100:
        return _join(f"{ONES[n // 10]} puluh", n % 10)
    if n < 1000:
        head = "seratus" if n < 200 else f"{ONES[n // 100]} ratus"
        return _join(head, n % 100)
    for scale, word in SCALES:
        if n >= scale:
            count = n // scale
            head = "seribu" if scale == 1000 and count == 1 else f"{number_words(count)} {word}"
            return _join(head, n % scale)
    raise AssertionError("unreachable")


def _join(head: str, rest: int) -> str:
    return f"{head} {number_words(rest)}" if rest else head


def digits_words(digits: str, group: int = 4) -> str:
    """"081234500101" -> "nol delapan satu dua, tiga empat lima nol, nol satu nol satu"."""
    only = [c for c in digits if c.isdigit()]
    groups = ["".join(only[i:i + group]) for i in range(0, len(only), group)]
    return ", ".join(" ".join(ONES[int(c)] for c in g) for g in groups)


def spell_code(code: str) -> str:
    """A reference such as a ticket number, "APKT26112712345678" -> "A P K T, dua enam
    satu satu, ...": letters one by one, digits in groups of four."""
    parts = []
    for run in re.findall(r"[A-Za-z]+|\d+", code):
        parts.append(digits_words(run) if run.isdigit() else " ".join(run.upper()))
    return ", ".join(parts)


def _plain_number(text: str) -> str:
    """"1.300" (dot thousands), "3,5" (decimal comma), "12" -> words."""
    whole, _, decimals = text.partition(",")
    words = number_words(int(whole.replace(".", "")))
    if decimals:
        words += " koma " + " ".join(ONES[int(c)] for c in decimals)
    return words


_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_RULES: list[tuple[re.Pattern, object]] = []


def _rule(pattern: str, flags: int = 0):
    def add(function):
        _RULES.append((re.compile(pattern, flags), function))
        return function
    return add


@_rule(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
def _email(match: re.Match) -> str:
    spelled = "".join(EMAIL_SYMBOLS.get(c, c) for c in match.group())
    return re.sub(r"\d+", lambda m: " " + digits_words(m.group(), 4) + " ", spelled)


@_rule(r"\b([RBSIPL])(\d)\s*/\s*(" + _NUMBER + r")\s*(kVA|VA)\b")
def _tariff_power(match: re.Match) -> str:
    letter, level, amount, unit = match.groups()
    return f"{letter} {ONES[int(level)]}, {_plain_number(amount)} {UNITS[unit]}"


@_rule(r"\b([RBSIPL])(\d)\b(?=[\s,.)]|$)")
def _tariff(match: re.Match) -> str:
    return f"{match.group(1)} {ONES[int(match.group(2))]}"


@_rule(r"Rp\s?(" + _NUMBER + r")(?:,-)?")
def _money(match: re.Match) -> str:
    return f"{_plain_number(match.group(1))} rupiah"


@_rule(r"(" + _NUMBER + r")\s?(kVA|KVA|VA|kWh|KWH)\b")
def _power(match: re.Match) -> str:
    return f"{_plain_number(match.group(1))} {UNITS[match.group(2)]}"


@_rule(r"(" + _NUMBER + r")\s?%")
def _percent(match: re.Match) -> str:
    return f"{_plain_number(match.group(1))} persen"


@_rule(r"\b(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b")
def _date(match: re.Match) -> str:
    day, month, year = match.groups()
    return f"{number_words(int(day))} {month} {number_words(int(year))}"


@_rule(r"\b(?:pukul|jam) (\d{1,2})[.:](\d{2})\b", re.IGNORECASE)
def _time(match: re.Match) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    said = f"pukul {number_words(hours)}"
    return f"{said} lewat {number_words(minutes)} menit" if minutes else said


@_rule(r"\+?\d[\d -]{3,}\d")
def _identifier_or_number(match: re.Match) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 5:  # an identifier: IDPEL, NIK, phone, registration, meter
        spoken = digits_words(digits)
        return ("plus " if text.startswith("+") else "") + spoken
    return " ".join(_plain_number(part) for part in re.findall(r"\d+", text))


@_rule(_NUMBER)
def _number(match: re.Match) -> str:
    return _plain_number(match.group())


def _apply(text: str) -> str:
    """Every rule once over the text, the earliest match first (so that one number is
    read by exactly one rule)."""
    out, position = [], 0
    while position < len(text):
        best = None
        for pattern, function in _RULES:
            match = pattern.search(text, position)
            if match and match.end() > match.start() and (best is None or match.start() < best[0].start()):
                best = (match, function)
        if best is None:
            break
        match, function = best
        out.append(text[position:match.start()])
        out.append(f" {function(match)} ")
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def _words_in_capitals(text: str) -> str:
    def say(match: re.Match) -> str:
        word = match.group()
        if word.upper() in ACRONYMS:
            return " ".join(c if not c.isdigit() else ONES[int(c)] for c in word)
        return word.lower()
    return re.sub(r"\b[A-Z][A-Z0-9]{1,}\b", say, text)


def _without_symbols(text: str) -> str:
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cs", "Co", "Cn", "Cf", "Cc") or char in "*_~`<>#|\\\"“”":
            kept.append(" ")
        elif char in "&":
            kept.append(" dan ")
        elif char == "/":
            kept.append(" atau ")
        else:
            kept.append(char)
    return "".join(kept)


def speakable(text: str) -> str:
    """The text as words a voice reads right (see the module's description)."""
    text = re.sub(r"</?[A-Za-z][^<>]{0,40}>", " ", text)  # markup tags, never said
    for pattern, said in ABBREVIATIONS:
        text = re.sub(pattern, said, text)
    text = _apply(_without_symbols_keeping_numbers(text))
    text = _words_in_capitals(text)
    text = _without_symbols(text)
    text = re.sub(r"\(\s*|\s*\)", ", ", text)
    text = re.sub(r"\s+([,.?!:;])", r"\1", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r",\s*([.?!])", r"\1", text).strip(" ,")


def _without_symbols_keeping_numbers(text: str) -> str:
    """Emoji and markup out before the numbers are read ("*Rp5.000*"); "/" and "+" stay
    for the tariff and phone rules."""
    return "".join(" " if unicodedata.category(c) in ("So", "Sk", "Cs", "Co", "Cn", "Cf", "Cc")
                   or c in "*~`<>|\\\"“”" else c for c in text)


# How long a voice takes to say words: seconds per syllable (a run of vowels, or a letter
# said alone: "K T P"), per comma and per sentence stop, plus a start. Fitted to espeak-ng's
# Indonesian voice at 150 words a minute over every response of domain.yml: within 10% for
# the prompts longer than 8 s (`make ivr-demo` measures the real figures).
SECONDS_PER_SYLLABLE, SECONDS_PER_COMMA, SECONDS_PER_STOP, SECONDS_TO_START = 0.2, 0.34, 0.37, 0.18
_SYLLABLE = re.compile(r"[aiueoAIUEO]+|\b[^\W\daiueoAIUEO]\b")


def speaking_seconds(words: str) -> float:
    """About how long ``words`` (what ``speakable`` made) take to say."""
    if not words.strip():
        return 0.0
    return (SECONDS_TO_START + SECONDS_PER_SYLLABLE * len(_SYLLABLE.findall(words))
            + SECONDS_PER_COMMA * words.count(",")
            + SECONDS_PER_STOP * len(re.findall(r"[.?!:;]", words)))
