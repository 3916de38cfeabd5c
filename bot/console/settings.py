"""The console's settings: ``ConsoleSettings``, read once from the environment at start
(``ConsoleSettings.from_env``) and passed to the app, its store and the server."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, validator

from bot import defaults
from bot.backoffice.client import SimulatorAccess
from bot.rasa_runtime.settings import RasaAccess
from bot.settings_base import EnvSettings

MINUTE = 60.0


class ConsoleSettings(EnvSettings):
    data_dir: Path = Field(Path(defaults.DATA_DIR), env="PLN_DATA_DIR")
    host: str = Field(defaults.HOST, env="PLN_HOST")
    port: int = Field(defaults.CONSOLE_PORT, env="PLN_CONSOLE_PORT", gt=0, lt=65536)
    # where CSOs reach the console; https:// makes the cookies Secure and __Host- prefixed
    public_url: str = Field("", env="PLN_CONSOLE_PUBLIC_URL")
    # a session ends 12 hours after sign-in, or after this long without a request
    lifetime_s: float = 12 * 3600.0
    idle_minutes: float = Field(30.0, env="PLN_CONSOLE_IDLE_MINUTES", gt=0)
    # failed sign-ins within the window, per account (the name as typed) and per address
    failures_per_account: int = Field(5, env="PLN_CONSOLE_FAILURES_PER_ACCOUNT", ge=1)
    failures_per_address: int = Field(20, env="PLN_CONSOLE_FAILURES_PER_ADDRESS", ge=1)
    failure_window_minutes: float = Field(15.0, env="PLN_CONSOLE_FAILURE_WINDOW_MINUTES", gt=0)
    # the reverse proxy whose X-Forwarded-For / X-Forwarded-Proto are believed ("" = none)
    trusted_proxy: str = Field("", env="PLN_CONSOLE_TRUSTED_PROXY")
    rasa: RasaAccess = RasaAccess()
    simulator: SimulatorAccess = SimulatorAccess()

    @validator("public_url", "trusted_proxy")
    def _stripped(cls, value: str) -> str:  # noqa: N805 - pydantic's validator
        return value.strip()

    @property
    def https(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @property
    def idle_s(self) -> float:
        return self.idle_minutes * MINUTE

    @property
    def failure_window_s(self) -> float:
        return self.failure_window_minutes * MINUTE
