"""Sending e-mail through SMTP (aiosmtplib), with retries, never in the way of the
conversation: ``Mailer.send_later`` queues the message and returns; a task sends it,
retrying with backoff (1 s doubling, 6 attempts), and logs the outcome (the recipient
masked). The message lives only in memory until it is sent: the full address in it is
never stored outside the back office.

Settings from the environment (``SmtpSettings``): ``PLN_SMTP_HOST`` (default 127.0.0.1),
``PLN_SMTP_PORT`` (2525: the local sink ``make run`` starts), ``PLN_SMTP_TLS``,
``PLN_SMTP_USER``/``PLN_SMTP_PASSWORD`` (or ``PLN_SMTP_PASSWORD_FILE``), ``PLN_MAIL_FROM``.

TLS is the default: ``starttls`` (the server's certificate checked), or ``implicit`` (TLS
from the first byte, usually port 465). Plaintext only by an explicit setting:
``PLN_SMTP_TLS=none``, or the local development sink (``PLN_SMTP_SINK=1``, which
``make run`` sets when no ``PLN_SMTP_HOST`` is given); never a login without TLS, and never
the sink in production (every summary would be written to disk and never sent).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from email.message import EmailMessage
from typing import Any, ClassVar

import aiosmtplib
from pydantic import Field, root_validator

from bot import defaults, deployment
from bot.identifiers import mask_email
from bot.metrics.notifications import EMAILS
from bot.settings_base import EnvSettings, SettingsError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
TLS_MODES = ("starttls", "implicit", "none")


class MailSettingsError(SettingsError):
    """The mail settings would send in clear, or not send at all, where that is refused."""


class SmtpSettings(EnvSettings):
    error_type: ClassVar[type[Exception]] = MailSettingsError

    host: str = Field(defaults.INTERNAL_HOST, env="PLN_SMTP_HOST")
    port: int = Field(defaults.SMTP_PORT, env="PLN_SMTP_PORT", gt=0, lt=65536)
    tls: str = Field("starttls", env="PLN_SMTP_TLS")  # "none" by default with the sink
    user: str | None = Field(None, env="PLN_SMTP_USER")
    password: str | None = Field(None, env="PLN_SMTP_PASSWORD", secret=True)
    sender: str = Field("PLN 123 <noreply@pln123.example>", env="PLN_MAIL_FROM")
    # the local development sink (``bot.notify.sink``) receives the mail
    sink: bool = Field(False, env="PLN_SMTP_SINK")
    production: bool = False  # PLN_ENV=production: the sink refused

    @root_validator(pre=True)
    def _plain_to_the_sink(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values.get("sink") in (True, "1") and not values.get("tls"):
            values = {**values, "tls": "none"}
        return values

    @root_validator(skip_on_failure=True)
    def _safe(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["tls"] not in TLS_MODES:
            raise ValueError(f"PLN_SMTP_TLS must be one of {', '.join(TLS_MODES)}, "
                             f"not {values['tls']!r}")
        if values["tls"] == "none" and values["user"]:
            raise ValueError("an SMTP login without TLS is refused: the password would "
                             "cross the network in clear (set PLN_SMTP_TLS to starttls or "
                             "implicit)")
        if values["sink"] and values["production"]:
            raise ValueError(
                "the local mail sink is for development: in production the summaries must "
                "reach the customers (set PLN_SMTP_HOST, PLN_SMTP_PORT and PLN_SMTP_TLS)")
        return values

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **values: Any) -> SmtpSettings:
        return super().from_env(env, production=deployment.is_production(env), **values)

    def connection(self) -> dict[str, Any]:
        """aiosmtplib's connection arguments: TLS as set, never an opportunistic guess."""
        return {"hostname": self.host, "port": self.port, "use_tls": self.tls == "implicit",
                "start_tls": self.tls == "starttls", "username": self.user,
                "password": self.password}


class Mailer:
    def __init__(self, settings: SmtpSettings | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.settings = settings or SmtpSettings.from_env()
        self.sleep = sleep
        self.sent = self.failed = 0
        self._tasks: set[asyncio.Task] = set()

    async def send(self, message: EmailMessage) -> bool:
        """Send now, retrying; whether it went."""
        if "From" in message:
            message.replace_header("From", self.settings.sender)
        else:
            message["From"] = self.settings.sender
        to = mask_email(str(message["To"]))
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await aiosmtplib.send(message, **self.settings.connection(), timeout=15)
                self.sent += 1
                EMAILS.labels("sent").inc()
                logger.info("e-mail %s sent to %s", message["Message-ID"], to)
                return True
            except (aiosmtplib.SMTPException, OSError) as error:
                if attempt == MAX_ATTEMPTS:
                    break
                delay = min(2.0 ** (attempt - 1), 60.0)
                logger.warning("e-mail to %s failed (%s), retry %d in %.0f s", to,
                               type(error).__name__, attempt, delay)
                await self.sleep(delay)
        self.failed += 1
        EMAILS.labels("failed").inc()
        logger.error("e-mail %s to %s given up after %d attempts", message["Message-ID"], to,
                     MAX_ATTEMPTS)
        return False

    def send_later(self, message: EmailMessage,
                   then: Callable[[bool], Any] | None = None) -> None:
        """Send in the background; ``then`` is told whether it went."""
        task = asyncio.get_running_loop().create_task(self._send_then(message, then))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_then(self, message: EmailMessage,
                         then: Callable[[bool], Any] | None) -> bool:
        sent = await self.send(message)
        if then is not None:
            await asyncio.to_thread(then, sent)
        return sent

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
