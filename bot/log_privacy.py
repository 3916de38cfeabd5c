"""No personal data in any log record of any service (UU PDP 27/2022).

``install()`` replaces the process's log record factory: every record, whoever logs it
(Rasa, Sanic, rasa-sdk, uvicorn, this project), has its message and its traceback masked
before any handler sees it: e-mail addresses (``mask_email``), and every run of 8 or more
digits, with or without separators (NIK, phone numbers in any form, IDPEL, meter and
registration numbers), down to its last 4 digits. Addresses in free text cannot be told
from other words: this project never logs a customer's text; what a library logs of one
on an error is masked for its numbers and e-mails here.

Each service installs it first thing: ``bot.rasa_runtime``, ``bot.action_server``,
``bot.backoffice.__main__``.
"""

from __future__ import annotations

import logging
import re
import traceback

from bot.identifiers import mask, mask_email

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


def redact(text: str) -> str:
    """``text`` with e-mail addresses and long digit runs (not dates) masked."""
    return _DIGITS.sub(_masked, _EMAIL.sub(lambda m: mask_email(m.group()) or "", text))


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
