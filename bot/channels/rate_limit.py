"""How many messages the REST channel takes from one sender and from one client address.

Each key has a token bucket: ``burst`` messages at once, refilled at ``per_minute``. A
message over the limit is refused before it costs anything (no NLU, no action, no
database) with a 429, a ``Retry-After`` header and a JSON error. Loopback callers (the
tests, the benchmarks, a gateway on this machine) are exempt unless
``PLN_REST_LIMIT_LOOPBACK=1``.

| variable | default |
|---|---|
| PLN_REST_SENDER_PER_MINUTE / PLN_REST_SENDER_BURST | 20 / 10: messages of one sender id |
| PLN_REST_ADDRESS_PER_MINUTE / PLN_REST_ADDRESS_BURST | 120 / 40: messages from one client address |
| PLN_REST_LIMIT_LOOPBACK | 0: loopback addresses are not limited |

The address is the connection's peer (Sanic's ``remote_addr`` when its proxy settings are
configured, else the socket's): a header a client writes itself is not believed.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pydantic import Field

from bot.deployment import is_loopback
from bot.settings_base import EnvSettings

MAX_KEYS = 50_000  # buckets kept per kind (least recently used dropped): bounded memory


class RestLimitSettings(EnvSettings):
    sender_per_minute: float = Field(20.0, env="PLN_REST_SENDER_PER_MINUTE", gt=0)
    sender_burst: float = Field(10.0, env="PLN_REST_SENDER_BURST", gt=0)
    address_per_minute: float = Field(120.0, env="PLN_REST_ADDRESS_PER_MINUTE", gt=0)
    address_burst: float = Field(40.0, env="PLN_REST_ADDRESS_BURST", gt=0)
    limit_loopback: bool = Field(False, env="PLN_REST_LIMIT_LOOPBACK")


@dataclass
class Buckets:
    """Token buckets by key: ``take(key)`` is 0 when a message may pass, else the seconds
    until one may."""

    per_minute: float
    burst: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = MAX_KEYS
    _state: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, then = self._state.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.per_minute / 60.0)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) * 60.0 / self.per_minute
        self._state[key] = (tokens, now)
        while len(self._state) > self.max_keys:
            self._state.popitem(last=False)
        return wait


@dataclass
class RestLimits:
    senders: Buckets
    addresses: Buckets
    limit_loopback: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> RestLimits:
        return cls.from_settings(RestLimitSettings.from_env(env), clock)

    @classmethod
    def from_settings(cls, settings: RestLimitSettings,
                      clock: Callable[[], float] = time.monotonic) -> RestLimits:
        return cls(
            senders=Buckets(settings.sender_per_minute, settings.sender_burst, clock),
            addresses=Buckets(settings.address_per_minute, settings.address_burst, clock),
            limit_loopback=settings.limit_loopback)

    def exempt(self, address: str) -> bool:
        return not self.limit_loopback and is_loopback(address or "")

    def address_wait(self, address: str) -> float:
        """Seconds the client at ``address`` must wait (0: it may send now)."""
        return 0.0 if self.exempt(address) else self.addresses.take(address or "unknown")

    def sender_wait(self, address: str, sender: str) -> float:
        return 0.0 if self.exempt(address) else self.senders.take(sender)


def retry_after(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))
