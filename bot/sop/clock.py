"""The one clock of the assistant, injectable for tests and demos.

Order of precedence: a per-message time (REST ``metadata.now``; in development only, see
``bot.deployment``: in production a caller never chooses the time), then the whole
stack's ``PLN_NOW`` environment variable, then the real time. Times are ISO 8601 with an offset
("2026-11-27T09:30:00+07:00"); a naive time is read in the configured zone. The
configured zone is ``PLN_TIMEZONE`` (default Asia/Jakarta, WIB).
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import deployment

DEFAULT_TIMEZONE = "Asia/Jakarta"


class ClockError(ValueError):
    """A configured or given time that cannot be read."""


def configured_zone() -> ZoneInfo:
    name = os.environ.get("PLN_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ClockError(f"PLN_TIMEZONE={name!r} is not a known time zone") from error


def parse_time(text: str, zone: ZoneInfo | None = None) -> dt.datetime:
    """An ISO 8601 time as an aware datetime in ``zone`` (default: the configured one)."""
    zone = zone or configured_zone()
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError) as error:
        raise ClockError(f"not an ISO 8601 time: {text!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def now(message_time: str | None = None) -> dt.datetime:
    """The current time in the configured zone, as the message or the stack fixes it.

    ``message_time`` is the caller's claim: believed in development only. A malformed one
    is ignored (a channel's bad metadata must not break the
    conversation); a malformed ``PLN_NOW`` is an operator error and raises.
    """
    zone = configured_zone()
    if message_time and deployment.trusts_caller_claims():
        try:
            return parse_time(message_time, zone)
        except ClockError:
            pass
    fixed = os.environ.get("PLN_NOW")
    if fixed:
        return parse_time(fixed, zone)
    return dt.datetime.now(zone)


def in_zone(moment: dt.datetime, zone_name: str | None) -> dt.datetime:
    """``moment`` read in the zone named (a unit's, e.g. "Asia/Jayapura"); unchanged when
    none is named or the name is not a known zone."""
    if not zone_name:
        return moment
    try:
        return moment.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment
