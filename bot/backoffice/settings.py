"""Where the simulator finds its data and how it runs: ``Settings``, read once from the
environment at start (``Settings.from_env``).

| variable | default |
|---|---|
| PLN_SIM_DATABASE_URL | ``sqlite:///var/simulator.sqlite3`` (relative paths: from the repo root) |
| PLN_SEED_FILE | the packaged ``seed/customers.yaml`` (a copy of ``shared/fixtures/customers.yaml``) |
| PLN_REGULATIONS_FILE | the packaged ``regulations.yaml`` |
| PLN_NOW | real time; an ISO 8601 timestamp with offset fixes "now" (registration dates) |
| PLN_SIM_HOST / PLN_SIM_PORT | 127.0.0.1 / 5070 |
| PLN_SIM_TOKEN (or PLN_SIM_TOKEN_FILE) | required by ``python -m bot.backoffice``: every route but ``/health`` needs it in ``X-PLN-Token`` |
| PLN_NIK_CHECK_FAILURES_PER_DAY | 3: failed owner-NIK checks of one IDPEL in a day (WIB) before its checks are held for a CSO |
| PLN_TICKET_RETENTION_DAYS | 365: how long APKT tickets are kept |
| PLN_SIM_LOG_LEVEL | INFO |
| PLN_ENV | ``development``; ``production``: no ``/docs``, the caller's ``X-PLN-Now`` ignored |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, validator

from bot import defaults, deployment
from bot.settings_base import EnvSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{defaults.DATA_DIR}/simulator.sqlite3"
# The project's own copy of ../shared/fixtures/customers.yaml: a clone runs with nothing
# beside it (tests/backoffice/test_seed_copy.py keeps the two equal when shared/ is there).
DEFAULT_SEED_FILE = Path(__file__).resolve().parent / "seed" / "customers.yaml"
DEFAULT_REGULATIONS_FILE = Path(__file__).resolve().with_name("regulations.yaml")
MAX_BODY_BYTES = 64 * 1024
DEFAULT_NIK_CHECK_FAILURES_PER_DAY = 3
# APKT tickets (the collected data masked, the conversation's pseudonymous id) are kept a
# year: long enough for a complaint about the request to be traced.
DEFAULT_TICKET_RETENTION_DAYS = 365.0


def resolve_database_url(url: str, base: Path = REPO_ROOT) -> str:
    """A relative SQLite file path is taken from ``base`` (the repo root), and its folder
    is created; other URLs are returned as they are."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite://" or ":memory:" in url:
        return url
    path = Path(url[len(prefix):])
    if not path.is_absolute():
        path = base / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return prefix + str(path)


def parse_now(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"PLN_NOW must carry a UTC offset, got {text!r}")
    return moment


class DataFiles(EnvSettings):
    """The back office's data: the seed (customers, units, areas) and the regulations.
    The NLU's place names come from the same seed (``bot.places``)."""

    seed_file: Path = Field(DEFAULT_SEED_FILE, env="PLN_SEED_FILE")
    regulations_file: Path = Field(DEFAULT_REGULATIONS_FILE, env="PLN_REGULATIONS_FILE")


class Settings(DataFiles):
    """The simulator's settings (``python -m bot.backoffice``)."""

    database_url: str = Field(DEFAULT_DATABASE_URL, env="PLN_SIM_DATABASE_URL")
    fixed_now: dt.datetime | None = Field(None, env="PLN_NOW")
    host: str = Field(defaults.INTERNAL_HOST, env="PLN_SIM_HOST")
    port: int = Field(defaults.SIM_PORT, env="PLN_SIM_PORT", gt=0, lt=65536)
    log_level: str = Field("INFO", env="PLN_SIM_LOG_LEVEL")
    max_body_bytes: int = MAX_BODY_BYTES
    # every route but /health needs it in X-PLN-Token; None (an app built in a test
    # process only: ``from_env`` never gives None) checks nothing
    token: str | None = Field(None, env="PLN_SIM_TOKEN", secret=True)
    production: bool = False  # PLN_ENV=production: no /docs; the caller's X-PLN-Now ignored
    nik_check_failures_per_day: int = Field(
        DEFAULT_NIK_CHECK_FAILURES_PER_DAY, env="PLN_NIK_CHECK_FAILURES_PER_DAY", ge=1)
    ticket_retention_days: float = Field(
        DEFAULT_TICKET_RETENTION_DAYS, env="PLN_TICKET_RETENTION_DAYS", gt=0)

    @validator("fixed_now", pre=True)
    def _with_offset(cls, value):  # noqa: N805 - pydantic's validator
        return parse_now(value) if isinstance(value, str) else value

    @validator("log_level")
    def _upper(cls, value: str) -> str:  # noqa: N805
        return value.strip().upper()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **values) -> Settings:
        """The settings of ``python -m bot.backoffice``; ``DeploymentError`` without a
        token or with a value that does not parse."""
        settings = super().from_env(env, production=deployment.is_production(env), **values)
        if not settings.token:
            raise deployment.missing_token("PLN_SIM_TOKEN", "the simulator")
        return settings

    def now(self) -> dt.datetime:
        """The simulator's clock: PLN_NOW when set, else the real time (UTC)."""
        return self.fixed_now or dt.datetime.now(dt.timezone.utc)
