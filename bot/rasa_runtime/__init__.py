"""Rasa as this project runs it: the upstream server with a few documented changes.

``python -m bot.rasa_runtime run ...`` is ``rasa run ...`` after ``install()``; the
launcher (``bot.launcher``) starts Rasa this way. Each change replaces one upstream function
of rasa 3.6.21 through a wrapper that calls the original; the original's source is
fingerprinted, and ``install()`` refuses to start on a Rasa whose function changed (a new
release must be read before the wrapper is trusted again; ``tests/rasa_runtime`` fails
first).

| upstream function | why it is wrapped | where |
|---|---|---|
| ``RemoteAction.run`` | a failed action-server call is retried once, then reported to the customer and a CSO instead of its events being lost | ``action_failures`` |
| ``LoopAction.run`` | a form whose validation fails keeps its open question and drops this turn's raw answer | ``action_failures`` |
| ``RemoteAction._validate_action_result`` | the schema is checked and compiled once, not for every answer (half the CPU under load) | ``fast_validation`` |
| ``RemoteAction._action_call_format`` | the action server gets this turn's events, not the whole conversation's, at every call | ``action_payload`` |
| ``EndpointConfig.session`` | one kept-alive session per endpoint, not a new session and TCP connection per action call (6% of the CPU) | ``keep_alive`` |
| ``rasa.core.run.load_agent_on_start`` | the model is warmed before the server answers (the first turns took 4 to 7 s), then what it loaded is frozen out of the garbage collector's full collections (450 ms pauses) | ``warm_up`` |
| ``Event.resolve_by_type`` | event classes from a table, not a walk of the class tree per event (12% of the CPU) | ``event_types`` |
| ``MessageProcessor.handle_message`` | a message the conversation already holds (a provider's redelivery, on any instance) gets its replies again instead of a second turn | ``once_per_message`` |
| ``FailSafeTrackerStore.retrieve``, ``.retrieve_full_tracker``, ``.save`` | a database that fails fails the message (the customer is told) instead of starting the conversation afresh or keeping it in one process's memory | ``tracker_store_errors`` |
| ``ActionExtractSlots.run``, ``._execute_validation_action`` | the slots every message refreshes are filled here, without a round trip to the action server and a replay of the conversation | ``conversation_slots`` |
| ``rasa.core.run.configure_app`` | a JSON body nested deeper than any real payload is a 400 on every route, not a ``RecursionError`` and a 500; ``GET /metrics`` for operators | ``bounded_json``, ``turn_metrics`` |
| ``Agent.handle_message`` | each customer's turn counted and timed by channel (``/metrics``) | ``turn_metrics`` |

Relied on, not replaced (their fingerprints are checked too): ``SQLTrackerStore.retrieve``,
``retrieve_full_tracker``, ``save``, ``_event_query`` and ``_additional_events``, which
``tracker_store.CachedSQLTrackerStore`` extends.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
from collections.abc import Callable

from bot import log_privacy

# TensorFlow's oneDNN kernels are built once per input shape and kept: on hostile text
# (every length up to the channel's 1,000 characters) Rasa's memory grew by about 80 MB
# before it levelled off; without them 1,500 such messages take +5 MB, for 2.7 ms more a
# parse (about 8% of Rasa's CPU per turn). Bounded memory wins (docs/performance.md,
# "Hostile traffic"). Set here, before anything imports TensorFlow; an operator's own value stays.
ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
os.environ.setdefault(ONEDNN_ENV, "0")

# (module, class, function) -> sha256 (first 16 hex digits) of its rasa 3.6.21 source
UPSTREAM: dict[tuple[str, str | None, str], str] = {
    ("rasa.core.actions.action", "RemoteAction", "run"): "ccabf6f1160d527a",
    ("rasa.core.actions.loops", "LoopAction", "run"): "3b5bf747e0d90c12",
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result"): "f8cdb4be68123961",
    ("rasa.core.run", None, "load_agent_on_start"): "b23e12447febeb64",
    ("rasa.core.actions.action", "RemoteAction", "_action_call_format"): "428795b944f22edb",
    ("rasa.utils.endpoints", "EndpointConfig", "session"): "e55aa13d9d4fb4bc",
    ("rasa.shared.core.events", "Event", "resolve_by_type"): "b5cf570fa7f286c7",
    ("rasa.core.processor", "MessageProcessor", "handle_message"): "0c41d4780d2d4676",
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve"): "35d77318b0cc7977",
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve_full_tracker"):
        "5272a6be0919b511",
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "save"): "8426dc08f58d7110",
    ("rasa.core.actions.action", "ActionExtractSlots", "run"): "13487835d751b652",
    ("rasa.core.actions.action", "ActionExtractSlots", "_execute_validation_action"):
        "3f1249f61cf252e0",
    ("rasa.core.run", None, "configure_app"): "72da30416f74c648",
    ("rasa.core.agent", "Agent", "handle_message"): "ba53507e4d5532a3",
    # relied on by tracker_store.CachedSQLTrackerStore, not replaced
    ("rasa.core.tracker_store", "SQLTrackerStore", "retrieve"): "0d99846daced97d3",
    ("rasa.core.tracker_store", "SQLTrackerStore", "save"): "57165e46eab3de08",
    ("rasa.core.tracker_store", "SQLTrackerStore", "_event_query"): "cd44f7901b860bfd",
    ("rasa.core.tracker_store", "SQLTrackerStore", "_additional_events"): "d22f99eb863acb07",
    ("rasa.core.tracker_store", "SQLTrackerStore", "retrieve_full_tracker"): "22234b03f47fbdd3",
}


class UpstreamChanged(RuntimeError):
    """A Rasa function this project wraps is not the one it was written against."""


def fingerprint(function: Callable) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def _upstream(module: str, cls: str | None, name: str):
    """(owner, original function): ``cls`` None for a function of the module."""
    imported = __import__(module, fromlist=[cls or name])
    owner = imported if cls is None else getattr(imported, cls)
    function = owner.__dict__[name] if cls is not None else getattr(owner, name)
    if isinstance(function, staticmethod):
        function = function.__func__
    original = getattr(function, "__wrapped__", function)
    found = fingerprint(original)
    if found != UPSTREAM[(module, cls, name)]:
        raise UpstreamChanged(
            f"{module}.{cls}.{name} is not rasa 3.6.21's (fingerprint {found}): read the "
            "new source before updating bot/rasa_runtime")
    return owner, original


def _wrap(module: str, cls: str | None, name: str, replacement) -> None:
    """``owner.name`` becomes ``replacement(original, self, *args)`` (awaited for a
    coroutine function); for a module's function (``cls`` None) without ``self``."""
    owner, original = _upstream(module, cls, name)
    if cls is not None and isinstance(owner.__dict__[name], staticmethod):
        @functools.wraps(original)
        def static(*args, **kwargs):
            return replacement(original, *args, **kwargs)
        setattr(owner, name, staticmethod(static))
        return
    if cls is None and inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def function(*args, **kwargs):
            return await replacement(original, *args, **kwargs)
        setattr(owner, name, function)
        return
    if cls is None:
        @functools.wraps(original)
        def plain(*args, **kwargs):
            return replacement(original, *args, **kwargs)
        setattr(owner, name, plain)
        return
    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def wrapper(self, *args, **kwargs):
            return await replacement(original, self, *args, **kwargs)
    else:
        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            return replacement(original, self, *args, **kwargs)
    setattr(owner, name, wrapper)


