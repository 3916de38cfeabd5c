"""What the stack's settings say of every conversation, given to the framework-free SOP:
its clock (``PLN_NOW``: the whole stack's fixed time; ``PLN_TIMEZONE``: its zone, default
Asia/Jakarta; in development only a message's own ``metadata.now``) and the name the
assistant introduces itself with (``PLN_ASSISTANT_NAME``), read once per process (``reset``
forgets them: tests that change the environment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from bot import defaults, deployment
from bot.pseudonyms import KEY_FILE_NAME
from bot.settings_base import EnvSettings
from bot.sop.clock import DEFAULT_TIMEZONE, Clock, parse_time, zone_named
from bot.sop.continuation import DEFAULT_KEEP_HOURS, STORE_FILE
from bot.sop.phrases import DEFAULT_ASSISTANT_NAME


class ConversationSettings(EnvSettings):
    timezone: str = Field(DEFAULT_TIMEZONE, env="PLN_TIMEZONE")
    fixed_now: str = Field("", env="PLN_NOW")
    name: str = Field(DEFAULT_ASSISTANT_NAME, env="PLN_ASSISTANT_NAME")
    # a message may fix its own time: development only (bot.deployment), never by default
    development: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **values):
        return super().from_env(env, development=deployment.trusts_caller_claims(env),
                                **values)

    def clock(self) -> Clock:
        """The stack's clock. A malformed ``PLN_NOW`` or ``PLN_TIMEZONE`` is an operator
        error and raises ``ClockError``."""
        zone = zone_named(self.timezone)
        return Clock(zone=zone, fixed=parse_time(self.fixed_now, zone) if self.fixed_now
                     else None, trusts_message_time=self.development)

    @property
    def assistant_name(self) -> str:
        return self.name.strip() or DEFAULT_ASSISTANT_NAME


@dataclass(frozen=True)
class _Read:
    """The settings as this process read them, and the clock they give."""

    settings: ConversationSettings
    clock: Clock


_read: _Read | None = None


def _once() -> _Read:
    """This process's settings, read from its environment at first use and kept: the
    settings are read once at start, not at every message. A malformed clock setting
    raises ``ClockError`` and nothing is kept (the next use reads again)."""
    global _read
    if _read is None:
        settings = ConversationSettings.from_env()
        _read = _Read(settings, settings.clock())
    return _read


def reset() -> None:
    """Forget the settings read, so the next use reads the environment again (tests that
    change it)."""
    global _read
    _read = None


def stack_clock(env: Mapping[str, str] | None = None) -> Clock:
    """The stack's clock as its settings say: this process's, read once (``env`` given:
    read from it now)."""
    if env is not None:
        return ConversationSettings.from_env(env).clock()
    return _once().clock


def assistant_name(env: Mapping[str, str] | None = None) -> str:
    """The name the assistant introduces itself with (step 1): this process's setting,
    read once (``env`` given: read from it now)."""
    if env is not None:
        return ConversationSettings.from_env(env).assistant_name
    return _once().settings.assistant_name


# A request left open, offered on the customer's other channels (bot.sop.continuation):
# kept PLN_CONTINUE_HOURS, in the data directory, by the pseudonym under the stack's key.
class ContinuationSettings(EnvSettings):
    keep_hours: float = Field(DEFAULT_KEEP_HOURS, env="PLN_CONTINUE_HOURS", gt=0)
    data_dir: Path = Field(Path(defaults.DATA_DIR), env="PLN_DATA_DIR")
    key_file: str = Field("", env="PLN_PSEUDONYM_KEY_FILE")

    @property
    def store_path(self) -> Path:
        return self.data_dir / STORE_FILE

    @property
    def pseudonym_key_path(self) -> Path:
        return Path(self.key_file) if self.key_file else self.data_dir / KEY_FILE_NAME
