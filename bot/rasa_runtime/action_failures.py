"""What Rasa does when a call to the action server fails: retry once, then tell the
customer, record a CSO ticket, and keep the conversation where it was.

Upstream (rasa 3.6.21), a failed call logs "Bot will continue, but the actions events are
lost": a form answer silently dropped, or, mid-form, a raw unvalidated text left in a slot.
Here, applied by ``bot.rasa_runtime.install``:

- ``RemoteAction.run``: a connection-level failure (the peer closed a connection, refused
  it, reset it; or a load balancer's 502/503/504) is retried once on a fresh connection
  (every action of ``actions/`` is idempotent: tickets and registrations carry
  idempotency keys). A call that still fails,
  times out (``ACTION_TIMEOUT_S``), answers 5xx or answers something that is not an
  action result raises ``ActionServerFailed``.
- A form (``LoopAction.run``) whose validation or question fails: the customer is told
  (``utter_service_disrupted``, once per turn), the answer candidates of this turn are
  cleared (no raw text stays in a slot) and the open question stays open: the customer's
  next message is read as its answer again.
- Any other action (the conclusion, the hand-over, ...): the customer is told and the turn
  ends (no rule applies after an action that did not happen); actions in
  ``RESUMED_ACTIONS`` are remembered in the ``interrupted_action`` slot and run first at
  the customer's next message (``ResumeInterruptedActionPolicy``), so a request that was
  being saved is saved, not forgotten.
- Each failure records one APKT CSO ticket per conversation, step and action (idempotency
  key),
  so that an officer can follow up if the customer gives up; its own failure is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

import aiohttp
from rasa.core.actions.action import (
    ActionExecutionRejection,
    RemoteAction,
    create_bot_utterance,
)
from rasa.core.actions.loops import LoopAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import BotUttered, Event, FollowupAction, SlotSet, UserUttered
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

from bot.backoffice.client import BackofficeError
from bot.backoffice.schemas import TicketRequest
from bot.backoffice.shared import BACKOFFICE
from bot.conversation_settings import stack_clock
from bot.identifiers import mask
from bot.kpi.recording import shared_recorder
from bot.metrics.assistant import ACTION_CALL_FAILURES
from bot.sop.names import REQUESTED_SLOT, SOP_ENDING, SOP_STEP
from bot.sop.outcomes import HANDOFF_REASON_TEXT, HandoffReason
from bot.sop.perubahan_daya import PERUBAHAN_DAYA

logger = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 30.0  # upstream waits 300 s for an action: a customer would have gone
DISRUPTED_RESPONSE = "utter_service_disrupted"
INTERRUPTED_ACTION_SLOT = "interrupted_action"
# Actions that end, hand over or reset a request: run again at the next message.
RESUMED_ACTIONS = frozenset({"action_conclude_request", "action_hand_over",
                             "action_start_new_request"})
# Called by Rasa's own default actions, which handle a failure themselves.
_INNER_ACTIONS = ("validate_", "action_ask_", "action_validate_slot_mappings")


class ActionServerFailed(RasaException):
    """The action server did not run the action (after the retry)."""

    def __init__(self, action: str, why: str):
        super().__init__(f"action server failed to run {action}: {why}")
        self.action = action
        self.why = why


# What a load balancer in front of several action servers answers when the one it chose
# died during the call, or none was up: another may be up by the retry.
GATEWAY_FAILURES = frozenset({502, 503, 504})


def _connection_failure(error: BaseException) -> bool:
    """Whether ``error`` (or what upstream wrapped) is the connection failing, or a load
    balancer saying its server failed: worth one retry on a fresh connection."""
    for candidate in (error, error.__context__, error.__cause__):
        if isinstance(candidate, (aiohttp.ClientConnectionError, ConnectionError)):
            return True
        if isinstance(candidate, ClientResponseError) and candidate.status in GATEWAY_FAILURES:
            return True
    return False


async def run_remote_action(upstream_run, action: RemoteAction, output_channel, nlg,
                            tracker, domain) -> list[Event]:
    """``RemoteAction.run`` with the retry, the timeout and a typed failure."""
    for attempt in (1, 2):
        try:
            return await asyncio.wait_for(
                upstream_run(action, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise ActionServerFailed(action.name(), f"no answer within {ACTION_TIMEOUT_S:.0f} s"
                                     ) from None
        except ActionExecutionRejection:
            raise  # the action's own "not this slot": upstream handles it
        except Exception as error:
            if attempt == 1 and _connection_failure(error):
                logger.warning("action %s: connection failed (%s); retrying once on a fresh "
                               "connection", action.name(), type(error.__context__ or error)
                               .__name__)
                continue
            raise ActionServerFailed(action.name(), f"{type(error).__name__}: {error}") from None
    raise AssertionError("unreachable")  # pragma: no cover


async def run_remote_action_reporting(upstream_run, action: RemoteAction, output_channel, nlg,
                                      tracker, domain) -> list[Event]:
    """The patched ``RemoteAction.run``: an action Rasa runs on its own (not inside a form
    or slot extraction) that fails is reported here instead of losing its events."""
    try:
        return await run_remote_action(upstream_run, action, output_channel, nlg, tracker,
                                       domain)
    except ActionServerFailed as failure:
        if action.name().startswith(_INNER_ACTIONS):
            raise  # the form (or ActionExtractSlots) around it handles it
        events = await report_failure(failure, output_channel, nlg, tracker)
        if action.name() in RESUMED_ACTIONS:
            events.append(SlotSet(INTERRUPTED_ACTION_SLOT, action.name()))
        # The turn ends here: what the rules would predict after an action that did not
        # happen is a fallback, whose rewind would undo this turn (and the slot above).
        return [*events, FollowupAction(ACTION_LISTEN_NAME)]


async def run_loop_reporting(upstream_run, loop: LoopAction, output_channel, nlg, tracker,
                             domain) -> list[Event]:
    """The patched ``LoopAction.run``: a form whose validation or question failed keeps
    its open question; this turn's answer candidates are cleared."""
    try:
        return await upstream_run(loop, output_channel, nlg, tracker, domain)
    except ActionServerFailed as failure:
        events = await report_failure(failure, output_channel, nlg, tracker)
        candidates = {event.key for event in events_of_this_turn(tracker)
                      if isinstance(event, SlotSet) and event.key != REQUESTED_SLOT
                      and event.value is not None and event.key in _form_slots(loop, domain)}
        return events + [SlotSet(name, None) for name in sorted(candidates)]


