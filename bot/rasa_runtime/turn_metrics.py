"""Each customer's turn counted and timed, by channel (``bot.metrics.assistant``), and the
server's ``/metrics`` (``bot.metrics``).

``Agent.handle_message`` is where every channel's message enters Rasa (the channels'
``on_new_message``): the time measured there includes the wait for the conversation's
lock, which a customer waits too. After the turn, the conversation's events of the turn are recorded for the figures
(``bot.kpi.recording``). ``configure_app`` builds the server: ``/metrics`` is
added to its app beside ``bounded_json``'s middleware.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from bot.kpi.recording import shared_recorder
from bot.metrics import MetricsAccess, add_sanic_route
from bot.metrics.assistant import TURN_FAILURES, TURN_SECONDS, TURNS
from bot.rasa_runtime import bounded_json

log = logging.getLogger(__name__)


async def handle_message_counted(upstream_handle, agent, message) -> Any:
    """The replacement of ``Agent.handle_message``."""
    channel = getattr(message, "input_channel", None) or "unknown"
    started = time.perf_counter()
    try:
        answer = await upstream_handle(agent, message)
    except Exception:
        TURN_FAILURES.labels(channel).inc()
        raise
    finally:
        TURNS.labels(channel).inc()
        TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
    await record_kpi_turn(agent, getattr(message, "sender_id", None),
                          (time.perf_counter() - started) * 1000)
    return answer


async def record_kpi_turn(agent, sender_id: str | None, latency_ms: float) -> None:
    """The turn's events for the figures; a failure is logged and the customer answered."""
    try:
        tracker = await agent.tracker_store.retrieve(sender_id) if sender_id else None
        if tracker is None:
            return
        events = [event.as_dict() for event in tracker.events]
        await asyncio.to_thread(shared_recorder().record_turn, sender_id, events,
                                tracker.current_slot_values(), latency_ms)
    except Exception as error:  # noqa: BLE001 - the figures never stop a conversation
        log.error("KPI turn not recorded: %s", type(error).__name__)


def configure_app(upstream, *args, **kwargs):
    """The replacement of ``rasa.core.run.configure_app``: ``bounded_json``'s app, with
    ``GET /metrics``."""
    app = bounded_json.configure_app(upstream, *args, **kwargs)
    add_sanic_route(app, MetricsAccess.from_env())
    return app
