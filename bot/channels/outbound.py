"""Messages the assistant's side starts outside a turn (a CSO's reply, a hand back, the
registration's summary, a payment reminder), on the channel a conversation came from,
through that channel's own rendering and delivery (each channel's sender:
``bot.channels.registry``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from bot.channels.contract import channel_and_address
from bot.channels.registry import BY_NAME, CHANNELS, Sender, Unreachable

__all__ = ["CustomerChannels", "Unreachable"]


class CustomerChannels:
    """A CSO's message to the customer, on the channel the conversation came from
    (the channels' own rendering and delivery: ``bot.channels``)."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.senders: dict[str, Sender] = {}
        for spec in CHANNELS:
            sender = spec.outbound(env)
            if sender is not None:
                self.senders[spec.name] = sender

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
        sender = self.senders.get(kind)
        if sender is not None:
            return await sender.send(address, messages, last_message_at, template_parameters)
        spec = BY_NAME.get(kind)
        raise Unreachable(spec.unreachable if spec is not None
                          else "kanal ini tidak dapat menerima pesan dari CSO")

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.close()
