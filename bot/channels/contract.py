"""The one contract every channel (REST, Telegram, WhatsApp, voice) goes through.

A channel module only translates its provider's request into ``inbound(...)`` and the
assistant's replies back. Here, once for all channels:

- the sender id: a non-empty printable string of bounded length (never a shared default),
  ``<channel>:<address>`` (``conversation_id``): the channel sets the prefix, never the
  customer, so that no channel can reach another channel's customers;
- the text: a string, cleaned (control and formatting characters, e.g. right-to-left
  overrides and zero-width joiners, removed; whitespace collapsed; a leading "/" removed so
  that no customer can type a Rasa command such as "/affirm") and bounded: above
  ``max_chars`` (``PLN_MAX_MESSAGE_CHARS``, default 1,000) the text is never read; the
  message becomes ``MESSAGE_TOO_LONG`` and the customer is told so in Indonesian (a
  response of domain.yml), while the question that was open stays open;
- the metadata: ``channel`` (set here, not by the client), ``caller_id``, ``now`` (an ISO
  8601 time with offset) and ``message_id``, each a bounded string; anything else is
  dropped;
- de-duplication: a message id seen again for the same sender gets the replies of the
  first delivery, without being processed twice (``RecentReplies``);
- a chat's turn (``chat_turn``): the message checked, processed once, and the customer
  told when it cannot be read or processed, whatever the chat.

Nothing here imports Rasa: the contract is tested on its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.identifiers import mask

logger = logging.getLogger(__name__)


def conversation_id(channel: str, address: object) -> str:
    """The conversation of a customer (``address``: a chat, a number, a REST sender) on
    ``channel``."""
    return f"{channel}:{address}"


def channel_and_address(conversation: str) -> tuple[str, str]:
    """``conversation_id``'s parts; ("", conversation) for an id without a channel."""
    channel, separator, address = conversation.partition(":")
    return (channel, address) if separator else ("", conversation)


MAX_CHARS_ENV = "PLN_MAX_MESSAGE_CHARS"
DEFAULT_MAX_CHARS = 1000  # the longest realistic answer (an address) is about 200
MAX_SENDER_CHARS = 128
MAX_METADATA_VALUE_CHARS = {"caller_id": 32, "now": 64, "message_id": 128}

# The intent a channel sends instead of a text it will not read (domain.yml: a rule
# answers it with utter_message_too_long and the form asks its question again).
MESSAGE_TOO_LONG_INTENT = "message_too_long"
MESSAGE_TOO_LONG = "/" + MESSAGE_TOO_LONG_INTENT
# The phone: a caller who said nothing three times (a CSO takes over), a call that ended.
CALLER_SILENT = "/caller_silent"
CALL_ENDED = "/call_ended"
# Intents that only a channel produces (no NLU training data, by design).
CHANNEL_INTENTS = (MESSAGE_TOO_LONG_INTENT, CALLER_SILENT[1:], CALL_ENDED[1:])
# What the customer hears when a message could not be processed at all (a database or the
# lock store down, an instance gone): nothing of it was kept, so sending it again is right.
TURN_FAILED = ("Mohon maaf, pesan Bapak/Ibu belum dapat kami proses karena gangguan sistem. "
               "Silakan kirim ulang beberapa saat lagi.")


class Refused(ValueError):
    """A request no customer message can be made of: the channel answers ``status`` (4xx)
    with ``{"error": code, "message": message}``."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def max_chars(environ: dict[str, str] | None = None) -> int:
    raw = (os.environ if environ is None else environ).get(MAX_CHARS_ENV)
    if not raw:
        return DEFAULT_MAX_CHARS
    value = int(raw)
    if value < 1:
        raise ValueError(f"{MAX_CHARS_ENV} must be a positive number of characters")
    return value


_SPACES = re.compile(r"\s+")
_KEEP_AS_SPACE = {"\n", "\r", "\t"}


def clean_text(text: str) -> str:
    """NFC, without control/format/private/unassigned characters (Cc, Cf, Co, Cn; line
    breaks and tabs become spaces), whitespace collapsed, no leading "/"."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char in _KEEP_AS_SPACE:
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cn", "Cs"):
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip().lstrip("/").strip()


@dataclass(frozen=True)
class Inbound:
    """One customer message as the assistant receives it, whatever the channel."""

    sender_id: str
    text: str  # cleaned; MESSAGE_TOO_LONG when the customer's text was not read
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def too_long(self) -> bool:
        return self.text == MESSAGE_TOO_LONG

    @property
    def message_id(self) -> str | None:
        return self.metadata.get("message_id")


# The assistant as every channel calls it: a customer's message -> its replies (Rasa's
# messages: text, buttons, custom marks; ``replies.replies_of`` reads them).
Process = Callable[[Inbound], Awaitable[list[dict]]]


