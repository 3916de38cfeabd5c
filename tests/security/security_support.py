"""The stack of the security tests, started as production starts it (``conftest.py``
makes it the session fixture ``production``)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REST_TOKEN = "security-rest-token"
# The stack's clock: 20:00 WIB ("selamat malam"); a caller claiming 09:00 must not move it.
STACK_NOW = "2026-11-27T20:00:00+07:00"
START_TIMEOUT_S = 240


@dataclass
class ProductionStack:
    env: dict[str, str]
    data_dir: Path
    launcher: subprocess.Popen

    @property
    def rasa(self) -> str:
        return f"http://{self.env['PLN_HOST']}:{self.env['PLN_RASA_PORT']}"

    @property
    def simulator(self) -> str:
        return self.env["PLN_SIM_URL"]

    @property
    def actions(self) -> str:
        return self.env["PLN_ACTIONS_URL"]

    def said(self) -> str:
        return (self.data_dir / "launcher.out").read_text(errors="replace")

    def pids(self) -> list[int]:
        """The launcher and every process of every service's group (workers included)."""
        leaders = {int(p.read_text()) for p in (self.data_dir / "run").glob("*.pid")}
        found = [self.launcher.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            group = int(stat.rsplit(")", 1)[1].split()[2])
            if group in leaders:
                found.append(int(entry.name))
        return found


def environment_without_pln(**settings: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PLN_", "TELEGRAM_", "TWILIO_", "VOICE_", "WHATSAPP_"))}
    return {**base, **settings}
