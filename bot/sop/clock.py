"""The one clock of the assistant, given to the SOP (never read from the process here).

Order of precedence: a per-message time (REST ``metadata.now``; only when the clock
``trusts_message_time``, in development, see ``bot.deployment``: in production a caller
never chooses the time), then the whole stack's fixed time (``fixed``), then the real
time. Times are ISO 8601 with an offset ("2026-11-27T09:30:00+07:00"); a naive time is
read in the clock's zone (default Asia/Jakarta, WIB). ``bot.conversation_settings``
builds the stack's clock from its settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Jakarta"


class ClockError(ValueError):
    """A configured or given time that cannot be read."""


def zone_named(name: str, setting: str = "PLN_TIMEZONE") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ClockError(f"{setting}={name!r} is not a known time zone") from error


def parse_time(text: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO 8601 time as an aware datetime in ``zone``."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError) as error:
        raise ClockError(f"not an ISO 8601 time: {text!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


@dataclass(frozen=True)
class Clock:
    """The time as the stack fixes it, read in its zone."""

    zone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE)
    fixed: dt.datetime | None = None  # the whole stack's time, if fixed
    trusts_message_time: bool = False  # development: a message may fix its time

    def parse_time(self, text: str) -> dt.datetime:
        return parse_time(text, self.zone)

    def now(self, message_time: str | None = None) -> dt.datetime:
        """The current time in the clock's zone, as the message or the stack fixes it.

        ``message_time`` is the caller's claim: believed only when the clock trusts it; a
        malformed one is ignored (a channel's bad metadata must not break the
        conversation)."""
        if message_time and self.trusts_message_time:
            try:
                return self.parse_time(message_time)
            except ClockError:
                pass
        if self.fixed is not None:
            return self.fixed.astimezone(self.zone)
        return dt.datetime.now(self.zone)


def in_zone(moment: dt.datetime, zone_name: str | None) -> dt.datetime:
    """``moment`` read in the zone named (a unit's, e.g. "Asia/Jayapura"); unchanged when
    none is named or the name is not a known zone."""
    if not zone_name:
        return moment
    try:
        return moment.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment
