"""One pass over a message: every number in it, and the values the assistant needs.

Order of reading (each step claims its atoms so the next cannot reuse them):
e-mail addresses, written dates (17/08/2024), digit strings and identifiers, quantities.
Then the roles: which quantity is the wanted power, which the current one, which an
amount. Ambiguity policy: a field is None rather than a guess (see ``_resolve_power``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

from bot.identifiers import CustomerNumberKind, NikCheck, Phone, customer_number_kind
from bot.language.digits import (
    DigitRun,
    Expectation,
    IdentifierKind,
    IdentifierReading,
    classify,
    find_digit_runs,
    find_grouped_numbers,
)
from bot.language.email import EmailMention, find_emails
from bot.language.lexicon import (
    AMOUNT_CUES,
    AMOUNT_ONLY_SLANG,
    CORRECTION_MARKERS,
    CURRENT_MARKERS,
    CUSTOMER_NUMBER_CUES,
    DIGIT_WORDS,
    HALF,
    MONEY_PREFIXES,
    MONEY_SLANG,
    NEGATION_MARKERS,
    NIK_CUES,
    PHONE_CUES,
    POWER_CUES,
    SE_HUNDRED,
    SE_SCALES,
    SE_TENS,
    STANDARD_POWER_STEPS_VA,
    TARGET_MARKERS,
    WEAK_TARGET_MARKERS,
)
from bot.language.numbers import as_int_if_whole
from bot.language.quantities import DATE_PATTERN, Context, Quantity, read_quantity
from bot.language.tokens import NUM, SYM, WORD, Sentence

# A kVA figure this large is a VA figure with the wrong unit ("3500 kva"): nothing this
# assistant handles is above 197 kVA, and no standard step is 450 kVA or more.
KVA_READ_AS_VA_FROM = 450
# A multi-digit string with no separators this long is an identifier-like string, not a
# quantity, even when it is none of the known identifiers.
LONG_DIGIT_STRING = 9
# Words a quantity can start with (a cheap test before trying to read one).
NUMBER_STARTS = frozenset(
    DIGIT_WORDS.keys() | SE_TENS.keys() | SE_SCALES.keys() | MONEY_SLANG.keys()
    | AMOUNT_ONLY_SLANG.keys()
    | MONEY_PREFIXES | {SE_HUNDRED, HALF}
)
# Words looked at before a power for "dari"/"ke"/"bukan".
MARKER_WINDOW = 3


class MentionKind(str, Enum):
    POWER = "power"  # read as a power (value in VA)
    AMOUNT = "amount"  # read as money (value in rupiah)
    NUMBER = "number"  # a quantity with no role
    DIGITS = "digits"  # read digit by digit, not a known identifier
    IDPEL = "idpel"
    METER = "meter_number"
    NIK = "nik"
    PHONE = "phone"
    YEAR = "year"
    DATE = "date"
    TIME = "time"
    MEASURE = "measure"  # a count or a measure: "5 hari", "30 meter", "16 A"


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number found in the message, with its span in the ORIGINAL text."""

    start: int
    end: int
    text: str
    kind: MentionKind
    value: int | Decimal | None = None  # quantities; in VA for POWER, rupiah for AMOUNT
    digits: str | None = None  # digit strings and identifiers
    unit: str | None = None  # "VA", "IDR" when the message says so or the role implies it
    approximate: bool = False  # "3500an", "100 ribuan"


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str  # power_va, amount_rp, idpel, meter_number, nik, phone, email
    value: int | str
    start: int
    end: int

    def as_dict(self) -> dict[str, int | str]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Extraction:
    """What a message says, each field None unless the message says it unambiguously."""

    text: str
    power_va: int | None = None  # the wanted power
    current_power_va: int | None = None  # "dari 1300 ke 2200": 1300
    amount_rp: int | None = None
    customer_number: str | None = None
    customer_number_kind: CustomerNumberKind | None = None
    nik: str | None = None  # 16 digits (or 15/17 when a NIK was expected), maybe malformed
    nik_problem: str | None = None  # bot.identifiers.check_nik's reason, None when valid
    phone: Phone | None = None
    email: str | None = None
    numbers: tuple[NumberMention, ...] = ()
    entities: tuple[Entity, ...] = ()


