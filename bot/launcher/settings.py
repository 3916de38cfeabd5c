"""The launcher's settings: typed (``LauncherSettings``, ``ScaledSettings``: the shape of
every service's, ``bot.settings_base``), read once from the environment at start, with
the defaults of ``bot.defaults``; a value that does not parse stops the launcher naming
its variable (``SettingsError``); and the environment the services get
(``settings_from_env``): those settings as strings, plus what follows from them (the
services' URLs, their tokens, the data folder's files).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field

from bot import defaults, deployment
from bot.pseudonyms import KEY_FILE_NAME, KEY_FILE_SETTING
from bot.settings_base import EnvSettings

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent

DEFAULTS = defaults.ENVIRONMENT
INSTANCES_ENV = "PLN_INSTANCES"


class LauncherSettings(EnvSettings):
    """Where the services listen, their files, and how many Rasa instances."""

    data_dir: Path = Field(Path(defaults.DATA_DIR), env="PLN_DATA_DIR")  # from the repository
    host: str = Field(defaults.HOST, env="PLN_HOST")
    internal_host: str = Field(defaults.INTERNAL_HOST, env="PLN_INTERNAL_HOST")
    sim_port: int = Field(defaults.SIM_PORT, ge=1, le=65535, env="PLN_SIM_PORT")
    actions_port: int = Field(defaults.ACTIONS_PORT, ge=1, le=65535, env="PLN_ACTIONS_PORT")
    rasa_port: int = Field(defaults.RASA_PORT, ge=1, le=65535, env="PLN_RASA_PORT")
    console_port: int = Field(defaults.CONSOLE_PORT, ge=1, le=65535, env="PLN_CONSOLE_PORT")
    notify_port: int = Field(defaults.NOTIFY_PORT, ge=1, le=65535, env="PLN_NOTIFY_PORT")
    smtp_port: int = Field(defaults.SMTP_PORT, ge=1, le=65535, env="PLN_SMTP_PORT")
    model: str = Field(defaults.MODEL, env="PLN_MODEL")
    endpoints: str = Field(defaults.ENDPOINTS, env="PLN_ENDPOINTS")
    credentials: str = Field(defaults.CREDENTIALS, env="PLN_CREDENTIALS")
    # Rasa instances (above 1: the scaled stack)
    instances: int = Field(1, ge=1, le=16, env=INSTANCES_ENV)
    # the scaled stack even with one instance (`make run-scaled`)
    scaled: bool = Field(False, env="PLN_SCALED")
    # seconds between SIGTERM and SIGKILL when the services are stopped
    stop_grace_s: float = Field(10.0, gt=0, env="PLN_STOP_GRACE_S")

    @property
    def data_path(self) -> Path:
        return self.data_dir if self.data_dir.is_absolute() else ROOT / self.data_dir

    @property
    def is_scaled(self) -> bool:
        return self.scaled or self.instances > 1

    def environment(self) -> dict[str, str]:
        """The settings of ``bot.defaults`` as the services read them (the data folder
        absolute); ``PLN_INSTANCES`` and ``PLN_SCALED`` are the launcher's alone."""
        every = _as_environment(self)
        every["PLN_DATA_DIR"] = str(self.data_path)
        return {name: every[name] for name in DEFAULTS}


class ScaledSettings(EnvSettings):
    """The scaled stack's: its instances' ports, PostgreSQL's and Redis's (this
    machine's by default)."""

    instance_port_base: int = Field(5100, ge=1, le=65000, env="PLN_INSTANCE_PORT_BASE")
    endpoints: str = Field("endpoints.production.yml", env="PLN_ENDPOINTS")
    tracker_db_host: str = Field("127.0.0.1", env="PLN_TRACKER_DB_HOST")
    tracker_db_port: int = Field(5432, ge=1, le=65535, env="PLN_TRACKER_DB_PORT")
    tracker_db_name: str = Field("pln123_tracker", env="PLN_TRACKER_DB_NAME")
    tracker_db_user: str = Field("postgres", env="PLN_TRACKER_DB_USER")
    tracker_db_password: str = Field("", env="PLN_TRACKER_DB_PASSWORD")
    redis_host: str = Field("127.0.0.1", env="PLN_REDIS_HOST")
    redis_port: int = Field(6379, ge=1, le=65535, env="PLN_REDIS_PORT")
    redis_db: int = Field(0, ge=0, env="PLN_REDIS_DB")

    def environment(self) -> dict[str, str]:
        return _as_environment(self)

    def simulator_database_url(self) -> str:
        password = f":{self.tracker_db_password}" if self.tracker_db_password else ""
        return (f"postgresql://{self.tracker_db_user}{password}@{self.tracker_db_host}:"
                f"{self.tracker_db_port}/pln123_backoffice")


