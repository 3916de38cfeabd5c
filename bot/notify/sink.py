"""A local SMTP server for development (aiosmtpd): every message it receives is written
to a folder as ``<time>-<n>.eml`` (owner-only) and its path printed, so a developer can
open it. Messages older than ``PLN_MAIL_SINK_DAYS`` (7) are deleted when the sink starts
and at every new message: they hold names and full addresses. Production refuses the
sink (``bot.notify.mailer``)."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bot import defaults
from bot.notify.settings import DEFAULT_KEEP_DAYS

_numbers = itertools.count(1)


class SaveToFolder:
    def __init__(self, folder: Path, keep_days: float = DEFAULT_KEEP_DAYS):
        self.folder = folder
        self.keep_s = keep_days * 86400
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.forget_old()

    def forget_old(self, now: float | None = None) -> int:
        """Delete the messages older than the retention; how many went."""
        cutoff = (time.time() if now is None else now) - self.keep_s
        old = [path for path in self.folder.glob("*.eml") if path.stat().st_mtime < cutoff]
        for path in old:
            path.unlink(missing_ok=True)
        return len(old)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's
        self.forget_old()
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{next(_numbers)}.eml"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(envelope.original_content or envelope.content)
        print(f"mail written to {path}", flush=True)
        return "250 Message accepted for delivery"


def start_sink(folder: Path, port: int, host: str = defaults.INTERNAL_HOST,
               keep_days: float = DEFAULT_KEEP_DAYS) -> Controller:
    controller = Controller(SaveToFolder(folder, keep_days), hostname=host, port=port)
    controller.start()
    return controller
