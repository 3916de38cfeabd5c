"""What the stack's settings say of every conversation, read from the environment in one
place and given to the framework-free SOP: its clock (``PLN_NOW``: the whole stack's
fixed time; ``PLN_TIMEZONE``: its zone, default Asia/Jakarta; in development only a
message's own ``metadata.now``) and the name the assistant introduces itself with
(``PLN_ASSISTANT_NAME``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from bot import deployment
from bot.sop.clock import DEFAULT_TIMEZONE, Clock, parse_time, zone_named
from bot.sop.phrases import DEFAULT_ASSISTANT_NAME

ASSISTANT_NAME_ENV = "PLN_ASSISTANT_NAME"


def stack_clock(env: Mapping[str, str] | None = None) -> Clock:
    """The stack's clock. A malformed ``PLN_NOW`` or ``PLN_TIMEZONE`` is an operator error
    and raises ``ClockError``."""
    env = os.environ if env is None else env
    zone = zone_named(env.get("PLN_TIMEZONE", DEFAULT_TIMEZONE))
    fixed = env.get("PLN_NOW")
    return Clock(zone=zone, fixed=parse_time(fixed, zone) if fixed else None,
                 trusts_message_time=deployment.trusts_caller_claims(env))


def assistant_name(env: Mapping[str, str] | None = None) -> str:
    """The name the assistant introduces itself with (step 1)."""
    env = os.environ if env is None else env
    return env.get(ASSISTANT_NAME_ENV, "").strip() or DEFAULT_ASSISTANT_NAME
