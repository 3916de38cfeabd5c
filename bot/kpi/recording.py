"""The conversation's events for the figures (docs/kpi.md), read from Rasa's tracker after
each customer message: the request started, the steps it reached, the failed attempts at a
question, how it ended or whom it was handed to, and the turn itself with its latency.

One place reads them all (``TurnRecorder.record_turn``, called by
``bot.rasa_runtime.turn_metrics`` after ``Agent.handle_message``): the tracker holds every
event of the turn with its timestamp, whichever action of the action server set it. The
failed action calls are recorded where they fail (``bot.rasa_runtime.action_failures``).

**The request id** needs no slot: a request opens with the customer message that activated
the SOP's form (the latest user message before the form's first activation since the
conversation's session started or ``action_start_new_request`` ran), and its id is a
one-way digest of the conversation id and that message's timestamp. Every turn and every
retried call derive the same id, and the event ids are derived from the request and the
event's step or time, so a turn or a call processed twice is counted once. A turn outside
any request (a greeting before it) is not counted; the turn that starts a new request
during the closing still counts for the earlier one.

A failed write is logged (no conversation id, no personal data) and the conversation goes
on: the figures never stop a customer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import get_month_names
from pydantic import Field

from bot import defaults
from bot.kpi.events import (
    NOT_HANDED_OVER,
    SOP_HANDOVER_REASONS,
    ClosedReason,
    HandoverReason,
    Kind,
    Outcome,
)
from bot.kpi.store import WIB, KpiStore
from bot.settings_base import EnvSettings
from bot.sop.names import HANDOFF_REASON, OUTCOME_DETAILS, REQUESTED_SLOT, SOP_ENDING, SOP_STEP
from bot.sop.outcomes import Ending
from bot.sop.perubahan_daya import PERUBAHAN_DAYA, flow

log = logging.getLogger(__name__)

# Where a request can begin afresh: a new session, or the reset after an earlier request.
BOUNDARY_ACTIONS = frozenset({"action_session_start", "action_start_new_request"})
FAILED_ATTEMPTS_SLOT = "failed_attempts"  # actions.custom_forms
FIRST_STEP = 1  # the greeting: every request reached it
Event = Mapping[str, Any]  # one of the tracker's events as a dict (``Event.as_dict()``)


class KpiSettings(EnvSettings):
    """The event store: ``PLN_KPI_DATABASE_URL`` (PostgreSQL in the scaled stack), or the
    data directory's SQLite (``$PLN_DATA_DIR/kpi.sqlite3``)."""

    database_url: str = Field("", env="PLN_KPI_DATABASE_URL", secret=True)
    data_dir: str = Field(defaults.DATA_DIR, env="PLN_DATA_DIR")

    def store(self) -> KpiStore:
        return KpiStore(self.database_url) if self.database_url else \
            KpiStore.in_data_dir(self.data_dir)


def _is_action(event: Event, names: frozenset[str]) -> bool:
    return event.get("event") == "action" and event.get("name") in names