_installed = False


def install() -> None:
    """Apply every change (once per process)."""
    global _installed
    if _installed:
        return
    log_privacy.install()
    from bot.rasa_runtime import (
        action_failures,
        action_payload,
        conversation_slots,
        event_types,
        fast_validation,
        keep_alive,
        once_per_message,
        tracker_store_errors,
        turn_metrics,
        warm_up,
    )

    for relied_on in (("rasa.core.tracker_store", "SQLTrackerStore", name)
                      for name in ("retrieve", "save", "_event_query", "_additional_events",
                                   "retrieve_full_tracker")):
        _upstream(*relied_on)  # raises UpstreamChanged

    _wrap("rasa.core.actions.action", "RemoteAction", "run",
          action_failures.run_remote_action_reporting)
    _wrap("rasa.core.actions.loops", "LoopAction", "run", action_failures.run_loop_reporting)
    _wrap("rasa.core.actions.action", "RemoteAction", "_validate_action_result",
          fast_validation.validate_action_result)
    _wrap("rasa.core.run", None, "load_agent_on_start", warm_up.load_and_warm)
    _wrap("rasa.core.actions.action", "RemoteAction", "_action_call_format",
          action_payload.action_call_format)
    _wrap("rasa.utils.endpoints", "EndpointConfig", "session", keep_alive.session)
    _wrap("rasa.shared.core.events", "Event", "resolve_by_type", event_types.resolve_by_type)
    _wrap("rasa.core.processor", "MessageProcessor", "handle_message",
          once_per_message.handle_message_once)
    for name in ("retrieve", "retrieve_full_tracker", "save"):
        _wrap("rasa.core.tracker_store", "FailSafeTrackerStore", name,
              getattr(tracker_store_errors, name))
    _wrap("rasa.core.actions.action", "ActionExtractSlots", "run",
          conversation_slots.extract_slots)
    _wrap("rasa.core.actions.action", "ActionExtractSlots", "_execute_validation_action",
          conversation_slots.validate_extracted)
    _wrap("rasa.core.run", None, "configure_app", turn_metrics.configure_app)
    _wrap("rasa.core.agent", "Agent", "handle_message", turn_metrics.handle_message_counted)
    _installed = True
