"""``python -m bot.notify``: the notifier (PLN_NOTIFY_PORT, default 5090), an internal
service: on PLN_INTERNAL_HOST (else PLN_HOST, default 127.0.0.1)."""

from __future__ import annotations

import logging
import os

import uvicorn

from bot import log_privacy
from bot.notify.service import create_app


def main() -> None:
    log_privacy.install()
    logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
    host = os.environ.get("PLN_INTERNAL_HOST") or os.environ.get("PLN_HOST", "127.0.0.1")
    uvicorn.run(create_app(), host=host,
                port=int(os.environ.get("PLN_NOTIFY_PORT", "5090")), access_log=False,
                ws="none", log_level="info")


if __name__ == "__main__":
    main()
