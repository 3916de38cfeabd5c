"""What the figures are made of: the kinds of event, and the reason codes each may carry.

Every event names a request (one customer's request, which may span several
conversations and channels) and carries no personal data: codes, step numbers, times, a
ticket number and, for the customer, a one-way key (``customer_key``)."""

from __future__ import annotations

import hashlib
from enum import Enum


class Kind(str, Enum):
    STARTED = "started"  # the request's first message (channel, customer key)
    STEP_REACHED = "step_reached"  # the SOP step (1-22) the request reached
    ENDED = "ended"  # the assistant's ending: reason an Outcome, detail a ClosedReason
    HANDED_OVER = "handed_over"  # to a CSO: reason a HandoverReason, step, ticket
    TAKEN = "taken"  # a CSO took the ticket
    CLOSED = "closed"  # a CSO closed the ticket: reason "issued_closed" or "mbl"
    HANDED_BACK = "handed_back"  # a CSO handed the ticket back to the assistant (step)
    PAID = "paid"  # the saved registration was paid
    REMINDER_SENT = "reminder_sent"
    REMINDER_FAILED = "reminder_failed"
    MAIL_SENT = "mail_sent"
    MAIL_FAILED = "mail_failed"
    TURN = "turn"  # one customer message answered: value the latency in milliseconds
    ACTION_FAILED = "action_failed"  # an action call failed: detail the action's name
    NOT_UNDERSTOOD = "not_understood"  # a form's failed attempt at a question: step


class Outcome(str, Enum):
    SAVED = "saved"  # registration saved (value: the end of its validity, epoch seconds)
    ISSUED_CLOSED = "issued_closed"  # information given, APKT ticket closed
    MBL = "mbl"  # escalated to the unit (APKT "Mohon Bantuan Layanan")
    ABANDONED = "abandoned"  # silent past the session's expiry (the sweep)
    DROPPED_CALL = "dropped_call"  # the phone call ended before the request was done


class ClosedReason(str, Enum):
    NOT_READY = "not_ready"  # the customer has not the documents / NIK ready
    ARREARS = "arrears"
    DECLINED = "declined"  # the customer did not go on
    UNKNOWN_IDPEL = "unknown_idpel"


class HandoverReason(str, Enum):
    CUSTOMER_ASKED = "customer_asked"
    TWO_FAILED_ANSWERS = "two_failed_answers"
    OTHER_SOP = "other_sop"  # the request belongs to another SOP
    BACKOFFICE_DOWN = "backoffice_down"
    PHONE_SILENCE = "phone_silence"


class CsoOutcome(str, Enum):
    ISSUED_CLOSED = "issued_closed"
    MBL = "mbl"


# The SOP core's hand-over reasons (``bot.sop.outcomes.HandoffReason`` values) as the figures
# count them. Two are no hand-over of the conversation: "call_dropped" ends the request
# (Outcome.DROPPED_CALL) and "dil_update_failed" follows a saved registration (its ending
# is Outcome.SAVED, and it stays contained).
SOP_HANDOVER_REASONS = {
    "route_dtks": HandoverReason.OTHER_SOP, "route_r3": HandoverReason.OTHER_SOP,
    "route_b2_i2": HandoverReason.OTHER_SOP, "not_this_sop": HandoverReason.OTHER_SOP,
    "customer_asked": HandoverReason.CUSTOMER_ASKED,
    "repeated_failures": HandoverReason.TWO_FAILED_ANSWERS,
    "owner_nik_mismatch": HandoverReason.TWO_FAILED_ANSWERS,
    "owner_nik_held": HandoverReason.TWO_FAILED_ANSWERS,  # too many wrong NIKs today
    "backoffice_unavailable": HandoverReason.BACKOFFICE_DOWN,
    "backoffice_refused": HandoverReason.BACKOFFICE_DOWN,
    "assistant_failed": HandoverReason.BACKOFFICE_DOWN,
    "caller_silent": HandoverReason.PHONE_SILENCE,
}
NOT_HANDED_OVER = {"call_dropped": "dropped_call", "dil_update_failed": "saved"}
# Outcomes that end a request without a person: contained unless it was handed over.
RESOLVED = (Outcome.SAVED.value, Outcome.ISSUED_CLOSED.value, Outcome.MBL.value)
# Outcomes where the customer left.
LEFT = (Outcome.ABANDONED.value, Outcome.DROPPED_CALL.value)
# The reason codes each kind accepts (other kinds take none).
REASONS: dict[Kind, frozenset[str]] = {
    Kind.ENDED: frozenset(o.value for o in Outcome),
    Kind.HANDED_OVER: frozenset(r.value for r in HandoverReason),
    Kind.CLOSED: frozenset(o.value for o in CsoOutcome),
}
# Kinds that come after the conversation (they do not keep a request awake).
AFTER_THE_CALL = (Kind.PAID, Kind.REMINDER_SENT, Kind.REMINDER_FAILED, Kind.MAIL_SENT,
                  Kind.MAIL_FAILED)
# Kinds that end a request (the last one is its outcome).
ENDINGS = (Kind.ENDED, Kind.CLOSED)
STEPS = range(1, 23)


class InvalidEvent(ValueError):
    """An event the store refuses: unknown reason code, step out of range, missing field."""


def customer_key(customer: str) -> str:
    """What the store keeps of a customer: a one-way key of their pseudonymous id (or, on a
    channel without one, their sender), enough to see the same customer come back."""
    return hashlib.sha256(f"pln123-kpi:{customer}".encode()).hexdigest()[:24]


def check(kind: Kind, reason: str | None, detail: str | None, step: int | None,
          ticket: str | None) -> None:
    """Refuse an event that the figures could not count."""
    allowed = REASONS.get(kind)
    if allowed is not None and reason not in allowed:
        raise InvalidEvent(f"{kind.value}: reason {reason!r} is not one of {sorted(allowed)}")
    if allowed is None and reason is not None:
        raise InvalidEvent(f"{kind.value} takes no reason")
    if kind == Kind.ENDED and reason == Outcome.ISSUED_CLOSED.value:
        if detail not in {r.value for r in ClosedReason}:
            raise InvalidEvent(f"issued_closed needs a reason detail, not {detail!r}")
    if step is not None and step not in STEPS:
        raise InvalidEvent(f"step {step} is not an SOP step")
    if kind in (Kind.STEP_REACHED, Kind.HANDED_OVER, Kind.NOT_UNDERSTOOD) and step is None:
        raise InvalidEvent(f"{kind.value} needs its step")
    if kind in (Kind.HANDED_OVER, Kind.TAKEN, Kind.CLOSED, Kind.HANDED_BACK) and not ticket:
        raise InvalidEvent(f"{kind.value} needs its ticket")
