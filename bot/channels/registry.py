"""Every channel the assistant speaks on, one ``ChannelSpec`` each: where its settings
come from, the line the launcher prints about it, how a message reaches a customer
outside a turn, and whether it is a chat. The launcher (the channels file Rasa starts
with, its status text), the outbound writer (``bot.channels.outbound``) and the
conversation's endings (``actions.endings``: where the summary is also said) iterate
over ``CHANNELS``; adding a channel is one spec here and the channel's own modules.

Nothing here imports a channel's client library: a sender is built only when one is
asked for (``ChannelSpec.outbound``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot import deployment
from bot.pseudonyms import KEY_FILE_SETTING

CHANNELS_DB = "channels.sqlite3"  # in the data folder: verified numbers, addresses


class Unreachable(Exception):
    """The customer's channel cannot carry a CSO's message (a phone call is in the CSOs'
    queue already; REST has no way to push)."""


class Sender(Protocol):
    """A channel's way to a customer outside a turn (a CSO's reply, a reminder)."""

    async def send(self, address: str, messages: list[dict[str, Any]],
                   last_message_at: float | None,
                   template_parameters: list[str] | None) -> str: ...

    async def close(self) -> None: ...


Environment = dict[str, str]


@dataclass(frozen=True)
class ChannelSpec:
    """One channel, as the rest of the assistant sees it."""

    name: str  # the prefix of its conversations (``contract.conversation_id``)
    input_class: str  # Rasa's input channel, as named in credentials.yml
    # its credentials.yml entry from the launcher's environment, None when it is off
    credentials: Callable[[Environment], dict[str, Any] | None]
    # the launcher's line about it (on, off and what to set)
    status: Callable[[Environment], str]
    chat: bool = False  # a chat the customer keeps (the registration's summary is said)
    # its sender outside a turn, None when it has none or it is not configured
    outbound: Callable[[Mapping[str, str]], Sender | None] = lambda environ: None
    # why a CSO's message cannot reach the customer when there is no sender
    unreachable: str = "kanal ini tidak dapat menerima pesan dari CSO"
    # why it cannot run in several Rasa instances at once as set, None when it can
    single_instance: Callable[[Environment], str | None] = lambda env: None
    # where the outside world reaches it, or the provider it talks to: loopback (a local
    # fake) in development, else the deployment refuses to start (bot.deployment)
    public_urls: tuple[str, ...] = ()


def _channels_db(env: Mapping[str, str]) -> str:
    return str(Path(env.get("PLN_DATA_DIR", "var")) / CHANNELS_DB)


# --- REST -----------------------------------------------------------------------------

def rest_credentials(env: Environment) -> dict[str, Any] | None:
    """REST by ``PLN_ENV``: in development (the default) open on loopback and trusted with
    ``metadata.caller_id`` (the tests and `curl` play callers); in production off unless
    ``PLN_REST_TOKEN`` is set, then behind that token and trusted with caller ids only
    when ``PLN_REST_TRUSTED=1``."""
    token = env.get("PLN_REST_TOKEN") or None
    if deployment.is_production(env):
        if token is None:
            return None
        return {"token": token, "trusted_caller_id": env.get("PLN_REST_TRUSTED") == "1"}
    return {"token": token, "trusted_caller_id": True}


def rest_status(env: Environment) -> str:
    rest = rest_credentials(env)
    if rest is None:
        return "REST: off (PLN_ENV=production without PLN_REST_TOKEN)"
    guard = "behind PLN_REST_TOKEN" if rest["token"] else "open on loopback"
    trust = ("metadata.caller_id trusted" if rest["trusted_caller_id"]
             else "metadata.caller_id ignored (not trusted)")
    return f"REST: {guard}, {trust} (PLN_ENV={env.get('PLN_ENV', 'development')})"


# --- Telegram -------------------------------------------------------------------------

def telegram_credentials(env: Environment) -> dict[str, str] | None:
    """The Telegram channel's credentials when ``TELEGRAM_BOT_TOKEN`` is set: webhook mode
    when ``TELEGRAM_WEBHOOK_URL`` (the public https URL Telegram posts to) or
    ``TELEGRAM_MODE=webhook`` is given, long polling otherwise."""
    token = env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        return None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    mode = env.get("TELEGRAM_MODE") or ("webhook" if webhook_url else "polling")
    credentials = {"token": token, "mode": mode, "numbers_db": _channels_db(env)}
    if mode == "webhook":
        # Telegram echoes this secret in every webhook call; one is made when none is
        # given (setWebhook at start registers it with the URL)
        credentials["secret_token"] = env.setdefault("TELEGRAM_WEBHOOK_SECRET",
                                                     secrets.token_urlsafe(32))
    if webhook_url:
        credentials["webhook_url"] = webhook_url
    if env.get("TELEGRAM_API_URL"):
        credentials["api_url"] = env["TELEGRAM_API_URL"]
    return credentials


def telegram_status(env: Environment) -> str:
    telegram = telegram_credentials(env)
    if telegram is None:
        return "Telegram: off (set TELEGRAM_BOT_TOKEN to start it; docs/channels.md)"
    if telegram["mode"] == "polling":
        return "Telegram: on, long polling (development; TELEGRAM_WEBHOOK_URL for a webhook)"
    where = (telegram.get("webhook_url")
             or "not registered here: call setWebhook (docs/channels.md)")
    return (f"Telegram: on, webhook at http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}"
            f"/webhooks/telegram/webhook; public URL {where}")


def telegram_single_instance(env: Environment) -> str | None:
    telegram = telegram_credentials(dict(env))
    if telegram is not None and telegram["mode"] == "polling":
        return ("Telegram's long polling would run in every instance: with several "
                "instances use its webhook (TELEGRAM_WEBHOOK_URL)")
    return None


class TelegramSender:
    def __init__(self, channel: Any):
        self.channel = channel

    async def send(self, address: str, messages: list[dict[str, Any]],
                   last_message_at: float | None = None,
                   template_parameters: list[str] | None = None) -> str:
        self.channel.deliver(int(address), messages)
        await self.channel.outbox.idle()
        return "telegram"

    async def close(self) -> None:
        await self.channel.stop()


def telegram_outbound(env: Mapping[str, str]) -> TelegramSender | None:
    if not env.get("TELEGRAM_BOT_TOKEN"):
        return None
    from bot.channels.telegram import TelegramChannel, TelegramSettings

    return TelegramSender(TelegramChannel(TelegramSettings(
        token=env["TELEGRAM_BOT_TOKEN"], mode="send",
        api_url=env.get("TELEGRAM_API_URL") or "https://api.telegram.org",
        numbers_db=_channels_db(env))))


# --- the phone (Twilio) ---------------------------------------------------------------

def voice_credentials(env: Environment) -> dict[str, str] | None:
    """The phone channel's credentials when ``TWILIO_AUTH_TOKEN`` and ``VOICE_PUBLIC_URL``
    (where Twilio reaches Rasa; it signs that URL) are set."""
    if not (env.get("TWILIO_AUTH_TOKEN") and env.get("VOICE_PUBLIC_URL")):
        return None
    credentials = {"auth_token": env["TWILIO_AUTH_TOKEN"], "public_url": env["VOICE_PUBLIC_URL"],
                   "pseudonym_key_file": env[KEY_FILE_SETTING]}
    for key in ("voice", "language", "cso_queue", "cso_number"):
        if env.get(f"VOICE_{key.upper()}"):
            credentials[key] = env[f"VOICE_{key.upper()}"]
    return credentials


def voice_status(env: Environment) -> str:
    voice = voice_credentials(env)
    if voice is None:
        return ("Phone (Twilio): off (set TWILIO_AUTH_TOKEN and VOICE_PUBLIC_URL; "
                "docs/channels.md, "
                "\"Phone\"; `make ivr-demo` plays a call without a line)")
    return (f"Phone (Twilio): on; point the number's \"A call comes in\" at "
            f"{voice['public_url'].rstrip('/')}/webhooks/voice/call and its status callback "
            "at .../webhooks/voice/status")


# --- WhatsApp -------------------------------------------------------------------------

WHATSAPP_REQUIRED = ("access_token", "app_secret", "verify_token", "phone_number_id")
WHATSAPP_OPTIONAL = ("api_url", "reminder_template", "template_language")


def _whatsapp_settings(env: Mapping[str, str]) -> dict[str, str] | None:
    """``WHATSAPP_*`` by the settings' names, None unless every required one is set."""
    if not all(env.get(f"WHATSAPP_{key.upper()}") for key in WHATSAPP_REQUIRED):
        return None
    return {key: env[f"WHATSAPP_{key.upper()}"] for key in (*WHATSAPP_REQUIRED, *WHATSAPP_OPTIONAL)
            if env.get(f"WHATSAPP_{key.upper()}")}