# --- reading ---------------------------------------------------------------------------


def _cues(s: Sentence, expected: Expectation | None) -> set[str]:
    words = {a.lower for a in s.atoms if a.kind == WORD}
    words |= {w[:-3] for w in words if w.endswith("nya")}  # "biayanya", "dayanya"
    cues = set()
    if words & PHONE_CUES or expected is Expectation.PHONE:
        cues.add("phone")
    if words & CUSTOMER_NUMBER_CUES or expected is Expectation.CUSTOMER_NUMBER:
        cues.add("customer")
    if words & NIK_CUES or expected is Expectation.NIK:
        cues.add("nik")
    if words & POWER_CUES:
        cues.add("power")
    if words & AMOUNT_CUES:
        cues.add("amount")
    return cues


_KIND_OF_IDENTIFIER = {
    IdentifierKind.IDPEL: MentionKind.IDPEL,
    IdentifierKind.METER: MentionKind.METER,
    IdentifierKind.NIK: MentionKind.NIK,
    IdentifierKind.PHONE: MentionKind.PHONE,
}


def _mention_for_span(s: Sentence, first: int, last: int, kind: MentionKind, **values) -> NumberMention:
    start, end = s.span(first, last)
    return NumberMention(start, end, s.text[start:end], kind, **values)


def _read_digit_runs(
    s: Sentence, cues: set[str], expected: Expectation | None
) -> tuple[list[NumberMention], list[IdentifierReading]]:
    mentions: list[NumberMention] = []
    readings: list[IdentifierReading] = []

    def identifier(first: int, last: int, digits: str, plus: bool) -> bool:
        reading = classify(digits, plus, frozenset(cues), expected)
        if reading is None:
            return False
        kind = _KIND_OF_IDENTIFIER[reading.kind]
        mentions.append(_mention_for_span(s, first, last, kind, digits=reading.digits))
        readings.append(reading)
        s.claim(first, last)
        return True

    def digit_string(first: int, last: int, digits: str) -> None:
        mentions.append(_mention_for_span(s, first, last, MentionKind.DIGITS, digits=digits))
        s.claim(first, last)

    for grouped in find_grouped_numbers(s):  # "lima ratus sebelas, nol sepuluh, ..."
        identifier(grouped.first, grouped.last, grouped.digits, False)  # else: quantities
    runs: list[DigitRun] = find_digit_runs(s)
    for run in runs:
        several = len(run.elements) > 1 or run.elements[0].last > run.elements[0].first
        if identifier(run.first, run.last, run.digits, run.plus):
            continue
        if several and not run.spoken and _looks_space_grouped(run):
            # "3 500 VA": 3.500 with a space for the dot, or 3 and 500? "450 900": two
            # powers or 450.900? Either reading can be wrong: no value.
            digit_string(run.first, run.last, run.digits)
            continue
        if several and not run.spoken:
            # "1300 2200", "532110000101 081234500101": the groups one by one
            for element in run.elements:
                if identifier(element.first, element.last, element.digits, False):
                    continue
                if len(element.digits) >= LONG_DIGIT_STRING:
                    digit_string(element.first, element.last, element.digits)
            continue
        if several or len(run.digits) >= LONG_DIGIT_STRING:
            # spoken digits ("satu dua tiga", "dobel satu"), or a long unknown digit string
            digit_string(run.first, run.last, run.digits)
    return mentions, readings


def _looks_space_grouped(run: DigitRun) -> bool:
    """Groups like "3 500" or "1 300 000": 1-3 digits (no leading 0), then groups of 3."""
    first, *rest = run.elements
    return (
        len(first.digits) <= 3
        and first.digits[0] != "0"
        and all(len(e.digits) == 3 for e in rest)
    )


