"""Rasa as this project runs it: the upstream server with a few documented changes.

``python -m bot.rasa_runtime run ...`` is ``rasa run ...`` after ``install()``; the
launcher (``bot.stack``) starts Rasa this way. Each change replaces one upstream function
of rasa 3.6.21 through a wrapper that calls the original; the original's source is
fingerprinted, and ``install()`` refuses to start on a Rasa whose function changed (a new
release must be read before the wrapper is trusted again; ``tests/rasa_runtime`` fails
first).

| upstream function | why it is wrapped | where |
|---|---|---|
| ``RemoteAction.run`` | a failed action-server call is retried once, then reported to the customer and a CSO instead of its events being lost | ``action_failures`` |
| ``LoopAction.run`` | a form whose validation fails keeps its open question and drops this turn's raw answer | ``action_failures`` |
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable

# (module, class, function) -> sha256 (first 16 hex digits) of its rasa 3.6.21 source
UPSTREAM = {
    ("rasa.core.actions.action", "RemoteAction", "run"): "ccabf6f1160d527a",
    ("rasa.core.actions.loops", "LoopAction", "run"): "3b5bf747e0d90c12",
}


class UpstreamChanged(RuntimeError):
    """A Rasa function this project wraps is not the one it was written against."""


def fingerprint(function: Callable) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def _upstream(module: str, cls: str, name: str):
    owner = getattr(__import__(module, fromlist=[cls]), cls)
    function = owner.__dict__[name]
    original = getattr(function, "__wrapped__", function)
    found = fingerprint(original)
    if found != UPSTREAM[(module, cls, name)]:
        raise UpstreamChanged(
            f"{module}.{cls}.{name} is not rasa 3.6.21's (fingerprint {found}): read the "
            "new source before updating bot/rasa_runtime")
    return owner, original


def _wrap(module: str, cls: str, name: str, replacement) -> None:
    owner, original = _upstream(module, cls, name)

    @functools.wraps(original)
    async def wrapper(self, *args, **kwargs):
        return await replacement(original, self, *args, **kwargs)

    setattr(owner, name, wrapper)


_installed = False


def install() -> None:
    """Apply every change (once per process)."""
    global _installed
    if _installed:
        return
    from bot.rasa_runtime import action_failures

    _wrap("rasa.core.actions.action", "RemoteAction", "run",
          action_failures.run_remote_action_reporting)
    _wrap("rasa.core.actions.loops", "LoopAction", "run", action_failures.run_loop_reporting)
    _installed = True
