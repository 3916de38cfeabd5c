"""What the console shows of a conversation, from its events (Rasa's tracker, as its HTTP
API gives them): the transcript, what was collected (personal fields masked until a CSO
reveals one), and the SOP audit (which of the SOP's steps ran, in which order, which were
skipped and why). Framework-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels.contract import channel_and_address
from bot.identifiers import mask
from bot.redaction import personal_values, redacted
from bot.sop import continuation
from bot.sop.engine import Shown, Sop
from bot.sop.names import REQUESTED_SLOT, SOP_ENDING, SOP_REASON, SOP_STEP

# What the channel said of the caller, shown before the SOP's own answers (``Sop.display``).
CALLER_FIELDS = (Shown("caller_name", "Penelepon"), Shown("caller_phone", "Nomor penelepon", mask))


@dataclass(frozen=True)
class Line:
    who: str  # "pelanggan", "asisten", "cso"
    text: str
    at: str  # HH:MM:SS


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    shown: str
    personal: bool


@dataclass(frozen=True)
class StepAudit:
    step: int
    name: str
    ran: bool
    order: int | None  # the position in which it ran
    note: str  # why it was skipped, or what happened


WIB = dt.timezone(dt.timedelta(hours=7))


def _time(event: Mapping[str, Any], shape: str = "%H:%M:%S") -> str:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return ""
    return dt.datetime.fromtimestamp(stamp, WIB).strftime(shape)


def transcript(events: Sequence[Mapping[str, Any]]) -> list[Line]:
    """Who said what, with the conversation's NIKs, phone numbers, e-mails and addresses
    masked (a CSO reveals one in the collected data, audited)."""
    personal = personal_values(events)

    def masked(text: Any) -> str:
        return redacted({"text": str(text)}, personal)["text"]

    lines = []
    for event in events:
        text = event.get("text")
        if event.get("event") == "user" and text and not str(text).startswith("/"):
            lines.append(Line("pelanggan", masked(text), _time(event)))
        elif event.get("event") == "bot" and text:
            cso = (event.get("metadata") or {}).get("cso")
            lines.append(Line(f"cso ({cso})" if cso else "asisten", masked(text), _time(event)))
    return lines


def slots_of(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            slots[event.get("name")] = event.get("value")
        elif event.get("event") == "restart":
            slots.clear()
    return slots


def _shown(sop: Sop) -> tuple[Shown, ...]:
    return (*CALLER_FIELDS, *sop.display.shown)


def personal_fields(sop: Sop) -> frozenset[str]:
    """The collected fields a CSO may reveal (shown masked otherwise)."""
    return frozenset(shown.name for shown in _shown(sop) if shown.personal)


def collected(slots: Mapping[str, Any], sop: Sop,
              revealed: frozenset[str] = frozenset()) -> list[Field]:
    """What the conversation collected, as the SOP displays it: the caller first, then
    the SOP's answers; the personal ones masked unless revealed."""
    fields = []
    for shown in _shown(sop):
        value = slots.get(shown.name)
        if value in (None, ""):
            continue
        text = str(value)
        if shown.masked is not None and shown.name not in revealed:
            text = shown.masked(text) or ""
        fields.append(Field(shown.name, shown.label, sop.display.said.get(text, text),
                            shown.personal))
    return fields


def steps_run(events: Sequence[Mapping[str, Any]], sop: Sop) -> tuple[list[int], dict[str, Any]]:
    """The steps the conversation went through, in the order they ran (from the questions
    asked and what the assistant did), and the slots at its end."""
    order: list[int] = []
    slots: dict[str, Any] = {}

    def ran(*steps: int) -> None:
        order.extend(step for step in steps if step not in order)

    for event in events:
        kind, name = event.get("event"), event.get("name")
        if kind == "bot" and not order and sop.audit.greeting_step is not None:
            ran(sop.audit.greeting_step)
        if kind == "slot":
            slots[name] = event.get("value")
            if name == REQUESTED_SLOT and event.get("value"):
                ran(sop.step_of(event["value"]))
            if name in sop.audit.slot_steps and event.get("value"):
                ran(*sop.audit.slot_steps[name])
        if kind == "action" and name in sop.audit.action_steps:
            ran(sop.audit.action_steps[name])
    return order, slots


