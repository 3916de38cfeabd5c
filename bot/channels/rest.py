"""The REST channel (``POST /webhooks/rest/webhook``) on the channel contract.

Request: ``{"sender": "...", "message": "...", "metadata": {"caller_id", "now",
"message_id"}}``; answer: the list of replies (``{"recipient_id", "text", "buttons"}``),
as Rasa's own REST channel gives them. What differs, and why:

- a body that is not a JSON object (nested too deep included), a missing or non-string
  ``message`` and a missing ``sender`` are a 400 with ``{"error", "message"}`` (Rasa's
  channel answered ``[]`` with a stack trace, and put every sender-less caller into one
  conversation "default");
- REST senders live in a namespace of their own: ``sender`` is 1 to 64 of
  ``[A-Za-z0-9._-]`` (a 400 otherwise) and the conversation is ``rest:<sender>``, so that a
  REST caller can neither name another channel's conversation (``whatsapp:62812...``) nor
  put path characters into the ids the console builds URLs from; replies keep
  ``recipient_id`` as the caller sent it;
- a text over the limit is not read: the customer is told in Indonesian (``contract``);
- the customer's text is never logged (it can hold a NIK or an address);
- a message id seen again for the sender is answered without being processed twice;
- a failure while processing is a 503 with a JSON error and the customer's text
  (``replies``: the contract's ``TURN_FAILED``), never an empty 200;
- ``metadata.caller_id`` is read only when the channel is trusted with it
  (``trusted_caller_id``: local development and tests, which ``make run`` sets); otherwise
  it is a claim anyone can make, and is dropped;
- with a ``token``, every request needs ``Authorization: Bearer <token>`` (401 otherwise);
- messages are limited per sender and per client address (``rate_limit``: 429 with
  ``Retry-After``), loopback exempt by default.

The launcher writes its settings (``bot.channels.registry``): development (``PLN_ENV``, the default) trusted and
open on loopback; production off unless ``PLN_REST_TOKEN`` is set, and then untrusted.
"""

from __future__ import annotations

import logging
import re
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.contract import (
    TURN_FAILED,
    RecentReplies,
    Refused,
    channel_and_address,
    conversation_id,
    inbound,
)
from bot.channels.rasa_assistant import assistant
from bot.channels.rate_limit import RestLimits, retry_after
from bot.identifiers import mask
from bot.untrusted import NotJson, json_object, same_secret

logger = logging.getLogger(__name__)

CHANNEL = "rest"
SENDER = re.compile(r"[A-Za-z0-9._-]{1,64}")


def conversation_of(sender: Any) -> str:
    """The conversation of a REST sender: ``rest:<sender>``; ``Refused`` when the sender is
    not 1 to 64 of ``[A-Za-z0-9._-]`` (the caller never chooses a channel's prefix)."""
    if sender is None:
        raise Refused("missing_sender", "sender is required (one id per customer)")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        raise Refused("invalid_sender", "sender must be 1 to 64 characters of A-Z, a-z, "
                                        "0-9, '.', '_' and '-'")
    return conversation_id(CHANNEL, sender)


def sender_of(conversation: str) -> str:
    """The sender a REST caller named, from its conversation id."""
    return channel_and_address(conversation)[1]


def _addressed(replies: list[dict], conversation: str) -> list[dict]:
    """Rasa's replies with ``recipient_id`` as the caller sent it."""
    sender = sender_of(conversation)
    return [{**reply, "recipient_id": sender} if "recipient_id" in reply else reply
            for reply in replies]


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def _failed(sender_id: str, code: str, message: str) -> HTTPResponse:
    """A message that was not processed: a 503 (nothing of it was kept: the same message
    may be sent again), with what to show the customer."""
    return response.json({"error": code, "message": message,
                          "replies": [{"recipient_id": sender_of(sender_id),
                                       "text": TURN_FAILED}]},
                         status=503)


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, trusted_caller_id: bool = False, token: str | None = None) -> None:
        self.recent = RecentReplies()
        self.trusted_caller_id = trusted_caller_id
        self.token = token or None
        self.limits = RestLimits.from_env()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(trusted_caller_id=credentials.get("trusted_caller_id") is True,
                   token=credentials.get("token"))

    def authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        return same_secret(request.headers.get("Authorization", ""), f"Bearer {self.token}")

    def limited(self, request: Request, sender: str | None = None) -> HTTPResponse | None:
        """A 429 when this client address (or, given, this sender) is over its limit."""
        address = request.remote_addr or request.ip
        wait = (self.limits.address_wait(address) if sender is None
                else self.limits.sender_wait(address, sender))
        if not wait:
            return None
        logger.warning("REST message refused: %s over its limit",
                       "a client address" if sender is None else mask(sender))
        return response.json({"error": "rate_limited",
                              "message": "too many messages; try again after Retry-After "
                                         "seconds"},
                             status=429, headers={"Retry-After": retry_after(wait)})

    def claims(self, metadata: Any) -> Any:
        """The metadata without ``caller_id`` unless this REST channel is trusted: over
        REST a caller id is only a claim (the channels that verify one set it themselves)."""
        if self.trusted_caller_id or not isinstance(metadata, dict) or "caller_id" not in metadata:
            return metadata
        logger.info("caller_id ignored: this REST channel is not trusted with caller ids")
        return {key: value for key, value in metadata.items() if key != "caller_id"}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        process = assistant(on_new_message, self.name())

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return _error(401, "unauthorized", "a valid Authorization: Bearer token is "
                                                   "required")
            refused = self.limited(request)
            if refused is not None:
                return refused
            try:
                body = json_object(request.body)
            except NotJson:
                return _error(400, "invalid_json", "the body must be a JSON object")
            try:
                message = inbound(self.name(), conversation_of(body.get("sender")),
                                  body.get("message"), self.claims(body.get("metadata")))
            except Refused as refusal:
                return response.json(refusal.body(), status=refusal.status)
            refused = self.limited(request, message.sender_id)
            if refused is not None:
                return refused
            try:
                replies = await self.recent.once(message, lambda: process(message))
            except CancelledError:
                logger.error("message of %s cancelled (timeout)", mask(message.sender_id))
                return _failed(message.sender_id, "timeout",
                               "the message could not be processed in time")
            except Exception:
                logger.exception("message of %s failed", mask(message.sender_id))
                return _failed(message.sender_id, "processing_failed",
                               "the message could not be processed")
            return response.json(_addressed(replies, message.sender_id))

        return webhook

