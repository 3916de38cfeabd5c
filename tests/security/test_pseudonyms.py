"""Conversation ids of phone customers are keyed pseudonyms, not numbers: the same
customer has the same one however the number is written and on every channel, nobody
without the key can test a guessed number against it, and the number is reachable only
where a message must be sent (the channel's table), so a CSO's reply still arrives."""

from __future__ import annotations

import asyncio
import os
import stat

from fake_graph import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeGraph

from bot import launcher as stack
from bot.channels.outbound import CustomerChannels
from bot.pseudonyms import ChannelAddresses, ensure_key_file, is_pseudonym, load_key, pseudonym

KEY, OTHER_KEY = b"k" * 32, b"o" * 32


def test_one_customer_one_pseudonym_however_the_number_is_written():
    names = {pseudonym(KEY, number) for number in
             ("081234500101", "+62 812-3450-0101", "6281234500101", "+6281234500101")}
    (name,) = names
    assert is_pseudonym(name) and not any(ch.isdigit() for ch in name[:2])
    assert "81234500101" not in name and "0101" not in name[-4:]
    assert pseudonym(KEY, "081234500102") != name  # another customer
    assert pseudonym(OTHER_KEY, "081234500101") != name  # a guess without the key fails


def test_the_launcher_keeps_one_private_key_across_runs(tmp_path):
    env = stack.settings_from_env({"PLN_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    stack.bring_up([], env)
    key_file = tmp_path / "pseudonym.key"
    assert env["PLN_PSEUDONYM_KEY_FILE"] == str(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = load_key(key_file)
    stack.bring_up([], env)  # a restart: the same key, so returning customers keep theirs
    assert load_key(ensure_key_file(tmp_path)) == first and len(first) == 64


def test_a_csos_reply_reaches_the_number_behind_the_pseudonym(tmp_path):
    key_file = ensure_key_file(tmp_path)
    addresses = ChannelAddresses(tmp_path / "channels.sqlite3", load_key(key_file))
    name = addresses.remember("whatsapp", "6281234500101", "+6281234500101")
    fake = FakeGraph().start()
    try:
        env = {**os.environ, "PLN_DATA_DIR": str(tmp_path), "PLN_PSEUDONYM_KEY_FILE":
               str(key_file), "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
               "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
               "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_API_URL": fake.api_url}

        async def reply():
            channels = CustomerChannels(env)
            try:
                return await channels.send(f"whatsapp:{name}", [{"text": "Halo, dengan CSO."}],
                                           last_message_at=None)
            finally:
                await channels.close()

        assert asyncio.run(reply()).startswith("whatsapp")
        (sent,) = fake.sent(to="6281234500101")
        assert sent.body["to"] == "6281234500101"
    finally:
        fake.stop()


def test_a_customers_messages_cost_one_address_write_an_hour_not_one_each(tmp_path):
    addresses = ChannelAddresses(tmp_path / "channels.sqlite3", KEY)
    first = addresses.remember("whatsapp", "6281234500101", "+6281234500101")
    written = addresses._db.total_changes
    for _ in range(5):
        assert addresses.remember("whatsapp", "6281234500101", "+6281234500101") == first
    assert addresses._db.total_changes == written
    assert addresses.address("whatsapp", first) == "6281234500101"
    other = addresses.remember("whatsapp", "6281299990000", "+6281299990000")
    assert addresses._db.total_changes > written and addresses.address("whatsapp", other)
