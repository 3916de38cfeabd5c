"""WhatsApp in Rasa: ``bot.channels.whatsapp_input.WhatsAppInput`` in the channels file.

- ``GET /webhooks/whatsapp/webhook``: Meta's verification (``hub.mode=subscribe``, the
  right ``hub.verify_token``): the ``hub.challenge`` echoed; 403 otherwise;
- ``POST /webhooks/whatsapp/webhook``: a delivery, accepted only with a valid
  ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret; 403 and
  nothing processed otherwise); 200 once its messages are processed and their replies
  queued; a body that is not JSON is a 400;
- ``GET /webhooks/whatsapp/``: health.

Credentials (the launcher writes them from the environment: ``bot.channels.registry``): ``access_token``,
``app_secret``, ``verify_token``, ``phone_number_id``, ``api_url``, ``reminder_template``,
``template_language``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rasa_assistant import assistant
from bot.channels.whatsapp import (
    CHANNEL,
    WhatsAppChannel,
    WhatsAppSettings,
    signature_matches,
    verification_challenge,
)
from bot.untrusted import NotJson, json_object

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SETTINGS = frozenset(field.name for field in dataclasses.fields(WhatsAppSettings))


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings
        self.channel = WhatsAppChannel(settings)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(WhatsAppSettings(**{k: str(v) for k, v in credentials.items()
                                       if k in SETTINGS and v not in (None, "")}))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        channel = self.channel

        process = assistant(on_new_message, CHANNEL)

        @webhook.listener("before_server_stop")
        async def stop(_app, _loop) -> None:
            await channel.stop()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            params = {key: values[0] for key, values in request.args.items()}
            challenge = verification_challenge(params, self.settings.verify_token)
            if challenge is None:
                return response.json({"error": "forbidden", "message": "wrong verify token"},
                                     status=403)
            return response.text(challenge)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not signature_matches(self.settings.app_secret, request.body or b"",
                                     request.headers.get(SIGNATURE_HEADER)):
                return response.json({"error": "forbidden", "message": "invalid signature"},
                                     status=403)
            try:
                body = json_object(request.body)
            except NotJson:
                return response.json({"error": "invalid_json",
                                      "message": "the body must be a JSON object"}, status=400)
            await channel.handle(body, process)
            return response.json({"ok": True})

        return webhook
