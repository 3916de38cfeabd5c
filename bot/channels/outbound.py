"""Messages the assistant's side starts outside a turn (a CSO's reply, a hand back, the
registration's summary, a payment reminder), on the channel a conversation came from,
through that channel's own rendering and delivery."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.channels.contract import channel_and_address
from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.channels.whatsapp import WhatsAppChannel, WhatsAppSettings
from bot.pseudonyms import KEY_FILE_SETTING


class Unreachable(Exception):
    """The customer's channel cannot carry a CSO's message (a phone call is in the CSOs'
    queue already; REST has no way to push)."""


class CustomerChannels:
    """A CSO's message to the customer, on the channel the conversation came from
    (the channels' own rendering and delivery: ``bot.channels``)."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        data = Path(env.get("PLN_DATA_DIR", "var"))
        self.telegram = self.whatsapp = None
        if env.get("TELEGRAM_BOT_TOKEN"):
            self.telegram = TelegramChannel(TelegramSettings(
                token=env["TELEGRAM_BOT_TOKEN"], mode="send",
                api_url=env.get("TELEGRAM_API_URL") or "https://api.telegram.org",
                numbers_db=str(data / "channels.sqlite3")))
        required = ("ACCESS_TOKEN", "APP_SECRET", "VERIFY_TOKEN", "PHONE_NUMBER_ID")
        if all(env.get(f"WHATSAPP_{key}") for key in required):
            optional = {key.lower(): env[f"WHATSAPP_{key}"] for key in (
                "API_URL", "REMINDER_TEMPLATE", "TEMPLATE_LANGUAGE") if env.get(f"WHATSAPP_{key}")}
            self.whatsapp = WhatsAppChannel(WhatsAppSettings(
                **{key.lower(): env[f"WHATSAPP_{key}"] for key in required}, **optional,
                pseudonym_key_file=env.get(KEY_FILE_SETTING, ""),
                addresses_db=str(data / "channels.sqlite3")))

    @staticmethod
    def kind(conversation: str) -> str:
        return channel_and_address(conversation)[0]

    async def send(self, conversation: str, messages: list[dict[str, Any]],
                   last_message_at: float | None = None,
                   template_parameters: list[str] | None = None) -> str:
        """Deliver Rasa-style ``messages`` (text, buttons) to the customer; how. WhatsApp
        outside its 24-hour window sends the approved template with
        ``template_parameters`` (by default the text itself)."""
        kind, address = channel_and_address(conversation)
        if kind == "telegram" and self.telegram is not None:
            self.telegram.deliver(int(address), messages)
            await self.telegram.outbox.idle()
            return "telegram"
        if kind == "whatsapp" and self.whatsapp is not None:
            wa_id = self.whatsapp.address_of(address)
            if wa_id is None:
                raise Unreachable("nomor WhatsApp pelanggan ini tidak lagi tersimpan")
            how = self.whatsapp.deliver(wa_id, messages, last_message_at or 0.0,
                                        template_parameters)
            await self.whatsapp.outbox.idle()
            return f"whatsapp ({how})"
        if kind == "voice":
            raise Unreachable("panggilan telepon: pelanggan sudah di antrean CSO telepon")
        raise Unreachable("kanal ini tidak dapat menerima pesan dari CSO")

    async def close(self) -> None:
        for channel in (self.telegram, self.whatsapp):
            if channel is not None:
                await channel.stop()
