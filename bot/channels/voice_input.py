"""The phone in Rasa: ``bot.channels.voice_input.VoiceInput`` in the channels file.

Twilio's webhooks, each checked against ``X-Twilio-Signature`` (HMAC-SHA1 of the public
URL Twilio called and the form, keyed with the account's auth token; 403 and nothing
processed otherwise):

- ``POST /webhooks/voice/call``: a call comes in (the number's "A call comes in" URL);
- ``POST /webhooks/voice/gather``: what the caller said or keyed (each Gather's action);
- ``POST /webhooks/voice/status``: the call's status (the number's status callback URL);
- ``POST /webhooks/voice/whisper``: what the CSO hears before a transferred caller;
- ``GET /webhooks/voice/``: health.

Credentials (the launcher writes them from the environment: ``bot.channels.registry``): ``auth_token``,
``public_url``, ``voice``, ``language``, ``cso_queue``, ``cso_number``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels.rasa_assistant import assistant
from bot.channels.voice import CHANNEL, VoiceChannel, VoiceSettings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS = frozenset(field.name for field in dataclasses.fields(VoiceSettings))


def posted_form(body: bytes | None) -> RequestParameters:
    """The form exactly as Twilio posted it: blank values and repeated keys kept, since
    Twilio signs every parameter it posts (Sanic's ``request.form`` drops blank ones, and
    an Indonesian caller's ``FromCity=`` or a Gather's ``FinishedOnKey=`` then fails the
    signature)."""
    return RequestParameters(parse_qs((body or b"").decode("utf-8", "replace"),
                                      keep_blank_values=True))


def signed_form(validator: RequestValidator, url: str, body: bytes | None,
                signature: str | None) -> dict[str, str] | None:
    """The posted form (each key's first value) when ``signature`` is Twilio's for ``url``
    and the form as posted; None otherwise."""
    form = posted_form(body)
    if not signature or not validator.validate(url, form, signature):
        return None
    return {key: values[0] for key, values in form.items()}


def _twiml(body: str) -> HTTPResponse:
    return response.text(body, content_type="text/xml")


class VoiceInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings
        self.channel = VoiceChannel(settings)
        self.validator = RequestValidator(settings.auth_token)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(VoiceSettings(**{k: v for k, v in credentials.items()
                                    if k in SETTINGS and v not in (None, "")}))

    def signed(self, request: Request) -> dict[str, str] | None:
        """The request's form when Twilio signed it for the public URL, else None."""
        url = self.settings.public_url.rstrip("/") + request.path
        if request.query_string:
            url += "?" + request.query_string
        return signed_form(self.validator, url, request.body,
                           request.headers.get(SIGNATURE_HEADER))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        channel = self.channel

        process = assistant(on_new_message, CHANNEL)

        def asking_of(request: Request) -> Callable[[str], Awaitable[str | None]]:
            async def asking(sender: str) -> str | None:
                agent = getattr(request.app.ctx, "agent", None)
                tracker = await agent.tracker_store.retrieve(sender) if agent else None
                return tracker.get_slot("requested_slot") if tracker else None
            return asking

        def forbidden() -> HTTPResponse:
            return response.json({"error": "forbidden", "message": "invalid Twilio signature"},
                                 status=403)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/call", methods=["POST"])
        async def call(request: Request) -> HTTPResponse:
            form = self.signed(request)
            if form is None:
                return forbidden()
            return _twiml(await channel.incoming(form, process, asking_of(request)))

        @webhook.route("/gather", methods=["POST"])
        async def gather(request: Request) -> HTTPResponse:
            form = self.signed(request)
            if form is None:
                return forbidden()
            form = {**form, "turn": request.args.get("turn", "")}
            return _twiml(await channel.gather(form, process, asking_of(request)))

        @webhook.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            form = self.signed(request)
            if form is None:
                return forbidden()
            await channel.status(form, process)
            return response.empty()

        @webhook.route("/whisper", methods=["POST"])
        async def whisper(request: Request) -> HTTPResponse:
            if self.signed(request) is None:
                return forbidden()
            return _twiml(channel.whisper(request.args.get("ticket", "")))

        return webhook
