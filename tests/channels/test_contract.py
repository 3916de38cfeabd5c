"""The channel contract: sender ids, bounded and cleaned text, metadata, de-duplication."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.contract import (
    DEFAULT_MAX_CHARS,
    MESSAGE_TOO_LONG,
    RecentReplies,
    Refused,
    clean_text,
    inbound,
    max_chars,
)


def test_a_message_is_cleaned_and_keeps_its_words():
    message = inbound("rest", "cust-1", "  mau\ttambah\n\ndaya  ", {"caller_id": "0812"})
    assert message.text == "mau tambah daya"
    assert message.metadata == {"channel": "rest", "caller_id": "0812"}
    assert not message.too_long


@pytest.mark.parametrize("raw, cleaned", [
    ("\u202ejl. dago\u202c", "jl. dago"),  # right-to-left override
    ("sa\u200btu", "satu"),  # zero-width space
    ("\x00\x07iya\x1b", "iya"),  # control characters
    ("/affirm", "affirm"),  # no customer can type a Rasa command
    ("//ask_human{\"x\": 1}", "ask_human{\"x\": 1}"),
    ("مرحبا", "مرحبا"),  # right-to-left letters are letters
    ("👍🏻", "👍🏻"),
    ("e\u0301", "\u00e9"),  # NFC
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_a_text_over_the_limit_is_not_read():
    message = inbound("rest", "cust-1", "tambah daya " * 10_000)
    assert message.too_long and message.text == MESSAGE_TOO_LONG
    assert inbound("rest", "c", "x" * 1000).text == "x" * 1000
    assert inbound("rest", "c", "x" * 1001).too_long
    assert inbound("rest", "c", "x" * 11, limit=10).too_long
    # a customer typing the channel's command is just text
    assert not inbound("rest", "c", MESSAGE_TOO_LONG).too_long


def test_the_limit_is_configurable():
    assert max_chars({}) == DEFAULT_MAX_CHARS == 1000
    assert max_chars({"PLN_MAX_MESSAGE_CHARS": "300"}) == 300
    with pytest.raises(ValueError):
        max_chars({"PLN_MAX_MESSAGE_CHARS": "0"})


@pytest.mark.parametrize("sender, text, metadata, code", [
    (None, "halo", None, "missing_sender"),
    ("", "halo", None, "invalid_sender"),
    ("  \u200b ", "halo", None, "invalid_sender"),
    ("x" * 129, "halo", None, "invalid_sender"),
    ({"id": 1}, "halo", None, "invalid_sender"),
    (True, "halo", None, "invalid_sender"),
    ("c", None, None, "missing_message"),
    ("c", 12345, None, "invalid_message"),
    ("c", ["halo"], None, "invalid_message"),
    ("c", "   ", None, "empty_message"),
    ("c", "\u202e\u200b", None, "empty_message"),
    ("c", "halo", "caller", "invalid_metadata"),
    ("c", "halo", {"caller_id": {"x": 1}}, "invalid_caller_id"),
    ("c", "halo", {"now": "2" * 65}, "invalid_now"),
    ("c", "halo", {"message_id": "m" * 129}, "invalid_message_id"),
    ("c", "halo", {"now": "yesterday"}, "invalid_now"),
    ("c", "halo", {"now": "2026-11-27T09:00:00"}, "invalid_now"),  # no offset
    ("c", "halo", {"now": "9999-12-31T23:59:59+14:00"}, "invalid_now"),
    ("c", "halo", {"now": "0001-01-01T00:00:00+00:00"}, "invalid_now"),
])
def test_what_is_no_message_is_refused_with_a_4xx(sender, text, metadata, code):
    with pytest.raises(Refused) as refused:
        inbound("rest", sender, text, metadata)
    assert refused.value.code == code and 400 <= refused.value.status < 500
    assert refused.value.body()["error"] == code


def test_metadata_keeps_only_what_the_contract_names_and_the_channel_is_ours():
    message = inbound("rest", 42, "halo", {"caller_id": 81234500101, "now": "2026-11-27T09:00:00+07:00",
                                           "message_id": "m-1", "channel": "telegram",
                                           "huge": "x" * 100_000})
    assert message.sender_id == "42"
    assert message.metadata == {"channel": "rest", "caller_id": "81234500101",
                                "now": "2026-11-27T09:00:00+07:00", "message_id": "m-1"}


def test_a_repeated_message_id_is_processed_once_and_answered_the_same():
    calls = []

    async def scenario():
        recent = RecentReplies()
        message = inbound("rest", "c", "halo", {"message_id": "m-1"})

        async def process():
            calls.append(1)
            await asyncio.sleep(0.01)
            return [{"text": f"balasan {len(calls)}"}]

        together = await asyncio.gather(recent.once(message, process),
                                        recent.once(message, process))
        later = await recent.once(message, process)
        other = await recent.once(inbound("rest", "c", "halo", {"message_id": "m-2"}), process)
        no_id = await recent.once(inbound("rest", "c", "halo"), process)
        return together, later, other, no_id

    together, later, other, no_id = asyncio.run(scenario())
    assert together == [[{"text": "balasan 1"}]] * 2 and later == [{"text": "balasan 1"}]
    assert other == [{"text": "balasan 2"}] and no_id == [{"text": "balasan 3"}]
    assert len(calls) == 3


def test_a_failed_delivery_is_not_remembered_and_entries_expire():
    now = [0.0]

    async def scenario():
        recent = RecentReplies(size=2, ttl_s=10, clock=lambda: now[0])
        message = inbound("rest", "c", "halo", {"message_id": "m-1"})

        async def broken():
            raise RuntimeError("down")

        with pytest.raises(RuntimeError):
            await recent.once(message, broken)
        first = await recent.once(message, _replies("a"))
        now[0] = 11.0
        expired = await recent.once(message, _replies("b"))
        for n in range(5):  # bounded size
            await recent.once(inbound("rest", "c", "x", {"message_id": f"n-{n}"}), _replies("x"))
        return first, expired, len(recent._entries)

    first, expired, size = asyncio.run(scenario())
    assert (first, expired, size) == ([{"text": "a"}], [{"text": "b"}], 2)


def _replies(text):
    async def process():
        return [{"text": text}]
    return process