def whatsapp_credentials(env: Environment) -> dict[str, str] | None:
    """The WhatsApp channel's credentials when ``WHATSAPP_ACCESS_TOKEN``,
    ``WHATSAPP_APP_SECRET``, ``WHATSAPP_VERIFY_TOKEN`` and ``WHATSAPP_PHONE_NUMBER_ID``
    are set (``WHATSAPP_API_URL`` and the reminder template's name optional)."""
    settings = _whatsapp_settings(env)
    if settings is None:
        return None
    return {**settings, "pseudonym_key_file": env[KEY_FILE_SETTING],
            "addresses_db": _channels_db(env)}


def whatsapp_status(env: Environment) -> str:
    if whatsapp_credentials(env) is None:
        return ("WhatsApp: off (set WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, "
                "WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID; docs/channels.md)")
    return (f"WhatsApp: on, webhook at http://{env['PLN_HOST']}:{env['PLN_RASA_PORT']}"
            "/webhooks/whatsapp/webhook (give Meta its public https URL)")


class WhatsAppSender:
    def __init__(self, channel: Any):
        self.channel = channel

    async def send(self, address: str, messages: list[dict[str, Any]],
                   last_message_at: float | None = None,
                   template_parameters: list[str] | None = None) -> str:
        """Outside its 24-hour window WhatsApp sends the approved template with
        ``template_parameters`` (by default the text itself)."""
        wa_id = self.channel.address_of(address)
        if wa_id is None:
            raise Unreachable("nomor WhatsApp pelanggan ini tidak lagi tersimpan")
        how = self.channel.deliver(wa_id, messages, last_message_at or 0.0, template_parameters)
        await self.channel.outbox.idle()
        return f"whatsapp ({how})"

    async def close(self) -> None:
        await self.channel.stop()