def _power_from_unit(q: Quantity) -> int | None:
    assert q.va_factor is not None
    value = q.value
    if q.va_factor == 1000 and value >= KVA_READ_AS_VA_FROM:
        value_va = value
    else:
        value_va = value * q.va_factor
    if value_va <= 0 or value_va != value_va.to_integral_value():
        return None
    return int(value_va)


def _bare_power(value: Decimal) -> int | None:
    """A bare number as a power: "2200" is 2.200 VA; "5,5" and "23" are kVA when that gives
    a standard step; anything else (e.g. "2", "300") is no power."""
    if value == value.to_integral_value() and value >= STANDARD_POWER_STEPS_VA_MIN:
        return int(value)
    in_va = value * 1000
    if in_va == in_va.to_integral_value() and int(in_va) in STANDARD_POWER_STEPS_VA:
        return int(in_va)
    return None


STANDARD_POWER_STEPS_VA_MIN = min(STANDARD_POWER_STEPS_VA)


def _whole_positive(value: Decimal) -> int | None:
    if value > 0 and value == value.to_integral_value():
        return int(value)
    return None


def _role(
    q: Quantity, marker: str | None, cues: set[str], expected: Expectation | None,
    local_cue: str | None = None,
) -> tuple[MentionKind, int | None]:
    """POWER/AMOUNT with the value in VA/rupiah, or NUMBER with None.

    A bare number (no unit, no Rp) takes the expectation's role; else money words ("rb",
    "jt") make an amount; else the message's cue words decide ("daya" vs "token", "bayar").
    With both, the cue word just before the number decides for a figure that is no power
    step ("naik daya ke 6600, stroom awalnya lima puluh ribu"). With no cue, or both, only
    a standard power step is taken, as a power; and a standard step after "ke"/"dari"/
    "mau" is a power even next to money words ("mau ke 3500, bayar 50rb")."""
    if q.va_factor is not None:
        power = _power_from_unit(q)
        return (MentionKind.POWER, power) if power is not None else (MentionKind.NUMBER, None)
    if q.money:
        amount = _whole_positive(q.value)
        return (MentionKind.AMOUNT, amount) if amount is not None else (MentionKind.NUMBER, None)
    role = _bare_role(q, marker, cues, expected, local_cue)
    if role is None:
        return MentionKind.NUMBER, None
    value = _bare_power(q.value) if role is MentionKind.POWER else _whole_positive(q.value)
    if value is None:
        return MentionKind.NUMBER, None
    return role, value


def _bare_role(
    q: Quantity, marker: str | None, cues: set[str], expected: Expectation | None,
    local_cue: str | None,
) -> MentionKind | None:
    """POWER or AMOUNT for a number with no unit and no Rp (see ``_role``), None when its
    role cannot be told."""
    if expected is Expectation.POWER:
        return MentionKind.POWER
    if expected is Expectation.AMOUNT:
        return MentionKind.AMOUNT
    power_cue, amount_cue = "power" in cues, "amount" in cues
    standard_step = q.value in STANDARD_POWER_STEPS_VA
    if q.money_word:  # "50rb", "1jt", "100 ribuan"
        if amount_cue or (not power_cue and not standard_step):
            return MentionKind.AMOUNT
        if power_cue:
            return MentionKind.POWER  # "naik daya 3rb5ratus"
        return None  # "3rb5ratus" alone: 3.500 VA or Rp3.500?
    if power_cue and not amount_cue:
        return MentionKind.POWER
    if amount_cue and not power_cue:
        if not standard_step:
            return MentionKind.AMOUNT
        if marker in ("target", "current", "weak_target"):
            return MentionKind.POWER  # "mau ke 3500, bayar 50rb"
        return None  # "bayar 5500"
    if local_cue == "amount" and not standard_step:  # both cues: the nearest one
        return MentionKind.AMOUNT
    if standard_step:  # no cue, or both: "3500", "biaya tambah daya ke 3500?"
        return MentionKind.POWER
    return None


