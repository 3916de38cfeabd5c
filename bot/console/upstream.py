"""What the console talks to: the simulator's APKT tickets, Rasa's HTTP API (the
conversation's events, the hand back), and the customer's own channel (a CSO's reply)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.channels.telegram import TelegramChannel, TelegramSettings
from bot.channels.whatsapp import WhatsAppChannel, WhatsAppSettings


class Unreachable(Exception):
    """The customer's channel cannot carry a CSO's message (a phone call is in the CSOs'
    queue already; REST has no way to push)."""


class Rasa:
    """Rasa's HTTP API, with its token (``PLN_RASA_TOKEN``)."""

    def __init__(self, url: str, token: str, client: httpx.AsyncClient):
        self.url, self.token, self.client = url.rstrip("/"), token, client

    async def events(self, conversation: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"{self.url}/conversations/{conversation}/tracker",
            params={"token": self.token, "include_events": "ALL"})
        response.raise_for_status()
        return response.json().get("events") or []

    async def append(self, conversation: str, events: Sequence[Mapping[str, Any]]) -> None:
        response = await self.client.post(
            f"{self.url}/conversations/{conversation}/tracker/events",
            params={"token": self.token, "include_events": "NONE"}, json=list(events))
        response.raise_for_status()

    async def execute(self, conversation: str, action: str) -> list[dict[str, Any]]:
        """Run ``action`` in the conversation; the messages it produced."""
        response = await self.client.post(
            f"{self.url}/conversations/{conversation}/execute",
            params={"token": self.token, "include_events": "NONE"}, json={"name": action})
        response.raise_for_status()
        return response.json().get("messages") or []


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
                **{key.lower(): env[f"WHATSAPP_{key}"] for key in required}, **optional))

    @staticmethod
    def kind(conversation: str) -> str:
        return conversation.split(":", 1)[0] if ":" in conversation else "rest"

    async def send(self, conversation: str, messages: list[dict[str, Any]],
                   last_message_at: float | None = None) -> str:
        """Deliver Rasa-style ``messages`` (text, buttons) to the customer; how."""
        kind, _, address = conversation.partition(":")
        if kind == "telegram" and self.telegram is not None:
            self.telegram.deliver(int(address), messages)
            await self.telegram.outbox.idle()
            return "telegram"
        if kind == "whatsapp" and self.whatsapp is not None:
            how = self.whatsapp.deliver(address, messages, last_message_at or 0.0)
            await self.whatsapp.outbox.idle()
            return f"whatsapp ({how})"
        if kind == "voice":
            raise Unreachable("panggilan telepon: pelanggan sudah di antrean CSO telepon")
        raise Unreachable("kanal ini tidak dapat menerima pesan dari CSO")

    async def close(self) -> None:
        for channel in (self.telegram, self.whatsapp):
            if channel is not None:
                await channel.stop()


def last_message_at(events: Sequence[Mapping[str, Any]]) -> float | None:
    """When the customer last wrote (WhatsApp's 24-hour window)."""
    stamps = [e.get("timestamp") for e in events if e.get("event") == "user"]
    return max((s for s in stamps if isinstance(s, (int, float))), default=None)


def waiting_minutes(created_at: str, now: float | None = None) -> int:
    import datetime as dt

    moment = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return max(0, int(((now or time.time()) - moment.timestamp()) // 60))
