"""No personal data in any log record of any service (UU PDP 27/2022).

``install()`` replaces the process's log record factory: every record, whoever logs it
(Rasa, Sanic, rasa-sdk, uvicorn, this project), has its message and its traceback masked
before any handler sees it: e-mail addresses (``mask_email``), and every run of 8 or more
digits, however it is spelled (NIK, phone numbers in any form, IDPEL, meter and
registration numbers), down to its last 4 digits. "However it is spelled" is what the
assistant itself reads as one number (``bot.language.digits``): groups joined by spaces,
dashes, dots or slashes ("3273/0115/0885/0001", "0812 - 3450 - 0101"), digits spaced one by
one, and digits in words ("nol delapan satu dua ..."). The same ``redact`` masks the
stored conversation (``bot.redaction``) and the CSO console's transcript. Addresses in free text cannot be told
from other words: this project never logs a customer's text; what a library logs of one
on an error is masked for its numbers and e-mails here.

Each service installs it first thing: ``bot.rasa_runtime``, ``bot.action_server``,
``bot.backoffice.__main__``.
"""

from __future__ import annotations

import itertools
import logging
import re
import traceback

from bot.identifiers import mask, mask_email
from bot.language.lexicon import DIGIT_WORDS, REPEAT_WORDS

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digit groups of 2 or more joined by one space, dash or dot ("0812 3450 0101",
# "+62 812-3450-0101", "3273.0115.0885.0001"); masked when they hold 8 digits or more.
# A single digit does not join: "…/********0101 200 1.5ms" keeps its status and time.
_DIGITS = re.compile(r"\+?\d{2,}(?:[\- .]\d{2,})*")

_installed = False


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?")


def _masked(match: re.Match) -> str:
    value = match.group()
    digits = re.sub(r"\D", "", value)
    if len(digits) < 8 or _DATE.fullmatch(value.strip()):  # 2026-12-01 is not personal
        return value
    return mask(digits) or ""


# A digit or a digit word: a text with fewer than 8 holds no number to mask (most records).
_DIGITISH = re.compile(r"\d|\b(?:" + "|".join(sorted({*DIGIT_WORDS, *REPEAT_WORDS}, key=len,
                                                     reverse=True)) + r")\b", re.IGNORECASE)
MASKED_DIGITS = 8
# What is masked already ("************0001"): not read again as part of a longer run.
_ALREADY_MASKED = re.compile(r"\*{4,}\d{0,4}")
# An IPv4 address ("127.0.0.1:5005" after a status code) is a run of digits, not a number.
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")


def _spelled_numbers(text: str) -> str:
    """Every run of 8 or more digits the assistant would read as one number, masked (its
    last 4 digits kept), dates left alone."""
    if len(list(itertools.islice(_DIGITISH.finditer(text), MASKED_DIGITS))) < MASKED_DIGITS:
        return text
    from bot.language.digits import find_digit_runs  # no spaCy: the atom pattern only
    from bot.language.tokens import Sentence, plain_atoms

    shielded = _ALREADY_MASKED.sub(lambda m: "\0" * len(m.group()), text)  # same offsets
    sentence = Sentence(shielded, plain_atoms)
    for run in reversed(find_digit_runs(sentence)):
        start, end = sentence.span(run.first, run.last)
        spelled = text[start:end]
        if (len(run.digits) >= MASKED_DIGITS and not _DATE.fullmatch(spelled)
                and not _IPV4.search(spelled)):
            text = text[:start] + (mask(run.digits) or "") + text[end:]
    return text


def redact(text: str) -> str:
    """``text`` with e-mail addresses and numbers of 8 digits or more in any spelling (not
    dates) masked."""
    masked = _DIGITS.sub(_masked, _EMAIL.sub(lambda m: mask_email(m.group()) or "", text))
    return _spelled_numbers(masked)


def install() -> None:
    """Mask every log record of this process from now on (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), ()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, masked raw
            record.msg, record.args = redact(str(record.msg)), ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(masked_record)
