"""Sending e-mail through SMTP (aiosmtplib), with retries, never in the way of the
conversation: ``Mailer.send_later`` queues the message and returns; a task sends it,
retrying with backoff (1 s doubling, 6 attempts), and logs the outcome (the recipient
masked). The message lives only in memory until it is sent: the full address in it is
never stored outside the back office.

Settings from the environment: ``PLN_SMTP_HOST`` (default 127.0.0.1), ``PLN_SMTP_PORT``
(2525: the local sink ``make run`` starts), ``PLN_SMTP_STARTTLS`` (``1`` for a production
server), ``PLN_SMTP_USER``/``PLN_SMTP_PASSWORD``, ``PLN_MAIL_FROM``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from bot.identifiers import mask_email

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 2525
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = "PLN 123 <noreply@pln123.example>"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if environ is None else environ
        return cls(host=env.get("PLN_SMTP_HOST") or "127.0.0.1",
                   port=int(env.get("PLN_SMTP_PORT") or 2525),
                   starttls=env.get("PLN_SMTP_STARTTLS") == "1",
                   user=env.get("PLN_SMTP_USER") or None,
                   password=env.get("PLN_SMTP_PASSWORD") or None,
                   sender=env.get("PLN_MAIL_FROM") or cls.sender)


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
                await aiosmtplib.send(
                    message, hostname=self.settings.host, port=self.settings.port,
                    start_tls=self.settings.starttls, username=self.settings.user,
                    password=self.settings.password, timeout=15)
                self.sent += 1
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
        logger.error("e-mail %s to %s given up after %d attempts", message["Message-ID"], to,
                     MAX_ATTEMPTS)
        return False

    def send_later(self, message: EmailMessage) -> None:
        task = asyncio.get_running_loop().create_task(self.send(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
