"""What the console talks to besides the simulator: Rasa's HTTP API (the conversation's
events, the hand back). The customer's channel: ``bot.channels.outbound``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from bot.untrusted import path_segment


class Rasa:
    """Rasa's HTTP API, with its token (``PLN_RASA_TOKEN``)."""

    def __init__(self, url: str, token: str, client: httpx.AsyncClient):
        self.url, self.token, self.client = url.rstrip("/"), token, client

    async def events(self, conversation: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"{self.url}/conversations/{path_segment(conversation)}/tracker",
            params={"token": self.token, "include_events": "ALL"})
        response.raise_for_status()
        return response.json().get("events") or []

    async def append(self, conversation: str, events: Sequence[Mapping[str, Any]]) -> None:
        response = await self.client.post(
            f"{self.url}/conversations/{path_segment(conversation)}/tracker/events",
            params={"token": self.token, "include_events": "NONE"}, json=list(events))
        response.raise_for_status()

    async def execute(self, conversation: str, action: str) -> list[dict[str, Any]]:
        """Run ``action`` in the conversation; the messages it produced."""
        response = await self.client.post(
            f"{self.url}/conversations/{path_segment(conversation)}/execute",
            params={"token": self.token, "include_events": "NONE"}, json={"name": action})
        response.raise_for_status()
        return response.json().get("messages") or []


def last_message_at(events: Sequence[Mapping[str, Any]]) -> float | None:
    """When the customer last wrote (WhatsApp's 24-hour window)."""
    stamps = [e.get("timestamp") for e in events if e.get("event") == "user"]
    return max((s for s in stamps if isinstance(s, (int, float))), default=None)
