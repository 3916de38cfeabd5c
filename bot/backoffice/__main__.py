"""``python -m bot.backoffice``: serve the simulator with uvicorn (PLN_SIM_HOST/PORT)."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    # uvicorn's own access log would print paths with IDPELs and phone numbers in clear.
    # ws="none": the simulator has no websockets, and Rasa pins a websockets release that
    # uvicorn's auto-detection cannot import.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, ws="none",
                log_level="info")


if __name__ == "__main__":
    main()
