"""The console's settings, read once from the environment (``ConsoleSettings.from_env``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MINUTE = 60.0


@dataclass(frozen=True)
class ConsoleSettings:
    data_dir: Path = Path("var")
    # where CSOs reach the console; https:// makes the cookies Secure and __Host- prefixed
    public_url: str = ""
    # a session ends 12 hours after sign-in, or after this long without a request
    lifetime_s: float = 12 * 3600.0
    idle_s: float = 30 * MINUTE
    # failed sign-ins within the window, per account (the name as typed) and per address
    failures_per_account: int = 5
    failures_per_address: int = 20
    failure_window_s: float = 15 * MINUTE
    # the reverse proxy whose X-Forwarded-For / X-Forwarded-Proto are believed ("" = none)
    trusted_proxy: str = ""

    @property
    def https(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsoleSettings:
        env = os.environ if env is None else env
        return cls(
            data_dir=Path(env.get("PLN_DATA_DIR") or "var"),
            public_url=env.get("PLN_CONSOLE_PUBLIC_URL", "").strip(),
            idle_s=float(env.get("PLN_CONSOLE_IDLE_MINUTES") or 30) * MINUTE,
            failures_per_account=int(env.get("PLN_CONSOLE_FAILURES_PER_ACCOUNT") or 5),
            failures_per_address=int(env.get("PLN_CONSOLE_FAILURES_PER_ADDRESS") or 20),
            failure_window_s=float(env.get("PLN_CONSOLE_FAILURE_WINDOW_MINUTES") or 15) * MINUTE,
            trusted_proxy=env.get("PLN_CONSOLE_TRUSTED_PROXY", "").strip())
