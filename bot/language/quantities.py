"""Quantities: a number with what is around it (Rp, VA/kVA/watt, "rupiah", "-an", dates).

``read_quantity`` reads one at an atom; ``context_kind`` then says whether the words
around it make it a year, a date, a time or a count ("tahun 2024", "tgl 17 agustus",
"jam 10", "5 hari"), which is never a power or an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from bot.language.lexicon import (
    AMOUNT_ONLY_SLANG,
    DATE_WORDS,
    MEASURE_WORDS,
    MONEY_PREFIXES,
    MONEY_SLANG,
    MONEY_SUFFIXES,
    MONTHS,
    POWER_UNITS,
    TIME_WORDS,
    YEAR_WORDS,
)
from bot.language.numbers import read_number
from bot.language.tokens import NUM, SYM, Sentence

# dd/mm/yyyy, dd-mm-yy, dd.mm.yyyy
DATE_PATTERN = re.compile(r"(?<![0-9.,])[0-9]{1,2}([/.-])[0-9]{1,2}\1(?:[0-9]{4}|[0-9]{2})(?![0-9.,]?[0-9])")


class Context(str, Enum):
    YEAR = "year"
    DATE = "date"
    TIME = "time"
    MEASURE = "measure"


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal  # as said, before any unit conversion
    first: int  # atom indices, inclusive
    last: int
    va_factor: int | None  # 1 for VA/watt, 1000 for kVA/kW; None when no power unit
    money: bool  # Rp, rupiah, perak or money slang ("goceng")
    money_word: bool  # a scale word mostly said of money: "rb", "k", "jt", "ribuan"
    approximate: bool  # "3500an", "100 ribuan"
    context: Context | None


def _is_money_prefix(s: Sentence, i: int) -> bool:
    return s.word(i) in MONEY_PREFIXES


def read_quantity(s: Sentence, i: int) -> Quantity | None:
    """The quantity starting at atom ``i``; its atoms are claimed. None when there is none."""
    first = i
    money = False
    if _is_money_prefix(s, i):
        k = i + 1
        if s.free(k) and s.atoms[k].text == "." and s.gap(k) == "":  # "Rp. 50.000"
            k += 1
        if not (s.free(k) and (s.spaced(k) or s.gap(k) == "")):
            return None
        number = read_number(s, k)
        if number is None:
            return None
        money = True
    else:
        number = read_number(s, i)
        if number is None:
            return None
    j = number.end  # next atom after the number
    money |= number.end == number.first + 1 and (
        s.atoms[number.first].lower in MONEY_SLANG or s.atoms[number.first].lower in AMOUNT_ONLY_SLANG)
    approximate = number.approximate
    if s.word(j) == "an" and s.gap(j) == "":  # "3500an"
        approximate, j = True, j + 1
    # "Rp50.000,-"
    if s.free(j) and s.free(j + 1) and s.atoms[j].text == "," and s.atoms[j + 1].text == "-" \
            and s.gap(j) == "" and s.gap(j + 1) == "":
        j += 2
    va_factor = None
    context = None
    unit = s.next_word(j) if s.spaced(j) else None
    if unit in POWER_UNITS:
        va_factor, j = POWER_UNITS[unit], j + 1
    elif unit in MONEY_SUFFIXES:
        money, j = True, j + 1
    elif unit in MONTHS:
        context = Context.DATE
    elif unit in MEASURE_WORDS or (s.free(j) and s.atoms[j].text == "%" and s.spaced(j)):
        context = Context.MEASURE
    last = j - 1
    if context is None:
        context = _context_before(s, first, number.value)
    if context is Context.TIME and s.free(last + 2) and s.atoms[last + 1].text == ":" \
            and s.atoms[last + 2].kind == NUM and s.gap(last + 1) == "" and s.gap(last + 2) == "":
        last += 2  # "jam 14:30"
    s.claim(first, last)
    return Quantity(number.value, first, last, va_factor, money, number.money_word,
                    approximate, context)


def _context_before(s: Sentence, first: int, value: Decimal) -> Context | None:
    if first == 0 or not s.spaced(first):
        return None
    before = s.atoms[first - 1]
    if before.kind == SYM:
        return None
    word = before.lower
    whole = value == value.to_integral_value()
    if word in YEAR_WORDS and whole and 1900 <= value <= 2100:
        return Context.YEAR
    if word in MONTHS and whole and 1900 <= value <= 2100:
        return Context.YEAR
    if word in DATE_WORDS and whole and 1 <= value <= 31:
        return Context.DATE
    if word in TIME_WORDS and 0 <= value < 25:
        return Context.TIME
    return None
