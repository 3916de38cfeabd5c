"""The assistant as a channel sees it inside Rasa: a customer's message in, Rasa's messages
for it out (one ``UserMessage`` through Rasa's ``on_new_message``, the replies collected).
Every channel's Rasa adapter (``*_input.py``, ``rest.py``) uses this one.

The collector carries the channel's name, so that a response's variation for a channel
(``channel: voice`` in domain.yml: the phone's wording of a text) is the one chosen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.contract import Inbound, Process


class ChannelCollector(CollectingOutputChannel):
    """Rasa's collecting output channel, named after the channel it answers."""

    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel

    def name(self) -> str:
        return self.channel


def assistant(on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str) -> Process:
    async def process(message: Inbound) -> list[dict]:
        collector = ChannelCollector(channel)
        await on_new_message(UserMessage(message.text, collector, message.sender_id,
                                         input_channel=channel, metadata=message.metadata))
        return collector.messages

    return process