def _as_environment(settings: EnvSettings) -> dict[str, str]:
    """Each setting as the environment variable the services read it from."""
    return {settings.variable(name): str(value) for name, value in settings.dict().items()}


def instances(env: Mapping[str, str]) -> int:
    """How many Rasa instances (``PLN_INSTANCES``, default 1)."""
    return LauncherSettings.from_env(env).instances


def is_scaled(env: Mapping[str, str]) -> bool:
    return LauncherSettings.from_env(env).is_scaled


def scaled_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The scaled stack's defaults (PostgreSQL and Redis on this machine) added to
    ``environ``, before ``settings_from_env`` adds the single instance's."""
    env = dict(environ)
    scaled = ScaledSettings.from_env(env)
    for name, value in scaled.environment().items():
        if not env.get(name):
            env[name] = value
    env.setdefault("PLN_SIM_DATABASE_URL", scaled.simulator_database_url())
    return env


# The token each service checks its callers with (the Rasa HTTP API's, the simulator's,
# the action server's, the notifier's); every caller gets it from the environment.
SERVICE_TOKENS = ("PLN_RASA_TOKEN", "PLN_SIM_TOKEN", "PLN_ACTIONS_TOKEN", "PLN_NOTIFY_TOKEN")


def service_tokens(env: dict[str, str]) -> None:
    """Each token from the environment or its ``*_FILE`` (``bot.deployment.secret``), else
    a new one for this run. They reach the services in their environment, never on a
    command line (``ps`` shows every user the command lines)."""
    for name in SERVICE_TOKENS:
        env[name] = deployment.secret(env, name) or secrets.token_hex(16)


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the services share, with every default filled in."""
    env = dict(os.environ if environ is None else environ)
    env.update(LauncherSettings.from_env(env).environment())
    data_dir = Path(env["PLN_DATA_DIR"])
    env.setdefault(KEY_FILE_SETTING, str(data_dir / KEY_FILE_NAME))
    host, internal = env["PLN_HOST"], env["PLN_INTERNAL_HOST"]
    env.setdefault("PLN_SIM_HOST", internal)
    env.setdefault("PLN_SIM_URL", f"http://{internal}:{env['PLN_SIM_PORT']}")
    env.setdefault("PLN_ACTIONS_URL", f"http://{internal}:{env['PLN_ACTIONS_PORT']}")
    env.setdefault("PLN_RASA_URL", f"http://{host}:{env['PLN_RASA_PORT']}")
    env.setdefault("PLN_NOTIFY_URL", f"http://{internal}:{env['PLN_NOTIFY_PORT']}")
    service_tokens(env)
    # no SMTP server given: a local sink writes every e-mail to $PLN_DATA_DIR/mail/
    env.setdefault("PLN_SMTP_SINK", "0" if env.get("PLN_SMTP_HOST") else "1")
    env.setdefault("PLN_SIM_DATABASE_URL", f"sqlite:///{data_dir / 'simulator.sqlite3'}")
    env.setdefault("PLN_TRACKER_SQLITE", str(data_dir / "tracker.sqlite3"))
    env["SANIC_HOST"] = internal  # rasa-sdk's action server binds to this (default 0.0.0.0)
    # Sanic refuses bodies above this with a 413 before reading them (default 100 MB); a
    # message's text is bounded again, far lower, by the channel contract.
    env.setdefault("SANIC_REQUEST_MAX_SIZE", str(1024 * 1024))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Rasa's pinned libraries warn about their own deprecations at every start (click,
    # spaCy, matplotlib): noise for whoever talks to the assistant in `make shell`.
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env
