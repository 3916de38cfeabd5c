"""Rasa's settings this project reads itself: its HTTP API (``RasaAccess``: where the
console reaches it, the token ``rasa run`` is started with) and the ticket locks'
lifetime (``LockSettings``). Read once: at start (``python -m bot.rasa_runtime``, the
console) or when Rasa makes its lock store."""

from __future__ import annotations

from pydantic import Field

from bot import defaults
from bot.settings_base import EnvSettings

DEFAULT_LOCK_LIFETIME_S = 10.0
LIFETIME_ENV = "TICKET_LOCK_LIFETIME"  # upstream's variable (rasa.core.lock_store)


class RasaAccess(EnvSettings):
    """Where Rasa's HTTP API is and its token (PLN_RASA_TOKEN or PLN_RASA_TOKEN_FILE)."""

    host: str = Field(defaults.HOST, env="PLN_HOST")
    port: int = Field(defaults.RASA_PORT, env="PLN_RASA_PORT", gt=0, lt=65536)
    explicit_url: str = Field("", env="PLN_RASA_URL")
    token: str = Field("", env="PLN_RASA_TOKEN", secret=True)

    @property
    def url(self) -> str:
        return self.explicit_url or f"http://{self.host}:{self.port}"


class LockSettings(EnvSettings):
    # 0 or unset: the default; endpoints.yml's ``lock_lifetime`` wins over it
    lifetime_s: float = Field(0.0, env=LIFETIME_ENV, ge=0)
