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
from bot.language.numbers import ParsedNumber, read_number
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
    found = _number_with_prefix(s, i)
    if found is None:
        return None
    number, money = found
    money |= _is_money_slang(s, number)
    j, approximate = _after_an_suffix(s, number.end, number.approximate)
    j = _after_dash_suffix(s, j)
    after = _unit_after(s, j)
    context = after.context or _context_before(s, i, number.value)
    last = after.next - 1
    if context is Context.TIME:
        last = _after_minutes(s, last)
    s.claim(i, last)
    return Quantity(number.value, i, last, after.va_factor, money or after.money,
                    number.money_word, approximate, context)


def _number_with_prefix(s: Sentence, i: int) -> tuple[ParsedNumber, bool] | None:
    """The number at atom ``i``, or after the money prefix there ("Rp 50.000", "Rp. 50.000",
    "Rp50.000"); with whether there was one."""
    if not _is_money_prefix(s, i):
        number = read_number(s, i)
        return (number, False) if number is not None else None
    k = i + 1
    if s.free(k) and s.atoms[k].text == "." and s.gap(k) == "":  # "Rp. 50.000"
        k += 1
    if not (s.free(k) and (s.spaced(k) or s.gap(k) == "")):
        return None
    number = read_number(s, k)
    return (number, True) if number is not None else None


def _is_money_slang(s: Sentence, number: ParsedNumber) -> bool:
    """A single word that is money by itself ("goceng", "gopek")."""
    if number.end != number.first + 1:
        return False
    word = s.atoms[number.first].lower
    return word in MONEY_SLANG or word in AMOUNT_ONLY_SLANG


def _after_an_suffix(s: Sentence, j: int, approximate: bool) -> tuple[int, bool]:
    """"3500an": the "-an" makes the number approximate."""
    if s.word(j) == "an" and s.gap(j) == "":
        return j + 1, True
    return j, approximate


def _glued(s: Sentence, j: int, text: str) -> bool:
    """Atom ``j`` is free, is ``text`` and follows the atom before it without a space."""
    return s.free(j) and s.atoms[j].text == text and s.gap(j) == ""


def _after_dash_suffix(s: Sentence, j: int) -> int:
    """"Rp50.000,-": the ",-" belongs to the amount."""
    if _glued(s, j, ",") and _glued(s, j + 1, "-"):
        return j + 2
    return j


@dataclass(frozen=True, slots=True)
class _UnitAfter:
    next: int  # the atom after the quantity
    va_factor: int | None = None
    money: bool = False
    context: Context | None = None


def _unit_after(s: Sentence, j: int) -> _UnitAfter:
    """What the word after the number (atom ``j``) says: a power unit, a money word, a
    month (a date) or a measure ("5 hari", "10 %")."""
    unit = s.next_word(j) if s.spaced(j) else None
    if unit in POWER_UNITS:
        return _UnitAfter(j + 1, va_factor=POWER_UNITS[unit])
    if unit in MONEY_SUFFIXES:
        return _UnitAfter(j + 1, money=True)
    if unit in MONTHS:
        return _UnitAfter(j, context=Context.DATE)
    if unit in MEASURE_WORDS or (s.free(j) and s.atoms[j].text == "%" and s.spaced(j)):
        return _UnitAfter(j, context=Context.MEASURE)
    return _UnitAfter(j)


def _after_minutes(s: Sentence, last: int) -> int:
    """"jam 14:30": the minutes belong to the time."""
    colon, minutes = last + 1, last + 2
    if s.free(minutes) and s.atoms[colon].text == ":" and s.atoms[minutes].kind == NUM \
            and s.gap(colon) == "" and s.gap(minutes) == "":
        return minutes
    return last


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