_CONTEXT_KIND = {
    Context.YEAR: MentionKind.YEAR,
    Context.DATE: MentionKind.DATE,
    Context.TIME: MentionKind.TIME,
    Context.MEASURE: MentionKind.MEASURE,
}


def _local_cue(s: Sentence, first: int) -> str | None:
    """"power" or "amount": the nearest cue word among the few words just before atom
    ``first`` (not past another number)."""
    k, seen = first - 1, 0
    while k >= 0 and seen < MARKER_WINDOW + 1:
        atom = s.atoms[k]
        if atom.kind == NUM:
            break
        if atom.kind == WORD:
            if atom.lower in AMOUNT_CUES:
                return "amount"
            if atom.lower in POWER_CUES:
                return "power"
            seen += 1
        k -= 1
    return None


def _marker(s: Sentence, first: int) -> str | None:
    """"current", "target" or "negated" from the words just before atom ``first``."""
    k = first - 1
    seen = 0
    nearest = None
    while k >= 0 and seen < MARKER_WINDOW:
        atom = s.atoms[k]
        if atom.kind == NUM or (atom.kind == SYM and atom.text not in "-:"):
            break
        if atom.kind == WORD:
            if atom.lower in NEGATION_MARKERS:
                return "negated"
            if atom.lower in CORRECTION_MARKERS:
                return "correction"
            if nearest is None and atom.lower in CURRENT_MARKERS:
                nearest = "current"
            elif nearest is None and atom.lower in TARGET_MARKERS:
                nearest = "target"
            elif nearest is None and atom.lower in WEAK_TARGET_MARKERS:
                nearest = "weak_target"
            seen += 1
        k -= 1
    return nearest


# --- choosing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PowerCandidate:
    mention: int  # index into the mentions list
    value: int
    marker: str | None
    position: int


def _resolve_power(candidates: list[_PowerCandidate]) -> tuple[int | None, int | None, set[int]]:
    """(target, current, mention indices that are the target).

    - "bukan X" drops X; "eh salah X", "ralat X", "tapi X" drop every value before X.
    - One value after "ke/jadi/menjadi" (or, when there is none, "mau/naik/...") is the
      target; one after "dari/sekarang/..."
      the current one. With a target, one unmarked value BEFORE it is the current one
      ("1300 ke 2200"); an unmarked value after it ("mau 2200 atau 3500") makes it
      ambiguous: no target.
    - No marker at all: the target only when the message has one distinct value.
    """
    kept = _after_last_correction(_settle_weak_targets(_without_negated(candidates)))
    target, current = _target_and_current(kept)
    chosen = {c.mention for c in kept if c.value == target and c.marker != "current"} if target else set()
    return target, current, chosen


def _without_negated(candidates: list[_PowerCandidate]) -> list[_PowerCandidate]:
    """"bukan 2200": that value is not meant."""
    return [c for c in candidates if c.marker != "negated"]


def _settle_weak_targets(kept: list[_PowerCandidate]) -> list[_PowerCandidate]:
    """"mau"/"naik" mark the target unless "ke"/"jadi" marks another one."""
    strong = any(c.marker == "target" for c in kept)
    weak_becomes = None if strong else "target"
    return [replace(c, marker=weak_becomes) if c.marker == "weak_target" else c for c in kept]


def _after_last_correction(kept: list[_PowerCandidate]) -> list[_PowerCandidate]:
    """"eh salah 3500", "ralat 3500": what came before the last correction is dropped, and
    the corrected value is the target."""
    corrections = [c.position for c in kept if c.marker == "correction"]
    if not corrections:
        return kept
    last_correction = max(corrections)
    return [
        replace(c, marker="target") if c.marker == "correction" else c
        for c in kept if c.position >= last_correction
    ]


def _values_marked(kept: list[_PowerCandidate], marker: str | None) -> set[int]:
    return {c.value for c in kept if c.marker == marker}


