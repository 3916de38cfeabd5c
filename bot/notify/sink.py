"""A local SMTP server for development (aiosmtpd): every message it receives is written
to a folder as ``<time>-<n>.eml`` and its path printed, so a developer can open it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from aiosmtpd.controller import Controller

_numbers = itertools.count(1)


class SaveToFolder:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{next(_numbers)}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        print(f"mail written to {path}", flush=True)
        return "250 Message accepted for delivery"


def start_sink(folder: Path, port: int, host: str = "127.0.0.1") -> Controller:
    controller = Controller(SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller
