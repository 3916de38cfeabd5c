"""Personal data out of a stored conversation once the back office holds it (UU PDP
27/2022): after the registration is saved, the conversation's stored events keep no NIK,
phone number, e-mail or address in clear; nor after a question about a registration
whose owner's NIK the customer gave (``redact_this_turn``).

``personal_values`` finds them in the events themselves (the slots that hold them, the
caller id of the messages' metadata, the entities the NLU found); ``redacted`` rewrites one
event's data with each of them masked wherever it appears (the customer's words, the
assistant's read-back, slots, metadata, entities), and any other NIK, phone number or
e-mail in a text masked as in the logs (``bot.log_privacy.redact``). The masks are
``bot.identifiers``'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.identifiers import mask, mask_address, mask_email
from bot.log_privacy import redact

# The action that saved the registration sets this slot: the stored events are redacted
# at that turn's save and every later one. Set at a turn to any value (``redact_this_turn``)
# it has that turn's save redact them (bot.rasa_runtime.tracker_store).
REDACT_SLOT = "personal_data_redacted"
ADDRESS_SLOTS = ("customer_address", "applicant_address")
EMAIL_SLOTS = ("email",)
NUMBER_SLOTS = ("owner_nik", "applicant_nik", "mobile_phone", "caller_phone")
PERSONAL_ENTITIES = ("nik", "phone", "email")
# Emptied when the registration is saved (the back office holds them).
PERSONAL_SLOTS = ("owner_nik", "applicant_nik", "email", "mobile_phone", "customer_address",
                  "applicant_address")


def redact_this_turn(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The slot that has this turn's save mask the stored conversation, for personal data
    given outside a request (the NIK of a question about a registration), with the
    redaction of later turns left as it is (on once a registration is saved). Nothing
    while a request's personal data is not saved yet: a CSO may still need it, and the
    saving masks everything (``slots``: the conversation's)."""
    if any(slots.get(name) not in (None, "") for name in PERSONAL_SLOTS):
        return {}
    return {REDACT_SLOT: slots.get(REDACT_SLOT)}


def _mask(kind: str, value: str) -> str:
    if kind == "address":
        return mask_address(value) or ""
    if kind == "email":
        return mask_email(value) or ""
    return mask(value) or ""


def personal_values(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Every personal value the conversation holds -> its mask (longest first)."""
    found: dict[str, str] = {}

    def note(kind: str, value: Any) -> None:
        if isinstance(value, str) and len(value.strip()) >= 4:
            found[value.strip()] = _mask(kind, value.strip())

    for event in events:
        if event.get("event") == "slot":
            name, value = event.get("name"), event.get("value")
            kind = ("address" if name in ADDRESS_SLOTS else "email" if name in EMAIL_SLOTS
                    else "number" if name in NUMBER_SLOTS else None)
            if kind:
                note(kind, value)
        metadata = event.get("metadata") or {}
        if isinstance(metadata, Mapping):
            note("number", metadata.get("caller_id"))
        for entity in (event.get("parse_data") or {}).get("entities") or ():
            if entity.get("entity") in PERSONAL_ENTITIES:
                note("email" if entity["entity"] == "email" else "number", entity.get("value"))
    return dict(sorted(found.items(), key=lambda item: -len(item[0])))


def _scrub(value: Any, values: Mapping[str, str], key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {k: _scrub(v, values, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, values, key) for v in value]
    if not isinstance(value, str):
        return value
    for clear, masked in values.items():
        if clear in value:
            value = value.replace(clear, masked)
    return redact(value) if key == "text" else value


def redacted(event: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """``event``'s data with the conversation's personal ``values`` masked."""
    return _scrub(event, values)