def _target_and_current(kept: list[_PowerCandidate]) -> tuple[int | None, int | None]:
    targets = _values_marked(kept, "target")
    currents = _values_marked(kept, "current")
    target = current = None
    if len(targets) == 1:
        target, current = _around_the_target(kept, next(iter(targets)), currents)
    elif not targets:
        target = _single(list(_values_marked(kept, None)))
    if current is None and len(currents) == 1:
        current = next(iter(currents))
    if target is not None and target in currents:
        target = None  # "dari 2200 ke 2200"?
    return target, current


def _around_the_target(
    kept: list[_PowerCandidate], target: int, currents: set[int]
) -> tuple[int | None, int | None]:
    """(target, current) given the one marked target: an unmarked value before it is the
    current one ("1300 ke 2200"); one after it ("mau 2200 atau 3500"), or several before
    it, leave the target open."""
    target_at = min(c.position for c in kept if c.marker == "target")
    unmarked = [c for c in kept if c.marker is None]
    before = {c.value for c in unmarked if c.position < target_at} - {target}
    after = {c.value for c in unmarked if c.position > target_at} - {target}
    if after:
        return None, None
    if len(before) == 1 and not currents:
        return target, next(iter(before))
    if before:
        return None, None
    return target, None


def _single(values: list) -> object | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def extract(text: str, expected: Expectation | str | None = None) -> Extraction:
    """Read ``text``. ``expected`` is what the assistant just asked (an ``Expectation`` or
    its value: "power", "amount", "customer_number", "nik", "phone", "email"); it settles
    readings the message alone leaves open (a bare "3500" is a power when a power was
    asked, a "62..." 12-digit string a phone number when a phone number was asked)."""
    expected = Expectation(expected) if expected is not None else None
    s = Sentence(text)
    emails: list[EmailMention] = find_emails(s)
    mentions = _read_dates(s)
    cues = _cues(s, expected)
    s.about_money = "amount" in cues or expected is Expectation.AMOUNT
    id_mentions, readings = _read_digit_runs(s, cues, expected)
    mentions.extend(id_mentions)
    power_candidates, amounts = _read_quantities(s, cues, expected, mentions)
    said = _said_values(power_candidates, amounts, readings, emails)
    return Extraction(
        text=text,
        power_va=said.power,
        current_power_va=said.current_power,
        amount_rp=said.amount,
        customer_number=said.customer,
        customer_number_kind=customer_number_kind(said.customer) if said.customer else None,
        nik=said.nik.digits if said.nik else None,
        nik_problem=_nik_problem(said.nik),
        phone=said.phone,
        email=said.email,
        numbers=tuple(sorted(mentions, key=lambda m: m.start)),
        entities=tuple(_entities(mentions, said, emails)),
    )


def _read_dates(s: Sentence) -> list[NumberMention]:
    """Written dates ("17/08/2024") on free atoms, claimed."""
    mentions: list[NumberMention] = []
    for match in DATE_PATTERN.finditer(s.text):
        inside = [k for k, a in enumerate(s.atoms) if a.start >= match.start() and a.end <= match.end()]
        if inside and all(s.free(k) for k in inside):
            s.claim(inside[0], inside[-1])
            mentions.append(NumberMention(match.start(), match.end(), match.group(0), MentionKind.DATE))
    return mentions


def _may_start_quantity(s: Sentence, i: int) -> bool:
    atom = s.atoms[i]
    return s.free(i) and (atom.kind == NUM or atom.lower in NUMBER_STARTS)


def _read_quantities(
    s: Sentence, cues: set[str], expected: Expectation | None, mentions: list[NumberMention]
) -> tuple[list[_PowerCandidate], list[int]]:
    """Every quantity left in the free atoms, appended to ``mentions``; the powers among
    them (as candidates for the target and the current power) and the amounts."""
    power_candidates: list[_PowerCandidate] = []
    amounts: list[int] = []
    for i in range(len(s.atoms)):
        if not _may_start_quantity(s, i):
            continue
        q = read_quantity(s, i)
        if q is None:
            continue
        mention, marker = _quantity_mention(s, q, cues, expected)
        if mention.kind is MentionKind.POWER:
            power_candidates.append(_PowerCandidate(len(mentions), mention.value, marker, q.first))
        elif mention.kind is MentionKind.AMOUNT:
            amounts.append(mention.value)
        mentions.append(mention)
    return power_candidates, amounts


