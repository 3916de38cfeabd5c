"""The channels' registry: one spec per channel, which the launcher, the outbound writer
and the endings read."""

from __future__ import annotations

import asyncio
import importlib

import pytest

from bot import deployment
from bot.channels.outbound import CustomerChannels, Unreachable
from bot.channels.registry import BY_NAME, CHANNELS, CHAT_CHANNELS, PUBLIC_URL_SETTINGS


def test_each_spec_names_its_rasa_input_channel_and_its_conversations_prefix():
    assert [spec.name for spec in CHANNELS] == ["rest", "telegram", "voice", "whatsapp"]
    for spec in CHANNELS:
        module, _, name = spec.input_class.rpartition(".")
        input_channel = getattr(importlib.import_module(module), name)
        assert input_channel.name() == spec.name


def test_the_summary_is_said_in_the_chats_only():
    assert CHAT_CHANNELS == ("telegram", "whatsapp")
    from actions.endings import CHAT_CHANNELS as said_in

    assert said_in == CHAT_CHANNELS


def test_the_channels_name_their_public_urls_and_development_keeps_them_on_loopback():
    assert PUBLIC_URL_SETTINGS == ("TELEGRAM_WEBHOOK_URL", "VOICE_PUBLIC_URL",
                                   "WHATSAPP_API_URL")
    outside = {"VOICE_PUBLIC_URL": "https://ivr.pln.example",
               "WHATSAPP_API_URL": "http://127.0.0.1:9000"}
    assert deployment.unsafe_development(outside, PUBLIC_URL_SETTINGS) == [
        "VOICE_PUBLIC_URL=https://ivr.pln.example is not on loopback"]
    assert deployment.unsafe_development({**outside, "PLN_ENV": "production"},
                                         PUBLIC_URL_SETTINGS) == []
    with pytest.raises(deployment.DeploymentError, match="VOICE_PUBLIC_URL"):
        deployment.refuse_unsafe_development(outside, PUBLIC_URL_SETTINGS)


def test_a_channel_without_a_sender_says_why_a_csos_message_cannot_reach_it():
    channels = CustomerChannels({})
    assert channels.senders == {}

    def send(conversation: str) -> str:
        with pytest.raises(Unreachable) as refused:
            asyncio.run(channels.send(conversation, [{"text": "Halo"}]))
        return str(refused.value)

    assert send("voice:p-1") == BY_NAME["voice"].unreachable
    assert "antrean CSO telepon" in send("voice:p-1")
    assert send("rest:demo") == send("telegram:42") == send("nothing") == (
        "kanal ini tidak dapat menerima pesan dari CSO")


def test_only_telegrams_long_polling_keeps_the_stack_to_one_instance():
    polling = {"TELEGRAM_BOT_TOKEN": "123:abc"}
    webhook = {**polling, "TELEGRAM_WEBHOOK_URL": "https://pln.example/webhooks/telegram/webhook"}
    assert [spec.name for spec in CHANNELS if spec.single_instance(polling)] == ["telegram"]
    assert not any(spec.single_instance(webhook) for spec in CHANNELS)
    assert "TELEGRAM_WEBHOOK_SECRET" not in webhook  # asking changes no setting