def request_opening(events: Sequence[Event]) -> Event | None:
    """The customer message that opened the request the latest message belongs to; None
    when that message belongs to no request. Boundaries after the latest message (this
    turn's reset) do not count: the turn belongs to the request it ended."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return None
    latest = users[-1]
    boundary = max((i for i in range(latest) if _is_action(events[i], BOUNDARY_ACTIONS)),
                   default=-1)
    activation = next((i for i in range(boundary + 1, len(events))
                       if events[i].get("event") == "active_loop"
                       and events[i].get("name") == PERUBAHAN_DAYA.form), None)
    if activation is None:
        return None
    return next(events[i] for i in range(activation, -1, -1) if events[i].get("event") == "user")


def request_id(conversation_id: str, opening: Event) -> str:
    raw = f"{conversation_id}|{opening.get('timestamp')!r}"
    return "r-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def closed_reason(step: int | None, details: Mapping[str, Any] | None,
                  slots: Mapping[str, Any]) -> ClosedReason:
    """Why the assistant closed a request with information (Issued Closed): the SOP's
    ending at step 3 (NIK not ready), at step 4 (arrears, or no usable IDPEL), or later
    (the customer did not go on, or cancelled)."""
    details = details or {}
    if "arrears_rp" in details:
        return ClosedReason.ARREARS
    if step == flow.SOP_STEP[flow.Question.CUSTOMER_NUMBER] and not details.get("cancelled"):
        unknown = int(slots.get("unknown_numbers") or 0)
        return ClosedReason.UNKNOWN_IDPEL if unknown else ClosedReason.NOT_READY
    if step == flow.SOP_STEP[flow.Question.NIK_READY] and not details.get("cancelled"):
        return ClosedReason.NOT_READY
    return ClosedReason.DECLINED


_MONTHS = {name.lower(): number for number, name in get_month_names("wide", locale="id").items()}


def validity_end(said: str | None) -> float | None:
    """The end (epoch seconds, WIB) of the day a registration is valid until, as the
    ``registration_expires`` slot says it ("27 Desember 2026"); None when unreadable."""
    try:
        day, month, year = (said or "").split()
        date = dt.date(int(year), _MONTHS[month.lower()], int(day))
    except (ValueError, KeyError):
        return None
    return dt.datetime.combine(date, dt.time(23, 59, 59), WIB).timestamp()


@dataclass
class TurnEvents:
    """One turn of a request as the store records it."""

    store: KpiStore
    request: str
    at: float  # the customer message's timestamp

    def record(self, kind: Kind, key: str, **fields: Any) -> None:
        self.store.record(kind, self.request, self.at, event_id=f"{kind.value}:{self.request}"
                          f":{key}", **fields)

    def step(self, step: int | None) -> None:
        if step is not None and 1 <= step <= 22:
            self.record(Kind.STEP_REACHED, str(step), step=step)


def _since_boundary(events: Sequence[Event]) -> list[Event]:
    """The events since the session started or an earlier request was reset."""
    boundary = max((i for i, event in enumerate(events) if _is_action(event, BOUNDARY_ACTIONS)),
                   default=-1)
    return list(events[boundary + 1:])


def _this_turn(events: Sequence[Event]) -> list[Event]:
    latest = max(i for i, event in enumerate(events) if event.get("event") == "user")
    return list(events[latest:])


def _slot_sets(turn: Sequence[Event], name: str) -> list[Any]:
    return [event.get("value") for event in turn
            if event.get("event") == "slot" and event.get("name") == name]


def steps_reached(turn: Sequence[Event]) -> set[int]:
    """The SOP steps the turn's events mark (``PERUBAHAN_DAYA.audit``)."""
    sop, audit = PERUBAHAN_DAYA, PERUBAHAN_DAYA.audit
    asked = sop.steps.keys() | sop.closing_steps.keys()
    reached: set[int] = set()
    for event in turn:
        name, kind = event.get("name"), event.get("event")
        if kind == "slot" and name == REQUESTED_SLOT and event.get("value") in asked:
            reached.add(sop.step_of(event.get("value")))
        elif kind == "slot" and event.get("value") is not None:
            reached.update(audit.slot_steps.get(name) or
                           ((sop.steps[name],) if name in sop.steps else ()))
        elif kind == "action" and name in audit.action_steps:
            reached.add(audit.action_steps[name])
    return reached


def record_steps(turn_events: TurnEvents, turn: Sequence[Event], asked_before: str | None,
                 slots: Mapping[str, Any]) -> None:
    """The steps reached this turn, as the console's SOP audit marks them (a question
    asked or answered, a slot or an action that marks a step); a failed attempt at the
    question open before it."""
    for step in sorted(steps_reached(turn)):
        turn_events.step(step)
    failures = [value for value in _slot_sets(turn, FAILED_ATTEMPTS_SLOT) if value]
    repeated = slots.get(HANDOFF_REASON) == "repeated_failures" and _slot_sets(turn, SOP_ENDING)
    if (failures or repeated) and asked_before in PERUBAHAN_DAYA.steps:
        turn_events.record(Kind.NOT_UNDERSTOOD, f"{asked_before}:{turn_events.at}",
                           step=PERUBAHAN_DAYA.step_of(asked_before))


def record_ending(turn_events: TurnEvents, turn: Sequence[Event],
                  slots: Mapping[str, Any]) -> None:
    """The request's ending set this turn: saved, Issued Closed, MBL, a dropped call, or a
    hand-over to a CSO with its reason, step and ticket."""
    endings = [value for value in _slot_sets(turn, SOP_ENDING) if value]
    if not endings:
        return
    ending, step = endings[-1], slots.get(SOP_STEP)
    step = int(step) if step else None
    if ending == Ending.SAVED.value:
        turn_events.record(Kind.ENDED, "end", reason=Outcome.SAVED, step=flow.STEP_SAVE,
                           value=validity_end(slots.get("registration_expires")),
                           ticket=slots.get("registration_number"))
        return
    turn_events.step(step)
    if ending == Ending.ISSUED_CLOSED.value:
        turn_events.record(Kind.ENDED, "end", reason=Outcome.ISSUED_CLOSED, step=step,
                           detail=closed_reason(step, slots.get(OUTCOME_DETAILS), slots))
    elif ending == Ending.MBL.value:
        turn_events.record(Kind.ENDED, "end", reason=Outcome.MBL, step=step)
    elif ending == Ending.CSO_HANDOFF.value:
        why = slots.get(HANDOFF_REASON)
        if NOT_HANDED_OVER.get(why) == Outcome.DROPPED_CALL.value:
            turn_events.record(Kind.ENDED, "end", reason=Outcome.DROPPED_CALL, step=step)
            return
        reason = SOP_HANDOVER_REASONS.get(why, HandoverReason.CUSTOMER_ASKED)
        ticket = slots.get("ticket_number") or f"unrecorded:{turn_events.request[:12]}"
        turn_events.record(Kind.HANDED_OVER, str(turn_events.at), reason=reason,
                           step=step or FIRST_STEP, ticket=ticket)


