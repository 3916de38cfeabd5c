"""``python -m bot.notify``: the notifier (PLN_NOTIFY_PORT, default 5090), an internal
service: on PLN_INTERNAL_HOST (else PLN_HOST, default 127.0.0.1)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from bot import log_privacy
from bot.deployment import DeploymentError
from bot.notify.service import create_app
from bot.notify.settings import NotifierSettings


def main() -> None:
    log_privacy.install()
    logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = NotifierSettings.from_env()
    except DeploymentError as error:
        sys.exit(f"error: {error}")
    uvicorn.run(create_app(settings=settings), host=settings.host, port=settings.port,
                access_log=False, ws="none", log_level="info")

if __name__ == "__main__":
    main()
