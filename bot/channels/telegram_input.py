"""Telegram in Rasa: ``bot.channels.telegram_input.TelegramInput`` in credentials.yml.

- ``POST /webhooks/telegram/webhook``: an update from Telegram, accepted only with the
  right ``X-Telegram-Bot-Api-Secret-Token`` (403 otherwise, nothing processed); answered
  200 once the turn is processed and its replies queued (a failure to parse is a 400);
- long polling instead, in development (``mode: polling``), started with the server;
- ``GET /webhooks/telegram/``: health.

Credentials (the launcher writes them from the environment: ``bot.channels.registry``): ``token``,
``secret_token``, ``mode``, ``webhook_url``, ``api_url``, ``numbers_db``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, Update

from bot.channels.contract import Refused
from bot.channels.rasa_assistant import assistant
from bot.channels.telegram import CHANNEL, TelegramChannel, TelegramSettings
from bot.untrusted import json_object, same_secret

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(expected: str | None, given: str | None) -> bool:
    return same_secret(given, expected)


def parse_update(body: bytes, bot: Bot) -> Update:
    """The webhook's body as an Update; ``Refused`` when it is none."""
    try:
        data = json_object(body)
        if not isinstance(data.get("update_id"), int):
            raise ValueError("no update_id")
        return Update.de_json(data, bot)
    except Exception as error:  # noqa: BLE001 - whatever PTB's parsing raises
        raise Refused("invalid_update", f"not a Telegram update ({type(error).__name__})") from None


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.channel = TelegramChannel(settings)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        known = {"token", "secret_token", "mode", "webhook_url", "api_url", "numbers_db"}
        return cls(TelegramSettings(**{k: v for k, v in credentials.items()
                                       if k in known and v not in (None, "")}))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        channel = self.channel

        process = assistant(on_new_message, CHANNEL)

        @webhook.listener("after_server_start")
        async def start(_app, _loop) -> None:
            logger.info(await channel.start(process))

        @webhook.listener("before_server_stop")
        async def stop(_app, _loop) -> None:
            await channel.stop()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": self.settings.mode})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.settings.mode != "webhook" or not secret_matches(
                    self.settings.secret_token, request.headers.get(SECRET_HEADER)):
                return response.json({"error": "forbidden", "message": "wrong secret token"},
                                     status=403)
            try:
                update = parse_update(request.body, channel.bot)
            except Refused as refusal:
                return response.json(refusal.body(), status=refusal.status)
            await channel.handle(update, process)
            return response.json({"ok": True})

        return webhook
