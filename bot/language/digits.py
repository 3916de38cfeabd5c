"""Digit strings: numbers read or typed digit by digit, and which identifier they are.

A run is a sequence of elements: written digit groups ("5321", "0812.3456") and spoken
digits ("nol", "kosong", "dobel satu" = "11", "tripel nol" = "000"), separated by spaces,
dashes, dots, parentheses or (between spoken digits) commas. A spoken digit that belongs to
a quantity ("dua" in "dua ribu", "lima" in "dua puluh lima" or after "koma") is not a
digit-string element, and neither is a written number next to a scale word ("3 rb 500").

A number read in groups, as people read an IDPEL on the phone ("lima ratus sebelas, nol
sepuluh, nol nol nol, tujuh ratus tujuh" = 511 010 000 707), is ``find_grouped_numbers``'.

Which identifier a run is uses bot.identifiers (lengths, NIK check, parse_phone); see
``classify`` for the order of the rules and when the answer is "don't know".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.identifiers import (
    IDPEL_LENGTH,
    METER_NUMBER_LENGTH,
    NIK_LENGTH,
    NikCheck,
    Phone,
    check_nik,
    parse_phone,
)
from bot.language.lexicon import (
    APPROX_SCALES,
    BELAS,
    DIGIT_WORDS,
    HALF,
    K_SCALE,
    KOMA,
    PULUH,
    RATUS,
    REPEAT_WORDS,
    SCALES,
    SE_HUNDRED,
    SE_SCALES,
    SE_TENS,
)
from bot.language.tokens import NUM, SYM, WORD, Sentence

_DIGIT_GROUP = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_QUANTITY_AFTER = RATUS | PULUH | BELAS | SCALES.keys() | APPROX_SCALES.keys() | {KOMA, HALF, K_SCALE}
_QUANTITY_BEFORE = RATUS | PULUH | SCALES.keys() | SE_SCALES.keys() | SE_TENS.keys() | {SE_HUNDRED}
_SEPARATOR_SYMBOLS = frozenset({"-", "(", ")", "/", "."})
_SPOKEN_SEPARATOR_SYMBOLS = _SEPARATOR_SYMBOLS | {","}
_GAP = re.compile(r"\s{0,3}")
PLUS_WORDS = frozenset({"plus"})


class Expectation(str, Enum):
    """What the assistant just asked for: it settles readings a message alone cannot."""

    POWER = "power"
    AMOUNT = "amount"
    CUSTOMER_NUMBER = "customer_number"
    NIK = "nik"
    PHONE = "phone"
    EMAIL = "email"


class IdentifierKind(str, Enum):
    IDPEL = "idpel"
    METER = "meter_number"
    NIK = "nik"
    PHONE = "phone"


@dataclass(frozen=True, slots=True)
class Element:
    first: int  # atom indices, inclusive
    last: int
    digits: str
    spoken: bool


@dataclass(frozen=True, slots=True)
class DigitRun:
    elements: tuple[Element, ...]
    plus: bool  # "+62 ..." or "plus enam dua ..."
    first: int  # atom index of the "+" or "(" when there is one
    last: int

    @property
    def digits(self) -> str:
        return "".join(e.digits for e in self.elements)

    @property
    def spoken(self) -> bool:
        return any(e.spoken for e in self.elements)


@dataclass(frozen=True, slots=True)
class IdentifierReading:
    kind: IdentifierKind
    digits: str
    phone: Phone | None = None
    nik_check: NikCheck | None = None


MAX_SPOKEN_RUN = 24  # a NIK read digit by digit is 16 words, with a few fillers


def _digit_word_is_quantity(s: Sentence, i: int) -> bool:
    """Whether the spoken digit at ``i`` is part of a quantity, not read digit by digit."""
    if s.next_word(i + 1) in _QUANTITY_AFTER:
        return True
    k = i
    # after "koma", every digit word is a decimal; no spoken number is longer than
    # MAX_SPOKEN_RUN words (this walk would otherwise be quadratic in a long recital)
    while k > 0 and s.spaced(k) and i - k < MAX_SPOKEN_RUN:
        before = s.word(k - 1)
        if before == KOMA or before in _QUANTITY_BEFORE:
            return True
        if before not in DIGIT_WORDS:
            return False
        k -= 1
    return False


def _element(s: Sentence, i: int) -> Element | None:
    if not s.free(i):
        return None
    atom = s.atoms[i]
    if atom.kind == NUM:
        if not _DIGIT_GROUP.fullmatch(atom.text):
            return None
        if s.next_word(i + 1) in _QUANTITY_AFTER or (i > 0 and s.spaced(i) and s.word(i - 1) in SCALES):
            return None
        return Element(i, i, atom.text.replace(".", ""), False)
    if atom.kind != WORD:
        return None
    if atom.lower in DIGIT_WORDS:
        if _digit_word_is_quantity(s, i):
            return None
        return Element(i, i, str(DIGIT_WORDS[atom.lower]), True)
    repeat = REPEAT_WORDS.get(atom.lower)
    if repeat and s.free(i + 1) and s.spaced(i + 1):
        nxt = s.atoms[i + 1]
        if nxt.lower in DIGIT_WORDS:
            return Element(i, i + 1, str(DIGIT_WORDS[nxt.lower]) * repeat, True)
        if nxt.kind == NUM and len(nxt.text) == 1:
            return Element(i, i + 1, nxt.text * repeat, True)
    return None


def _next_element(s: Sentence, after: int, spoken: bool) -> Element | None:
    """The element after atom ``after``, across separators; None when the run ends there."""
    separators = _SPOKEN_SEPARATOR_SYMBOLS if spoken else _SEPARATOR_SYMBOLS
    k = after + 1
    skipped = 0
    while k < len(s) and _GAP.fullmatch(s.gap(k)):
        atom = s.atoms[k]
        if atom.kind == SYM and atom.text in separators and skipped < 2 and s.free(k):
            k += 1
            skipped += 1
            continue
        element = _element(s, k)
        if element is None:
            return None
        if not spoken and element.spoken and skipped:
            return None
        return element
    return None


def find_digit_runs(s: Sentence) -> list[DigitRun]:
    """Every maximal digit run in the free atoms, left to right (atoms are not claimed)."""
    runs: list[DigitRun] = []
    i = 0
    while i < len(s):
        element = _element(s, i)
        if element is None:
            i += 1
            continue
        elements = [element]
        while (nxt := _next_element(s, elements[-1].last, elements[-1].spoken)) is not None:
            elements.append(nxt)
        first = element.first
        plus = False
        if first > 0 and s.free(first - 1) and _GAP.fullmatch(s.gap(first)):
            before = s.atoms[first - 1]
            if before.text == "+" or before.lower in PLUS_WORDS:
                plus, first = True, first - 1
            elif before.text == "(":
                first -= 1
        last = elements[-1].last
        if last + 1 < len(s) and s.atoms[last + 1].text == ")" and s.gap(last + 1) == "":
            last += 1
        runs.append(DigitRun(tuple(elements), plus, first, last))
        i = elements[-1].last + 1
    return runs


def classify(
    digits: str,
    plus: bool,
    cues: frozenset[str] | set[str] = frozenset(),
    expected: Expectation | None = None,
) -> IdentifierReading | None:
    """Which identifier ``digits`` is, or None when it is none or cannot be told.

    - "+..." is a phone number or nothing.
    - A leading 0 is a phone number (0812..., 022...) or nothing: no IDPEL, meter number or
      NIK starts with 0 (a 16-digit string is still reported as a malformed NIK).
    - 16 digits: a NIK (bot.identifiers.check_nik says whether it is well formed).
    - 11/12 digits: meter number / IDPEL; but "62..." of that length is also a valid
      phone number: then the expectation or the message's words decide, else None.
    - Other "62..." lengths: a phone number when valid.
    - 15/17 digits when a NIK is expected or mentioned: a malformed NIK (so the customer
      hears why it was refused).
    - Without any prefix, a phone number only when one is expected (a customer answering
      "8123..." to the phone question).
    """
    wants = _Wants.of(cues, expected)
    phone = _phone_candidate(digits, plus, wants.phone)
    n = len(digits)
    if plus:
        return _phone_reading(phone)
    if digits[0] == "0":
        return _phone_reading(phone) or (_nik_reading(digits) if n == NIK_LENGTH else None)
    if n == NIK_LENGTH:
        return _nik_reading(digits)
    if n in (IDPEL_LENGTH, METER_NUMBER_LENGTH):
        return _customer_number_unless_phone(digits, phone, wants)
    if phone:
        return _phone_reading(phone)
    if wants.nik and n in (NIK_LENGTH - 1, NIK_LENGTH + 1):
        return _nik_reading(digits)
    return None


@dataclass(frozen=True, slots=True)
class _Wants:
    """Which identifier the conversation points to: the question asked, else the words."""

    phone: bool
    customer: bool
    nik: bool

    @classmethod
    def of(cls, cues: frozenset[str] | set[str], expected: Expectation | None) -> _Wants:
        if expected in (Expectation.PHONE, Expectation.CUSTOMER_NUMBER, Expectation.NIK):
            # the question asked outweighs any word in the answer
            return cls(expected is Expectation.PHONE, expected is Expectation.CUSTOMER_NUMBER,
                       expected is Expectation.NIK)
        return cls("phone" in cues, "customer" in cues, "nik" in cues)


def _phone_candidate(digits: str, plus: bool, want_phone: bool) -> Phone | None:
    """``digits`` as a phone number when it may be one (its length, its prefix or the
    question) and is a valid one."""
    if not 8 <= len(digits) <= 15:
        return None
    if not (plus or digits[0] == "0" or digits.startswith("62") or want_phone):
        return None
    return parse_phone(("+" if plus else "") + digits)


def _phone_reading(phone: Phone | None) -> IdentifierReading | None:
    return IdentifierReading(IdentifierKind.PHONE, phone.national, phone) if phone else None


def _nik_reading(digits: str) -> IdentifierReading:
    return IdentifierReading(IdentifierKind.NIK, digits, nik_check=check_nik(digits))


def _customer_number_unless_phone(digits: str, phone: Phone | None, wants: _Wants) -> IdentifierReading | None:
    """An IDPEL or meter number length; "62..." (or any, when a phone number is wanted)
    that is also a valid phone number is a phone number when only that is wanted, the
    customer number when only that is wanted, else no reading: ask rather than guess."""
    kind = IdentifierKind.IDPEL if len(digits) == IDPEL_LENGTH else IdentifierKind.METER
    if phone and (digits.startswith("62") or wants.phone):
        if wants.phone and not wants.customer:
            return _phone_reading(phone)
        if not (wants.customer and not wants.phone):
            return None  # both readings are valid: ask rather than guess
    return IdentifierReading(kind, digits)


# --- numbers read in groups -----------------------------------------------------------

_GROUP_WORDS = frozenset(DIGIT_WORDS) | RATUS | PULUH | BELAS | frozenset(SE_TENS) | {SE_HUNDRED}
_MULTIPLIERS = RATUS | PULUH | BELAS  # "tujuh ratus": the digit word belongs to them
_PHRASE_WORDS = _MULTIPLIERS | frozenset(SE_TENS) | {SE_HUNDRED}


@dataclass(frozen=True, slots=True)
class GroupedNumber:
    first: int  # atom indices, inclusive
    last: int
    digits: str


def _group_digits(words: list[str]) -> str | None:
    """One group: digit words each a digit ("nol nol nol" = "000"), then at most one number
    below a thousand ("nol sepuluh" = "010", "tujuh ratus tujuh" = "707"); None when the
    group is no such thing (a thousand or more, or digit words after a number)."""
    from bot.language.numbers import words_to_number

    k = 0
    while k < len(words) and words[k] in DIGIT_WORDS and not (
            k + 1 < len(words) and words[k + 1] in _MULTIPLIERS):
        k += 1
    head = "".join(str(DIGIT_WORDS[w]) for w in words[:k])
    if k == len(words):
        return head
    value = words_to_number(" ".join(words[k:]))
    if not isinstance(value, int) or not 0 <= value < 1000:
        return None
    return head + str(value)


def _groups_from(s: Sentence, i: int) -> tuple[list[tuple[int, int, list[str]]], int]:
    """The comma-separated groups of number words from atom ``i``; the atom after them."""
    groups: list[tuple[int, int, list[str]]] = []
    k = i
    while k < len(s):
        first, words = k, []
        while s.word(k) in _GROUP_WORDS:
            words.append(s.word(k))
            k += 1
        if not words:
            break
        groups.append((first, k - 1, words))
        if not (s.free(k) and s.atoms[k].kind == SYM and s.atoms[k].text == ","):
            break
        k += 1
    return groups, k


def find_grouped_numbers(s: Sentence) -> list[GroupedNumber]:
    """Numbers read in comma-separated groups, at least one of them a number phrase (not
    digit words only: those are ordinary digit runs) and two or more in all. Any group
    that cannot be read ("dua ribu") leaves the whole reading out: nothing is guessed."""
    found: list[GroupedNumber] = []
    i = 0
    while i < len(s):
        if s.word(i) not in _GROUP_WORDS or (i > 0 and s.word(i - 1) in _GROUP_WORDS):
            i += 1
            continue
        groups, after = _groups_from(s, i)
        phrased = any(any(w in _PHRASE_WORDS for w in words) for _, _, words in groups)
        readings = [_group_digits(words) for _, _, words in groups]
        if len(groups) >= 2 and phrased and all(r is not None for r in readings):
            found.append(GroupedNumber(groups[0][0], groups[-1][1], "".join(readings)))
        i = max(after, i + 1)
    return found
