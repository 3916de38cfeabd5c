"""The notifier's settings: ``NotifierSettings``, read once from the environment at start
(``python -m bot.notify``) and passed to the app. How its callers reach it:
``bot.notify.client.NotifierAccess``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from bot import defaults
from bot.backoffice.client import SimulatorAccess
from bot.notify.mailer import SmtpSettings
from bot.notify.reminders import DEFAULT_DAYS_BEFORE
from bot.settings_base import EnvSettings

DEFAULT_KEEP_DAYS = 7.0  # the development mail sink's messages


class NotifierSettings(EnvSettings):
    data_dir: Path = Field(Path(defaults.DATA_DIR), env="PLN_DATA_DIR")
    # an internal service: on PLN_INTERNAL_HOST, else PLN_HOST
    internal_host: str = Field("", env="PLN_INTERNAL_HOST")
    public_host: str = Field(defaults.HOST, env="PLN_HOST")
    port: int = Field(defaults.NOTIFY_PORT, env="PLN_NOTIFY_PORT", gt=0, lt=65536)
    # every caller shows it in X-PLN-Token ("" refuses every call)
    token: str = Field("", env="PLN_NOTIFY_TOKEN", secret=True)
    reminder_days_before: int = Field(DEFAULT_DAYS_BEFORE, env="PLN_REMINDER_DAYS_BEFORE",
                                      ge=0)
    reminder_check_s: float = Field(3600.0, env="PLN_REMINDER_CHECK_S", gt=0)
    # how long the development sink keeps a message (they hold names and addresses)
    mail_sink_days: float = Field(DEFAULT_KEEP_DAYS, env="PLN_MAIL_SINK_DAYS", gt=0)
    smtp: SmtpSettings = SmtpSettings()
    simulator: SimulatorAccess = SimulatorAccess()

    @property
    def host(self) -> str:
        return self.internal_host or self.public_host

    @property
    def mail_folder(self) -> Path:
        return self.data_dir / "mail"
