"""Indonesian numbers, written or spoken, to exact values.

Grammar (scales strictly decreasing, each group below the scale before it):

    number := (group scale)* group?        "dua ribu dua ratus", "3rb 500", "1jt 500rb"
    group  := hundreds? tens? units?        "seratus lima" = 105, "tujuh belas" = 17
            | written number                "3.500", "1,3", "3.5", "50"
            | "setengah"                    0,5
    plus "se-" forms (sepuluh, sebelas, seratus, seribu, sejuta), "satu setengah" (1,5)
    and spoken decimals: "tiga koma lima" = 3,5, "koma dua lima" = ,25.

Written numbers follow Indonesian usage: the dot groups thousands ("3.500", "1.300.000"),
the comma is the decimal mark ("1,3", "1,5"). A dot not followed by a group of three
digits is a decimal point ("3.5 kva"); "1,300,000" (several comma groups) is read as
English thousands. A single ",ddd" stays a decimal ("1,300" = 1,3): that is what it
means in Indonesian; the power context then decides whether 1,3 is kVA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.language.lexicon import (
    AMOUNT_ONLY_SLANG,
    APPROX_SCALES,
    BELAS,
    DIGIT_WORDS,
    HALF,
    K_SCALE,
    KOMA,
    MONEY_SCALE_WORDS,
    MONEY_SLANG,
    PULUH,
    RATUS,
    SCALES,
    SE_HUNDRED,
    SE_SCALES,
    SE_TENS,
)
from bot.language.tokens import NUM, WORD, Sentence

_THOUSANDS_DOT = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_THOUSANDS_COMMA = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3}){2,}(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
_DECIMAL_DOT = re.compile(r"[0-9]+\.[0-9]+")

_HALF = Decimal("0.5")
_SMALL_MULTIPLIERS = RATUS | PULUH | BELAS


def parse_written(raw: str) -> Decimal | None:
    """The value of a number written with digits ("3.500", "1,3", "3.5"), else None.

    Digit strings with a leading zero ("0812") are not quantities: None.
    """
    if raw.isascii() and raw.isdigit():
        if len(raw) > 1 and raw[0] == "0":
            return None
        return Decimal(raw)
    if _THOUSANDS_DOT.fullmatch(raw):
        return Decimal(raw.replace(".", "").replace(",", "."))
    if _THOUSANDS_COMMA.fullmatch(raw):
        return Decimal(raw.replace(",", ""))
    if _DECIMAL_COMMA.fullmatch(raw):
        return Decimal(raw.replace(",", "."))
    if _DECIMAL_DOT.fullmatch(raw):
        return Decimal(raw)
    return None


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: Decimal
    first: int  # atom indices, ``end`` exclusive
    end: int
    written: bool  # some of it was written in digits
    money_word: bool  # a scale or slang word that belongs to money ("rb", "k", "jt", "goceng")
    approximate: bool  # "ribuan"


def _word_here(s: Sentence, j: int, first: int) -> str | None:
    """The word at ``j``: the first atom of the number, or one after spaces only."""
    return s.word(j) if j == first else s.next_word(j)


def _decimals(s: Sentence, value: Decimal, j: int) -> tuple[Decimal, int]:
    """Spoken decimals after a whole number: "tiga koma lima", "1 koma 3"."""
    if value != value.to_integral_value() or s.next_word(j) != KOMA:
        return value, j
    k = j + 1
    digits = ""
    while (w := s.next_word(k)) in DIGIT_WORDS:
        digits += str(DIGIT_WORDS[w])
        k += 1
    if not digits and s.free(k) and s.spaced(k) and s.atoms[k].kind == NUM and s.atoms[k].text.isdigit():
        digits = s.atoms[k].text
        k += 1
    if not digits:
        return value, j
    return value + Decimal("0." + digits), k


def _group(s: Sentence, i: int) -> tuple[Decimal, int, bool] | None:
    """A group starting at atom ``i``: (value, next atom index, written in digits)."""
    if not s.free(i):
        return None
    atom = s.atoms[i]
    if atom.kind == NUM:
        return _written_group(s, i)
    if atom.kind == WORD:
        return _spoken_group(s, i)
    return None


def _written_group(s: Sentence, i: int) -> tuple[Decimal, int, bool] | None:
    """"3.500", "1,3", and a digit with a spoken multiplier: "5 ratus", "3rb5ratus"."""
    value = parse_written(s.atoms[i].text)
    if value is None:
        return None
    j = i + 1
    if value == value.to_integral_value() and 1 <= value <= 9:
        value, j = _times_small_multiplier(value, s.next_word(j), j)
    value, j = _decimals(s, value, j)
    return value, j, True


def _times_small_multiplier(digit: Decimal, word: str | None, j: int) -> tuple[Decimal, int]:
    """A digit followed by "ratus", "puluh" or "belas" at atom ``j``."""
    if word in RATUS:
        return digit * 100, j + 1
    if word in PULUH:
        return digit * 10, j + 1
    if word in BELAS:
        return digit + 10, j + 1
    return digit, j


def _spoken_group(s: Sentence, i: int) -> tuple[Decimal, int, bool] | None:
    """Hundreds, tens and units in words ("seratus lima", "tujuh belas"), or "setengah"."""
    value, j = _spoken_hundreds(s, i)
    value, j, units_allowed = _spoken_tens(s, i, value, j)
    if units_allowed:
        value, j = _spoken_units(s, i, value, j)
    if j == i:
        if s.atoms[i].lower == HALF:
            return _HALF, i + 1, False
        return None
    result = Decimal(value)
    if 1 <= value <= 9 and s.next_word(j) == HALF:  # "satu setengah" = 1,5
        result, j = result + _HALF, j + 1
    result, j = _decimals(s, result, j)
    return result, j, False


def _spoken_hundreds(s: Sentence, i: int) -> tuple[int, int]:
    """"seratus", "tujuh ratus": (value, next atom); (0, i) when there are none."""
    w = s.atoms[i].lower
    if w == SE_HUNDRED:
        return 100, i + 1
    if DIGIT_WORDS.get(w, 0) >= 1 and s.next_word(i + 1) in RATUS:
        return DIGIT_WORDS[w] * 100, i + 2
    return 0, i


def _spoken_tens(s: Sentence, i: int, value: int, j: int) -> tuple[int, int, bool]:
    """"sepuluh", "sebelas", "tujuh belas", "dua puluh" at atom ``j``: (value, next atom,
    whether a unit may follow)."""
    w = _word_here(s, j, i)
    if w in SE_TENS:
        return value + SE_TENS[w], j + 1, False
    if DIGIT_WORDS.get(w, 0) >= 1:
        after = s.next_word(j + 1)
        if after in BELAS:
            return value + 10 + DIGIT_WORDS[w], j + 2, False
        if after in PULUH:
            return value + DIGIT_WORDS[w] * 10, j + 2, True
    return value, j, True


def _spoken_units(s: Sentence, i: int, value: int, j: int) -> tuple[int, int]:
    """A digit word at atom ``j`` that no multiplier follows; "nol" only on its own."""
    w = _word_here(s, j, i)
    if w in DIGIT_WORDS and s.next_word(j + 1) not in _SMALL_MULTIPLIERS:
        digit = DIGIT_WORDS[w]
        if j == i or digit != 0:
            return value + digit, j + 1
    return value, j


def read_number(s: Sentence, i: int) -> ParsedNumber | None:
    """The longest number starting at atom ``i`` (free atoms only), or None."""
    total = Decimal(0)
    last_scale: int | None = None
    j = i
    written = money_word = approximate = False
    while True:
        group = _group(s, j) if j == i or s.spaced(j) else None
        if group is None:
            w = _word_here(s, j, i)
            se_scale = _smaller_se_scale(w, last_scale)
            if se_scale:
                total += se_scale
                money_word |= se_scale >= 1_000_000  # "sejuta": money, never a power here
                last_scale, j = se_scale, j + 1
                continue
            if j == i:
                return _money_slang(s, i, w)
            break
        value, k, group_written = group
        w = s.next_word(k)
        scale = _scale(s, w, k)
        if scale and (last_scale is None or value * scale < last_scale):
            total += value * scale
            last_scale, j = scale, k + 1
            written |= group_written
            money_word |= w in MONEY_SCALE_WORDS
            if w in APPROX_SCALES:  # "100 ribuan": nothing can follow
                approximate = True
                break
            continue
        if last_scale is None or value < last_scale:  # else "dua ribu 5000": two numbers
            total += value
            j = k
            written |= group_written
        break
    if j == i:
        return None
    return ParsedNumber(total, i, j, written, money_word, approximate)


def _smaller_se_scale(word: str | None, last_scale: int | None) -> int | None:
    """"seribu", "sejuta" when below the scale read before it."""
    se_scale = SE_SCALES.get(word) if word else None
    if se_scale and (last_scale is None or se_scale < last_scale):
        return se_scale
    return None


def _money_slang(s: Sentence, i: int, word: str | None) -> ParsedNumber | None:
    """A slang word that is an amount by itself ("goceng"; "gopek" only about money)."""
    if word in MONEY_SLANG:
        return ParsedNumber(Decimal(MONEY_SLANG[word]), i, i + 1, False, True, False)
    if s.about_money and word in AMOUNT_ONLY_SLANG:
        return ParsedNumber(Decimal(AMOUNT_ONLY_SLANG[word]), i, i + 1, False, True, False)
    return None


def _scale(s: Sentence, word: str | None, k: int) -> int | None:
    """The scale word at atom ``k``: "ribu", "jt", "ribuan", or "k" right after digits."""
    if word in SCALES:
        return SCALES[word]
    if word in APPROX_SCALES:
        return APPROX_SCALES[word]
    if word == K_SCALE and s.atoms[k - 1].kind == NUM:
        return 1000
    return None


def as_int_if_whole(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def words_to_number(text: str) -> int | Decimal | None:
    """The value of ``text`` when it is exactly one number, in words, digits or both.

    ``words_to_number("tujuh belas ribu") == 17000``, ``words_to_number("3rb5ratus") ==
    3500``, ``words_to_number("setengah") == Decimal("0.5")``; None when the text holds
    anything else ("dua ribu atau tiga ribu", "lima tiga dua" read digit by digit).
    """
    s = Sentence(text)
    if not len(s):
        return None
    number = read_number(s, 0)
    if number is None or number.end != len(s):
        return None
    return as_int_if_whole(number.value)
