"""What every customer message refreshes: the clock's phrases, the assistant's name, the
facts given before they were asked, and the caller.

- ``day_part`` (steps 1 and 21) and ``intimacy`` (step 22) from the conversation's clock,
  read in the zone of the customer's unit once it is known (``unit_timezone``: from the
  CRM's record of the caller, then from the IDPEL), the configured zone before;
- ``assistant_name`` (step 1, as the stack names it);
- ``noted_facts`` (the SOP's ``Facts.note``);
- the caller's number and, once per number, the CRM's name for it (step 2).

Framework-free: ``Message`` is what a message and the conversation say; the CRM (a
function), the clock and the assistant's name are given by the caller. Two adapters use it: Rasa's own process
(``bot.rasa_runtime.conversation_slots``, no round trip) and, for Rasa without this
project's runtime, the action ``action_validate_slot_mappings``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.identifiers import mask, parse_phone
from bot.sop.clock import Clock, in_zone
from bot.sop.engine import Sop
from bot.sop.formatting import addressed_as
from bot.sop.phrases import day_part, intimacy

logger = logging.getLogger(__name__)

UNIT_ZONE_SLOT = "unit_timezone"


@dataclass(frozen=True)
class Caller:
    """The CRM's record of a phone number (the back office's ``Caller``)."""

    name: str
    title: str
    timezone: str | None = None  # the zone of the unit of the caller's customer record


class CallerUnknown(Exception):
    """The CRM does not know the number."""


# (national number, the conversation's now) -> the CRM's record; raises CallerUnknown, or
# anything else when the CRM cannot be asked (then no pop-up: the name is asked).
CrmLookup = Callable[[str, dt.datetime], Awaitable[Caller]]


@dataclass(frozen=True)
class Message:
    metadata: Mapping[str, Any]  # the latest message's (caller_id, now, ...)
    session_metadata: Mapping[str, Any]  # the session start's
    slots: Mapping[str, Any]  # the conversation's slots before this message
    entities: list[Mapping[str, Any]] = field(default_factory=list)
    intent: str | None = None
    requested: str | None = None  # the form's open question, if a form is active

    def caller_id(self) -> str | None:
        for metadata in (self.metadata, self.session_metadata):
            if isinstance(metadata, Mapping) and metadata.get("caller_id"):
                return str(metadata["caller_id"])
        return None


async def refreshed(message: Message, crm: CrmLookup, clock: Clock, assistant_name: str,
                    sop: Sop) -> dict[str, Any]:
    """The slots this message changes in a conversation of ``sop``, by ``clock`` (the
    message's time where the clock trusts it), for an assistant named ``assistant_name``."""
    now = clock.now(message.metadata.get("now"))
    values: dict[str, Any] = await _caller(message, now, crm)
    local = in_zone(now, values.get(UNIT_ZONE_SLOT) or message.slots.get(UNIT_ZONE_SLOT))
    values.update(day_part=day_part(local).value, intimacy=intimacy(local).value,
                  assistant_name=assistant_name)
    if sop.facts is not None:
        before = message.slots.get("noted_facts") or {}
        noted = sop.facts.note(before, message.entities, sop.answers(message.slots),
                               message.intent, message.requested)
        if noted != before:
            values["noted_facts"] = noted
    return {name: value for name, value in values.items() if message.slots.get(name) != value}


async def _caller(message: Message, now: dt.datetime, crm: CrmLookup) -> dict[str, Any]:
    number = message.caller_id()
    phone = parse_phone(number) if number else None
    if phone is None or message.slots.get("caller_phone") == phone.national:
        return {}
    slots: dict[str, Any] = {"caller_phone": phone.national, "caller_phone_kind": phone.kind.value}
    try:
        known = await crm(phone.national, now)
    except CallerUnknown:
        return slots
    except Exception as error:  # no pop-up: the name is asked (step 2), nothing is lost
        logger.warning("CRM lookup of %s failed: %s", mask(phone.national), error)
        return slots
    if not message.slots.get("caller_name"):
        slots.update(caller_known=True, caller_name=known.name, caller_title=known.title,
                     caller_display=addressed_as(known.title, known.name))
    if known.timezone and not message.slots.get(UNIT_ZONE_SLOT):
        slots[UNIT_ZONE_SLOT] = known.timezone
    return slots


def crm_of(client) -> CrmLookup:
    """The CRM lookup of a back-office client (``AsyncBackofficeClient``)."""
    from bot.backoffice.client import NotFound

    async def lookup(number: str, now: dt.datetime) -> Caller:
        try:
            record = await client.at(now).caller(number)
        except NotFound:
            raise CallerUnknown(number) from None
        return Caller(record.name, record.title, record.timezone)

    return lookup
