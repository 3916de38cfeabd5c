"""Where the simulator finds its data and how it runs, from the environment.

| variable | default |
|---|---|
| PLN_SIM_DATABASE_URL | ``sqlite:///var/simulator.sqlite3`` (relative paths: from the repo root) |
| PLN_SEED_FILE | the packaged ``seed/customers.yaml`` (a copy of ``shared/fixtures/customers.yaml``) |
| PLN_REGULATIONS_FILE | the packaged ``regulations.yaml`` |
| PLN_NOW | real time; an ISO 8601 timestamp with offset fixes "now" (registration dates) |
| PLN_SIM_HOST / PLN_SIM_PORT | 127.0.0.1 / 5070 |
| PLN_SIM_TOKEN (or PLN_SIM_TOKEN_FILE) | required by ``python -m bot.backoffice``: every route but ``/health`` needs it in ``X-PLN-Token`` |
| PLN_NIK_CHECK_FAILURES_PER_DAY | 3: failed owner-NIK checks of one IDPEL in a day (WIB) before its checks are held for a CSO |
| PLN_ENV | ``development``; ``production``: no ``/docs``, the caller's ``X-PLN-Now`` ignored |
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import deployment

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "sqlite:///var/simulator.sqlite3"
# The project's own copy of ../shared/fixtures/customers.yaml: a clone runs with nothing
# beside it (tests/backoffice/test_seed_copy.py keeps the two equal when shared/ is there).
DEFAULT_SEED_FILE = Path(__file__).resolve().parent / "seed" / "customers.yaml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5070
MAX_BODY_BYTES = 64 * 1024
DEFAULT_NIK_CHECK_FAILURES_PER_DAY = 3


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


# APKT tickets (the collected data masked, the conversation's pseudonymous id) are kept a
# year: long enough for a complaint about the request to be traced.
DEFAULT_TICKET_RETENTION_DAYS = 365.0


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    seed_file: Path = DEFAULT_SEED_FILE
    regulations_file: Path | None = None  # None: $PLN_REGULATIONS_FILE or the packaged one
    fixed_now: dt.datetime | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body_bytes: int = MAX_BODY_BYTES
    # every route but /health needs it in X-PLN-Token; None (an app built in a test
    # process only: ``from_env`` never gives None) checks nothing
    token: str | None = None
    production: bool = False  # no /docs; the caller's X-PLN-Now ignored
    nik_check_failures_per_day: int = DEFAULT_NIK_CHECK_FAILURES_PER_DAY
    ticket_retention_days: float = DEFAULT_TICKET_RETENTION_DAYS

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """The settings of ``python -m bot.backoffice``; ``DeploymentError`` without a
        token."""
        regulations = env.get("PLN_REGULATIONS_FILE")
        failures = int(env.get("PLN_NIK_CHECK_FAILURES_PER_DAY")
                       or DEFAULT_NIK_CHECK_FAILURES_PER_DAY)
        if failures < 1:
            raise ValueError("PLN_NIK_CHECK_FAILURES_PER_DAY must be at least 1")
        return cls(
            token=deployment.required_secret(env, "PLN_SIM_TOKEN", "the simulator"),
            production=deployment.is_production(env),
            nik_check_failures_per_day=failures,
            ticket_retention_days=float(env.get("PLN_TICKET_RETENTION_DAYS")
                                        or DEFAULT_TICKET_RETENTION_DAYS),
            database_url=env.get("PLN_SIM_DATABASE_URL") or DEFAULT_DATABASE_URL,
            seed_file=Path(env.get("PLN_SEED_FILE") or DEFAULT_SEED_FILE),
            regulations_file=Path(regulations) if regulations else None,
            fixed_now=parse_now(env.get("PLN_NOW")),
            host=env.get("PLN_SIM_HOST") or DEFAULT_HOST,
            port=int(env.get("PLN_SIM_PORT") or DEFAULT_PORT),
        )

    def now(self) -> dt.datetime:
        """The simulator's clock: PLN_NOW when set, else the real time (UTC)."""
        return self.fixed_now or dt.datetime.now(dt.timezone.utc)