def whatsapp_outbound(env: Mapping[str, str]) -> WhatsAppSender | None:
    settings = _whatsapp_settings(env)
    if settings is None:
        return None
    from bot.channels.whatsapp import WhatsAppChannel, WhatsAppSettings

    return WhatsAppSender(WhatsAppChannel(WhatsAppSettings(
        **settings, pseudonym_key_file=env.get(KEY_FILE_SETTING, ""),
        addresses_db=_channels_db(env))))


# --- the registry ---------------------------------------------------------------------

REST = ChannelSpec("rest", "bot.channels.rest.RestInput", rest_credentials, rest_status)
TELEGRAM = ChannelSpec("telegram", "bot.channels.telegram_input.TelegramInput",
                       telegram_credentials, telegram_status, chat=True,
                       outbound=telegram_outbound, single_instance=telegram_single_instance,
                       public_urls=("TELEGRAM_WEBHOOK_URL",))
VOICE = ChannelSpec("voice", "bot.channels.voice_input.VoiceInput", voice_credentials,
                    voice_status,
                    unreachable="panggilan telepon: pelanggan sudah di antrean CSO telepon",
                    public_urls=("VOICE_PUBLIC_URL",))
WHATSAPP = ChannelSpec("whatsapp", "bot.channels.whatsapp_input.WhatsAppInput",
                       whatsapp_credentials, whatsapp_status, chat=True,
                       outbound=whatsapp_outbound, public_urls=("WHATSAPP_API_URL",))

CHANNELS: tuple[ChannelSpec, ...] = (REST, TELEGRAM, VOICE, WHATSAPP)
BY_NAME: dict[str, ChannelSpec] = {spec.name: spec for spec in CHANNELS}
# where the registration's summary is also said, to keep
CHAT_CHANNELS: tuple[str, ...] = tuple(spec.name for spec in CHANNELS if spec.chat)
# every channel's public URL settings, for the deployment's development check
PUBLIC_URL_SETTINGS: tuple[str, ...] = tuple(
    name for spec in CHANNELS for name in spec.public_urls)