class TurnRecorder:
    """Records each turn's events in ``store``; never raises."""

    def __init__(self, store: KpiStore):
        self.store = store

    @classmethod
    def from_env(cls) -> TurnRecorder:
        return cls(KpiSettings.from_env().store())

    def record_turn(self, conversation_id: str, events: Sequence[Event],
                    slots: Mapping[str, Any], latency_ms: float | None) -> None:
        """The turn that ended with ``events`` (the conversation's, as dicts) and ``slots``
        (their values now)."""
        try:
            self._record(conversation_id, events, slots, latency_ms)
        except Exception as error:  # noqa: BLE001 - the figures never stop a conversation
            log.error("KPI events of a turn not recorded: %s", type(error).__name__)

    def _record(self, conversation_id: str, events: Sequence[Event],
                slots: Mapping[str, Any], latency_ms: float | None) -> None:
        opening = request_opening(events)
        if opening is None:
            return
        request = request_id(conversation_id, opening)
        turn = _this_turn(events)
        at = float(turn[0].get("timestamp") or 0)
        opened_at = float(opening.get("timestamp") or at)
        self.store.record(Kind.STARTED, request, opened_at, event_id=f"started:{request}",
                          channel=opening.get("input_channel") or "unknown",
                          customer=conversation_id, unit=slots.get("unit_code") or None)
        turn_events = TurnEvents(self.store, request, at)
        asked_before = _asked_before(events, len(events) - len(turn))
        marked = turn
        if opened_at == at:  # what the session marked before the request counts for it
            turn_events.step(FIRST_STEP)
            marked = _since_boundary(events)
        record_steps(turn_events, marked, asked_before, slots)
        record_ending(turn_events, turn, slots)
        if latency_ms is not None:
            turn_events.record(Kind.TURN, str(at), value=round(latency_ms, 1))

    def record_action_failure(self, conversation_id: str, events: Sequence[Event],
                              action: str, at: float, step: int | None,
                              ticket: str | None) -> None:
        """An action call that failed (``detail`` its name) and, when a CSO ticket was
        recorded for it, the hand-over it is (the back office or the assistant down)."""
        try:
            opening = request_opening(events)
            if opening is None:
                return
            request = request_id(conversation_id, opening)
            self.store.record(Kind.ACTION_FAILED, request, at, detail=action,
                              event_id=f"action_failed:{request}:{action}:{at}")
            if ticket:
                self.store.record(Kind.HANDED_OVER, request, at, step=step or FIRST_STEP,
                                  reason=SOP_HANDOVER_REASONS["assistant_failed"],
                                  ticket=ticket, event_id=f"handed_over:{ticket}")
        except Exception as error:  # noqa: BLE001 - the figures never stop a conversation
            log.error("KPI event of a failed action not recorded: %s", type(error).__name__)


_SHARED: list[TurnRecorder] = []


def shared_recorder() -> TurnRecorder:
    """The process's recorder, its store from the environment (``KpiSettings``), made at
    its first use."""
    if not _SHARED:
        _SHARED.append(TurnRecorder.from_env())
    return _SHARED[0]


def record_after_call(kind: Kind, number: str, at: float, once: bool = False) -> None:
    """An event after the call of registration ``number`` (paid: ``once``) in the
    process's store; a failure is logged (not the number) and nothing else happens."""
    try:
        shared_recorder().store.record_after_call(
            kind, number, at, event_id=f"{kind.value}:{number}" if once else None)
    except Exception as error:  # noqa: BLE001 - the figures never stop the service
        log.error("KPI %s event not recorded: %s", kind.value, type(error).__name__)


def mail_recorded(number: str):
    """What records the summary e-mail of registration ``number`` once it went (or not)."""
    def record(sent: bool) -> None:
        record_after_call(Kind.MAIL_SENT if sent else Kind.MAIL_FAILED, number, time.time())
    return record


def _asked_before(events: Sequence[Event], turn_start: int) -> str | None:
    """The question open when the turn's message came."""
    for event in reversed(events[:turn_start]):
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            return event.get("value")
    return None
