"""The launcher's settings: typed (``LauncherSettings``, ``ScaledSettings``), read once
from the environment at start, with the defaults of ``bot.defaults``; and the environment
the services get (``settings_from_env``): those settings as strings, plus what follows
from them (the services' URLs, their tokens, the data folder's files).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseSettings, Field, ValidationError

from bot import defaults, deployment
from bot.pseudonyms import KEY_FILE_NAME, KEY_FILE_SETTING

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent

DEFAULTS = defaults.ENVIRONMENT
ENV_PREFIX = "PLN_"
INSTANCES_ENV = "PLN_INSTANCES"

Settings = TypeVar("Settings", bound="EnvironmentSettings")


class EnvironmentSettings(BaseSettings):
    """Settings named ``PLN_<FIELD>``, read from the mapping given to ``read`` (the
    process's environment at start; a test's own dictionary), never from anywhere else:
    an empty value counts as unset."""

    class Config:
        env_prefix = ENV_PREFIX

        @classmethod
        def customise_sources(cls, init_settings, env_settings, file_secret_settings):
            return (init_settings,)  # ``read`` gives the environment it was asked to

    @classmethod
    def env_name(cls, field: str) -> str:
        return f"{ENV_PREFIX}{field.upper()}"

    @classmethod
    def read(cls: type[Settings], environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``); ``RuntimeError`` naming
        each setting that is wrong."""
        environ = os.environ if environ is None else environ
        given = {name: environ[cls.env_name(name)] for name in cls.__fields__
                 if environ.get(cls.env_name(name))}
        try:
            return cls(**given)
        except ValidationError as error:
            wrong = "; ".join(
                f"{cls.env_name(str(problem['loc'][0]))} must be {_expected(problem)}, not "
                f"{given.get(str(problem['loc'][0]))!r}" for problem in error.errors())
            raise RuntimeError(wrong) from None

    def environment(self) -> dict[str, str]:
        """Each setting as the environment variable the services read."""
        return {self.env_name(name): str(value) for name, value in self.dict().items()}


def _expected(problem: dict) -> str:
    if problem["type"].startswith("type_error.integer"):
        return "a whole number"
    return problem["msg"].removeprefix("ensure this value is ").removeprefix("value is not ")


class LauncherSettings(EnvironmentSettings):
    """Where the services listen, their files, and how many Rasa instances."""

    data_dir: Path = Path(defaults.DATA_DIR)  # relative to the repository root
    host: str = defaults.HOST
    internal_host: str = defaults.INTERNAL_HOST
    sim_port: int = Field(defaults.SIM_PORT, ge=1, le=65535)
    actions_port: int = Field(defaults.ACTIONS_PORT, ge=1, le=65535)
    rasa_port: int = Field(defaults.RASA_PORT, ge=1, le=65535)
    console_port: int = Field(defaults.CONSOLE_PORT, ge=1, le=65535)
    notify_port: int = Field(defaults.NOTIFY_PORT, ge=1, le=65535)
    smtp_port: int = Field(defaults.SMTP_PORT, ge=1, le=65535)
    model: str = defaults.MODEL
    endpoints: str = defaults.ENDPOINTS
    credentials: str = defaults.CREDENTIALS
    instances: int = Field(1, ge=1, le=16)  # Rasa instances (above 1: the scaled stack)
    scaled: bool = False  # the scaled stack even with one instance (`make run-scaled`)

    @property
    def data_path(self) -> Path:
        return self.data_dir if self.data_dir.is_absolute() else ROOT / self.data_dir

    @property
    def is_scaled(self) -> bool:
        return self.scaled or self.instances > 1

    def environment(self) -> dict[str, str]:
        """The settings of ``bot.defaults`` (the data folder absolute); ``PLN_INSTANCES``
        and ``PLN_SCALED`` are the launcher's alone."""
        every = super().environment()
        every["PLN_DATA_DIR"] = str(self.data_path)
        return {name: every[name] for name in DEFAULTS}


class ScaledSettings(EnvironmentSettings):
    """The scaled stack's: its instances' ports, PostgreSQL's and Redis's (this
    machine's by default)."""

    instance_port_base: int = Field(5100, ge=1, le=65000)
    endpoints: str = "endpoints.production.yml"
    tracker_db_host: str = "127.0.0.1"
    tracker_db_port: int = Field(5432, ge=1, le=65535)
    tracker_db_name: str = "pln123_tracker"
    tracker_db_user: str = "postgres"
    tracker_db_password: str = ""
    redis_host: str = "127.0.0.1"
    redis_port: int = Field(6379, ge=1, le=65535)
    redis_db: int = Field(0, ge=0)

    def simulator_database_url(self) -> str:
        password = f":{self.tracker_db_password}" if self.tracker_db_password else ""
        return (f"postgresql://{self.tracker_db_user}{password}@{self.tracker_db_host}:"
                f"{self.tracker_db_port}/pln123_backoffice")


def instances(env: Mapping[str, str]) -> int:
    """How many Rasa instances (``PLN_INSTANCES``, default 1)."""
    return LauncherSettings.read(env).instances


def is_scaled(env: Mapping[str, str]) -> bool:
    return LauncherSettings.read(env).is_scaled


def scaled_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The scaled stack's defaults (PostgreSQL and Redis on this machine) added to
    ``environ``, before ``settings_from_env`` adds the single instance's."""
    env = dict(environ)
    scaled = ScaledSettings.read(env)
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
    env.update(LauncherSettings.read(env).environment())
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
