"""``python -m bot.notify``: the notifier (PLN_NOTIFY_PORT, default 5090)."""

from __future__ import annotations

import logging
import os

import uvicorn

from bot import log_privacy
from bot.notify.service import create_app


def main() -> None:
    log_privacy.install()
    logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(create_app(), host=os.environ.get("PLN_HOST", "127.0.0.1"),
                port=int(os.environ.get("PLN_NOTIFY_PORT", "5090")), access_log=False,
                ws="none", log_level="info")


if __name__ == "__main__":
    main()