def _bounded_string(value: Any, limit: int, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Refused(f"invalid_{what}", f"{what} must be a string")
    text = clean_text(str(value))
    if not text:
        raise Refused(f"invalid_{what}", f"{what} must not be empty")
    if len(text) > limit:
        raise Refused(f"invalid_{what}", f"{what} is longer than {limit} characters")
    return text


def inbound(channel: str, sender: Any, text: Any, metadata: Any = None,
            limit: int | None = None) -> Inbound:
    """The message a channel received, checked and bounded; ``Refused`` when it is none.

    The length is checked before anything else reads the text: a text over ``limit``
    characters costs nothing more, whatever it holds."""
    if sender is None:
        raise Refused("missing_sender", "sender is required (one id per customer)")
    sender_id = _bounded_string(sender, MAX_SENDER_CHARS, "sender")
    if text is None:
        raise Refused("missing_message", "message is required")
    if not isinstance(text, str):
        raise Refused("invalid_message", "message must be a string")
    limit = max_chars() if limit is None else limit
    if len(text) > limit:
        cleaned = MESSAGE_TOO_LONG
    else:
        cleaned = clean_text(text)
        if not cleaned:
            raise Refused("empty_message", "message holds no text")
    if metadata is not None and not isinstance(metadata, dict):
        raise Refused("invalid_metadata", "metadata must be an object")
    kept = {"channel": channel}
    for key, bound in MAX_METADATA_VALUE_CHARS.items():
        value = (metadata or {}).get(key)
        if value is not None and value != "":
            kept[key] = _bounded_string(value, bound, key)
    if "now" in kept:
        _check_now(kept["now"])
    return Inbound(sender_id, cleaned, kept)


EARLIEST_NOW, LATEST_NOW = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(
    2100, 1, 1, tzinfo=dt.timezone.utc)


def _check_now(text: str) -> None:
    """``metadata.now`` fixes the conversation's clock (tests, demos): an ISO 8601 time
    with an offset, in this century (every date the back office writes follows it)."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not EARLIEST_NOW <= moment < LATEST_NOW:
        raise Refused("invalid_now", "metadata.now must be an ISO 8601 time with a UTC "
                                     "offset in this century, e.g. 2026-11-27T09:00:00+07:00")


class RecentReplies:
    """The replies to recent (sender, message id) pairs: a message delivered twice (a
    provider's retry, a double tap) is processed once and answered the same both times.

    Bounded by ``size`` entries and ``ttl_s`` seconds; one process's memory (several Rasa
    instances behind a load balancer should route a sender to one instance, or share this
    in Redis)."""

    def __init__(self, size: int = 10_000, ttl_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[float, asyncio.Future]] = OrderedDict()

    async def once(self, message: Inbound,
                   process: Callable[[], Awaitable[list[dict]]]) -> list[dict]:
        """``process()``'s replies; for a message id already seen, the first replies."""
        if message.message_id is None:
            return await process()
        key = (message.sender_id, message.message_id)
        now = self.clock()
        self._expire(now)
        entry = self._entries.get(key)
        if entry is not None:
            return list(await asyncio.shield(entry[1]))
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        try:
            replies = await process()
        except BaseException as error:
            self._entries.pop(key, None)  # a failure is not remembered: a retry runs again
            future.set_exception(error)
            future.exception()  # retrieved: no "exception was never retrieved" warning
            raise
        future.set_result(replies)
        return list(replies)

    async def fresh(self, message: Inbound,
                    process: Callable[[], Awaitable[list[dict]]]) -> list[dict] | None:
        """``process()``'s replies, or None when this message id was processed before (a
        channel that sends replies itself has sent them already)."""
        ran = False

        async def run() -> list[dict]:
            nonlocal ran
            ran = True
            return await process()

        replies = await self.once(message, run)
        return replies if ran else None

    def _expire(self, now: float) -> None:
        while self._entries:
            key, (seen, _future) = next(iter(self._entries.items()))
            if now - seen < self.ttl_s:
                break
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class ChatTurn:
    """How a chat channel answers one customer message (``chat_turn``)."""

    channel: str
    recent: RecentReplies
    say: Callable[[str], None]  # queue one text to the customer
    answer: Callable[[list[dict]], None]  # queue the assistant's replies (or a notice)
    unreadable: str  # said when no message can be made of what the customer sent
    working: Callable[[], None] | None = None  # e.g. "typing...", once the message is read


async def chat_turn(turn: ChatTurn, sender: str, text: Any, metadata: dict[str, str],
                    process: Process) -> None:
    """One turn of a chat (Telegram, WhatsApp): the message checked (``inbound``; refused:
    ``turn.unreadable`` said), processed once per message id (``RecentReplies.fresh``: a
    redelivery was answered the first time), a failure told to the customer
    (``TURN_FAILED``; the log has the error), the replies given to ``turn.answer``."""
    try:
        message = inbound(turn.channel, sender, text, metadata)
    except Refused:
        turn.say(turn.unreadable)
        return
    if turn.working is not None:
        turn.working()
    try:
        answered = await turn.recent.fresh(message, lambda: process(message))
    except Exception:  # noqa: BLE001 - the customer hears it; the log has the error
        logger.exception("turn of %s failed", mask(sender))
        turn.say(TURN_FAILED)
        return
    if answered is not None:
        turn.answer(answered)
