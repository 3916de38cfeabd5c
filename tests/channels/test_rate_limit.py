"""REST limited per sender and per client address (token buckets); loopback exempt by
default: the buckets on a fake clock (the channel's 429: tests/channels/test_rest.py)."""

from __future__ import annotations

from bot.channels.rate_limit import Buckets, RestLimits


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_refills_at_its_rate():
    clock = Clock()
    buckets = Buckets(per_minute=6, burst=2, clock=clock)
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == 10.0  # one token every 10 s
    assert buckets.take("b") == 0.0  # another key has its own bucket
    clock.now = 10.0
    assert buckets.take("a") == 0.0


def test_buckets_are_bounded():
    buckets = Buckets(per_minute=1, burst=1, clock=Clock(), max_keys=3)
    for key in "abcde":
        buckets.take(key)
    assert list(buckets._state) == ["c", "d", "e"]


def test_loopback_is_exempt_unless_asked():
    limits = RestLimits.from_env({"PLN_REST_ADDRESS_BURST": "1"}, clock=Clock())
    assert [limits.address_wait("127.0.0.1") for _ in range(5)] == [0.0] * 5
    assert limits.address_wait("203.0.113.5") == 0.0
    assert limits.address_wait("203.0.113.5") > 0
    strict = RestLimits.from_env({"PLN_REST_ADDRESS_BURST": "1", "PLN_REST_LIMIT_LOOPBACK": "1"},
                                 clock=Clock())
    assert strict.address_wait("::1") == 0.0 and strict.address_wait("::1") > 0