def _form_slots(loop: LoopAction, domain) -> set[str]:
    try:
        return set(domain.required_slots_for_form(loop.name()))
    except Exception:  # not a form of the domain
        return set()


def events_of_this_turn(tracker) -> list[Event]:
    """The events after the latest user message."""
    found: list[Event] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        found.append(event)
    return list(reversed(found))


async def report_failure(failure: ActionServerFailed, output_channel, nlg,
                         tracker) -> list[Event]:
    """Tell the customer (once per turn) and record the CSO ticket; the events to add."""
    logger.error("conversation %s: %s", mask(tracker.sender_id), failure)
    ACTION_CALL_FAILURES.labels(failure.action).inc()
    ticket = await record_ticket(failure, tracker)
    await record_kpi_failure(failure, tracker, ticket)
    told = any(isinstance(event, BotUttered)
               and (event.metadata or {}).get("utter_action") == DISRUPTED_RESPONSE
               for event in events_of_this_turn(tracker))
    if told:
        return []
    draft = await nlg.generate(DISRUPTED_RESPONSE, tracker, output_channel.name())
    if not draft:
        return []
    draft["utter_action"] = DISRUPTED_RESPONSE
    return [create_bot_utterance(draft)]


def failed_step(tracker) -> int:
    """The SOP step the conversation was at when an action failed."""
    requested = tracker.get_slot(REQUESTED_SLOT)
    reached = tracker.get_slot(SOP_STEP) or (15 if tracker.get_slot("data_confirmed") else 1)
    return PERUBAHAN_DAYA.step_of(requested, default=int(reached))


async def record_ticket(failure: ActionServerFailed, tracker) -> str | None:
    """One APKT CSO ticket per conversation and step: what failed and where, so that an
    officer can follow up; the collected data stays in the tracker."""
    step = failed_step(tracker)
    sender = tracker.sender_id
    key = hashlib.sha256(f"{sender}|action-server-failed|{step}|{failure.action}".encode()
                         ).hexdigest()[:40]
    conversation_id = sender if len(sender) <= 200 else (
        "sha256:" + hashlib.sha256(sender.encode()).hexdigest())
    request = TicketRequest(
        kind="cso_handoff", sop_step=step, conversation_id=conversation_id,
        idpel=tracker.get_slot("idpel"), idempotency_key=key,
        reason=HANDOFF_REASON_TEXT[HandoffReason.ASSISTANT_FAILED],
        data=_ticket_data(tracker, failure))
    metadata = (tracker.latest_message.metadata if tracker.latest_message else None) or {}
    try:
        client = BACKOFFICE.client().at(stack_clock().now(metadata.get("now")))
        ticket = await client.create_ticket(request)
    except BackofficeError as error:
        logger.error("CSO ticket for conversation %s not recorded: %s", mask(sender), error)
        return None
    return ticket.ticket_number


async def record_kpi_failure(failure: ActionServerFailed, tracker, ticket: str | None) -> None:
    """The failed call and, with its ticket, the hand-over for the figures (bot.kpi)."""
    events = [event.as_dict() for event in tracker.events]
    await asyncio.to_thread(shared_recorder().record_action_failure, tracker.sender_id, events,
                            failure.action, time.time(), failed_step(tracker), ticket)


def _ticket_data(tracker, failure: ActionServerFailed) -> dict[str, Any]:
    data: dict[str, Any] = {"failed_action": failure.action}
    for name in (REQUESTED_SLOT, "idpel", "target_power_va", SOP_ENDING):
        value = tracker.get_slot(name)
        if value is not None:
            data[name] = value
    return data
