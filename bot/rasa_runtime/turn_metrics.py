"""Each customer's turn counted and timed, by channel (``bot.metrics.assistant``), and the
server's ``/metrics`` (``bot.metrics``).

``Agent.handle_message`` is where every channel's message enters Rasa (the channels'
``on_new_message``): the time measured there includes the wait for the conversation's
lock, which a customer waits too. ``configure_app`` builds the server: ``/metrics`` is
added to its app beside ``bounded_json``'s middleware.
"""

from __future__ import annotations

import time
from typing import Any

from bot.metrics import MetricsAccess, add_sanic_route
from bot.metrics.assistant import TURN_FAILURES, TURN_SECONDS, TURNS
from bot.rasa_runtime import bounded_json


async def handle_message_counted(upstream_handle, agent, message) -> Any:
    """The replacement of ``Agent.handle_message``."""
    channel = getattr(message, "input_channel", None) or "unknown"
    started = time.perf_counter()
    try:
        return await upstream_handle(agent, message)
    except Exception:
        TURN_FAILURES.labels(channel).inc()
        raise
    finally:
        TURNS.labels(channel).inc()
        TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)


def configure_app(upstream, *args, **kwargs):
    """The replacement of ``rasa.core.run.configure_app``: ``bounded_json``'s app, with
    ``GET /metrics``."""
    app = bounded_json.configure_app(upstream, *args, **kwargs)
    add_sanic_route(app, MetricsAccess.from_env())
    return app