_UNIT_OF_ROLE = {MentionKind.POWER: "VA", MentionKind.AMOUNT: "IDR"}


def _quantity_mention(
    s: Sentence, q: Quantity, cues: set[str], expected: Expectation | None
) -> tuple[NumberMention, str | None]:
    """The mention of quantity ``q`` with its role, and the marker before it (None for a
    year, a date, a time or a measure)."""
    start, end = s.span(q.first, q.last)
    marker = None
    if q.context is not None:
        kind, unit = _CONTEXT_KIND[q.context], None
        value = None if q.context is Context.TIME else as_int_if_whole(q.value)
    else:
        marker = _marker(s, q.first)
        kind, role_value = _role(q, marker, cues, expected, _local_cue(s, q.first))
        unit = _UNIT_OF_ROLE.get(kind)
        value = role_value if unit else as_int_if_whole(q.value)
    mention = NumberMention(start, end, s.text[start:end], kind, value=value, unit=unit,
                            approximate=q.approximate)
    return mention, marker


@dataclass(frozen=True)
class _SaidValues:
    """The one value of each field the message says, None when it says none or several."""

    power: int | None
    current_power: int | None
    power_mentions: set[int]  # indices of the mentions that are the wanted power
    amount: int | None
    customer: str | None
    nik: IdentifierReading | None
    phone: Phone | None
    email: str | None


_CUSTOMER_NUMBER_KINDS = (IdentifierKind.IDPEL, IdentifierKind.METER)


def _said_values(
    power_candidates: list[_PowerCandidate],
    amounts: list[int],
    readings: list[IdentifierReading],
    emails: list[EmailMention],
) -> _SaidValues:
    power, current, power_mentions = _resolve_power(power_candidates)
    niks = [r for r in readings if r.kind is IdentifierKind.NIK]
    phones = {r.phone.national: r.phone for r in readings if r.kind is IdentifierKind.PHONE and r.phone}
    return _SaidValues(
        power=power,
        current_power=current,
        power_mentions=power_mentions,
        amount=_single(amounts),
        customer=_single([r.digits for r in readings if r.kind in _CUSTOMER_NUMBER_KINDS]),
        nik=niks[0] if _single([r.digits for r in niks]) else None,
        phone=next(iter(phones.values())) if len(phones) == 1 else None,
        email=_single([e.address for e in emails]),
    )


def _nik_problem(nik: IdentifierReading | None) -> str | None:
    nik_check: NikCheck | None = nik.nik_check if nik else None
    return nik_check.problem if nik_check else None


def _entity_value(index: int, mention: NumberMention, said: _SaidValues) -> tuple[str, int | str] | None:
    """(entity name, value) when mention ``index`` is one of the values the message says."""
    if index in said.power_mentions:
        return "power_va", said.power
    if mention.kind is MentionKind.AMOUNT and said.amount is not None:
        return "amount_rp", said.amount
    if mention.kind in (MentionKind.IDPEL, MentionKind.METER) and said.customer is not None:
        return mention.kind.value, said.customer
    if mention.kind is MentionKind.NIK and said.nik is not None:
        return "nik", said.nik.digits
    if mention.kind is MentionKind.PHONE and said.phone is not None:
        return "phone", said.phone.national
    return None


def _entities(mentions: list[NumberMention], said: _SaidValues, emails: list[EmailMention]) -> list[Entity]:
    """The entities of the values said, at every mention of each, in text order."""
    entities: list[Entity] = []
    for index, mention in enumerate(mentions):
        named = _entity_value(index, mention, said)
        if named is not None:
            entities.append(Entity(named[0], named[1], mention.start, mention.end))
    if said.email is not None:
        entities.extend(Entity("email", said.email, e.start, e.end) for e in emails)
    entities.sort(key=lambda e: e.start)
    return entities