def _why_not_run(step: int, sop: Sop, slots: Mapping[str, Any], context: Any,
                 applicable: set[int]) -> str:
    ending, step_ended = slots.get(SOP_ENDING), slots.get(SOP_STEP)
    if ending and step_ended and step > int(step_ended):
        return f"tidak sampai: permohonan berakhir di langkah {step_ended} ({ending})"
    why = sop.audit.skipped(step, slots, context)
    if why is not None:
        return why
    if step in sop.steps.values() and step not in applicable:
        return "tidak berlaku untuk jalur percakapan ini"
    return "belum dijalankan"


def sop_audit(events: Sequence[Mapping[str, Any]], sop: Sop) -> list[StepAudit]:
    """The SOP's steps as a QA officer scores a call: the steps the conversation went
    through (from the questions asked and what the assistant did), in order, and for the
    others why they did not run."""
    order, slots = steps_run(events, sop)
    ending, step_ended = slots.get(SOP_ENDING), slots.get(SOP_STEP)
    context = sop.context_of(slots)
    applicable = {sop.steps[q] for q in sop.applicable_questions(sop.answers(slots), context)
                  if q in sop.steps}
    audit = []
    for step, name in sorted(sop.audit.step_names.items()):
        if step in order:
            note = ""
            if ending and step == step_ended:
                note = f"berakhir di sini: {slots.get(SOP_REASON) or ending}"
            audit.append(StepAudit(step, name, True, order.index(step) + 1, note))
        else:
            audit.append(StepAudit(step, name, False, None,
                                   _why_not_run(step, sop, slots, context, applicable)))
    return audit


UNITS = (("hari", 86400), ("jam", 3600), ("menit", 60), ("detik", 1))


def duration(seconds: float, smallest: str = "menit") -> str:
    """A time span as people say it: its two largest units, down to ``smallest``
    ("2 jam 5 menit", "10 hari 17 jam", "7 menit 30 detik"); under one ``smallest`` unit,
    "kurang dari 1 menit" (or "0 detik")."""
    names = [name for name, _size in UNITS]
    units = UNITS[:names.index(smallest) + 1]
    left, parts = round(max(0.0, seconds)), []
    for name, size in units:
        count, left = divmod(left, size)
        if count or parts:
            parts.append((count, name))
    said = [f"{count} {name}" for count, name in parts[:2] if count]
    if said:
        return " ".join(said)
    return "0 detik" if smallest == "detik" else f"kurang dari 1 {smallest}"


# --- a request's path across channels -----------------------------------------------------

MAX_PATH = 10  # conversations followed back; a request is rarely continued more than twice


@dataclass(frozen=True)
class Leg:
    """One conversation of a request continued across channels."""

    position: int  # in the path, from 0 (where the request began)
    conversation: str
    channel: str
    started: str  # DD-MM-YYYY HH:MM (WIB)
    stopped: str
    step: str  # the step reached, as people read it
    here: bool  # the case's own conversation


def channel_name(conversation: str) -> str:
    """The conversation's channel as the offer names it ("WhatsApp", "telepon 123")."""
    kind = channel_and_address(conversation)[0]
    return continuation.CHANNEL_NAMES.get(kind, kind)


def continued_from(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The conversation whose request was offered in this one (the last offer), if any."""
    offered = None
    for event in events:
        value = event.get("value")
        if (event.get("event") == "slot" and event.get("name") == continuation.OFFER_SLOT
                and isinstance(value, Mapping) and value.get("conversation_id")):
            offered = str(value["conversation_id"])
    return offered


def closed_as_continued(tickets: Sequence[Any], conversation: str) -> bool:
    """Whether APKT records ``conversation``'s request closed because it was continued
    elsewhere (an offer declined or not taken leaves no such ticket)."""
    return any(ticket.conversation_id == conversation
               and (ticket.data or {}).get(continuation.CLOSED_BY) == continuation.CONTINUED
               for ticket in tickets)


def step_reached(events: Sequence[Mapping[str, Any]], sop: Sop) -> str:
    """The last question the conversation asked, as people read it."""
    question = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT \
                and event.get("value"):
            question = str(event["value"])
    if question is None:
        return "awal permohonan"
    return sop.progress.get(question) or f"langkah {sop.step_of(question)}"


def leg(position: int, conversation: str, channel: str,
        events: Sequence[Mapping[str, Any]], sop: Sop, here: bool) -> Leg:
    said = [e for e in events if e.get("event") in ("user", "bot")
            and isinstance(e.get("timestamp"), (int, float))]
    shape = "%d-%m-%Y %H:%M"
    return Leg(position, conversation, channel,
               _time(said[0], shape) if said else "", _time(said[-1], shape) if said else "",
               step_reached(events, sop), here)
